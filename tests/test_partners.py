"""Affiliates keep their groups current; curators review every change. Journeys over HTTP."""

import re
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import TestCase

from directory.models import Group, GroupVersion, ProblemReport
from partners.models import ImportJob, JoinRequest, Membership, Submission
from tests.factories import make_curator, make_group, make_organization

NOON_NOVEMBER_24 = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))


def make_affiliate(organization, email="ana@example.org", role=Membership.Role.ADMIN):
    user = User.objects.create_user(email, email, "affiliate-password")
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def group_post(name="Thursday Evening Circle", action="submit", **overrides):
    """The partner group form, filled in for an in-person peer support group in Denver."""
    data = {
        "name": name,
        "description": "A weekly circle for people living with depression.",
        "format": "support",
        "membership": "open",
        "leader_type": "peer",
        "leader_training": "Completed a 2-day peer facilitator training",
        "attendance": "in_person",
        "venue": "Grace Street Community Center",
        "address": "12 Example Street",
        "city": "Denver",
        "region": "CO",
        "postal_code": "80202",
        "country": "US",
        "address_visibility": "public",
        "confidentiality_policy": "What is shared here stays here.",
        "cost": "free",
        "languages": "en",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-days": ["thu"],
        "form-0-start_time": "18:30",
        "form-0-end_time": "20:00",
        "form-0-frequency": "weekly",
        "form-0-timezone": "",
        "action": action,
    }
    return data | overrides


def result_slugs(response):
    return re.findall(r'<h3><a href="/groups/([a-z0-9-]+)/', response.content.decode())


class JourneyTests(TestCase):
    def setUp(self):
        cache.clear()
        self.curator = make_curator()

    def approve_as_curator(self, submission):
        self.client.force_login(self.curator)
        queue = self.client.get("/admin/partners/submission/")
        self.assertContains(queue, submission.data["group"]["name"])
        review = self.client.get(f"/admin/partners/submission/{submission.pk}/change/")
        self.assertContains(review, 'data-check="moderation_rules"')
        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/", {"decision": "approve"}
        )
        self.client.logout()

    def test_from_join_request_to_a_listed_group(self):
        # An organization asks to join.
        response = self.client.post(
            "/partners/join/",
            {
                "organization_name": "Mile High Mood Collective",
                "website": "https://example.org/mile-high",
                "contact_name": "Ana Ruiz",
                "contact_email": "Ana@Example.org",
                "about": "We run three peer support groups in Denver.",
            },
        )
        self.assertRedirects(response, "/partners/join/thanks/")
        join_request = JoinRequest.objects.get()

        # A curator approves it; the contact is emailed an invitation.
        self.client.force_login(self.curator)
        self.client.post(
            "/admin/partners/joinrequest/",
            {"action": "approve", "_selected_action": [join_request.pk]},
        )
        self.client.logout()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["ana@example.org"])
        link = re.search(r"http://[^\s]+/partners/password/[^\s]+/", mail.outbox[0].body)[0]

        # She sets a password and signs in.
        path = link.split("127.0.0.1:8000", 1)[1]
        form_page = self.client.get(path, follow=True)
        set_password_url = form_page.redirect_chain[-1][0]
        self.client.post(
            set_password_url,
            {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
        )
        response = self.client.post(
            "/partners/sign-in/",
            {"username": "ana@example.org", "password": "a long new passphrase"},
        )
        self.assertRedirects(response, "/partners/")

        # She adds a group and submits it; it is not listed yet.
        response = self.client.post("/partners/mile-high-mood-collective/groups/new/", group_post())
        self.assertRedirects(response, "/partners/")
        group = Group.objects.get(name="Thursday Evening Circle")
        self.assertEqual(group.status, Group.Status.PENDING)
        self.assertEqual(group.meeting_times.get().timezone, "America/Denver")  # from the ZIP
        self.assertEqual(result_slugs(self.client.get("/groups/", {"near": "80202"})), [])
        dashboard = self.client.get("/partners/")
        self.assertContains(dashboard, "Waiting for review")

        # A curator approves it; it appears in the search and she is emailed.
        self.approve_as_curator(Submission.objects.get(group=group))
        self.assertEqual(
            result_slugs(self.client.get("/groups/", {"near": "80202"})),
            ["thursday-evening-circle-denver"],
        )
        self.assertIn("Approved", mail.outbox[-1].subject)
        self.assertEqual(mail.outbox[-1].to, ["ana@example.org"])

    def test_an_edit_of_a_published_group_waits_for_approval(self):
        organization = make_organization()
        group = make_group("Tuesday Circle", organization=organization)
        self.client.force_login(make_affiliate(organization))

        self.client.post(
            f"/partners/groups/{group.pk}/edit/",
            group_post("Tuesday Circle", description="Now with a new description.",
                       city="Austin", region="TX", postal_code="78701"),
        )  # fmt: skip

        # The published version stays visible meanwhile.
        page = self.client.get("/groups/tuesday-circle-austin/")
        self.assertNotContains(page, "Now with a new description.")
        self.assertContains(page, "A weekly circle where people living with depression share")
        self.assertContains(self.client.get("/partners/"), "changes waiting for review")
        submission = Submission.objects.get(group=group, kind=Submission.Kind.CHANGE)
        self.assertIn(
            ("Description", group.description, "Now with a new description."),
            submission.differences(),
        )

        self.approve_as_curator(submission)

        page = self.client.get("/groups/tuesday-circle-austin/")
        self.assertContains(page, "Now with a new description.")
        self.assertContains(page, "Thursdays, 6:30–8 pm")
        self.assertEqual(group.versions.first().note, "Approved a change")

    def test_a_rejection_reaches_the_affiliate_with_its_reason(self):
        organization = make_organization()
        affiliate = make_affiliate(organization)
        self.client.force_login(affiliate)
        self.client.post(f"/partners/{organization.slug}/groups/new/", group_post())
        submission = Submission.objects.get()

        self.client.force_login(self.curator)
        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/",
            {"decision": "reject", "reason": "Please add the leader's training."},
        )

        self.client.force_login(affiliate)
        dashboard = self.client.get("/partners/")
        self.assertContains(dashboard, "Not approved: Please add the leader&#x27;s training.")
        self.assertEqual(Group.objects.get().status, Group.Status.REJECTED)
        self.assertIn("Please add the leader's training.", mail.outbox[-1].body)
        self.assertEqual(mail.outbox[-1].to, ["ana@example.org"])

    def test_rejecting_needs_a_reason(self):
        organization = make_organization()
        self.client.force_login(make_affiliate(organization))
        self.client.post(f"/partners/{organization.slug}/groups/new/", group_post())
        submission = Submission.objects.get()
        self.client.force_login(self.curator)

        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/", {"decision": "reject"}
        )

        submission.refresh_from_db()
        self.assertEqual(submission.status, Submission.Status.PENDING)

    def test_the_blank_extra_meeting_time_is_ignored_and_a_second_one_is_added(self):
        organization = make_organization()
        self.client.force_login(make_affiliate(organization))
        blank_extra = {
            "form-TOTAL_FORMS": "2",
            "form-1-days": [],
            "form-1-start_time": "",
            "form-1-frequency": "weekly",
            "form-1-timezone": "",
        }
        self.client.post(f"/partners/{organization.slug}/groups/new/", group_post(**blank_extra))
        group = Group.objects.get()
        self.assertEqual(group.meeting_times.count(), 1)

        second = blank_extra | {"form-INITIAL_FORMS": "1", "form-1-days": ["sat"],
                                "form-1-start_time": "10:00"}  # fmt: skip
        self.client.post(f"/partners/groups/{group.pk}/edit/", group_post(**second))

        self.assertEqual(sorted(group.meeting_times.values_list("days", flat=True)), ["sat", "thu"])

    def test_a_draft_is_saved_but_not_sent_for_review(self):
        organization = make_organization()
        self.client.force_login(make_affiliate(organization))

        self.client.post(f"/partners/{organization.slug}/groups/new/", group_post(action="draft"))

        self.assertEqual(Group.objects.get().status, Group.Status.DRAFT)
        self.assertFalse(Submission.objects.exists())

    def test_the_form_keeps_everything_typed_when_something_is_wrong(self):
        organization = make_organization()
        self.client.force_login(make_affiliate(organization))

        response = self.client.post(
            f"/partners/{organization.slug}/groups/new/",
            group_post(attendance="online", online_url="", cost="fee", **{"form-0-days": []}),
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "An online or hybrid group needs the link members use")
        self.assertContains(response, "Say how much one session costs.")
        self.assertContains(response, "Pick at least one day.")
        self.assertContains(response, 'value="Thursday Evening Circle"')
        self.assertContains(response, "A weekly circle for people living with depression.")
        self.assertContains(response, 'value="18:30"')
        self.assertFalse(Group.objects.exists())

    def test_still_accurate_and_archive(self):
        organization = make_organization()
        group = make_group("Tuesday Circle", organization=organization,
                           last_verified_on=date(2025, 1, 1))  # fmt: skip
        self.client.force_login(make_affiliate(organization))

        with time_machine.travel(NOON_NOVEMBER_24, tick=False):
            self.client.post(f"/partners/groups/{group.pk}/still-accurate/")
        group.refresh_from_db()
        self.assertEqual(group.last_verified_on, date(2026, 11, 24))

        # Archiving a published group is a request: it stays listed until a curator agrees.
        self.client.post(f"/partners/groups/{group.pk}/archive/")
        group.refresh_from_db()
        self.assertEqual(group.status, Group.Status.PUBLISHED)
        self.assertEqual(self.client.get("/groups/tuesday-circle-austin/").status_code, 200)
        submission = Submission.objects.get(group=group, kind=Submission.Kind.ARCHIVE)

        self.client.force_login(self.curator)
        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/", {"decision": "approve"}
        )

        group.refresh_from_db()
        self.assertEqual(group.status, Group.Status.ARCHIVED)
        self.assertEqual(self.client.get("/groups/tuesday-circle-austin/").status_code, 404)
        self.assertEqual(
            list(group.versions.values_list("note", flat=True)[:2]),
            ["Archived at the organization's request: stopped meeting", "Confirmed still accurate"],
        )

    def test_a_report_reaches_the_organizations_dashboard(self):
        organization = make_organization()
        make_group("Tuesday Circle", organization=organization)
        self.client.post(
            "/groups/tuesday-circle-austin/report/",
            {"kind": "wrong_time_or_place", "details": "It moved to the library."},
        )

        self.client.force_login(make_affiliate(organization))
        dashboard = self.client.get("/partners/")

        self.assertContains(dashboard, "The time or place is wrong")
        self.assertContains(dashboard, "It moved to the library.")
        self.assertEqual(ProblemReport.objects.count(), 1)

    def test_an_admin_invites_an_editor(self):
        organization = make_organization()
        self.client.force_login(make_affiliate(organization))

        self.client.post(
            f"/partners/{organization.slug}/team/", {"email": "ben@example.org", "role": "editor"}
        )

        membership = Membership.objects.get(user__email="ben@example.org")
        self.assertEqual(membership.role, Membership.Role.EDITOR)
        self.assertFalse(membership.user.has_usable_password())
        self.assertIn("/partners/password/", mail.outbox[-1].body)


class UploadTests(TestCase):
    def setUp(self):
        self.organization = make_organization("Riverbend Peer Network")
        self.client.force_login(make_affiliate(self.organization))

    def upload(self, text, name="groups.csv"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
            follow=True,
        )

    HEADER = "name,format,attendance,leader_type,days,start_time,city,region,postal_code"

    def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(self):
        response = self.upload(
            f"{self.HEADER}\n"
            "Good Circle,support,in_person,peer,tue,19:00,Austin,TX,78701\n"
            "Bad Circle,therapy,in_person,peer,tue,19:00,Austin,TX,78701\n"
        )

        self.assertContains(response, "nothing was imported")
        self.assertContains(
            response, "<td>3</td><td>format</td><td>“therapy” is not one of:", html=False
        )
        self.assertFalse(Group.objects.exists())

    def test_a_good_file_waits_for_review_and_a_published_group_is_not_changed(self):
        make_group("Tuesday Circle", organization=self.organization, description="Old words.")

        response = self.upload(
            "name,description,format,attendance,leader_type,days,start_time,city,region,"
            "postal_code\n"
            "Tuesday Circle,New words.,support,in_person,peer,tue,19:00,Austin,TX,78701\n"
            "New Circle,,support,in_person,peer,wed,19:00,Austin,TX,78701\n"
        )

        self.assertContains(response, "1 new groups and 1 updates are waiting")
        self.assertEqual(Group.objects.get(name="Tuesday Circle").description, "Old words.")
        self.assertEqual(Group.objects.get(name="New Circle").status, Group.Status.PENDING)
        self.assertEqual(
            sorted(Submission.objects.values_list("kind", "status")),
            [("change", "pending"), ("new", "pending")],
        )

    def test_another_organizations_name_in_the_file_is_refused(self):
        response = self.upload(
            "name,organization,format,attendance,leader_type,days,start_time,city,region\n"
            "Circle,Someone Else,support,in_person,peer,tue,19:00,Austin,TX\n"
        )

        self.assertContains(response, "This file can only list groups of Riverbend Peer Network")
        self.assertFalse(Group.objects.exists())

    def test_a_file_that_is_not_utf8_is_explained(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile("x.csv", "name\nCaf\xe9".encode("latin-1"))},
        )

        self.assertContains(response, "<td>2</td><td>name</td><td>This cell is not UTF-8 text")
        self.assertFalse(ImportJob.objects.exists())

    def test_the_template_has_every_column(self):
        response = self.client.get("/partners/template.csv")

        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        header = response.content.decode().splitlines()[0]
        self.assertTrue(header.startswith("name,organization,description,format,"))


class AccessTests(TestCase):
    """Another organization's groups and pages answer 404, on every partner view."""

    def setUp(self):
        mine = make_organization("Mine")
        theirs = make_organization("Theirs")
        self.group = make_group("Their Circle", organization=theirs)
        self.theirs = theirs
        self.user = make_affiliate(mine)
        self.client.force_login(self.user)

    def test_every_partner_view_refuses_another_organizations_group(self):
        for method, url in [
            ("get", f"/partners/groups/{self.group.pk}/edit/"),
            ("post", f"/partners/groups/{self.group.pk}/edit/"),
            ("post", f"/partners/groups/{self.group.pk}/still-accurate/"),
            ("post", f"/partners/groups/{self.group.pk}/archive/"),
            ("get", f"/partners/{self.theirs.slug}/groups/new/"),
            ("post", f"/partners/{self.theirs.slug}/groups/new/"),
            ("get", f"/partners/{self.theirs.slug}/upload/"),
            ("get", f"/partners/{self.theirs.slug}/team/"),
        ]:
            with self.subTest(method=method, url=url):
                response = getattr(self.client, method)(url)
                self.assertEqual(response.status_code, 404)
        self.group.refresh_from_db()
        self.assertEqual(self.group.status, Group.Status.PUBLISHED)

    def test_another_organizations_upload_is_not_found(self):
        job = ImportJob.objects.create(organization=self.theirs, file_name="x.csv", text="")

        self.assertEqual(self.client.get(f"/partners/uploads/{job.pk}/").status_code, 404)

    def test_an_editor_cannot_manage_the_team(self):
        Membership.objects.filter(user=self.user).update(role=Membership.Role.EDITOR)
        mine = self.user.memberships.get().organization

        self.assertEqual(self.client.get(f"/partners/{mine.slug}/team/").status_code, 404)

    def test_visitors_are_sent_to_sign_in(self):
        self.client.logout()
        for url in [
            "/partners/",
            f"/partners/groups/{self.group.pk}/edit/",
            "/partners/template.csv",
        ]:
            with self.subTest(url=url):
                self.assertRedirects(
                    self.client.get(url),
                    f"/partners/sign-in/?next={url}",
                    fetch_redirect_response=False,
                )

    def test_forms_need_the_csrf_token(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.user)
        mine = self.user.memberships.get().organization

        response = client.post(f"/partners/{mine.slug}/groups/new/", group_post())

        self.assertEqual(response.status_code, 403)


class AbuseTests(TestCase):
    def setUp(self):
        cache.clear()

    # Sign-in limits: tests/test_accounts.py.

    def test_the_join_form_has_a_honeypot_and_a_rate_limit(self):
        fields = {
            "organization_name": "Spam Org",
            "contact_name": "Bot",
            "contact_email": "bot@example.org",
            "about": "Spam",
        }
        self.client.post("/partners/join/", fields | {"homepage": "http://spam.example"})
        self.assertFalse(JoinRequest.objects.exists())

        for _ in range(3):
            self.client.post("/partners/join/", fields)
        response = self.client.post("/partners/join/", fields)

        self.assertEqual(response.status_code, 429)
        self.assertEqual(JoinRequest.objects.count(), 3)


class FreshnessTests(TestCase):
    def test_reminders_labels_and_leaving_the_search(self):
        organization = make_organization()
        make_affiliate(organization)
        make_group("Eleven Months", organization=organization, last_verified_on=date(2025, 12, 20))
        make_group(
            "Thirteen Months", organization=organization, last_verified_on=date(2025, 10, 20)
        )
        make_group("Nineteen Months", organization=organization, last_verified_on=date(2025, 4, 20))
        make_group("Fresh", organization=organization, last_verified_on=date(2026, 10, 1))

        with time_machine.travel(NOON_NOVEMBER_24, tick=False):
            from django.core.management import call_command

            call_command("send_freshness_reminders", stdout=StringIO())
            search = self.client.get("/groups/")
            thirteen = self.client.get("/groups/thirteen-months-austin/")
            nineteen = self.client.get("/groups/nineteen-months-austin/")
            call_command("send_freshness_reminders", stdout=StringIO())

        self.assertEqual(len(mail.outbox), 1)  # once, not every day
        body = mail.outbox[0].body
        self.assertIn("Eleven Months", body)
        self.assertIn("Thirteen Months", body)
        self.assertNotIn("Fresh", body)
        self.assertEqual(
            result_slugs(search),
            ["eleven-months-austin", "fresh-austin", "thirteen-months-austin"],
        )
        self.assertContains(thirteen, "may be out of date")
        self.assertEqual(nineteen.status_code, 404)
        self.assertEqual(GroupVersion.objects.count(), 0)
