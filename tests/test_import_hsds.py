"""`manage.py import_hsds FILE_OR_URL`: HSDS 3.0 services into listings through the CSV
import's checks, all or nothing; and the round trip export → import into an empty
database → export."""

import copy
import json
import tempfile
from datetime import date, datetime, time
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from directory.models import Group, GroupVersion, MeetingTime, Organization
from tests.factories import make_group, make_online_group, make_organization

TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
@time_machine.travel(TUESDAY_MORNING, tick=False)
class ImportHsdsTestCase(TestCase):
    def setUp(self):
        cache.clear()
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def export(self):
        """Every listed service, whole, from the API's pages."""
        services, page = [], 1
        while True:
            response = self.client.get(
                "/api/hsds/services", {"full": "true", "per_page": 2, "page": page}
            ).json()
            services += response["contents"]
            if response["last_page"]:
                return services
            page += 1

    def run_import(self, data):
        """Import `data` (written to a file); returns (stdout, stderr, error or None)."""
        path = Path(self.folder.name) / "services.json"
        path.write_text(json.dumps(data) if not isinstance(data, str) else data)
        out, err = StringIO(), StringIO()
        try:
            call_command("import_hsds", str(path), stdout=out, stderr=err)
        except CommandError as error:
            return out.getvalue(), err.getvalue(), error
        return out.getvalue(), err.getvalue(), None


class RoundTripTests(ImportHsdsTestCase):
    def make_directory(self):
        checked = make_organization(
            "Riverbend Peer Network", verified=True, website="https://example.org/rb"
        )
        unchecked = make_organization("Sunrise Collective")
        make_group(
            "Tuesday Evening Circle",
            organization=checked,
            focus=["women", "perinatal"],
            languages="en,es",
            contact_phone="(512) 555-0143",
            contact_email="circle@example.org",
            website="https://example.org/circle",
            min_age=18,
            max_size=12,
            insurance_accepted=True,
            cost=Group.Cost.FEE,
            fee_per_session=Decimal("35.50"),
            last_verified_on=date(2026, 10, 1),
        )
        make_group(
            "Quiet Room Circle",
            organization=checked,
            address="77 Hidden Lane",
            address_visibility=Group.AddressVisibility.CITY_ONLY,
            meeting={"frequency": "monthly", "week_of_month": -1, "days": "fri"},
            last_verified_on=date(2026, 9, 1),
        )
        course = make_group(
            "Skills Course",
            organization=unchecked,
            format=Group.Format.PSYCHOEDUCATIONAL,
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 2, 23),
            leader_type=Group.LeaderType.PROFESSIONAL,
            leader_training="LCSW, 10 years of group work",
            meeting={
                "days": "tue,thu",
                "frequency": "every_other_week",
                "first_meeting_on": date(2026, 12, 1),
            },
            last_verified_on=date(2026, 11, 1),
        )
        MeetingTime.objects.create(
            group=course, days="sat", start_time=time(9, 30), timezone="America/Chicago"
        )
        make_online_group(
            "Online Evening Circle",
            organization=unchecked,
            serves_regions="CA,OR",
            cost=Group.Cost.SLIDING_SCALE,
            last_verified_on=date(2026, 11, 2),
            meeting={"timezone": "America/Los_Angeles"},
        )
        make_group(
            "Hybrid Circle",
            organization=checked,
            attendance=Group.Attendance.HYBRID,
            last_verified_on=date(2026, 11, 3),
        )
        make_group("Draft Circle", organization=checked, status=Group.Status.DRAFT)

    def test_export_import_into_an_empty_database_export_gives_the_same_documents(self):
        self.make_directory()
        before = self.export()
        verified = set(Organization.objects.filter(verified=True).values_list("name", flat=True))
        Group.objects.all().delete()
        Organization.objects.all().delete()

        out, err, error = self.run_import(before)

        self.assertIsNone(error, err)
        self.assertIn("Imported 5 groups", out)
        # Imported organizations are new to this directory: a curator checks them again.
        self.assertFalse(Organization.objects.filter(verified=True).exists())
        for organization in Organization.objects.filter(name__in=verified):
            organization.verified = True
            organization.save()
        after = self.export()
        for document in before + after:
            del document["last_modified"]  # when this copy of the listing was written
        self.assertEqual(after, before)
        self.assertEqual(Group.objects.get(name="Skills Course").meeting_times.count(), 2)
        self.assertEqual(GroupVersion.objects.filter(note="Imported from HSDS").count(), 5)

    def test_importing_again_updates(self):
        self.make_directory()
        services = self.export()
        services[0]["description"] = "Changed in the file."

        out, err, error = self.run_import({"contents": services})

        self.assertIsNone(error, err)
        self.assertIn("0 new, 5 updated", out)
        self.assertEqual(
            Group.objects.get(name=services[0]["name"]).description, "Changed in the file."
        )
        self.assertEqual(Group.objects.count(), 6)


class ProblemTests(ImportHsdsTestCase):
    def setUp(self):
        super().setUp()
        make_group(
            "Tuesday Evening Circle", organization=make_organization("Riverbend Peer Network")
        )
        self.service = self.export()[0]
        Group.objects.all().delete()

    def service_with(self, **changes):
        service = copy.deepcopy(self.service)
        service["id"] = "6d3f6b9e-3a8c-4a57-9d57-1c1b0e2c9a11"
        service["name"] = "Another Circle"
        for path, value in changes.items():
            *parents, last = path.split("__")
            target = service
            for part in parents:
                target = target[int(part)] if part.isdigit() else target[part]
            target[last] = value
        return service

    def test_every_problem_by_service_and_field_and_nothing_imported(self):
        attributes = [
            a
            for a in self.service["attributes"]
            if not a["taxonomy_term"]["code"].startswith("format/")
        ]
        services = [
            self.service,
            self.service_with(schedules__0__byday="TU,XX", schedules__0__opens_at="7pm"),
            self.service_with(
                name="Second Circle",
                attributes=attributes,
                languages=[{"id": self.service["id"], "code": "zz"}],
            ),
            self.service_with(name="Third Circle", id="not-a-uuid", status="defunct"),
            self.service_with(name="Tuesday Evening Circle"),
        ]

        out, err, error = self.run_import(services)

        self.assertIsNotNone(error)
        self.assertIn("nothing was imported", str(error))
        problems = err.splitlines()
        for expected in [
            "services[1] “Another Circle”, schedules[0].byday: “xx” is not a day. "
            "Use mon, tue, wed, thu, fri, sat, sun.",
            "services[1] “Another Circle”, schedules[0].opens_at: "
            "“7pm” is not a 24-hour time like 18:30.",
            "services[2] “Second Circle”, attributes (format): This is required.",
            "services[3] “Third Circle”, id: 'not-a-uuid' is not a 'uuid'",
        ]:
            self.assertIn(expected, problems)
        self.assertTrue(
            any(p.startswith("services[2] “Second Circle”, languages: ") for p in problems)
        )
        self.assertIn(
            "services[4] “Tuesday Evening Circle”, name: The file already lists this group as "
            "services[0] “Tuesday Evening Circle”.",
            problems,
        )
        self.assertFalse(Group.objects.exists())

    def test_an_inactive_service_is_not_listed(self):
        out, err, error = self.run_import([self.service_with(status="inactive")])

        self.assertIn(
            "services[0] “Another Circle”, status: Only active services can be listed.", err
        )

    def test_another_publishers_online_service_with_an_offset(self):
        service = self.service_with()
        service["service_at_locations"] = [
            {
                "id": service["id"],
                "location": {
                    "id": service["id"],
                    "location_type": "virtual",
                    "url": "https://meet.example/x",
                },
            }
        ]
        del service["schedules"][0]["timezone_name"]
        service["schedules"][0]["timezone"] = -5
        service["moderation_rules"] = "Be kind."

        out, err, error = self.run_import([service])

        self.assertIsNone(error, err)
        group = Group.objects.get(name="Another Circle")
        self.assertEqual(group.attendance, Group.Attendance.ONLINE)
        self.assertEqual(group.meeting_times.get().timezone, "Etc/GMT+5")
        self.assertEqual(str(group.uuid), service["id"])

    def test_files_that_are_not_hsds(self):
        for text, message in [
            ("not json", "is not JSON"),
            ("42", "Expected a list of HSDS services"),
            ("[]", "1 problem"),
        ]:
            with self.subTest(text=text):
                out, err, error = self.run_import(text)
                self.assertIn(message, str(error))
        out = StringIO()
        with self.assertRaisesMessage(CommandError, "There is no file /nowhere.json"):
            call_command("import_hsds", "/nowhere.json", stdout=out, stderr=out)
