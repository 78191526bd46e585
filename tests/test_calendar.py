"""The calendar file at /groups/<slug>/calendar.ics, over HTTP, parsed back with icalendar
and its recurrences expanded (recurring-ical-events, and dateutil for the VTIMEZONE alone)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import time_machine
from dateutil.rrule import rrulestr
from django.test import TestCase

from directory.models import Group, MeetingTime
from tests.factories import make_group, make_online_group

TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))
NEXT_JULY = (date(2027, 7, 1), date(2027, 8, 1))


@time_machine.travel(TUESDAY_MORNING, tick=False)
class CalendarTests(TestCase):
    def download(self, slug):
        response = self.client.get(f"/groups/{slug}/calendar.ics")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="{slug}.ics"')
        # RFC 5545 lines: CRLF, folded at 75 octets.
        lines = response.content.split(b"\r\n")
        self.assertTrue(all(len(line) <= 75 for line in lines))
        return icalendar.Calendar.from_ical(response.content)

    def between(self, calendar, start, end):
        return sorted(recurring_ical_events.of(calendar).between(start, end), key=_start)

    def test_a_weekly_group_meets_next_july_at_its_local_time(self):
        make_group("Tuesday Circle")  # Tuesdays, 7–8:30 pm in Austin

        calendar = self.download("tuesday-circle-austin")
        july = self.between(calendar, *NEXT_JULY)

        self.assertEqual(
            [_start(event) for event in july],
            [datetime(2027, 7, day, 19, tzinfo=ZoneInfo("America/Chicago"))
             for day in (6, 13, 20, 27)],
        )  # fmt: skip
        for event in july:
            self.assertEqual(event.start.utcoffset(), timedelta(hours=-5))  # CDT
            self.assertEqual(event.end.time(), time(20, 30))
            self.assertEqual(event["SUMMARY"], "Tuesday Circle")

    def test_the_vtimezone_alone_places_every_meeting_for_years(self):
        """A calendar that does not know "America/Chicago" reads the VTIMEZONE: built from
        the file alone, it gives each meeting the tz database's offset, year after year."""
        make_group("Tuesday Circle", meeting={"days": "tue,sat"})

        calendar = self.download("tuesday-circle-austin")

        self.assertEqual(calendar.get_missing_tzids(), set())
        [vtimezone] = calendar.timezones
        from_file = vtimezone.to_tz(lookup_tzid=False)
        chicago = ZoneInfo("America/Chicago")
        [event] = calendar.events
        self.assertEqual(event.start, datetime(2026, 11, 24, 19, tzinfo=chicago))
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.start.replace(tzinfo=None))
        meetings = rule.between(datetime(2026, 11, 1), datetime(2046, 1, 1))
        self.assertGreater(len(meetings), 2 * 52 * 19)  # twice a week, for more than 19 years
        wrong = [
            meeting
            for meeting in meetings
            if meeting.replace(tzinfo=from_file).utcoffset()
            != meeting.replace(tzinfo=chicago).utcoffset()
        ]
        self.assertEqual(wrong, [])

    def test_rules_for_each_frequency(self):
        group = make_group("Tuesday Circle", meeting={"days": "tue,thu"})
        group.meeting_times.create(
            days="sat",
            start_time=time(10),
            end_time=time(11, 30),
            timezone="America/Chicago",
            frequency=MeetingTime.Frequency.MONTHLY,
            week_of_month=MeetingTime.WeekOfMonth.LAST,
        )
        group.meeting_times.create(
            days="wed",
            start_time=time(12),
            timezone="America/Chicago",
            frequency=MeetingTime.Frequency.MONTHLY,
            week_of_month=MeetingTime.WeekOfMonth.FIRST,
        )

        calendar = self.download("tuesday-circle-austin")
        rules = {str(event["DTSTART"].dt): event["RRULE"] for event in calendar.events}
        july = self.between(calendar, *NEXT_JULY)

        self.assertEqual(
            rules,
            {
                "2026-11-24 19:00:00-06:00": {"FREQ": ["WEEKLY"], "BYDAY": ["TU", "TH"]},
                "2026-11-28 10:00:00-06:00": {"FREQ": ["MONTHLY"], "BYDAY": ["-1SA"]},
                "2026-12-02 12:00:00-06:00": {"FREQ": ["MONTHLY"], "BYDAY": ["1WE"]},
            },
        )
        self.assertEqual(
            [_start(event).strftime("%a %d %H:%M") for event in july if event.start.hour < 19],
            ["Wed 07 12:00", "Sat 31 10:00"],
        )
        self.assertEqual(len(july), 9 + 2)  # Tuesdays and Thursdays, then the two monthly
        noon = next(event for event in july if event.start.hour == 12)
        self.assertEqual(noon.end - noon.start, timedelta(hours=1))  # no end time: an hour

    def test_every_other_week_until_a_closed_groups_last_day(self):
        make_online_group(
            "Winter Course",
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 12, 7),
            ends_on=date(2027, 2, 22),
            meeting={"days": "mon", "frequency": "every_other_week",
                     "first_meeting_on": date(2026, 12, 7), "timezone": "America/New_York"},
        )  # fmt: skip

        calendar = self.download("winter-course")
        [event] = calendar.events
        meetings = self.between(calendar, date(2026, 11, 1), date(2028, 1, 1))

        self.assertEqual(event["RRULE"]["INTERVAL"], [2])
        self.assertEqual(event["RRULE"]["UNTIL"], [datetime(2027, 2, 23, 4, 59, 59, tzinfo=UTC)])
        self.assertEqual(
            [_start(meeting) for meeting in meetings],
            [datetime(*day, 19, tzinfo=ZoneInfo("America/New_York"))
             for day in [(2026, 12, 7), (2026, 12, 21), (2027, 1, 4), (2027, 1, 18),
                         (2027, 2, 1), (2027, 2, 15)]],
        )  # fmt: skip
        self.assertEqual(event["LOCATION"], "Online")
        self.assertIn("Join online: https://example.org/meet/winter-course", event["DESCRIPTION"])
        # The timezone covers the course, not twenty years of it.
        [vtimezone] = calendar.timezones
        self.assertEqual(vtimezone["TZID"], "America/New_York")
        self.assertIn("2026-01-01 to 2028-01-01", vtimezone["COMMENT"])

    def test_where_and_what(self):
        group = make_group("Tuesday Circle")
        make_group("Private Room", address_visibility=Group.AddressVisibility.CITY_ONLY)

        [public] = self.download("tuesday-circle-austin").events
        [private] = self.download("private-room-austin").events
        page = self.client.get("/groups/tuesday-circle-austin/")

        self.assertContains(page, 'href="/groups/tuesday-circle-austin/calendar.ics"')
        self.assertEqual(
            public["LOCATION"], "Eastside Library, Room B, 210 Example Avenue, Austin, TX"
        )
        self.assertEqual(private["LOCATION"], "Austin, TX (contact the group for the address)")
        self.assertEqual(public["URL"], "http://testserver/groups/tuesday-circle-austin/")
        self.assertEqual(
            public["DESCRIPTION"],
            "Tuesdays, 7–8:30 pm\nDetails: http://testserver/groups/tuesday-circle-austin/",
        )
        meeting = group.meeting_times.get()
        self.assertEqual(public["UID"], f"group-{group.pk}-meeting-{meeting.pk}@groupfinder")


def _start(event):
    return event.start
