"""A group's page at /groups/<slug>/, over HTTP."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from directory.models import Group, MeetingTime
from tests.factories import make_group, make_online_group

# A Tuesday, 10 am in Austin.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))


@time_machine.travel(TUESDAY_MORNING, tick=False)
class GroupPageTests(TestCase):
    def test_every_fact_in_plain_words(self):
        group = make_group(
            "Tuesday Evening Circle",
            description="We share and listen.",
            leader_training="Completed a 2-day peer facilitator training",
            cost=Group.Cost.SLIDING_SCALE,
            fee_per_session=20,
            languages="en,es",
            min_age=18,
            max_size=12,
            contact_email="circle@example.org",
            contact_phone="(512) 555-0143",
            last_verified_on=date(2026, 10, 1),
            focus=["women"],
        )

        response = self.client.get("/groups/tuesday-evening-circle-austin/")

        self.assertEqual(group.get_absolute_url(), "/groups/tuesday-evening-circle-austin/")
        for fact in [
            "Tuesday Evening Circle",
            "Run by Riverbend Peer Network",
            "We share and listen.",
            "Peer support group",
            "An open group: you can join any time.",
            "Tuesdays, 7–8:30 pm (Central time). Next: Tuesday, November 24",
            "Eastside Library, Room B",
            "210 Example Avenue",
            "A peer (someone with lived experience): Completed a 2-day peer facilitator training",
            "What is said in the group stays in the group.",
            "Sliding scale, up to $20 a session.",
            "Women",
            "In English, Spanish",
            "Ages 18 and up",
            "At most 12 members",
            'href="mailto:circle@example.org"',
            '<a href="tel:+15125550143">(512) 555-0143</a>',
            "These details were last confirmed on October 1, 2026.",
        ]:
            with self.subTest(fact=fact):
                self.assertContains(response, fact, html=False)

    def test_the_next_meeting_is_in_the_groups_timezone(self):
        # 9 pm Tuesday in Los Angeles is 11 pm in Austin: still "today" there.
        make_group(
            "Late Pacific",
            meeting={"days": "tue", "start_time": time(21), "end_time": None,
                     "timezone": "America/Los_Angeles"},
        )  # fmt: skip
        # 9 am Tuesday in New York has already happened: next week.
        make_group(
            "Early Eastern",
            meeting={"days": "tue", "start_time": time(9), "end_time": time(10),
                     "timezone": "America/New_York"},
        )  # fmt: skip

        late = self.client.get("/groups/late-pacific-austin/")
        early = self.client.get("/groups/early-eastern-austin/")

        self.assertContains(late, "Tuesdays, 9 pm (Pacific time). Next: Tuesday, November 24")
        self.assertContains(early, "Tuesdays, 9–10 am (Eastern time). Next: Tuesday, December 1")

    def test_monthly_and_every_other_week_meetings(self):
        group = make_group(
            "Monthly Circle",
            meeting={
                "days": "thu",
                "frequency": MeetingTime.Frequency.MONTHLY,
                "week_of_month": MeetingTime.WeekOfMonth.LAST,
            },
        )
        group.meeting_times.create(
            days="mon",
            start_time=time(12),
            end_time=time(13),
            timezone="America/Chicago",
            frequency=MeetingTime.Frequency.EVERY_OTHER_WEEK,
            first_meeting_on=date(2026, 11, 16),
        )

        response = self.client.get("/groups/monthly-circle-austin/")

        self.assertContains(
            response, "The last Thursday of each month, 7–8:30 pm (Central time). Next: Thursday, "
            "November 26",
        )  # fmt: skip
        self.assertContains(
            response, "Every other Monday, noon–1 pm (Central time). Next: Monday, November 30"
        )

    def test_a_closed_group_says_when_it_starts_and_ends(self):
        make_group(
            "Winter Course",
            format=Group.Format.PSYCHOEDUCATIONAL,
            membership=Group.Membership.CLOSED,
            starts_on=date(2027, 1, 12),
            ends_on=date(2027, 3, 2),
        )

        response = self.client.get("/groups/winter-course-austin/")

        self.assertContains(response, "everyone starts together on January 12, 2027")
        self.assertContains(response, "it ends on March 2, 2027")
        self.assertContains(response, "Next: Tuesday, January 12")

    def test_a_private_address_shows_only_the_city(self):
        make_group("Private Room", address_visibility=Group.AddressVisibility.CITY_ONLY)

        response = self.client.get("/groups/private-room-austin/")

        self.assertContains(response, "Austin, TX")
        self.assertContains(response, "The group shares its address when you contact it.")
        self.assertNotContains(response, "210 Example Avenue")
        self.assertNotContains(response, "78701")

    def test_an_online_group_shows_its_link_and_who_may_join(self):
        make_online_group("Online Circle", serves_regions="CO,WY")

        response = self.client.get("/groups/online-circle/")

        self.assertContains(response, 'href="https://example.org/meet/online-circle"')
        self.assertContains(response, "it accepts members who live in: Colorado, Wyoming.")
        self.assertContains(response, "Cameras optional")

    def test_what_is_not_stated_is_said_so(self):
        make_group("Quiet Circle", leader_training="", confidentiality_policy="")

        response = self.client.get("/groups/quiet-circle-austin/")

        self.assertContains(response, "Their training is not stated: ask about it.")
        self.assertContains(response, "The group has not said how it keeps what members share")


class FromASearchTests(TestCase):
    def test_reached_from_a_search_it_shows_the_distance_and_the_way_back(self):
        make_group("Tuesday Circle")

        response = self.client.get("/groups/tuesday-circle-austin/?near=78702&radius=10")

        self.assertContains(response, "1.6 miles from Austin, TX 78702")
        self.assertContains(
            response, 'href="/groups/?near=78702&amp;radius=10">Back to your search results'
        )

    def test_without_a_search_there_is_no_distance_and_a_link_to_search(self):
        make_group("Tuesday Circle")

        response = self.client.get("/groups/tuesday-circle-austin/")

        self.assertNotContains(response, "miles from")
        self.assertContains(response, 'href="/groups/">Find other groups')

    def test_a_bad_place_in_the_link_is_ignored(self):
        make_group("Tuesday Circle")

        response = self.client.get("/groups/tuesday-circle-austin/?near=zzzz")

        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "miles from")

    def test_online_groups_show_no_distance(self):
        make_online_group("Online Circle")

        response = self.client.get("/groups/online-circle/?near=78701")

        self.assertNotContains(response, "miles from")


class NotListedTests(TestCase):
    def test_unlisted_and_unknown_groups_are_not_found(self):
        for status in ["draft", "pending", "rejected", "archived"]:
            make_group(f"{status} circle", status=status)
            with self.subTest(status=status):
                response = self.client.get(f"/groups/{status}-circle-austin/")
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.get("/groups/no-such-group/").status_code, 404)


class GroupPageQueryTests(TestCase):
    def test_a_group_page_takes_three_queries_however_much_it_lists(self):
        group = make_group("Busy Circle", focus=["women", "parents"], languages="en,es")
        for days in ("mon", "wed", "fri"):
            MeetingTime.objects.create(
                group=group, days=days, start_time=time(12), timezone="America/Chicago"
            )

        # The group with its organization, its meeting times, its focus.
        with self.assertNumQueries(3):
            response = self.client.get("/groups/busy-circle-austin/", {"near": "78701"})

        self.assertContains(response, "What we checked")
        self.assertEqual(response.content.decode().count('class="check '), 8)
        # Near the top, the checklist in a few words, linking to it.
        self.assertContains(
            response,
            '<p class="checks"><a href="#checked">2 things to ask about</a></p>',
            html=True,
        )

    def test_a_group_with_no_focus_takes_two(self):
        make_group("Quiet Circle")

        with self.assertNumQueries(2):  # the group with its organization, its meeting times
            response = self.client.get("/groups/quiet-circle-austin/")

        self.assertContains(response, "Quiet Circle")
