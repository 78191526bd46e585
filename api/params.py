"""The API's query parameters, as HSDS's API names them, and what makes one bad.

Each endpoint reads its parameters through a form; a bad one is answered 400 with every
problem named (api/http.py BadParameters). Unknown parameters are ignored, as HTTP APIs
do. Every value is bounded, so that no request builds a large query.
"""

import math
import re
from datetime import UTC, datetime, time

from django import forms
from django.utils.dateparse import parse_date, parse_datetime

from directory import geo

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1_000_000
# The search's own limit on a distance: 100 miles.
MAX_PROXIMITY_METRES = 160_934
METRES_PER_MILE = 1609.344
# Without `proximity`, a postcode finds in-person groups within the search's default radius.
DEFAULT_PROXIMITY_MILES = 25
_ZIP = re.compile(r"\d{5}(?:-\d{4})?")


class BooleanParameter(forms.Field):
    """`true` or `false` (also 1 or 0); absent means false."""

    def to_python(self, value):
        if value in (None, ""):
            return False
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class WholeNumber(forms.IntegerField):
    default_error_messages = {"invalid": "Use a whole number."}

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


class PageForm(forms.Form):
    """What every list takes: page, per_page, search and format."""

    page = WholeNumber(min_value=1, max_value=MAX_PAGE)
    per_page = WholeNumber(min_value=1, max_value=MAX_PER_PAGE)
    search = forms.CharField(required=False, max_length=200)
    format = forms.ChoiceField(
        required=False,
        choices=[("json", "json")],
        error_messages={"invalid_choice": "Only json is offered."},
    )

    def clean_page(self):
        return self.cleaned_data["page"] or 1

    def clean_per_page(self):
        return self.cleaned_data["per_page"] or DEFAULT_PER_PAGE

    def slice(self, total):
        """(offset, limit, total_pages) for the requested page of `total` items."""
        per_page, page = self.cleaned_data["per_page"], self.cleaned_data["page"]
        return (page - 1) * per_page, per_page, math.ceil(total / per_page)


class ServiceForm(PageForm):
    """/services and /service_at_locations."""

    organization_id = forms.UUIDField(required=False)
    taxonomy_term_id = forms.UUIDField(required=False)
    taxonomy_id = forms.UUIDField(required=False)
    modified_after = forms.CharField(required=False, max_length=40)
    full = BooleanParameter(required=False)
    minimal = BooleanParameter(required=False)
    postcode = forms.CharField(required=False, max_length=10)
    proximity = WholeNumber(min_value=1, max_value=MAX_PROXIMITY_METRES)

    def clean_modified_after(self):
        return parse_moment(self.cleaned_data["modified_after"])

    def clean_postcode(self):
        text = self.cleaned_data["postcode"].strip()
        if not text:
            return None
        if not _ZIP.fullmatch(text):
            raise forms.ValidationError("Use a US ZIP code, like 78701.")
        place = geo.locate_listing(postal_code=text[:5])
        if place is None:
            raise forms.ValidationError(f"We don't know the ZIP code {text}.")
        return place

    def clean(self):
        data = super().clean()
        if data.get("full") and data.get("minimal"):
            self.add_error("minimal", "Ask for full or minimal, not both.")
        if data.get("proximity") and not data.get("postcode") and "postcode" not in self.errors:
            self.add_error("proximity", "proximity needs a postcode to measure from.")
        return data

    def radius_miles(self):
        metres = self.cleaned_data.get("proximity")
        return metres / METRES_PER_MILE if metres else DEFAULT_PROXIMITY_MILES


class OrganizationForm(PageForm):
    full = BooleanParameter(required=False)
    full_service = BooleanParameter(required=False)


class OrganizationDetailForm(forms.Form):
    full_service = BooleanParameter(required=False)


class TaxonomyTermForm(PageForm):
    taxonomy_id = forms.UUIDField(required=False)
    parent_id = forms.UUIDField(required=False)
    top_only = BooleanParameter(required=False)


def parse_moment(text):
    """An ISO 8601 date-time ("2026-11-01T09:30:00Z"), or a date (its midnight), as an
    aware UTC datetime; without an offset it is read as UTC. None for ""."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.combine(day, time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise forms.ValidationError(
            "Use an ISO 8601 date and time, like 2026-11-01T09:30:00Z, or a date."
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise forms.ValidationError("That date is out of range.") from None


def errors(form):
    """[{"parameter": …, "message": …}] for a form's problems, in the order they come."""
    return [
        {"parameter": name if name != "__all__" else "", "message": message}
        for name, messages in form.errors.items()
        for message in messages
    ]
