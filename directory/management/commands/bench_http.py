"""The site under HTTP load on gunicorn, beside the smallest Django app (the floor).

    python manage.py bench_http --groups 100000

Fills a scratch database (see directory/bench.py), serves the floor
(groupfinder/floor.py) and then the project on gunicorn with the same
gunicorn.conf.py and worker count, drives each with wrk (or a Python client)
over a mix of URLs, and prints the table of requests/s, latency percentiles
and share of the floor, then what the app itself measures.
"""

from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from directory import bench, loadtest


class Command(BaseCommand):
    help = (
        "Serve the project and the smallest Django app on gunicorn over a scratch database, "
        "drive both with wrk (or Python) and print requests/s, p50/p95/p99 and the share "
        "of the floor, with server time, SQL queries, HTML size, a fresh worker's first "
        "response and memory per worker."
    )

    def add_arguments(self, parser):
        bench.add_database_arguments(parser)
        parser.add_argument("--seconds", type=int, default=15, help="Load per page, seconds.")
        parser.add_argument("--connections", type=int, default=16, help="Requests at once.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, each app.")
        parser.add_argument(
            "--warmup", type=int, default=3, help="Load before each measured page, seconds."
        )
        parser.add_argument(
            "--rounds", type=int, default=3, help="Passes over each mix, timed inside the app."
        )
        parser.add_argument(
            "--generator",
            choices=["auto", "wrk", "python"],
            default="auto",
            help="The load generator: wrk when installed (auto), or Python's.",
        )

    def handle(self, *args, groups, keep, seed, generator, **options):
        try:
            generator = loadtest.pick_generator(generator)
        except RuntimeError as problem:
            raise CommandError(problem) from None
        settings.DEBUG = False  # no list of queries kept in memory
        with bench.scratch_database(groups, keep=keep, seed=seed, stdout=self.stdout):
            searches, pages = bench.search_urls(), bench.group_urls()
            self.stdout.write("Timing the mixes inside the app…")
            in_app = {
                "group page": bench.time_in_app(pages[:64], options["rounds"]),
                "search page": bench.time_in_app(searches, options["rounds"]),
                "group page, kept": bench.time_in_app(pages[:64], options["rounds"], kept=True),
                "search page, kept": bench.time_in_app(searches, options["rounds"], kept=True),
            }
            try:
                report = self.serve_and_load(searches, pages, generator=generator, **options)
            except RuntimeError as problem:  # gunicorn did not start: its log says why
                raise CommandError(problem) from None
            report["in_app"] = in_app
            self.stdout.write(render(report, groups))

    def serve_and_load(self, searches, pages, *, workers, generator, **options):
        def measure(server, name, paths):
            self.stdout.write(f"Loading the {name} for {options['seconds']} s…")
            if options["warmup"]:
                loadtest.load(
                    server.url, paths, connections=options["connections"],
                    seconds=options["warmup"], generator=generator,
                )  # fmt: skip
            cpu = server.worker_cpu()
            load = loadtest.load(
                server.url, paths, connections=options["connections"],
                seconds=options["seconds"], generator=generator,
            )  # fmt: skip
            if load.requests:
                load.worker_cpu_ms = (server.worker_cpu() - cpu) * 1000 / load.requests
            return load

        report = {
            "generator": generator,
            "workers": workers,
            "connections": options["connections"],
            "seconds": options["seconds"],
            "rows": {},
            "memory": {},
        }
        floor_env = {"DJANGO_SETTINGS_MODULE": None}
        with loadtest.Gunicorn("groupfinder.floor", workers=workers, env=floor_env) as floor:
            report["rows"]["floor"] = measure(floor, "floor", ["/"])
            report["memory"]["floor"] = floor.worker_memory()
        # The API's per-address limit would otherwise answer the load generator with 429s.
        project_env = {
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "API_REQUESTS_PER_MINUTE": str(10**9),
        }
        with loadtest.Gunicorn("groupfinder.wsgi", workers=workers, env=project_env) as site:
            status, _body, first_ms = site.get(searches[0])
            if status != 200:
                raise CommandError(f"{searches[0]} answered {status}:\n{site.log_tail()}")
            report["first_response"] = (site.started_in, first_ms)
            report["rows"]["group page"] = measure(site, "group page", pages)
            report["rows"]["search page"] = measure(site, "search page", searches)
            report["rows"]["hsds services"] = measure(site, "HSDS services", bench.api_urls())
            report["memory"]["project"] = site.worker_memory()
        return report


def database_url():
    """The scratch database as a DATABASE_URL, for the gunicorn workers."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"  # an absolute path: sqlite:////…
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST']}{port}/{quote(db['NAME'], safe='')}"


LABELS = {
    "floor": "minimal Django view (the floor)",
    "group page": "group page",
    "search page": "search page",
    "hsds services": "open data: /api/hsds/services",
}


def render(report, groups):
    """The issue's table, then what the app measures itself, as Markdown."""
    rows = report["rows"]
    floor = rows["floor"].per_second
    lines = [
        "",
        f"{connection.vendor}, {groups:,} groups: {report['generator']}, "
        f"{report['connections']} connections, {report['seconds']} s a page, "
        f"{report['workers']} gunicorn workers each",
        "",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | share of the floor "
        "| worker CPU ms a request |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, load in rows.items():
        share = load.per_second / floor if floor else 0
        errors = f" ({load.errors:,} errors)" if load.errors else ""
        cpu = "–" if load.worker_cpu_ms is None else f"{load.worker_cpu_ms:.2f}"
        lines.append(
            f"| {LABELS[name]} | {load.per_second:,.0f}{errors} | {load.p50:.1f} | "
            f"{load.p95:.1f} | {load.p99:.1f} | {share:.1%} | {cpu} |"
        )
    if report["generator"] == "python":
        lines += ["", "(Python's client tops out well below wrk: install wrk for the floor.)"]
    lines += [
        "",
        "Inside the app, one request at a time (Django's test client), each page drawn "
        "afresh, then kept (directory/pages.py, PAGE_CACHE_SECONDS):",
        "",
        "| page | server p50 ms | server p95 ms | SQL queries | HTML KB (median, max) |",
        "|---|---|---|---|---|",
    ]
    for name, timed in report["in_app"].items():
        low, high = timed["queries"]
        queries = f"{low}" if low == high else f"{low}–{high}"
        median, largest = timed["html"]
        lines.append(
            f"| {name} | {timed['p50']:.1f} | {timed['p95']:.1f} | {queries} | "
            f"{median / 1024:.1f}, {largest / 1024:.1f} |"
        )
    started_in, first_ms = report["first_response"]
    lines += [
        "",
        f"A fresh worker's first search: answered {first_ms:,.0f} ms after gunicorn listened "
        f"({started_in:.1f} s after it started).",
        "Memory per worker: "
        + "; ".join(f"{app} {_megabytes(workers)}" for app, workers in report["memory"].items())
        + ".",
    ]
    return "\n".join(lines)


def _megabytes(workers):
    """'120, 121 MB RSS (45, 46 MB private)' for [(rss, private), …]."""
    known = [worker for worker in workers if worker]
    if not known:
        return "unknown"
    rss = ", ".join(f"{rss:.0f}" for rss, _private in known)
    private = ", ".join(f"{private:.0f}" for _rss, private in known)
    return f"{rss} MB RSS ({private} MB private)"
