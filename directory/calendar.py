"""A group's meetings as an iCalendar file (RFC 5545), for "Add to calendar".

Made with the `icalendar` library. Each meeting time is a recurring event in the
group's own timezone: DTSTART at the next meeting with the zone's TZID, and an
RRULE (weekly, every other week, or monthly by week of the month or the last
one), until a closed group's last day. Each zone comes with a VTIMEZONE that
icalendar writes from the tz database for every year the events cover, so a
calendar that does not know the IANA name still places each meeting right,
through every daylight saving change.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone

# An open group meets with no end: its VTIMEZONE is written this many years ahead.
# Calendars that know the zone by name (most do) read their own tz database instead.
OPEN_ENDED_YEARS = 20

_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


def ics(group, url, now=None):
    """The iCalendar text for `group`'s meeting times; `url` is the group's page."""
    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//groupfinder//support groups//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    events, years = [], {}
    for meeting in group.meeting_times.all():
        start = meeting.next_meeting(now)
        if start is None:
            continue
        end = (
            datetime.combine(start.date(), meeting.end_time, tzinfo=start.tzinfo)
            if meeting.end_time
            else start + timedelta(hours=1)
        )
        event = icalendar.Event()
        event.add("uid", f"group-{group.pk}-meeting-{meeting.pk}@groupfinder")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("rrule", rrule(meeting, group.ends_on))
        event.add("summary", group.name)
        event.add("description", _description(group, meeting, url))
        event.add("location", _location(group))
        event.add("url", url)
        events.append(event)
        last_year = group.ends_on.year if group.ends_on else start.year + OPEN_ENDED_YEARS
        first, last = years.get(meeting.timezone, (start.year, last_year))
        years[meeting.timezone] = (min(first, start.year), max(last, last_year))
    for zone, (first, last) in sorted(years.items()):
        calendar.add_component(_vtimezone(zone, first, last))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical().decode()


def rrule(meeting, ends_on=None):
    """FREQ=WEEKLY;BYDAY=TU,TH · FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=MO ·
    FREQ=MONTHLY;BYDAY=-1TH, with UNTIL at the end of a closed group's last day."""
    days = [_BYDAY[day] for day in meeting.day_list()]
    if meeting.frequency == "monthly":
        rule = {"freq": "monthly", "byday": [f"{meeting.week_of_month}{day}" for day in days]}
    elif meeting.frequency == "every_other_week":
        # next_meeting() starts the series on one of the right weeks, so every
        # second week from there keeps to them.
        rule = {"freq": "weekly", "interval": 2, "byday": days, "wkst": "MO"}
    else:
        rule = {"freq": "weekly", "byday": days}
    if ends_on:
        # With a DTSTART in a timezone, UNTIL is in UTC (RFC 5545, 3.3.10).
        last = datetime.combine(ends_on, datetime.max.time(), tzinfo=ZoneInfo(meeting.timezone))
        rule["until"] = last.astimezone(UTC).replace(microsecond=0)
    return icalendar.vRecur(rule)


@lru_cache(maxsize=64)
def _vtimezone(zone, first_year, last_year):
    """The zone's VTIMEZONE with every offset change from `first_year` through `last_year`.

    Cached: it is the same for every group in the zone, and icalendar finds each
    change by searching the tz database.
    """
    return icalendar.Timezone.from_tzid(
        zone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )


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
