"""An upload is imported by the worker (TASKS_BACKEND=database) and shows its progress.

The worker runs here in this process (`db_worker --batch`: what is queued, then it stops);
tests/test_worker.py runs it as a process of its own and kills it mid-import.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory.models import Group, Worker
from partners import uploads
from partners.models import ImportJob, Membership, Submission
from tests.factories import make_organization

HEADER = "name,format,attendance,leader_type,days,start_time,city,region,postal_code\n"


def rows(count):
    return [
        f"Circle {n:03d},support,in_person,peer,tue,19:00,Austin,TX,78701\n" for n in range(count)
    ]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
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

    def run_worker(self):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval=0", verbosity=0)
        return ImportJob.objects.get()

    def test_the_request_queues_the_import_and_the_worker_does_it(self):
        response = self.upload(rows(120))

        job = ImportJob.objects.get()
        self.assertRedirects(
            response, f"/partners/uploads/{job.pk}/", fetch_redirect_response=False
        )
        self.assertEqual(job.status, ImportJob.Status.RUNNING)
        self.assertEqual(job.rows_total, 120)
        task = DBTaskResult.objects.get()
        self.assertEqual(
            (task.task_path, task.status, task.args_kwargs["args"]),
            ("partners.uploads.import_upload", TaskResultStatus.READY, [job.pk]),
        )
        waiting = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(waiting, "Checking row 0 of 120")
        self.assertContains(waiting, '<meta http-equiv="refresh" content="2">')
        self.assertFalse(Group.objects.exists())

        job = self.run_worker()

        self.assertEqual(job.status, ImportJob.Status.DONE)
        self.assertEqual(Group.objects.filter(status=Group.Status.PENDING).count(), 120)
        self.assertEqual(Submission.objects.count(), 120)
        done = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(done, "120 new groups and 0 updates are waiting")
        self.assertNotContains(done, "http-equiv")
        self.assertEqual(DBTaskResult.objects.get().status, TaskResultStatus.SUCCESSFUL)

    def test_a_running_upload_shows_its_progress_and_refreshes(self):
        job = ImportJob.objects.create(
            organization=self.organization, file_name="big.csv", text="", rows_total=400,
            rows_done=150,
        )  # fmt: skip

        page = self.client.get(f"/partners/uploads/{job.pk}/")

        self.assertContains(page, '<meta http-equiv="refresh" content="2">')
        self.assertContains(page, '<progress max="400" value="150">')
        self.assertContains(page, "Checking row 150 of 400")
        self.assertNotContains(page, "isn't running right now")

        ImportJob.objects.filter(pk=job.pk).update(rows_done=400)
        page = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(page, "Every row is checked; saving the groups…")

    def test_an_upload_waiting_for_a_worker_that_is_not_running_says_so(self):
        job = ImportJob.objects.create(
            organization=self.organization, file_name="big.csv", text="", rows_total=400
        )
        ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
        url = f"/partners/uploads/{job.pk}/"

        self.assertContains(self.client.get(url), "The server that imports files isn't running")
        Worker.objects.create(id="w1", pid=1)
        self.assertNotContains(self.client.get(url), "isn't running")

    def test_a_bad_row_in_a_large_file_imports_nothing(self):
        bad = rows(60)
        bad[41] = "Circle 041,support,in_person,peer,funday,19:00,Austin,TX,78701\n"
        self.upload(bad)

        job = self.run_worker()

        self.assertEqual(job.status, ImportJob.Status.FAILED)
        problem = "“funday” is not a day. Use mon, tue, wed, thu, fri, sat, sun."
        self.assertEqual(job.problems, [{"row": 43, "column": "days", "message": problem}])
        self.assertEqual(job.problem_count, 1)
        self.assertFalse(Group.objects.exists())
        page = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(page, "<td>43</td><td>days</td>")
        self.assertContains(page, "We found 1 problem, so nothing was imported.")

    def test_an_upload_that_stopped_for_another_reason_than_the_file_says_only_that(self):
        job = ImportJob.objects.create(
            organization=self.organization, file_name="big.csv", text="", rows_total=400,
            status=ImportJob.Status.FAILED, problem_count=1,
            problems=[{"row": None, "column": "-", "message": uploads.INTERRUPTED}],
        )  # fmt: skip

        page = self.client.get(f"/partners/uploads/{job.pk}/")

        self.assertContains(page, f'<p class="problem" role="alert">{uploads.INTERRUPTED}</p>')
        self.assertContains(page, "Upload the file again")
        self.assertNotContains(page, "We found")
