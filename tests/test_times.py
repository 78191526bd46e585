"""Meeting times on the visitor's clock, over HTTP: after a search from a place, groups
they can join online say the time where the visitor is, with the group's own alongside;
groups met only in person keep their own clock."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from directory.models import Group, MeetingTime
from tests.factories import make_group, make_online_group

# A Tuesday, 10 am in Austin; standard time everywhere.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))
# Daylight saving time everywhere it is kept.
JULY = datetime(2027, 7, 6, 10, tzinfo=ZoneInfo("America/Chicago"))
# Saturday before the clocks go forward (Sunday, March 14, 2027 at 2 am).
SATURDAY_BEFORE_THE_CHANGE = datetime(2027, 3, 13, 10, tzinfo=ZoneInfo("America/Denver"))

EASTERN_EVENING = {"days": "tue", "start_time": time(20), "end_time": time(21, 30),
                   "timezone": "America/New_York"}  # fmt: skip


@time_machine.travel(TUESDAY_MORNING, tick=False)
class ResultCardTests(TestCase):
    def test_online_groups_say_the_visitors_time_and_their_own(self):
        make_online_group("Eastern Online", meeting=EASTERN_EVENING)

        denver = self.client.get("/groups/", {"near": "80202"})

        self.assertContains(denver, "Tuesdays, 6–7:30 pm your time (8–9:30 pm Eastern time)")

    def test_the_visitors_own_zone_reads_as_before(self):
        make_online_group("Eastern Online", meeting=EASTERN_EVENING)

        new_york = self.client.get("/groups/", {"near": "10001"})
        detroit = self.client.get("/groups/", {"near": "48201"})  # another name, the same clock
        no_place = self.client.get("/groups/")

        for response in (new_york, detroit, no_place):
            self.assertContains(response, "Tuesdays, 8–9:30 pm (Eastern time)")
            self.assertNotContains(response, "your time")

    def test_a_hybrid_group_can_be_joined_online_so_it_converts_too(self):
        make_group("Austin Hybrid", attendance=Group.Attendance.HYBRID)

        response = self.client.get("/groups/", {"near": "80202", "attendance": "online"})

        self.assertContains(response, "Tuesdays, 6–7:30 pm your time (7–8:30 pm Central time)")

    def test_a_later_day_for_the_visitor_is_said(self):
        make_online_group(
            "Late Pacific",
            meeting={"days": "tue,sat", "start_time": time(21), "end_time": time(22, 30),
                     "timezone": "America/Los_Angeles"},
        )  # fmt: skip

        response = self.client.get("/groups/", {"near": "10001"})

        self.assertContains(
            response,
            "Wednesdays and Sundays, midnight–1:30 am your time "
            "(Tuesdays and Saturdays, 9–10:30 pm Pacific time)",
        )

    def test_an_earlier_day_for_the_visitor_is_said(self):
        make_online_group(
            "Night Shift Circle",
            meeting={"days": "mon", "start_time": time(4), "end_time": time(5),
                     "timezone": "America/New_York", "frequency": "every_other_week",
                     "first_meeting_on": date(2026, 11, 30)},
        )  # fmt: skip

        honolulu = self.client.get("/groups/", {"near": "96813"})

        self.assertContains(
            honolulu,
            "Every other Sunday, 11 pm–midnight your time "
            "(Every other Monday, 4–5 am Eastern time)",
        )

    def test_a_monthly_meeting_on_another_day_for_the_visitor(self):
        make_online_group(
            "Monthly Pacific",
            meeting={"days": "thu", "start_time": time(21), "end_time": None,
                     "timezone": "America/Los_Angeles", "frequency": "monthly",
                     "week_of_month": MeetingTime.WeekOfMonth.LAST},
        )  # fmt: skip

        response = self.client.get("/groups/", {"near": "10001"})

        self.assertContains(
            response,
            "The day after the last Thursday of each month, midnight your time "
            "(The last Thursday of each month, 9 pm Pacific time)",
        )

    def test_in_person_groups_keep_their_own_clock(self):
        # Across the Colorado River from Laughlin, Nevada (Pacific time), Arizona time.
        bullhead_city = {
            "city": "Bullhead City",
            "region": "AZ",
            "postal_code": "86442",
            "latitude": 35.106,
            "longitude": -114.5947,
            "meeting": {
                "days": "tue",
                "start_time": time(19),
                "end_time": time(20, 30),
                "timezone": "America/Phoenix",
            },
        }
        make_group("River Circle", **bullhead_city)
        make_group("River Hybrid", attendance=Group.Attendance.HYBRID, **bullhead_city)

        response = self.client.get("/groups/", {"near": "89029"})

        cards = response.content.decode().split('<li class="group-card">')[1:]
        self.assertEqual(len(cards), 2)
        self.assertIn("River Circle", cards[0])
        self.assertIn("Tuesdays, 7–8:30 pm (Arizona time)", cards[0])
        self.assertIn("River Hybrid", cards[1])
        self.assertIn("Tuesdays, 6–7:30 pm your time (7–8:30 pm Arizona time)", cards[1])

    def test_converting_a_page_of_times_costs_no_query(self):
        for n in range(25):
            make_online_group(f"Eastern Online {n:02d}", meeting=EASTERN_EVENING)

        # The focus vocabulary, the count, the online page, their meeting times.
        with self.assertNumQueries(4):
            response = self.client.get("/groups/", {"near": "80202", "attendance": "online"})

        self.assertContains(response, "6–7:30 pm your time", count=20)


class DaylightSavingTests(TestCase):
    """The visitor's time comes from the next meeting itself, so it follows the clocks."""

    def setUp(self):
        make_online_group(
            "Phoenix Online",  # Arizona keeps standard time all year
            meeting={"days": "mon", "start_time": time(19), "end_time": None,
                     "timezone": "America/Phoenix"},
        )  # fmt: skip
        make_online_group("Eastern Online", meeting=EASTERN_EVENING)

    def search(self, near):
        return self.client.get("/groups/", {"near": near})

    def test_in_winter(self):
        with time_machine.travel(TUESDAY_MORNING, tick=False):
            denver = self.search("80202")
            honolulu = self.search("96813")

        self.assertContains(denver, "Mondays, 7 pm your time (7 pm Arizona time)")
        self.assertContains(honolulu, "Tuesdays, 3–4:30 pm your time (8–9:30 pm Eastern time)")

    def test_in_summer(self):
        with time_machine.travel(JULY, tick=False):
            denver = self.search("80202")
            honolulu = self.search("96813")

        self.assertContains(denver, "Mondays, 8 pm your time (7 pm Arizona time)")
        self.assertContains(honolulu, "Tuesdays, 2–3:30 pm your time (8–9:30 pm Eastern time)")

    def test_the_weekend_the_clocks_change(self):
        phoenix = Group.objects.get(name="Phoenix Online")
        phoenix.meeting_times.create(
            days="sat", start_time=time(18), timezone="America/Phoenix"
        )  # tonight, before the change; Monday's is after it

        with time_machine.travel(SATURDAY_BEFORE_THE_CHANGE, tick=False):
            response = self.search("80202")
            page = self.client.get("/groups/phoenix-online/", {"near": "80202"})

        self.assertContains(response, "Saturdays, 6 pm your time (6 pm Arizona time)")
        self.assertContains(response, "Mondays, 8 pm your time (7 pm Arizona time)")
        self.assertContains(
            page, "Mondays, 8 pm your time (7 pm Arizona time). Next: Monday, March 15"
        )


@time_machine.travel(TUESDAY_MORNING, tick=False)
class GroupPageTests(TestCase):
    def test_reached_from_a_search_an_online_group_says_the_visitors_time(self):
        make_online_group("Eastern Online", meeting=EASTERN_EVENING)

        from_denver = self.client.get("/groups/eastern-online/", {"near": "80202"})
        directly = self.client.get("/groups/eastern-online/")

        self.assertContains(
            from_denver,
            "Tuesdays, 6–7:30 pm your time (8–9:30 pm Eastern time). Next: Tuesday, November 24",
        )
        self.assertContains(
            directly, "Tuesdays, 8–9:30 pm (Eastern time). Next: Tuesday, November 24"
        )

    def test_the_next_meeting_is_the_visitors_date(self):
        make_online_group(
            "Late Pacific",
            meeting={"days": "tue", "start_time": time(21), "end_time": None,
                     "timezone": "America/Los_Angeles"},
        )  # fmt: skip

        response = self.client.get("/groups/late-pacific/", {"near": "10001"})

        self.assertContains(
            response,
            "Wednesdays, midnight your time (Tuesdays, 9 pm Pacific time). "
            "Next: Wednesday, November 25",
        )

    def test_an_in_person_group_keeps_its_clock_from_any_search(self):
        make_group("Tuesday Circle")

        response = self.client.get("/groups/tuesday-circle-austin/", {"near": "80202"})

        self.assertContains(response, "Tuesdays, 7–8:30 pm (Central time). Next: Tuesday")
        self.assertNotContains(response, "your time")
