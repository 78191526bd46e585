"""The vetting checklist: what to ask before joining a group, checked for every listing.

The advice people get about choosing a group is a checklist (find out what the
group does and how often it meets; ask who leads it and what training they
have; make sure it keeps things private; for online groups, pick ones run by
well-known organizations, check there are rules for how members treat each
other, and watch out for big promises or a lot of money). Each check here is a
small function that takes a group and returns a Finding: `pass`, `warn` or
`flag`, a sentence for visitors and one for curators. Adding a check is one
function with the @check decorator.

What a page shows is always worked out as of today and counted by tally()
(Group.checklist()), so a listing's card, its page, the partner dashboard and
the curators' lists agree. The findings that don't change with the date are
also stored with the group (VettingResult rows and Group.flag_count /
warn_count), recomputed by Group.refresh_summary() whenever the listing or its
organization changes, so that searches, ranking and the admin filter on them
with indexed queries; the dated ones (DATED: freshness) are never stored, and
queries read the date itself (GroupQuerySet.stale()).
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from directory import schedule


class Status(models.TextChoices):
    PASS = "pass", _("Looks good")
    WARN = "warn", _("Ask about it")
    FLAG = "flag", _("Take care")


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    visitor_text: str  # said to someone deciding whether to go
    curator_text: str  # said to the curator reviewing the listing

    @property
    def title(self):
        return CHECKS[self.check][0]

    @property
    def advice(self):
        """What the organization can do about it, for its dashboard."""
        return ADVICE[self.check]() if self.status != Status.PASS else ""

    def get_status_display(self):
        return Status(self.status).label


CHECKS = {}  # name -> (title, function), in the order visitors read them
# Checks whose result changes with the date alone: worked out on every page and
# never stored, so nothing stored goes stale overnight.
DATED = {"freshness"}


def check(name, title):
    """Register a check: a function(group, context) -> (status, visitor_text, curator_text)."""

    def register(function):
        CHECKS[name] = (title, function)
        return function

    return register


@dataclass(frozen=True)
class Context:
    today: date
    meetings: list  # the group's meeting times (a proposal's, for a change under review)


def evaluate(group, today=None, meetings=None):
    """Every check's Finding for `group`, in checklist order.

    `meetings` stands in for the group's saved meeting times, for a proposed
    version of a listing that is not saved yet.
    """
    if meetings is None:
        meetings = list(group.meeting_times.all()) if group.pk else []
    context = Context(today or timezone.localdate(), meetings)
    findings = []
    for name, (_title, function) in CHECKS.items():
        status, visitor_text, curator_text = function(group, context)
        findings.append(Finding(name, status, visitor_text, curator_text))
    return findings


def title(name):
    return str(CHECKS[name][0])


# What an organization can do about each check that isn't a pass, in its words.
ADVICE = {
    "purpose_and_schedule": lambda: gettext(
        "Describe what happens in the group and who it is for, and add when it meets."
    ),
    "leader_training": lambda: gettext(
        "Say who leads the group and how they were trained. For a professional, name the "
        "license or degree, like LCSW or PhD."
    ),
    "confidentiality": lambda: gettext(
        "Add your confidentiality policy: what members can expect to stay private, and any limits."
    ),
    "known_organization": lambda: gettext(
        "Nothing to do: a curator checks each new organization once, for all its groups."
    ),
    "moderation_rules": lambda: gettext(
        "Add the rules members follow online and who removes someone who is unkind, under "
        "“Moderation and conduct rules”."
    ),
    "fees": lambda: (
        gettext(
            "Online groups charging more than %(fee)s a session are flagged. If the fee is right, "
            "say in the description what it covers."
        )
        % {"fee": _dollars(settings.VETTING_FEE_THRESHOLD)}
    ),
    "no_big_promises": lambda: gettext(
        "Take out the words that promise a cure, a guarantee or recovery by a date, and say "
        "what the group offers instead."
    ),
    "freshness": lambda: gettext(
        "If the details are right, press “Still accurate”. If something changed, edit the group."
    ),
}


def fresh_since(today):
    """The earliest confirmation date that still counts as recent on `today`."""
    return schedule.months_before(today, settings.VETTING_FRESH_MONTHS)


@dataclass(frozen=True)
class Tally:
    """A checklist counted: what every page that shows a listing's checks says about it."""

    findings: tuple

    @property
    def flags(self):
        return sum(f.status == Status.FLAG for f in self.findings)

    @property
    def warnings(self):
        return sum(f.status == Status.WARN for f in self.findings)

    @property
    def things_to_ask(self):
        return self.flags + self.warnings

    @property
    def to_ask(self):
        """The findings that are not a pass, the most serious (flags) first."""
        return sorted(
            (f for f in self.findings if f.status != Status.PASS),
            key=lambda f: f.status != Status.FLAG,
        )

    @property
    def most_serious(self):
        """The first flag, else the first warning, else None."""
        return next(iter(self.to_ask), None)

    def summary(self):
        """'2 things to ask about': the checklist in a few words, for results and pages."""
        if self.things_to_ask == 0:
            return gettext("Our checks found nothing to ask about")
        return ngettext(
            "%(count)d thing to ask about", "%(count)d things to ask about", self.things_to_ask
        ) % {"count": self.things_to_ask}


def tally(findings):
    """The one count of a checklist's findings (see Tally)."""
    return Tally(tuple(findings))


# Promises no honest group makes: cures, guarantees, recovery on a timetable,
# money back. Whole words or phrases, case-insensitive ("secure" and "curated"
# are fine). Curators extend this list as they meet new wording.
PROMISE_PHRASES = [
    "cure", "cures", "cured", "curing",
    "guarantee", "guarantees", "guaranteed",
    "100%", "100 percent",
    "miracle", "miracles", "miraculous",
    "money back", "money-back", "refund if",
    "permanent recovery", "permanently cured", "end your depression",
    "never feel depressed again", "never be depressed again", "instant relief",
]  # fmt: skip
# "in 30 days", "within 6 weeks", "in just two months": recovery on a timetable.
_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|sixty|ninety)"
_TIMETABLE = rf"(?:in|within)\s+(?:just\s+|only\s+)?{_NUMBER}\s+(?:days?|weeks?|months?)"
_PROMISES = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(phrase) for phrase in PROMISE_PHRASES)
    + rf"|(?P<timetable>{_TIMETABLE})"
    + r")(?![\w-])",
    re.IGNORECASE,
)
# What honest listings say around the same words: "this group is not a cure", "we
# can't guarantee results" (a negation earlier in the clause), "the next course
# starts in two weeks" (a date, not a timetable for recovery), "100% confidential".
_NEGATIONS = {
    "no", "not", "never", "nor", "without", "cannot", "can't", "don't", "doesn't", "won't",
    "isn't", "aren't",
}  # fmt: skip
_SCHEDULE_WORDS = {"starts", "start", "starting", "begins", "begin", "beginning", "opens", "next"}
_NOT_A_PROMISE_AFTER_100 = {"confidential", "private", "free", "anonymous", "online", "volunteer"}
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\n—–]")
_WORD = re.compile(r"[\w'’]+")


def _words(text):
    return [word.lower().replace("’", "'") for word in _WORD.findall(text)]


def promises_in(text):
    """The promise phrases found in `text`, as written, leaving out the ones an
    honest listing uses (see _NEGATIONS)."""
    text = text or ""
    found = []
    for match in _PROMISES.finditer(text):
        before = _words(_CLAUSE_BREAK.split(text[: match.start()])[-1])[-3:]
        after = _words(text[match.end() : match.end() + 30])[:1]
        if _NEGATIONS.intersection(before):
            continue
        if match["timetable"] and _SCHEDULE_WORDS.intersection(before[-2:]):
            continue
        if match.group(0).startswith("100") and _NOT_A_PROMISE_AFTER_100.intersection(after):
            continue
        found.append(match.group(0))
    return found


@check("purpose_and_schedule", _("What it does and how often it meets"))
def purpose_and_schedule(group, context):
    meetings = context.meetings
    if group.description.strip() and meetings:
        return (
            Status.PASS,
            gettext("The listing says what the group does and when it meets."),
            "Description and meeting times are present.",
        )
    if not meetings and not group.description.strip():
        visitor = gettext(
            "The listing does not say what the group does or when it meets. Ask before you go."
        )
        missing = "description, meeting times"
    elif not meetings:
        visitor = gettext("The listing does not say when the group meets. Ask before you go.")
        missing = "meeting times"
    else:
        visitor = gettext("The listing does not say what the group does. Ask before you go.")
        missing = "description"
    return (Status.WARN, visitor, f"Missing: {missing}.")


@check("leader_training", _("Who leads it and their training"))
def leader_training(group, context):
    training = group.leader_training.strip()
    if not group.leader_type or not training:
        return (
            Status.WARN,
            gettext(
                "The listing does not say what training the leader has. Ask who leads the "
                "group and how they were trained."
            ),
            "Leader training is not stated.",
        )
    if group.leader_type in ("professional", "co_led") and not _names_a_credential(training):
        return (
            Status.WARN,
            gettext(
                "The leader is described as a professional, but no license or degree is "
                "named (“%(training)s”). Ask what their credential is."
            )
            % {"training": training},
            "Professional leader without a recognizable credential (license or degree).",
        )
    return (
        Status.PASS,
        gettext("Led by %(leader)s: %(training)s.")
        % {"leader": str(group.get_leader_type_display()).lower(), "training": training},
        "Leader type and training stated.",
    )


# Licenses and degrees a professional group leader might name.
_CREDENTIAL = re.compile(
    r"(?<![\w-])(?:LCSW|LICSW|LMSW|LSW|MSW|LPC|LPCC|LMHC|LCPC|LMFT|MFT|LCMHC|PsyD|Psy\.D\.?|PhD|Ph\.D\.?"
    r"|MD|M\.D\.?|DO|RN|APRN|PMHNP|NP|CGP|licensed|psychologist|psychiatrist|counselor"
    r"|therapist|social worker|nurse)(?![\w-])",
    re.IGNORECASE,
)


def _names_a_credential(text):
    return bool(_CREDENTIAL.search(text))


@check("confidentiality", _("Keeping things private"))
def confidentiality(group, context):
    if group.confidentiality_policy.strip():
        return (
            Status.PASS,
            gettext("The group says how it keeps what members share private."),
            "Confidentiality policy stated.",
        )
    return (
        Status.WARN,
        gettext(
            "The group has not said how it keeps what members share private. Ask before you "
            "share anything personal."
        ),
        "No confidentiality policy.",
    )


@check("known_organization", _("Run by an organization we know"))
def known_organization(group, context):
    name = group.organization.name if group.organization_id else gettext("the organization")
    if group.organization_id and group.organization.verified:
        return (
            Status.PASS,
            gettext("Run by %(name)s, an organization we have checked.") % {"name": name},
            "Organization verified.",
        )
    return (
        Status.WARN,
        gettext("We have not yet checked %(name)s. Look it up before you join.") % {"name": name},
        "Organization not verified.",
    )


@check("moderation_rules", _("Rules for how members treat each other"))
def moderation_rules(group, context):
    if not group.meets_online:
        return (
            Status.PASS,
            gettext("Meets in person, where the leader keeps the room safe."),
            "In person only: moderation rules not required.",
        )
    if group.moderation_rules.strip():
        return (
            Status.PASS,
            gettext("It has rules for how members treat each other online."),
            "Moderation rules stated.",
        )
    return (
        Status.FLAG,
        gettext(
            "This group meets online but does not say what rules members follow or who "
            "removes someone who is unkind. Ask how the group is moderated before you join."
        ),
        "Online group without moderation or conduct rules.",
    )


@check("fees", _("No high fees"))
def fees(group, context):
    threshold = settings.VETTING_FEE_THRESHOLD
    fee = group.fee_per_session
    if group.cost == "free" or fee is None:
        free = group.cost == "free"
        return (
            Status.PASS,
            gettext("It is free.") if free else gettext("No fee is listed."),
            "No fee.",
        )
    if not group.meets_online:
        return (
            Status.PASS,
            gettext("It costs %(fee)s a session.") % {"fee": _dollars(fee)},
            "In person: the fee is shown as a fact.",
        )
    if fee > threshold:
        return (
            Status.FLAG,
            gettext(
                "This online group charges %(fee)s a session. Peer support groups are usually "
                "free and group therapy usually costs less — ask what the fee covers before "
                "you pay."
            )
            % {"fee": _dollars(fee)},
            f"Online fee {_dollars(fee)} is above {_dollars(threshold)} a session.",
        )
    return (
        Status.PASS,
        gettext("It costs %(fee)s a session, which is usual for group therapy.")
        % {"fee": _dollars(fee)},
        f"Online fee at or below {_dollars(threshold)}.",
    )


def _dollars(amount):
    return f"${amount:,.2f}".replace(".00", "")


@check("no_big_promises", _("No big promises"))
def no_big_promises(group, context):
    found = promises_in(f"{group.name}\n{group.description}")
    if not found:
        return (
            Status.PASS,
            gettext("It makes no promises of a cure or quick results."),
            "No promise phrases.",
        )
    quoted = ", ".join(f"“{phrase}”" for phrase in dict.fromkeys(found))
    return (
        Status.FLAG,
        gettext(
            "The listing promises more than any group can (%(phrases)s). Depression does not "
            "have a guaranteed cure or timetable; be careful with groups that say it does."
        )
        % {"phrases": quoted},
        f"Promise phrases: {quoted}.",
    )


@check("freshness", _("Recently confirmed"))
def freshness(group, context):
    months = settings.VETTING_FRESH_MONTHS
    verified = group.last_verified_on
    if verified is not None and verified >= fresh_since(context.today):
        return (
            Status.PASS,
            gettext("The details were confirmed on %(date)s.")
            % {"date": date_format(verified, "DATE_FORMAT")},
            "Verified within the freshness window.",
        )
    when = f"since {verified:%B %Y}" if verified else "ever"
    return (
        Status.WARN,
        gettext(
            "Nobody has confirmed these details in over a year. Contact the group to check "
            "it still meets."
        )
        if verified
        else gettext(
            "Nobody has confirmed these details yet. Contact the group to check it still meets."
        ),
        f"Not verified {when} (window: {months} months).",
    )
