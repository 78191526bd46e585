"""Benchmark of the CSV import beside a raw bulk insert of the same groups.

    python manage.py bench_import --rows 100000

On a scratch database (never the configured one), makes `--rows` synthetic groups
(directory/bench.py), then times:
  1. a raw bulk insert of them: their organizations, groups and meeting times written
     with COPY on PostgreSQL (executemany on SQLite), nothing checked or worked out;
  2. the same groups imported as CSV files of importer.MAX_ROWS rows each, through
     importer.import_groups(): every row checked, the checklist worked out, the
     history kept, as `manage.py import_groups` and a partner's upload do.
It prints both times, the ratio, rows a second and the queries per row, and how long
checking the rows alone took (importer.check_file(), timed apart: nothing written).

With --upload, each file is instead one organization's upload, imported as the worker
imports it (partners.uploads.run): its new groups wait for review, each with its
submission.
"""

import csv
import io
import random
import time as clock
from datetime import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from directory import bench, importer, schedule, snapshots
from directory.bench import insert
from directory.codes import US_REGIONS
from directory.models import Focus, Group, MeetingTime, Organization, VettingResult
from partners import uploads
from partners.models import ImportJob


class Command(BaseCommand):
    help = (
        "Time importing synthetic groups as CSV files beside a raw bulk insert of the same "
        "groups, on a scratch database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000, help="How many groups.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--upload",
            action="store_true",
            help="Import each file as one organization's upload, as a partner's would be.",
        )

    def handle(self, *args, rows, seed, upload, **options):
        # Its own scratch database, emptied: the label sets it apart from the search's.
        with bench.scratch_database(0, label=f"import_{rows}", stdout=self.stdout):
            self.empty()
            groups = self.synthetic(rows, seed)
            raw = self.raw_insert(groups)
            self.empty()
            imported, checking, queries = self.import_files(groups, upload)
        self.stdout.write(
            f"{connection.vendor}, {rows:,} groups:\n"
            f"  raw bulk insert   {raw:8.1f} s  {rows / raw:9,.0f} groups/s\n"
            f"  CSV {'upload' if upload else 'import'}        {imported:8.1f} s  "
            f"{rows / imported:9,.0f} groups/s  "
            f"{queries / rows:.1f} queries a group\n"
            f"  checking alone    {checking:8.1f} s  {rows / checking:9,.0f} groups/s\n"
            f"  import / raw      {imported / raw:8.1f}×\n"
            f"  checking / raw    {checking / raw:8.1f}×"
        )

    def empty(self):
        for model in (VettingResult, MeetingTime, Group.focus.through, Group, Organization):
            model.objects.all()._raw_delete(connection.alias)

    def synthetic(self, rows, seed):
        """The groups as unsaved objects, each with its meeting time (bench.synthetic_group)."""
        rng = random.Random(seed)
        places = bench.zip_places()
        regions = sorted(US_REGIONS)
        organizations = [
            Organization(name=f"Import Organization {n}", slug=f"import-organization-{n}")
            for n in range(max(1, rows // 50))
        ]
        focuses = list(Focus.objects.all())
        today = timezone.localdate()
        return [
            bench.synthetic_group(n, rng, today, places, regions, organizations, focuses)
            for n in range(rows)
        ]

    def raw_insert(self, groups):
        """Write the groups as they are (the objects are left unsaved); seconds taken."""
        started = clock.perf_counter()
        with transaction.atomic():
            self._raw_insert(groups)
        return clock.perf_counter() - started

    def _raw_insert(self, groups):
        organizations = {group.organization.name: group.organization for group in groups}
        ids = {name: n for n, name in enumerate(organizations, start=1)}
        insert(
            Organization,
            ["id", "uuid", "name", "slug", "website", "verified", "created_at", "updated_at"],
            (
                [ids[o.name], o.uuid, o.name, o.slug, "", False, timezone.now(), timezone.now()]
                for o in organizations.values()
            ),
        )
        group_fields = [field.attname for field in Group._meta.concrete_fields]
        meeting_fields = [field.attname for field in MeetingTime._meta.concrete_fields]
        rows, meetings = [], []
        for n, group in enumerate(groups, start=1):
            own = {"id": n, "organization_id": ids[group.organization.name]}
            rows.append([own.get(name, getattr(group, name)) for name in group_fields])
            meeting = group.planned_meeting
            own = {"id": n, "group_id": n}
            meetings.append([own.get(name, getattr(meeting, name)) for name in meeting_fields])
        insert(Group, group_fields, rows)
        insert(MeetingTime, meeting_fields, meetings)

    def import_files(self, groups, upload=False):
        """Import the groups as CSV files of importer.MAX_ROWS rows; (seconds, seconds
        checking the files alone, queries importing)."""
        counter = bench.QueryCounter()
        took = checking = 0.0
        for start in range(0, len(groups), importer.MAX_ROWS):
            in_file = groups[start : start + importer.MAX_ROWS]
            check, run = self.uploaded(in_file) if upload else self.imported(in_file)
            started = clock.perf_counter()
            check()
            checking += clock.perf_counter() - started
            with connection.execute_wrapper(counter):
                started = clock.perf_counter()
                created, problems = run()
                took += clock.perf_counter() - started
            if problems:
                raise SystemExit("\n".join(problems))
            self.stdout.write(f"  imported {start + created:,} groups, {took:.1f} s")
        return took, checking, counter.count

    def imported(self, groups):
        """Functions checking the groups' file alone, and importing it as a curator does
        (returning (created, problems))."""
        text = as_csv(groups)

        def run():
            result = importer.import_groups(text)
            return result.created, [str(problem) for problem in result.problems]

        return (lambda: importer.check_file(text)), run

    def uploaded(self, groups):
        """Functions checking the groups' file alone, and importing it as one new
        organization's upload as the worker does (returning (created, problems))."""
        organization = Organization.objects.create(name=f"Organization of {groups[0].name}")
        for group in groups:
            group.organization = organization
        job = ImportJob.objects.create(
            organization=organization, file_name="bench.csv", text=as_csv(groups)
        )

        def run():
            done = uploads.run(job.pk)
            return done.created, [str(importer.Problem(**problem)) for problem in done.problems]

        return (lambda: importer.check_file(job.text, organization=organization)), run


def as_csv(groups):
    """The groups as a CSV file with the import's columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(importer.COLUMNS)
    for group in groups:
        meeting, focus = group.planned_meeting, group.planned_focus
        values = (
            {column: getattr(group, column) for column in snapshots.GROUP_FIELDS}
            | {
                "organization": group.organization.name,
                "focus": focus.slug if focus else "",
                "insurance_accepted": "yes" if group.insurance_accepted else "no",
            }
            | {column: getattr(meeting, column) for column in importer.MEETING_COLUMNS}
        )
        if meeting.week_of_month == schedule.LAST:
            values["week_of_month"] = "last"
        writer.writerow([cell(values[column]) for column in importer.COLUMNS])
    return out.getvalue()


def cell(value):
    if value is None:
        return ""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)
