"""The curators' admin: finding, editing and publishing listings."""

from datetime import UTC, datetime

import time_machine
from django.contrib.auth.models import User
from django.test import TestCase

from directory.models import Group, GroupVersion, Organization
from tests.factories import make_curator, make_group, make_online_group, make_organization


class CuratorAdminTests(TestCase):
    def setUp(self):
        self.client.force_login(make_curator())

    def test_groups_list_filters_and_searches(self):
        make_group("Tuesday Circle")
        make_online_group("Online Skills", format=Group.Format.PSYCHOEDUCATIONAL)
        make_group("Draft Circle", status=Group.Status.DRAFT)

        online = self.client.get("/admin/directory/group/", {"attendance__exact": "online"})
        drafts = self.client.get("/admin/directory/group/", {"status__exact": "draft"})
        searched = self.client.get("/admin/directory/group/", {"q": "skills"})

        self.assertContains(online, "Online Skills")
        self.assertNotContains(online, "Tuesday Circle")
        self.assertContains(drafts, "Draft Circle")
        self.assertNotContains(drafts, "Tuesday Circle")
        self.assertContains(searched, "Online Skills")
        self.assertNotContains(searched, "Draft Circle")

    def test_a_curator_adds_a_group_with_its_meeting_times(self):
        organization = make_organization()

        response = self.client.post(
            "/admin/directory/group/add/",
            {
                "organization": organization.pk,
                "name": "Thursday Circle",
                "slug": "thursday-circle",
                "status": "published",
                "format": "support",
                "membership": "open",
                "leader_type": "peer",
                "attendance": "in_person",
                "city": "Denver",
                "region": "CO",
                "postal_code": "80202",
                "country": "US",
                "address_visibility": "public",
                "cost": "free",
                "languages": "en",
                "focus": [],
                "meeting_times-TOTAL_FORMS": "1",
                "meeting_times-INITIAL_FORMS": "0",
                "meeting_times-MIN_NUM_FORMS": "1",
                "meeting_times-MAX_NUM_FORMS": "1000",
                "vetting_results-TOTAL_FORMS": "0",
                "vetting_results-INITIAL_FORMS": "0",
                "versions-TOTAL_FORMS": "0",
                "versions-INITIAL_FORMS": "0",
                "meeting_times-0-days": "thu",
                "meeting_times-0-start_time": "18:00",
                "meeting_times-0-end_time": "19:30",
                "meeting_times-0-timezone": "America/Denver",
                "meeting_times-0-frequency": "weekly",
            },
        )

        self.assertRedirects(response, "/admin/directory/group/")
        group = Group.objects.get(slug="thursday-circle")
        # Placed on the map from its ZIP code, and findable by its meeting time.
        self.assertAlmostEqual(group.latitude, 39.7491, places=3)
        self.assertEqual(group.meeting_slots, ",thu-evening,")
        found = self.client.get("/groups/", {"near": "Denver, CO", "day": "thu"})
        self.assertContains(found, 'href="/groups/thursday-circle/')

    def test_the_form_explains_a_broken_rule_and_keeps_what_was_typed(self):
        organization = make_organization()

        response = self.client.post(
            "/admin/directory/group/add/",
            {
                "organization": organization.pk,
                "name": "Online Without Link",
                "slug": "online-without-link",
                "status": "published",
                "format": "support",
                "membership": "open",
                "leader_type": "peer",
                "attendance": "online",
                "country": "US",
                "address_visibility": "public",
                "cost": "fee",
                "languages": "en",
                "meeting_times-TOTAL_FORMS": "0",
                "meeting_times-INITIAL_FORMS": "0",
                "meeting_times-MIN_NUM_FORMS": "1",
                "meeting_times-MAX_NUM_FORMS": "1000",
                "vetting_results-TOTAL_FORMS": "0",
                "vetting_results-INITIAL_FORMS": "0",
                "versions-TOTAL_FORMS": "0",
                "versions-INITIAL_FORMS": "0",
            },
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "An online or hybrid group needs the link members use")
        self.assertContains(response, "Say how much one session costs.")
        self.assertContains(response, 'value="Online Without Link"')
        self.assertFalse(Group.objects.exists())

    def test_publish_and_archive_actions(self):
        group = make_group("Tuesday Circle", status=Group.Status.PENDING)

        self.client.post(
            "/admin/directory/group/", {"action": "publish", "_selected_action": [group.pk]}
        )
        group.refresh_from_db()
        self.assertEqual(group.status, Group.Status.PUBLISHED)

        self.client.post(
            "/admin/directory/group/", {"action": "archive", "_selected_action": [group.pk]}
        )
        group.refresh_from_db()
        self.assertEqual(group.status, Group.Status.ARCHIVED)

    def test_curators_verify_organizations(self):
        organization = make_organization()

        self.client.post(
            "/admin/directory/organization/",
            {"action": "mark_verified", "_selected_action": [organization.pk]},
        )

        organization.refresh_from_db()
        self.assertTrue(organization.verified)

    def test_the_focus_vocabulary_is_managed_in_the_admin(self):
        response = self.client.post(
            "/admin/directory/focus/add/", {"slug": "veterans", "name": "Veterans"}
        )

        self.assertRedirects(response, "/admin/directory/focus/")
        search = self.client.get("/groups/")
        self.assertContains(search, 'value="veterans"')

    def test_visitors_cannot_reach_the_admin(self):
        self.client.logout()

        response = self.client.get("/admin/directory/group/")

        self.assertRedirects(response, "/admin/login/?next=/admin/directory/group/")
        self.assertFalse(Organization.objects.exists())


class HistoryTests(TestCase):
    def setUp(self):
        self.curator = make_curator()
        self.client.force_login(self.curator)

    def test_every_change_is_kept_and_a_curator_can_go_back(self):
        group = make_group("Tuesday Circle", description="The first description.")
        GroupVersion.record(group, "Created")
        group.description = "A careless edit."
        group.save()
        group.meeting_times.update(start_time="09:00")
        GroupVersion.record(group, "Edited")
        first = group.versions.order_by("pk").first()

        confirm = self.client.get(f"/admin/directory/group/{group.pk}/revert/{first.pk}/")
        self.assertContains(confirm, "A careless edit.")
        self.assertContains(confirm, "The first description.")
        response = self.client.post(f"/admin/directory/group/{group.pk}/revert/{first.pk}/")

        self.assertRedirects(response, f"/admin/directory/group/{group.pk}/history/")
        group.refresh_from_db()
        self.assertEqual(group.description, "The first description.")
        self.assertEqual(str(group.meeting_times.get().start_time), "19:00:00")
        latest = group.versions.first()
        self.assertEqual(latest.changed_by, self.curator)
        self.assertIn("Went back to the version of", latest.note)
        self.assertEqual(
            [label for label, _, _ in latest.changes()], ["Description", "Meeting times"]
        )
        # The admin's own History button leads to every version.
        change_page = self.client.get(f"/admin/directory/group/{group.pk}/change/")
        self.assertContains(change_page, f'href="/admin/directory/group/{group.pk}/history/"')
        history = self.client.get(f"/admin/directory/group/{group.pk}/history/")
        self.assertContains(history, "Description: A careless edit. → The first description.")
        self.assertContains(history, "Went back to the version of")
        self.assertContains(history, "cora@example.org")


class QuietHistoryTests(TestCase):
    def test_nothing_changed_keeps_no_version_and_times_say_their_zone(self):
        from partners.models import Membership

        organization = make_organization()
        group = make_group("Tuesday Circle", organization=organization)
        partner = User.objects.create_user("ana@example.org", "ana@example.org", "x" * 16)
        Membership.objects.create(user=partner, organization=organization, role="editor")
        self.client.force_login(partner)

        with time_machine.travel(datetime(2026, 11, 24, 17, tzinfo=UTC), tick=False):
            self.client.post(f"/partners/groups/{group.pk}/still-accurate/")
            self.client.post(f"/partners/groups/{group.pk}/still-accurate/")
        self.client.force_login(make_curator())
        history = self.client.get(f"/admin/directory/group/{group.pk}/history/")

        self.assertEqual(group.versions.count(), 1)
        # 17:00 UTC, said in the site's one timezone (America/New_York) like every admin time.
        self.assertContains(history, "2026-11-24 12:00 EST")
        self.assertContains(history, "America/New_York time")


class CuratorWordsTests(TestCase):
    def test_one_groups_entry_and_lists_in_curators_words(self):
        self.client.force_login(make_curator())
        make_online_group("Pricey Online", cost="fee", fee_per_session=150)

        index = self.client.get("/admin/")
        groups = self.client.get("/admin/directory/group/")
        organizations = self.client.get("/admin/directory/organization/")

        self.assertContains(index, ">Groups</a>", count=1)
        self.assertContains(index, '<a href="/admin/directory/group/">Groups</a>')
        self.assertNotContains(index, "to review")
        for text in ("By needs a look", "By organization checked by a curator", "What to look at"):
            self.assertContains(groups, text)
        self.assertContains(groups, "<strong>Take care</strong>: Online fee $150 is above $75")
        self.assertContains(organizations, "By checked by a curator")
        self.assertNotContains(groups, "By verified")
        self.assertNotContains(organizations, "By verified")

    def test_join_requests_in_curators_words(self):
        from partners.models import JoinRequest

        self.client.force_login(make_curator())
        JoinRequest.objects.create(
            organization_name="Mile High Mood Collective",
            contact_name="Ana Ruiz",
            contact_email="ana@example.org",
            about="We run three peer support groups in Denver.",
        )

        response = self.client.get("/admin/partners/joinrequest/")

        self.assertContains(response, "Mile High Mood Collective")
        self.assertContains(response, "Organization, as they named it")
        self.assertContains(response, "Who asked")
        self.assertNotContains(response, "Your name")
        self.assertNotContains(response, "Your email")
