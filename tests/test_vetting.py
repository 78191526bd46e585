"""The vetting checklist: every check at its edges, what visitors see, what curators get."""

import re
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase, override_settings

from directory import vetting
from directory.models import Group, VettingResult
from tests.factories import make_curator, make_group, make_online_group, make_organization

NOON_NOVEMBER_24 = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))


def finding(group, name):
    """The stored status of one check, as the group page shows it."""
    return VettingResult.objects.get(group=group, name=name).status


def finding_today(group, name):
    """One check's status as every page works it out today (dated checks aren't stored)."""
    group = Group.objects.get(pk=group.pk)
    return next(f.status for f in group.checklist().findings if f.check == name)


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class CheckTests(TestCase):
    def test_a_complete_listing_passes_every_check(self):
        organization = make_organization(verified=True)
        group = make_online_group(
            "Complete Circle",
            organization=organization,
            leader_type=Group.LeaderType.PROFESSIONAL,
            leader_training="LCSW with 10 years of group work",
            last_verified_on=date(2026, 6, 1),
        )

        group.refresh_from_db()
        self.assertEqual((group.flag_count, group.warn_count), (0, 0))
        self.assertEqual(
            set(group.vetting_results.values_list("status", flat=True)), {vetting.Status.PASS}
        )
        self.assertEqual(
            list(group.vetting_results.values_list("name", flat=True)),
            [name for name in vetting.CHECKS if name not in vetting.DATED],
        )
        self.assertEqual(group.checklist().things_to_ask, 0)

    def test_purpose_and_schedule(self):
        described = make_group("Described", last_verified_on=date(2026, 6, 1))
        silent = make_group("Silent", description="  ")
        no_meetings = make_group("No Meetings", meeting=False)

        self.assertEqual(finding(described, "purpose_and_schedule"), "pass")
        self.assertEqual(finding(silent, "purpose_and_schedule"), "warn")
        self.assertEqual(finding(no_meetings, "purpose_and_schedule"), "warn")

    def test_leader_training(self):
        peer = make_group("Peer", leader_training="Completed a 2-day peer facilitator training")
        untrained = make_group("Untrained", leader_training="")
        credentialed = make_group("Clinician", leader_type="professional", leader_training="LPC")
        vague = make_group("Vague", leader_type="professional", leader_training="Experienced")

        self.assertEqual(finding(peer, "leader_training"), "pass")
        self.assertEqual(finding(untrained, "leader_training"), "warn")
        self.assertEqual(finding(credentialed, "leader_training"), "pass")
        self.assertEqual(finding(vague, "leader_training"), "warn")

    def test_confidentiality(self):
        stated = make_group("Stated")
        unstated = make_group("Unstated", confidentiality_policy="")

        self.assertEqual(finding(stated, "confidentiality"), "pass")
        self.assertEqual(finding(unstated, "confidentiality"), "warn")

    def test_an_organization_verified_after_the_group_was_saved(self):
        organization = make_organization("Lakeshore Collaborative")
        group = make_group("Lakeshore Circle", organization=organization)
        other = make_group("Riverside Circle", organization=make_organization("Riverside"))
        self.assertEqual(finding(group, "known_organization"), "warn")
        self.client.force_login(make_curator())

        self.client.post(
            "/admin/directory/organization/",
            {"action": "mark_verified", "_selected_action": [organization.pk]},
        )

        self.assertEqual(finding(group, "known_organization"), "pass")
        self.assertEqual(Group.objects.get(pk=group.pk).trust_rank, 0)
        self.assertEqual(finding(other, "known_organization"), "warn")

    def test_a_curator_checking_an_organization_in_its_form_updates_its_groups(self):
        organization = make_organization("Lakeshore Collaborative")
        group = make_group("Lakeshore Circle", organization=organization)
        self.client.force_login(make_curator())
        form = self.client.get(f"/admin/directory/organization/{organization.pk}/change/")
        data = {
            field.name: field.value() or ""
            for field in form.context["adminform"].form
            if field.name != "verified"
        } | {"verified": "on", "team_changes-TOTAL_FORMS": "0", "team_changes-INITIAL_FORMS": "0"}

        response = self.client.post(
            f"/admin/directory/organization/{organization.pk}/change/", data
        )

        self.assertEqual(response.status_code, 302)
        self.assertEqual(finding(group, "known_organization"), "pass")

    def test_moderation_rules_are_asked_of_online_and_hybrid_groups_only(self):
        in_person = make_group("In Person", moderation_rules="")
        hybrid = make_group("Hybrid", attendance="hybrid", moderation_rules="")
        online = make_online_group("Online", moderation_rules="")
        moderated = make_online_group("Moderated")

        self.assertEqual(finding(in_person, "moderation_rules"), "pass")
        self.assertEqual(finding(hybrid, "moderation_rules"), "flag")
        self.assertEqual(finding(online, "moderation_rules"), "flag")
        self.assertEqual(finding(moderated, "moderation_rules"), "pass")

    def test_fees_at_the_threshold_and_one_cent_over(self):
        at = make_online_group("At", cost="fee", fee_per_session=Decimal("75.00"))
        over = make_online_group("Over", cost="fee", fee_per_session=Decimal("75.01"))
        hybrid_over = make_group("Hybrid", attendance="hybrid", cost="fee", fee_per_session=150)
        in_person_over = make_group("In Person", cost="fee", fee_per_session=150)
        free = make_online_group("Free")

        self.assertEqual(finding(at, "fees"), "pass")
        self.assertEqual(finding(over, "fees"), "flag")
        self.assertEqual(finding(hybrid_over, "fees"), "flag")
        self.assertEqual(finding(in_person_over, "fees"), "pass")
        self.assertEqual(finding(free, "fees"), "pass")

    @override_settings(VETTING_FEE_THRESHOLD=Decimal("40"))
    def test_the_fee_threshold_is_a_setting(self):
        group = make_online_group("Fifty", cost="fee", fee_per_session=50)

        self.assertEqual(finding(group, "fees"), "flag")

    def test_big_promises_are_whole_words_in_any_case(self):
        for text in [
            "A CURE for low mood",
            "Guaranteed results",
            "100% of members feel better",
            "Feel better in 30 days",
            "Recover within six weeks",
            "A miracle method",
            "Your money back if it does not work",
            "No more sadness — guaranteed",  # the negation is in another clause
            "Not like other groups: we cure depression",
            "100% effective",
        ]:
            with self.subTest(text=text):
                self.assertTrue(vetting.promises_in(text))
        for text in [
            "A secure, curated space",
            "We procure snacks",
            "Meets every 30 days or so",  # no "in"/"within": a schedule, not a promise
            "A manicure is not therapy",
            # What honest listings say with the same words.
            "This group is not a cure for depression",
            "We can’t guarantee results, but you will not be alone",
            "There is no miracle method here",
            "What you share is 100% confidential",
            "The next course starts in two weeks",
        ]:
            with self.subTest(text=text):
                self.assertEqual(vetting.promises_in(text), [])

    def test_no_big_promises_reads_name_and_description(self):
        promising = make_online_group("Depression Cure Circle")
        describing = make_group("Plain", description="Guaranteed to lift your mood in 30 days.")
        secure = make_group("Secure", description="A secure and curated space to talk.")

        self.assertEqual(finding(promising, "no_big_promises"), "flag")
        self.assertEqual(finding(describing, "no_big_promises"), "flag")
        self.assertEqual(finding(secure, "no_big_promises"), "pass")

    def test_freshness_twelve_months_ago_today_is_still_fresh(self):
        today = make_group("Today", last_verified_on=date(2025, 11, 24))
        day_before = make_group("Day Before", last_verified_on=date(2025, 11, 23))
        never = make_group("Never", last_verified_on=None)

        self.assertEqual(finding_today(today, "freshness"), "pass")
        self.assertEqual(finding_today(day_before, "freshness"), "warn")
        self.assertEqual(finding_today(never, "freshness"), "warn")

    def test_freshness_moves_with_the_date_with_nothing_to_run(self):
        group = make_group("Checked", last_verified_on=date(2025, 11, 24))
        self.assertEqual(finding_today(group, "freshness"), "pass")
        self.assertContains(self.client.get("/groups/checked-austin/"), 'data-status="pass"')

        with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=ZoneInfo("America/New_York"))):
            self.assertEqual(finding_today(group, "freshness"), "warn")
            page = self.client.get("/groups/checked-austin/")
            card = self.client.get("/groups/")

        self.assertContains(page, 'data-check="freshness" data-status="warn"')
        self.assertContains(page, "2 things to ask about")
        self.assertContains(card, "2 things to ask about")

    def test_the_command_follows_a_changed_rule(self):
        group = make_online_group("Pricey Online", cost="fee", fee_per_session=60)
        self.assertEqual(finding(group, "fees"), "pass")

        with override_settings(VETTING_FEE_THRESHOLD=Decimal("50")):
            out = StringIO()
            call_command("refresh_vetting", stdout=out)

        self.assertEqual(finding(group, "fees"), "flag")
        self.assertIn("Checked 1 groups", out.getvalue())


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class VisitorTests(TestCase):
    def test_a_flagged_online_group_says_what_to_ask_in_words(self):
        make_online_group("Pricey Online", cost="fee", fee_per_session=150, moderation_rules="")

        response = self.client.get("/groups/pricey-online/")

        html = response.content.decode()
        items = dict(re.findall(r'data-check="([a-z_]+)" data-status="(pass|warn|flag)"', html))
        self.assertEqual(list(items), list(vetting.CHECKS))
        self.assertEqual(items["fees"], "flag")
        self.assertEqual(items["moderation_rules"], "flag")
        self.assertContains(
            response,
            "No high fees: Take care.</strong> This online group charges $150 a session. Peer "
            "support groups are usually free and group therapy usually costs less — ask what "
            "the fee covers before you pay.",
        )
        self.assertContains(response, "Ask how the group is moderated before you join.")

    def test_search_results_summarise_the_checklist(self):
        make_online_group("Pricey Online", cost="fee", fee_per_session=150, moderation_rules="")
        make_group("Complete", organization=make_organization("Checked Org", verified=True),
                   last_verified_on=date(2026, 6, 1))  # fmt: skip

        response = self.client.get("/groups/")

        self.assertContains(response, "Our checks found nothing to ask about")
        # Two flags, and two warnings: unchecked organization and never confirmed.
        self.assertContains(response, "4 things to ask about")


class VettedSearchTests(TestCase):
    def test_vetted_keeps_only_groups_with_nothing_flagged_with_place_and_format(self):
        make_group("Local Support")
        make_group("Local Process", format=Group.Format.PROCESS)
        make_online_group("Online Support")
        make_online_group("Flagged Online", moderation_rules="")
        make_group("Flagged Hybrid", attendance="hybrid", cost="fee", fee_per_session=120)

        response = self.client.get(
            "/groups/", {"near": "78701", "format": "support", "vetted": "1"}
        )

        slugs = re.findall(r'<h3><a href="/groups/([a-z0-9-]+)/', response.content.decode())
        self.assertEqual(slugs, ["local-support-austin", "online-support"])
        self.assertContains(response, 'name="vetted" value="1" checked')

    def test_vetted_keeps_the_query_count(self):
        for n in range(25):
            make_group(f"Local {n:02d}")
            make_online_group(f"Online {n:02d}")

        with self.assertNumQueries(4):
            self.client.get("/groups/", {"near": "78701", "vetted": "1", "format": "support"})
        with self.assertNumQueries(4):
            self.client.get("/groups/", {"vetted": "1"})

    def test_a_bad_vetted_value_is_explained(self):
        response = self.client.get("/groups/", {"vetted": "maybe"})

        self.assertContains(response, "Use vetted=1 to see only groups with nothing flagged.")


class CuratorTests(TestCase):
    def setUp(self):
        self.client.force_login(make_curator())

    def test_the_admin_filters_by_check_and_status(self):
        make_online_group("Pricey Online", cost="fee", fee_per_session=150)
        make_online_group("Fair Online", cost="fee", fee_per_session=40)

        response = self.client.get("/admin/directory/group/", {"finding": "fees:flag"})

        self.assertContains(response, "Pricey Online")
        self.assertNotContains(response, "Fair Online")

    def test_the_review_list_puts_the_most_flagged_first(self):
        make_online_group("One Flag", moderation_rules="")
        make_online_group("Two Flags", moderation_rules="", cost="fee", fee_per_session=150)
        make_group(
            "Nothing To Review",
            organization=make_organization("Checked", verified=True),
            last_verified_on=date.today(),
        )

        response = self.client.get("/admin/directory/group/", {"look": "any"})

        html = response.content.decode()
        self.assertLess(html.index("Two Flags"), html.index("One Flag"))
        self.assertNotIn("Nothing To Review", html)
        self.assertContains(response, "Online fee $150 is above $75 a session.")

    def test_verifying_an_organization_in_the_admin_updates_its_groups(self):
        organization = make_organization("Lakeshore")
        group = make_group("Lakeshore Circle", organization=organization)

        self.client.post(
            "/admin/directory/organization/",
            {"action": "mark_verified", "_selected_action": [organization.pk]},
        )

        self.assertEqual(finding(group, "known_organization"), "pass")


def result_names(response):
    html = response.content.decode()
    return re.findall(r'<h3><a href="/groups/[a-z0-9-]+/[^"]*">([^<]+)</a>', html)


class OneCountTests(TestCase):
    """Card, page, dashboard and the curators' list say the same about a group on the
    same day, freshness included, with nothing run in between."""

    def test_every_page_agrees_on_the_same_day(self):
        from partners.models import Membership

        organization = make_organization("Unchecked Network")
        group = make_online_group(
            "Evening Circle", organization=organization, last_verified_on=date(2025, 11, 24)
        )
        partner = User.objects.create_user("ana@example.org", "ana@example.org", "x" * 16)
        Membership.objects.create(user=partner, organization=organization, role="admin")

        # The day before it goes stale: one thing to ask (the unchecked organization).
        # The next day, two (it also needs confirming), on every page, with no job run.
        for day, count in ((24, "1 thing to ask about"), (25, "2 things to ask about")):
            with time_machine.travel(datetime(2026, 11, day, 12, tzinfo=ZoneInfo("UTC"))):
                self.client.force_login(partner)
                card = self.client.get("/groups/", {"near": "78701"})
                page = self.client.get("/groups/evening-circle/")
                dashboard = self.client.get("/partners/")
                checks = self.client.get(f"/partners/groups/{group.pk}/checks/")
                self.client.force_login(make_curator(f"cora{day}"))
                admin_list = self.client.get("/admin/directory/group/", {"look": "any"})

            with self.subTest(day=day):
                for response in (card, page, dashboard, checks):
                    self.assertContains(response, count)
                self.assertContains(admin_list, "Organization not verified.")
                self.assertEqual(admin_list.content.decode().count("Not verified since"), day - 24)

    def test_the_review_queue_counts_a_change_the_same_way(self):
        from partners.models import Membership
        from tests.test_partners import group_post
        from tests.test_review import TUESDAY_CIRCLE

        organization = make_organization("Unchecked Network")
        promise = "A weekly circle that will cure your low mood."
        group = make_group("Tuesday Circle", organization=organization, description=promise,
                           last_verified_on=date(2026, 11, 24))  # fmt: skip
        partner = User.objects.create_user("ana@example.org", "ana@example.org", "x" * 16)
        Membership.objects.create(user=partner, organization=organization, role="admin")
        with time_machine.travel(NOON_NOVEMBER_24, tick=False):
            self.client.force_login(partner)
            # The same listing, sent again with only its phone number changed.
            self.client.post(
                f"/partners/groups/{group.pk}/edit/",
                group_post("Tuesday Circle", **TUESDAY_CIRCLE | {"description": promise},
                           contact_phone="(512) 555-0100"),
            )  # fmt: skip
            pages = [
                self.client.get("/groups/"),
                self.client.get("/groups/tuesday-circle-austin/"),
                self.client.get("/partners/"),
            ]
            self.client.force_login(make_curator())
            queue = self.client.get("/admin/partners/submission/")

        # Flagged: the promise of a cure; to ask about: the unchecked organization.
        for response in pages:
            self.assertContains(response, "2 things to ask about")
        self.assertContains(queue, "2 things to ask about (1 flagged)")

    def test_the_dashboard_count_leads_to_what_to_do(self):
        from partners.models import Membership

        organization = make_organization("Unchecked Network")
        group = make_online_group(
            "Pricey Online", organization=organization, cost="fee", fee_per_session=150
        )
        other = make_group("Someone Else's", organization=make_organization("Other Org"))
        partner = User.objects.create_user("ana@example.org", "ana@example.org", "x" * 16)
        Membership.objects.create(user=partner, organization=organization, role="editor")
        self.client.force_login(partner)

        dashboard = self.client.get("/partners/")
        checks = self.client.get(f"/partners/groups/{group.pk}/checks/")

        self.assertContains(dashboard, f'href="/partners/groups/{group.pk}/checks/"')
        self.assertContains(checks, 'data-check="fees" data-status="flag"')
        self.assertContains(checks, "This online group charges $150 a session.")
        self.assertContains(checks, "Online groups charging more than $75 a session are flagged.")
        self.assertContains(checks, "a curator checks each new organization once")
        self.assertContains(checks, f'href="/partners/groups/{group.pk}/edit/"')
        self.assertEqual(self.client.get(f"/partners/groups/{other.pk}/checks/").status_code, 404)


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class RankingTests(TestCase):
    def test_online_groups_with_nothing_flagged_and_checked_organizations_come_first(self):
        checked = make_organization("Checked Org", verified=True)
        unchecked = make_organization("Unchecked Org")
        predatory = "Guaranteed to lift your depression in 30 days."
        make_online_group("A Predatory Circle", organization=unchecked, description=predatory,
                          cost="fee", fee_per_session=150)  # fmt: skip
        make_online_group("B Flagged But Checked", organization=checked, moderation_rules="")
        make_online_group("C Unchecked Circle", organization=unchecked)
        make_online_group("D Checked Circle", organization=checked)
        make_group("E Nearby Circle", organization=unchecked)

        near = self.client.get("/groups/", {"near": "78701"})
        anywhere = self.client.get("/groups/", {"attendance": "online"})

        expected = [
            "D Checked Circle", "C Unchecked Circle", "B Flagged But Checked", "A Predatory Circle"
        ]  # fmt: skip
        self.assertEqual(result_names(near), ["E Nearby Circle", *expected])
        self.assertEqual(result_names(anywhere), expected)
        # A flagged card says its most serious finding in words, not only a count.
        self.assertContains(
            near,
            '<p class="finding"><strong>No high fees: Take care.</strong> This online group '
            "charges $150 a session.",
        )
        self.assertContains(near, "Ask how the group is moderated before you join.")
        self.assertContains(near, '<p class="finding">', count=2)

    def test_checking_an_organization_moves_its_groups_up(self):
        organization = make_organization("Lakeshore")
        make_online_group("A Lakeshore Circle", organization=organization)
        make_online_group("B Other Circle", organization=make_organization("Other", verified=True))
        self.client.force_login(make_curator())

        before = result_names(self.client.get("/groups/", {"attendance": "online"}))
        self.client.post(
            "/admin/directory/organization/",
            {"action": "mark_verified", "_selected_action": [organization.pk]},
        )
        after = result_names(self.client.get("/groups/", {"attendance": "online"}))

        self.assertEqual(before, ["B Other Circle", "A Lakeshore Circle"])
        self.assertEqual(after, ["A Lakeshore Circle", "B Other Circle"])
