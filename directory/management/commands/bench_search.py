"""Benchmark of the search page, through the whole view, on a scratch database.

    python manage.py bench_search --groups 100000

Fills a scratch database (bench_<name>, next to the configured one; never the
real one) with synthetic listings around real ZIP codes, then requests a fixed
mix of searches (radius 10/25/50 miles around real ZIP codes, with and without
filters) through Django's test client and prints latency percentiles, SQL
queries per request and page sizes.
"""

import random
import re
import statistics
import time as clock
from datetime import date, time, timedelta

import zipcodes
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from directory.codes import US_REGIONS
from directory.models import Focus, Group, MeetingTime, Organization, TimeOfDay

SEARCH_ZIPS = (
    "78701", "80202", "60601", "98101", "30303", "02108", "55401", "97204", "85004", "19107",
    "10001", "94103", "33131", "75201", "48226", "63101", "37203", "27601", "84101", "89101",
)  # fmt: skip
FILTERS = (
    "",
    "&format=support",
    "&attendance=in_person&day=tue",
    "&format=process&format=specialized&leader=professional",
    "&cost=free&time=evening",
    "&focus=women&language=es",
)
RADII = (10, 25, 50)
RESULT_COUNT = re.compile(r'data-results="(\d+)"')


class Command(BaseCommand):
    help = (
        "Fill a scratch database with synthetic groups and time the search page "
        "(p50/p95 latency, SQL queries per request, page size)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--groups", type=int, default=10000, help="How many groups.")
        parser.add_argument("--rounds", type=int, default=3, help="Passes over the search mix.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the scratch database afterwards, and reuse it if it already holds "
            "this many groups.",
        )

    def handle(self, *args, groups, rounds, seed, keep, **options):
        real_name = connection.settings_dict["NAME"]
        settings.DEBUG = False
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            # A file, not the in-memory database tests use: closer to a real deployment.
            test_settings["NAME"] = str(settings.BASE_DIR / f"bench_{groups}.sqlite3")
        else:
            test_settings["NAME"] = f"bench_{real_name}_{groups}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
        try:
            if Group.objects.count() != groups:
                Group.objects.all().delete()
                Organization.objects.all().delete()
                self.stdout.write(f"Filling {connection.vendor} with {groups} groups…")
                started = clock.perf_counter()
                fill(groups, random.Random(seed))
                self.stdout.write(f"  filled in {clock.perf_counter() - started:.1f} s")
            self.run_mix(groups, rounds)
        finally:
            if not keep:
                connection.creation.destroy_test_db(real_name, verbosity=0)

    def run_mix(self, groups, rounds):
        client = Client(HTTP_HOST="127.0.0.1")
        urls = [
            f"/groups/?near={zip_code}&radius={radius}{extra}"
            for zip_code in SEARCH_ZIPS
            for radius in RADII
            for extra in FILTERS
        ]
        for url in urls[:20]:  # warm up: gazetteer, templates, database caches
            client.get(url)
        timings, queries, sizes, results, slowest = [], [], [], [], []
        for _ in range(rounds):
            for url in urls:
                counter = QueryCounter()
                with connection.execute_wrapper(counter):
                    started = clock.perf_counter()
                    response = client.get(url)
                    timings.append((clock.perf_counter() - started) * 1000)
                slowest.append((timings[-1], url))
                assert response.status_code == 200, url
                queries.append(counter.count)
                sizes.append(len(response.content))
                results.append(int(RESULT_COUNT.search(response.content.decode())[1]))
        timings.sort()
        self.stdout.write(
            f"{connection.vendor}, {groups} groups, {len(timings)} searches "
            f"({len(urls)} distinct × {rounds}):\n"
            f"  latency ms: p50 {percentile(timings, 50):.1f}  p95 {percentile(timings, 95):.1f}  "
            f"max {timings[-1]:.1f}\n"
            f"  SQL queries per request: min {min(queries)}  max {max(queries)}\n"
            f"  results per search: median {statistics.median(results):.0f}  max {max(results)}\n"
            f"  HTML size KB: median {statistics.median(sizes) / 1024:.1f}  "
            f"max {max(sizes) / 1024:.1f}"
        )
        self.stdout.write("  slowest searches:")
        for ms, url in sorted(slowest, reverse=True)[:5]:
            self.stdout.write(f"    {ms:6.1f} ms  {url}")


class QueryCounter:
    """Counts SQL queries without Django's debug cursor, which would slow them down."""

    count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def percentile(ordered, p):
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def fill(count, rng):
    """Synthetic groups: 70% in person, 15% hybrid, 15% online, around real ZIP codes."""
    places = [
        z
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["state"] in US_REGIONS
    ]
    regions = sorted(US_REGIONS)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Bench Organization {n}", slug=f"bench-organization-{n}", verified=n % 3 == 0
        )
        for n in range(max(1, count // 50))
    )
    focuses = list(Focus.objects.all())
    today = date.today()
    batch = 5000
    for start in range(0, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            attendance = rng.choices(["in_person", "hybrid", "online"], [70, 15, 15])[0]
            place = rng.choice(places)
            closed = rng.random() < 0.2
            cost = rng.choices(["free", "sliding_scale", "fee"], [60, 20, 20])[0]
            starts_on = today - timedelta(days=rng.randint(0, 200))
            group = Group(
                organization=rng.choice(organizations),
                name=f"Bench group {n}",
                slug=f"bench-group-{n}",
                description="A synthetic group for the search benchmark.",
                format=rng.choice(Group.Format.values),
                membership="closed" if closed else "open",
                starts_on=starts_on if closed else None,
                ends_on=starts_on + timedelta(days=rng.randint(30, 180)) if closed else None,
                attendance=attendance,
                leader_type=rng.choice(Group.LeaderType.values),
                leader_training="Completed a 2-day peer facilitator training",
                cost=cost,
                fee_per_session=rng.randint(10, 150) if cost != "free" else None,
                languages=rng.choices(["en", "en,es", "es", "zh"], [80, 12, 6, 2])[0],
                status=rng.choices(["published", "draft", "archived"], [90, 5, 5])[0],
                last_verified_on=today - timedelta(days=rng.randint(0, 700)),
            )
            if attendance != "online":
                group.city, group.region = place["city"], place["state"]
                group.postal_code = place["zip_code"]
                group.latitude = float(place["lat"]) + rng.uniform(-0.03, 0.03)
                group.longitude = float(place["long"]) + rng.uniform(-0.03, 0.03)
            if attendance != "in_person":
                group.online_url = f"https://example.org/bench/{n}"
                if rng.random() < 0.4:
                    group.serves_regions = ",".join(sorted(rng.sample(regions, rng.randint(1, 3))))
            rows.append(group)
        for group in rows:
            group.planned_meeting = meeting(rng)
            group.planned_focus = rng.choice(focuses) if rng.random() < 0.4 else None
            # What Group.refresh_summary() would store, without a query per group.
            part = TimeOfDay.of(group.planned_meeting.start_time).value
            slots = ",".join(f"{day}-{part}" for day in group.planned_meeting.day_list())
            group.meeting_slots = f",{slots},"
            group.focus_codes = f",{group.planned_focus.slug}," if group.planned_focus else ""
        created = Group.objects.bulk_create(rows)
        for group in created:
            group.planned_meeting.group = group
        MeetingTime.objects.bulk_create(group.planned_meeting for group in created)
        Group.focus.through.objects.bulk_create(
            Group.focus.through(group=group, focus=group.planned_focus)
            for group in created
            if group.planned_focus
        )
    analyze()


def analyze():
    """Bring the new rows to a steady state, as a live database's autovacuum would:
    planner statistics, and on PostgreSQL the visibility map index-only scans need."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def meeting(rng):
    frequency = rng.choices(["weekly", "every_other_week", "monthly"], [70, 15, 15])[0]
    days = sorted(rng.sample(range(7), rng.choice([1, 1, 1, 2])))
    start = time(rng.choice([9, 10, 12, 14, 17, 18, 19]), rng.choice([0, 30]))
    first = date(2026, 1, 5) + timedelta(days=days[0])
    return MeetingTime(
        days=",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in days),
        start_time=start,
        end_time=time(start.hour + 1, start.minute),
        timezone="America/Chicago",
        frequency=frequency,
        week_of_month=rng.choice([1, 2, 3, 4, -1]) if frequency == "monthly" else None,
        first_meeting_on=first if frequency == "every_other_week" else None,
    )
