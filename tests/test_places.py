"""Places people type at /groups/?near=…, over HTTP: each way of naming a place finds it or
offers what the visitor may have meant, as links that run the same search; and a unit table
of geo.locate() for the edge cases of reading them."""

import re
from html import unescape

from django.test import SimpleTestCase, TestCase

from directory import geo
from tests.factories import DENVER_80202, make_group, make_online_group

SEATTLE = (47.6062, -122.3321)
CHICAGO_60614 = (41.9227, -87.6533)
PHILADELPHIA = (39.9526, -75.1652)
SPRINGFIELD_MA = (42.1015, -72.5898)
SPRINGFIELD_IL = (39.7817, -89.6501)
RESULT_LINK = re.compile(r'<h3><a href="/groups/(?P<slug>[a-z0-9-]+)/')


def result_slugs(response):
    return RESULT_LINK.findall(response.content.decode())


def heading(response):
    match = re.search(r'<h2 id="results-heading">(.*?)</h2>', response.content.decode(), re.S)
    return " ".join(match[1].split()) if match else None


def visible_text(response):
    """The page as a person sees it: text and form values, without tags or link targets."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    inputs = [tag for tag in re.findall(r"<input\b[^>]*>", html) if 'type="hidden"' not in tag]
    values = [value for tag in inputs for value in re.findall(r'\svalue="([^"]*)"', tag)]
    return unescape(" ".join([re.sub(r"<[^>]+>", " ", html), *values]))


def make_group_in(name, city, region, point, **fields):
    return make_group(name, city=city, region=region, postal_code="", latitude=point[0],
                      longitude=point[1], **fields)  # fmt: skip


class PlaceSearchTestCase(TestCase):
    def search(self, near, **params):
        response = self.client.get("/groups/", {"near": near, **params})
        self.assertEqual(response.status_code, 200)
        return response

    def assertFound(self, response, label):
        self.assertIn(f"within 25 miles of {label}", heading(response))
        self.assertNotContains(response, "Please check your search")

    def assertProblem(self, response, message):
        self.assertContains(response, "Please check your search")
        self.assertContains(response, message, html=False)
        self.assertIsNone(heading(response))


class CityWithoutStateTests(PlaceSearchTestCase):
    def test_the_largest_city_of_that_name_with_the_others_one_click_away(self):
        make_group_in("Pioneer Valley Circle", "Springfield", "MA", SPRINGFIELD_MA)
        make_group_in("Capital Circle", "Springfield", "IL", SPRINGFIELD_IL)

        response = self.search("Springfield", format="support")

        self.assertFound(response, "Springfield, MA")
        self.assertEqual(result_slugs(response), ["pioneer-valley-circle-springfield"])
        self.assertContains(response, "Searching near Springfield, MA. Not this one?")
        # Each other Springfield runs the same search, filters kept.
        for other in ("Springfield, IL", "Springfield, MO", "Springfield, OH"):
            self.assertContains(
                response, f'href="?near={other.replace(", ", "%2C+")}&amp;format=support"'
            )
        illinois = self.client.get("/groups/?near=Springfield%2C+IL&format=support")
        self.assertFound(illinois, "Springfield, IL")
        self.assertEqual(result_slugs(illinois), ["capital-circle-springfield"])
        self.assertNotContains(illinois, "Not this one?")  # the state was given

    def test_a_name_only_one_city_has_offers_nothing_else(self):
        make_group_in("Puget Circle", "Seattle", "WA", SEATTLE)

        response = self.search("Seattle")

        self.assertFound(response, "Seattle, WA")
        self.assertEqual(result_slugs(response), ["puget-circle-seattle"])
        self.assertNotContains(response, "Not this one?")


class WaysOfWritingAPlaceTests(PlaceSearchTestCase):
    def test_zip_codes_with_a_city_a_state_or_four_more_digits(self):
        make_group_in("Lincoln Park Circle", "Chicago", "IL", CHICAGO_60614)

        for near in ("Chicago, IL 60614", "60614-1234", "Chicago IL 60614", "60614"):
            with self.subTest(near=near):
                response = self.search(near)
                self.assertFound(response, "Chicago, IL 60614")
                self.assertEqual(result_slugs(response), ["lincoln-park-circle-chicago"])

    def test_city_and_state_however_the_state_is_written(self):
        make_group("Denver Circle", city="Denver", region="CO", postal_code="80202",
                   latitude=DENVER_80202[0], longitude=DENVER_80202[1])  # fmt: skip

        for near in ("Denver, CO", "Denver CO", "denver, colorado", "Denver Colorado",
                     "Denver, CO, USA", "Denver, Colorodo"):  # fmt: skip
            with self.subTest(near=near):
                response = self.search(near)
                self.assertFound(response, "Denver, CO")
                self.assertEqual(result_slugs(response), ["denver-circle-denver"])

    def test_extra_words_around_the_city_are_dropped(self):
        make_group_in("Puget Circle", "Seattle", "WA", SEATTLE)
        make_group("Austin Circle")

        for near, label in [
            ("Capitol Hill, Seattle", "Seattle, WA"),
            ("Capitol Hill, Seattle, WA", "Seattle, WA"),
            ("Capitol Hill, Seattle, Washington", "Seattle, WA"),
            ("downtown Austin, TX", "Austin, TX"),
            ("near Austin", "Austin, TX"),
            ("Austin area", "Austin, TX"),
        ]:
            with self.subTest(near=near):
                self.assertFound(self.search(near), label)

    def test_the_place_typed_stays_in_the_box(self):
        response = self.search("Capitol Hill, Seattle")

        self.assertContains(response, 'value="Capitol Hill, Seattle"')


class MisspellingTests(PlaceSearchTestCase):
    def test_did_you_mean_links_run_the_search_there(self):
        make_group_in("Liberty Circle", "Philadelphia", "PA", PHILADELPHIA)

        response = self.search("Philadelpia, PA", radius="10")

        self.assertProblem(response, "We couldn&#x27;t find “Philadelpia, PA”.")
        self.assertContains(
            response,
            '<a href="?near=Philadelphia%2C+PA&amp;radius=10">Did you mean Philadelphia, PA?</a>',
            html=True,
        )
        self.assertContains(response, 'value="Philadelpia, PA"')  # what they typed is kept
        followed = self.client.get("/groups/?near=Philadelphia%2C+PA&radius=10")
        self.assertEqual(result_slugs(followed), ["liberty-circle-philadelphia"])

    def test_a_city_typed_alone(self):
        response = self.search("Denvr")

        self.assertProblem(response, "We couldn&#x27;t find “Denvr”.")
        self.assertContains(response, "Did you mean Denver, CO?")

    def test_a_city_in_the_wrong_state_is_offered_where_it_is(self):
        response = self.search("Seattle, OR")

        self.assertContains(response, "Did you mean Seattle, WA?")

    def test_words_with_no_place_near_them_get_no_suggestion(self):
        response = self.search("zzzz")

        self.assertProblem(response, "We couldn&#x27;t find “zzzz”.")
        self.assertNotContains(response, "Did you mean")

    def test_a_whole_state_offers_its_largest_cities(self):
        response = self.search("Colorado")

        self.assertProblem(response, "“Colorado” is a whole state.")
        self.assertContains(response, '<a href="?near=Denver%2C+CO">Search near Denver, CO</a>')


class NearMeTests(PlaceSearchTestCase):
    def test_near_me_asks_for_the_location_or_a_zip_code(self):
        for near in ("near me", "Nearby", "cerca de mí"):
            with self.subTest(near=near):
                response = self.search(near)
                self.assertProblem(
                    response,
                    "To search near you, type your ZIP code (like 78701) or your city and state.",
                )
                # With JavaScript, the button appears (the script shows it).
                self.assertContains(response, "data-locate-button>Use my location</button>")
                self.assertContains(response, 'src="/static/js/location.js"')

    def test_the_box_tells_the_script_what_near_me_is(self):
        for url in ("/", "/groups/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                phrases = re.search(r'data-near-me="([^"]*)"', response.content.decode())[1]
                self.assertIn("near me", unescape(phrases).split("|"))
                self.assertIn("nearby", unescape(phrases).split("|"))

    def test_only_the_home_page_takes_an_empty_box_as_here(self):
        self.assertContains(self.client.get("/"), "data-locate-empty")
        self.assertNotContains(self.client.get("/groups/"), "data-locate-empty")
        # Without the script, an empty place lists every group, as before.
        make_group("Austin Circle")
        self.assertEqual(result_slugs(self.search("")), ["austin-circle-austin"])


class UseMyLocationTests(PlaceSearchTestCase):
    def test_the_browsers_position_is_named_never_shown_as_numbers(self):
        make_group("Denver Circle", city="Denver", region="CO", postal_code="80202",
                   latitude=DENVER_80202[0], longitude=DENVER_80202[1])  # fmt: skip

        response = self.search("39.74,-104.99", format="support")

        self.assertFound(response, "Denver, CO")
        self.assertEqual(result_slugs(response), ["denver-circle-denver"])
        self.assertContains(response, 'name="near" value="Denver, CO"')
        self.assertContains(response, "<title>Support groups near Denver, CO")
        self.assertNotIn("39.74", visible_text(response))
        self.assertNotIn("104.99", visible_text(response))
        self.assertNotIn("near Denver, CO", heading(response))

    def test_the_group_page_says_how_far_from_the_named_place(self):
        make_group("Denver Circle", city="Denver", region="CO", postal_code="80202",
                   latitude=DENVER_80202[0], longitude=DENVER_80202[1])  # fmt: skip

        response = self.client.get("/groups/denver-circle-denver/?near=39.74%2C-104.99")

        self.assertContains(response, "miles from Denver, CO")
        self.assertNotIn("39.74", visible_text(response))


class AbroadTests(PlaceSearchTestCase):
    def setUp(self):
        make_online_group("Anywhere Online")
        make_online_group("Texas Online", serves_regions="TX")
        make_group("Austin Circle")

    def test_a_city_abroad_hears_the_directory_covers_the_us_and_gets_groups_open_to_anyone(self):
        for near, label in [
            ("Toronto", "Toronto, Canada"),
            ("London, UK", "London, United Kingdom"),
            ("Paris, France", "Paris, France"),
            ("Guadalajara", "Guadalajara, Mexico"),
        ]:
            with self.subTest(near=near):
                response = self.search(near)
                self.assertFound(response, label)
                self.assertContains(response, "Our directory lists groups in the United States.")
                self.assertEqual(result_slugs(response), ["anywhere-online"])
                online = re.search(
                    r'<a href="([^"]+)">See the online groups that accept members from anywhere',
                    response.content.decode(),
                )[1]
                self.assertIn("attendance=online", online)
                listed = self.client.get("/groups/" + unescape(online))
                self.assertEqual(result_slugs(listed), ["anywhere-online"])

    def test_the_us_towns_of_the_same_name_are_offered(self):
        response = self.search("Toronto")

        self.assertContains(response, "Searching near Toronto, Canada. Not this one?")
        self.assertContains(response, 'href="?near=Toronto%2C+OH"')

    def test_coordinates_abroad(self):
        response = self.search("51.51,-0.13")

        self.assertContains(response, "Our directory lists groups in the United States.")
        self.assertEqual(result_slugs(response), ["anywhere-online"])
        self.assertNotIn("51.51", visible_text(response))

    def test_a_large_us_city_keeps_its_name(self):
        self.assertFound(self.search("Manchester"), "Manchester, NH")
        self.assertNotContains(
            self.search("London, KY"), "Our directory lists groups in the United States."
        )


class LocateTests(SimpleTestCase):
    """geo.locate() on its own: how each kind of text is read."""

    def test_places_found(self):
        table = [
            ("78701", "Austin, TX 78701"),
            ("  78701 ", "Austin, TX 78701"),
            ("78701-1234", "Austin, TX 78701"),
            ("787011234", "Austin, TX 78701"),
            ("Austin, TX 78701", "Austin, TX 78701"),
            ("Austin, TX 00000", "Austin, TX"),  # an unknown ZIP gives way to the city
            ("Austin TX", "Austin, TX"),
            ("AUSTIN, texas", "Austin, TX"),
            ("St. Louis, MO", "Saint Louis, MO"),
            ("st louis", "Saint Louis, MO"),
            ("Kansas City Missouri", "Kansas City, MO"),
            ("New York New York", "New York, NY"),
            ("New York", "New York, NY"),
            ("Washington", "Washington, DC"),
            ("Washington D.C.", "Washington, DC"),
            ("Brooklyn, New York", "Brooklyn, NY"),
            ("San José", "San Jose, CA"),
            ("The Woodlands, TX", "The Woodlands, TX"),  # "the" is kept when it names a city
            ("West Chicago", "West Chicago, IL"),
            ("East Austin", "Austin, TX"),
            ("Greater Boston area", "Boston, MA"),
            ("Capitol Hill, Seattle", "Seattle, WA"),
            ("Seattle WA, USA", "Seattle, WA"),
            ("Toronto, ON", "Toronto, Canada"),
            ("toronto canada", "Toronto, Canada"),
            ("Vancouver", "Vancouver, WA"),
            ("Vancouver, BC", "Vancouver, Canada"),
            ("Leeds, England", "United Kingdom"),
            ("México", "Mexico"),
            ("30.27,-97.74", "Austin, TX"),
            ("51.5,-0.12", "your location"),
        ]
        for text, label in table:
            with self.subTest(text=text):
                self.assertEqual(geo.locate(text).label, label)

    def test_places_not_found_and_why(self):
        table = [
            ("zzzz", geo.PlaceNotFound.UNKNOWN),
            ("00000", geo.PlaceNotFound.UNKNOWN),
            ("95.0,10.0", geo.PlaceNotFound.UNKNOWN),
            (",,,", geo.PlaceNotFound.UNKNOWN),
            ("Denvr", geo.PlaceNotFound.UNKNOWN),
            ("near me", geo.PlaceNotFound.NEAR_ME),
            ("NEAR  ME", geo.PlaceNotFound.NEAR_ME),
            ("Texas", geo.PlaceNotFound.WHOLE_STATE),
            ("Indiana", geo.PlaceNotFound.WHOLE_STATE),  # not Indiana, PA
            ("North Dakota", geo.PlaceNotFound.WHOLE_STATE),
        ]
        for text, reason in table:
            with self.subTest(text=text):
                with self.assertRaises(geo.PlaceNotFound) as raised:
                    geo.locate(text)
                self.assertEqual(raised.exception.reason, reason)

    def test_suggestions(self):
        table = [
            ("Denvr", ["Denver, CO"]),
            ("Philadelpia, PA", ["Philadelphia, PA"]),
            ("Sna Francisco, CA", ["San Francisco, CA"]),
            ("capitol hill seattle", ["Seattle, WA"]),
            ("Indiana", ["Indianapolis, IN"]),
            ("zzzz", []),
            ("near me", []),
            ("x" * 101, []),
        ]
        for text, first in table:
            with self.subTest(text=text):
                self.assertEqual([place.label for place in geo.suggest(text)][:1], first)

    def test_every_place_offered_is_found_again_by_its_label(self):
        offered = [
            *geo.suggest("Springfeld"),
            *geo.suggest("Colorado"),
            *geo.suggest("nwe haven"),
            *geo.locate("Springfield").others,
            *geo.locate("Toronto").others,
        ]
        self.assertTrue(offered)
        for place in offered:
            with self.subTest(place=place.label):
                found = geo.locate(place.label)
                self.assertEqual((found.label, found.region), (place.label, place.region))

    def test_a_city_without_a_state_is_the_one_with_most_zip_codes(self):
        springfield = geo.locate("Springfield")

        self.assertEqual(springfield.region, "MA")
        self.assertEqual(
            [place.label for place in springfield.others[:2]],
            ["Springfield, IL", "Springfield, MO"],
        )
        self.assertEqual(geo.locate("Springfield, MO").others, ())
