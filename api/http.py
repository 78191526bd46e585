"""How every /api/ endpoint answers: JSON, read-only, cacheable, shared across origins,
rate-limited, and with one shape for every error.

- GET and HEAD (and OPTIONS, the CORS preflight); anything else is 405.
- `Access-Control-Allow-Origin: *`: the data is public, and no cookie is ever read.
- `ETag` from the body, `Last-Modified` where the view says, and 304 for a conditional
  GET that matches (If-None-Match, else If-Modified-Since).
- `Cache-Control: public, max-age=…`.
- REQUESTS_PER_MINUTE from one address (directory/abuse.py's counts, shared by every
  worker), then 429 with `Retry-After`.
- Errors are RFC 9457 problem details (application/problem+json):
  {"type", "title", "status", "detail", "errors": [{"parameter", "message"}]}.
- English whatever the visitor's language: the data is English.
"""

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from directory import abuse

REQUESTS_PER_MINUTE = abuse.Limit("api", settings.API_REQUESTS_PER_MINUTE, 60)
MAX_AGE = 300  # seconds
ALLOWED = "GET, HEAD, OPTIONS"
PROBLEM = "application/problem+json"


class BadParameters(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def json_response(data, *, last_modified=None, content_type="application/json"):
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), content_type=content_type
    )
    response.last_modified = last_modified
    return response


def problem(status, title, detail, errors=None, **headers):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = json_response(body, content_type=PROBLEM)
    response.status_code = status
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def bad_parameters(errors):
    detail = " ".join(
        f"{error['parameter']}: {error['message']}" if error["parameter"] else error["message"]
        for error in errors
    )
    return problem(400, "Bad request parameters", detail, errors)


def not_found(request=None, exception=None):
    return problem(404, "Not found", "There is nothing here: check the URL and the id.")


def api_endpoint(view=None, *, max_age=MAX_AGE):
    """Make a view that returns a json_response() an /api/ endpoint (see the module)."""
    if view is None:
        return lambda view: api_endpoint(view, max_age=max_age)

    @wraps(view)
    def endpoint(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            return _shared(response)
        if request.method not in ("GET", "HEAD"):
            response = problem(
                405, "Method not allowed", "This API only reads: use GET.", Allow=ALLOWED
            )
            return _shared(response)
        if REQUESTS_PER_MINUTE.count(abuse.visitor_key(request)) > REQUESTS_PER_MINUTE.limit:
            wait = REQUESTS_PER_MINUTE.minutes_left() * 60
            response = problem(
                429,
                "Too many requests",
                f"At most {REQUESTS_PER_MINUTE.limit} requests a minute from one address. "
                f"Try again in {wait} seconds.",
                Retry_After=str(wait),
            )
            return _shared(response)
        with translation.override("en"):
            try:
                response = view(request, *args, **kwargs)
            except BadParameters as bad:
                return _shared(bad_parameters(bad.errors))
            except Http404:
                return _shared(not_found())
        return _shared(_conditional(request, response, max_age))

    # Nothing is written, so there is no forgery to prevent; a POST is told 405 in JSON.
    endpoint.csrf_exempt = True
    return endpoint


def _conditional(request, response, max_age):
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["ETag"] = etag
    last_modified = getattr(response, "last_modified", None)
    timestamp = int(last_modified.timestamp()) if last_modified else None
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    patch_cache_control(response, public=True, max_age=max_age)
    response["Content-Language"] = "en"
    return (
        get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
        or response
    )


def _shared(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
    return response
