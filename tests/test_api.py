"""The HSDS 3.0 API under /api/hsds/, over HTTP: documents valid against the published HSDS
schemas and the Profile's, only what is public, bad parameters answered 400 in one shape,
a constant number of queries per page, and good manners (304, CORS, 429, caching)."""

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import TestCase, override_settings

from api import hsds, http, taxonomy
from api.standards import (
    hsds_schema,
    merge_patch,
    profile_names,
    profile_patch,
    profile_schema,
    validator,
)
from directory import vetting
from directory.models import Focus, Group, MeetingTime
from partners.models import Membership
from tests.factories import make_group, make_online_group, make_organization

TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def assert_valid(testcase, documents, name):
    """Every document valid against HSDS 3.0 as published and as the Profile extends it."""
    testcase.assertTrue(documents, "nothing to validate")
    for profiled in (False, True):
        check = validator(name, profiled=profiled)
        for document in documents:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(document)]
            testcase.assertEqual(errors, [], f"{name} (profile: {profiled}): {document.get('id')}")


@override_settings(CACHES=LOCMEM)
@time_machine.travel(TUESDAY_MORNING, tick=False)
class ApiTestCase(TestCase):
    def setUp(self):
        cache.clear()
        self.organization = make_organization("Riverbend Peer Network", verified=True)
        self.circle = make_group(
            "Tuesday Evening Circle",
            organization=self.organization,
            focus=["women"],
            languages="en,es",
            contact_phone="(512) 555-0143",
            contact_email="circle@example.org",
            website="https://example.org/circle",
            min_age=18,
            max_size=12,
            last_verified_on=date(2026, 10, 1),
            cost=Group.Cost.SLIDING_SCALE,
            fee_per_session=Decimal("20.00"),
            insurance_accepted=True,
        )

    def get(self, url, data=None, headers=None):
        return self.client.get(url, data or {}, headers=headers)

    def json(self, url, data=None):
        response = self.get(url, data)
        self.assertEqual(response.status_code, 200, response.content[:500])
        self.assertEqual(response["Content-Type"], "application/json")
        return response.json()


class InfoTests(ApiTestCase):
    def test_info_names_the_version_profile_openapi_and_licence(self):
        info = self.json("/api/hsds/")

        self.assertEqual(info["version"], "3.0")
        self.assertEqual(info["profile"], "http://testserver/api/hsds/profile/")
        self.assertEqual(info["openapi_url"], "http://testserver/api/openapi.json")
        self.assertEqual(info["license"]["url"], "https://creativecommons.org/licenses/by/4.0/")
        self.assertEqual(info["meeting_guide_url"], "http://testserver/api/meeting-guide.json")


class ServiceTests(ApiTestCase):
    def test_a_service_whole(self):
        service = self.json(f"/api/hsds/services/{self.circle.uuid}")

        assert_valid(self, [service], "service")
        self.assertEqual(service["id"], str(self.circle.uuid))
        self.assertEqual(service["organization"]["id"], str(self.organization.uuid))
        self.assertEqual(service["status"], "active")
        self.assertEqual(service["assured_date"], "2026-10-01")
        self.assertEqual(service["email"], "circle@example.org")
        self.assertEqual(service["url"], "https://example.org/circle")
        self.assertEqual(service["minimum_age"], 18)
        self.assertEqual(service["maximum_group_size"], 12)
        self.assertEqual(
            service["listing_url"], "http://testserver/groups/tuesday-evening-circle-austin/"
        )
        self.assertEqual(
            service["fees_description"], "Sliding scale, up to $20 a session. Insurance accepted."
        )
        self.assertEqual(
            service["cost_options"],
            [
                {
                    "id": hsds.child_id(self.circle, "cost_option"),
                    "service_id": str(self.circle.uuid),
                    "option": "Sliding scale",
                    "currency": "USD",
                    "amount": 20.0,
                    "amount_description": "at most, a session",
                }
            ],
        )
        self.assertEqual(
            [(lang["code"], lang["name"]) for lang in service["languages"]],
            [("en", "English"), ("es", "Spanish")],
        )
        self.assertEqual(service["phones"][0]["number"], "(512) 555-0143")
        [schedule] = service["schedules"]
        self.assertEqual(
            {key: schedule[key] for key in ("freq", "interval", "byday", "opens_at", "closes_at")},
            {
                "freq": "WEEKLY",
                "interval": 1,
                "byday": "TU",
                "opens_at": "19:00",
                "closes_at": "20:30",
            },
        )
        self.assertEqual(schedule["timezone_name"], "America/Chicago")
        self.assertEqual(schedule["timezone"], -6)
        self.assertEqual(schedule["description"], "Tuesdays, 7–8:30 pm (Central time)")
        [link] = service["service_at_locations"]
        self.assertEqual(link["location"]["addresses"][0]["address_1"], "210 Example Avenue")
        self.assertEqual(link["location"]["latitude"], 30.2713)
        attributes = {a["taxonomy_term"]["code"]: a.get("value") for a in service["attributes"]}
        self.assertEqual(
            attributes,
            {
                "format/support": None,
                "membership/open": None,
                "attendance/in_person": None,
                "leader_type/peer": "Completed a 2-day peer facilitator training",
                "insurance/accepted": None,
                "focus/women": None,
            },
        )
        self.assertEqual(service["confidentiality_policy"], self.circle.confidentiality_policy)

    def test_the_checklist_is_the_pages_checklist(self):
        service = self.json(f"/api/hsds/services/{self.circle.uuid}")

        tally = self.circle.checklist()
        self.assertEqual(service["checklist"]["as_of"], "2026-11-24")
        self.assertEqual(service["checklist"]["summary"], tally.summary())
        self.assertEqual(
            [(f["check"], f["status"], f["text"]) for f in service["checklist"]["findings"]],
            [(f.check, f.status, f.visitor_text) for f in tally.findings],
        )
        self.assertNotIn("curator", json.dumps(service))

    def test_schedules_say_every_other_week_monthly_and_closed_dates(self):
        course = make_group(
            "Skills Course",
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 2, 23),
            meeting={
                "days": "mon,thu",
                "frequency": "every_other_week",
                "first_meeting_on": date(2026, 12, 3),
                "end_time": None,
            },
        )
        MeetingTime.objects.create(
            group=course,
            days="fri",
            start_time=time(10),
            frequency="monthly",
            week_of_month=-1,
            timezone="America/Chicago",
        )

        service = self.json(f"/api/hsds/services/{course.uuid}")

        assert_valid(self, [service], "service")
        monthly, fortnightly = service["schedules"]  # by start time
        self.assertEqual(
            {k: monthly.get(k) for k in ("freq", "byday", "interval", "dtstart", "until")},
            {
                "freq": "MONTHLY",
                "byday": "-1FR",
                "interval": None,
                "dtstart": "2026-12-01",
                "until": "2027-02-23",
            },
        )
        self.assertEqual(
            {k: fortnightly.get(k) for k in ("freq", "interval", "byday", "wkst", "dtstart")},
            {
                "freq": "WEEKLY",
                "interval": 2,
                "byday": "MO,TH",
                "wkst": "MO",
                "dtstart": "2026-12-03",
            },
        )
        self.assertEqual(
            (fortnightly["valid_from"], fortnightly["valid_to"]), ("2026-12-01", "2027-02-23")
        )
        self.assertNotIn("closes_at", fortnightly)

    def test_an_online_group_has_a_virtual_location_and_its_states(self):
        online = make_online_group(serves_regions="CA,OR")

        service = self.json(f"/api/hsds/services/{online.uuid}")

        [link] = service["service_at_locations"]
        self.assertEqual(link["location"]["location_type"], "virtual")
        self.assertEqual(link["location"]["url"], "https://example.org/meet/online-evening-circle")
        self.assertEqual(
            [area["name"] for area in service["service_areas"]], ["California", "Oregon"]
        )
        self.assertEqual(service["moderation_rules"], online.moderation_rules)

    def test_the_list_and_its_pages(self):
        for n in range(4):
            make_group(f"Group {n}")

        page = self.json("/api/hsds/services", {"per_page": 2, "page": 2})

        self.assertEqual(
            {k: v for k, v in page.items() if k != "contents"},
            {
                "total_items": 5,
                "total_pages": 3,
                "page_number": 2,
                "size": 2,
                "first_page": False,
                "last_page": False,
                "empty": False,
            },
        )
        assert_valid(self, page["contents"], "compiled/service_list")
        self.assertNotIn("schedules", page["contents"][0])
        full = self.json("/api/hsds/services", {"per_page": 5, "full": "true"})["contents"]
        assert_valid(self, full, "service")
        self.assertEqual([s["id"] for s in full[:1]], [str(self.circle.uuid)])
        beyond = self.json("/api/hsds/services", {"page": 9})
        self.assertEqual((beyond["empty"], beyond["contents"]), (True, []))

    def test_minimal_is_id_name_status_and_when_modified(self):
        [item] = self.json("/api/hsds/services", {"minimal": "true"})["contents"]

        assert_valid(self, [item], "compiled/service_list")
        self.assertEqual(set(item), {"id", "name", "status", "last_modified"})

    def test_search_organization_and_taxonomy_filters(self):
        other = make_group(
            "Online Friday",
            organization=make_organization("Other Org"),
            format=Group.Format.PROCESS,
            leader_type=Group.LeaderType.PROFESSIONAL,
            leader_training="LCSW",
        )

        def names(**query):
            return [s["name"] for s in self.json("/api/hsds/services", query)["contents"]]

        self.assertEqual(names(search="friday"), ["Online Friday"])
        self.assertEqual(names(organization_id=str(other.organization.uuid)), ["Online Friday"])
        women = Focus.objects.get(slug="women").uuid
        self.assertEqual(names(taxonomy_term_id=str(women)), ["Tuesday Evening Circle"])
        process = taxonomy.fixed_term("format", "process").id
        self.assertEqual(names(taxonomy_term_id=str(process)), ["Online Friday"])
        facet = taxonomy.fixed_term("format", "process").parent_id
        self.assertEqual(len(names(taxonomy_term_id=str(facet))), 2)
        self.assertEqual(names(taxonomy_term_id=str(uuid5(taxonomy.NAMESPACE, "nothing"))), [])
        self.assertEqual(len(names(taxonomy_id=str(taxonomy.TAXONOMY_ID))), 2)
        self.assertEqual(names(taxonomy_id=str(uuid5(taxonomy.NAMESPACE, "other"))), [])

    def test_modified_after(self):
        with time_machine.travel(TUESDAY_MORNING + timedelta(days=1), tick=False):
            make_group("Newer Circle")

        found = self.json("/api/hsds/services", {"modified_after": "2026-11-24T20:00:00Z"})

        self.assertEqual([s["name"] for s in found["contents"]], ["Newer Circle"])
        self.assertEqual(
            self.json("/api/hsds/services", {"modified_after": "2026-11-24"})["total_items"], 2
        )

    def test_postcode_and_proximity(self):
        make_online_group("Online Anywhere")
        make_online_group("Online California", serves_regions="CA")
        denver = make_group(
            "Denver Circle",
            city="Denver",
            region="CO",
            postal_code="80202",
            latitude=39.7491,
            longitude=-104.9946,
        )

        def names(**query):
            return sorted(s["name"] for s in self.json("/api/hsds/services", query)["contents"])

        self.assertEqual(names(postcode="78701"), ["Online Anywhere", "Tuesday Evening Circle"])
        self.assertEqual(
            names(postcode="80202", proximity=1000), ["Denver Circle", "Online Anywhere"]
        )
        self.assertEqual(names(postcode="90210"), ["Online Anywhere", "Online California"])
        self.assertTrue(denver.uuid)


class PublicOnlyTests(ApiTestCase):
    """Exactly what the pages show: the listed groups, no hidden address, no people."""

    def everything(self):
        """Every document the API and the feed serve, as text."""
        urls = [
            "/api/hsds/services?full=true&per_page=100",
            "/api/hsds/service_at_locations?full=true&per_page=100",
            "/api/hsds/organizations?full_service=true&per_page=100",
            "/api/hsds/taxonomy_terms?per_page=100",
            "/api/meeting-guide.json",
        ]
        text = "".join(self.get(url).content.decode() for url in urls)
        for group in Group.objects.all():
            text += self.get(f"/api/hsds/services/{group.uuid}").content.decode()
            for kind in ("physical", "virtual"):
                sal = hsds.service_at_location_id(group, kind)
                text += self.get(f"/api/hsds/service_at_locations/{sal}").content.decode()
        return text

    def test_a_city_only_address_never_appears(self):
        quiet = make_group(
            "Quiet Room Circle",
            address="77 Hidden Lane",
            postal_code="78702",
            latitude=30.26339,
            longitude=-97.71597,
            address_visibility=Group.AddressVisibility.CITY_ONLY,
        )

        text = self.everything()

        self.assertIn("Quiet Room Circle", text)
        self.assertNotIn("Hidden Lane", text)
        self.assertNotIn("78702", text)
        self.assertNotIn("30.26339", text)
        location = self.json(f"/api/hsds/services/{quiet.uuid}")["service_at_locations"][0][
            "location"
        ]
        self.assertEqual((location["latitude"], location["longitude"]), (30.26, -97.72))
        self.assertEqual(location["address_visibility"], "city_only")
        self.assertEqual(location["addresses"][0]["city"], "Austin")

    def test_drafts_and_unlisted_groups_never_appear(self):
        hidden = [
            make_group("Draft Circle", status=Group.Status.DRAFT),
            make_group("Pending Circle", status=Group.Status.PENDING),
            make_group("Archived Circle", status=Group.Status.ARCHIVED),
            make_group(
                "Ended Course",
                membership=Group.Membership.CLOSED,
                starts_on=date(2026, 1, 6),
                ends_on=date(2026, 3, 3),
            ),
            make_group("Stale Circle", last_verified_on=date(2025, 1, 1)),
        ]
        unlisted_org = make_organization("Only Drafts Org")
        make_group("Another Draft", organization=unlisted_org, status=Group.Status.DRAFT)

        text = self.everything()

        for group in hidden:
            with self.subTest(group=group.name):
                self.assertNotIn(group.name, text)
                self.assertNotIn(str(group.uuid), text)
                response = self.get(f"/api/hsds/services/{group.uuid}")
                self.assertEqual(response.status_code, 404)
        self.assertNotIn("Only Drafts Org", text)
        self.assertEqual(self.get(f"/api/hsds/organizations/{unlisted_org.uuid}").status_code, 404)

    def test_no_partner_or_curator_data(self):
        user = User.objects.create_user("ana@partner.example", "ana@partner.example", "x" * 14)
        Membership.objects.create(user=user, organization=self.organization, role="admin")
        self.circle.reports.create(
            kind="other", details="Secret report", contact_email="r@x.example"
        )

        text = self.everything()

        self.assertNotIn("ana@partner.example", text)
        self.assertNotIn("Secret report", text)
        self.assertNotIn("r@x.example", text)
        for finding in vetting.evaluate(self.circle):
            self.assertNotIn(finding.curator_text, text)


class OrganizationTests(ApiTestCase):
    def test_organizations_with_listed_groups(self):
        make_organization("No Groups Yet")

        page = self.json("/api/hsds/organizations")

        self.assertEqual([o["name"] for o in page["contents"]], ["Riverbend Peer Network"])
        assert_valid(self, page["contents"], "compiled/organization_list")
        full = self.json("/api/hsds/organizations", {"full": "true"})["contents"]
        assert_valid(self, full, "organization")
        self.assertEqual([s["name"] for s in full[0]["services"]], ["Tuesday Evening Circle"])
        self.assertEqual(
            self.json("/api/hsds/organizations", {"search": "nothing"})["contents"], []
        )

    def test_an_organization_with_its_services(self):
        make_group("Draft Circle", status=Group.Status.DRAFT)

        org = self.json(f"/api/hsds/organizations/{self.organization.uuid}")
        whole = self.json(
            f"/api/hsds/organizations/{self.organization.uuid}", {"full_service": "true"}
        )

        assert_valid(self, [org, whole], "organization")
        self.assertEqual([s["name"] for s in org["services"]], ["Tuesday Evening Circle"])
        self.assertNotIn("schedules", org["services"][0])
        self.assertIn("schedules", whole["services"][0])


class ServiceAtLocationTests(ApiTestCase):
    def test_a_hybrid_group_meets_at_two_locations(self):
        hybrid = make_group("Hybrid Circle", attendance=Group.Attendance.HYBRID)

        page = self.json("/api/hsds/service_at_locations", {"per_page": 100})
        full = self.json("/api/hsds/service_at_locations", {"per_page": 100, "full": "true"})

        assert_valid(self, page["contents"], "compiled/service_at_location_list")
        assert_valid(self, full["contents"], "service_at_location")
        self.assertEqual(page["total_items"], 3)
        kinds = [(s["service"]["name"], s["location"]["location_type"]) for s in page["contents"]]
        self.assertEqual(
            kinds,
            [
                ("Tuesday Evening Circle", "physical"),
                ("Hybrid Circle", "physical"),
                ("Hybrid Circle", "virtual"),
            ],
        )
        for kind in ("physical", "virtual"):
            one = self.json(
                f"/api/hsds/service_at_locations/{hsds.service_at_location_id(hybrid, kind)}"
            )
            assert_valid(self, [one], "service_at_location")
            self.assertEqual(one["location"]["location_type"], kind)
            self.assertEqual(one["service"]["id"], str(hybrid.uuid))
        virtual_of_in_person = hsds.service_at_location_id(self.circle, "virtual")
        self.assertEqual(
            self.get(f"/api/hsds/service_at_locations/{virtual_of_in_person}").status_code, 404
        )

    def test_pages_cross_from_physical_to_virtual(self):
        make_online_group("Online A")
        make_online_group("Online B")

        pages = [
            self.json("/api/hsds/service_at_locations", {"per_page": 2, "page": n}) for n in (1, 2)
        ]

        self.assertEqual(
            [s["service"]["name"] for page in pages for s in page["contents"]],
            ["Tuesday Evening Circle", "Online A", "Online B"],
        )
        self.assertEqual(
            self.json("/api/hsds/service_at_locations", {"postcode": "78701"})["total_items"], 3
        )


class TaxonomyTests(ApiTestCase):
    def test_the_taxonomy_and_its_terms(self):
        [taxonomy_document] = self.json("/api/hsds/taxonomies")["contents"]
        terms = self.json("/api/hsds/taxonomy_terms", {"per_page": 100})["contents"]

        assert_valid(self, [taxonomy_document], "taxonomy")
        assert_valid(self, terms, "taxonomy_term")
        self.assertEqual(taxonomy_document["id"], str(taxonomy.TAXONOMY_ID))
        codes = [term["code"] for term in terms]
        self.assertIn("format/psychoeducational", codes)
        self.assertIn("focus/women", codes)
        self.assertEqual(len(codes), len(set(codes)))
        self.assertEqual(
            self.json(f"/api/hsds/taxonomies/{taxonomy.TAXONOMY_ID}")["name"],
            taxonomy.TAXONOMY_NAME,
        )
        top = self.json("/api/hsds/taxonomy_terms", {"top_only": "true"})["contents"]
        self.assertEqual([t["code"] for t in top], list(taxonomy.FACETS))
        focus_facet = next(t["id"] for t in top if t["code"] == "focus")
        under = self.json("/api/hsds/taxonomy_terms", {"parent_id": focus_facet, "per_page": 100})
        self.assertEqual(under["total_items"], Focus.objects.count())
        women = Focus.objects.get(slug="women")
        self.assertEqual(self.json(f"/api/hsds/taxonomy_terms/{women.uuid}")["name"], women.name)

    def test_ids_are_the_same_in_every_copy_of_the_directory(self):
        # The seeded focus vocabulary's ids come from its slugs (migration 0007), the fixed
        # vocabularies' from their codes.
        self.assertEqual(
            Focus.objects.get(slug="women").uuid, uuid5(taxonomy.NAMESPACE, "focus/women")
        )
        self.assertEqual(
            taxonomy.fixed_term("format", "support").id,
            UUID("122bea99-7b72-51de-9456-27e11f522df5"),
        )


class BadParameterTests(ApiTestCase):
    def assert_bad(self, url, query, parameter):
        response = self.get(url, query)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        problem = response.json()
        self.assertEqual((problem["status"], problem["title"]), (400, "Bad request parameters"))
        self.assertIn(parameter, [error["parameter"] for error in problem["errors"]])
        self.assertIn(parameter, problem["detail"])

    def test_bad_parameters_are_told_in_one_shape(self):
        for query, parameter in [
            ({"per_page": "0"}, "per_page"),
            ({"per_page": "101"}, "per_page"),
            ({"page": "two"}, "page"),
            ({"page": "99999999999999999999"}, "page"),
            ({"organization_id": "riverbend"}, "organization_id"),
            ({"taxonomy_term_id": "1"}, "taxonomy_term_id"),
            ({"modified_after": "yesterday"}, "modified_after"),
            ({"modified_after": "0001-01-01T00:00:00+05:00"}, "modified_after"),
            ({"full": "yes"}, "full"),
            ({"full": "true", "minimal": "true"}, "minimal"),
            ({"postcode": "Austin"}, "postcode"),
            ({"postcode": "00000"}, "postcode"),
            ({"proximity": "5000"}, "proximity"),
            ({"postcode": "78701", "proximity": "-1"}, "proximity"),
            ({"format": "ndjson"}, "format"),
            ({"search": "x" * 201}, "search"),
        ]:
            for url in ("/api/hsds/services", "/api/hsds/service_at_locations"):
                with self.subTest(url=url, query=query):
                    self.assert_bad(url, query, parameter)
        self.assert_bad("/api/hsds/organizations", {"full_service": "maybe"}, "full_service")
        self.assert_bad("/api/hsds/taxonomy_terms", {"parent_id": "x"}, "parent_id")

    def test_unknown_ids_and_paths_are_404_in_the_same_shape(self):
        for url in [
            f"/api/hsds/services/{uuid5(taxonomy.NAMESPACE, 'x')}",
            "/api/hsds/services/not-a-uuid",
            "/api/hsds/organizations/1",
            "/api/hsds/service_at_locations/00000000-0000-0000-0000-000000000000",
            "/api/hsds/taxonomies/abc",
            "/api/hsds/taxonomy_terms/abc",
            "/api/hsds/profile/nothing.json",
            "/api/nothing/here",
        ]:
            with self.subTest(url=url):
                response = self.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["status"], 404)


class QueryCountTests(ApiTestCase):
    """However many rows a page holds, the same number of queries."""

    def setUp(self):
        super().setUp()
        for n in range(12):
            make_group(f"Group {n}", focus=["women", "men"], languages="en,es")
            make_online_group(f"Online {n}", organization=make_organization(f"Org {n}"))

    def assert_queries(self, expected, url, query):
        for per_page in (1, 10):
            with self.subTest(url=url, query=query, per_page=per_page):
                with self.assertNumQueries(expected):
                    response = self.get(url, query | {"per_page": per_page})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["size"], per_page)

    def test_lists(self):
        self.assert_queries(3, "/api/hsds/services", {})  # count, page, focus
        self.assert_queries(3, "/api/hsds/services", {"postcode": "78701"})
        self.assert_queries(4, "/api/hsds/services", {"full": "true"})  # + meeting times
        self.assert_queries(2, "/api/hsds/services", {"minimal": "true"})
        # A count for each kind of location, the page's physical ones, focus…
        self.assert_queries(4, "/api/hsds/service_at_locations", {})
        self.assert_queries(5, "/api/hsds/service_at_locations", {"full": "true"})
        # …and on the page that crosses to the virtual ones, those too.
        with self.assertNumQueries(5):
            self.get("/api/hsds/service_at_locations", {"per_page": 10, "page": 2})
        self.assert_queries(2, "/api/hsds/organizations", {})
        # count, page, their listed groups, the groups' meeting times and focus
        self.assert_queries(5, "/api/hsds/organizations", {"full_service": "true"})
        self.assert_queries(1, "/api/hsds/taxonomy_terms", {})

    def test_one_service_and_the_feed(self):
        with self.assertNumQueries(3):  # the group, its meeting times, its focus
            self.get(f"/api/hsds/services/{self.circle.uuid}")
        with self.assertNumQueries(3):  # the groups, their meeting times, their focus
            self.get("/api/meeting-guide.json")


class CitizenshipTests(ApiTestCase):
    def test_etag_last_modified_and_304(self):
        response = self.get("/api/hsds/services")

        self.assertEqual(response["Cache-Control"], "public, max-age=300")
        etag, modified = response["ETag"], response["Last-Modified"]
        self.assertEqual(modified, "Tue, 24 Nov 2026 16:00:00 GMT")  # the group was made then
        again = self.get("/api/hsds/services", headers={"If-None-Match": etag})
        self.assertEqual((again.status_code, again.content), (304, b""))
        self.assertEqual(again["ETag"], etag)
        since = self.get("/api/hsds/services", headers={"If-Modified-Since": modified})
        self.assertEqual(since.status_code, 304)
        self.circle.description = "Changed."
        with time_machine.travel(TUESDAY_MORNING + timedelta(hours=1), tick=False):
            self.circle.save()
            changed = self.get("/api/hsds/services", headers={"If-None-Match": etag})
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed["ETag"], etag)

    def test_cors_for_get_and_preflight(self):
        response = self.get("/api/hsds/services", headers={"Origin": "https://app.example"})
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertIn("ETag", response["Access-Control-Expose-Headers"])

        preflight = self.client.options(
            "/api/hsds/services",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        self.assertEqual(preflight.status_code, 204)
        self.assertEqual(preflight["Access-Control-Allow-Methods"], "GET, HEAD, OPTIONS")
        self.assertIn("If-None-Match", preflight["Access-Control-Allow-Headers"])

    def test_only_reads(self):
        response = self.client.post("/api/hsds/services", {})

        self.assertEqual(response.status_code, 405)
        self.assertEqual(response["Allow"], "GET, HEAD, OPTIONS")
        self.assertEqual(response.json()["status"], 405)

    def test_too_many_requests(self):
        with mock.patch.object(http, "REQUESTS_PER_MINUTE", http.abuse.Limit("api", 2, 60)):
            statuses = [self.get("/api/hsds/").status_code for _ in range(3)]
            response = self.get("/api/hsds/services")

        self.assertEqual(statuses, [200, 200, 429])
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Retry-After"], "60")
        self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertEqual(response.json()["title"], "Too many requests")
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")

    def test_english_whatever_the_visitors_language(self):
        service = self.client.get(
            f"/api/hsds/services/{self.circle.uuid}", headers={"accept-language": "es"}
        ).json()

        self.assertEqual(
            service["schedules"][0]["description"], "Tuesdays, 7–8:30 pm (Central time)"
        )
        self.assertEqual(
            service["checklist"]["findings"][0]["title"], "What it does and how often it meets"
        )


class ProfileTests(ApiTestCase):
    def test_the_profile_names_its_modifications_and_schemas(self):
        profile = self.json("/api/hsds/profile/")

        self.assertEqual(profile["hsds_version"], "3.0")
        for name in profile_names():
            with self.subTest(name=name):
                patch = self.json(f"/api/hsds/profile/{name}.json")
                merged = self.json(f"/api/hsds/schema/{name}.json")
                self.assertEqual(patch, profile_patch(name))
                self.assertEqual(merged, merge_patch(hsds_schema(name), patch))
                self.assertEqual(
                    profile["schemas"][f"{name}.json"],
                    f"http://testserver/api/hsds/schema/{name}.json",
                )

    def test_the_profile_only_adds(self):
        for name in profile_names():
            core, profiled = hsds_schema(name), profile_schema(name)
            with self.subTest(name=name):
                self.assertTrue(
                    set(core.get("properties", {})) <= set(profiled.get("properties", {}))
                )
                self.assertEqual(core.get("required"), profiled.get("required"))

    def test_the_checklist_checks_are_the_profiles(self):
        checks = profile_schema("service")["properties"]["checklist"]["properties"]["findings"]
        self.assertEqual(checks["items"]["properties"]["check"]["enum"], list(vetting.CHECKS))

    def test_the_schemas_reject_what_hsds_rejects(self):
        service = self.json(f"/api/hsds/services/{self.circle.uuid}")
        wrong = service | {"id": "not-a-uuid", "status": "open", "url": "not a url"}
        wrong["schedules"] = [service["schedules"][0] | {"freq": "DAILY"}]
        wrong["checklist"] = {"as_of": "2026-11-24", "summary": "", "findings": [{"check": "x"}]}

        core = {
            tuple(e.absolute_path) for e in validator("service", profiled=False).iter_errors(wrong)
        }
        profiled = {tuple(e.absolute_path) for e in validator("service").iter_errors(wrong)}

        self.assertEqual(core, {("id",), ("status",), ("url",), ("schedules", 0, "freq")})
        # The finding lacks title, status and text; its check is not one of the checks.
        self.assertEqual(
            profiled - core, {("checklist", "findings", 0), ("checklist", "findings", 0, "check")}
        )


class OpenApiTests(ApiTestCase):
    def test_the_document_covers_everything_under_api_and_stands_alone(self):
        document = self.json("/api/openapi.json")

        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(
            document["info"]["license"]["url"], "https://creativecommons.org/licenses/by/4.0/"
        )
        for path in [
            "/api/hsds/",
            "/api/hsds/services",
            "/api/hsds/services/{id}",
            "/api/hsds/service_at_locations/{id}",
            "/api/hsds/taxonomy_terms",
            "/api/meeting-guide.json",
            "/api/openapi.json",
        ]:
            self.assertIn(path, document["paths"])
        refs = set()

        def collect(value):
            if isinstance(value, dict):
                refs.update(v for k, v in value.items() if k == "$ref")
                for v in value.values():
                    collect(v)
            elif isinstance(value, list):
                for v in value:
                    collect(v)

        collect(document)
        self.assertTrue(refs)
        for ref in refs:
            self.assertTrue(ref.startswith("#/components/"), ref)
            kind, name = ref.split("/")[2:]
            self.assertIn(name, document["components"][kind])

    def test_the_api_page_is_served_here(self):
        response = self.get("/api/")

        self.assertContains(response, "<h1>Open data: the directory's API</h1>", html=False)
        self.assertContains(response, "<code>GET /api/hsds/services</code>", html=True)
        self.assertContains(response, "focus/women")
        self.assertNotContains(response, "https://cdn")
        self.assertNotIn("unsafe-inline", response.get("Content-Security-Policy", ""))
