"""Files that are not what the import expects never answer 500 and never store anything:
each is answered with "row N, column: message" problems (or one about the whole file), on the
upload page and by `manage.py import_groups`, and a page of problems stays small."""

import tempfile
import time
from io import StringIO
from pathlib import Path

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils.html import escape

from directory.models import Group, Organization
from partners.models import ImportJob, Membership
from tests.factories import make_organization

HEADER = "name,organization,format,attendance,leader_type,days,start_time,city,region,postal_code"
GOOD_ROW = "Good Circle,Riverbend Peer Network,support,in_person,peer,tue,19:00,Austin,TX,78701"
SAVE_AS_CSV = "In your spreadsheet, save it as “CSV UTF-8”."


def csv_file(*rows):
    return "".join(row + "\n" for row in [HEADER, *rows])


class BadFileTestCase(TestCase):
    def setUp(self):
        self.organization = make_organization("Riverbend Peer Network")
        user = User.objects.create_user("ana@example.org", "ana@example.org", "password")
        Membership.objects.create(user=user, organization=self.organization, role="admin")
        self.client.force_login(user)
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def upload(self, data):
        if isinstance(data, str):
            data = data.encode()
        response = self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile("groups.csv", data, content_type="text/csv")},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        return response

    def import_file(self, data):
        """`manage.py import_groups` on a file of `data`; returns (its stderr, its error)."""
        path = Path(self.folder.name) / "groups.csv"
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        err = StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("import_groups", str(path), stdout=StringIO(), stderr=err)
        return err.getvalue(), str(raised.exception)

    def assertRefused(self, data, row, column, message):
        """The upload page and the command both name this problem, and nothing is stored."""
        page = self.upload(data)
        self.assertContains(page, "nothing was uploaded")
        self.assertContains(page, f"<td>{row}</td><td>{column}</td><td>{escape(message)}</td>")
        self.assertFalse(ImportJob.objects.exists())

        err, error = self.import_file(data)
        problem = message if row == "" else f"row {row}, {column}: {message}"
        self.assertIn(problem, err)
        self.assertIn("nothing was imported", error)
        self.assertFalse(Group.objects.exists())
        self.assertEqual(list(Organization.objects.all()), [self.organization])
        return page


class BadBytesTests(BadFileTestCase):
    def test_a_nul_byte_in_a_cell(self):
        self.assertRefused(
            csv_file(GOOD_ROW.replace("Austin", "Aus\x00tin")),
            2, "city", "This cell holds a NUL character (a zero byte), which is not text.",
        )  # fmt: skip

    def test_a_nul_byte_in_the_header(self):
        self.assertRefused(
            csv_file(GOOD_ROW).replace("city", "ci\x00ty"),
            1, "column 8", "This cell holds a NUL character (a zero byte), which is not text.",
        )  # fmt: skip

    def test_latin_1_is_named_by_row_and_column(self):
        self.assertRefused(
            csv_file(GOOD_ROW.replace("Good Circle", "Café Circle")).encode("latin-1"),
            2, "name", f"This cell is not UTF-8 text (“Caf\ufffd Circle”). {SAVE_AS_CSV}",
        )  # fmt: skip

    def test_utf_16_is_one_problem_about_the_file(self):
        self.assertRefused(
            csv_file(GOOD_ROW).encode("utf-16"),
            "", "-", f"This file is UTF-16 text (“Unicode text”), not UTF-8. {SAVE_AS_CSV}",
        )  # fmt: skip

    def test_a_spreadsheet_file_instead_of_csv(self):
        self.assertRefused(
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(200),
            "", "-", f"This is a spreadsheet file (.xlsx or .ods), not a CSV file. {SAVE_AS_CSV}",
        )  # fmt: skip

    def test_columns_separated_by_semicolons(self):
        self.assertRefused(
            csv_file(GOOD_ROW).replace(",", ";"),
            1, "-", f"The columns are separated by semicolons, not commas. {SAVE_AS_CSV}",
        )  # fmt: skip


class LimitTests(BadFileTestCase):
    def test_a_cell_over_the_csv_modules_limit(self):
        description = "x" * 140_000  # past the 131,072 characters the csv module reads
        page = self.assertRefused(
            csv_file(GOOD_ROW, GOOD_ROW.replace("Good Circle", f'"{description}"')),
            3, "-", 'This row has a cell longer than 10,000 characters, or a quote (") that is '
            "never closed.",
        )  # fmt: skip
        self.assertLess(len(page.content), 20_000)

    def test_a_cell_over_the_limit(self):
        page = self.assertRefused(
            csv_file(GOOD_ROW.replace("Good Circle", "y" * 20_000)),
            2, "name", "This cell has 20,000 characters; at most 10,000.",
        )  # fmt: skip
        self.assertLess(len(page.content), 20_000)

    def test_ten_thousand_header_columns_are_refused_at_once(self):
        header = ",".join(f"column_{n}" for n in range(10_000))

        started = time.monotonic()
        page = self.upload(f"{header}\n{GOOD_ROW}\n")
        seconds = time.monotonic() - started

        self.assertContains(page, "<td>1</td><td>-</td><td>The header row has 10,000 columns; "
                            "at most 100.</td>")  # fmt: skip
        self.assertLess(seconds, 2)
        self.assertLess(len(page.content), 20_000)
        err, _ = self.import_file(f"{header}\n{GOOD_ROW}\n")
        self.assertEqual(err, "row 1, -: The header row has 10,000 columns; at most 100.\n")

    def test_a_row_with_thousands_of_cells(self):
        self.assertRefused(
            csv_file(GOOD_ROW + "," * 5_000), 2, "-", "This row has 5,010 cells; at most 100."
        )

    def test_more_groups_than_a_file_may_hold(self):
        rows = [GOOD_ROW.replace("Good Circle", f"Circle {n}") for n in range(5_001)]
        self.assertRefused(
            csv_file(*rows),
            "", "-", "The file has more than 5,000 groups. Split it into smaller files.",
        )  # fmt: skip

    def test_a_file_over_5_mb(self):
        data = csv_file(GOOD_ROW) + "\n" * (5 * 1024 * 1024)

        page = self.upload(data)
        self.assertContains(page, "The file is larger than 5 MB. Split it into smaller files.")
        self.assertFalse(ImportJob.objects.exists())
        err, _ = self.import_file(data)
        self.assertEqual(err, "The file is larger than 5 MB. Split it into smaller files.\n")

    def test_the_upload_page_says_the_limits(self):
        page = self.client.get(f"/partners/{self.organization.slug}/upload/")

        self.assertContains(
            page, "At most 5 MB, 5,000 groups, 100 columns and 10,000 characters in a cell."
        )


class ManyProblemsTests(BadFileTestCase):
    def test_a_status_page_lists_100_problems_and_counts_the_others(self):
        value = "z" * 9_000
        rows = [
            GOOD_ROW.replace("Good Circle", f"Circle {n}").replace("support", value)
            for n in range(300)
        ]

        page = self.upload(csv_file(*rows))

        job = ImportJob.objects.get()
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        self.assertEqual((len(job.problems), job.problem_count), (100, 300))
        self.assertContains(page, "We found 300 problems, so nothing was imported.")
        self.assertContains(page, "<tr><td>", count=100)
        self.assertContains(page, "And 200 more problems, not listed here")
        self.assertContains(page, f"<td>2</td><td>format</td><td>“{'z' * 59}…” is not one of:")
        self.assertLess(len(page.content), 50_000)
        self.assertFalse(Group.objects.exists())

        err, error = self.import_file(csv_file(*rows))
        self.assertEqual(err.count("\n"), 101)
        self.assertIn("… and 200 more problems, not listed.", err)
        self.assertIn("300 problems in", error)

    def test_a_file_not_utf8_throughout_is_a_short_page(self):
        rows = [GOOD_ROW.replace("Good Circle", f"Café {n}") for n in range(1_000)]

        page = self.upload(csv_file(*rows).encode("latin-1"))

        self.assertContains(page, "We found 1000 problems in this file, so nothing was uploaded.")
        self.assertContains(page, "<tr><td>", count=100)
        self.assertContains(page, "And 900 more problems, not listed here")
        self.assertLess(len(page.content), 50_000)
        self.assertFalse(ImportJob.objects.exists())


class SpreadsheetTests(BadFileTestCase):
    def test_a_spreadsheets_csv_with_a_bom_crlf_and_blank_rows_and_columns_imports(self):
        data = (
            f"\ufeff{HEADER},,\r\n{GOOD_ROW},,\r\n"
            + GOOD_ROW.replace("Good Circle", "Second Circle")
            + ",,\r\n,,,,,,,,,,,,\r\n,,,,,,,,,,,,\r\n"
        ).encode()

        page = self.upload(data)

        self.assertContains(page, "2 new groups and 0 updates are waiting")
        self.assertEqual(
            sorted(Group.objects.values_list("name", flat=True)), ["Good Circle", "Second Circle"]
        )
        Group.objects.all().delete()
        path = Path(self.folder.name) / "groups.csv"
        path.write_bytes(data)
        out = StringIO()
        call_command("import_groups", str(path), stdout=out, stderr=StringIO())
        self.assertIn("Imported 2 groups", out.getvalue())
