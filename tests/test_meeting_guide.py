"""The Meeting Guide feed at /api/meeting-guide.json: the spec's fields and types, weekly
meetings of open groups only, published type codes, no personal names, and every page
advertising it."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.core.cache import cache
from django.test import TestCase, override_settings
from jsonschema import Draft202012Validator, FormatChecker

from api import hsds, openapi
from api.standards import meeting_guide_types
from directory.models import Group, MeetingTime
from tests.factories import make_group, make_online_group, make_organization

TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
@time_machine.travel(TUESDAY_MORNING, tick=False)
class MeetingGuideTests(TestCase):
    def setUp(self):
        cache.clear()
        self.organization = make_organization(
            "Riverbend Peer Network", website="https://example.org/rb"
        )

    def feed(self):
        response = self.client.get("/api/meeting-guide.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        meetings = response.json()
        self.assertTrue(meetings)
        errors = []
        for meeting in meetings:
            errors += [
                f"{meeting.get('slug')} {list(e.absolute_path)}: {e.message}"
                for e in Draft202012Validator(
                    openapi.meeting_schema(), format_checker=FormatChecker()
                ).iter_errors(meeting)
            ]
        self.assertEqual(errors, [])
        return meetings

    def test_a_weekly_meeting_as_the_spec_says_it(self):
        group = make_group(
            "Tuesday Evening Circle",
            organization=self.organization,
            languages="en,es",
            focus=["women", "perinatal"],
            contact_email="maria.lopez@example.org",
        )
        MeetingTime.objects.create(
            group=group, days="sat,sun", start_time=time(10), timezone="America/Chicago"
        )

        first, second = self.feed()

        self.assertEqual(
            first,
            {
                "name": "Tuesday Evening Circle",
                "slug": hsds.schedule_id(group, 0),  # meeting times in order of start time
                "day": [0, 6],
                "time": "10:00",
                "timezone": "America/Chicago",
                "types": ["EN", "S", "W"],
                "notes": group.description,
                "url": "http://testserver/groups/tuesday-evening-circle-austin/",
                "feedback_url": "http://testserver/groups/tuesday-evening-circle-austin/report/",
                "updated": "2026-11-24 16:00:00",
                "entity": "Riverbend Peer Network",
                "entity_website_url": "https://example.org/rb",
                "location": "Eastside Library, Room B",
                "address": "210 Example Avenue",
                "city": "Austin",
                "state": "TX",
                "postal_code": "78701",
                "country": "US",
                "regions": ["Texas", "Austin"],
                "latitude": 30.2713,
                "longitude": -97.7426,
                "approximate": "no",
            },
        )
        self.assertEqual((second["day"], second["time"], second["end_time"]), (2, "19:00", "20:30"))
        self.assertEqual(len({first["slug"], second["slug"]}), 2)

    def test_types_are_only_published_codes(self):
        make_group("Many Languages", languages="en,es,fr,vi,ko,pt,ru,tl", focus=["lgbtqi", "men"])
        make_group("Older Adults", focus=["older_adults", "young_adults", "chronic_illness"])

        codes = {code for meeting in self.feed() for code in meeting["types"]}

        self.assertLessEqual(codes, set(meeting_guide_types()))
        self.assertEqual(
            codes, {"EN", "S", "FR", "KOR", "POR", "RUS", "TL", "LGBTQ", "M", "SEN", "Y"}
        )

    def test_only_weekly_meetings_of_open_groups(self):
        make_group("Weekly Circle")
        make_group(
            "Fortnightly Circle",
            meeting={"frequency": "every_other_week", "first_meeting_on": date(2026, 11, 24)},
        )
        make_group("Monthly Circle", meeting={"frequency": "monthly", "week_of_month": 1})
        make_group(
            "Closed Course",
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 2, 23),
        )
        make_group("Draft Circle", status=Group.Status.DRAFT)
        mixed = make_group("Mixed Circle", meeting={"frequency": "monthly", "week_of_month": 2})
        MeetingTime.objects.create(
            group=mixed, days="thu", start_time=time(18), timezone="America/Chicago"
        )

        meetings = self.feed()

        self.assertEqual(sorted(m["name"] for m in meetings), ["Mixed Circle", "Weekly Circle"])
        [mixed_meeting] = [m for m in meetings if m["name"] == "Mixed Circle"]
        self.assertEqual((mixed_meeting["day"], mixed_meeting["time"]), (4, "18:00"))

    def test_online_and_city_only_meetings(self):
        make_online_group("Online Circle", serves_regions="CA")
        make_group(
            "Quiet Room Circle",
            address="77 Hidden Lane",
            postal_code="78702",
            address_visibility=Group.AddressVisibility.CITY_ONLY,
        )
        make_group("Hybrid Circle", attendance=Group.Attendance.HYBRID)

        meetings = {meeting["name"]: meeting for meeting in self.feed()}

        online = meetings["Online Circle"]
        self.assertEqual(online["conference_url"], "https://example.org/meet/online-circle")
        self.assertEqual(online["regions"], ["Online"])
        self.assertFalse({"address", "city", "latitude", "location"} & set(online))
        quiet = meetings["Quiet Room Circle"]
        self.assertEqual(
            (quiet["city"], quiet["state"], quiet["approximate"]), ("Austin", "TX", "yes")
        )
        self.assertFalse({"address", "postal_code", "latitude", "longitude"} & set(quiet))
        hybrid = meetings["Hybrid Circle"]
        self.assertEqual(hybrid["address"], "210 Example Avenue")
        self.assertEqual(hybrid["conference_url"], "https://example.org/meet/hybrid-circle")

    def test_no_personal_names_or_contacts(self):
        make_group(
            "Tuesday Evening Circle",
            contact_email="maria.lopez@example.org",
            contact_phone="(512) 555-0143",
        )

        response = self.client.get("/api/meeting-guide.json")

        self.assertNotIn(b"maria.lopez", response.content)
        self.assertNotIn(b"555-0143", response.content)
        self.assertFalse([key for key in response.json()[0] if key.startswith("contact_")])

    def test_pages_advertise_the_feed(self):
        for url in ["/", "/groups/", "/api/"]:
            with self.subTest(url=url):
                self.assertContains(
                    self.client.get(url),
                    '<link rel="alternate" type="application/json" title="Meetings Feed" '
                    'href="/api/meeting-guide.json">',
                    html=True,
                )

    def test_conditional_get(self):
        make_group("Weekly Circle")
        etag = self.client.get("/api/meeting-guide.json")["ETag"]

        again = self.client.get("/api/meeting-guide.json", headers={"If-None-Match": etag})

        self.assertEqual(again.status_code, 304)
