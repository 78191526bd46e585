"""The CSV import: the one path for bulk listings.

Every row is checked before anything is written. A file with any problem
imports nothing and reports every problem as "row N, column: message", with
rows numbered as a spreadsheet shows them (the header is row 1). Importing a
file again updates the groups it names (same organization and name).

What a file may hold is bounded (the limits below), so that checking any file,
however it was made, takes a bounded time and says what is wrong with it in a
bounded number of problems.
"""

import csv
import difflib
import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from directory import geo, schedule, snapshots
from directory.codes import clean_language_list, clean_region_list
from directory.models import Focus, Group, GroupVersion, MeetingTime, Organization

# The limits of one file, said in the upload page's help and the README.
MAX_FILE_MB = 5
MAX_ROWS = 5_000  # groups (rows after the header)
MAX_COLUMNS = 100  # the template has 41
MAX_CELL_CHARACTERS = 10_000
# A file with more problems lists this many and says how many more there are.
MAX_PROBLEMS_LISTED = 100

# In the order of the documentation and the template file.
COLUMNS = (
    "name", "organization", "description", "format", "membership", "starts_on", "ends_on",
    "attendance", "leader_type", "leader_training", "days", "start_time", "end_time",
    "frequency", "week_of_month", "first_meeting_on", "timezone", "venue", "address", "city",
    "region", "postal_code", "country", "latitude", "longitude", "address_visibility",
    "online_url", "serves_regions", "confidentiality_policy", "moderation_rules", "cost",
    "fee_per_session", "insurance_accepted", "focus", "languages", "max_size", "min_age",
    "contact_email", "contact_phone", "website", "last_verified_on",
)  # fmt: skip
REQUIRED = ("name", "organization", "format", "attendance", "leader_type", "days", "start_time")
MEETING_COLUMNS = (
    "days", "start_time", "end_time", "frequency", "week_of_month", "first_meeting_on", "timezone",
)  # fmt: skip
_DAY_ALIASES = {name.lower(): code for code, name in schedule.DAY_NAMES.items()} | {
    "tues": "tue", "thur": "thu", "thurs": "thu", "weds": "wed",
}  # fmt: skip
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the whole file
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        return f"row {self.row}, {self.column}: {self.message}"

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


class Problems:
    """The problems found in a file: every one counted, the first MAX_PROBLEMS_LISTED kept."""

    def __init__(self, problems=()):
        self.listed = []
        self.count = 0
        self.extend(problems)

    def append(self, problem):
        self.count += 1
        if len(self.listed) < MAX_PROBLEMS_LISTED:
            self.listed.append(problem)

    def extend(self, problems):
        for problem in problems:
            self.append(problem)

    def __iter__(self):
        return iter(self.listed)

    def __bool__(self):
        return self.count > 0

    @property
    def not_listed(self):
        return self.count - len(self.listed)


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self):
        return not self.problems


class _RowProblem(Exception):
    def __init__(self, column, message):
        super().__init__(message)
        self.column, self.message = column, message


def import_groups(text, *, status=Group.Status.PUBLISHED):
    """Check every row of the CSV `text`; if all are good, save them all. Returns a Result."""
    plans, problems = check_file(text)
    result = Result(problems=problems)
    if problems:
        return result
    try:
        with transaction.atomic():
            result.created, result.updated = save(
                plans, lambda new: _write_new(new, status), lambda plan: plan.save(status)
            )
    except SaveFailed as failure:
        result.created = result.updated = 0
        result.problems.append(failure.problem)
    return result


def read_file(data, *, organization=None):
    """Decode an uploaded file's bytes and check its shape (the limits, text, the header);
    nothing is written and no row is checked yet. Returns (text, rows, problems), `rows`
    being the number of groups in it."""
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        return "", 0, _one_problem(TOO_LARGE)
    if what := _not_utf8_text(data):
        return "", 0, _one_problem(f"{what} {SAVE_AS_CSV}")
    # Bytes that are not UTF-8 become lone surrogates, which _read() names by row and column.
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    _, rows, problems = _read(text, organization)
    return text, len(rows), problems


def check_file(text, *, organization=None, progress=None):
    """Check every row of the CSV `text` and plan what to save; nothing is written.

    Returns (plans, problems). With `organization`, every row is that
    organization's (its column may be left out). `progress(rows_checked)` is
    called every 50 rows.
    """
    header, rows, problems = _read(text.removeprefix("\ufeff"), organization)
    if problems:
        return [], problems

    focuses = {focus.slug: focus for focus in Focus.objects.all()}
    # Shared between rows, so that a new organization is created once.
    organizations = {organization.name.casefold(): organization} if organization else {}
    checked_rows, seen = [], {}
    for number, cells in rows:
        if any(cell.strip() for cell in cells[len(header) :]):
            problems.append(
                Problem(number, "-", "This row has more cells than the header has columns.")
            )
            continue
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        row |= dict.fromkeys(header[len(cells) :], "")
        if organization:
            named = row.get("organization") or organization.name
            if named.casefold() != organization.name.casefold():
                problems.append(
                    Problem(number, "organization", f"This file can only list groups of "
                            f"{organization.name}; leave the column blank or write that name.")
                )  # fmt: skip
                continue
            row["organization"] = organization.name
        key = (row.get("organization", "").casefold(), row.get("name", "").casefold())
        if key in seen:
            problems.append(
                Problem(number, "name", f"The file already lists this group on row {seen[key]}.")
            )
            continue
        seen[key] = number
        checked_rows.append((number, row))

    organizations |= _listed_organizations(checked_rows, organizations)
    existing = _existing_groups(checked_rows, organizations)
    plans = []
    for checked, (number, row) in enumerate(checked_rows, start=1):
        if progress and checked % 50 == 0:
            progress(checked)
        plan, row_problems = _plan_row(number, row, focuses, organizations, existing)
        problems.extend(row_problems)
        if plan:
            plans.append(plan)
    return plans, problems


def _listed_organizations(rows, known):
    """The organizations the rows name that are listed already (and not in `known`), by
    casefolded name: one query for each 1,000 names, however many the file names."""
    names = {row.get("organization", "") for _, row in rows} - {""}
    unknown = [name for name in names if name.casefold() not in known]
    return {
        organization.name.casefold(): organization
        for organization in _named(Organization.objects.all(), unknown)
    }


def _existing_groups(rows, organizations):
    """The groups the rows name that are listed already, by (organization id, casefolded
    name): one query for each 1,000 names, however many organizations the file names."""
    wanted, names = set(), set()
    for _, row in rows:
        organization = _find_organization(row.get("organization", ""), organizations)
        if organization.pk is not None and row.get("name"):
            wanted.add((organization.pk, row["name"].casefold()))
            names.add(row["name"])
    groups = Group.objects.filter(organization_id__in={pk for pk, _ in wanted})
    found = {}
    for group in _named(groups, names):
        key = (group.organization_id, group.name.casefold())
        if key in wanted:  # not another organization's group of that name
            found[key] = group
    return found


def _named(queryset, names):
    """The rows of `queryset` with one of these names, whatever their case: one query for
    each 1,000 names."""
    for chunk in itertools.batched(sorted({name.lower() for name in names}), 1000):
        yield from queryset.annotate(folded=Lower("name")).filter(folded__in=chunk)


TOO_LARGE = f"The file is larger than {MAX_FILE_MB} MB. Split it into smaller files."
SAVE_AS_CSV = "In your spreadsheet, save it as “CSV UTF-8”."


def _one_problem(message, row=None, column="-"):
    """Problems holding one problem: about the whole file when `row` is None."""
    return Problems([Problem(row, column, message)])


def _not_utf8_text(data):
    """What a file is, when it is plainly not UTF-8 text."""
    if data.startswith(b"PK\x03\x04"):
        return "This is a spreadsheet file (.xlsx or .ods), not a CSV file."
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "This is an Excel 97–2003 file (.xls), not a CSV file."
    start = data[:4096]
    if start.startswith((b"\xff\xfe", b"\xfe\xff")) or start.count(0) > len(start) // 4:
        return "This file is UTF-16 text (“Unicode text”), not UTF-8."
    return ""


def _read(text, organization):
    """Split CSV text into its header and the rows that are not blank, within the limits.

    Returns (header, rows, problems), rows being (number, cells) numbered as a spreadsheet
    numbers them. A problem here (a limit, a cell that is not text, the header) stops the
    check before any row is checked.
    """
    problems = Problems()
    header, rows, number = None, [], 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if header is None and len(cells) > MAX_COLUMNS:
                return (
                    [],
                    [],
                    _one_problem(
                        f"The header row has {len(cells):,} columns; at most {MAX_COLUMNS}.", row=1
                    ),
                )
            if len(rows) == MAX_ROWS and any(cell.strip() for cell in cells):
                return (
                    [],
                    [],
                    _one_problem(
                        f"The file has more than {MAX_ROWS:,} groups. Split it into smaller files."
                    ),
                )
            if len(cells) > MAX_COLUMNS:
                message = f"This row has {len(cells):,} cells; at most {MAX_COLUMNS}."
                problems.append(Problem(number, "-", message))
                continue
            for index, cell in enumerate(cells):
                if message := _cell_problem(cell):
                    problems.append(Problem(number, _column_name(header, index), message))
            if header is None:
                header = cells
            elif any(cell.strip() for cell in cells):
                rows.append((number, cells))
    except csv.Error:
        message = (
            f"This row has a cell longer than {MAX_CELL_CHARACTERS:,} characters, or a quote "
            '(") that is never closed.'
        )
        problems.append(Problem(number + 1, "-", message))
    if problems:
        return [], [], problems
    if not header or not any(cell.strip() for cell in header):
        return [], [], _one_problem("The file is empty: it needs a header row.", 1, "header")
    header = _trim_header([name.strip() for name in header], rows)
    required = [c for c in REQUIRED if not (organization and c == "organization")]
    problems.extend(_check_header(header, required))
    if not problems and not rows:
        problems.append(Problem(2, "-", "The file has a header but no groups."))
    return header, rows, problems


def _cell_problem(cell):
    if len(cell) > MAX_CELL_CHARACTERS:
        return f"This cell has {len(cell):,} characters; at most {MAX_CELL_CHARACTERS:,}."
    if "\x00" in cell:
        return "This cell holds a NUL character (a zero byte), which is not text."
    if _NOT_UTF8.search(cell):
        shown = _quoted(_NOT_UTF8.sub("\ufffd", cell))
        return f"This cell is not UTF-8 text ({shown}). {SAVE_AS_CSV}"
    return ""


# What bytes that are not UTF-8 decode to with "surrogateescape".
_NOT_UTF8 = re.compile("[\udc80-\udcff]+")


def _column_name(header, index):
    """How a problem names the column of a cell (the header's name, or its position)."""
    name = header[index].strip() if header and index < len(header) else ""
    if not name or _NOT_UTF8.search(name) or "\x00" in name:
        return f"column {index + 1}"
    return _shortened(name)


def _trim_header(header, rows):
    """The header without unnamed columns at its end that are blank in every row (a
    spreadsheet may save a few)."""
    while (
        header
        and not header[-1]
        and not any(
            len(cells) >= len(header) and cells[len(header) - 1].strip() for _, cells in rows
        )
    ):
        header.pop()
    return header


def _shortened(text, longest=60):
    """A cell's value as a problem shows it: short, so that every message stays short."""
    return text if len(text) <= longest else text[: longest - 1] + "…"


def _quoted(text):
    return f"“{_shortened(text)}”"


def _check_header(header, required):
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        message = f"The columns are separated by {separator}, not commas. {SAVE_AS_CSV}"
        return [Problem(1, "-", message)]
    problems = []
    for index, column in enumerate(header, start=1):
        if not column:
            problems.append(Problem(1, f"column {index}", "This column has no name."))
        elif column not in COLUMNS:
            close = difflib.get_close_matches(column, COLUMNS, n=1)
            hint = f" Did you mean “{close[0]}”?" if close else ""
            problems.append(Problem(1, _shortened(column), f"This is not a column we know.{hint}"))
    for column in required:
        if column not in header:
            problems.append(Problem(1, column, "This required column is missing."))
    duplicates = {column for column in header if header.count(column) > 1}
    for column in sorted(duplicates - {""}):
        problems.append(Problem(1, _shortened(column), "This column appears more than once."))
    return problems


class SaveFailed(Exception):
    def __init__(self, problem):
        self.problem = problem


NOTE = "Imported from a CSV file"


def save(plans, write_new, write_one):
    """Save every plan: the new groups in bulk (write_new(plans)), the others one by one
    (write_one(plan)); returns (new, updated).

    Should the database refuse the new groups in bulk (the rows were checked, but someone
    may have saved a group of the same name since), they are written one by one instead,
    so that SaveFailed names the row it refused.
    """
    new = [plan for plan in plans if plan.is_new]
    one_by_one = [plan for plan in plans if not plan.is_new]
    if new:
        organizations = {id(p.organization): p.organization for p in new if not p.organization.pk}
        try:
            with transaction.atomic():
                for organization in organizations.values():  # shared by its rows: saved once
                    organization.save()
                for plan in new:
                    plan.group.organization = plan.organization
                write_new(new)
        except IntegrityError:
            for organization in organizations.values():
                organization.pk = None
            for plan in new:
                plan.group.pk = None
            one_by_one = plans
    for plan in one_by_one:
        write_one(plan)
    return len(new), len(plans) - len(new)


def _write_new(plans, status):
    for plan in plans:
        plan.group.status = status
    listings = snapshots.write_new([plan.listing() for plan in plans])
    GroupVersion.record_new([plan.group for plan in plans], listings, NOTE)


@dataclass
class Plan:
    number: int
    group: Group
    organization: Organization
    meeting: MeetingTime
    focus: list | None

    @property
    def is_new(self):
        return self.group.pk is None

    def listing(self):
        """(group, meetings, focus) of a new group, for snapshots.write_new()."""
        return self.group, [self.meeting], self.focus or []

    def snapshot(self):
        """The listing this row describes (see directory.snapshots), without saving it."""
        focus = self.focus
        if focus is None:  # no focus column: the group keeps what it has
            focus = list(self.group.focus.all()) if self.group.pk else []
        return snapshots.take(self.group, meetings=[self.meeting], focus=focus)

    def save(self, status):
        """Write the group with `status`, alone."""
        try:
            with transaction.atomic():
                if self.organization.pk is None:
                    self.organization.save()
                self.group.organization = self.organization
                self.group.status = status
                listing = snapshots.write(self.group, [self.meeting], self.focus)
                GroupVersion.record(self.group, NOTE, data=listing)
        except IntegrityError as error:
            raise self.refused(error) from error

    def refused(self, error):
        """The SaveFailed that names this row, which the database refused with `error`."""
        return SaveFailed(Problem(self.number, "-", f"The database refused this row ({error})."))


def _plan_row(number, row, focuses, organizations, existing):
    """Build the unsaved Group and MeetingTime for one row, or the row's problems."""
    problems = []

    def take(column, parse, default=None):
        """The parsed value of `column`; `default` when the column is blank or absent."""
        value = row.get(column, "")
        if value == "":
            if column in REQUIRED:
                problems.append(Problem(number, column, "This is required."))
            return default
        try:
            return parse(value)
        except (_RowProblem, ValidationError) as error:
            message = error.message if isinstance(error, _RowProblem) else _first(error)
            problems.append(Problem(number, column, message))
            return default

    organization_name = take("organization", str)
    name = take("name", str)
    organization = _find_organization(organization_name, organizations)
    group = existing.get((organization.pk, (name or "").casefold())) or Group(
        organization=organization
    )
    group.name = name or ""

    values = {
        "description": take("description", str, ""),
        "format": take("format", _choice(Group.Format)),
        "membership": take("membership", _choice(Group.Membership), Group.Membership.OPEN),
        "starts_on": take("starts_on", _date),
        "ends_on": take("ends_on", _date),
        "attendance": take("attendance", _choice(Group.Attendance)),
        "leader_type": take("leader_type", _choice(Group.LeaderType)),
        "leader_training": take("leader_training", str, ""),
        "venue": take("venue", str, ""),
        "address": take("address", str, ""),
        "city": take("city", str, ""),
        "region": take("region", _region, ""),
        "postal_code": take("postal_code", str, ""),
        "country": take("country", _country, "US"),
        "latitude": take("latitude", _coordinate(90)),
        "longitude": take("longitude", _coordinate(180)),
        "address_visibility": take(
            "address_visibility", _choice(Group.AddressVisibility), Group.AddressVisibility.PUBLIC
        ),
        "online_url": take("online_url", str, ""),
        "serves_regions": take("serves_regions", clean_region_list, ""),
        "confidentiality_policy": take("confidentiality_policy", str, ""),
        "moderation_rules": take("moderation_rules", str, ""),
        "cost": take("cost", _choice(Group.Cost), Group.Cost.FREE),
        "fee_per_session": take("fee_per_session", _money),
        "insurance_accepted": take("insurance_accepted", _yes_no, False),
        "languages": take("languages", clean_language_list, "en"),
        "max_size": take("max_size", _whole_number),
        "min_age": take("min_age", _whole_number),
        "contact_email": take("contact_email", str, ""),
        "contact_phone": take("contact_phone", str, ""),
        "website": take("website", str, ""),
        # Importing a listing vouches for it: a blank date means today.
        "last_verified_on": take("last_verified_on", _date, timezone.localdate()),
    }
    for column, value in values.items():
        # A column left out of the file leaves an existing group's value as it is.
        if column in row or group.pk is None:
            setattr(group, column, value)
    focus = take("focus", lambda text: _focus_list(text, focuses), []) if "focus" in row else None

    meeting = MeetingTime(
        days=take("days", _days, ""),
        start_time=take("start_time", _time),
        end_time=take("end_time", _time),
        frequency=take("frequency", _choice(MeetingTime.Frequency), MeetingTime.Frequency.WEEKLY),
        week_of_month=take("week_of_month", _week_of_month),
        first_meeting_on=take("first_meeting_on", _date),
        timezone=row.get("timezone", ""),
    )
    # Check the rest of the row, leaving out what is already known to be wrong.
    wrong = {problem.column for problem in problems}
    if not meeting.timezone and "attendance" not in wrong:
        meeting.timezone = group.local_timezone()
        if not meeting.timezone:
            problems.append(
                Problem(
                    number,
                    "timezone",
                    "Give the timezone the meeting times are in, like America/New_York.",
                )
            )
    wrong |= {problem.column for problem in problems}
    problems += _model_problems(number, group, exclude=["organization", "slug", *wrong])
    problems += _model_problems(number, meeting, exclude=["group", *wrong])
    if problems:
        problems.sort(key=lambda p: COLUMNS.index(p.column) if p.column in COLUMNS else 0)
        return None, problems
    return Plan(number, group, organization, meeting, focus), []


def _model_problems(number, instance, exclude):
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            Problem(number, column if column in COLUMNS else "-", message)
            for column, messages in error.message_dict.items()
            if column not in exclude
            for message in messages
        ]
    return []


def _find_organization(name, known):
    """The organization named, from `known` (the listed ones the file names, and those
    new to it met so far); a new one, unsaved, if it is not there."""
    if not name:
        return Organization()
    key = name.casefold()
    if key not in known:
        known[key] = Organization(name=name)
    return known[key]


def _first(error):
    return error.messages[0]


def _choice(choices):
    def parse(text):
        value = text.lower().replace(" ", "_").replace("-", "_")
        if value not in choices.values:
            raise _RowProblem(None, f"{_quoted(text)} is not one of: {', '.join(choices.values)}.")
        return value

    return parse


def _date(text):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise _RowProblem(None, f"{_quoted(text)} is not a date written as YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _RowProblem(None, f"{_quoted(text)} is not a real date.") from None


def _time(text):
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise _RowProblem(None, f"{_quoted(text)} is not a 24-hour time like 18:30.")
    return time(int(match[1]), int(match[2]))


def _days(text):
    days = []
    for word in re.split(r"[\s,;]+", text.lower()):
        if not word:
            continue
        code = word if word in schedule.DAYS else _DAY_ALIASES.get(word)
        if code is None:
            raise _RowProblem(
                None, f"{_quoted(word)} is not a day. Use mon, tue, wed, thu, fri, sat, sun."
            )
        if code not in days:
            days.append(code)
    return ",".join(sorted(days, key=schedule.DAYS.index))


def _week_of_month(text):
    if text.lower() == "last":
        return schedule.LAST
    if text in ("1", "2", "3", "4"):
        return int(text)
    raise _RowProblem(None, f"{_quoted(text)} is not a week of the month. Use 1, 2, 3, 4 or last.")


def _money(text):
    try:
        value = Decimal(text.replace("$", "").replace(",", ""))
    except InvalidOperation:
        raise _RowProblem(
            None, f"{_quoted(text)} is not an amount of dollars, like 40 or 25.50."
        ) from None
    if not value.is_finite() or value < 0 or value >= 100000:
        raise _RowProblem(None, f"{_quoted(text)} is not a sensible fee.")
    return value.quantize(Decimal("0.01"))


def _whole_number(text):
    if not text.isdigit() or len(text) > 4:
        raise _RowProblem(None, f"{_quoted(text)} is not a whole number.")
    return int(text)


def _coordinate(limit):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise _RowProblem(None, f"{_quoted(text)} is not a number of degrees.") from None
        if not -limit <= value <= limit:
            raise _RowProblem(None, f"{_quoted(text)} is out of range (−{limit} to {limit}).")
        return value

    return parse


def _yes_no(text):
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise _RowProblem(None, f"{_quoted(text)} is not yes or no.")


def _region(text):
    return clean_region_list(text) if len(text) == 2 else _region_by_name(text)


def _region_by_name(text):
    code = geo.region_code(text)
    if not code:
        raise _RowProblem(
            None, f"{_quoted(text)} is not a US state. Use its two-letter code, like TX."
        )
    return code


def _country(text):
    if not re.fullmatch(r"[A-Za-z]{2}", text):
        raise _RowProblem(None, f"{_quoted(text)} is not a two-letter country code like US.")
    return text.upper()


def _focus_list(text, focuses):
    chosen = []
    for slug in re.split(r"[\s,;]+", text.lower()):
        if not slug:
            continue
        if slug not in focuses:
            raise _RowProblem(
                None, f"{_quoted(slug)} is not a focus we list. Use: {', '.join(focuses)}."
            )
        chosen.append(focuses[slug])
    return chosen
