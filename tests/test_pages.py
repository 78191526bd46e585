"""Pages a visitor meets first: home, and what every page carries."""

import re

from django.test import Client, TestCase, override_settings

from directory.models import Group
from tests.factories import make_group


class EveryPageTests(TestCase):
    def test_the_crisis_line_and_the_professional_care_note_are_on_every_page(self):
        make_group("Tuesday Circle")
        for url in ["/", "/groups/", "/groups/tuesday-circle-austin/", "/partners/sign-in/",
                    "/partners/join/", "/groups/tuesday-circle-austin/report/"]:  # fmt: skip
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, '<a href="tel:988">Call 988</a>')
                self.assertContains(response, '<a href="sms:988">text 988</a>')
                self.assertContains(response, '<a href="tel:911">call 911</a>')
                self.assertContains(response, "add to, but don't replace")
                self.assertContains(response, '<a class="skip-link" href="#main">')

    def test_error_pages_keep_the_crisis_line_and_a_way_on(self):
        csrf_checking = Client(enforce_csrf_checks=True)
        with override_settings(ROOT_URLCONF="tests.error_urls"):
            failing = Client(raise_request_exception=False)
            server_error = failing.get("/broken/")
        for response, status, heading in [
            (self.client.get("/groups/no-such-group/"), 404, "We couldn't find that page"),
            (
                csrf_checking.post("/partners/join/", {"organization_name": "Kept"}),
                403,
                "Please send the form again",
            ),
            (server_error, 500, "Something went wrong on our side"),
        ]:
            with self.subTest(status=status):
                self.assertContains(response, heading, status_code=status, html=False)
                self.assertContains(response, '<a href="tel:988">Call 988</a>', status_code=status)
                self.assertContains(response, 'href="/"', status_code=status)

    def test_privacy_headers(self):
        response = self.client.get("/groups/", {"near": "78701"})

        self.assertEqual(response["Referrer-Policy"], "same-origin")
        policy = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertNotIn("http", policy)

    def test_no_page_loads_anything_from_another_host(self):
        make_group("Tuesday Circle")
        for url in ["/", "/groups/", "/groups/tuesday-circle-austin/", "/partners/join/"]:
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                loaded = re.findall(r'<(?:script|img|link|iframe)[^>]+(?:src|href)="([^"]+)"', html)
                self.assertTrue(loaded)
                self.assertEqual([u for u in loaded if not u.startswith("/")], [])


class HomeTests(TestCase):
    def test_one_search_box_that_works_without_javascript(self):
        response = self.client.get("/")

        self.assertContains(response, '<form method="get" action="/groups/"')
        self.assertContains(response, 'name="near"')
        self.assertContains(response, "data-locate hidden")  # shown by the script, if any
        self.assertContains(response, 'href="/groups/?attendance=online"')
        self.assertContains(response, 'href="/groups/?format=process"')
        self.assertContains(response, "You can join an open group any time.")
        self.assertContains(response, "Peer support groups are led by people who have lived")


class DirectionsTests(TestCase):
    def test_directions_link_to_openstreetmap_only_for_public_addresses(self):
        make_group("Public Room")
        make_group("Private Room", address_visibility=Group.AddressVisibility.CITY_ONLY)

        public = self.client.get("/groups/public-room-austin/")
        private = self.client.get("/groups/private-room-austin/")

        self.assertContains(
            public,
            'href="https://www.openstreetmap.org/directions?route=%3B30.27130%2C-97.74260"',
        )
        self.assertNotContains(private, "openstreetmap")
        self.assertNotContains(public, "<iframe")


class AccessLogTests(TestCase):
    def test_gunicorn_logs_the_path_without_the_query_string_or_referrer(self):
        import runpy
        from pathlib import Path

        from django.conf import settings

        config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))

        log_format = config["access_log_format"]
        self.assertIn("%(U)s", log_format)  # the path
        for leaky in ("%(r)s", "%(q)s", "%(f)s", "%(a)s"):
            self.assertNotIn(leaky, log_format)


class IconTests(TestCase):
    def test_the_icons_browsers_and_phones_ask_for_are_cached_for_a_month(self):
        for url, content_type, starts in [
            ("/favicon.ico", "image/vnd.microsoft.icon", b"\x00\x00\x01\x00"),
            ("/apple-touch-icon.png", "image/png", b"\x89PNG"),
            ("/apple-touch-icon-precomposed.png", "image/png", b"\x89PNG"),
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)

                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], content_type)
                self.assertEqual(
                    sorted(response["Cache-Control"].split(", ")), ["max-age=2592000", "public"]
                )
                self.assertNotIn("Set-Cookie", response)
                body = b"".join(response.streaming_content)
                self.assertTrue(body.startswith(starts))
        touch = b"".join(self.client.get("/apple-touch-icon.png").streaming_content)
        self.assertEqual(touch[16:24], (180).to_bytes(4) * 2)  # 180 × 180, as phones want

    def test_every_page_links_the_icon(self):
        make_group("Tuesday Circle")
        for url in ["/", "/groups/", "/groups/tuesday-circle-austin/", "/no-such-page/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(
                    response,
                    '<link rel="icon" href="/static/icons/favicon.svg" type="image/svg+xml">',
                    status_code=response.status_code,
                )
                self.assertContains(
                    response,
                    '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">',
                    status_code=response.status_code,
                )
        svg = self.client.get("/static/icons/favicon.svg")
        self.assertEqual(svg.status_code, 200)
        self.assertEqual(svg["Content-Type"], "image/svg+xml")
