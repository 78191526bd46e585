"""What people do on groupfinder, in a real browser: find a group, with and without
JavaScript, by keyboard and on a phone; an organization submits a group and a curator
approves it. Every page type passes axe's WCAG 2.2 A/AA rules; no request ever leaves
the local server (the `visit` fixture checks)."""

import re
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import expect

from directory.models import Group, ProblemReport
from partners.models import Membership, Submission
from tests.browser.conftest import PHONE, screenshot
from tests.factories import make_curator, make_group, make_online_group, make_organization

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WCAG = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]}}  # fmt: skip


def listings():
    organization = make_organization("Riverbend Peer Network", verified=True)
    today = date.today()
    make_group("Tuesday Evening Circle", organization=organization, last_verified_on=today)
    make_group("Skills for Low Mood", organization=organization, format="psychoeducational",
               last_verified_on=today)  # fmt: skip
    make_online_group("Online Peer Circle", organization=organization, last_verified_on=today)
    make_online_group("Online Process Group", organization=organization, format="process",
                      leader_type="professional", leader_training="LCSW",
                      last_verified_on=today)  # fmt: skip


def assert_accessible(page):
    results = Axe().run(page, options=WCAG)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]
    assert problems == [], f"{page.url}:\n" + "\n".join(problems)


def test_a_visitor_finds_a_group_adds_it_to_a_calendar_and_reports_a_problem(visit):
    listings()
    page = visit().page

    page.goto("/")
    page.get_by_label("Your ZIP code or city").fill("78701")
    page.get_by_role("button", name="Find groups").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "2 groups within 25 miles of Austin, TX 78701, then 2 online"
    )

    page.get_by_role("group", name="How it meets").get_by_label("Online").check()
    page.get_by_role("group", name="Kind of group").get_by_label("Peer support group").check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".group-card h3")).to_have_text(["Online Peer Circle"])

    page.get_by_role("link", name="Online Peer Circle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Online Peer Circle")
    expect(page.get_by_role("link", name="Back to your search results")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Add to your calendar")).click()
    calendar = Path(download.value.path()).read_text()
    assert "BEGIN:VCALENDAR" in calendar and "RRULE:FREQ=WEEKLY;BYDAY=TU" in calendar

    page.get_by_role("link", name="Report a problem with this listing").click()
    page.get_by_label("The link does not work").check()
    page.get_by_label("Details").fill("The meeting link says the room is closed.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    report = ProblemReport.objects.get()
    assert (report.kind, report.group.name) == ("broken_link", "Online Peer Circle")


def test_the_same_search_works_with_javascript_off(visit):
    listings()
    page = visit(java_script_enabled=False).page

    page.goto("/")
    assert page.get_by_role("button", name="Use my location").is_hidden()
    page.get_by_label("Your ZIP code or city").fill("Austin, TX")
    page.get_by_role("button", name="Find groups").click()
    page.get_by_role("group", name="How it meets").get_by_label("Online").check()
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page.locator(".group-card h3")).to_have_text(
        ["Online Peer Circle", "Online Process Group"]
    )


def test_a_visitor_switches_to_spanish_and_searches(visit):
    listings()
    page = visit().page

    page.goto("/groups/?near=78701")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "2 grupos a menos de 25 millas de Austin, TX 78701, y luego 2 en línea"
    )  # the same search, now in Spanish
    assert_accessible(page)
    screenshot(page, "search-es")

    page.get_by_role("link", name="Tuesday Evening Circle").click()
    expect(page.get_by_role("heading", name="Lo que comprobamos")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "group-es")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="What we checked")).to_be_visible()


def test_keyboard_only(visit):
    listings()
    page = visit().page
    page.goto("/groups/")

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From the main content the next stops are the search's own fields, in order.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "near"
    page.keyboard.type("78701")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("2 groups within"))).to_be_visible()
    first_result = page.get_by_role("link", name="Tuesday Evening Circle")
    first_result.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tuesday Evening Circle")


def test_on_a_phone(visit):
    listings()
    page = visit(viewport=PHONE, is_mobile=True, has_touch=True).page

    for url in ["/", "/groups/?near=78701", "/groups/tuesday-evening-circle-austin/"]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"
    page.goto("/groups/?near=78701")
    assert not page.get_by_role("checkbox", name="Online").is_visible()  # filters folded away
    page.get_by_text("Filters", exact=True).tap()
    expect(page.get_by_role("checkbox", name="Online")).to_be_visible()
    for link in page.locator(".group-card h3 a").all():
        assert link.bounding_box()["height"] >= 24  # WCAG 2.2 target size


def test_an_affiliate_submits_a_group_and_a_curator_approves_it(visit, live_server):
    organization = make_organization("Mile High Mood Collective")
    user = User.objects.create_user("ana@example.org", "ana@example.org", "a long passphrase")
    Membership.objects.create(user=user, organization=organization, role="admin")
    make_curator("cora")

    affiliate = visit().page
    affiliate.goto("/partners/")
    affiliate.get_by_label("Email or username").fill("ana@example.org")
    affiliate.get_by_label("Password").fill("a long passphrase")
    affiliate.get_by_role("button", name="Sign in").click()
    affiliate.get_by_role("link", name="Add a group").click()
    affiliate.get_by_label("Name", exact=True).fill("Thursday Evening Circle")
    affiliate.get_by_label("Description").fill("A weekly circle for people living with depression.")
    affiliate.get_by_label("Peer support group").check()
    affiliate.get_by_label("A peer (someone with lived experience)").check()
    affiliate.get_by_label("Leader training").fill("Completed a 2-day peer facilitator training")
    affiliate.get_by_role("group", name="Meeting time 1").get_by_label("Thursday").check()
    affiliate.get_by_role("group", name="Meeting time 1").get_by_label("Start time").fill("18:30")
    affiliate.get_by_label("In person", exact=True).check()
    affiliate.get_by_label("City", exact=True).fill("Denver")
    affiliate.get_by_label("State").select_option("CO")
    affiliate.get_by_label("ZIP code").fill("80202")
    affiliate.get_by_label("Confidentiality policy").fill("What is shared here stays here.")
    affiliate.get_by_label("Contact email").fill("circle@example.org")
    affiliate.get_by_role("button", name="Submit for review").click()
    expect(affiliate.get_by_text("is waiting for review")).to_be_visible()
    assert Group.objects.get(name="Thursday Evening Circle").status == Group.Status.PENDING

    curator = visit().page
    curator.goto("/admin/")
    curator.get_by_label("Username").fill("cora")
    curator.get_by_label("Password").fill("curator-password")
    curator.get_by_role("button", name="Log in").click()
    curator.goto("/admin/partners/submission/")
    curator.get_by_role("link", name="A new group: Thursday Evening Circle").click()
    # The whole proposed listing, in words.
    listing = curator.locator("table.listing")
    for label, text in [
        ("Name", "Thursday Evening Circle"),
        ("Description", "A weekly circle for people living with depression."),
        ("Meeting times", "Thursdays, 6:30 pm (Mountain time)"),
        ("City", "Denver"),
        ("State", "Colorado"),
        ("Contact email", "circle@example.org"),
    ]:
        row = listing.locator("tr", has=curator.get_by_role("rowheader", name=label, exact=True))
        expect(row.get_by_role("cell")).to_have_text(text)
    expect(curator.locator('[data-check="freshness"]')).to_be_visible()
    assert_accessible(curator)

    # The visitor's page as it would be, marked as a preview.
    curator.get_by_role("link", name="Preview the public page as it would be").click()
    expect(curator.get_by_text("Preview — not published.")).to_be_visible()
    expect(curator.get_by_role("heading", level=1)).to_have_text("Thursday Evening Circle")
    expect(curator.get_by_text("Thursdays, 6:30 pm (Mountain time)")).to_be_visible()
    assert Group.objects.get(name="Thursday Evening Circle").status == Group.Status.PENDING
    curator.get_by_role("link", name="Back to the review").click()

    curator.get_by_role("button", name="Approve and publish").click()
    expect(curator.get_by_text("The organization was emailed")).to_be_visible()

    visitor = visit().page
    visitor.goto("/groups/?near=Denver%2C+CO")
    expect(visitor.locator(".group-card h3")).to_have_text(["Thursday Evening Circle"])


def test_every_page_type_passes_axe_and_is_photographed(visit):
    listings()
    group = Group.objects.get(name="Online Peer Circle")
    Group.objects.filter(pk=group.pk).update(moderation_rules="")
    Group.objects.get(pk=group.pk).refresh_summary()  # a flagged online group
    organization = group.organization
    user = User.objects.create_user("ana@example.org", "ana@example.org", "a long passphrase")
    Membership.objects.create(user=user, organization=organization, role="admin")

    page = visit().page
    pages = {
        "home": "/",
        "search": "/groups/?near=78701",
        "search-problems": "/groups/?near=zzzz&radius=500",
        "search-only-online": "/groups/?near=99501",
        "search-empty": "/groups/?near=99501&format=specialized",
        "group": "/groups/online-peer-circle/",
        "group-in-person": "/groups/tuesday-evening-circle-austin/",
        "report": "/groups/online-peer-circle/report/",
        "join": "/partners/join/",
        "sign-in": "/partners/sign-in/",
        "not-found": "/groups/no-such-group/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert_accessible(page)
        assert screenshot(page, name) == {"phone": 0, "desktop": 0}, f"{url} scrolls sideways"

    page.goto("/partners/sign-in/")
    page.get_by_label("Email or username").fill("ana@example.org")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Sign in").click()
    partner_pages = {
        "partner-dashboard": "/partners/",
        "partner-group-form": f"/partners/groups/{group.pk}/edit/",
        "partner-upload": f"/partners/{organization.slug}/upload/",
        "partner-team": f"/partners/{organization.slug}/team/",
    }
    for name, url in partner_pages.items():
        page.goto(url)
        assert_accessible(page)
        assert screenshot(page, name) == {"phone": 0, "desktop": 0}, f"{url} scrolls sideways"


def test_curator_pages_pass_axe_and_are_photographed(visit):
    listings()
    group = Group.objects.get(name="Tuesday Evening Circle")
    from directory import snapshots

    proposal = snapshots.take(group)
    proposal["group"]["description"] = "A changed description, waiting for review."
    submission = Submission.objects.create(
        group=group, kind=Submission.Kind.CHANGE, status=Submission.Status.PENDING, data=proposal
    )
    ProblemReport.objects.create(group=group, kind="broken_link")
    make_curator("cora")

    page = visit().page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("cora")
    page.get_by_label("Password").fill("curator-password")
    page.get_by_role("button", name="Log in").click()
    for name, url in {
        "admin-home": "/admin/",
        "admin-groups": "/admin/directory/group/",
        "admin-group": f"/admin/directory/group/{group.pk}/change/",
        "admin-review-list": "/admin/directory/group/?look=any",
        "admin-submissions": "/admin/partners/submission/",
        "admin-submission": f"/admin/partners/submission/{submission.pk}/change/",
        "admin-reports": "/admin/directory/problemreport/",
    }.items():
        page.goto(url)
        assert_accessible(page)
        assert screenshot(page, name) == {"phone": 0, "desktop": 0}, f"{url} scrolls sideways"


def test_zoomed_to_200_percent_and_in_forced_colours(visit):
    listings()
    # 200% zoom on a 1280-pixel screen lays the page out at 640 CSS pixels.
    page = visit(viewport={"width": 640, "height": 450}, device_scale_factor=2).page
    for url in ["/", "/groups/?near=78701", "/groups/online-peer-circle/"]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways at 200% zoom"
    screenshot(page, "group-zoom-200")

    contrast = visit(forced_colors="active").page
    contrast.goto("/groups/?near=78701")
    contrast.get_by_role("link", name="Tuesday Evening Circle").focus()
    outline = contrast.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert_accessible(contrast)
    screenshot(contrast, "search-forced-colours")


def test_someone_asks_to_join_an_existing_organization_and_its_admin_accepts(visit):
    organization = make_organization(
        "Riverbend Peer Network", website="https://riverbend.org", verified=True
    )
    bo = User.objects.create_user("bo@riverbend.org", "bo@riverbend.org", "a long passphrase")
    Membership.objects.create(user=bo, organization=organization, role="admin")
    make_curator("cora")

    newcomer = visit().page
    newcomer.goto("/partners/join/")
    newcomer.get_by_label("Name of your organization").fill("Riverbend Peer Network")
    newcomer.get_by_label("Your name").fill("Mallory Reyes")
    newcomer.get_by_label("Your email").fill("mallory@riverbend.org")
    newcomer.get_by_label("About your organization and its groups").fill(
        "I lead the Thursday circle in Eastside."
    )
    newcomer.get_by_role("button", name="Send the request").click()
    expect(newcomer.get_by_role("heading", name="Thank you")).to_be_visible()

    # The curator sees that it names an existing organization, side by side, and asks
    # that organization's admins instead of handing it over.
    curator = visit().page
    curator.goto("/admin/login/")
    curator.get_by_label("Username").fill("cora")
    curator.get_by_label("Password").fill("curator-password")
    curator.get_by_role("button", name="Log in").click()
    curator.wait_for_url("**/admin/")
    curator.goto("/admin/partners/joinrequest/")
    expect(curator.locator("td.field-existing")).to_have_text(re.compile(r"same name"))
    curator.get_by_role("link", name="Riverbend Peer Network").click()
    table = curator.get_by_role("table", name=re.compile("This request beside"))
    expect(table).to_contain_text("bo@riverbend.org (Admin")
    expect(table).to_contain_text("same email domain as its member bo@riverbend.org")
    expect(curator.get_by_text("A new organization can't be created")).to_be_visible()
    assert_accessible(curator)
    assert screenshot(curator, "admin-join-request") == {"phone": 0, "desktop": 0}
    curator.get_by_role("button", name="Ask the admins of Riverbend Peer Network").click()
    expect(curator.get_by_text("Asked the admins of Riverbend Peer Network")).to_be_visible()

    # Bo, its admin, accepts Mallory on the team page.
    admin = visit().page
    admin.goto("/partners/sign-in/")
    admin.get_by_label("Email or username").fill("bo@riverbend.org")
    admin.get_by_label("Password").fill("a long passphrase")
    admin.get_by_role("button", name="Sign in").click()
    admin.get_by_role("link", name="Your team").click()
    request = admin.get_by_role("region", name="Mallory Reyes (mallory@riverbend.org)")
    expect(request).to_contain_text("I lead the Thursday circle in Eastside.")
    assert_accessible(admin)
    assert screenshot(admin, "partner-team-request") == {"phone": 0, "desktop": 0}
    request.get_by_label("Their role").select_option("editor")
    request.get_by_role("button", name="Accept Mallory Reyes").click()
    expect(admin.get_by_text("Mallory Reyes is on your team as Editor")).to_be_visible()
    expect(admin.get_by_text("bo@riverbend.org accepted mallory@riverbend.org")).to_be_visible()
    assert Membership.objects.get(user__email="mallory@riverbend.org").role == "editor"
