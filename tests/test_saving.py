"""Saving a listing: what is stored about it worked out once, in a bounded number of queries.

A listing is written whole by snapshots.write() (a partner's form, a curator's approval,
the CSV and HSDS imports): the search summary and the vetting checklist are computed once
from the rows in hand and saved with the group, not again for each meeting time.
"""

from datetime import time
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory import importer, vetting
from directory.models import Group, MeetingTime, VettingResult
from partners.models import Submission
from tests.factories import make_group, make_organization
from tests.test_import import ImportTestCase
from tests.test_partners import group_post, make_affiliate

SECOND_MEETING = {
    "form-TOTAL_FORMS": "2",
    "form-1-days": ["sat"],
    "form-1-start_time": "10:00",
    "form-1-frequency": "weekly",
    "form-1-timezone": "",
}


def counting_checklists():
    """A patch that counts how often the vetting checklist is worked out."""
    return mock.patch("directory.vetting.evaluate", wraps=vetting.evaluate)


def statements(queries):
    """The queries run, less the savepoints: inside a test's transaction Django wraps its
    check of a form's values in one, where a request in production has none."""
    sql = [query["sql"] for query in queries.captured_queries]
    return [text for text in sql if not text.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


class PartnerFormTests(TestCase):
    def setUp(self):
        self.organization = make_organization()
        self.client.force_login(make_affiliate(self.organization))
        self.client.get("/partners/")  # the session and the membership, read once

    def test_a_new_group_with_two_meeting_times(self):
        with counting_checklists() as evaluate, CaptureQueriesContext(connection) as queries:
            response = self.client.post(
                f"/partners/{self.organization.slug}/groups/new/", group_post(**SECOND_MEETING)
            )

        self.assertRedirects(response, "/partners/", fetch_redirect_response=False)
        group = Group.objects.get()
        self.assertEqual(group.meeting_slots, ",thu-evening,sat-morning,")
        self.assertEqual(group.status, Group.Status.PENDING)
        self.assertTrue(VettingResult.objects.filter(group=group, name="fees").exists())
        self.assertEqual(evaluate.call_count, 1)
        # The session, the user and the membership (3); the database's rules checked
        # against the group's values and each meeting time's, a query each (3); the slug,
        # the group, its 2 meeting times, its checklist, its history and the submission,
        # a query each (6).
        self.assertEqual(len(statements(queries)), 12, "\n".join(statements(queries)))

    def test_an_edit_of_a_group_waiting_for_review(self):
        self.client.post(
            f"/partners/{self.organization.slug}/groups/new/", group_post(**SECOND_MEETING)
        )
        group = Group.objects.get()
        edit = group_post(
            name="Thursday Evening Circle",
            focus=["women"],
            **SECOND_MEETING | {"form-INITIAL_FORMS": "2", "form-1-start_time": "14:00"},
        )

        with counting_checklists() as evaluate, CaptureQueriesContext(connection) as queries:
            self.client.post(f"/partners/groups/{group.pk}/edit/", edit)

        group.refresh_from_db()
        self.assertEqual(group.meeting_slots, ",thu-evening,sat-afternoon,")
        self.assertEqual(group.focus_codes, ",women,")
        self.assertEqual(sorted(group.meeting_times.values_list("days", flat=True)), ["sat", "thu"])
        self.assertEqual(evaluate.call_count, 1)
        # Reading (7): the session, the user, the group; its meeting times and focus for the
        # form, its focus again as Django's form reads it, the focus chosen. Checking the
        # database's rules (3). Writing (12): the focus chosen, the group, its focus (2),
        # meeting times (2), checklist (2), history (2) and the submission (2).
        self.assertEqual(len(statements(queries)), 7 + 3 + 12, "\n".join(statements(queries)))


class ConstraintCheckTests(TestCase):
    """A form's instance is checked against the database's rules in one query, with the
    outcome Django's own check, one query per rule, gives."""

    def broken(self):
        group = make_group()
        return [
            Group(**{**group_fields(group), "attendance": "online", "online_url": ""}),
            Group(**{**group_fields(group), "city": "", "latitude": 95}),
            Group(**{**group_fields(group), "membership": "closed", "cost": "fee"}),
            MeetingTime(group=group, days="", start_time=time(19), end_time=time(18)),
            MeetingTime(group=group, days="tue", start_time=time(19), frequency="monthly"),
            MeetingTime(group=group, days="tue", start_time=time(19), end_time=None),
        ]

    def test_the_same_rules_fail_as_when_django_checks_them_one_by_one(self):
        refused = []
        for instance in self.broken():
            django_says = []
            for rule in instance._meta.constraints:
                try:
                    rule.validate(type(instance), instance)
                except ValidationError as error:
                    django_says.extend(error.messages)

            with CaptureQueriesContext(connection) as queries:
                try:
                    instance.validate_constraints()
                    said = []
                except ValidationError as error:
                    said = error.messages

            self.assertEqual(said, django_says)
            self.assertEqual(len(statements(queries)), 1 + isinstance(instance, Group))
            refused.append(bool(said))

        self.assertEqual(refused, [True] * 5 + [False])

    def test_a_rule_reading_a_field_left_out_is_not_checked(self):
        group = Group(**{**group_fields(make_group()), "attendance": "online", "online_url": ""})

        with self.assertRaises(ValidationError):
            group.validate_constraints(exclude={"organization"})
        group.validate_constraints(exclude={"organization", "online_url"})


def group_fields(group):
    return {
        field.attname: getattr(group, field.attname)
        for field in Group._meta.concrete_fields
        if not isinstance(field, models.AutoField) and field.name not in ("uuid", "slug", "name")
    } | {"name": "Another circle"}


class ImportTests(ImportTestCase):
    HEADER = "name,organization,format,attendance,leader_type,days,start_time,city,region\n"

    def rows(self, count):
        return "".join(
            f"Circle {n},Lakeshore,support,in_person,peer,tue,19:00,Chicago,IL\n"
            for n in range(count)
        )

    def import_counting(self, text):
        """Import `text`; returns (queries, checklists worked out)."""
        with counting_checklists() as evaluate, CaptureQueriesContext(connection) as queries:
            _, err, error = self.run_import(text)
        self.assertIsNone(error, err)
        return len(queries), evaluate.call_count

    def test_new_groups_are_saved_in_bulk(self):
        make_organization("Lakeshore")
        counts = {}
        for count in (1, 40):
            Group.objects.all().delete()
            counts[count] = self.import_counting(self.HEADER + self.rows(count))
            self.assertEqual(Group.objects.count(), count)

        # The focus vocabulary, the organization, its groups of those names; the
        # savepoints (4); the slugs taken, the groups, their meeting times, checklists and
        # histories: as many queries for 40 groups as for one.
        self.assertEqual(counts[1], (12, 1))
        self.assertEqual(counts[40], (12, 40))
        group = Group.objects.get(name="Circle 39")
        self.assertEqual(group.meeting_slots, ",tue-evening,")
        self.assertEqual(group.versions.get().note, "Imported from a CSV file")
        self.assertTrue(group.vetting_results.filter(name="leader_training").exists())

    def test_each_group_updated_takes_a_bounded_number_of_queries(self):
        self.run_import(self.HEADER + self.rows(3))
        queries, checklists = self.import_counting(
            self.HEADER + self.rows(3).replace("tue,19:00", "sat,10:00")
        )

        self.assertEqual(checklists, 3)
        # Each: the savepoint (2), its focus (kept: the file has no focus column), the
        # group, its meeting time (2), checklist (2) and history (2); and 5 for the file
        # (the focus vocabulary, the organization, its groups of those names, the
        # savepoint).
        self.assertEqual((queries - 5) / 3, 10)
        self.assertEqual(
            set(Group.objects.values_list("meeting_slots", flat=True)), {",sat-morning,"}
        )

    def test_a_file_naming_many_organizations_takes_as_many_queries_as_one_naming_one(self):
        for n in range(30):
            make_organization(f"Network {n}")
        counts = {}
        for count in (1, 30):
            Group.objects.all().delete()
            counts[count] = self.import_counting(
                self.HEADER
                + "".join(
                    f"Circle {n},Network {n},support,in_person,peer,tue,19:00,Chicago,IL\n"
                    for n in range(count)
                )
            )

        self.assertEqual(counts[30], (counts[1][0], 30))
        self.assertEqual(Group.objects.filter(organization__name="Network 29").count(), 1)

    def test_a_group_is_updated_in_its_own_organization_only(self):
        self.run_import(
            self.HEADER + "Circle 0,Lakeshore,support,in_person,peer,tue,19:00,Chicago,IL\n"
            "Circle 0,Northside,support,in_person,peer,tue,19:00,Chicago,IL\n"
        )

        _, err, error = self.run_import(
            self.HEADER + "circle 0,NORTHSIDE,support,in_person,peer,sat,10:00,Chicago,IL\n"
        )

        self.assertIsNone(error, err)
        slots = dict(Group.objects.values_list("organization__name", "meeting_slots"))
        self.assertEqual(slots, {"Lakeshore": ",tue-evening,", "Northside": ",sat-morning,"})
        self.assertEqual(Group.objects.count(), 2)

    def test_a_name_whose_casefold_differs_from_its_lower_case_is_found_again(self):
        row = "Große Runde,Lakeshore,support,in_person,peer,tue,19:00,Chicago,IL\n"
        self.run_import(self.HEADER + row)

        out, err, error = self.run_import(self.HEADER + row.replace("tue,19:00", "sat,10:00"))

        self.assertIsNone(error, err)
        self.assertEqual(Group.objects.get().meeting_slots, ",sat-morning,")

    def test_a_second_import_updates_and_keeps_the_summary(self):
        self.run_import(self.HEADER + self.rows(1))
        self.run_import(
            "name,organization,format,attendance,leader_type,days,start_time,city,region,focus\n"
            "Circle 0,Lakeshore,support,in_person,peer,sat,10:00,Chicago,IL,men\n"
        )

        group = Group.objects.get()
        self.assertEqual(group.meeting_slots, ",sat-morning,")
        self.assertEqual(group.focus_codes, ",men,")
        self.assertEqual(group.meeting_times.count(), 1)
        self.assertEqual(group.versions.count(), 2)

        # A file without the focus column leaves the group's focus as it is.
        self.run_import(self.HEADER + self.rows(1))
        group.refresh_from_db()
        self.assertEqual(list(group.focus.values_list("slug", flat=True)), ["men"])
        self.assertEqual(group.focus_codes, ",men,")
        self.assertEqual(group.meeting_slots, ",tue-evening,")
        self.assertEqual(group.versions.first().data["focus"], ["men"])

    def test_a_group_saved_meanwhile_under_a_name_in_the_file_stops_it_at_that_row(self):
        organization = make_organization("Lakeshore")
        check_file = importer.check_file

        def check_while_a_partner_saves(text, **options):
            checked = check_file(text, **options)
            make_group("Circle 1", organization=organization)  # after the check, before saving
            return checked

        with mock.patch("directory.importer.check_file", check_while_a_partner_saves):
            _, err, error = self.run_import(self.HEADER + self.rows(3))

        self.assertIn("nothing was imported", str(error))
        self.assertIn("row 3, -: The database refused this row", err)
        self.assertEqual(list(Group.objects.values_list("name", flat=True)), ["Circle 1"])


class UploadTests(TestCase):
    """A partner's CSV file: its new groups proposed together, its other rows one by one."""

    HEADER = "name,format,attendance,leader_type,days,start_time,city,region\n"

    def setUp(self):
        self.organization = make_organization("Lakeshore")
        self.user = make_affiliate(self.organization)
        self.client.force_login(self.user)

    def upload(self, count):
        rows = "".join(
            f"Circle {n},support,in_person,peer,tue,19:00,Chicago,IL\n" for n in range(count)
        )
        return self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile("groups.csv", (self.HEADER + rows).encode())},
            follow=True,
        )

    def test_new_groups_are_proposed_in_bulk(self):
        counts = {}
        for count in (1, 40):
            Group.objects.all().delete()
            with counting_checklists() as evaluate, CaptureQueriesContext(connection) as queries:
                response = self.upload(count)
            self.assertContains(response, f"{count} new groups and 0 updates are waiting")
            counts[count] = (len(statements(queries)), evaluate.call_count)

        # As many queries for 40 new groups as for one; each checklist worked out once.
        self.assertEqual(counts[40][0], counts[1][0])
        self.assertEqual((counts[1][1], counts[40][1]), (1, 40))
        group = Group.objects.get(name="Circle 39")
        self.assertEqual(group.status, Group.Status.PENDING)
        self.assertEqual(group.meeting_slots, ",tue-evening,")
        self.assertEqual(group.last_verified_on, timezone.localdate())
        version = group.versions.get()
        self.assertEqual((version.note, version.changed_by), ("Uploaded in a CSV file", self.user))
        submission = group.submissions.get()
        self.assertEqual((submission.kind, submission.status), ("new", "pending"))
        self.assertEqual(submission.data, version.data)
        self.assertEqual(submission.submitted_by, self.user)
        self.assertEqual(group.vetting_results.count(), 7)

    def test_a_group_saved_meanwhile_under_a_name_in_the_file_stops_it_at_that_row(self):
        check_file = importer.check_file

        def check_while_a_colleague_saves(text, **options):
            checked = check_file(text, **options)
            make_group("Circle 1", organization=self.organization)  # after the check
            return checked

        with mock.patch("directory.importer.check_file", check_while_a_colleague_saves):
            response = self.upload(3)

        self.assertContains(response, "nothing was imported")
        self.assertContains(
            response, "<td>3</td><td>-</td><td>The database refused this row", html=False
        )
        self.assertEqual(list(Group.objects.values_list("name", flat=True)), ["Circle 1"])
        self.assertFalse(Submission.objects.exists())
