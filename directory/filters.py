"""The search at /groups/: what each query parameter means and how bad ones are told.

The parameter names are part of the product (people bookmark and share
searches), so they are named here once: near, radius, format, attendance,
membership, leader, cost, focus, language, day, time, q (and page, read by the
view).
"""

from functools import cached_property

import django_filters
from django import forms
from django.conf import settings
from django.db import connections
from django.db.models import FloatField, Value
from django.http import QueryDict
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import geo, schedule
from directory.codes import LANGUAGES, US_REGIONS
from directory.models import Focus, Group, TimeOfDay

DEFAULT_RADIUS = 25
COMMON_LANGUAGES = ("en", "es", "zh", "vi", "tl", "ko", "ar", "ru", "fr", "ht", "pt")
RADIUS_CHOICES = (5, 10, 25, 50, 100)
# The parameters that narrow a search, in the order the page shows them under
# "Filters": the ones chosen are counted there and shown as chips above the
# results. The place and the distance are not among them.
FILTERS = (
    "q",
    "format",
    "attendance",
    "membership",
    "leader",
    "day",
    "time",
    "cost",
    "focus",
    "language",
    "vetted",
)


class PlaceField(forms.CharField):
    """What a visitor typed for a place ("78701", "Denver, CO", "Springfield", "lat,lng"),
    cleaned to a geo.Place. Why a text names no place is told in the error's code
    (geo.PlaceNotFound's reasons); SearchForm.place_suggestions() offers what they may
    have meant."""

    default_error_messages = {
        geo.PlaceNotFound.UNKNOWN: _("We couldn't find “%(place)s”. Try a ZIP code or “City, ST”."),
        geo.PlaceNotFound.NEAR_ME: _(
            "To search near you, type your ZIP code (like 78701) or your city and state."
        ),
        geo.PlaceNotFound.WHOLE_STATE: _(
            "“%(place)s” is a whole state. Type a ZIP code or a city in it."
        ),
    }

    def __init__(self, **kwargs):
        super().__init__(
            max_length=geo.MAX_PLACE_LENGTH,
            error_messages={
                "max_length": _(
                    "That place is too long to look up. Type a ZIP code or a city and state, "
                    "like “Denver, CO”."
                )
            },
            **kwargs,
        )

    def widget_attrs(self, widget):
        # What static/js/location.js takes to mean "where I am" ("near me").
        return super().widget_attrs(widget) | {"data-near-me": self.near_me_phrases}

    @property
    def near_me_phrases(self):
        return "|".join(sorted(geo.NEAR_ME))

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return geo.locate(text)
        except geo.PlaceNotFound as not_found:
            raise forms.ValidationError(
                self.error_messages[not_found.reason],
                code=not_found.reason,
                params={"place": text},
            ) from None

    def bound_data(self, data, initial):
        """Show coordinates (from "Use my location") as the place's name, never as numbers."""
        if isinstance(data, str) and geo.is_coordinates(data):
            try:
                return geo.locate(data).label
            except geo.PlaceNotFound:
                pass
        return data


class EachChoiceOnce:
    """A multiple-choice field that keeps each choice once, however often the URL repeats it.

    Every value must then be one of the choices, so a search builds at most one
    condition per choice (7 days, 3 times of day…) whatever its URL: 250 `day=`
    and 150 `time=` values once paired into a 2 MB query.
    """

    def to_python(self, value):
        return list(dict.fromkeys(super().to_python(value)))


class ChoicesField(EachChoiceOnce, forms.MultipleChoiceField):
    pass


class ChoicesFilterField(EachChoiceOnce, django_filters.fields.MultipleChoiceField):
    pass


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    field_class = ChoicesFilterField


def _choice_errors(unknown):
    """Error messages for a multiple-choice parameter; `unknown` names the bad value."""
    return {"invalid_choice": unknown, "invalid_list": _("Choose from the list.")}


class SearchForm(forms.Form):
    near = PlaceField(
        required=False,
        label=_("Near"),
        help_text=_("A ZIP code or a city and state, like 78701 or “Denver, CO”."),
    )
    radius = forms.IntegerField(
        required=False,
        label=_("Within (miles)"),
        min_value=1,
        max_value=100,
        error_messages={
            "invalid": _("The distance must be a whole number of miles, from 1 to 100."),
            "min_value": _("The distance must be at least 1 mile."),
            "max_value": _(
                "The distance can be at most 100 miles. For anything farther, try online groups."
            ),
        },
    )
    day = ChoicesField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Day"),
        choices=[(code, capfirst(name)) for code, name in schedule.DAY_NAMES.items()],
        error_messages=_choice_errors(_("“%(value)s” is not a day we know.")),
    )
    time = ChoicesField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Time of day"),
        choices=TimeOfDay.choices,
        error_messages=_choice_errors(_("“%(value)s” is not a time of day we know.")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Show the distance a search without one uses, rather than an empty box.
        self.fields["radius"].initial = DEFAULT_RADIUS
        if self.is_bound and not self.data.get("radius"):
            self.data = self.data.copy()
            self.data["radius"] = str(DEFAULT_RADIUS)
        # Any ISO 639-1 code is accepted, but the form offers the languages most
        # often spoken in US groups (and any other one already chosen).
        language = self.fields.get("language")
        if language is not None:
            chosen = self.data.getlist("language") if hasattr(self.data, "getlist") else []
            offered = [*COMMON_LANGUAGES, *(code for code in chosen if code in LANGUAGES)]
            language.widget.choices = [
                (code, capfirst(gettext(LANGUAGES[code]))) for code in dict.fromkeys(offered)
            ]

    vetted = forms.ChoiceField(
        required=False,
        label=_("Only groups with nothing flagged in our checks"),
        choices=[("1", _("Yes"))],
        error_messages={
            "invalid_choice": _("Use vetted=1 to see only groups with nothing flagged.")
        },
    )

    def chosen(self):
        """The filters the visitor chose, as (name, value) pairs in the order the page
        shows them, each value once; the value as it is in the query string."""
        if not self.is_bound:
            return []
        chosen = []
        for name in FILTERS:
            field = self.fields.get(name)
            if field is None:
                continue
            if isinstance(field, forms.MultipleChoiceField) and hasattr(self.data, "getlist"):
                values = self.data.getlist(name)
            else:
                values = [self.data.get(name)]
            chosen += [(name, value) for value in dict.fromkeys(values) if value and value.strip()]
        return chosen

    def chosen_filters(self):
        """How many filters the visitor chose (the count beside "Filters")."""
        return len(self.chosen())

    def has_filter_errors(self):
        """Whether a problem is in a field under "Filters", which must then be seen."""
        return any(name in self.errors for name in ("radius", *FILTERS))

    def clean_radius(self):
        return self.cleaned_data["radius"] or DEFAULT_RADIUS

    def place_problem(self):
        """Why the place typed could not be searched (a geo.PlaceNotFound reason), or ""."""
        errors = self.errors.as_data().get("near", []) if self.is_bound else []
        return errors[0].code if errors else ""

    def place_suggestions(self):
        """The places a visitor whose place was not found may have meant ("Did you mean …?")."""
        if self.place_problem() in (geo.PlaceNotFound.UNKNOWN, geo.PlaceNotFound.WHOLE_STATE):
            return geo.suggest(self.data.get("near", ""))
        return []


class LanguageField(ChoicesFilterField):
    """Offers the common languages, accepts any ISO 639-1 code."""

    def valid_value(self, value):
        return value in LANGUAGES


class LanguageFilter(ChoicesFilter):
    field_class = LanguageField


class GroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Keywords"),
        method="filter_q",
        max_length=200,
        error_messages={"max_length": _("Please use fewer words (at most 200 characters).")},
    )
    format = ChoicesFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Kind of group"),
        choices=Group.Format.choices,
        error_messages=_choice_errors(_("“%(value)s” is not a kind of group we know.")),
    )
    attendance = ChoicesFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("How it meets"),
        choices=[("in_person", _("In person")), ("online", _("Online"))],
        method="filter_attendance",
        error_messages=_choice_errors(_("“%(value)s” is not a way of meeting we know.")),
    )
    membership = ChoicesFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Joining"),
        choices=Group.Membership.choices,
        error_messages=_choice_errors(_("“%(value)s” is not a kind of membership we know.")),
    )
    leader = ChoicesFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Who leads it"),
        field_name="leader_type",
        choices=Group.LeaderType.choices,
        error_messages=_choice_errors(_("“%(value)s” is not a kind of leader we know.")),
    )
    cost = ChoicesFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Cost"),
        choices=Group.Cost.choices,
        error_messages=_choice_errors(_("“%(value)s” is not a cost we know.")),
    )
    focus = ChoicesFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Especially for"),
        method="filter_focus",
        error_messages=_choice_errors(_("“%(value)s” is not a focus we know.")),
    )
    language = LanguageFilter(
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Language"),
        choices=[(code, LANGUAGES[code]) for code in COMMON_LANGUAGES],
        method="filter_language",
        error_messages=_choice_errors(_("“%(value)s” is not a language code we know.")),
    )

    class Meta:
        model = Group
        fields = []
        form = SearchForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One query for the focus vocabulary, shared by validation and the form,
        # in the visitor's language and alphabetical order.
        self.filters["focus"].extra["choices"] = sorted(
            ((focus.slug, focus.label()) for focus in Focus.objects.only("slug", "name")),
            key=lambda choice: choice[1],
        )

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        for name, filter_ in self.filters.items():
            if name in data:
                queryset = filter_.filter(queryset, data[name])
        # A day and a time of day match the same meeting.
        if data.get("day") or data.get("time"):
            queryset = queryset.meeting(days=data.get("day"), times=data.get("time"))
        if data.get("vetted"):
            queryset = queryset.filter(flag_count=0)
        return queryset

    def results(self):
        """What to list, in order: nearby groups then online ones, or all of them; groups
        to join online and the list without a place most trusted first (trust_rank),
        then by name."""
        if self.place:
            data = self.form.cleaned_data
            return NearbyThenOnline(
                self.qs, self.place, data["radius"], data.get("attendance"), whole=self.queryset
            )
        return self.qs.order_by("trust_rank", "name", "pk")

    def filter_q(self, queryset, name, value):
        return queryset.matching(value)

    def filter_attendance(self, queryset, name, value):
        return queryset.with_attendance(value)

    def filter_focus(self, queryset, name, value):
        return queryset.with_focus(value)

    def filter_language(self, queryset, name, value):
        return queryset.speaking(value)

    @property
    def place(self):
        """Where the visitor searched from (a geo.Place), or None."""
        return self.form.cleaned_data.get("near") if self.is_valid() else None

    def chips(self):
        """The chosen filters as (label, url) pairs, in the visitor's language: the url is
        this search without that one value, back on its first page."""
        if not self.is_bound or not self.is_valid():
            return []
        return [
            (self._chip_label(name, value), self._url_without(name, value))
            for name, value in self.form.chosen()
        ]

    def clear_filters_url(self):
        """This search without any filter: the same place and distance."""
        query = QueryDict(mutable=True)
        for name in ("near", "radius"):
            if name in self.data:
                query.setlist(name, self.data.getlist(name))
        return _search_url(query)

    def _chip_label(self, name, value):
        field = self.form.fields[name]
        if isinstance(field, forms.MultipleChoiceField):
            return str(dict(field.widget.choices).get(value, value))
        if name == "q":
            return f"{field.label}: {value.strip()}"
        return str(field.label)  # vetted: the checkbox's own words

    def _url_without(self, name, value):
        query = self.data.copy()
        query.pop("page", None)
        kept = [other for other in query.getlist(name) if other != value]
        if kept and isinstance(self.form.fields[name], forms.MultipleChoiceField):
            query.setlist(name, kept)
        else:
            query.pop(name, None)
        return _search_url(query)


class NearbyThenOnline:
    """A search near a place, paged as one list: the groups within the radius,
    nearest first, then the groups to join online, most trusted first.

    Asking for one way of attending lists one part: `in_person`, the groups
    within the radius (hybrid ones too) and nothing online; `online`, the groups
    to join online at any distance (hybrid ones too) and no nearby part. Both
    or neither: both parts, hybrid groups within the radius among the nearby ones.

    Each part is its own query on its own index, and a page reads one part, or
    both on the page where they meet. The parts are counted in one query; the
    online part only up to settings.SEARCH_ONLINE_LIMIT, past which the page
    says "more than" (counting ten thousand online groups exactly would cost
    more than the rest of the search together, and nobody pages that far).
    """

    def __init__(self, groups, place, radius, attendance=(), *, whole):
        self.limit = settings.SEARCH_ONLINE_LIMIT
        self.db = groups.db
        wanted = set(attendance or ()) or {"in_person", "online"}
        self.nearby = groups.nearby(place, radius) if "in_person" in wanted else None
        # `whole`, the groups before the search's filters, reads a page's nearby groups by
        # id, with their distance (see __getitem__).
        self.nearby_rows = whole.annotate(
            distance=geo.distance_expression(place.latitude, place.longitude)
        ).order_by("distance", "name", "pk")
        self.online = None
        if "online" in wanted:
            beyond = radius if self.nearby is not None else None
            self.online = groups.online_for(place, beyond).annotate(
                distance=Value(None, output_field=FloatField())
            )
        self.region_name = US_REGIONS.get(place.region, "")

    @property
    def in_person_only(self):
        return self.online is None

    @property
    def online_only(self):
        return self.nearby is None

    @cached_property
    def counts(self):
        """(nearby, online), online counted up to the limit + 1; 0 for a part not listed."""
        parts = [
            _count_sql(self.nearby) if self.nearby is not None else None,
            _count_sql(self.online, limit=self.limit + 1) if self.online is not None else None,
        ]
        listed = [part for part in parts if part]
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(f"({sql})" for sql, _ in listed),
                [param for _, params in listed for param in params],
            )
            row = iter(cursor.fetchone())
        return tuple(next(row) if part else 0 for part in parts)

    @property
    def nearby_count(self):
        return self.counts[0]

    @property
    def online_count(self):
        return min(self.counts[1], self.limit)

    @property
    def more_online(self):
        """Whether there are more online groups than the list goes to."""
        return self.counts[1] > self.limit

    def count(self):
        return self.nearby_count + self.online_count

    def __getitem__(self, page):
        nearby_count = self.nearby_count
        rows = []
        if page.start < nearby_count:
            # The page's groups are picked by their distance from the index alone (it holds
            # the coordinates, name and id), and only they are read whole: sorting the
            # whole rows of every group within the radius took 40 ms near Manhattan at a
            # million groups, this 13 ms. Still one query.
            picked = self.nearby.values("pk")[page.start : min(page.stop, nearby_count)]
            rows += self.nearby_rows.filter(pk__in=picked)
        if page.stop > nearby_count and self.online is not None:
            rows += self.online[max(page.start - nearby_count, 0) : page.stop - nearby_count]
        return rows


def _search_url(query):
    path = reverse("directory:group_list")
    return f"{path}?{query.urlencode()}" if query else path


def _count_sql(queryset, limit=None):
    """SELECT COUNT(*) over the queryset's rows (the first `limit` of them), as SQL.

    It selects a constant, not the id, so that each part is counted from its
    index alone.
    """
    rows = queryset.order_by().annotate(one=Value(1)).values("one")
    if limit is not None:
        rows = rows[:limit]
    sql, params = rows.query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) AS counted", params
