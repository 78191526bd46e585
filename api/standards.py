"""The published specifications the API follows, as carried in api/standards/ (see its
README for their sources and licences), and the HSDS Profile that extends them.

HSDS 3.0 defines each object in a JSON Schema file (service.json, schedule.json…) that
refers to the others by file name. This project's Profile (api/profile/) says what it
adds as a JSON Merge Patch (RFC 7386) over some of those files, as HSDS's profiles
reference asks; profile_schema() is the result, what the API's documents follow.
"""

import copy
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent
HSDS_SCHEMAS = HERE / "standards" / "hsds-3.0" / "schema"
PROFILE = HERE / "profile"
MEETING_GUIDE = HERE / "standards" / "meeting-guide"

HSDS_VERSION = "3.0"
# Where HSDS publishes its schemas; their relative $refs ("schedule.json") resolve here.
HSDS_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PROFILE_VERSION = "1.0.0"


def _load(path):
    return json.loads(path.read_text())


@cache
def hsds_schema(name):
    """A schema file as HSDS publishes it: "service", "compiled/service_list", "openapi"."""
    return _load(HSDS_SCHEMAS / f"{name}.json")


def hsds_names():
    """The object schemas of HSDS ("service", "schedule"…), without the API document."""
    return sorted(p.stem for p in HSDS_SCHEMAS.glob("*.json") if p.stem != "openapi")


def profile_names():
    """The files the Profile modifies ("service", …, "openapi")."""
    return sorted(p.stem for p in PROFILE.glob("*.json"))


@cache
def profile_patch(name):
    """The Profile's modification of one HSDS file, or None where it changes nothing."""
    path = PROFILE / f"{name}.json"
    return _load(path) if path.exists() else None


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: `patch` applied to a copy of `target`."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def profile_schema(name):
    """An HSDS file with the Profile's modification merged in (the file itself where the
    Profile leaves it as it is)."""
    patch = profile_patch(name)
    return merge_patch(hsds_schema(name), patch) if patch else hsds_schema(name)


@cache
def _registry(profiled):
    schema = profile_schema if profiled else hsds_schema
    resources = [
        (HSDS_BASE + f"{name}.json", Resource.from_contents(schema(name), DRAFT202012))
        for name in hsds_names()
    ]
    for name in ("service_list", "organization_list", "service_at_location_list"):
        resources.append(
            (
                HSDS_BASE + f"compiled/{name}.json",
                Resource.from_contents(hsds_schema(f"compiled/{name}"), DRAFT202012),
            )
        )
    return Registry().with_resources(resources)


def validator(name, *, profiled=True):
    """A jsonschema validator for one HSDS object ("service", "compiled/service_list"…),
    as the Profile extends it or (profiled=False) as HSDS publishes it, checking formats
    (uuid, email, uri, date-time) too."""
    return Draft202012Validator(
        {"$ref": HSDS_BASE + f"{name}.json"},
        registry=_registry(profiled),
        format_checker=FormatChecker(),
    )


@cache
def meeting_guide_types():
    """The Meeting Guide's published type codes: {"S": {"en": "Spanish", …}, …}."""
    return _load(MEETING_GUIDE / "types.json")
