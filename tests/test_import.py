"""`manage.py import_groups FILE.csv`: the one path for bulk listings. All or nothing."""

import csv
import tempfile
from datetime import datetime, time
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
import zipcodes
from django.core.management import CommandError, call_command
from django.test import TestCase

from directory.management.commands.load_demo import DEMO_FILE as DEMO
from directory.management.commands.load_demo import UNCHECKED
from directory.models import Group, GroupVersion, Organization, VettingResult

NOON_NOVEMBER_24 = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))
HEADER = "name,organization,format,attendance,leader_type,days,start_time"


class ImportTestCase(TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def run_import(self, text, name="groups.csv"):
        """Import `text`; returns (stdout, stderr, error or None)."""
        path = Path(self.folder.name) / name
        path.write_text(text, encoding="utf-8")
        out, err = StringIO(), StringIO()
        try:
            call_command("import_groups", str(path), stdout=out, stderr=err)
        except CommandError as error:
            return out.getvalue(), err.getvalue(), error
        return out.getvalue(), err.getvalue(), None


@time_machine.travel(NOON_NOVEMBER_24, tick=False)
class GoodFileTests(ImportTestCase):
    def test_every_column_lands_where_it_belongs(self):
        out, _, error = self.run_import(
            "name,organization,description,format,membership,starts_on,ends_on,attendance,"
            "leader_type,leader_training,days,start_time,end_time,frequency,week_of_month,"
            "timezone,venue,address,city,region,postal_code,latitude,longitude,"
            "address_visibility,online_url,serves_regions,confidentiality_policy,"
            "moderation_rules,cost,fee_per_session,insurance_accepted,focus,languages,max_size,"
            "min_age,contact_email,contact_phone,website,last_verified_on\n"
            "Winter Skills Course,Lakeshore Counseling,Eight weeks of skills.,psychoeducational,"
            "closed,2027-01-05,2027-02-23,hybrid,professional,LCSW,mon;thu,18:00,19:30,monthly,last,"
            ",Lakeshore Clinic,12 Example Road,Chicago,IL,60601,41.886,-87.62,city_only,"
            'https://example.org/winter,"ca; or",Private.,Be kind.,fee,$40,yes,women;perinatal,'
            "en;es,10,18,winter@example.org,(312) 555-0100,https://example.org,2026-10-01\n"
        )

        self.assertIsNone(error)
        self.assertIn("Imported 1 groups from", out)
        group = Group.objects.get()
        self.assertEqual(group.status, Group.Status.PUBLISHED)
        self.assertFalse(group.organization.verified)
        self.assertEqual(
            (group.format, group.membership, str(group.starts_on), str(group.ends_on)),
            ("psychoeducational", "closed", "2027-01-05", "2027-02-23"),
        )
        self.assertEqual((group.latitude, group.longitude), (41.886, -87.62))
        self.assertEqual(group.address_visibility, "city_only")
        self.assertEqual(group.serves_regions, "CA,OR")
        self.assertEqual(group.languages, "en,es")
        self.assertEqual(str(group.fee_per_session), "40.00")
        self.assertTrue(group.insurance_accepted)
        self.assertEqual(sorted(group.focus.values_list("slug", flat=True)), ["perinatal", "women"])
        meeting = group.meeting_times.get()
        self.assertEqual(meeting.days, "mon,thu")
        self.assertEqual((meeting.start_time, meeting.end_time), (time(18), time(19, 30)))
        self.assertEqual((meeting.frequency, meeting.week_of_month), ("monthly", -1))
        self.assertEqual(meeting.timezone, "America/Chicago")  # from the ZIP code
        self.assertEqual(GroupVersion.objects.get().note, "Imported from a CSV file")

    def test_places_come_from_the_zip_code_or_the_city_and_state(self):
        self.run_import(
            f"{HEADER},city,region,postal_code\n"
            "By ZIP,Org,support,in_person,peer,tue,19:00,Denver,CO,80202\n"
            "By City,Org,support,in_person,peer,tue,19:00,Boise,ID,\n"
        )

        by_zip = Group.objects.get(name="By ZIP")
        expected = zipcodes.matching("80202")[0]
        self.assertAlmostEqual(by_zip.latitude, float(expected["lat"]), places=4)
        self.assertAlmostEqual(by_zip.longitude, float(expected["long"]), places=4)
        self.assertEqual(by_zip.meeting_times.get().timezone, "America/Denver")
        by_city = Group.objects.get(name="By City")
        self.assertAlmostEqual(by_city.latitude, 43.6, delta=0.2)
        self.assertEqual(by_city.meeting_times.get().timezone, "America/Boise")
        self.assertEqual(str(by_city.last_verified_on), "2026-11-24")  # blank: today

    def test_importing_again_updates_instead_of_duplicating(self):
        first = f"{HEADER},description,city,region\n" + "".join(
            f"Circle {n},Org,support,in_person,peer,tue,19:00,Old words.,Austin,TX\n"
            for n in range(3)
        )
        self.run_import(first)
        second = first.replace(
            "Circle 1,Org,support,in_person,peer,tue,19:00,Old words.",
            "Circle 1,Org,support,in_person,peer,thu,10:00,New words.",
        )

        out, _, error = self.run_import(second)

        self.assertIsNone(error)
        self.assertIn("0 new, 3 updated", out)
        self.assertEqual(Group.objects.count(), 3)
        self.assertEqual(Organization.objects.count(), 1)
        changed = Group.objects.get(name="Circle 1")
        self.assertEqual(changed.description, "New words.")
        self.assertEqual(list(changed.meeting_times.values_list("days", flat=True)), ["thu"])
        self.assertEqual(changed.versions.count(), 2)

    def test_the_demo_gives_a_living_directory(self):
        call_command("load_demo", stdout=StringIO())

        with DEMO.open(encoding="utf-8", newline="") as demo:
            self.assertEqual(Group.objects.count(), len(list(csv.DictReader(demo))))
        listed = Group.objects.listed()
        self.assertGreaterEqual(listed.count(), 150)
        for field, values in [
            ("format", Group.Format.values),
            ("attendance", Group.Attendance.values),
            ("leader_type", Group.LeaderType.values),
        ]:
            self.assertEqual(set(listed.values_list(field, flat=True)), set(values), field)
        frequencies = set(listed.values_list("meeting_times__frequency", flat=True))
        self.assertEqual(frequencies, {"weekly", "every_other_week", "monthly"})
        self.assertGreaterEqual(
            len(set(listed.exclude(region="").values_list("region", flat=True))), 5
        )
        self.assertGreater(listed.filter(attendance="online").count(), 10)
        self.assertTrue(
            all(g.contact_email.endswith("@example.org") for g in listed if g.contact_email)
        )
        # Curators have checked most demo organizations; visitors see which are not.
        unchecked = set(Organization.objects.filter(verified=False).values_list("name", flat=True))
        self.assertEqual(unchecked, UNCHECKED)
        warned = VettingResult.objects.filter(name="known_organization", status="warn")
        self.assertEqual(set(warned.values_list("group__organization__name", flat=True)), UNCHECKED)


class BadFileTests(ImportTestCase):
    GOOD_ROW = "Good Circle,Org,support,in_person,peer,tue,19:00,Austin,TX,78701"
    COLUMNS = f"{HEADER},city,region,postal_code"

    def assertNothingImported(self, error):
        self.assertIsNotNone(error)
        self.assertFalse(Group.objects.exists())
        self.assertFalse(Organization.objects.exists())
        self.assertFalse(GroupVersion.objects.exists())

    def test_one_bad_row_imports_nothing_and_every_problem_is_named(self):
        header = (
            f"{self.COLUMNS},membership,starts_on,ends_on,cost,fee_per_session,online_url,focus,"
            "frequency,week_of_month,first_meeting_on,end_time"
        )
        rows = [
            f"{self.GOOD_ROW},,,,,,,,,,,",
            "Bad Format,Org,therapy,in_person,peer,tue,19:00,Austin,TX,78701,,,,,,,,,,,",
            "Bad Date,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,closed,12/01/2026,"
            "2027-01-01,,,,,,,,",
            "Ends Early,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,closed,2027-03-01,"
            "2027-01-01,,,,,,,,",
            "No Fee,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,,,,fee,,,,,,,",
            "No Link,Org,support,online,peer,tue,19:00,,,,,,,,,,,,,,",
            "Unknown ZIP,Org,support,in_person,peer,tue,19:00,Nowhere,TX,00000,,,,,,,,,,,",
            "Wrong State,Org,support,in_person,peer,tue,19:00,Austin,CO,78701,,,,,,,,,,,",
            "Unknown Focus,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,,,,,,,teens,,,,",
            "Late Hour,Org,support,in_person,peer,tue,25:00,Austin,TX,78701,,,,,,,,,,,",
            "Weekly Week,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,,,,,,,,weekly,2,,",
            "Biweekly,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,,,,,,,,"
            "every_other_week,,,",
            "Backwards,Org,support,in_person,peer,tue,19:00,Austin,TX,78701,,,,,,,,,,,18:00",
            "Good Circle,Org,support,in_person,peer,wed,19:00,Austin,TX,78701,,,,,,,,,,,",
        ]

        _, err, error = self.run_import(header + "\n" + "\n".join(rows) + "\n")

        self.assertNothingImported(error)
        self.assertIn("nothing was imported", str(error))
        for expected in [
            "row 3, format: “therapy” is not one of: support, psychoeducational, process, "
            "specialized.",
            "row 4, starts_on: “12/01/2026” is not a date written as YYYY-MM-DD.",
            "row 5, ends_on: The last session must come after the first.",
            "row 6, fee_per_session: Say how much one session costs.",
            "row 7, online_url: An online or hybrid group needs the link members use to join.",
            "row 7, timezone: Give the timezone the meeting times are in",
            "row 8, postal_code: We couldn't find this place on the map.",
            "row 9, postal_code: ZIP code 78701 is in TX, not CO.",
            "row 10, focus: “teens” is not a focus we list.",
            "row 11, start_time: “25:00” is not a 24-hour time like 18:30.",
            "row 12, week_of_month: Only monthly meetings have a week of the month.",
            "row 13, first_meeting_on: Give the date of one meeting, so people know which weeks.",
            "row 14, end_time: The meeting must end after it starts.",
            "row 15, name: The file already lists this group on row 2.",
        ]:
            self.assertIn(expected, err)
        self.assertNotIn("row 2,", err)

    def test_header_problems(self):
        _, err, error = self.run_import(
            "name,organisation,format,attendance,leader_type,start_time,colour\n"
            "Circle,Org,support,in_person,peer,19:00,blue\n"
        )

        self.assertNothingImported(error)
        self.assertIn(
            "row 1, organisation: This is not a column we know. Did you mean “organization”?", err
        )
        self.assertIn("row 1, colour: This is not a column we know.", err)
        self.assertIn("row 1, days: This required column is missing.", err)

    def test_empty_and_header_only_files(self):
        _, err, error = self.run_import("")
        self.assertNothingImported(error)
        self.assertIn("row 1, header: The file is empty", err)

        _, err, error = self.run_import(self.COLUMNS + "\n")
        self.assertNothingImported(error)
        self.assertIn("The file has a header but no groups.", err)

    def test_a_row_with_more_cells_than_columns(self):
        _, err, error = self.run_import(f"{self.COLUMNS}\n{self.GOOD_ROW},extra\n")

        self.assertNothingImported(error)
        self.assertIn("row 2, -: This row has more cells than the header has columns.", err)

    def test_a_file_that_is_not_utf8_or_not_there(self):
        path = Path(self.folder.name) / "latin1.csv"
        path.write_bytes(f"{self.COLUMNS}\nCafé,Org,support,in_person,peer,tue,19:00,Austin,TX,"
                         "78701\n".encode("latin-1"))  # fmt: skip

        err = StringIO()
        with self.assertRaisesMessage(CommandError, "1 problem in"):
            call_command("import_groups", str(path), stdout=StringIO(), stderr=err)
        self.assertIn("row 2, name: This cell is not UTF-8 text (“Caf\ufffd”).", err.getvalue())
        with self.assertRaisesMessage(CommandError, "There is no file"):
            call_command("import_groups", "/no/such/file.csv", stdout=StringIO())
        self.assertFalse(Group.objects.exists())

    def test_a_spreadsheets_byte_order_mark_is_fine(self):
        out, _, error = self.run_import(f"\ufeff{self.COLUMNS}\n{self.GOOD_ROW}\n")

        self.assertIsNone(error)
        self.assertEqual(Group.objects.get().name, "Good Circle")
