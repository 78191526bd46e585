"""The search at /groups/, over HTTP: every filter, place and distance, bad input, paging."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase, override_settings
from geopy.distance import great_circle

from directory.models import Group
from tests.factories import AUSTIN_78701, DENVER_80202, make_group, make_online_group

NOON_NOVEMBER_24 = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))
RESULT_LINK = re.compile(r'<h3><a href="/groups/(?P<slug>[a-z0-9-]+)/(?P<query>\?[^"]*)?">')


def result_slugs(response):
    return [match["slug"] for match in RESULT_LINK.finditer(response.content.decode())]


def point_at(origin, miles, bearing):
    """The point `miles` from `origin` towards `bearing` (degrees), by geopy."""
    destination = great_circle(miles=miles).destination(origin, bearing)
    return destination.latitude, destination.longitude


class SearchTestCase(TestCase):
    def search(self, **params):
        response = self.client.get("/groups/", params)
        self.assertEqual(response.status_code, 200)
        return response


class FilterTests(SearchTestCase):
    def test_without_parameters_lists_every_listed_group_by_name(self):
        make_group("Zinnia Circle")
        make_online_group("Aster Online")
        make_group("Draft Circle", status=Group.Status.DRAFT)

        response = self.search()

        self.assertEqual(result_slugs(response), ["aster-online", "zinnia-circle-austin"])
        self.assertContains(response, "2 groups")

    def test_format_takes_repeated_parameters(self):
        make_group("Support Circle", format=Group.Format.SUPPORT)
        make_group("Process Group", format=Group.Format.PROCESS)
        make_group("Skills Course", format=Group.Format.PSYCHOEDUCATIONAL)

        one = self.search(format="process")
        both = self.client.get("/groups/?format=support&format=process")

        self.assertEqual(result_slugs(one), ["process-group-austin"])
        self.assertEqual(result_slugs(both), ["process-group-austin", "support-circle-austin"])

    def test_attendance_in_person_and_online_both_match_hybrid_groups(self):
        make_group("In Person Circle")
        make_online_group("Online Circle")
        make_group("Hybrid Circle", attendance=Group.Attendance.HYBRID)

        in_person = self.search(attendance="in_person")
        online = self.search(attendance="online")

        self.assertEqual(
            result_slugs(in_person), ["hybrid-circle-austin", "in-person-circle-austin"]
        )
        self.assertEqual(result_slugs(online), ["hybrid-circle-austin", "online-circle"])

    def test_membership_leader_and_cost(self):
        make_group(
            "Closed Course",
            membership=Group.Membership.CLOSED,
            starts_on=date(2030, 1, 6),
            ends_on=date(2030, 3, 1),
            leader_type=Group.LeaderType.PROFESSIONAL,
            cost=Group.Cost.FEE,
            fee_per_session=40,
        )
        make_group("Open Circle")

        self.assertEqual(result_slugs(self.search(membership="closed")), ["closed-course-austin"])
        self.assertEqual(result_slugs(self.search(membership="open")), ["open-circle-austin"])
        self.assertEqual(result_slugs(self.search(leader="professional")), ["closed-course-austin"])
        self.assertEqual(result_slugs(self.search(leader="peer")), ["open-circle-austin"])
        self.assertEqual(result_slugs(self.search(cost="free")), ["open-circle-austin"])
        self.assertEqual(result_slugs(self.search(cost="fee")), ["closed-course-austin"])

    def test_focus_matches_whole_codes(self):
        make_group("Women's Circle", focus=["women"])
        make_group("Men's Circle", focus=["men"])
        make_group("New Parents", focus=["perinatal", "parents"])

        self.assertEqual(result_slugs(self.search(focus="men")), ["mens-circle-austin"])
        self.assertEqual(result_slugs(self.search(focus="women")), ["womens-circle-austin"])
        self.assertEqual(
            result_slugs(self.client.get("/groups/?focus=parents&focus=men")),
            ["mens-circle-austin", "new-parents-austin"],
        )

    def test_language(self):
        make_group("English Circle", languages="en")
        make_group("Bilingual Circle", languages="en,es")
        make_group("Grupo de Apoyo", languages="es")

        self.assertEqual(
            result_slugs(self.search(language="es")),
            ["bilingual-circle-austin", "grupo-de-apoyo-austin"],
        )
        # Any ISO 639-1 code is accepted, not only the ones the form offers.
        self.assertEqual(result_slugs(self.search(language="sw")), [])
        self.assertNotContains(self.search(language="sw"), "not a language")

    def test_day_and_time_are_read_in_the_groups_own_timezone(self):
        # 18:30 in Los Angeles is evening there, whatever the server's clock says.
        make_group(
            "Pacific Evening",
            meeting={"days": "tue", "start_time": time(18, 30), "timezone": "America/Los_Angeles"},
        )
        make_group("Morning Circle", meeting={"days": "mon,thu", "start_time": time(9)})

        self.assertEqual(result_slugs(self.search(time="evening")), ["pacific-evening-austin"])
        self.assertEqual(result_slugs(self.search(time="morning")), ["morning-circle-austin"])
        self.assertEqual(result_slugs(self.search(day="thu")), ["morning-circle-austin"])
        self.assertEqual(result_slugs(self.search(day="wed")), [])

    def test_day_and_time_must_match_the_same_meeting(self):
        group = make_group("Two Meetings", meeting={"days": "tue", "start_time": time(10)})
        group.meeting_times.create(days="thu", start_time=time(19), timezone="America/Chicago")
        group.refresh_summary()

        self.assertEqual(
            result_slugs(self.search(day="tue", time="morning")), ["two-meetings-austin"]
        )
        self.assertEqual(
            result_slugs(self.search(day="thu", time="evening")), ["two-meetings-austin"]
        )
        self.assertEqual(result_slugs(self.search(day="tue", time="evening")), [])

    def test_keywords_search_name_description_and_organization(self):
        make_group("Tuesday Circle", description="We practise mindfulness together.")
        make_group("Riverside Group", description="Sharing and listening.")

        self.assertEqual(result_slugs(self.search(q="MINDFUL")), ["tuesday-circle-austin"])
        self.assertEqual(result_slugs(self.search(q="riverside")), ["riverside-group-austin"])
        self.assertEqual(len(result_slugs(self.search(q="Riverbend Peer"))), 2)  # the organization
        self.assertEqual(result_slugs(self.search(q="mindfulness riverside")), [])

    def test_filters_combine(self):
        make_group("Target", format=Group.Format.SUPPORT, focus=["women"], languages="es")
        make_group("Wrong Format", format=Group.Format.PROCESS, focus=["women"], languages="es")
        make_group("Wrong Language", format=Group.Format.SUPPORT, focus=["women"])

        response = self.search(format="support", focus="women", language="es", near="78701")

        self.assertEqual(result_slugs(response), ["target-austin"])


class ListedTests(SearchTestCase):
    @time_machine.travel(NOON_NOVEMBER_24, tick=False)
    def test_an_ended_closed_group_is_not_listed_but_a_current_one_is(self):
        make_group(
            "Ended Course",
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 11, 23),
        )
        make_group(
            "Last Week Course",
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 11, 24),
        )

        self.assertEqual(result_slugs(self.search()), ["last-week-course-austin"])
        self.assertEqual(result_slugs(self.search(near="78701")), ["last-week-course-austin"])
        self.assertEqual(self.client.get("/groups/ended-course-austin/").status_code, 404)

    def test_only_published_groups_are_listed(self):
        for status in Group.Status.values:
            make_group(f"{status} circle", status=status)

        self.assertEqual(result_slugs(self.search()), ["published-circle-austin"])
        self.assertEqual(result_slugs(self.search(near="78701")), ["published-circle-austin"])


class PlaceTests(SearchTestCase):
    def test_nearby_groups_come_nearest_first_with_the_distance_geopy_computes(self):
        for name, miles in [("Far", 20), ("Near", 2), ("Middle", 9)]:
            latitude, longitude = point_at(AUSTIN_78701, miles, bearing=70)
            make_group(name, latitude=latitude, longitude=longitude)

        response = self.search(near="78701")

        self.assertEqual(result_slugs(response), ["near-austin", "middle-austin", "far-austin"])
        for miles in (2, 9, 20):
            self.assertContains(response, f"{miles:.1f} miles away")

    def test_a_group_at_the_searched_place_is_less_than_a_tenth_of_a_mile_away(self):
        make_group("Downtown Circle", latitude=AUSTIN_78701[0], longitude=AUSTIN_78701[1])

        response = self.search(near="78701")

        self.assertContains(response, "less than 0.1 miles away")
        self.assertNotContains(response, "0.0 miles")

    def test_order_matches_an_independent_distance_computation(self):
        origin = (30.2672, -97.7431)  # the browser's position in Austin
        spots = [point_at(AUSTIN_78701, miles, bearing) for miles, bearing in
                 [(3, 10), (3.2, 200), (7, 90), (11, 300), (15, 45), (18.5, 180)]]  # fmt: skip
        for n, (latitude, longitude) in enumerate(spots):
            make_group(f"Spot {n}", latitude=latitude, longitude=longitude)

        response = self.search(near=f"{origin[0]},{origin[1]}")

        expected = sorted(range(len(spots)), key=lambda n: great_circle(origin, spots[n]).miles)
        self.assertEqual(result_slugs(response), [f"spot-{n}-austin" for n in expected])

    def test_the_radius_is_inclusive_up_to_its_edge(self):
        inside = point_at(AUSTIN_78701, 24.9, bearing=0)
        outside = point_at(AUSTIN_78701, 25.1, bearing=0)
        far_east = point_at(AUSTIN_78701, 24.9, bearing=90)
        make_group("Inside", latitude=inside[0], longitude=inside[1])
        make_group("Outside", latitude=outside[0], longitude=outside[1])
        make_group("East Edge", latitude=far_east[0], longitude=far_east[1])

        default = self.search(near="78701")
        wider = self.search(near="78701", radius="26")
        narrower = self.search(near="78701", radius="10")

        self.assertEqual(sorted(result_slugs(default)), ["east-edge-austin", "inside-austin"])
        self.assertEqual(len(result_slugs(wider)), 3)
        self.assertEqual(result_slugs(narrower), [])
        # The form shows the distance each search used, the default included.
        self.assertContains(default, 'name="radius" value="25"')
        self.assertContains(narrower, 'name="radius" value="10"')

    def test_city_and_state_and_coordinates_find_the_same_groups(self):
        make_group("Denver Circle", city="Denver", region="CO", postal_code="80202",
                   latitude=DENVER_80202[0], longitude=DENVER_80202[1])  # fmt: skip
        make_group("Austin Circle")

        for near in ("Denver, CO", "denver co", "80202", f"{DENVER_80202[0]},{DENVER_80202[1]}"):
            with self.subTest(near=near):
                self.assertEqual(result_slugs(self.search(near=near)), ["denver-circle-denver"])

    def test_online_groups_follow_the_nearby_ones_when_they_accept_the_visitors_state(self):
        make_group("Local Circle")
        make_online_group("Anywhere Online")
        make_online_group("Texas Online", serves_regions="TX,OK")
        make_online_group("Colorado Online", serves_regions="CO")

        texas = self.search(near="78701")
        colorado = self.search(near="Denver, CO")

        self.assertEqual(
            result_slugs(texas), ["local-circle-austin", "anywhere-online", "texas-online"]
        )
        self.assertEqual(result_slugs(colorado), ["anywhere-online", "colorado-online"])

    def test_a_point_outside_the_us_sees_only_groups_open_to_anyone(self):
        make_online_group("Anywhere Online")
        make_online_group("Texas Online", serves_regions="TX")

        response = self.search(near="51.5072,-0.1276")  # London

        self.assertEqual(result_slugs(response), ["anywhere-online"])

    def test_hybrid_groups_are_nearby_within_the_radius_and_online_beyond_it(self):
        near = point_at(AUSTIN_78701, 5, bearing=0)
        far = point_at(AUSTIN_78701, 80, bearing=0)
        make_group("Near Hybrid", attendance=Group.Attendance.HYBRID, latitude=near[0],
                   longitude=near[1])  # fmt: skip
        make_group("Far Hybrid", attendance=Group.Attendance.HYBRID, latitude=far[0],
                   longitude=far[1], serves_regions="TX")  # fmt: skip
        make_group("Far In Person", latitude=far[0], longitude=far[1])
        make_online_group("Aaa Online")

        response = self.search(near="78701")

        # Nearby first (with a distance), then online by name, each group once.
        self.assertEqual(
            result_slugs(response), ["near-hybrid-austin", "aaa-online", "far-hybrid-austin"]
        )
        self.assertContains(response, "5.0 miles away")
        self.assertNotContains(response, "80.0 miles away")

    def test_attendance_filters_apply_to_both_parts(self):
        make_group("Local Circle")
        make_group("Local Hybrid", attendance=Group.Attendance.HYBRID)
        make_online_group("Online Circle")

        in_person = self.search(near="78701", attendance="in_person")
        online = self.search(near="78701", attendance="online")

        self.assertEqual(result_slugs(in_person), ["local-circle-austin", "local-hybrid-austin"])
        self.assertEqual(result_slugs(online), ["local-hybrid-austin", "online-circle"])

    def test_result_links_carry_the_search_to_the_group_page(self):
        make_group("Local Circle")

        response = self.search(near="78701", radius="10")

        self.assertContains(
            response, 'href="/groups/local-circle-austin/?near=78701&amp;radius=10"'
        )


class CardTests(SearchTestCase):
    def test_a_card_names_the_languages_of_a_group_not_only_in_english(self):
        make_group("Circulo de Apoyo", languages="es,en")
        make_group("English Circle")

        response = self.search(near="78701")

        self.assertContains(response, '<p class="languages">In Spanish, English</p>', html=True)
        self.assertContains(response, '<p class="languages">', count=1)


class FilterFormTests(SearchTestCase):
    def test_chosen_filters_stay_open_and_are_counted(self):
        response = self.client.get("/groups/?near=78701&format=support&format=process&cost=free")

        self.assertContains(response, '<details class="filters" open>')
        self.assertContains(response, "What matters to you (3 chosen)")
        self.assertContains(response, 'name="format" value="process" checked')

    def test_without_filters_they_fold_away_on_a_phone(self):
        response = self.search(near="78701")

        self.assertContains(response, '<details class="filters">')
        self.assertContains(response, "<summary>What matters to you</summary>")


class EmptyStateTests(SearchTestCase):
    def test_no_results_suggests_a_wider_search_and_online_groups(self):
        make_group("Local Circle")  # in Austin, far from Anchorage

        response = self.search(near="99501", format="process")

        self.assertContains(response, "No groups match this search yet.")
        self.assertContains(
            response, 'href="?near=99501&amp;format=process&amp;radius=100"', html=False
        )
        self.assertContains(response, 'href="?attendance=online"')
        self.assertEqual(result_slugs(response), [])

    def test_only_online_results_say_nothing_meets_nearby_and_offer_a_wider_radius(self):
        make_online_group("Online Circle")

        response = self.search(near="99501")

        self.assertEqual(result_slugs(response), ["online-circle"])
        self.assertContains(response, "No group meets in person within 25 miles.")
        self.assertContains(response, 'href="?near=99501&amp;radius=100"')
        self.assertNotContains(self.search(near="99501", radius="100"), "No group meets in person")


class BadInputTests(SearchTestCase):
    def assertProblem(self, response, message):
        self.assertContains(response, message, html=False)
        self.assertContains(response, "Please check your search")
        self.assertEqual(result_slugs(response), [])

    def setUp(self):
        make_group("Local Circle")

    def test_an_unknown_place(self):
        response = self.search(near="zzzz")

        self.assertProblem(response, "We couldn&#x27;t find “zzzz”. Try a ZIP code or “City, ST”.")
        self.assertContains(response, 'value="zzzz"')  # what they typed is kept

    def test_an_unknown_zip_code_and_impossible_coordinates(self):
        self.assertProblem(self.search(near="00000"), "We couldn&#x27;t find “00000”")
        self.assertProblem(self.search(near="95.0,10.0"), "We couldn&#x27;t find “95.0,10.0”")

    def test_a_radius_that_is_not_a_number_or_out_of_range(self):
        self.assertProblem(self.search(near="78701", radius="abc"), "a whole number of miles")
        self.assertProblem(self.search(near="78701", radius="0"), "at least 1 mile")
        self.assertProblem(self.search(near="78701", radius="101"), "at most 100 miles")
        self.assertProblem(self.search(near="78701", radius="2.5"), "a whole number of miles")

    def test_unknown_choices(self):
        self.assertProblem(
            self.search(format="therapy"), "“therapy” is not a kind of group we know"
        )
        self.assertProblem(self.search(day="funday"), "“funday” is not a day we know")
        self.assertProblem(self.search(time="night"), "“night” is not a time of day we know")
        self.assertProblem(self.search(attendance="phone"), "“phone” is not a way of meeting")
        self.assertProblem(self.search(focus="teens"), "“teens” is not a focus we know")
        self.assertProblem(self.search(language="xx"), "“xx” is not a language code we know")

    def test_absurdly_long_input(self):
        # As long as a request line may be: longer ones get the 414 page (test_service.py).
        self.assertProblem(self.search(near="7" * 4000), "That place is too long to look up")
        self.assertProblem(self.search(q="word " * 600), "at most 200 characters")

    def test_a_page_past_the_end_or_not_a_number(self):
        past = self.search(page="9")
        not_a_number = self.search(page="two")
        huge = self.search(page="9" * 4000)  # about the longest a request line may hold

        self.assertContains(past, "There is no page 9: these results have 1 page.")
        self.assertContains(not_a_number, "That page number is not a number.")
        self.assertContains(huge, "There is no page 9999")
        for response in (past, not_a_number, huge):
            self.assertContains(response, 'href="?"')  # back to the first page
            self.assertEqual(result_slugs(response), [])


class PagingTests(SearchTestCase):
    def test_twenty_a_page_with_a_next_link(self):
        for n in range(25):
            make_group(f"Circle {n:02d}")

        first = self.search()
        second = self.client.get("/groups/?page=2")

        self.assertEqual(len(result_slugs(first)), 20)
        self.assertContains(first, '<a rel="next" href="?page=2">')
        self.assertEqual(result_slugs(second), [f"circle-{n:02d}-austin" for n in range(20, 25)])
        self.assertNotContains(second, 'rel="next"')
        self.assertContains(second, '<a rel="prev" href="?page=1">')

    def test_a_place_search_pages_through_nearby_then_online_groups(self):
        for n in range(15):
            latitude, longitude = point_at(AUSTIN_78701, 1 + n, bearing=0)
            make_group(f"Local {n:02d}", latitude=latitude, longitude=longitude)
        for n in range(15):
            make_online_group(f"Online {n:02d}")

        first = self.search(near="78701")
        second = self.search(near="78701", page="2")

        self.assertEqual(
            result_slugs(first),
            [f"local-{n:02d}-austin" for n in range(15)] + [f"online-{n:02d}" for n in range(5)],
        )
        self.assertContains(first, '<a rel="next" href="?near=78701&amp;page=2">')
        self.assertEqual(result_slugs(second), [f"online-{n:02d}" for n in range(5, 15)])
        self.assertContains(first, "15 groups within 25 miles of Austin, TX 78701, then 15 online")

    @override_settings(SEARCH_ONLINE_LIMIT=12)
    def test_online_groups_are_counted_and_listed_up_to_a_limit(self):
        make_group("Local Circle")
        for n in range(30):
            make_online_group(f"Online {n:02d}")

        first = self.search(near="78701")
        last = self.search(near="78701", page="1")
        past = self.search(near="78701", page="2")

        self.assertContains(first, "1 group within 25 miles of Austin, TX 78701, then more than 12")
        self.assertEqual(len(result_slugs(last)), 13)
        self.assertContains(past, "There is no page 2: these results have 1 page.")


class QueryCountTests(SearchTestCase):
    """The page makes the same few queries however many groups it finds."""

    def make_groups(self, start, stop):
        for n in range(start, stop):
            latitude, longitude = point_at(AUSTIN_78701, 0.5 + n / 10, bearing=n * 37)
            make_group(f"Local {n:03d}", latitude=latitude, longitude=longitude, focus=["women"])
            make_online_group(f"Online {n:03d}", serves_regions="TX", focus=["women"])

    def test_search_without_a_place(self):
        self.make_groups(0, 3)
        with self.assertNumQueries(4):  # focus vocabulary, count, page, meeting times
            self.search(format="support", day="tue")
        self.make_groups(3, 40)  # more groups than fit a page
        with self.assertNumQueries(4):
            self.search(format="support", day="tue")

    def test_search_near_a_place(self):
        self.make_groups(0, 3)
        # Focus vocabulary, both parts counted in one query, the nearby part of the
        # page, its online part, and their meeting times.
        with self.assertNumQueries(5):
            self.search(near="78701", focus="women", time="evening")
        self.make_groups(3, 50)
        with self.assertNumQueries(5):
            self.search(near="78701", focus="women", page="3")  # nearby ends, online begins
        with self.assertNumQueries(4):
            self.search(near="78701", focus="women", page="1")  # nearby groups only
        with self.assertNumQueries(4):
            self.search(near="78701", focus="women", page="5")  # online groups only

    def test_bad_input_makes_no_search_query(self):
        self.make_groups(0, 3)
        with self.assertNumQueries(1):  # the focus vocabulary, for the form
            self.search(near="zzzz")


class PageWeightTests(SearchTestCase):
    def test_a_page_of_twenty_results_is_small_and_loads_nothing_from_elsewhere(self):
        for n in range(25):
            make_group(f"A Rather Long Group Name For Weighing Number {n:02d}", focus=["women"])
            make_online_group(f"Online Group With A Long Name {n:02d}", serves_regions="TX")

        response = self.search(near="78701")

        self.assertEqual(len(result_slugs(response)), 20)
        self.assertLess(len(response.content), 40 * 1024)
        html = response.content.decode()
        self.assertEqual(re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', html), [])


class WhenGroupsMeetTests(SearchTestCase):
    @time_machine.travel(NOON_NOVEMBER_24, tick=False)
    def test_results_say_when_each_group_meets(self):
        make_group("Tuesday Circle")

        response = self.search()

        self.assertContains(response, "Tuesdays, 7–8:30 pm Central time")
