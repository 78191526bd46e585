"""Browser tests: real Chromium (Debian's package) driven by Playwright.

They run where a Chromium is installed and are skipped, saying so, where none
is; in CI (CI=true) a missing Chromium is a failure, not a skip.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Playwright's sync API runs an event loop in the test's thread; Django would
# otherwise refuse database access from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    if CHROMIUM or not browser_items:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI must run the browser tests, but no Chromium was found.")
    skip = pytest.mark.skip(reason="no Chromium found (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM:
        terminalreporter.write_line(
            "SKIPPED the browser tests: no Chromium found. Install it (apt-get install "
            "chromium) or set CHROMIUM=/path/to/chromium to run them.",
            yellow=True,
        )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


class Visit:
    """A browser context on the live server that records every request the pages make."""

    def __init__(self, browser, base_url, **options):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, accept_downloads=True, **options)
        self.requests = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()

    def foreign_requests(self):
        """Requests to any host but the live server's."""
        local = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc != local
        ]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, live_server):
    """Open pages as a visitor would; at the end, no request may have left the server."""
    opened = []

    def open_visit(**options):
        v = Visit(browser, live_server.url, **options)
        opened.append(v)
        return v

    yield open_visit
    for v in opened:
        foreign = v.foreign_requests()
        v.close()
        assert foreign == [], f"requests left the local server: {foreign}"


def screenshot(page, name):
    """Save the page at phone and desktop width under screenshots/, for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    overflow = {}
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        overflow[label] = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    page.set_viewport_size(size)
    return overflow
