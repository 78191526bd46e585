"""The directory as HSDS 3.0 documents: a group is a `service`.

How a group maps (the README's "Open data" section says it for people):

- the group: a service with its organization; `assured_date` is when its details were
  last confirmed; `status` is always "active" (only listed groups are published);
- where it meets: a `physical` location (the venue, its address, its point) and, for
  online and hybrid groups, a `virtual` location with the meeting link, each joined to
  the service by a `service_at_location`;
- when: one `schedule` per meeting time, as RFC 5545 recurrence parts (WEEKLY, WEEKLY
  with interval 2, or MONTHLY by week of the month), with `dtstart`/`until` and
  `valid_from`/`valid_to` for a closed group's first and last sessions;
- what it costs: a `cost_option` and `fees_description`; languages as `language`s;
  the states an online group accepts members from as `service_area`s;
- the kind of group, joining, how it meets, who leads it (and their training), who it
  is for and insurance: `attribute`s on the project's taxonomy (api/taxonomy.py);
- what HSDS has no field for (the confidentiality policy, the moderation rules, the
  largest group size, the vetting checklist, the listing's page): the Profile's fields
  (api/profile/).

Only what the group's page shows is published: a group whose address is shown by city
only has no street address or ZIP code here, and its point is rounded to 2 decimals
(about a kilometre). Nothing about the people behind a listing is.

Every id is a UUID that never changes: the organization's, group's and focus's own
`uuid`, and for what belongs to one group (its locations, schedules, cost option…) a
version-5 UUID of the group's, named by what it is ("location/physical",
"schedule/0"…). Meeting times are saved afresh on every edit, so a schedule's id
follows its place among the group's meeting times rather than a row.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from api import taxonomy
from directory import schedule
from directory.codes import LANGUAGES, US_REGIONS, split_codes

# A group that shows only its city: its point, rounded to this many decimals.
CITY_ONLY_DECIMALS = 2
_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


class Links:
    """Absolute URLs for the documents, on the host the request came to."""

    def __init__(self, request):
        self.request = request

    def absolute(self, path):
        return self.request.build_absolute_uri(path)

    def url(self, name, *args):
        return self.absolute(reverse(name, args=args))


def child_id(group, name):
    """The permanent id of something that belongs to one group ("location/physical")."""
    return str(uuid5(group.uuid, name))


def last_modified(group):
    """When the listing or its organization last changed."""
    return max(group.updated_at, group.organization.updated_at)


def modified_at(group):
    return _timestamp(last_modified(group))


def _timestamp(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _without_blanks(document):
    """Leave out optional fields with nothing to say (HSDS's formats reject "" for uri and
    email, and an empty field says nothing)."""
    return {key: value for key, value in document.items() if value not in ("", None, [])}


# Organizations


def organization(org):
    """The organization's one-to-one fields (what HSDS's organization_list holds)."""
    # `description` is required by HSDS; the directory keeps none for organizations.
    document = {"id": str(org.uuid), "name": org.name, "description": ""}
    if org.website:
        document["website"] = org.website
    return document


# Services


def service_summary(group, links):
    """A service's one-to-one fields and its organization (HSDS's service_list)."""
    return _without_blanks(
        {
            "id": str(group.uuid),
            "organization_id": str(group.organization.uuid),
            "name": group.name,
            "description": group.description,
            "url": group.website,
            "email": group.contact_email,
            "status": "active",
            "application_process": _application_process(group),
            "fees_description": _fees_description(group),
            "eligibility_description": _eligibility(group),
            "minimum_age": group.min_age,
            "assured_date": group.last_verified_on.isoformat() if group.last_verified_on else "",
            "last_modified": modified_at(group),
            # The Profile's one-to-one fields.
            "listing_url": links.absolute(group.get_absolute_url()),
            "confidentiality_policy": group.confidentiality_policy,
            "moderation_rules": group.moderation_rules,
            "maximum_group_size": group.max_size,
            "organization": organization(group.organization),
        }
    )


def service(group, links, today=None):
    """The whole service: what the group's page says. Reads the group's organization,
    meeting times and focus (select_related / prefetch_related them for many groups)."""
    document = service_summary(group, links)
    sid = document["id"]
    document |= _without_blanks(
        {
            "phones": [_phone(group, "service_id", sid)] if group.contact_phone else [],
            "schedules": schedules(group, service_id=sid),
            "service_areas": [
                {
                    "id": child_id(group, f"service_area/{code}"),
                    "service_id": sid,
                    "name": US_REGIONS.get(code, code),
                    "description": f"Members who join online live in {US_REGIONS.get(code, code)}.",
                }
                for code in split_codes(group.serves_regions)
            ]
            if group.meets_online
            else [],
            "service_at_locations": [
                service_at_location(group, kind, links) for kind in location_kinds(group)
            ],
            "languages": [
                {
                    "id": child_id(group, f"language/{code}"),
                    "service_id": sid,
                    "name": LANGUAGES.get(code, code),
                    "code": code,
                }
                for code in split_codes(group.languages)
            ],
            "cost_options": [_cost_option(group, sid)],
            "attributes": [
                _attribute(group, term, value, links) for term, value in taxonomy.group_terms(group)
            ],
        }
    )
    document["checklist"] = checklist(group, today)
    return document


def checklist(group, today=None):
    """The vetting checklist as every page says it today (Group.checklist()), visitors'
    words only."""
    today = today or timezone.localdate()
    tally = group.checklist(today)
    return {
        "as_of": today.isoformat(),
        "summary": tally.summary(),
        "findings": [
            {
                "check": finding.check,
                "title": str(finding.title),
                "status": finding.status,
                "text": finding.visitor_text,
            }
            for finding in tally.findings
        ],
    }


def _application_process(group):
    if group.membership == group.Membership.CLOSED:
        return (
            f"A closed group: everyone starts together on {group.starts_on.isoformat()} and "
            f"it ends on {group.ends_on.isoformat()}. Ask about joining before it starts."
        )
    return "An open group: you can join any time."


def _fees_description(group):
    words = f"{group.cost_in_words()}."
    return f"{words} Insurance accepted." if group.insurance_accepted else words


def _eligibility(group):
    parts = []
    focuses = sorted(group.focus.all(), key=lambda focus: focus.slug)
    if focuses:
        parts.append("Especially for: " + "; ".join(focus.name for focus in focuses) + ".")
    if group.min_age:
        parts.append(f"Ages {group.min_age} and up.")
    return " ".join(parts)


def _phone(group, link, link_id):
    return {"id": child_id(group, "phone"), link: link_id, "number": group.contact_phone}


COST_OPTIONS = {
    "free": "Free",
    "sliding_scale": "Sliding scale",
    "fee": "A fee per session",
}


def _cost_option(group, sid):
    fee = float(group.fee_per_session) if group.fee_per_session is not None else None
    option = {
        "id": child_id(group, "cost_option"),
        "service_id": sid,
        "option": COST_OPTIONS[group.cost],
        "currency": "USD",
    }
    if group.cost == group.Cost.FREE:
        return option | {"amount": 0}
    if fee is None:
        return option
    described = "at most, a session" if group.cost == group.Cost.SLIDING_SCALE else "a session"
    return option | {"amount": fee, "amount_description": described}


def _attribute(group, term, value, links):
    return _without_blanks(
        {
            "id": child_id(group, f"attribute/{term.code}"),
            "link_id": str(group.uuid),
            "link_entity": "service",
            "taxonomy_term_id": str(term.id),
            "taxonomy_term": taxonomy_term(term, links),
            "value": value,
        }
    )


# Schedules


def schedules(group, *, service_id):
    """One schedule per meeting time, numbered in the group's order of meeting times."""
    return [
        _schedule(group, meeting, number, service_id)
        for number, meeting in enumerate(group.meeting_times.all())
    ]


def schedule_id(group, number):
    return child_id(group, f"schedule/{number}")


def _schedule(group, meeting, number, service_id):
    days = [_BYDAY[day] for day in meeting.day_list()]
    rule = {"freq": "WEEKLY", "interval": 1, "byday": ",".join(days)}
    if meeting.frequency == meeting.Frequency.EVERY_OTHER_WEEK:
        rule = {"freq": "WEEKLY", "interval": 2, "byday": ",".join(days), "wkst": "MO"}
    elif meeting.frequency == meeting.Frequency.MONTHLY:
        rule = {"freq": "MONTHLY", "byday": ",".join(f"{meeting.week_of_month}{d}" for d in days)}
    dtstart = meeting.first_meeting_on or group.starts_on
    return _without_blanks(
        {
            "id": schedule_id(group, number),
            "service_id": service_id,
            **rule,
            "dtstart": dtstart.isoformat() if dtstart else "",
            "until": group.ends_on.isoformat() if group.ends_on else "",
            "valid_from": group.starts_on.isoformat() if group.starts_on else "",
            "valid_to": group.ends_on.isoformat() if group.ends_on else "",
            "opens_at": meeting.start_time.strftime("%H:%M"),
            "closes_at": meeting.end_time.strftime("%H:%M") if meeting.end_time else "",
            "timezone": utc_offset(meeting.timezone),
            "timezone_name": meeting.timezone,
            "description": (
                f"{meeting.days_in_words()}, {meeting.time_in_words()} "
                f"({schedule.describe_timezone(meeting.timezone)})"
            ),
            "attending_type": str(group.get_attendance_display()),
        }
    )


def utc_offset(zone, now=None):
    """The zone's offset from UTC in hours today (-6, -5, 5.5): HSDS's `timezone`."""
    offset = (now or timezone.now()).astimezone(ZoneInfo(zone)).utcoffset()
    hours = offset.total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


# Locations


def location_kinds(group):
    """ "physical" where it meets in person, then "virtual" where it meets online."""
    return [
        kind
        for kind, meets in (("physical", group.meets_in_person), ("virtual", group.meets_online))
        if meets
    ]


def location_id(group, kind):
    return child_id(group, f"location/{kind}")


def location(group, kind, *, full=True):
    """The group's physical or virtual location; `full` adds the address."""
    lid = location_id(group, kind)
    if kind == "virtual":
        return {
            "id": lid,
            "location_type": "virtual",
            "url": group.online_url,
            "organization_id": str(group.organization.uuid),
            "name": "Online",
        }
    latitude, longitude = group.latitude, group.longitude
    if not group.shows_address:
        latitude, longitude = (
            round(latitude, CITY_ONLY_DECIMALS),
            round(longitude, CITY_ONLY_DECIMALS),
        )
    document = _without_blanks(
        {
            "id": lid,
            "location_type": "physical",
            "organization_id": str(group.organization.uuid),
            "name": group.venue,
            "latitude": latitude,
            "longitude": longitude,
            "address_visibility": group.address_visibility,
        }
    )
    if full:
        document["addresses"] = [
            {
                "id": child_id(group, "address"),
                "location_id": lid,
                "address_1": group.address if group.shows_address else "",
                "city": group.city,
                "state_province": group.region,
                "postal_code": group.postal_code if group.shows_address else "",
                "country": group.country,
                "address_type": "physical",
            }
        ]
    return document


# A service_at_location's id is the group's with these bits flipped: as permanent as the
# group's, and /service_at_locations/{id} finds the group by its own id. The masks leave
# the UUID's version and variant bits as they are.
_SAL_MASKS = {
    "physical": 0x5A3C_96E1_0F42_0B7D_0D21_6C4B_93A8_E5F0,
    "virtual": 0x3C71_E80A_B25D_04C6_0A97_31F2_6E0D_4B18,
}


def service_at_location_id(group, kind):
    return str(UUID(int=group.uuid.int ^ _SAL_MASKS[kind]))


def service_at_location_candidates(value):
    """{the group's uuid: kind} for each kind a service_at_location id may be of."""
    return {UUID(int=value.int ^ mask): kind for kind, mask in _SAL_MASKS.items()}


def service_at_location(group, kind, links, *, with_service=False, full=True):
    """Where the group meets in one way. `with_service` adds the service (its
    one-to-one fields, or with `full` the whole service but for its locations)."""
    document = {
        "id": service_at_location_id(group, kind),
        "service_id": str(group.uuid),
        "location_id": location_id(group, kind),
        "location": location(group, kind, full=full),
    }
    if with_service:
        if full:
            whole = service(group, links)
            whole.pop("service_at_locations", None)
            document["service"] = whole
        else:
            document["service"] = service_summary(group, links)
    return document


# The taxonomy


def taxonomy_document(links):
    return {
        "id": str(taxonomy.TAXONOMY_ID),
        "name": taxonomy.TAXONOMY_NAME,
        "description": taxonomy.TAXONOMY_DESCRIPTION,
        "uri": links.url("api:hsds_taxonomy", str(taxonomy.TAXONOMY_ID)),
        "version": taxonomy.TAXONOMY_VERSION,
    }


def taxonomy_term(term, links):
    return _without_blanks(
        {
            "id": str(term.id),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": str(term.parent_id) if term.parent_id else "",
            "taxonomy": links.url("api:hsds_taxonomy", str(taxonomy.TAXONOMY_ID)),
            "taxonomy_id": str(taxonomy.TAXONOMY_ID),
            "language": "en",
            "term_uri": links.url("api:hsds_taxonomy_term", str(term.id)),
        }
    )


def newest(groups):
    """The latest last_modified among `groups`, or None."""
    return max((last_modified(group) for group in groups), default=None)


def today_start():
    """Midnight today in the site's timezone: what the directory publishes can change
    then without any row changing (a listing's checklist, a closed group that ended)."""
    today = timezone.localdate()
    return datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())
