"""The search at /groups/, over HTTP: every filter, place and distance, bad input, paging."""

import html
import re
from datetime import date, datetime, time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from geopy.distance import great_circle

from directory.models import Group
from groupfinder import errors
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

    def test_result_links_carry_the_search_to_the_group_page(self):
        make_group("Local Circle")

        response = self.search(near="78701", radius="10")

        self.assertContains(
            response, 'href="/groups/local-circle-austin/?near=78701&amp;radius=10"'
        )


class AttendanceTests(SearchTestCase):
    """Near a place, "in person" lists groups to walk into, "online" groups to join from
    the visitor's state, and neither (or both) the nearby groups, then the online ones."""

    def setUp(self):
        # Just inside and just outside the 25 miles, in person and hybrid.
        for name, miles, bearing, attendance in [
            ("Inside Circle", 24.8, 0, Group.Attendance.IN_PERSON),
            ("Inside Hybrid", 24.9, 90, Group.Attendance.HYBRID),
            ("Outside Circle", 25.1, 180, Group.Attendance.IN_PERSON),
            ("Outside Hybrid", 25.1, 270, Group.Attendance.HYBRID),
        ]:
            latitude, longitude = point_at(AUSTIN_78701, miles, bearing)
            make_group(name, attendance=attendance, latitude=latitude, longitude=longitude,
                       serves_regions="TX")  # fmt: skip
        make_group("Denver Hybrid", attendance=Group.Attendance.HYBRID, city="Denver",
                   region="CO", postal_code="80202", latitude=DENVER_80202[0],
                   longitude=DENVER_80202[1], serves_regions="CO")  # fmt: skip
        make_online_group("Anywhere Online")
        make_online_group("Texas Online", serves_regions="TX,OK")
        make_online_group("Colorado Online", serves_regions="CO")

    def test_in_person_lists_only_groups_within_the_radius(self):
        response = self.search(near="78701", attendance="in_person")

        self.assertEqual(result_slugs(response), ["inside-circle-austin", "inside-hybrid-austin"])
        self.assertContains(response, "2 groups meet in person within 25 miles of Austin, TX")
        self.assertNotContains(response, "online</h2>")
        self.assertContains(response, "24.8 miles away")

    def test_online_lists_online_and_hybrid_groups_at_any_distance_open_to_the_state(self):
        texas = self.search(near="78701", attendance="online")
        colorado = self.search(near="Denver, CO", attendance="online")

        self.assertEqual(
            result_slugs(texas),
            ["anywhere-online", "inside-hybrid-austin", "outside-hybrid-austin", "texas-online"],
        )
        self.assertContains(texas, "4 groups you can join online from Texas")
        self.assertNotContains(texas, "miles away")
        self.assertEqual(
            result_slugs(colorado),
            ["anywhere-online", "colorado-online", "denver-hybrid-denver"],
        )
        self.assertContains(colorado, "3 groups you can join online from Colorado")

    def test_neither_or_both_list_nearby_groups_then_online_ones(self):
        expected = ["inside-circle-austin", "inside-hybrid-austin",
                    "anywhere-online", "outside-hybrid-austin", "texas-online"]  # fmt: skip
        neither = self.search(near="78701")
        both = self.client.get("/groups/?near=78701&attendance=in_person&attendance=online")

        for response in (neither, both):
            self.assertEqual(result_slugs(response), expected)
            self.assertContains(response, "2 groups within 25 miles of Austin, TX")
            self.assertContains(response, ", then 3 online")

    def test_outside_the_us_online_groups_open_to_anyone(self):
        response = self.search(near="51.5072,-0.1276", attendance="online")  # London

        self.assertEqual(result_slugs(response), ["anywhere-online"])
        self.assertContains(response, "1 group anyone can join online")

    def test_without_a_place_hybrid_groups_answer_both(self):
        in_person = self.search(attendance="in_person")
        online = self.search(attendance="online")

        self.assertEqual(len(result_slugs(in_person)), 5)
        self.assertIn("denver-hybrid-denver", result_slugs(in_person))
        self.assertEqual(len(result_slugs(online)), 6)
        self.assertContains(online, "6 groups")

    @override_settings(SEARCH_ONLINE_LIMIT=2)
    def test_online_past_the_limit_says_more_than(self):
        response = self.search(near="78701", attendance="online")

        self.assertEqual(len(result_slugs(response)), 2)
        self.assertContains(
            response, "More than 2 groups you can join online from Texas: add a filter"
        )


class CardTests(SearchTestCase):
    def test_a_card_names_the_languages_of_a_group_not_only_in_english(self):
        make_group("Circulo de Apoyo", languages="es,en")
        make_group("English Circle")

        response = self.search(near="78701")

        self.assertContains(response, '<p class="languages">In Spanish, English</p>', html=True)
        self.assertContains(response, '<p class="languages">', count=1)


class FilterFormTests(SearchTestCase):
    def test_the_filters_are_folded_away_with_a_count_of_those_chosen(self):
        response = self.client.get("/groups/?near=78701&format=support&format=process&cost=free")

        self.assertContains(response, '<details class="filters">')  # closed: results first
        self.assertContains(response, "<summary>Filters (3 chosen)</summary>", html=False)
        self.assertContains(response, 'name="format" value="process" checked')

    def test_without_filters_the_summary_says_filters(self):
        response = self.search(near="78701")

        self.assertContains(response, '<details class="filters">')
        self.assertContains(response, "<summary>Filters</summary>", html=False)

    def test_keywords_and_the_vetted_checkbox_count_a_value_repeated_counts_once(self):
        response = self.client.get("/groups/?q=anxiety&vetted=1&day=tue&day=tue&q=")

        self.assertContains(response, "<summary>Filters (2 chosen)</summary>", html=False)

    def test_a_problem_in_a_filter_opens_them_so_that_it_is_seen(self):
        for params in ["format=therapy", "near=78701&radius=500", "q=" + "word " * 50]:
            with self.subTest(params=params):
                response = self.client.get(f"/groups/?{params}")
                self.assertContains(response, "Please check your search")
                self.assertContains(response, '<details class="filters" open>')

    def test_a_problem_with_the_place_alone_leaves_them_folded(self):
        response = self.client.get("/groups/?near=zzzz&format=support")

        self.assertContains(response, "Please check your search")
        self.assertContains(response, '<details class="filters">')


CHIP = re.compile(
    r'<a class="chip" href="(?P<url>[^"]*)" aria-label="(?P<name>[^"]*)">(?P<label>[^<]*)'
)


def chips(response):
    """(accessible name, url) of each chip above the results."""
    return [
        (html.unescape(match["name"]), html.unescape(match["url"]))
        for match in CHIP.finditer(response.content.decode())
    ]


class ChipTests(SearchTestCase):
    def setUp(self):
        make_group("Support Circle", format=Group.Format.SUPPORT)
        make_group("Process Group", format=Group.Format.PROCESS)
        make_group("Skills Course", format=Group.Format.PSYCHOEDUCATIONAL)

    def test_each_chosen_filter_is_a_link_to_the_search_without_that_one_value(self):
        response = self.client.get(
            "/groups/?near=78701&radius=10&format=support&format=process&cost=free&day=tue"
        )

        self.assertEqual(
            chips(response),
            [
                (
                    "Remove filter: Peer support group",
                    "/groups/?near=78701&radius=10&format=process&cost=free&day=tue",
                ),
                (
                    "Remove filter: Process group",
                    "/groups/?near=78701&radius=10&format=support&cost=free&day=tue",
                ),
                (
                    "Remove filter: Tuesday",
                    "/groups/?near=78701&radius=10&format=support&format=process&cost=free",
                ),
                (
                    "Remove filter: Free",
                    "/groups/?near=78701&radius=10&format=support&format=process&day=tue",
                ),
            ],
        )
        self.assertContains(
            response,
            '<a class="clear-filters" href="/groups/?near=78701&amp;radius=10">'
            "Clear all filters</a>",
        )

    def test_following_a_chip_removes_exactly_that_value(self):
        narrow = self.client.get("/groups/?near=78701&format=support&format=process&cost=free")
        self.assertEqual(result_slugs(narrow), ["process-group-austin", "support-circle-austin"])

        without_process = self.client.get(dict(chips(narrow))["Remove filter: Process group"])

        self.assertEqual(result_slugs(without_process), ["support-circle-austin"])
        self.assertEqual(
            [name for name, url in chips(without_process)],
            ["Remove filter: Peer support group", "Remove filter: Free"],
        )
        self.assertContains(without_process, "1 group within 25 miles of Austin, TX 78701")

    def test_a_chip_goes_back_to_the_first_page(self):
        for n in range(25):
            make_group(f"Circle {n:02d}")

        response = self.client.get("/groups/?format=support&page=2&cost=free")

        self.assertEqual(len(result_slugs(response)), 6)  # the second page
        self.assertEqual(
            chips(response),
            [
                ("Remove filter: Peer support group", "/groups/?cost=free"),
                ("Remove filter: Free", "/groups/?format=support"),
            ],
        )

    def test_keywords_the_vetted_checkbox_focus_and_any_language(self):
        response = self.client.get(
            "/groups/?q=+circle+&vetted=1&focus=women&language=de&attendance=in_person"
        )

        self.assertEqual(
            [name for name, url in chips(response)],
            [
                "Remove filter: Keywords: circle",
                "Remove filter: In person",
                "Remove filter: Women",
                "Remove filter: German",
                "Remove filter: Only groups with nothing flagged in our checks",
            ],
        )
        self.assertEqual(
            dict(chips(response))["Remove filter: Keywords: circle"],
            "/groups/?vetted=1&focus=women&language=de&attendance=in_person",
        )
        self.assertContains(response, 'class="clear-filters" href="/groups/"')

    def test_one_chip_needs_no_clear_all_and_none_shows_no_list(self):
        one = self.search(near="78701", format="support")
        none = self.search(near="78701")

        self.assertEqual(chips(one), [("Remove filter: Peer support group", "/groups/?near=78701")])
        self.assertNotContains(one, "Clear all filters")
        self.assertNotContains(none, 'class="chips"')

    def test_a_search_with_a_problem_shows_no_chips(self):
        response = self.search(near="zzzz", format="support")

        self.assertEqual(chips(response), [])

    def test_chips_speak_the_visitors_language(self):
        self.client.post("/i18n/setlang/", {"language": "es", "next": "/"})

        response = self.client.get("/groups/?format=support&day=tue&language=es")

        labels = [match["label"] for match in CHIP.finditer(response.content.decode())]
        self.assertEqual(labels, ["Grupo de apoyo entre pares", "Martes", "Español"])


class EmptyStateTests(SearchTestCase):
    def test_no_results_suggests_a_wider_search_and_online_groups(self):
        make_group("Local Circle")  # in Austin, far from Anchorage

        response = self.search(near="99501", format="process")

        self.assertContains(response, "No groups match this search yet.")
        self.assertContains(
            response, 'href="?near=99501&amp;format=process&amp;radius=100"', html=False
        )
        self.assertContains(response, 'href="?near=99501&amp;attendance=online"')
        self.assertEqual(result_slugs(response), [])

    def test_nothing_in_person_nearby_offers_a_wider_search_and_online_groups(self):
        make_online_group("Online Circle")

        response = self.search(near="99501", attendance="in_person")

        self.assertContains(response, "0 groups meet in person within 25 miles of Anchorage, AK")
        self.assertContains(response, "No groups match this search yet.")
        self.assertContains(response, 'href="?near=99501&amp;attendance=in_person&amp;radius=100"')
        self.assertContains(response, 'href="?near=99501&amp;attendance=online"')
        self.assertNotContains(self.search(near="99501", radius="100", attendance="in_person"),
                               "Look farther away")  # fmt: skip

    def test_nothing_online_offers_groups_in_person_and_no_distance(self):
        make_group("Local Circle")
        make_online_group("Texas Online", serves_regions="TX")

        response = self.search(near="99501", attendance="online")

        self.assertContains(response, "0 groups you can join online from Alaska")
        self.assertContains(response, 'href="?near=99501&amp;attendance=in_person"')
        self.assertNotContains(response, "Look farther away")
        self.assertNotContains(response, "See groups that meet online")

    def test_online_results_do_not_say_nothing_meets_in_person(self):
        make_online_group("Online Circle")

        response = self.search(near="99501", attendance="online")

        self.assertEqual(result_slugs(response), ["online-circle"])
        self.assertNotContains(response, "No group meets in person")

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

    def test_search_near_a_place_in_person_or_online(self):
        self.make_groups(0, 30)
        # Focus vocabulary, the one part counted, a page of it, its meeting times.
        for attendance in ("in_person", "online"):
            with self.subTest(attendance=attendance), self.assertNumQueries(4):
                self.search(near="78701", focus="women", attendance=attendance, page="2")

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

        self.assertContains(response, "Tuesdays, 7–8:30 pm (Central time)")


class BoundedWorkTests(SearchTestCase):
    """Whatever its URL, a search does a small, bounded amount of work."""

    def worst_url(self, **extra):
        """Every multiple-choice parameter repeated far past its number of choices, in a URL
        just under the longest request line the site reads (longer ones answer 414)."""
        params = [
            *[("day", day) for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] * 18],
            *[("time", part) for part in ["morning", "afternoon", "evening"] * 25],
            *[("format", value) for value in Group.Format.values * 3],
            *[("attendance", value) for value in ["in_person", "online"] * 5],
            *[("membership", value) for value in Group.Membership.values * 5],
            *[("leader", value) for value in Group.LeaderType.values * 5],
            *[("cost", value) for value in Group.Cost.values * 5],
            *[("focus", value) for value in ["women", "men", "parents"] * 5],
            *[("language", value) for value in ["en", "es", "vi"] * 5],
            *extra.items(),
        ]
        url = "/groups/?" + urlencode(params)
        assert len(url) < errors.MAX_REQUEST_LINE - len("GET  HTTP/1.1"), len(url)
        return url

    def test_repeated_choices_count_once_in_the_query(self):
        make_group("Tuesday Circle", focus=["women"])
        make_online_group("Online Circle", focus=["women"], meeting={"days": "sat"})
        make_group("Sunday Circle", focus=["men"], meeting={"days": "sun"}, format="process")
        for extra in ({}, {"near": "78701"}):
            with self.subTest(**extra), CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.worst_url(**extra))

                self.assertEqual(response.status_code, 200)
                # The filters still mean what they say.
                self.assertEqual(
                    sorted(result_slugs(response)),
                    ["online-circle", "sunday-circle-austin", "tuesday-circle-austin"],
                )
                sql = [query["sql"] for query in queries]
                # One condition per day and time of day (7 × 3), in each part of the search.
                self.assertLessEqual(max(text.count("meeting_slots") for text in sql), 2 * 21)
                self.assertLess(max(len(text) for text in sql), 16 * 1024)
                self.assertLess(sum(len(text) for text in sql), 32 * 1024)
