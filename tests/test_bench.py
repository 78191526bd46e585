"""The benchmarks' harness (manage.py bench_http, bench_search): the synthetic fill, the URL
mixes, serving on gunicorn, the load generators and the report. No timings are asserted."""

import os
import random
import re
import shutil
from unittest import mock, skipUnless

from django.db import connection
from django.test import SimpleTestCase, TestCase

from directory import bench, importer, loadtest
from directory.management.commands import bench_http, bench_import
from directory.models import Group, VettingResult
from groupfinder.settings import database_from_url
from partners.models import Submission
from tests.factories import make_group

RESULT_COUNT = re.compile(r'data-results="(\d+)"')


def stored_summaries():
    return {
        group.pk: (
            group.meeting_slots,
            group.focus_codes,
            group.flag_count,
            group.warn_count,
            group.trust_rank,
            sorted(
                group.vetting_results.values_list("name", "status", "visitor_text", "curator_text")
            ),
        )
        for group in Group.objects.prefetch_related("vetting_results")
    }


class FillTests(TestCase):
    def test_stores_what_refresh_summary_would(self):
        bench.fill(60, random.Random(1))
        filled = stored_summaries()

        for group in Group.objects.select_related("organization"):
            group.refresh_summary()

        self.assertEqual(len(filled), 60)
        self.assertEqual(stored_summaries(), filled)
        # Not a trivial comparison: flagged and clean groups, with and without a focus.
        flags = {summary[2] for summary in filled.values()}
        self.assertIn(0, flags)
        self.assertTrue(flags - {0})
        self.assertTrue(any(summary[1] for summary in filled.values()))

    def test_new_rows_after_the_fill_get_new_ids(self):
        bench.fill(10, random.Random(1))

        group = make_group("Added After the Fill")

        self.assertEqual(Group.objects.count(), 11)
        filled = Group.objects.exclude(pk=group.pk).values_list("pk", flat=True)
        self.assertGreater(group.pk, max(filled))
        self.assertTrue(VettingResult.objects.filter(group=group).exists())


class MixTests(TestCase):
    def test_the_searches_are_64_valid_searches_near_16_zip_codes(self):
        bench.fill(60, random.Random(1))
        urls = bench.search_urls()

        self.assertEqual(len(set(urls)), 64)
        self.assertEqual(len({url.split("&")[0] for url in urls}), 16)
        for url in urls:
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                # A search that ran, not a form sent back with a problem.
                self.assertRegex(response.content.decode(), RESULT_COUNT)

    def test_the_open_data_mix_pages_through_the_services(self):
        bench.fill(60, random.Random(1))

        urls = bench.api_urls()

        self.assertEqual(len(set(urls)), 64)
        first = self.client.get(urls[0]).json()
        self.assertEqual((first["page_number"], first["size"]), (1, 20))
        self.assertEqual(len(first["contents"]), 20)
        self.assertEqual(self.client.get(urls[-1]).status_code, 200)  # past the end: empty

    def test_group_pages_are_listed_groups(self):
        bench.fill(60, random.Random(1))

        urls = bench.group_urls(count=20)

        self.assertEqual(len(urls), 20)
        listed = {group.get_absolute_url() for group in Group.objects.listed()}
        self.assertLessEqual(set(urls), listed)

    def test_time_in_app_counts_queries_and_sizes(self):
        bench.fill(20, random.Random(1))

        timed = bench.time_in_app(bench.group_urls(count=3), rounds=1)

        self.assertGreater(timed["queries"][0], 0)
        self.assertGreater(timed["html"][0], 1000)


class DatabaseUrlTests(SimpleTestCase):
    def test_the_workers_get_the_scratch_database(self):
        if connection.vendor == "sqlite":
            scratch = {"NAME": "/srv/bench/bench_40.sqlite3"}
        else:
            scratch = {"NAME": "bench_postgres_40", "PASSWORD": "p@ss:w/rd"}

        with mock.patch.dict(connection.settings_dict, scratch):
            given = dict(connection.settings_dict)
            parsed = database_from_url(bench_http.database_url())

        self.assertEqual(str(parsed["NAME"]), given["NAME"])
        if connection.vendor == "postgresql":
            for key in ("USER", "PASSWORD", "HOST", "PORT"):
                self.assertEqual(parsed[key], given[key])


class ReportTests(TestCase):
    def test_table_of_requests_per_second_and_share_of_the_floor(self):
        report = {
            "generator": "wrk",
            "workers": 2,
            "connections": 16,
            "seconds": 15,
            "rows": {
                "floor": loadtest.Load(37110, 15.0, 0, 6.2, 8.0, 9.5, worker_cpu_ms=0.61),
                "group page": loadtest.Load(1905, 15.0, 0, 120.0, 180.0, 210.0, 12.3),
                "search page": loadtest.Load(435, 15.0, 3, 510.0, 900.0, 1200.0),
            },
            "in_app": {
                "group page": {"p50": 5.4, "p95": 9.1, "queries": (3, 3), "html": (5632, 6144)},
                "search page": {"p50": 22, "p95": 43, "queries": (4, 5), "html": (13107, 17715)},
            },
            "first_response": (3.1, 234.0),
            "memory": {"floor": [(34.2, 6.1), (34.0, 5.2)], "project": [None]},
        }

        text = bench_http.render(report, 100000)

        self.assertIn("100,000 groups: wrk, 16 connections, 15 s a page", text)
        self.assertIn(
            "| minimal Django view (the floor) | 2,474 | 6.2 | 8.0 | 9.5 | 100.0% | 0.61", text
        )
        self.assertIn("| group page | 127 | 120.0 | 180.0 | 210.0 | 5.1% | 12.30 |", text)
        self.assertIn("| search page | 29 (3 errors) | 510.0 | 900.0 | 1200.0 | 1.2% | – |", text)
        self.assertIn("| search page | 22.0 | 43.0 | 4–5 | 12.8, 17.3 |", text)
        self.assertIn("| group page | 5.4 | 9.1 | 3 | 5.5, 6.0 |", text)
        self.assertIn("answered 234 ms after gunicorn listened (3.1 s after it started)", text)
        self.assertIn("floor 34, 34 MB RSS (6, 5 MB private); project unknown.", text)


FLOOR_ENV = {"DJANGO_SETTINGS_MODULE": None}


class ServingTests(SimpleTestCase):
    def test_the_floor_answers_ok_on_gunicorn_under_python_load(self):
        with loadtest.Gunicorn("groupfinder.floor", workers=1, env=FLOOR_ENV) as floor:
            status, body, _ms = floor.get("/")
            load = loadtest.load(floor.url, ["/"], connections=2, seconds=1, generator="python")
            memory = floor.worker_memory()
            cpu = floor.worker_cpu()

        self.assertEqual((status, body), (200, b"ok"))
        self.assertGreater(load.requests, 0)
        self.assertEqual(load.errors, 0)
        self.assertLessEqual(load.p50, load.p95)
        if os.path.exists("/proc/self/smaps_rollup"):
            self.assertEqual(len(memory), 1)
            rss, private = memory[0]
            self.assertGreater(rss, private)
            self.assertGreater(cpu, 0)

    @skipUnless(shutil.which("wrk"), "wrk is not installed (apt-get install wrk)")
    def test_wrk_rotates_through_the_paths(self):
        with loadtest.Gunicorn("groupfinder.floor", workers=1, env=FLOOR_ENV) as floor:
            load = loadtest.load(
                floor.url, ["/", "/missing/"], connections=2, seconds=1, generator="wrk"
            )

        # Every other request asks for a page the floor doesn't have: a 404, counted apart.
        self.assertGreater(load.requests, 0)
        self.assertGreater(load.errors, 0)
        self.assertLessEqual(abs(load.requests - load.errors), 2)

    def test_a_server_that_cannot_start_says_why(self):
        server = loadtest.Gunicorn("no_such_app", workers=1, env=FLOOR_ENV)
        with self.assertRaisesMessage(RuntimeError, "No module named 'no_such_app'"), server:
            pass

    def test_wrk_script_quotes_the_paths(self):
        script = loadtest.wrk_script(["/groups/?near=78701&format=support"])

        self.assertIn('local paths = {"/groups/?near=78701&format=support"}', script)
        with self.assertRaises(ValueError):
            loadtest.wrk_script(["/groups/?near=Bogotá"])


class ImportBenchTests(TestCase):
    def test_the_same_groups_go_in_raw_and_through_the_import(self):
        command = bench_import.Command()
        groups = command.synthetic(40, seed=1)

        command.raw_insert(groups)
        self.assertEqual(Group.objects.count(), 40)
        command.empty()
        result = importer.import_groups(bench_import.as_csv(groups))

        self.assertTrue(result.ok, [str(problem) for problem in result.problems])
        self.assertEqual(result.created, 40)
        for n in (0, 7, 39):
            stored = Group.objects.get(name=f"Bench group {n}")
            self.assertEqual(stored.meeting_slots, groups[n].meeting_slots)
            self.assertEqual(stored.flag_count, groups[n].flag_count)
            self.assertEqual(stored.focus_codes, groups[n].focus_codes)

    def test_upload_imports_each_file_as_an_organizations_upload(self):
        command = bench_import.Command()
        groups = command.synthetic(40, seed=1)

        _, _, queries = command.import_files(groups, upload=True)

        self.assertEqual(Group.objects.filter(status=Group.Status.PENDING).count(), 40)
        self.assertEqual(Submission.objects.filter(kind="new").count(), 40)
        self.assertEqual(Group.objects.values("organization").distinct().count(), 1)
        self.assertLess(queries, 40)  # the new groups are proposed together
