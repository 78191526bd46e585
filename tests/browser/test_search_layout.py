"""Results first: after a filtered search the groups are on the first screen, on a wide
screen beside the filters and on a phone under the folded filters; the chosen filters
are chips that remove themselves; the filters work without JavaScript."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_journeys import assert_accessible
from tests.factories import make_group, make_online_group, make_organization

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Several filters, as a visitor ticks them: (the filter's group, the choice).
TICKED = [
    ("Kind of group", "Peer support group"),
    ("Kind of group", "Process group"),
    ("How it meets", "In person"),
    ("Cost", "Free"),
]


def listings():
    organization = make_organization("Riverbend Peer Network", verified=True)
    today = date.today()
    make_group("Tuesday Evening Circle", organization=organization, last_verified_on=today)
    make_group("Eastside Process Group", organization=organization, format="process",
               leader_type="professional", leader_training="LCSW",
               last_verified_on=today)  # fmt: skip
    make_group("Northside Circle", organization=organization, last_verified_on=today,
               meeting={"days": "thu"})  # fmt: skip
    make_group("Skills for Low Mood", organization=organization, format="psychoeducational",
               last_verified_on=today)  # fmt: skip
    make_group("Sliding Scale Circle", organization=organization, cost="sliding_scale",
               last_verified_on=today)  # fmt: skip
    make_online_group("Online Peer Circle", organization=organization, last_verified_on=today)


def tick_filters(page):
    for group, choice in TICKED:
        page.get_by_role("group", name=group).get_by_label(choice, exact=True).check()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_after_a_filtered_search_the_results_are_on_the_first_screen(visit, size):
    listings()
    page = visit(viewport=size).page
    page.goto("/groups/?near=78701")
    if size == PHONE:  # folded away: a person opens them first
        expect(page.get_by_role("group", name="Kind of group")).to_be_hidden()
        page.get_by_text("Filters", exact=True).click()
    tick_filters(page)
    page.get_by_role("button", name="Search", exact=True).click()

    heading = page.get_by_role("heading", level=2)
    expect(heading).to_have_text(
        re.compile(r"^3 groups meet in person within 25 miles of Austin, TX 78701\b")
    )
    expect(page.get_by_text("Filters (4 chosen)")).to_be_visible()
    cards = page.locator(".group-card")
    expect(cards).to_have_count(3)
    height = size["height"]
    assert heading.bounding_box()["y"] + heading.bounding_box()["height"] <= height
    first = cards.first.bounding_box()
    assert first["y"] < height, f"the first result starts at {first['y']}px"
    if size == DESKTOP:  # two whole cards on a wide screen's first screen
        second = cards.nth(1).bounding_box()
        assert second["y"] + second["height"] <= height, f"the second ends at {second}"
        assert page.get_by_role("group", name="Kind of group").is_visible()  # beside them
    else:
        expect(page.get_by_role("group", name="Kind of group")).to_be_hidden()
    print(f"\n{size['width']}×{height}: first card at y={first['y']:.0f}")
    assert_accessible(page)
    assert screenshot(page, "search-filtered") == {"phone": 0, "desktop": 0}


def test_chips_are_links_in_a_sensible_order_that_remove_one_filter(visit):
    listings()
    page = visit(viewport=PHONE).page
    page.goto("/groups/?near=78701&format=support&format=process&attendance=in_person&cost=free")

    # From the place box: its button, the folded filters, the chips, then the results.
    page.get_by_label("Near").focus()
    stops = []
    for _ in range(9):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                "document.activeElement.getAttribute('aria-label')"
                " || document.activeElement.textContent.trim()"
            )
        )
    assert stops == [
        "Search",
        "Skip the filters, to the results",
        "Filters (4 chosen)",
        "Remove filter: Peer support group",
        "Remove filter: Process group",
        "Remove filter: In person",
        "Remove filter: Free",
        "Clear all filters",
        "Eastside Process Group",  # the first result
    ]

    page.get_by_role("link", name="Remove filter: Process group").press("Enter")
    expect(page.locator(".group-card h3")).to_have_text(
        ["Northside Circle", "Tuesday Evening Circle"]
    )
    expect(page.get_by_text("Filters (3 chosen)")).to_be_visible()
    expect(page.get_by_role("link", name="Remove filter: Process group")).to_have_count(0)

    page.get_by_role("link", name="Clear all filters").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        re.compile(r"^5 groups within 25 miles of Austin, TX 78701\b")
    )
    assert page.url.endswith("/groups/?near=78701")


def test_on_a_wide_screen_the_keyboard_can_skip_the_filters_to_the_results(visit):
    listings()
    page = visit(viewport=DESKTOP).page
    page.goto("/groups/?near=78701&format=support&cost=free")

    page.get_by_role("button", name="Search", exact=True).focus()
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip the filters, to the results")
    assert skip.is_visible() and skip.bounding_box()["width"] > 100
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_accessible_name("Remove filter: Peer support group")


def test_the_filters_open_and_apply_without_javascript(visit):
    listings()
    page = visit(java_script_enabled=False, viewport=PHONE).page
    page.goto("/groups/?near=78701")

    online = page.get_by_role("group", name="How it meets").get_by_label("Online")
    expect(online).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(online).to_be_visible()
    online.check()
    page.get_by_role("button", name="Show results").click()

    expect(page.locator(".group-card h3")).to_have_text(["Online Peer Circle"])
    expect(page.get_by_text("Filters (1 chosen)")).to_be_visible()
    expect(online).to_be_hidden()  # folded again: the results come first
    page.get_by_role("link", name="Remove filter: Online").click()
    expect(page.locator(".group-card")).to_have_count(6)
