"""Visitors' pages kept ready (directory/pages.py): drawn once, shown again until a listing
changes, a day passes or a meeting they show begins; nothing about one visitor kept."""

import re
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import redis
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.db import transaction
from django.test import Client, TestCase, TransactionTestCase, override_settings

from directory import pages
from directory.models import Group
from directory.tasks import refresh_vetting
from tests.factories import make_curator, make_group, make_online_group, make_organization
from tests.test_partners import group_post, make_affiliate

# A Tuesday in Austin: 10 am, then just before and just after the 7 pm meeting.
AUSTIN = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")  # the site's day (settings.TIME_ZONE)
TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=AUSTIN)


@override_settings(PAGE_CACHE_SECONDS=600)
class KeptPagesTestCase(TestCase):
    def setUp(self):
        caches["pages"].clear()
        pages.version()  # as on a running site, where the first page asked for sets it


@override_settings(PAGE_CACHE_SECONDS=600)
class CommittedWritesTestCase(TransactionTestCase):
    """Writes committed as a request's are: the directory version moves on once they are."""

    serialized_rollback = True  # keeps the focus vocabulary the migrations seeded

    def setUp(self):
        caches["pages"].clear()


def token_in(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def without_token(response):
    """The page with its CSRF token (each visitor's own) taken out."""
    return response.content.decode().replace(token_in(response), "")


def main_of(response):
    html = response.content.decode()
    return html[html.index('<main id="main"') :]


@time_machine.travel(TUESDAY_MORNING, tick=False)
class KeepingTests(KeptPagesTestCase):
    def test_a_page_is_drawn_once_then_kept(self):
        for n in range(25):
            make_group(f"Local {n:02d}")
            make_online_group(f"Online {n:02d}")

        for url in ("/groups/?near=78701", "/groups/local-00-austin/"):
            with self.subTest(url=url):
                # The directory version, then the page's own queries (4 for this search
                # near a place, 2 for the page of a group with no focus); then the version
                # alone (the shared cache is a table of the database here; with Redis, no
                # query at all).
                with self.assertNumQueries(5 if "near" in url else 3):
                    drawn = self.client.get(url)
                with self.assertNumQueries(1):
                    kept = self.client.get(url)

                self.assertEqual(main_of(kept), main_of(drawn))
                self.assertContains(kept, "Local 00")

    def test_each_language_has_its_own_page(self):
        make_group("Tuesday Circle")

        english = self.client.get("/groups/?near=78701")
        spanish = self.client.get("/groups/?near=78701", headers={"accept-language": "es"})

        self.assertContains(english, "Find a support group")
        self.assertContains(spanish, "Encuentra un grupo de apoyo")
        self.assertNotContains(spanish, "Find a support group")


@time_machine.travel(TUESDAY_MORNING, tick=False)
class ChangesShowAtOnceTests(CommittedWritesTestCase):
    def test_a_change_to_a_listing_shows_at_once(self):
        organization = make_organization()
        group = make_group("Tuesday Circle", organization=organization)
        self.assertContains(self.client.get("/groups/?near=78701"), "Tuesday Circle")
        self.assertContains(self.client.get("/groups/tuesday-circle-austin/"), "Eastside Library")
        self.client.force_login(make_affiliate(organization))
        change = group_post(
            name="Tuesday Evening Circle", venue="Westside Library", city="Austin", region="TX",
            postal_code="78701", **{"form-0-days": ["tue"], "form-0-start_time": "19:00"},
        )  # fmt: skip
        self.client.post(f"/partners/groups/{group.pk}/edit/", change)
        self.client.force_login(make_curator())

        self.client.post(
            f"/admin/partners/submission/{group.submissions.get().pk}/decide/",
            {"decision": "approve"},
        )

        self.assertContains(self.client.get("/groups/?near=78701"), "Tuesday Evening Circle")
        self.assertContains(self.client.get("/groups/tuesday-circle-austin/"), "Westside Library")

    def test_an_organization_renamed_shows_at_once(self):
        organization = make_organization("Riverbend Peer Network")
        make_group("Tuesday Circle", organization=organization)
        self.assertContains(self.client.get("/groups/?near=78701"), "Riverbend Peer Network")
        self.client.force_login(make_curator())
        page = f"/admin/directory/organization/{organization.pk}/change/"
        form = self.client.get(page).context["adminform"].form
        data = {field.name: field.value() or "" for field in form if field.name != "verified"}

        self.client.post(
            page,
            data
            | {"name": "Riverbend Network", "team_changes-TOTAL_FORMS": "0"}
            | {"team_changes-INITIAL_FORMS": "0"},
        )

        self.assertContains(self.client.get("/groups/?near=78701"), "Riverbend Network<")

    def test_groups_archived_by_a_curator_leave_at_once(self):
        group = make_group("Tuesday Circle")
        self.assertContains(self.client.get("/groups/?near=78701"), "Tuesday Circle")
        self.client.force_login(make_curator())

        self.client.post(
            "/admin/directory/group/",
            {"action": "archive", "_selected_action": [group.pk]},
        )

        group.refresh_from_db()
        self.assertEqual(group.status, Group.Status.ARCHIVED)
        self.assertNotContains(self.client.get("/groups/?near=78701"), "Tuesday Circle")
        self.assertEqual(self.client.get("/groups/tuesday-circle-austin/").status_code, 404)

    def test_one_new_version_for_a_transaction_however_much_it_writes(self):
        with mock.patch("directory.pages._new_version") as new_version, transaction.atomic():
            for n in range(3):
                make_group(f"Circle {n}", meeting={"days": "mon,wed"}, focus=["women"])
            new_version.assert_not_called()  # not before the commit

        new_version.assert_called_once_with()

    def test_the_daily_refresh_makes_one_new_version_for_a_chunk_of_groups(self):
        for n in range(3):
            make_group(f"Circle {n}")

        with mock.patch("directory.pages._new_version") as new_version:
            refresh_vetting.call()

        new_version.assert_called_once_with()


class FreshnessTests(KeptPagesTestCase):
    @override_settings(PAGE_CACHE_SECONDS=7 * 24 * 3600)  # kept for a week, but for the day
    def test_the_next_day_shows_what_it_changes(self):
        make_online_group(
            "Evening Circle",
            organization=make_organization("Unchecked Network"),
            meeting=False,  # no meeting to end its pages sooner
            last_verified_on=date(2025, 11, 24),
        )

        # A minute before midnight, two things to ask about (the unchecked organization,
        # no meeting times); two minutes later, it needs confirming too, with nothing
        # written in between.
        for moment, count in (
            (datetime(2026, 11, 24, 23, 59, tzinfo=NEW_YORK), "2 things to ask about"),
            (datetime(2026, 11, 25, 0, 1, tzinfo=NEW_YORK), "3 things to ask about"),
        ):
            with time_machine.travel(moment, tick=False):
                card = self.client.get("/groups/?near=78701")
                page = self.client.get("/groups/evening-circle/")
            with self.subTest(moment=moment):
                self.assertContains(card, count)
                self.assertContains(page, count)

    def test_a_page_is_kept_no_later_than_the_next_meeting_it_shows(self):
        make_group("Tuesday Circle")  # Tuesdays at 7 pm, Austin

        with time_machine.travel(datetime(2026, 11, 24, 18, 59, tzinfo=AUSTIN), tick=False):
            before = self.client.get("/groups/tuesday-circle-austin/")
        with time_machine.travel(datetime(2026, 11, 24, 19, 1, tzinfo=AUSTIN), tick=False):
            after = self.client.get("/groups/tuesday-circle-austin/")

        self.assertContains(before, "Next: Tuesday, November 24")
        self.assertContains(after, "Next: Tuesday, December 1")


@time_machine.travel(TUESDAY_MORNING, tick=False)
class NothingAboutAVisitorTests(KeptPagesTestCase):
    def test_each_visitor_gets_their_own_csrf_token(self):
        make_group("Tuesday Circle")
        first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

        first_page = first.get("/groups/?near=78701")
        with self.assertNumQueries(1):  # kept
            second_page = second.get("/groups/?near=78701")

        self.assertNotEqual(token_in(first_page), token_in(second_page))
        # The only token is the language switch's, drawn for each request: none is kept.
        self.assertEqual(second_page.content.decode().count("csrfmiddlewaretoken"), 1)
        # The language switch works for the second visitor with the token of their page.
        switched = second.post(
            "/i18n/setlang/",
            {"language": "es", "next": "/groups/?near=78701",
             "csrfmiddlewaretoken": token_in(second_page)},
        )  # fmt: skip
        self.assertEqual(switched.status_code, 302)
        self.assertContains(second.get("/groups/?near=78701"), "Encuentra un grupo de apoyo")

    def test_a_message_is_shown_to_its_visitor_once_and_never_kept(self):
        make_group("Tuesday Circle")
        self.client.get("/groups/tuesday-circle-austin/")  # kept

        sent = self.client.post(
            "/groups/tuesday-circle-austin/report/",
            {"kind": "wrong_time_or_place", "details": "It moved to Wednesdays."},
            follow=True,
        )
        again = self.client.get("/groups/tuesday-circle-austin/")
        someone_else = Client().get("/groups/tuesday-circle-austin/")

        self.assertContains(sent, "Thank you for telling us.")
        self.assertNotContains(again, "Thank you for telling us.")
        self.assertNotContains(someone_else, "Thank you for telling us.")

    def test_a_partners_page_keeps_nothing_of_them(self):
        make_group("Tuesday Circle")
        partner = User.objects.create_user("ana@example.org", "ana@example.org", "x" * 16)
        self.client.force_login(partner)

        for url in ("/groups/?near=78701", "/groups/tuesday-circle-austin/"):
            with self.subTest(url=url):
                self.client.get(url)  # drawn for the partner, then kept
                kept = Client().get(url)
                caches["pages"].clear()
                drawn = Client().get(url)  # drawn for a visitor

                self.assertEqual(without_token(kept), without_token(drawn))

    def test_a_post_neither_uses_nor_leaves_a_kept_page(self):
        make_group("Tuesday Circle")

        with self.assertNumQueries(4):  # the version is not read: drawn, as it is
            self.client.post("/groups/?near=78701")
        with self.assertNumQueries(5):  # nothing was kept: the version, then drawn
            self.client.get("/groups/?near=78701")


# Redis as on a production server (REDIS_URL): a database of its own, emptied by the test.
ON_REDIS = settings.CACHES | {
    "default": {
        "BACKEND": "groupfinder.caching.SharedRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    }
}


@override_settings(CACHES=ON_REDIS)
class OnRedisTests(CommittedWritesTestCase):
    def test_the_version_lives_in_redis_and_one_client_asks_it(self):
        cache.clear()
        make_group("Tuesday Circle")
        redis_init = redis.Redis.__init__

        with mock.patch.object(
            redis.Redis, "__init__", autospec=True, side_effect=redis_init
        ) as new_client:
            first = self.client.get("/groups/tuesday-circle-austin/")
            kept = Client().get("/groups/tuesday-circle-austin/")
            Group.objects.update(name="Tuesday Evening Circle")
            pages.directory_changed()  # committed at once: no transaction around a test
            changed = Client().get("/groups/tuesday-circle-austin/")

        self.assertEqual(without_token(kept), without_token(first))
        self.assertContains(changed, "Tuesday Evening Circle")
        self.assertEqual(len(cache.get(pages.VERSION_KEY)), 16)
        self.assertLessEqual(new_client.call_count, 1)  # none when an earlier test made it


class KeptCountTests(CommittedWritesTestCase):
    def test_the_apis_count_of_listed_groups_is_kept_until_a_listing_changes(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        make_group("Tuesday Circle")
        make_online_group("Online Circle")

        def total():
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get("/api/hsds/services")
            counted = sum('COUNT(*) AS "__count"' in q["sql"] for q in queries)
            return response.json()["total_items"], counted

        self.assertEqual(total(), (2, 1))  # counted once…
        self.assertEqual(total(), (2, 0))  # …then kept
        make_group("Thursday Circle", meeting={"days": "thu"})  # committed: a new version
        self.assertEqual(total(), (3, 1))
        Group.objects.filter(name="Thursday Circle").update(status=Group.Status.ARCHIVED)
        pages.directory_changed()  # as every write path says so
        self.assertEqual(total(), (2, 1))
