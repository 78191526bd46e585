"""Places in a real browser: "Use my location" sends a position rounded to about 1 km and
the page names the place, never the numbers; typing "near me" takes the same path; the
suggestions pass axe. No request leaves the local server (the `visit` fixture checks)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import assert_accessible
from tests.factories import DENVER_80202, make_group, make_online_group

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A position in Denver as precise as a phone gives it.
IN_DENVER = {"latitude": 39.739236, "longitude": -104.990251}
COORDINATES = re.compile(r"-?\d{1,3}\.\d{2,}\s*,\s*-?\d{1,3}\.\d{2,}|39\.7|104\.9")


def denver_groups():
    make_group("Denver Circle", city="Denver", region="CO", postal_code="80202",
               latitude=DENVER_80202[0], longitude=DENVER_80202[1])  # fmt: skip
    make_online_group("Anywhere Online")


def located(visit):
    return visit(geolocation=IN_DENVER, permissions=["geolocation"])


def sent_places(v):
    """The `near` of every search the browser sent."""
    return [
        parse_qs(urlsplit(url).query).get("near", [""])[0]
        for url in v.requests
        if urlsplit(url).path == "/groups/"
    ]


def assert_named_not_numbered(page):
    expect(page.get_by_role("heading", level=2)).to_contain_text("within 25 miles of Denver, CO")
    expect(page.get_by_role("textbox", name="Near")).to_have_value("Denver, CO")
    assert not COORDINATES.search(page.locator("body").inner_text())
    assert "near Denver" not in page.locator("#results-heading").inner_text()


def test_use_my_location_sends_a_rounded_position_and_names_the_place(visit):
    denver_groups()
    v = located(visit)
    page = v.page

    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url(re.compile(r"/groups/\?"))

    assert sent_places(v) == ["39.74,-104.99"]
    assert_named_not_numbered(page)
    expect(page.locator(".group-card h3")).to_have_text(["Denver Circle", "Anywhere Online"])


def test_typing_near_me_takes_the_same_path(visit):
    denver_groups()
    v = located(visit)
    page = v.page

    page.goto("/groups/?near=78701&format=support")
    page.get_by_role("textbox", name="Near").fill("near me")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"near=39\.74"))

    assert sent_places(v)[-1] == "39.74,-104.99"
    assert parse_qs(urlsplit(page.url).query)["format"] == ["support"]  # the filters kept
    assert_named_not_numbered(page)


def test_an_empty_box_on_the_home_page_uses_a_location_already_allowed(visit):
    denver_groups()
    page = located(visit).page

    page.goto("/")
    page.get_by_role("button", name="Find groups").click()
    page.wait_for_url(re.compile(r"near=39\.74"))

    assert_named_not_numbered(page)


def test_near_me_without_javascript_says_how_to_search_by_zip_code(visit):
    denver_groups()
    page = visit(java_script_enabled=False).page

    page.goto("/")
    page.get_by_label("Your ZIP code or city").fill("near me")
    page.get_by_role("button", name="Find groups").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "To search near you, type your ZIP code (like 78701) or your city and state."
    )
    assert page.get_by_role("button", name="Use my location").is_hidden()


def test_suggestions_are_links_that_search_there_and_pass_axe(visit):
    denver_groups()
    page = visit().page

    page.goto("/groups/?near=Denvr&format=support")
    assert_accessible(page)
    page.get_by_role("link", name="Did you mean Denver, CO?").click()

    expect(page.get_by_role("heading", level=2)).to_contain_text("within 25 miles of Denver, CO")
    assert parse_qs(urlsplit(page.url).query)["format"] == ["support"]

    page.goto("/groups/?near=Springfield")
    assert_accessible(page)
    page.goto("/groups/?near=Toronto")
    assert_accessible(page)
    page.get_by_role("link", name="See the online groups that accept members from anywhere").click()
    expect(page.locator(".group-card h3")).to_have_text(["Anywhere Online"])
