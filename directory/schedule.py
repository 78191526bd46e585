"""When groups meet: days, recurrence, the next meeting, and saying it in words.

Meeting times are kept in the group's own timezone (the wall-clock time its
members see), so "Tuesdays at 7 pm" stays 7 pm across daylight saving time.
"""

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index == date.weekday()
DAY_NAMES = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
# Every week on these days: "Tuesdays" (Spanish "los martes").
DAY_PLURALS = {
    "mon": _("Mondays"),
    "tue": _("Tuesdays"),
    "wed": _("Wednesdays"),
    "thu": _("Thursdays"),
    "fri": _("Fridays"),
    "sat": _("Saturdays"),
    "sun": _("Sundays"),
}
ORDINALS = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), -1: _("last")}
LAST = -1
TIMEZONE_NAMES = {
    "America/New_York": _("Eastern time"),
    "America/Detroit": _("Eastern time"),
    "America/Indiana/Indianapolis": _("Eastern time"),
    "America/Indiana/Marengo": _("Eastern time"),
    "America/Indiana/Petersburg": _("Eastern time"),
    "America/Indiana/Vevay": _("Eastern time"),
    "America/Indiana/Vincennes": _("Eastern time"),
    "America/Indiana/Winamac": _("Eastern time"),
    "America/Kentucky/Louisville": _("Eastern time"),
    "America/Kentucky/Monticello": _("Eastern time"),
    "America/Chicago": _("Central time"),
    "America/Indiana/Knox": _("Central time"),
    "America/Indiana/Tell_City": _("Central time"),
    "America/Menominee": _("Central time"),
    "America/North_Dakota/Beulah": _("Central time"),
    "America/North_Dakota/Center": _("Central time"),
    "America/North_Dakota/New_Salem": _("Central time"),
    "America/Denver": _("Mountain time"),
    "America/Boise": _("Mountain time"),
    "America/Phoenix": _("Arizona time"),
    "America/Los_Angeles": _("Pacific time"),
    "America/Anchorage": _("Alaska time"),
    "America/Juneau": _("Alaska time"),
    "America/Metlakatla": _("Alaska time"),
    "America/Nome": _("Alaska time"),
    "America/Sitka": _("Alaska time"),
    "America/Yakutat": _("Alaska time"),
    "Pacific/Honolulu": _("Hawaii time"),
    "America/Puerto_Rico": _("Atlantic time"),
    "America/St_Thomas": _("Atlantic time"),
}


def split_days(days):
    """'mon,thu' -> ['mon', 'thu']"""
    return [day for day in days.split(",") if day]


def meets_on(day, *, frequency, days, week_of_month=None, first_meeting_on=None):
    """Whether a meeting of this pattern falls on the date `day`."""
    if DAYS[day.weekday()] not in split_days(days):
        return False
    if frequency == "every_other_week":
        if first_meeting_on is None:
            return True  # unknown which weeks; the form requires the date, so only for old rows
        weeks = (_monday(day) - _monday(first_meeting_on)).days // 7
        return weeks % 2 == 0
    if frequency == "monthly":
        if week_of_month == LAST:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == week_of_month
    return True


def next_meeting(
    *,
    now,
    timezone,
    start_time,
    frequency,
    days,
    week_of_month=None,
    first_meeting_on=None,
    not_before=None,
    not_after=None,
):
    """The start of the next meeting at or after `now`, as an aware datetime in `timezone`.

    `not_before` / `not_after` bound it by date (a closed group's first and last
    sessions). None when there is no next meeting.
    """
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    day = local_now.date()
    if not_before and not_before > day:
        day = not_before
    # Every pattern repeats within two months (a monthly "last Tuesday" is the longest gap).
    for offset in range(63):
        candidate = day + timedelta(days=offset)
        if not_after and candidate > not_after:
            return None
        if not meets_on(
            candidate,
            frequency=frequency,
            days=days,
            week_of_month=week_of_month,
            first_meeting_on=first_meeting_on,
        ):
            continue
        start = datetime.combine(candidate, start_time, tzinfo=zone)
        if start >= local_now:
            return start
    return None


def describe_days(*, frequency, days, week_of_month=None):
    """'Tuesdays', 'Every other Monday and Thursday', 'The last Friday of each month'."""
    codes = split_days(days)
    names = _join([str(DAY_NAMES[day]) for day in codes])
    if frequency == "monthly":
        return gettext("The %(ordinal)s %(days)s of each month") % {
            "ordinal": ORDINALS[week_of_month],
            "days": names,
        }
    if frequency == "every_other_week":
        return gettext("Every other %(days)s") % {"days": names}
    return capfirst(_join([str(DAY_PLURALS[day]) for day in codes]))


def describe_time(start, end=None):
    """'7–8:30 pm', '10 am–noon', '11:30 am–1 pm', '7 pm' with no end time; or, where the
    visitor's language reads a 24-hour clock, '19:00–20:30'."""
    # Translators: "12-hour" for am/pm times, or "24-hour" for 19:00.
    if pgettext("clock", "12-hour") == "24-hour":
        return "–".join(f"{value:%H:%M}" for value in (start, end) if value)
    if end is None:
        return _clock(start)
    if _period(start) == _period(end) and start.hour != 12 and end.hour != 12:
        return f"{_clock(start, with_period=False)}–{_clock(end)}"
    return f"{_clock(start)}–{_clock(end)}"


def describe_timezone(timezone):
    """'America/Chicago' -> 'Central time'; zones without a common name keep theirs."""
    return str(TIMEZONE_NAMES.get(timezone, timezone.replace("_", " ")))


def reads_differently(timezone, visitor_timezone):
    """Whether a visitor in `visitor_timezone` (an IANA name, maybe "") needs the group's
    times in their own clock: a zone we know, under another name than the group's.

    Zones are compared by the name visitors read ("Central time"), so Detroit and
    New York are one clock, and Phoenix and Denver two (they differ in summer).
    """
    if _zone(visitor_timezone) is None:
        return False
    return describe_timezone(visitor_timezone) != describe_timezone(timezone)


def describe_for_visitor(
    *, start, end_time=None, frequency, days, week_of_month=None, visitor_timezone
):
    """A meeting pattern in the visitor's clock, with the group's alongside:
    'Tuesdays, 6–7:30 pm your time (7–8:30 pm Central time)'.

    `start` is a concrete meeting (the next one), aware, in the group's timezone:
    converting it rather than adding a fixed difference keeps daylight saving
    time right (Phoenix is an hour from Denver in summer, none in winter). When
    the visitor's date differs, their days are said too: 'Wednesdays, midnight
    your time (Tuesdays, 9 pm Pacific time)'.
    """
    zone = _zone(visitor_timezone)
    theirs = describe_time(start.time(), end_time)
    end = datetime.combine(start.date(), end_time, tzinfo=start.tzinfo) if end_time else None
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone) if end else None
    words = {
        "time": describe_time(local_start.time(), local_end.time() if local_end else None),
        "their_time": theirs,
        "zone": describe_timezone(start.tzinfo.key),
        "days": describe_days(frequency=frequency, days=days, week_of_month=week_of_month),
    }
    shift = (local_start.date() - start.date()).days
    if not shift:
        return gettext("%(days)s, %(time)s your time (%(their_time)s %(zone)s)") % words
    words["their_days"] = words["days"]
    if frequency == "monthly":
        names = _join([str(DAY_NAMES[day]) for day in split_days(days)])
        words["days"] = (
            gettext("The day after the %(ordinal)s %(days)s of each month")
            if shift > 0
            else gettext("The day before the %(ordinal)s %(days)s of each month")
        ) % {"ordinal": ORDINALS[week_of_month], "days": names}
    else:
        words["days"] = describe_days(frequency=frequency, days=shift_days(days, shift))
    return gettext("%(days)s, %(time)s your time (%(their_days)s, %(their_time)s %(zone)s)") % words


def shift_days(days, by):
    """'sat,sun' a day later -> 'mon,sun', in the week's order."""
    shifted = {DAYS[(DAYS.index(day) + by) % 7] for day in split_days(days)}
    return ",".join(day for day in DAYS if day in shifted)


def _zone(name):
    """The ZoneInfo for an IANA name, or None for "" and names tzdata does not know."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _clock(value, with_period=True):
    if value.hour == 12 and value.minute == 0:
        return gettext("noon")
    if value.hour == 0 and value.minute == 0:
        return gettext("midnight")
    hour = value.hour % 12 or 12
    text = f"{hour}:{value.minute:02d}" if value.minute else str(hour)
    return f"{text} {_period(value)}" if with_period else text


def _period(value):
    return "am" if value.hour < 12 else "pm"


def _join(words):
    """'Monday', 'Monday and Thursday', 'Monday, Tuesday and Thursday'."""
    if len(words) <= 1:
        return "".join(words)
    return gettext("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}


def _monday(day):
    return day - timedelta(days=day.weekday())


def months_before(day, months):
    """The same day `months` months earlier, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))
