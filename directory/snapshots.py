"""Snapshots of a listing: a group's editable fields, meeting times and focus as plain data.

One format serves the history of every group (GroupVersion), a change waiting
for review (partners.Submission) and a curator's revert: take a snapshot,
describe it in words, compare two, apply one.
"""

import copy
from datetime import date, time
from decimal import Decimal

from django.db import transaction
from django.utils.formats import date_format
from django.utils.text import capfirst

from directory import pages
from directory.models import Focus, Group, MeetingTime, VettingResult, unique_slugs

# What an organization edits about a group; status, slug and the computed
# columns are the directory's own.
GROUP_FIELDS = [
    "name", "description", "format", "membership", "starts_on", "ends_on", "attendance",
    "leader_type", "leader_training", "venue", "address", "city", "region", "postal_code",
    "country", "latitude", "longitude", "address_visibility", "online_url", "serves_regions",
    "confidentiality_policy", "moderation_rules", "cost", "fee_per_session",
    "insurance_accepted", "languages", "max_size", "min_age", "contact_email", "contact_phone",
    "website", "last_verified_on",
]  # fmt: skip
MEETING_FIELDS = [
    "days", "start_time", "end_time", "timezone", "frequency", "week_of_month", "first_meeting_on",
]  # fmt: skip


def take(group, meetings=None, focus=None):
    """The snapshot of `group`, or of a proposed version: unsaved meeting times and focus."""
    if meetings is None:
        meetings = list(group.meeting_times.all())
    if focus is None:
        focus = list(group.focus.all())
    return {
        "group": {field: _plain(getattr(group, field)) for field in GROUP_FIELDS},
        "meeting_times": [
            {field: _plain(getattr(meeting, field)) for field in MEETING_FIELDS}
            for meeting in meetings
        ],
        "focus": sorted(focus.slug for focus in focus),
    }


def build(data, group=None):
    """An unsaved Group (a copy of `group` when given) and meeting times for a snapshot.

    Returns (group, meetings, focus) without writing anything, so a proposal
    can be shown and checked before it is applied. The copy keeps what `group`
    has loaded (its organization); `focus` is a lazy queryset, read only by
    those who show it.
    """
    group = copy.copy(group) if group is not None else Group()
    for field in GROUP_FIELDS:
        setattr(group, field, _typed(Group, field, data["group"].get(field)))
    meetings = [_meeting(row, group) for row in data["meeting_times"]]
    focus = Focus.objects.filter(slug__in=data["focus"])
    return group, meetings, focus


def apply(group, data):
    """Make `group` what the snapshot says: fields, meeting times and focus (see write())."""
    return write(group, *unpack(group, data))


def unpack(group, data):
    """Give `group` the snapshot's fields; returns its (meetings, focus), unsaved (build())."""
    proposed, meetings, focus = build(data, group)
    for field in GROUP_FIELDS:
        setattr(group, field, getattr(proposed, field))
    return meetings, focus


@transaction.atomic(savepoint=False)
def write(group, meetings, focus=None):
    """Save `group` with exactly these meeting times and focus (None: the focus it has).

    The one way a whole listing is written (a partner's form, a curator's approval or
    revert, the CSV and HSDS imports): the group's summary and checklist are worked out
    once, from the rows in hand, and saved with it (Group.summarize()); the directory is
    said to have changed. Returns the listing's snapshot, for its history.
    """
    if group.pk is None:
        return write_new([(group, meetings, [] if focus is None else focus)])[0]
    keep_focus = focus is None
    focus = list(group.focus.all() if keep_focus else focus)
    results = group.summarize(meetings, [each.slug for each in focus])
    group.save()
    if not keep_focus:
        group.focus.set(focus)
    group.meeting_times.all().delete()
    group.vetting_results.all().delete()
    for meeting in meetings:
        meeting.pk, meeting.group = None, group
    MeetingTime.objects.bulk_create(meetings)
    VettingResult.objects.bulk_create(results)
    pages.directory_changed()
    return take(group, meetings, focus)


@transaction.atomic(savepoint=False)
def write_new(listings):
    """write() for new groups, each given as (group, meetings, focus), in bulk: the
    summaries and checklists worked out once a group, then every kind of row saved in one
    query for all (a few queries for thousands of groups). Returns their snapshots."""
    listings = [(group, meetings, list(focus)) for group, meetings, focus in listings]
    groups = [group for group, _, _ in listings]
    results = []
    for (group, meetings, focus), slug in zip(
        listings, unique_slugs(Group, [group.slug_text() for group in groups]), strict=True
    ):
        group.slug = slug
        results += group.summarize(meetings, [each.slug for each in focus])
    Group.objects.bulk_create(groups)
    meetings, links = [], []
    for group, its_meetings, focus in listings:
        for meeting in its_meetings:
            meeting.pk, meeting.group = None, group
        meetings += its_meetings
        links += [Group.focus.through(group=group, focus=each) for each in focus]
    MeetingTime.objects.bulk_create(meetings)
    Group.focus.through.objects.bulk_create(links)
    VettingResult.objects.bulk_create(results)
    pages.directory_changed()
    return [take(group, meetings, focus) for group, meetings, focus in listings]


BLANK = "(not given)"


def describe(data):
    """[(label, text)]: the listing a snapshot describes, in the words a visitor reads.

    Every field is there, in the order of the group's page, with labels and
    the model's own wording (cost_in_words, language_names, days_in_words…)
    instead of codes. The review page, the revert page and the history all
    read a listing through here, and differences() compares two of them.
    """
    group, meetings, focus = build(data)
    return [(str(capfirst(label)), text or BLANK) for label, text in _rows(group, meetings, focus)]


def differences(before, after):
    """[(label, before, after)] for every line of describe() that differs."""
    old, new = dict(describe(before)), describe(after)
    return [(label, old.get(label, BLANK), text) for label, text in new if old.get(label) != text]


def _rows(group, meetings, focus):
    def label(field):
        return Group._meta.get_field(field).verbose_name

    def display(field):
        return str(getattr(group, f"get_{field}_display")()) if getattr(group, field) else ""

    def day(value):
        return date_format(value, "DATE_FORMAT") if value else ""

    def number(value):
        return "" if value is None else str(value)

    place = "" if group.latitude is None else f"{group.latitude:.5f}, {group.longitude:.5f}"
    regions = ", ".join(group.region_names()) or ("Anywhere" if group.meets_online else "")
    return [
        (label("name"), group.name),
        (label("description"), group.description),
        (label("format"), display("format")),
        (label("membership"), display("membership")),
        (label("starts_on"), day(group.starts_on)),
        (label("ends_on"), day(group.ends_on)),
        ("Meeting times", "; ".join(_meeting_words(meeting) for meeting in meetings)),
        (label("attendance"), display("attendance")),
        (label("venue"), group.venue),
        (label("address"), group.address),
        (label("city"), group.city),
        (label("region"), display("region")),
        (label("postal_code"), group.postal_code),
        (label("country"), group.country),
        ("Place on the map", place),
        (label("address_visibility"), display("address_visibility")),
        (label("online_url"), group.online_url),
        (label("serves_regions"), regions),
        (label("leader_type"), display("leader_type")),
        (label("leader_training"), group.leader_training),
        (label("confidentiality_policy"), group.confidentiality_policy),
        (label("moderation_rules"), group.moderation_rules),
        (label("cost"), display("cost")),
        (label("fee_per_session"), group.cost_in_words() if group.fee_per_session else ""),
        (label("insurance_accepted"), "Yes" if group.insurance_accepted else "No"),
        ("Focus", ", ".join(str(item.label()) for item in focus)),
        (label("languages"), ", ".join(group.language_names())),
        (label("min_age"), number(group.min_age)),
        (label("max_size"), number(group.max_size)),
        (label("contact_email"), group.contact_email),
        (label("contact_phone"), group.contact_phone),
        (label("website"), group.website),
        (label("last_verified_on"), day(group.last_verified_on)),
    ]


def _meeting(row, group):
    """An unsaved MeetingTime of `group` for one of a snapshot's meeting times."""
    fields = {field: _typed(MeetingTime, field, row.get(field)) for field in MEETING_FIELDS}
    return MeetingTime(group=group, **fields)


def _meeting_words(meeting):
    """'Thursdays, 6:30–8 pm (Mountain time)', as the group's page says it."""
    words = f"{meeting.days_in_words()}, {meeting.time_in_words()}"
    if meeting.timezone:
        words += f" ({meeting.timezone_name()})"
    if meeting.first_meeting_on:
        words += f", one meeting on {date_format(meeting.first_meeting_on, 'DATE_FORMAT')}"
    return words


def _plain(value):
    """A JSON-friendly value: dates and times as ISO text, amounts as text."""
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _typed(model, field, value):
    """The model field's Python value for a snapshot's plain value."""
    if value is None:
        return None
    return model._meta.get_field(field).to_python(value)
