"""A group's meetings as an iCalendar file (RFC 5545), for "Add to calendar".

Each meeting time is a recurring event in the group's own timezone, with a
VTIMEZONE that states the zone's offsets so calendars that do not know the IANA
name still get the times right.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


def ics(group, url, now=None):
    """The iCalendar text for `group`'s meeting times; `url` is the group's page."""
    now = now or timezone.now()
    meetings = list(group.meeting_times.all())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//groupfinder//support groups//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for zone in sorted({meeting.timezone for meeting in meetings}):
        lines += _vtimezone(zone, now.year)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for meeting in meetings:
        start = _first_start(meeting, now)
        if start is None:
            continue
        end = (
            datetime.combine(start.date(), meeting.end_time)
            if meeting.end_time
            else start.replace(tzinfo=None) + timedelta(hours=1)
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:group-{group.pk}-meeting-{meeting.pk}@groupfinder",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={meeting.timezone}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={meeting.timezone}:{end:%Y%m%dT%H%M%S}",
            f"RRULE:{rrule(meeting, group.ends_on)}",
            f"SUMMARY:{_text(group.name)}",
            f"DESCRIPTION:{_text(_description(group, meeting, url))}",
            f"LOCATION:{_text(_location(group))}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def rrule(meeting, ends_on=None):
    """'FREQ=WEEKLY;BYDAY=TU,TH', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', 'FREQ=MONTHLY;BYDAY=-1TH'."""
    days = [_BYDAY[day] for day in meeting.day_list()]
    if meeting.frequency == "monthly":
        rule = f"FREQ=MONTHLY;BYDAY={','.join(f'{meeting.week_of_month}{d}' for d in days)}"
    elif meeting.frequency == "every_other_week":
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={','.join(days)};WKST=MO"
    else:
        rule = f"FREQ=WEEKLY;BYDAY={','.join(days)}"
    if ends_on:
        last = datetime.combine(ends_on, datetime.max.time(), tzinfo=ZoneInfo(meeting.timezone))
        rule += f";UNTIL={last.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return rule


def _first_start(meeting, now):
    """The next meeting, where the calendar's series starts (local time, naive).

    next_meeting() keeps to the right weeks of an every-other-week group, so
    INTERVAL=2 from there does too.
    """
    first = meeting.next_meeting(now)
    return first.replace(tzinfo=None) if first else None


def _vtimezone(zone, year):
    """VTIMEZONE with the zone's standard and daylight offsets as they are this year."""
    tz = ZoneInfo(zone)
    transitions = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment.year == year:
        later = moment + timedelta(hours=1)
        offset = later.astimezone(tz).utcoffset()
        if offset != previous:
            transitions.append((later.astimezone(tz).replace(tzinfo=None), previous, offset,
                                later.astimezone(tz).tzname()))  # fmt: skip
            previous = offset
        moment = later
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone}"]
    if not transitions:
        offset = datetime(year, 1, 1, tzinfo=tz).utcoffset()
        name = datetime(year, 1, 1, tzinfo=tz).tzname()
        return [*lines, "BEGIN:STANDARD", "DTSTART:19700101T000000",
                f"TZOFFSETFROM:{_offset(offset)}", f"TZOFFSETTO:{_offset(offset)}",
                f"TZNAME:{name}", "END:STANDARD", "END:VTIMEZONE"]  # fmt: skip
    for local, before, after, name in transitions:
        kind = "DAYLIGHT" if after > before else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{local:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            f"TZNAME:{name}",
            f"END:{kind}",
        ]
    return [*lines, "END:VTIMEZONE"]


def _offset(delta):
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _description(group, meeting, url):
    parts = [f"{meeting.days_in_words()}, {meeting.time_in_words()}"]
    if group.meets_online:
        parts.append(f"Join online: {group.online_url}")
    parts.append(f"Details: {url}")
    return "\n".join(parts)


def _location(group):
    if group.attendance == "online":
        return "Online"
    if group.shows_address:
        return ", ".join(p for p in (group.venue, group.address, group.place_name()) if p)
    return f"{group.place_name()} (contact the group for the address)"


def _text(value):
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line):
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(start + (75 if not parts else 74), len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # don't split a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    return "\r\n ".join(parts)
