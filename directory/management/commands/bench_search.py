"""Benchmark of the search page, through the whole view, on a scratch database.

    python manage.py bench_search --groups 100000

Fills a scratch database (bench_<name>, next to the configured one; never the
real one) with synthetic listings around real ZIP codes, then requests a fixed
mix of searches (radius 10/25/50 miles around real ZIP codes, with and without
filters) through Django's test client and prints latency percentiles, SQL
queries per request and page sizes.
"""

import re
import statistics
import time as clock

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from directory import bench
from directory.loadtest import percentile

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
        bench.add_database_arguments(parser)
        parser.add_argument("--rounds", type=int, default=3, help="Passes over the search mix.")

    def handle(self, *args, groups, rounds, seed, keep, **options):
        settings.DEBUG = False
        with bench.scratch_database(groups, keep=keep, seed=seed, stdout=self.stdout):
            self.run_mix(groups, rounds)

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
                counter = bench.QueryCounter()
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
