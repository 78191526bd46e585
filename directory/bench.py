"""Scratch databases full of synthetic listings, for the benchmarks.

`manage.py bench_search` (in-process latency) and `manage.py bench_http` (the
site on gunicorn under load, beside the smallest Django app) both run on a
scratch database next to the configured one, filled here with groups around
real ZIP codes. The fill writes in bulk and stores what Group.summarize() works
out (meeting slots, focus codes, the checklist's counts and trust rank,
VettingResult rows) without a query per group, so a million groups take
minutes; tests/test_bench.py checks that it stores what refresh_summary() would.
"""

import random
import statistics
import time as clock
from contextlib import contextmanager
from datetime import date, time, timedelta

import zipcodes
from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Max, Min
from django.test import Client, override_settings
from django.utils import timezone

from directory import schedule
from directory.codes import US_REGIONS
from directory.loadtest import percentile
from directory.models import Focus, Group, MeetingTime, Organization, VettingResult

# Where the HTTP benchmark searches from: 16 ZIP codes, each with and without
# filters (64 searches, the mix the table was measured with).
SEARCH_ZIPS = (
    "78701", "80202", "60601", "98101", "30303", "02108", "55401", "97204",
    "85004", "19107", "10001", "94103", "33131", "75201", "48226", "63101",
)  # fmt: skip
SEARCH_FILTERS = (
    "",
    "&format=support",
    "&attendance=in_person&day=tue&radius=50",
    "&cost=free&time=evening&radius=10",
)

DESCRIPTIONS = (
    "An ongoing peer group where members take turns sharing what is hard right now and what "
    "has helped them get through. First-timers are always welcome.",
    "An eight-week course on how depression works, with skills from cognitive behavioral "
    "therapy to practise between sessions and a workbook to keep.",
    "A small group led by a therapist for adults living with depression, meeting to talk "
    "through what is going on and try new ways of relating to others.",
    "A circle for new and expecting parents who feel low or anxious, with a place to bring "
    "the baby. Partners are welcome at the last meeting of each month.",
    "Feel better in 30 days with our proven method.",  # a big promise: flagged
)
CONFIDENTIALITY = "What members share stays in the group, unless someone is in danger."
MODERATION = "Cameras optional; the host removes anyone who is unkind."


def scratch_name(groups, label=""):
    """The scratch database for `groups` groups, next to the configured one."""
    name = f"{label}_{groups}" if label else str(groups)
    if connection.vendor == "sqlite":
        # A file, not the in-memory database tests use: closer to a real deployment.
        return str(settings.BASE_DIR / f"bench_{name}.sqlite3")
    return f"bench_{connection.settings_dict['NAME']}_{name}"


def add_database_arguments(parser):
    """The options of a benchmark on scratch_database(): --groups, --seed, --keep."""
    parser.add_argument("--groups", type=int, default=10000, help="How many groups.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="Keep the scratch database afterwards, and reuse it if it already holds "
        "this many groups.",
    )


@contextmanager
def scratch_database(groups, *, keep=False, seed=2026, stdout=None, label=""):
    """Switch the default connection to a scratch database holding `groups` groups.

    Filled on entering, and dropped on leaving unless `keep`; with `keep`, a
    database left by an earlier run with as many groups is reused as it is.
    `label` sets apart a benchmark's own database (its name).
    """
    real_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch_name(groups, label)
    creation = connection.creation
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
    try:
        if Group.objects.count() not in (0, groups):  # kept from another run: start again
            connection.close()
            creation.create_test_db(verbosity=0, autoclobber=True)
        if not Group.objects.exists():
            if stdout:
                stdout.write(f"Filling {connection.vendor} with {groups:,} groups…")
            started = clock.perf_counter()
            fill(groups, random.Random(seed))
            analyze()
            if stdout:
                stdout.write(f"  filled in {clock.perf_counter() - started:.1f} s")
        yield
    finally:
        creation.destroy_test_db(real_name, verbosity=0, keepdb=keep)


def fill(count, rng, today=None):
    """Synthetic groups: 70% in person, 15% hybrid, 15% online, around real ZIP codes.

    Each has one meeting time and maybe a focus; about 90% are published.
    """
    today = today or timezone.localdate()
    places = zip_places()
    regions = sorted(US_REGIONS)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Bench Organization {n}", slug=f"bench-organization-{n}", verified=n % 3 == 0
        )
        for n in range(max(1, count // 50))
    )
    focuses = list(Focus.objects.all())
    FocusLink = Group.focus.through
    ids = {model: next_id(model) for model in (Group, MeetingTime, FocusLink, VettingResult)}
    group_fields = [field.attname for field in Group._meta.concrete_fields]
    meeting_fields = [field.attname for field in MeetingTime._meta.concrete_fields]
    batch = 5000
    for start in range(0, count, batch):
        groups, meetings, links, results = [], [], [], []
        for n in range(start, min(count, start + batch)):
            group = synthetic_group(n, rng, today, places, regions, organizations, focuses)
            group.pk = ids[Group] + n
            meeting = group.planned_meeting
            meeting.pk, meeting.group_id = ids[MeetingTime] + n, group.pk
            groups.append([getattr(group, name) for name in group_fields])
            meetings.append([getattr(meeting, name) for name in meeting_fields])
            if group.planned_focus:
                links.append((group.pk, group.planned_focus.pk))
            results += [
                (group.pk, result.name, result.status, result.visitor_text, result.curator_text)
                for result in group.planned_findings
            ]
        with transaction.atomic():
            insert(Group, group_fields, groups)
            insert(MeetingTime, meeting_fields, meetings)
            insert(FocusLink, ["id", "group_id", "focus_id"], numbered(links, ids[FocusLink]))
            insert(
                VettingResult,
                ["id", "group_id", "name", "status", "visitor_text", "curator_text"],
                numbered(results, ids[VettingResult]),
            )
        ids[FocusLink] += len(links)
        ids[VettingResult] += len(results)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(ids)):
            cursor.execute(sql)


def zip_places():
    """The ZIP codes synthetic groups meet around: standard ones, in US states."""
    return [
        z
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["state"] in US_REGIONS
    ]


def prepare(field, value, db):
    """The value as the database takes it; text and numbers go as they are."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    return field.get_db_prep_save(value, db)


def numbered(rows, first_id):
    return [(first_id + n, *row) for n, row in enumerate(rows)]


def next_id(model):
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


def insert(model, names, rows):
    """Write rows (lists of values for the fields `names`, primary key included) in
    bulk, without Django's per-row SQL: COPY on PostgreSQL, executemany() elsewhere.

    Minutes faster than bulk_create() at a million groups; like it, it calls
    no save() and sends no signals.
    """
    db = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy: a lookup per value
    fields = [model._meta.get_field(name) for name in names]
    table = db.ops.quote_name(model._meta.db_table)
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    rows = (
        [prepare(field, value, db) for field, value in zip(fields, row, strict=True)]
        for row in rows
    )
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            values = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({values})", rows)


def synthetic_group(n, rng, today, places, regions, organizations, focuses):
    """Group number `n`, unsaved, with what saving its listing would store about it."""
    now = timezone.now()
    attendance = rng.choices(["in_person", "hybrid", "online"], [70, 15, 15])[0]
    place = rng.choice(places)
    closed = rng.random() < 0.2
    cost = rng.choices(["free", "sliding_scale", "fee"], [60, 20, 20])[0]
    leader_type = rng.choice(Group.LeaderType.values)
    starts_on = today - timedelta(days=rng.randint(0, 200))
    group = Group(
        organization=rng.choice(organizations),
        name=f"Bench group {n}",
        slug=f"bench-group-{n}",
        description=rng.choices(DESCRIPTIONS, [30, 25, 25, 19, 1])[0],
        format=rng.choice(Group.Format.values),
        membership="closed" if closed else "open",
        starts_on=starts_on if closed else None,
        ends_on=starts_on + timedelta(days=rng.randint(30, 180)) if closed else None,
        attendance=attendance,
        leader_type=leader_type,
        leader_training=(
            "LCSW, 10 years leading groups"
            if leader_type != "peer" and rng.random() < 0.8
            else "Completed a 2-day peer facilitator training"
        ),
        confidentiality_policy=CONFIDENTIALITY if rng.random() < 0.8 else "",
        cost=cost,
        fee_per_session=rng.randint(10, 150) if cost != "free" else None,
        languages=rng.choices(["en", "en,es", "es", "zh"], [80, 12, 6, 2])[0],
        status=rng.choices(["published", "draft", "archived"], [90, 5, 5])[0],
        last_verified_on=today - timedelta(days=rng.randint(0, 700)),
        created_at=now,
        updated_at=now,
    )
    if attendance != "online":
        group.city, group.region = place["city"], place["state"]
        group.postal_code = place["zip_code"]
        group.latitude = float(place["lat"]) + rng.uniform(-0.03, 0.03)
        group.longitude = float(place["long"]) + rng.uniform(-0.03, 0.03)
    if attendance != "in_person":
        group.online_url = f"https://example.org/bench/{n}"
        group.moderation_rules = MODERATION if rng.random() < 0.75 else ""
        if rng.random() < 0.4:
            group.serves_regions = ",".join(sorted(rng.sample(regions, rng.randint(1, 3))))
    group.planned_meeting = synthetic_meeting(rng, place["timezone"] or "America/Chicago")
    group.planned_focus = rng.choice(focuses) if focuses and rng.random() < 0.4 else None
    # What a listing's save stores, worked out without a query.
    focus_slugs = [group.planned_focus.slug] if group.planned_focus else []
    group.planned_findings = group.summarize([group.planned_meeting], focus_slugs, today)
    return group


def synthetic_meeting(rng, tz):
    frequency = rng.choices(["weekly", "every_other_week", "monthly"], [70, 15, 15])[0]
    days = sorted(rng.sample(range(7), rng.choice([1, 1, 1, 2])))
    start = time(rng.choice([9, 10, 12, 14, 17, 18, 19]), rng.choice([0, 30]))
    first = date(2026, 1, 5) + timedelta(days=days[0])
    return MeetingTime(
        days=",".join(schedule.DAYS[d] for d in days),
        start_time=start,
        end_time=time(start.hour + 1, start.minute),
        timezone=tz,
        frequency=frequency,
        week_of_month=rng.choice([1, 2, 3, 4, -1]) if frequency == "monthly" else None,
        first_meeting_on=first if frequency == "every_other_week" else None,
    )


def analyze():
    """Bring the new rows to a steady state, as a live database's autovacuum would:
    planner statistics, and on PostgreSQL the visibility map index-only scans need."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def search_urls():
    """The HTTP benchmark's 64 searches: 16 ZIP codes, each with and without filters."""
    return [
        f"/groups/?near={zip_code}{extra}" for zip_code in SEARCH_ZIPS for extra in SEARCH_FILTERS
    ]


def api_urls():
    """The open-data mix: the first 32 pages of /api/hsds/services, 20 and 100 a page."""
    return [
        f"/api/hsds/services?page={page}&per_page={size}"
        for page in range(1, 33)
        for size in (20, 100)
    ]


def group_urls(count=1000, seed=2026):
    """The pages of up to `count` listed groups, picked at random across the table."""
    bounds = Group.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    rng = random.Random(seed)
    span = range(bounds["first"], bounds["last"] + 1)
    picked = rng.sample(span, min(len(span), 2 * count))
    slugs = Group.objects.listed().filter(pk__in=picked).values_list("slug", flat=True)
    return [f"/groups/{slug}/" for slug in sorted(slugs)[:count]]


class QueryCounter:
    """Counts SQL queries without Django's debug cursor, which would slow them down."""

    count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def time_in_app(urls, rounds, kept=False):
    """Request each URL `rounds` times through Django's test client, one at a time,
    after one pass to warm up: server time (ms), SQL queries and HTML size (bytes).

    Each page is drawn afresh (directory/pages.py), or with `kept` served as kept
    after the first pass."""
    with override_settings(PAGE_CACHE_SECONDS=settings.PAGE_CACHE_SECONDS if kept else 0):
        return _time_in_app(urls, rounds)


def _time_in_app(urls, rounds):
    client = Client(HTTP_HOST="127.0.0.1")
    for url in urls:
        client.get(url)
    timings, queries, sizes = [], [], []
    for _ in range(rounds):
        for url in urls:
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = clock.perf_counter()
                response = client.get(url)
                timings.append((clock.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise AssertionError(f"{url} answered {response.status_code}")
            queries.append(counter.count)
            sizes.append(len(response.content))
    timings.sort()
    return {
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "queries": (min(queries), max(queries)),
        "html": (statistics.median(sizes), max(sizes)),
    }
