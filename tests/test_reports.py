"""Visitors report problems with a listing; reports reach the curators."""

from django.core.cache import cache
from django.test import TestCase

from directory.models import ProblemReport
from tests.factories import make_curator, make_group


class ReportTests(TestCase):
    def setUp(self):
        cache.clear()
        self.group = make_group("Tuesday Circle")

    def test_a_report_from_the_group_page_reaches_the_curators_queue(self):
        page = self.client.get("/groups/tuesday-circle-austin/")
        self.assertContains(page, 'href="/groups/tuesday-circle-austin/report/"')

        response = self.client.post(
            "/groups/tuesday-circle-austin/report/",
            {"kind": "no_longer_meets", "details": "The library said it stopped in May."},
            follow=True,
        )

        self.assertRedirects(response, "/groups/tuesday-circle-austin/")
        self.assertContains(response, "Thank you for telling us.")
        report = ProblemReport.objects.get()
        self.assertEqual((report.group, report.kind), (self.group, "no_longer_meets"))
        self.client.force_login(make_curator())
        queue = self.client.get("/admin/directory/problemreport/", {"state": "open"})
        self.assertContains(queue, "It no longer meets")
        # In curators' words, not the visitor form's labels.
        self.assertContains(queue, "Reporter&#x27;s email")
        self.assertContains(queue, "Dealt with")
        self.assertNotContains(queue, "Your email")
        self.assertNotContains(queue, "resolved at")

    def test_a_report_with_a_problem_keeps_what_was_typed(self):
        response = self.client.post(
            "/groups/tuesday-circle-austin/report/",
            {"details": "It moved to Thursdays.", "contact_email": "not an email"},
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "It moved to Thursdays.")
        self.assertContains(response, 'value="not an email"')
        self.assertContains(response, "Enter a valid email address.")
        self.assertFalse(ProblemReport.objects.exists())

    def test_the_honeypot_keeps_nothing(self):
        response = self.client.post(
            "/groups/tuesday-circle-austin/report/",
            {"kind": "other", "details": "Buy pills", "homepage": "http://spam.example"},
        )

        self.assertRedirects(response, "/groups/tuesday-circle-austin/")
        self.assertFalse(ProblemReport.objects.exists())

    def test_reports_are_rate_limited(self):
        for _ in range(5):
            self.client.post("/groups/tuesday-circle-austin/report/", {"kind": "other"})

        response = self.client.post("/groups/tuesday-circle-austin/report/", {"kind": "other"})

        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "several reports in the last hour", status_code=429)
        self.assertEqual(ProblemReport.objects.count(), 5)

    def test_curators_mark_reports_as_dealt_with(self):
        report = ProblemReport.objects.create(group=self.group, kind="broken_link")
        curator = make_curator()
        self.client.force_login(curator)

        self.client.post(
            "/admin/directory/problemreport/",
            {"action": "resolve", "_selected_action": [report.pk]},
        )

        report.refresh_from_db()
        self.assertIsNotNone(report.resolved_at)
        self.assertEqual(report.resolved_by, curator)
