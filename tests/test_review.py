"""Curators review what partners propose: the whole listing in words, a preview of its page,
flags that take a note, archive requests; and one path from the form or a CSV file. Over HTTP."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from directory import snapshots
from directory.models import Group, GroupVersion
from partners.models import Submission
from tests.factories import make_curator, make_group, make_organization
from tests.test_partners import group_post, make_affiliate

NOON_NOVEMBER_24 = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))
# The published group of tests.factories.make_group, as the partner form sends it.
TUESDAY_CIRCLE = {
    "description": "A weekly circle where people living with depression share and listen.",
    "venue": "Eastside Library, Room B",
    "address": "210 Example Avenue",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "confidentiality_policy": "What is said in the group stays in the group.",
    "form-INITIAL_FORMS": "1",
    "form-0-days": ["tue"],
    "form-0-start_time": "19:00",
    "form-0-end_time": "20:30",
    "form-0-timezone": "America/Chicago",
}


def rows(response, table_class):
    """The rows of the review page's table with that class, as tuples of cell texts."""
    page = response.content.decode()
    table = re.search(rf'<table class="{table_class}">.*?<tbody>(.*?)</tbody>', page, re.S)[1]
    return [
        tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(CELL, row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


CELL = r"<t[hd][^>]*>(.*?)</t[hd]>"


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class ReviewPageTests(TestCase):
    def setUp(self):
        cache.clear()
        self.organization = make_organization("Mile High Mood Collective")
        self.affiliate = make_affiliate(self.organization)
        self.curator = make_curator()

    def propose_new_group(self, **overrides):
        self.client.force_login(self.affiliate)
        self.client.post(f"/partners/{self.organization.slug}/groups/new/", group_post(**overrides))
        self.client.force_login(self.curator)
        return Submission.objects.get()

    def test_a_new_groups_review_shows_the_whole_listing_in_words(self):
        submission = self.propose_new_group(
            cost="sliding_scale",
            fee_per_session="20",
            languages="en,es",
            focus=["women"],
            contact_email="circle@example.org",
            contact_phone="(303) 555-0143",
        )

        review = self.client.get(f"/admin/partners/submission/{submission.pk}/change/")

        listing = dict(rows(review, "listing"))
        self.assertEqual(listing["Name"], "Thursday Evening Circle")
        self.assertEqual(
            listing["Description"], "A weekly circle for people living with depression."
        )
        self.assertEqual(listing["Meeting times"], "Thursdays, 6:30–8 pm (Mountain time)")
        self.assertEqual(listing["Place"], "Grace Street Community Center")
        self.assertEqual(listing["Address"], "12 Example Street")
        self.assertEqual(listing["State"], "Colorado")
        self.assertEqual(listing["Contact email"], "circle@example.org")
        self.assertEqual(listing["Contact phone"], "(303) 555-0143")
        self.assertEqual(listing["Kind of group"], "Peer support group")
        self.assertEqual(listing["Who leads it"], "A peer (someone with lived experience)")
        self.assertEqual(listing["Cost"], "Sliding scale (pay what you can)")
        self.assertEqual(listing["Fee per session (USD)"], "Sliding scale, up to $20 a session")
        self.assertEqual(listing["Languages"], "English, Spanish")
        self.assertEqual(listing["Focus"], "Women")
        self.assertEqual(listing["Insurance accepted"], "No")
        self.assertEqual(listing["Moderation and conduct rules"], "(not given)")
        self.assertNotContains(review, "sliding_scale")
        self.assertNotContains(review, "en,es")
        self.assertNotContains(review, "Nothing differs")
        self.assertContains(review, f'href="/admin/partners/submission/{submission.pk}/preview/"')

    def test_a_change_shows_only_what_changed_in_words_and_the_rest_folded(self):
        group = make_group("Tuesday Circle", organization=self.organization)
        self.client.force_login(self.affiliate)
        self.client.post(
            f"/partners/groups/{group.pk}/edit/",
            group_post("Tuesday Circle", **TUESDAY_CIRCLE, cost="fee", fee_per_session="20",
                       languages="en,es"),
        )  # fmt: skip
        submission = Submission.objects.get(kind=Submission.Kind.CHANGE)
        self.client.force_login(self.curator)

        review = self.client.get(f"/admin/partners/submission/{submission.pk}/change/")

        self.assertEqual(
            rows(review, "changes"),
            [
                ("Cost", "Free", "A fee per session"),
                ("Fee per session (USD)", "(not given)", "$20 a session"),
                ("Languages", "English", "English, Spanish"),
                ("Last confirmed on", "(not given)", "November 24, 2026"),
            ],
        )
        unchanged = dict(rows(review, "listing"))
        self.assertEqual(unchanged["Name"], "Tuesday Circle")
        self.assertEqual(unchanged["Meeting times"], "Tuesdays, 7–8:30 pm (Central time)")
        self.assertNotIn("Cost", unchanged)
        self.assertContains(review, "<summary>The rest of the listing, unchanged (")
        self.assertNotContains(review, "<td>fee</td>")

    def test_the_history_and_the_revert_page_speak_the_same_words(self):
        group = make_group("Tuesday Circle", organization=self.organization)
        GroupVersion.record(group, "Created")
        self.client.force_login(self.affiliate)
        self.client.post(
            f"/partners/groups/{group.pk}/edit/",
            group_post("Tuesday Circle", **TUESDAY_CIRCLE, cost="fee", fee_per_session="20"),
        )
        self.client.force_login(self.curator)
        submission = Submission.objects.get()
        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/", {"decision": "approve"}
        )

        history = self.client.get(f"/admin/directory/group/{group.pk}/history/")
        first = group.versions.order_by("pk").first()
        revert = self.client.get(f"/admin/directory/group/{group.pk}/revert/{first.pk}/")

        self.assertContains(history, "Cost: Free → A fee per session")
        self.assertContains(history, "Fee per session (USD): (not given) → $20 a session")
        self.assertContains(revert, "<td>A fee per session</td><td>Free</td>", html=False)

    def test_the_preview_shows_the_proposal_and_saves_nothing(self):
        group = make_group("Tuesday Circle", organization=self.organization)
        self.client.force_login(self.affiliate)
        self.client.post(
            f"/partners/groups/{group.pk}/edit/",
            group_post("Tuesday Circle", **(TUESDAY_CIRCLE | {"description": "New words."})),
        )
        submission = Submission.objects.get()
        versions = group.versions.count()
        self.client.force_login(self.curator)

        preview = self.client.get(f"/admin/partners/submission/{submission.pk}/preview/")

        self.assertContains(preview, "Preview — not published.")
        self.assertContains(preview, "<h1>Tuesday Circle</h1>", html=True)
        self.assertContains(preview, "New words.")
        self.assertContains(preview, "Tuesdays, 7–8:30 pm (Central time)")
        self.assertContains(preview, 'data-check="moderation_rules"')
        self.assertContains(preview, '<meta name="robots" content="noindex, nofollow">')
        self.assertEqual(preview["X-Robots-Tag"], "noindex, nofollow")
        self.assertTemplateUsed(preview, "directory/group_detail.html")
        # Nothing saved: the published page, the group and its history are as they were.
        public = self.client.get("/groups/tuesday-circle-austin/")
        self.assertNotContains(public, "New words.")
        self.assertNotContains(public, "Preview")
        group.refresh_from_db()
        self.assertEqual(group.description[:8], "A weekly")
        self.assertEqual(group.versions.count(), versions)
        submission.refresh_from_db()
        self.assertEqual(submission.status, Submission.Status.PENDING)

    def test_a_new_groups_preview_shows_its_page(self):
        submission = self.propose_new_group(contact_email="circle@example.org")

        preview = self.client.get(f"/admin/partners/submission/{submission.pk}/preview/")

        self.assertContains(preview, "<h1>Thursday Evening Circle</h1>", html=True)
        self.assertContains(preview, "Thursdays, 6:30–8 pm (Mountain time)")
        self.assertContains(preview, "Grace Street Community Center")
        self.assertContains(preview, "circle@example.org")
        self.assertEqual(Group.objects.get().status, Group.Status.PENDING)

    def test_only_curators_reach_the_preview_and_the_review(self):
        submission = self.propose_new_group()
        for url in [
            f"/admin/partners/submission/{submission.pk}/preview/",
            f"/admin/partners/submission/{submission.pk}/change/",
        ]:
            for who in [None, self.affiliate]:
                with self.subTest(url=url, who=who):
                    self.client.logout()
                    if who:
                        self.client.force_login(who)
                    response = self.client.get(url)
                    self.assertRedirects(
                        response, f"/admin/login/?next={url}", fetch_redirect_response=False
                    )


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class FlaggedProposalTests(TestCase):
    def setUp(self):
        cache.clear()
        organization = make_organization("Mile High Mood Collective")
        self.client.force_login(make_affiliate(organization))
        self.client.post(
            f"/partners/{organization.slug}/groups/new/",
            group_post(description="Guaranteed to lift your depression in 30 days."),
        )
        self.submission = Submission.objects.get()
        self.curator = make_curator()
        self.client.force_login(self.curator)
        self.decide = f"/admin/partners/submission/{self.submission.pk}/decide/"

    def assert_not_approved(self):
        self.submission.refresh_from_db()
        self.assertEqual(self.submission.status, Submission.Status.PENDING)
        self.assertEqual(Group.objects.get().status, Group.Status.PENDING)
        self.assertEqual(mail.outbox, [])

    def test_the_queue_and_the_review_count_the_same_flag(self):
        queue = self.client.get("/admin/partners/submission/")
        review = self.client.get(f"/admin/partners/submission/{self.submission.pk}/change/")

        counted = r'<td class="field-flags">\d+ things? to ask about \(1 flagged\)'
        self.assertRegex(queue.content.decode(), counted)
        self.assertContains(review, "1 of them flagged")
        self.assertContains(review, 'data-check="no_big_promises" data-status="flag"')
        self.assertContains(review, "The checklist flags this proposal")

    def test_approving_without_the_confirmation_and_a_note_is_refused_and_says_why(self):
        for post in [
            {},
            {"note": "Spoke to them; they will reword it."},
            {"flags_confirmed": "yes"},
            {"flags_confirmed": "yes", "note": "   "},
        ]:
            with self.subTest(post=post):
                response = self.client.post(self.decide, {"decision": "approve"} | post)

                self.assertContains(response, "The checklist flags this proposal. To approve")
                self.assertContains(response, post.get("note", "").strip())  # kept as typed
                self.assert_not_approved()

    def test_with_the_confirmation_and_a_note_it_is_approved_and_the_note_kept(self):
        response = self.client.post(
            self.decide,
            {"decision": "approve", "flags_confirmed": "yes", "note": "Their leader explained."},
        )

        self.assertRedirects(response, "/admin/partners/submission/")
        self.submission.refresh_from_db()
        self.assertEqual(self.submission.status, Submission.Status.APPROVED)
        self.assertEqual(self.submission.note, "Their leader explained.")
        group = Group.objects.get()
        self.assertEqual(group.status, Group.Status.PUBLISHED)
        self.assertEqual(
            group.versions.first().note,
            "Approved and published. Curator's note: Their leader explained.",
        )
        self.assertIn("Approved", mail.outbox[-1].subject)
        review = self.client.get(f"/admin/partners/submission/{self.submission.pk}/change/")
        self.assertContains(review, "Curator's note: Their leader explained.")

    def test_an_online_group_without_rules_is_flagged_too(self):
        Submission.objects.all().delete()
        Group.objects.all().delete()
        self.client.force_login(self.submission.submitted_by)
        organization = self.submission.submitted_by.memberships.get().organization
        self.client.post(
            f"/partners/{organization.slug}/groups/new/",
            group_post("Online Circle", attendance="online", online_url="https://example.org/m",
                       moderation_rules="", **{"form-0-timezone": "America/Denver"}),
        )  # fmt: skip
        submission = Submission.objects.get()
        self.client.force_login(self.curator)

        response = self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/", {"decision": "approve"}
        )

        self.assertContains(response, "Online group without moderation or conduct rules.")
        self.assertEqual(Group.objects.get().status, Group.Status.PENDING)


class ArchiveTests(TestCase):
    def setUp(self):
        cache.clear()
        self.organization = make_organization("Mile High Mood Collective")
        self.affiliate = make_affiliate(self.organization)
        self.group = make_group("Tuesday Circle", organization=self.organization)
        self.curator = make_curator()
        self.client.force_login(self.affiliate)
        self.archive = f"/partners/groups/{self.group.pk}/archive/"

    def test_a_published_group_stays_listed_until_a_curator_approves_archiving_it(self):
        confirm = self.client.get(self.archive)
        self.assertContains(confirm, "the group stays in the directory until they approve it")
        self.assertContains(confirm, "Ask a curator to archive it")

        response = self.client.post(self.archive, follow=True)

        self.assertRedirects(response, "/partners/")
        self.assertContains(response, "Until then it stays in the directory.")
        self.assertContains(response, "archive request waiting for review")
        self.assertNotContains(response, f'href="{self.archive}"')  # asked once is enough
        self.assertContains(self.client.get("/groups/tuesday-circle-austin/"), "Tuesday Circle")
        submission = Submission.objects.get()
        self.assertEqual(
            (submission.kind, submission.status, submission.submitted_by),
            (Submission.Kind.ARCHIVE, Submission.Status.PENDING, self.affiliate),
        )

        # The curator sees it in the queue, with the listing that would go.
        self.client.force_login(self.curator)
        queue = self.client.get("/admin/partners/submission/")
        self.assertContains(queue, "A request to archive a published group: Tuesday Circle")
        review = self.client.get(f"/admin/partners/submission/{submission.pk}/change/")
        listing = dict(rows(review, "listing"))
        self.assertEqual(listing["Meeting times"], "Tuesdays, 7–8:30 pm (Central time)")
        self.assertEqual(listing["Place"], "Eastside Library, Room B")
        self.assertContains(review, "Approve and archive")

        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/", {"decision": "approve"}
        )

        self.group.refresh_from_db()
        self.assertEqual(self.group.status, Group.Status.ARCHIVED)
        self.assertEqual(self.client.get("/groups/tuesday-circle-austin/").status_code, 404)
        version = self.group.versions.first()
        self.assertEqual(
            (version.note, version.changed_by),
            ("Archived at the organization's request: stopped meeting", self.curator),
        )
        self.assertEqual(mail.outbox[-1].subject, "Archived: Tuesday Circle")
        self.assertEqual(mail.outbox[-1].to, ["ana@example.org"])

    def test_a_rejected_archive_request_keeps_the_group_listed(self):
        self.client.post(self.archive)
        submission = Submission.objects.get()
        self.client.force_login(self.curator)

        self.client.post(
            f"/admin/partners/submission/{submission.pk}/decide/",
            {"decision": "reject", "reason": "Visitors reported it met last week."},
        )

        self.group.refresh_from_db()
        self.assertEqual(self.group.status, Group.Status.PUBLISHED)
        self.assertIn("Visitors reported it met last week.", mail.outbox[-1].body)
        self.client.force_login(self.affiliate)
        dashboard = self.client.get("/partners/")
        self.assertContains(dashboard, "Not approved: Visitors reported it met last week.")
        self.assertContains(dashboard, f'href="{self.archive}"')

    def test_archiving_replaces_waiting_changes_and_editing_withdraws_the_request(self):
        self.client.post(
            f"/partners/groups/{self.group.pk}/edit/",
            group_post("Tuesday Circle", **(TUESDAY_CIRCLE | {"description": "New words."})),
        )
        self.assertContains(
            self.client.get(self.archive),
            "Your changes that are not approved yet will be withdrawn.",
        )

        self.client.post(self.archive)
        self.assertEqual(
            list(Submission.objects.values_list("kind", "status")), [("archive", "pending")]
        )
        form = self.client.get(f"/partners/groups/{self.group.pk}/edit/")
        self.assertContains(form, "Saving changes here withdraws that request.")

        self.client.post(
            f"/partners/groups/{self.group.pk}/edit/",
            group_post("Tuesday Circle", **(TUESDAY_CIRCLE | {"description": "Still going."})),
        )
        self.assertEqual(
            list(Submission.objects.values_list("kind", "status")), [("change", "pending")]
        )

    def test_a_group_that_is_not_public_is_archived_at_once(self):
        self.client.post(f"/partners/{self.organization.slug}/groups/new/", group_post())
        pending = Group.objects.get(name="Thursday Evening Circle")
        self.assertTrue(Submission.objects.filter(group=pending).exists())

        self.client.post(f"/partners/groups/{pending.pk}/archive/")

        pending.refresh_from_db()
        self.assertEqual(pending.status, Group.Status.ARCHIVED)
        self.assertFalse(Submission.objects.filter(group=pending).exists())  # withdrawn
        self.assertEqual(pending.versions.first().note, "Archived: stopped meeting")

    def test_archiving_is_a_post_to_ones_own_group(self):
        other = make_group("Their Circle", organization=make_organization("Theirs"))

        self.assertEqual(self.client.get(f"/partners/groups/{other.pk}/archive/").status_code, 404)
        self.assertEqual(self.client.post(f"/partners/groups/{other.pk}/archive/").status_code, 404)
        self.client.get(self.archive)
        self.assertFalse(Submission.objects.exists())  # asking is not archiving


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class OneProposalPathTests(TestCase):
    def setUp(self):
        self.organization = make_organization("Mile High Mood Collective")
        self.affiliate = make_affiliate(self.organization)
        self.client.force_login(self.affiliate)

    def upload(self, text):
        return self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile("groups.csv", text.encode(), content_type="text/csv")},
            follow=True,
        )

    def test_the_form_and_a_csv_file_propose_groups_the_same_way(self):
        published = make_group(
            "Tuesday Circle", organization=self.organization, description="Old words."
        )
        # A draft change from the form, then a CSV row for the same group…
        self.client.post(
            f"/partners/groups/{published.pk}/edit/",
            group_post("Tuesday Circle", action="draft", **TUESDAY_CIRCLE),
        )
        # …and a new group from each.
        self.client.post(f"/partners/{self.organization.slug}/groups/new/", group_post())
        response = self.upload(
            "name,description,format,attendance,leader_type,days,start_time,city,region,"
            "postal_code\n"
            "Tuesday Circle,New words.,support,in_person,peer,tue,19:00,Austin,TX,78701\n"
            "File Circle,,support,in_person,peer,wed,19:00,Austin,TX,78701\n"
        )
        self.assertContains(response, "1 new groups and 1 updates are waiting")

        # One open submission per group: the file's change replaced the form's draft.
        self.assertEqual(
            sorted(Submission.objects.values_list("group__name", "kind", "status", "submitted_by")),
            [
                ("File Circle", "new", "pending", self.affiliate.pk),
                ("Thursday Evening Circle", "new", "pending", self.affiliate.pk),
                ("Tuesday Circle", "change", "pending", self.affiliate.pk),
            ],
        )
        published.refresh_from_db()
        self.assertEqual(published.description, "Old words.")
        # New groups: unlisted until approved, confirmed today, one version in their history.
        for name in ["Thursday Evening Circle", "File Circle"]:
            with self.subTest(name=name):
                group = Group.objects.get(name=name)
                self.assertEqual(group.status, Group.Status.PENDING)
                self.assertEqual(group.last_verified_on, date(2026, 11, 24))
                submission = group.submissions.get()
                self.assertEqual(submission.data["group"]["last_verified_on"], "2026-11-24")
                self.assertEqual(group.versions.get().changed_by, self.affiliate)
        change = published.submissions.get()
        self.assertEqual(change.data["group"]["description"], "New words.")
        self.assertEqual(change.data["group"]["last_verified_on"], "2026-11-24")


class QueueTests(TestCase):
    def test_the_queue_reads_the_flags_without_a_query_per_row(self):
        curator = make_curator()
        self.client.force_login(curator)
        organization = make_organization()

        def propose(name):
            group = make_group(name, organization=organization, status=Group.Status.DRAFT)
            Submission.propose(group, snapshots.take(group), curator)

        def queue_queries():
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get("/admin/partners/submission/").status_code, 200)
            return len(queries)

        propose("First Circle")
        one = queue_queries()
        propose("Second Circle")
        propose("Third Circle")

        self.assertEqual(queue_queries(), one)
