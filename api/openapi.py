"""The OpenAPI 3.1 document for everything under /api/ (served at /api/openapi.json).

Kept by hand rather than generated from code: its HSDS part *is* HSDS's own API document
(api/standards/hsds-3.0/schema/openapi.json) with the Profile's changes merged in
(api/profile/openapi.json), as HSDS's profiles reference asks. This module moves that
part under /api/hsds, adds the other endpoints, and copies every schema it refers to into
`components`, so that the document stands alone: tools (and the test suite's
schemathesis run) need nothing from the network.
"""

import copy
from functools import cache

from api.standards import (
    HSDS_BASE,
    hsds_names,
    hsds_schema,
    meeting_guide_types,
    profile_names,
    profile_schema,
)

LISTS = ("service_list", "organization_list", "service_at_location_list")
PROBLEM_EXAMPLE = {
    "type": "about:blank",
    "title": "Bad request parameters",
    "status": 400,
    "detail": "per_page: Ensure this value is less than or equal to 100.",
    "errors": [
        {"parameter": "per_page", "message": "Ensure this value is less than or equal to 100."}
    ],
}


def meeting_schema():
    """A meeting of the Meeting Guide feed: the spec's fields and types (its README), with
    `types` limited to the published codes."""
    time = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
    day = {"type": "integer", "minimum": 0, "maximum": 6}
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "One weekly meeting (Meeting Guide JSON feed, code4recovery/spec).",
        "required": ["name", "slug"],
        "properties": {
            "name": {"type": "string", "maxLength": 255, "minLength": 1},
            "slug": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"},
            "day": {"oneOf": [day, {"type": "array", "items": day, "minItems": 1}]},
            "time": time,
            "end_time": time,
            "timezone": text,
            "types": {"type": "array", "items": {"enum": sorted(meeting_guide_types())}},
            "notes": text,
            "location": text,
            "address": text,
            "city": text,
            "state": text,
            "postal_code": text,
            "country": text,
            "regions": {"type": "array", "items": text},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "approximate": {"enum": ["yes", "no"]},
            "conference_url": {"type": "string", "format": "uri"},
            "url": {"type": "string", "format": "uri"},
            "feedback_url": {"type": "string", "format": "uri"},
            "updated": {
                "type": "string",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
            },
            "entity": text,
            "entity_website_url": {"type": "string", "format": "uri"},
        },
        "dependentRequired": {"day": ["time"], "time": ["day"]},
    }


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _other_paths():
    errors = {
        "304": {"$ref": "#/components/responses/NotModified"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
    }
    missing = errors | {"404": {"$ref": "#/components/responses/NotFound"}}
    document = {"type": "object"}
    name = {
        "in": "path",
        "name": "name",
        "required": True,
        "schema": {"type": "string", "enum": profile_names()},
        "description": "The HSDS file, without .json.",
    }
    return {
        "/api/meeting-guide.json": {
            "get": {
                "operationId": "getMeetingGuideFeed",
                "summary": "The weekly meetings, as a Meeting Guide JSON feed.",
                "description": (
                    "The weekly meeting times of listed groups that can be joined any week, "
                    "in the Meeting Guide format read by 12 Step Meeting List, TSML UI and "
                    "the Meeting Guide app. Left out: meetings every other week or once a "
                    "month (the format is for weekly meetings only) and closed groups, which "
                    "start and end together on set dates. Online meetings have a "
                    "conference_url; types use only the published codes; there are no "
                    "personal names."
                ),
                "responses": {
                    "200": _json(
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/MeetingGuideMeeting"},
                        },
                        "Every weekly meeting.",
                    ),
                    **errors,
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document.",
                "responses": {"200": _json(document, "The OpenAPI 3.1 document."), **errors},
            }
        },
        "/api/hsds/profile/": {
            "get": {
                "operationId": "getProfile",
                "summary": "The groupfinder HSDS Profile: what it adds to HSDS 3.0.",
                "responses": {
                    "200": _json(document, "The Profile, with links to its files."),
                    **errors,
                },
            }
        },
        "/api/hsds/profile/{name}.json": {
            "parameters": [name],
            "get": {
                "operationId": "getProfileModification",
                "summary": (
                    "One of the Profile's modifications: a JSON Merge Patch over the HSDS file."
                ),
                "responses": {"200": _json(document, "The modification."), **missing},
            },
        },
        "/api/hsds/schema/{name}.json": {
            "parameters": [name],
            "get": {
                "operationId": "getProfileSchema",
                "summary": "An HSDS file with the Profile's modification merged in.",
                "responses": {"200": _json(document, "The schema."), **missing},
            },
        },
    }


def _component_ref(ref):
    """The components reference for a schema file named by a $ref, or the $ref as it is."""
    if ref.startswith("#"):
        return ref
    name = ref.removeprefix(HSDS_BASE).removesuffix(".json")
    name = name.removeprefix("compiled/")
    return f"#/components/schemas/{name}"


def _rewrite_refs(value):
    if isinstance(value, dict):
        return {
            key: _component_ref(item)
            if key == "$ref" and isinstance(item, str)
            else _rewrite_refs(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rewrite_refs(item) for item in value]
    return value


@cache
def _document():
    hsds_api = profile_schema("openapi")
    document = copy.deepcopy(hsds_api)
    document["info"] = document["info"] | {
        "title": "groupfinder open data",
        "summary": "Depression support groups in the US: HSDS 3.0 and a Meeting Guide feed.",
    }
    document["servers"] = [{"url": "/"}]
    document["paths"] = {
        "/api/hsds" + path: item for path, item in hsds_api["paths"].items()
    } | _other_paths()
    schemas = {name: profile_schema(name) for name in hsds_names()}
    schemas |= {name: hsds_schema(f"compiled/{name}") for name in LISTS}
    schemas |= document["components"]["schemas"]
    schemas["MeetingGuideMeeting"] = meeting_schema()
    document["components"]["schemas"] = schemas
    return _rewrite_refs(document)


def document():
    """The OpenAPI document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_document())


def operations():
    """[{method, path, summary, description, parameters: [{name, where, type, description}]}]:
    every operation of the document, for the API's page."""
    doc = _document()
    parameters = doc["components"]["parameters"]
    found = []
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in ("get",):
            if method not in item:
                continue
            operation = item[method]
            params = []
            for parameter in [*shared, *operation.get("parameters", [])]:
                if "$ref" in parameter:
                    parameter = parameters[parameter["$ref"].rsplit("/", 1)[1]] | {
                        key: value for key, value in parameter.items() if key != "$ref"
                    }
                schema = parameter.get("schema", {})
                params.append(
                    {
                        "name": parameter["name"],
                        "where": parameter["in"],
                        "type": schema.get("format") or schema.get("type", ""),
                        "description": parameter.get("description", ""),
                    }
                )
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": params,
                }
            )
    return found
