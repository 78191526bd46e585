"""Running as a real service: honest failures, limits shared by many servers, deploy checks,
bounded request lines, the demo as in production.

Several tests serve the site with gunicorn (tests/servers.py), as production does. The
database restart and outage, with a scratch PostgreSQL, are in tests/test_faults.py.
"""

import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext

from directory.loadtest import free_port
from directory.management.commands.load_demo import DEMO_FILE
from directory.models import Group, GroupVersion
from groupfinder.errors import outage
from partners.models import JoinRequest, Membership
from tests.factories import make_curator, make_group
from tests.servers import BASE_DIR, Gunicorn, serving

CRISIS_LINE = '<a href="tel:988">Call 988</a>'


@pytest.fixture(scope="module")
def without_database():
    """The site served by gunicorn with its database at a port where nothing listens."""
    closed = free_port()
    env = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/groupfinder"}
    with Gunicorn(env) as server:
        yield server


class TestDatabaseUnavailable:
    def test_pages_say_so_with_503_and_retry_after_and_the_log_says_it_once(self, without_database):
        urls = ["/groups/", "/groups/?near=78701", "/groups/tuesday-circle-austin/"]
        answers = [without_database.get(url) for url in urls]
        answers += [without_database.get("/groups/") for _ in range(5)]

        for answer in answers:
            assert answer.status == 503
            assert answer.headers["Retry-After"] == "30"
            assert "The directory is unavailable for a moment" in answer.body
            assert CRISIS_LINE in answer.body
            assert answer.seconds < 5
        # The first waited for the database (DB_CONNECT_TIMEOUT), the others knew.
        assert answers[0].seconds >= 2.5
        assert max(answer.seconds for answer in answers[1:]) < 1
        log = without_database.error_log()
        assert log.count("Database unavailable") == 1, log
        assert "Traceback" not in log
        assert "Service Unavailable" not in log  # Django's line for each page
        assert "Connection refused" in log

    def test_pages_without_the_database_are_still_served(self, without_database):
        assert without_database.get("/").status == 200
        assert without_database.get("/static/css/site.css").status == 200
        missing = without_database.get("/no-such-page/")
        assert missing.status == 404
        assert CRISIS_LINE in missing.body


class TestRequestLines:
    def test_a_request_line_over_the_limit_gets_the_sites_own_414_page(self, without_database):
        for length in (4095, 6000, 8000):
            path = "/no-such-page/?q=" + "x" * (length - len("GET /no-such-page/?q= HTTP/1.1"))

            answer = without_database.get(path)

            assert answer.status == 414, length
            assert "That address is too long" in answer.body
            assert CRISIS_LINE in answer.body
            assert 'href="/groups/"' in answer.body

    def test_a_request_line_within_the_limit_is_served(self, without_database):
        path = "/no-such-page/?q=" + "x" * (4094 - len("GET /no-such-page/?q= HTTP/1.1"))

        answer = without_database.get(path)

        assert answer.status == 404
        assert "We couldn't find that page" in answer.body


class TestAccessLog:
    def test_a_newline_in_a_path_stays_one_line(self, without_database):
        without_database.get("/no-such-page%0d%0aforged-line/")

        access = without_database.access_log(waiting_for="forged-line").splitlines()
        assert [line for line in access if '"GET /no-such-page%0d%0aforged-line/ ' in line]
        assert not [line for line in access if line.startswith("forged-line")]

    def test_search_words_stay_out_of_it(self, without_database):
        without_database.get("/no-such-page/?near=78701&q=grief")

        access = without_database.access_log(waiting_for="/no-such-page/ ")
        assert "78701" not in access
        assert "grief" not in access


class DjangoLogTests(TestCase):
    def written(self, do):
        """What the site's log handler ("console", every logger's) writes while `do()` runs."""
        handler = logging.getLogger("django.request").handlers[0]
        written = StringIO()
        stream = handler.setStream(written)
        try:
            do()
        finally:
            handler.setStream(stream)
        return written.getvalue()

    @override_settings(ROOT_URLCONF="tests.error_urls")
    def test_a_newline_in_a_failing_path_stays_one_line(self):
        failing = Client(raise_request_exception=False)

        log = self.written(lambda: failing.get("/broken/a%0d%0aforged/?q=grief"))

        lines = log.splitlines()
        self.assertTrue(lines[0].startswith("Internal Server Error: /broken/a"))
        self.assertIn("forged/", lines[0])
        self.assertFalse([line for line in lines if line.startswith("forged")])
        self.assertNotIn("grief", log)

    def test_every_logger_escapes_control_characters_and_cuts_long_values(self):
        logger = logging.getLogger("groupfinder.errors")

        log = self.written(lambda: logger.error("Odd: %s %s", "a\r\nb\x1b[31m", "x" * 5000))

        self.assertEqual(log, f"Odd: a\\x0d\\x0ab\\x1b[31m {'x' * 300}…(4700 more)\n")


class OutageEndTests(TestCase):
    def tearDown(self):
        outage.end()

    def test_the_first_query_that_works_ends_the_outage_in_one_line(self):
        make_group("Tuesday Circle")
        outage.begin(OperationalError("connection refused"))
        outage.begin(OperationalError("connection refused"))

        with self.assertLogs("groupfinder.errors", "WARNING") as logged:
            response = self.client.get("/groups/")
            self.client.get("/groups/")

        self.assertContains(response, "Tuesday Circle")
        self.assertFalse(outage.on)
        self.assertEqual(len(logged.output), 1)
        self.assertRegex(logged.output[0], r"Database back after \d+\.\d s; 2 pages answered 503")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two servers share a PostgreSQL database"
)
class TwoServersTests(TransactionTestCase):
    """Two gunicorn servers on one database count a visitor's join requests together."""

    serialized_rollback = True  # keeps the focus vocabulary the migrations seeded

    def setUp(self):
        cache.clear()  # the database cache: counts left by an earlier run
        settings = connection.settings_dict
        url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
        self.env = {"DATABASE_URL": f"{url}/{settings['NAME']}"}

    def join(self, server):
        form = server.get("/partners/join/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1)
        cookie = form.cookies()["csrftoken"].split(";")[0]
        body = (
            f"csrfmiddlewaretoken={token}&organization_name=Riverbend+Peer+Network"
            "&contact_name=Mallory+Reyes&contact_email=mallory%40gmail.com&about=Peer+groups"
        )
        return server.request(
            "POST",
            "/partners/join/",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )

    def test_the_join_limit_holds_across_servers(self):
        with serving(Gunicorn(self.env), Gunicorn(self.env)) as (first, second):
            answers = [self.join(server) for server in (first, second, first, second, first)]

        self.assertEqual([answer.status for answer in answers], [302, 302, 302, 429, 429])
        self.assertIn("You have sent several requests in the last hour", answers[3].body)
        self.assertEqual(JoinRequest.objects.count(), 3)


class ReplicaTests(TransactionTestCase):
    """DATABASE_REPLICA_URL: visitors' pages read the directory from the replica; writes and
    partners' pages use the primary. Here the replica is a second connection to the test
    database."""

    serialized_rollback = True
    databases = {"default", "replica"}

    @classmethod
    def setUpClass(cls):
        primary = connections["default"].settings_dict
        mirror = {"TEST": primary["TEST"] | {"MIRROR": "default"}}
        connections.settings["replica"] = primary | mirror
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]

    def queries(self, method, url, data=None):
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            response = getattr(self.client, method)(url, data or {})
        return response, primary, replica

    @override_settings(DATABASE_ROUTERS=["groupfinder.database.ReplicaRouter"])
    def test_visitors_read_from_the_replica_and_everything_else_uses_the_primary(self):
        group = make_group("Tuesday Circle")
        partner = User.objects.create_user("ana@example.org", "ana@example.org", "password")
        Membership.objects.create(user=partner, organization=group.organization, role="admin")

        search, primary, replica = self.queries("get", "/groups/")
        self.assertContains(search, "Tuesday Circle")
        self.assertTrue(any("directory_group" in q["sql"] for q in replica.captured_queries))
        self.assertFalse(any("directory_group" in q["sql"] for q in primary.captured_queries))

        report, primary, replica = self.queries(
            "post",
            f"/groups/{group.slug}/report/",
            {"kind": "no_longer_meets", "details": "Nobody came last week."},
        )
        self.assertEqual(report.status_code, 302)
        self.assertTrue(any(q["sql"].startswith("INSERT") for q in primary.captured_queries))
        self.assertEqual(replica.captured_queries, [])

        self.client.force_login(partner)
        dashboard, primary, replica = self.queries("get", "/partners/")
        self.assertContains(dashboard, "Tuesday Circle")
        self.assertEqual(replica.captured_queries, [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
class StatementTimeoutTests(TestCase):
    def statements(self, method, url, data=None):
        with CaptureQueriesContext(connection) as captured:
            getattr(self.client, method)(url, data or {})
        return [q["sql"] for q in captured.captured_queries if "statement_timeout" in q["sql"]]

    @override_settings(DB_STATEMENT_TIMEOUT=5, DB_WRITE_STATEMENT_TIMEOUT=25)
    def test_curators_and_partners_writes_may_take_longer_than_visitors_pages(self):
        group = make_group("Tuesday Circle", status=Group.Status.PENDING)
        self.client.force_login(make_curator())

        publish = self.statements(
            "post", "/admin/directory/group/", {"action": "publish", "_selected_action": [group.pk]}
        )
        search = self.statements("get", "/groups/")

        self.assertEqual(publish, ["SET statement_timeout = '25s'", "RESET statement_timeout"])
        self.assertEqual(search, [])
        group.refresh_from_db()
        self.assertEqual(group.status, Group.Status.PUBLISHED)


class DeployCheckTests(TestCase):
    def deploy_check(self, **env):
        """`manage.py check --deploy` in a process with these environment variables."""
        env = {"SECRET_KEY": "k" * 60, "DEBUG": "0"} | env
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"],
            cwd=BASE_DIR,
            env={**_environ(), **env},
            capture_output=True,
            text=True,
        )
        return result.stdout + result.stderr

    def test_the_sqlite_warning_shows(self):
        out = StringIO()
        with override_settings(SECRET_KEY="k" * 60):
            call_command("check", "--deploy", "--fail-level", "CRITICAL", stderr=out, stdout=out)
        shown = "directory.W002" in out.getvalue()
        self.assertEqual(shown, connection.vendor == "sqlite", out.getvalue())

    def test_behind_tls_cookies_are_secure_and_hsts_covers_subdomains(self):
        plain = self.deploy_check(DATABASE_URL="sqlite:///db.sqlite3")
        behind_tls = self.deploy_check(DATABASE_URL="sqlite:///db.sqlite3", SECURE_PROXY="1")
        preloaded = self.deploy_check(SECURE_PROXY="1", SECURE_HSTS_PRELOAD="1")

        self.assertIn("directory.W002", plain)
        for warning in ["security.W004", "security.W012", "security.W016", "directory.W005"]:
            self.assertIn(warning, plain)
            self.assertNotIn(warning, behind_tls)
        self.assertNotIn("security.W005", behind_tls)  # includeSubDomains
        self.assertIn("security.W021", behind_tls)  # not preloaded unless asked
        self.assertNotIn("security.W021", preloaded)

    @override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        LANGUAGE_COOKIE_SECURE=True,
        SECURE_HSTS_SECONDS=31536000,
    )
    def test_the_language_cookie_is_secure_http_only_and_same_site(self):
        response = self.client.post(
            "/i18n/setlang/",
            {"language": "es", "next": "/"},
            headers={"x-forwarded-proto": "https"},
        )

        cookie = response.cookies["django_language"]
        self.assertEqual(cookie.value, "es")
        self.assertTrue(cookie["secure"])
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertEqual(
            response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains"
        )


def _environ():
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_ALLOW", "SECURE"))}


class LoadDemoTests(TestCase):
    def setUp(self):
        # The demo's first 12 rows, so that loading it twice takes a moment.
        with DEMO_FILE.open(encoding="utf-8", newline="") as demo:
            head = "".join(line for _, line in zip(range(13), demo, strict=False))
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        short = Path(folder.name) / "groups.csv"
        short.write_text(head, encoding="utf-8")
        patcher = mock.patch("directory.management.commands.load_demo.DEMO_FILE", short)
        patcher.start()
        self.addCleanup(patcher.stop)

    def load(self):
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    def test_loading_again_leaves_what_curators_and_organizations_changed(self):
        self.load()
        curator = make_curator()
        edited, archived, deleted, put_back, untouched = Group.objects.order_by("pk")[:5]
        edited.description = "Now meets in the library's new wing."
        edited.save()
        GroupVersion.record(edited, "Changed in the admin", curator)
        self.client.force_login(curator)
        self.client.post(
            "/admin/directory/group/", {"action": "archive", "_selected_action": [archived.pk]}
        )
        deleted.delete()
        loaded_description = put_back.description
        for description in ["Changed for a while.", loaded_description]:
            put_back.description = description
            put_back.save()
            GroupVersion.record(put_back, "Changed in the admin", curator)
        unchecked = untouched.organization
        unchecked.verified = False
        unchecked.save()

        out = self.load()

        self.assertIn("Loaded 10 demo groups: 1 new, 9 updated.", out)
        left = sorted([edited.name, archived.name])
        self.assertIn(f"Left 2 demo groups as they are, changed since the demo loaded them: "
                      f"{', '.join(left)}.", out)  # fmt: skip
        self.assertIn("Marked 0 demo organizations verified.", out)
        edited.refresh_from_db()
        self.assertEqual(edited.description, "Now meets in the library's new wing.")
        archived.refresh_from_db()
        self.assertEqual(archived.status, Group.Status.ARCHIVED)
        self.assertTrue(Group.objects.filter(name=deleted.name).exists())
        unchecked.refresh_from_db()
        self.assertFalse(unchecked.verified)


class RunTests(TestCase):
    def test_a_busy_port_is_said_before_any_work(self):
        venv = sys.prefix
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            result = subprocess.run(
                ["make", "run", f"PORT={port}", f"VENV={venv}", "-o", f"{venv}/.installed"],
                cwd=BASE_DIR,
                capture_output=True,
                text=True,
                timeout=60,
            )

        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"Port {port} is busy", result.stderr)
        self.assertIn(f"make run PORT={port + 1}", result.stderr)
        self.assertNotIn("migrate", result.stdout)

    def test_a_free_port_is_fine_and_a_wrong_one_is_explained(self):
        free = subprocess.run(
            [sys.executable, "bin/port-free", str(free_port())], cwd=BASE_DIR, capture_output=True
        )
        wrong = subprocess.run(
            [sys.executable, "bin/port-free", "eighty"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )

        self.assertEqual(free.returncode, 0)
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("PORT must be a port number", wrong.stderr)
