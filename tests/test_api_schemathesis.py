"""Schemathesis against /api/openapi.json: generated requests to every documented operation,
through the WSGI application (no server), a bounded number of examples each. Every answer
must be documented: no server error, a documented status and content type, a body that
conforms to the document's schema, the documented headers."""

from unittest import mock

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import http, openapi
from directory.models import Group
from tests.factories import make_group, make_online_group

# Per operation: 20 operations, about 30 seconds in all.
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_dict(openapi.document())
schema.app = get_wsgi_application()


@pytest.fixture
def directory(db):
    """A few listed groups of every kind, and a draft."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        cache.clear()
        make_group("Tuesday Evening Circle", focus=["women"])
        make_group(
            "Quiet Room Circle",
            address_visibility=Group.AddressVisibility.CITY_ONLY,
            meeting={"frequency": "monthly", "week_of_month": -1},
        )
        make_online_group("Online Evening Circle", serves_regions="CA,OR", languages="en,es")
        make_group("Hybrid Circle", attendance=Group.Attendance.HYBRID)
        make_group("Draft Circle", status=Group.Status.DRAFT)
        # The WSGI handler would close the test's connection, and its transaction, after
        # each request: as Django's test client does, keep it open.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        # Schemathesis is one visitor sending many requests: no rate limit here.
        try:
            with mock.patch.object(http, "REQUESTS_PER_MINUTE", http.abuse.Limit("api", 10**9, 60)):
                yield
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
def test_every_answer_is_documented(case, directory):
    case.call_and_validate(checks=CHECKS, headers={"Host": "testserver"})
