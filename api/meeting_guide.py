"""The Meeting Guide JSON feed (api/standards/meeting-guide/README.md): the directory's
weekly meetings for meeting finders (12 Step Meeting List, TSML UI, the Meeting Guide
app).

The format is for meetings someone can walk into any week, so the feed holds the weekly
meeting times of listed, open groups. Left out: meetings every other week or once a
month (the spec: "to be used for weekly meetings only"), and closed groups, which start
and end together on set dates (their members cannot join any week). Each of those is on
its page and in the HSDS API.

- `slug` is the meeting's HSDS schedule id: unique, permanent and URL-safe.
- `day` is 0 (Sunday) to 6, a list when a meeting time is on several days.
- `types` uses only the published codes (types.json), where one means what the group
  is: its languages (`EN`, `S` for Spanish…) and some of its focus (`W` women, `M` men,
  `LGBTQ`, `Y` young people, `SEN` seniors). The codes say nothing about online
  meetings: the spec marks those by `conference_url`.
- Where: the venue and address as the group's page shows them: a group that shows only
  its city has no street, ZIP code or coordinates here, and says `approximate: "yes"`.
- No personal names: no contact fields at all. `feedback_url` is the listing's "Report
  a problem" page.
"""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from api import hsds
from api.standards import meeting_guide_types
from directory.codes import LANGUAGES, US_REGIONS, split_codes
from directory.models import Group, MeetingTime

# Meeting Guide counts days from Sunday; the directory from Monday (schedule.DAYS).
_DAY_NUMBERS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
# Focus slugs whose meaning a published type code has.
FOCUS_TYPES = {
    "women": "W",
    "men": "M",
    "lgbtqi": "LGBTQ",
    "young_adults": "Y",
    "older_adults": "SEN",
}
# ISO 639-1 codes whose type code the published list names differently from the
# language's English name (the rest are matched by name: "Spanish" is S).
_LANGUAGE_NAMES = {"pa": "Punjabi", "el": "Greek", "nl": "Dutch"}


def language_types():
    """{"en": "EN", "es": "S", …}: the languages the published codes name."""
    by_name = {names["en"]: code for code, names in meeting_guide_types().items()}
    found = {}
    for code, name in LANGUAGES.items():
        name = _LANGUAGE_NAMES.get(code, name)
        if name in by_name:
            found[code] = by_name[name]
    return found


def groups():
    """The listed open groups with a weekly meeting time, with all their meeting times
    (a schedule id counts them all) and focus: three queries, whatever their number."""
    weekly = MeetingTime.objects.filter(frequency=MeetingTime.Frequency.WEEKLY)
    return list(
        Group.objects.listed()
        .filter(membership=Group.Membership.OPEN)
        .filter(Exists(weekly.filter(group=OuterRef("pk"))))
        .select_related("organization")
        .prefetch_related("meeting_times", "focus")
        .order_by("pk")
    )


def meetings(groups, links):
    """The feed: one entry for each weekly meeting time of `groups` (from groups())."""
    languages = language_types()
    entries = []
    for group in groups:
        for number, meeting in enumerate(group.meeting_times.all()):
            if meeting.frequency == MeetingTime.Frequency.WEEKLY:
                entries.append(_meeting(group, meeting, number, links, languages))
    return entries


def _meeting(group, meeting, number, links, languages):
    days = sorted(_DAY_NUMBERS[day] for day in meeting.day_list())
    entry = {
        "name": group.name,
        "slug": hsds.schedule_id(group, number),
        "day": days[0] if len(days) == 1 else days,
        "time": meeting.start_time.strftime("%H:%M"),
        "timezone": meeting.timezone,
        "types": types(group, languages),
        "notes": group.description,
        "url": links.absolute(group.get_absolute_url()),
        "feedback_url": links.absolute(reverse("directory:report_problem", args=[group.slug])),
        "updated": hsds.last_modified(group).strftime("%Y-%m-%d %H:%M:%S"),
        "entity": group.organization.name,
        "entity_website_url": group.organization.website,
    }
    if meeting.end_time:
        entry["end_time"] = meeting.end_time.strftime("%H:%M")
    if group.meets_in_person:
        entry |= _where(group)
    else:
        entry["regions"] = ["Online"]
    if group.meets_online:
        entry["conference_url"] = group.online_url
    return {key: value for key, value in entry.items() if value not in ("", None)}


def _where(group):
    where = {
        "location": group.venue,
        "city": group.city,
        "state": group.region,
        "country": group.country,
        "regions": [US_REGIONS.get(group.region, group.region), group.city],
    }
    if group.shows_address and group.address:
        return where | {
            "address": group.address,
            "postal_code": group.postal_code,
            "latitude": round(group.latitude, 5),
            "longitude": round(group.longitude, 5),
            "approximate": "no",
        }
    return where | {"approximate": "yes"}


def types(group, languages):
    codes = [languages[code] for code in split_codes(group.languages) if code in languages]
    codes += [FOCUS_TYPES[focus.slug] for focus in group.focus.all() if focus.slug in FOCUS_TYPES]
    return sorted(set(codes))
