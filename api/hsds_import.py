"""Importing HSDS 3.0 services (`manage.py import_hsds FILE_OR_URL`): the CSV import's
checks, for listings written as HSDS.

Each service becomes the CSV import's row (directory/importer.py: one row per service,
one more pass for each further meeting time), and the CSV import checks every row as it
checks a file; nothing is written unless every service passes. Problems are reported by
service and HSDS field: `services[3] “Tuesday Circle”, schedules[0].byday: …`.

What is read is what api/hsds.py writes, so exporting the directory and importing it into
an empty database makes the same documents again (but for when they were last modified,
and the checklist's word on organizations a curator has not checked yet: imported
organizations are new to the directory, so unchecked). Other publishers' services are
read by the same fields: groupfinder's taxonomy terms (by id or code), schedules'
`timezone_name` or else a whole-hour `timezone`, an address without a street meaning
"shown by city only".

A service is matched to a listing by organization and name, as the CSV import does; a
new listing keeps the service's id, and a new organization its organization's.
"""

import csv
import io
import json
import re
import urllib.request
from dataclasses import dataclass, field
from uuid import UUID

from django.db import IntegrityError, transaction

from api import hsds, taxonomy
from api.standards import validator
from directory import importer, snapshots
from directory.codes import US_REGIONS
from directory.models import Group, GroupVersion, Organization

MAX_BYTES = 50 * 1024 * 1024
NOTE = "Imported from HSDS"
_BYDAY = {value: day for day, value in hsds._BYDAY.items()}
_BYDAY_PART = re.compile(r"(-?\d)?([A-Z]{2})")
_CLOCK = re.compile(r"(\d{2}:\d{2})(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?")
_REGION_NAMES = {name.casefold(): code for code, name in US_REGIONS.items()}
_COST_VALUES = {label.casefold(): value for value, label in hsds.COST_OPTIONS.items()}


@dataclass(frozen=True)
class Problem:
    record: str  # 'services[3] “Tuesday Circle”'
    field: str  # "schedules[0].byday"
    message: str

    def __str__(self):
        return f"{self.record}, {self.field}: {self.message}"


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


class SourceError(Exception):
    """The file or URL could not be read as JSON."""


def read(source):
    """The JSON at a path or an http(s) URL."""
    try:
        if re.match(r"https?://", source):
            request = urllib.request.Request(source, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read(MAX_BYTES + 1)
        else:
            with open(source, "rb") as file:
                raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SourceError(f"There is no file {source}.") from None
    except OSError as error:  # URLError and HTTPError are OSErrors
        raise SourceError(f"Could not read {source} ({error}).") from None
    if len(raw) > MAX_BYTES:
        raise SourceError(f"{source} is larger than {MAX_BYTES // 1024 // 1024} MB.")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceError(f"{source} is not JSON ({error}).") from None


def services_in(data):
    """The services of an HSDS service package (a list), a page of the API (an object with
    `contents`) or a single service."""
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return data["contents"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise SourceError("Expected a list of HSDS services, a page of them, or one service.")


@dataclass
class _Record:
    number: int
    service: dict
    rows: list  # the CSV rows: the group with its first meeting time, then one per further one
    paths: dict  # column -> HSDS field, for the first row; schedules[i] for row i
    problems: list

    @property
    def label(self):
        name = self.service.get("name")
        return f"services[{self.number}]" + (f" “{name}”" if isinstance(name, str) else "")


def import_services(data, *, status=Group.Status.PUBLISHED):
    """Check every service of `data`; if all are good, save them all. Returns a Result."""
    services = services_in(data)
    terms = {term.id: term for term in taxonomy.terms()}
    records = [_record(number, service, terms) for number, service in enumerate(services)]
    problems = [problem for record in records for problem in record.problems]
    checkable = [record for record in records if not record.problems]
    plans, check_problems = _check(checkable)
    problems += check_problems
    if not services:
        problems.append(Problem("services", "-", "There are no services to import."))
    if problems:
        return Result(problems=problems)
    try:
        with transaction.atomic():
            result = Result()
            for record in checkable:
                created = _save(record, plans[record.number], status)
                result.created += created
                result.updated += not created
            return result
    except _SaveFailed as failure:
        return Result(problems=[failure.problem])


# Reading one service into the CSV import's rows


def _record(number, service, terms):
    record = _Record(number, service, [], {}, [])
    if not isinstance(service, dict):
        record.problems.append(Problem(record.label, "-", "A service must be a JSON object."))
        return record
    for error in validator("service").iter_errors(service):
        path = ".".join(str(part) for part in error.absolute_path) or "-"
        record.problems.append(Problem(record.label, path, error.message))
    if record.problems:
        return record
    if service.get("status") != "active":
        record.problems.append(
            Problem(record.label, "status", "Only active services can be listed.")
        )
    base, record.paths = _group_row(service, terms, record)
    schedules = service.get("schedules") or [{}]
    base |= _dates(schedules[0], closed=base["membership"] == "closed")
    for index, schedule in enumerate(schedules):
        record.rows.append(base | _meeting_columns(schedule, base, record, index))
    return record


def _group_row(service, terms, record):
    """The CSV columns of everything but the meeting time, and the HSDS field of each."""
    attributes = _attributes(service, terms)
    physical, virtual, paths = _locations(service, record)
    address = (physical.get("addresses") or [{}])[0]
    cost = (service.get("cost_options") or [{}])[0]
    option = str(cost.get("option", ""))
    cost_value = _COST_VALUES.get(option.casefold(), option)
    amount = cost.get("amount")
    row = {
        "name": service.get("name", ""),
        "organization": _organization_name(service),
        "description": service.get("description", ""),
        "format": attributes.get("format", ("", ""))[0],
        "membership": attributes.get("membership", ("", ""))[0],
        "attendance": _attendance(physical, virtual),
        "leader_type": attributes.get("leader_type", ("", ""))[0],
        "leader_training": attributes.get("leader_type", ("", ""))[1],
        "venue": physical.get("name", ""),
        "address": ", ".join(
            part for part in (address.get("address_1"), address.get("address_2")) if part
        ),
        "city": address.get("city", ""),
        "region": address.get("state_province") or address.get("region", ""),
        "postal_code": address.get("postal_code", ""),
        "country": address.get("country", ""),
        "latitude": _text(physical.get("latitude")),
        "longitude": _text(physical.get("longitude")),
        "address_visibility": physical.get("address_visibility")
        or ("public" if address.get("address_1") else "city_only")
        if physical
        else "",
        "online_url": virtual.get("url", ""),
        "serves_regions": ";".join(
            _REGION_NAMES.get(str(area.get("name", "")).casefold(), str(area.get("name", "")))
            for area in service.get("service_areas", [])
        ),
        "confidentiality_policy": service.get("confidentiality_policy", ""),
        "moderation_rules": service.get("moderation_rules", ""),
        "cost": cost_value,
        "fee_per_session": _text(amount) if amount and cost_value != "free" else "",
        "insurance_accepted": "yes" if "insurance" in attributes else "no",
        "focus": ";".join(value for value, _ in attributes.get("focus", [])),
        "languages": ";".join(str(lang.get("code", "")) for lang in service.get("languages", [])),
        "max_size": _text(service.get("maximum_group_size")),
        "min_age": _text(service.get("minimum_age")),
        "contact_email": service.get("email", ""),
        "contact_phone": (service.get("phones") or [{}])[0].get("number", ""),
        "website": service.get("url", ""),
        "last_verified_on": service.get("assured_date", ""),
    }
    paths |= {
        "name": "name",
        "organization": "organization.name",
        "description": "description",
        "format": "attributes (format)",
        "membership": "attributes (membership)",
        "leader_type": "attributes (leader_type)",
        "leader_training": "attributes (leader_type).value",
        "serves_regions": "service_areas",
        "confidentiality_policy": "confidentiality_policy",
        "moderation_rules": "moderation_rules",
        "cost": "cost_options[0].option",
        "fee_per_session": "cost_options[0].amount",
        "insurance_accepted": "attributes (insurance)",
        "focus": "attributes (focus)",
        "languages": "languages",
        "max_size": "maximum_group_size",
        "min_age": "minimum_age",
        "contact_email": "email",
        "contact_phone": "phones[0].number",
        "website": "url",
        "last_verified_on": "assured_date",
    }
    return row, paths


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _organization_name(service):
    named = (service.get("organization") or {}).get("name")
    if named:
        return named
    organization_id = service.get("organization_id")
    if organization_id:
        found = Organization.objects.filter(uuid=organization_id).first()
        return found.name if found else ""
    return ""


def _attributes(service, terms):
    """{facet: (value, attribute value)} of the service's attributes on groupfinder's
    taxonomy ("focus": a list of them); other taxonomies' attributes are left aside."""
    found = {"focus": []}
    for attribute in service.get("attributes", []):
        facet, value = _term(attribute, terms)
        if not facet or not value:
            continue
        if facet == "focus":
            found["focus"].append((value, ""))
        else:
            found[facet] = (value, attribute.get("value", ""))
    return found


def _term(attribute, terms):
    """(facet, value) for an attribute on groupfinder's taxonomy, by the term's id or, for
    a term this directory does not know, by its code; else ("", "")."""
    try:
        term = terms.get(UUID(attribute.get("taxonomy_term_id", "")))
    except ValueError:
        term = None
    if term:
        return term.facet, term.value
    nested = attribute.get("taxonomy_term") or {}
    ours = nested.get("taxonomy_id") in (None, str(taxonomy.TAXONOMY_ID))
    facet, _, value = str(nested.get("code", "")).partition("/")
    if ours and facet in taxonomy.FACETS and facet != "attendance":
        return facet, value
    return "", ""


def _locations(service, record):
    """(physical location, virtual location, {column: HSDS field}) of a service."""
    physical, virtual, paths = {}, {}, {"attendance": "service_at_locations"}
    for index, link in enumerate(service.get("service_at_locations", [])):
        where = link.get("location") or {}
        path = f"service_at_locations[{index}].location"
        kind = where.get("location_type")
        if kind not in ("physical", "virtual"):
            continue
        if physical if kind == "physical" else virtual:
            record.problems.append(
                Problem(record.label, path, f"A group has at most one {kind} location.")
            )
            continue
        if kind == "physical":
            physical = where
            address = f"{path}.addresses[0]"
            paths |= {
                "venue": f"{path}.name",
                "address": f"{address}.address_1",
                "city": f"{address}.city",
                "region": f"{address}.state_province",
                "postal_code": f"{address}.postal_code",
                "country": f"{address}.country",
                "latitude": f"{path}.latitude",
                "longitude": f"{path}.longitude",
                "address_visibility": f"{path}.address_visibility",
            }
        else:
            virtual = where
            paths["online_url"] = f"{path}.url"
    return physical, virtual, paths


def _attendance(physical, virtual):
    if physical and virtual:
        return "hybrid"
    return "in_person" if physical else "online" if virtual else ""


def _dates(schedule, *, closed):
    """A closed group's first and last sessions, from its first schedule: valid_from and
    valid_to, or else (for a closed group) its dtstart and until."""
    return {
        "starts_on": schedule.get("valid_from") or (schedule.get("dtstart", "") if closed else ""),
        "ends_on": schedule.get("valid_to") or (schedule.get("until", "") if closed else ""),
    }


def _meeting_columns(schedule, base, record, index):
    freq, interval = schedule.get("freq", ""), schedule.get("interval", 1)
    frequency = {
        ("WEEKLY", 1): "weekly",
        ("WEEKLY", 2): "every_other_week",
        ("MONTHLY", 1): "monthly",
    }.get((freq, interval if freq == "WEEKLY" else 1), f"{freq} (interval {interval})")
    days, weeks = [], set()
    for part in filter(None, str(schedule.get("byday", "")).split(",")):
        match = _BYDAY_PART.fullmatch(part.strip())
        if not match or match[2] not in _BYDAY:
            days.append(part)  # the CSV check says what is wrong with it
            continue
        days.append(_BYDAY[match[2]])
        weeks.add(match[1])
    week = ""
    if frequency == "monthly":
        if len(weeks) > 1 or None in weeks:
            record.problems.append(
                Problem(
                    record.label,
                    f"schedules[{index}].byday",
                    "A monthly schedule names one week of the month for all its days, "
                    "like 2TU or -1FR.",
                )
            )
        week = {"-1": "last"}.get(next(iter(weeks), ""), next(iter(weeks), "") or "")
    dtstart = schedule.get("dtstart", "")
    needed = frequency == "every_other_week" or dtstart != base["starts_on"]
    first_meeting = dtstart if dtstart and needed else ""
    return {
        "days": ";".join(days),
        "start_time": _clock(schedule.get("opens_at", "")),
        "end_time": _clock(schedule.get("closes_at", "")),
        "frequency": frequency,
        "week_of_month": week or "",
        "first_meeting_on": first_meeting,
        "timezone": _timezone(schedule, base),
    }


def _clock(text):
    match = _CLOCK.fullmatch(str(text))
    return match[1] if match else str(text)


def _timezone(schedule, base):
    """The IANA name; else, for a group meeting only online, the fixed zone of a whole-hour
    UTC offset ("Etc/GMT+6" is UTC-6); else "" (the CSV import then takes the ZIP code's)."""
    if schedule.get("timezone_name"):
        return schedule["timezone_name"]
    offset = schedule.get("timezone")
    if offset is None or base["attendance"] != "online":
        return ""
    if float(offset).is_integer():
        hours = -int(offset)
        return "Etc/GMT" if hours == 0 else f"Etc/GMT{hours:+d}"
    return f"UTC{offset:+}"


# Checking: the CSV import's own checks, row by row


def _check(records):
    """Every record's rows through importer.check_file(): the first meeting time of all
    records, then the second of those with two, and so on. Returns ({number: [plans]},
    problems)."""
    plans, problems = {record.number: [] for record in records}, []
    most = max((len(record.rows) for record in records), default=0)
    for index in range(most):
        batch = [record for record in records if len(record.rows) > index]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=importer.COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in batch:
            writer.writerow(record.rows[index])
        batch_plans, batch_problems = importer.check_file(text.getvalue())
        for plan in batch_plans:
            plans[batch[plan.number - 2].number].append(plan)
        for problem in batch_problems:
            record = batch[problem.row - 2]
            problems.append(
                Problem(
                    record.label, _field(record, problem.column, index), _message(problem, batch)
                )
            )
    return plans, list(dict.fromkeys(problems))


_MEETING_FIELDS = {
    "days": "byday",
    "start_time": "opens_at",
    "end_time": "closes_at",
    "frequency": "freq",
    "week_of_month": "byday",
    "first_meeting_on": "dtstart",
    "timezone": "timezone_name",
    "starts_on": "valid_from",
    "ends_on": "valid_to",
}


def _field(record, column, index):
    if column in _MEETING_FIELDS:
        return f"schedules[{index}].{_MEETING_FIELDS[column]}"
    return record.paths.get(column, column)


def _message(problem, batch):
    """The CSV import's message, with its row numbers said as services."""
    return re.sub(
        r"on row (\d+)",
        lambda match: f"as {batch[int(match[1]) - 2].label}",
        problem.message,
    )


# Saving


class _SaveFailed(Exception):
    def __init__(self, problem):
        self.problem = problem


def _save(record, plans, status):
    """Write one record's group, all its meeting times and its history; returns whether
    the group is new."""
    plan, service = plans[0], record.service
    group, organization = plan.group, plan.organization
    created = group.pk is None
    try:
        with transaction.atomic():
            if organization.pk is None:
                if (
                    service.get("organization_id")
                    and not Organization.objects.filter(uuid=service["organization_id"]).exists()
                ):
                    organization.uuid = service["organization_id"]
                organization.website = (service.get("organization") or {}).get("website", "")
                organization.save()
            if created and not Group.objects.filter(uuid=service["id"]).exists():
                group.uuid = service["id"]
            group.organization = organization
            group.status = status
            listing = snapshots.write(group, [each.meeting for each in plans], plan.focus)
            GroupVersion.record(group, NOTE, data=listing)
    except IntegrityError as error:
        raise _SaveFailed(
            Problem(record.label, "-", f"The database refused this service ({error}).")
        ) from error
    return created
