"""groupfinder's own taxonomy: the facts about a group that HSDS has no field for, as
terms that services carry as `attribute`s.

One taxonomy, two levels: a term for each fact (its facet: "Kind of group", "Who leads
it"…) and under it a term for each value ("Peer support group"). The values are the
directory's closed vocabularies (Group.Format, Membership, Attendance, LeaderType), its
curators' focus vocabulary (Focus rows) and one term for insurance. A service's
leader_type attribute carries the leader's training as its `value`.

Ids are UUIDs that never change: version-5 UUIDs of the term's code ("format/support")
for the fixed vocabularies, and each Focus row's own `uuid`, so that a focus keeps its
id when curators rename it.
"""

from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID, uuid5

from django.utils.translation import get_language

from directory.models import Focus, Group

# The namespace of every id this project derives (taxonomy terms here; a listing's
# locations, schedules… in api/hsds.py). Fixed for ever: changing it changes every id.
NAMESPACE = UUID("4846c4e0-3b78-416f-988f-e2b06bae6dac")
TAXONOMY_ID = uuid5(NAMESPACE, "taxonomy/groupfinder")
TAXONOMY_NAME = "groupfinder support group facts"
TAXONOMY_VERSION = "1"
TAXONOMY_DESCRIPTION = (
    "What groupfinder says about every depression support group it lists: the kind of "
    "group, whether it can be joined any time, how it meets, who leads it, who it is "
    "especially for, and whether it takes insurance. Each fact is a top-level term; its "
    "possible values are the terms under it."
)


@dataclass(frozen=True)
class Term:
    id: UUID
    code: str  # "format/support"; a facet's is its name ("format")
    name: str
    description: str
    facet: str  # "format", "membership", "attendance", "leader_type", "focus", "insurance"
    value: str = ""  # "support"; "" for the facet itself

    @property
    def parent_id(self):
        return _facet_id(self.facet) if self.value else None

    @property
    def is_facet(self):
        return not self.value


def _facet_id(facet):
    return uuid5(NAMESPACE, f"facet/{facet}")


FACETS = {
    "format": ("Kind of group", "What happens in the group: peer support, a course, therapy."),
    "membership": (
        "Joining",
        "Whether the group can be joined any time or starts and ends on set dates.",
    ),
    "attendance": (
        "How it meets",
        "In person, online, or both (it follows the service's locations).",
    ),
    "leader_type": (
        "Who leads it",
        "A peer, a professional or both. The attribute's value is "
        "the leader's training, in the organization's words.",
    ),
    "focus": ("Who it is for", "People the group is especially for."),
    "insurance": ("Insurance", "Whether the group's fee can be paid by health insurance."),
}
CHOICES = {
    "format": Group.Format,
    "membership": Group.Membership,
    "attendance": Group.Attendance,
    "leader_type": Group.LeaderType,
}
INSURANCE_ACCEPTED = "accepted"


@lru_cache(maxsize=4)
def _fixed_terms(language):
    """The terms of the fixed vocabularies, named in `language` (the API speaks English)."""
    terms = [
        Term(_facet_id(facet), facet, name, description, facet)
        for facet, (name, description) in FACETS.items()
    ]
    for facet, choices in CHOICES.items():
        for choice in choices:
            code = f"{facet}/{choice.value}"
            description = choice.explanation if facet == "format" else choice.label
            terms.append(
                Term(
                    uuid5(NAMESPACE, code),
                    code,
                    str(choice.label),
                    str(description),
                    facet,
                    choice.value,
                )
            )
    code = f"insurance/{INSURANCE_ACCEPTED}"
    terms.append(
        Term(
            uuid5(NAMESPACE, code),
            code,
            "Insurance accepted",
            "Health insurance can pay the group's fee.",
            "insurance",
            INSURANCE_ACCEPTED,
        )
    )
    return tuple(terms)


def focus_term(focus):
    return Term(
        focus.uuid,
        f"focus/{focus.slug}",
        focus.name,
        f"Especially for: {focus.name}.",
        "focus",
        focus.slug,
    )


def terms(focuses=None):
    """Every term, facets first, in a fixed order. One query for the focus vocabulary
    unless `focuses` is given."""
    if focuses is None:
        focuses = Focus.objects.order_by("slug")
    fixed = _fixed_terms(get_language())
    facets = [term for term in fixed if term.is_facet]
    values = [term for term in fixed if not term.is_facet]
    return [*facets, *values] + [focus_term(focus) for focus in focuses]


def fixed_term(facet, value):
    """The term for one of the fixed vocabularies' values (no query)."""
    code = f"{facet}/{value}"
    return next(term for term in _fixed_terms(get_language()) if term.code == code)


def group_terms(group):
    """[(term, value)]: the attributes a group carries, in the taxonomy's order. Reads the
    group's focus (prefetch "focus" for many groups)."""
    attributes = [
        (
            fixed_term(facet, getattr(group, facet)),
            group.leader_training if facet == "leader_type" else "",
        )
        for facet in CHOICES
    ]
    if group.insurance_accepted:
        attributes.append((fixed_term("insurance", INSURANCE_ACCEPTED), ""))
    focuses = sorted(group.focus.all(), key=lambda focus: focus.slug)
    return attributes + [(focus_term(focus), "") for focus in focuses]


def find(term_id):
    """The term with this id (a UUID), or None."""
    for term in _fixed_terms(get_language()):
        if term.id == term_id:
            return term
    focus = Focus.objects.filter(uuid=term_id).first()
    return focus_term(focus) if focus else None


def groups_with(term, groups):
    """The groups of the queryset `groups` that carry `term` (a facet: any value)."""
    if term.facet == "focus":
        return groups.filter(focus__uuid=term.id) if term.value else groups
    if term.facet == "insurance":
        return groups.filter(insurance_accepted=True)
    if term.is_facet:
        return groups
    return groups.filter(**{term.facet: term.value})
