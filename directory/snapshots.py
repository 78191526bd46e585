"""Snapshots of a listing: a group's editable fields, meeting times and focus as plain data.

One format serves the history of every group (GroupVersion), a change waiting
for review (partners.Submission) and a curator's revert: take a snapshot,
compare two, apply one.
"""

from datetime import date, time
from decimal import Decimal

from django.db import transaction

from directory.models import Focus, Group, MeetingTime

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

    Returns (group, meetings, focus) without touching the database, so a
    proposal can be shown and checked before it is applied.
    """
    group = Group.objects.get(pk=group.pk) if group is not None and group.pk else Group()
    for field in GROUP_FIELDS:
        setattr(group, field, _typed(Group, field, data["group"].get(field)))
    meetings = [
        MeetingTime(
            **{field: _typed(MeetingTime, field, row.get(field)) for field in MEETING_FIELDS}
        )
        for row in data["meeting_times"]
    ]
    focus = list(Focus.objects.filter(slug__in=data["focus"]))
    return group, meetings, focus


@transaction.atomic
def apply(group, data):
    """Make `group` what the snapshot says: fields, meeting times and focus."""
    proposed, meetings, focus = build(data, group)
    for field in GROUP_FIELDS:
        setattr(group, field, getattr(proposed, field))
    group.save()
    group.focus.set(focus)
    group.meeting_times.all().delete()
    for meeting in meetings:
        meeting.group = group
        meeting.save()  # each save refreshes the group's summary and checklist
    if not meetings:
        group.refresh_summary()
    return group


def differences(before, after):
    """[(label, before, after)] for every field, meeting time or focus that differs."""
    changes = []
    for field in GROUP_FIELDS:
        old, new = before["group"].get(field), after["group"].get(field)
        if old != new:
            label = Group._meta.get_field(field).verbose_name
            changes.append((label.capitalize(), _shown(old), _shown(new)))
    old_meetings = [_meeting_words(m) for m in before["meeting_times"]]
    new_meetings = [_meeting_words(m) for m in after["meeting_times"]]
    if old_meetings != new_meetings:
        changes.append(("Meeting times", "; ".join(old_meetings), "; ".join(new_meetings)))
    if before["focus"] != after["focus"]:
        changes.append(("Focus", ", ".join(before["focus"]), ", ".join(after["focus"])))
    return changes


def _meeting_words(row):
    meeting = MeetingTime(
        **{field: _typed(MeetingTime, field, row.get(field)) for field in MEETING_FIELDS}
    )
    return f"{meeting} ({meeting.timezone})"


def _shown(value):
    if value in (None, ""):
        return "(blank)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


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
