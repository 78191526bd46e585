"""A large CSV upload runs in the background and shows its progress."""

import threading

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TransactionTestCase, override_settings

from directory.models import Group
from partners.models import ImportJob, Membership, Submission
from tests.factories import make_organization

HEADER = "name,format,attendance,leader_type,days,start_time,city,region,postal_code\n"


@override_settings(UPLOAD_ROWS_IN_REQUEST=5)
class BackgroundUploadTests(TransactionTestCase):
    serialized_rollback = True  # keeps the focus vocabulary the migrations seeded

    def setUp(self):
        self.organization = make_organization("Riverbend Peer Network")
        user = User.objects.create_user("ana@example.org", "ana@example.org", "password")
        Membership.objects.create(user=user, organization=self.organization, role="admin")
        self.client.force_login(user)

    def upload(self, rows):
        text = HEADER + "".join(rows)
        return self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile("big.csv", text.encode(), content_type="text/csv")},
        )

    def wait_for_uploads(self):
        """Wait for the uploads' threads (the test database can't be read while they write),
        then return the latest upload."""
        for thread in threading.enumerate():
            if thread.name.startswith("upload-"):
                thread.join(timeout=60)
        return ImportJob.objects.latest("pk")

    def test_the_request_returns_before_the_import_and_the_job_finishes_it(self):
        rows = [
            f"Circle {n:03d},support,in_person,peer,tue,19:00,Austin,TX,78701\n" for n in range(120)
        ]

        response = self.upload(rows)

        job = self.wait_for_uploads()
        self.assertRedirects(
            response, f"/partners/uploads/{job.pk}/", fetch_redirect_response=False
        )
        self.assertEqual(job.status, ImportJob.Status.DONE)
        self.assertEqual(Group.objects.filter(status=Group.Status.PENDING).count(), 120)
        self.assertEqual(Submission.objects.count(), 120)
        done = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(done, "120 new groups and 0 updates are waiting")
        self.assertNotContains(done, "http-equiv")

    def test_a_running_upload_shows_its_progress_and_refreshes(self):
        job = ImportJob.objects.create(
            organization=self.organization, file_name="big.csv", text="", rows_total=400,
            rows_done=150,
        )  # fmt: skip

        page = self.client.get(f"/partners/uploads/{job.pk}/")

        self.assertContains(page, '<meta http-equiv="refresh" content="2">')
        self.assertContains(page, '<progress max="400" value="150">')
        self.assertContains(page, "Checking row 150 of 400")

    def test_a_bad_row_in_a_large_file_imports_nothing(self):
        rows = [
            f"Circle {n:03d},support,in_person,peer,tue,19:00,Austin,TX,78701\n" for n in range(60)
        ]
        rows[41] = "Circle 041,support,in_person,peer,funday,19:00,Austin,TX,78701\n"

        self.upload(rows)

        job = self.wait_for_uploads()
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        problem = "“funday” is not a day. Use mon, tue, wed, thu, fri, sat, sun."
        self.assertEqual(job.problems, [{"row": 43, "column": "days", "message": problem}])
        self.assertFalse(Group.objects.exists())
        page = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(page, "<td>43</td><td>days</td>")
