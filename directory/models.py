import itertools
import logging
from contextlib import nullcontext
from datetime import time, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import BooleanField, F, Q, Value
from django.db.models.functions import Coalesce, Now
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import geo, pages, schedule, vetting
from directory.codes import (
    LANGUAGES,
    US_REGIONS,
    split_codes,
    validate_language_list,
    validate_region_list,
    validate_timezone,
)

# Where Django itself says that checking a constraint's values failed in the database.
constraint_logger = logging.getLogger("django.db.models")


class ChecksInOneQuery(models.Model):
    """A model whose check constraints a form validates in one query, not one each.

    Django asks the database about each check constraint of a form's instance in a query
    of its own: 14 for a group with two meeting times. This asks once for each instance,
    every condition a column of one row, and reports what fails as Django would.
    """

    class Meta:
        abstract = True

    def get_constraints(self):
        # The others, validated by Django one by one; the checks in validate_constraints().
        return [
            (model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
            for model, constraints in super().get_constraints()
        ]

    def validate_constraints(self, exclude=None):
        errors = {}
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for check in self.failed_checks(exclude or set()):
            failure = ValidationError(
                check.get_violation_error_message(), code=check.violation_error_code
            )
            errors = failure.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def failed_checks(self, exclude):
        """The check constraints this instance's values break (those reading an excluded
        field left out, as Django leaves them out)."""
        model = type(self)
        checks = [
            check
            for check in self._meta.constraints
            if isinstance(check, models.CheckConstraint)
            and not check._expression_refs_exclude(model, check.condition, exclude)
        ]
        if not checks:
            return []
        query = Query(None)
        values = self._get_field_expression_map(meta=self._meta, exclude=exclude)
        for name, value in values.items():
            if not hasattr(value, "resolve_expression"):
                value = Value(value)
            query.add_annotation(value, name, select=False)
        for n, check in enumerate(checks):
            # A check fails only when false: unknown (NULL) passes, as in the database.
            holds = Coalesce(Q(check.condition), True, output_field=BooleanField())
            query.add_annotation(holds, f"_check_{n}")
        using = router.db_for_write(model, instance=self)
        # As Django does: a savepoint keeps an open transaction usable if the query fails.
        in_transaction = connections[using].in_atomic_block
        try:
            with transaction.atomic(using=using) if in_transaction else nullcontext():
                row = query.get_compiler(using=using).execute_sql(SINGLE)
        except DatabaseError as error:
            # As Django: logged, and left to the database, which still refuses the row.
            constraint_logger.warning("Got a database error checking %r: %s", checks, error)
            return []
        return [check for check, holds in zip(checks, row, strict=True) if not holds]


class Organization(models.Model):
    uuid = models.UUIDField(
        default=uuid4,
        unique=True,
        editable=False,
        help_text=_("Its permanent id in the open data (/api/); it never changes."),
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=220, unique=True)
    website = models.URLField(_("website"), blank=True)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_(
            "Tick only after checking that the organization is real and runs the groups "
            "it lists. Visitors see it as “run by an organization we have checked”."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Organization, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{reverse('directory:group_list')}?q={self.name}"

    def refresh_groups(self):
        """Recompute its groups' summaries after `verified` changed: their known_organization
        check and trust rank follow it. Called where a curator checks an organization."""
        for group in self.groups.select_related("organization").iterator(chunk_size=500):
            group.refresh_summary()
        pages.directory_changed()


class Focus(models.Model):
    """Who a group is especially for. Curators manage this vocabulary in the admin."""

    uuid = models.UUIDField(
        default=uuid4,
        unique=True,
        editable=False,
        help_text=_("Its permanent id in the open data (/api/); it never changes."),
    )
    slug = models.SlugField(
        max_length=40,
        unique=True,
        help_text=_("Short code used in search links and CSV files, like perinatal."),
    )
    name = models.CharField(max_length=80, help_text=_("As visitors read it, like “New parents”."))

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "focuses"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('directory:group_list')}?focus={self.slug}"

    def label(self):
        """The name in the visitor's language, where the catalogue has it
        (codes.SEEDED_FOCUS_NAMES); names curators add later show as typed."""
        return gettext(self.name)


class TimeOfDay(models.TextChoices):
    """Parts of the day, by a meeting's start time in the group's own timezone."""

    MORNING = "morning", _("Morning (before noon)")
    AFTERNOON = "afternoon", _("Afternoon (noon to 5 pm)")
    EVENING = "evening", _("Evening (from 5 pm)")

    @classmethod
    def of(cls, start_time):
        if start_time < time(12):
            return cls.MORNING
        return cls.AFTERNOON if start_time < time(17) else cls.EVENING


# Conditions shared by the queries and the partial indexes that serve them: a
# partial index is used only where the query states its condition in the same
# form (SQLite, for one, cannot match "attendance IN (?, ?)").
LISTED = Q(status="published")
MEETS_IN_PERSON = ~Q(attendance="online")
JOINS_ONLINE = ~Q(attendance="in_person")
# The columns the search filters read, besides place and attendance.
SEARCH_COLUMNS = [
    "ends_on", "format", "membership", "leader_type", "cost", "languages", "meeting_slots",
    "focus_codes", "flag_count", "last_verified_on",
]  # fmt: skip


class GroupQuerySet(models.QuerySet):
    def listed(self, today=None):
        """The groups visitors can find: published, not a closed group that has ended,
        and confirmed within FRESHNESS_HIDE_MONTHS (or never dated).

        Every public page (the search, the group page, and later the sitemap and
        the API) starts from here.
        """
        today = today or timezone.localdate()
        hidden_before = schedule.months_before(today, settings.FRESHNESS_HIDE_MONTHS)
        return (
            self.filter(LISTED)
            .exclude(ends_on__lt=today)
            # Not confirmed for too long: out of the search until someone re-verifies it.
            .exclude(last_verified_on__lt=hidden_before)
        )

    def stale(self, today=None):
        """Groups not confirmed within VETTING_FRESH_MONTHS, or never (the freshness
        check's warning, read from the date; see Group.may_be_out_of_date())."""
        fresh_since = vetting.fresh_since(today or timezone.localdate())
        return self.filter(Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=fresh_since))

    def with_attendance(self, attendances):
        """`in_person` matches in-person and hybrid groups; `online`, online and hybrid."""
        wanted = set()
        for attendance in attendances:
            wanted.update(Group.Attendance(attendance).reachable_as)
        return self.filter(attendance__in=sorted(wanted))

    def speaking(self, languages):
        return self.filter(_any(Q(languages__contains=code) for code in languages))

    def with_focus(self, slugs):
        return self.filter(_any(Q(focus_codes__contains=f",{slug},") for slug in slugs))

    def meeting(self, days=(), times=()):
        """Groups with a meeting on one of `days` that starts in one of `times` of day.

        Both are read in the group's own timezone, which is how meeting times
        are kept, from the group's `meeting_slots` summary (",tue-evening,").
        """
        if days and times:
            slots = [f",{day}-{part}," for day in days for part in times]
        elif days:
            slots = [f",{day}-" for day in days]
        else:
            slots = [f"-{part}," for part in times]
        return self.filter(_any(Q(meeting_slots__contains=slot) for slot in slots))

    def matching(self, text):
        """Groups whose name, description or organization's name holds every word of `text`."""
        query = self
        for word in dict.fromkeys(text.split()):  # each word once
            query = query.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(organization__name__icontains=word)
            )
        return query

    def nearby(self, place, radius_miles):
        """In-person and hybrid groups within the radius of a geo.Place, nearest first.

        Each carries its `distance` in miles. It runs in SQL: a bounding box on
        the indexed coordinates, then the exact great-circle distance.
        """
        in_radius, box_distance = _radius(place, radius_miles)
        return (
            self.alias(box_distance=box_distance)
            .filter(in_radius)
            .annotate(distance=F("box_distance"))
            .order_by("distance", "name", "pk")
        )

    def online_for(self, place, beyond_miles=None):
        """The groups to join online from a place, most trusted first.

        Groups with nothing flagged by the checklist come first, and among them
        those of a checked organization (trust_rank), each rank by name.

        Online and hybrid groups, at any distance, that accept members from the
        place's state; only those that accept anyone when the state is unknown.
        With `beyond_miles`, the part after nearby(place, beyond_miles): hybrid
        groups within that radius are left to it.
        """
        accepts = Q(serves_regions="")
        if place.region:
            accepts |= Q(serves_regions__contains=place.region)
        groups = self.filter(JOINS_ONLINE, accepts)
        if beyond_miles is not None:
            in_radius, box_distance = _radius(place, beyond_miles)
            groups = groups.alias(box_distance=box_distance).filter(
                Q(attendance=Group.Attendance.ONLINE) | ~in_radius
            )
        return groups.order_by("trust_rank", "name", "pk")

    def with_distance(self, place, radius_miles):
        """Annotate `distance` for the groups within the radius, None for the others."""
        in_radius, box_distance = _radius(place, radius_miles)
        return self.alias(box_distance=box_distance).annotate(
            distance=models.Case(
                models.When(in_radius, then=F("box_distance")),
                output_field=models.FloatField(),
            )
        )


def _radius(place, radius_miles):
    """The condition "in person or hybrid, within the radius", and the distance it uses.

    The distance (aliased as box_distance) is computed only for the rows inside
    the bounding box, which the coordinates index finds.
    """
    box = geo.bounding_box(place.latitude, place.longitude, radius_miles)
    in_box = MEETS_IN_PERSON & Q(
        latitude__range=(box.south, box.north), longitude__range=(box.west, box.east)
    )
    box_distance = models.Case(
        models.When(in_box, then=geo.distance_expression(place.latitude, place.longitude)),
        output_field=models.FloatField(),
    )
    return in_box & Q(box_distance__lte=radius_miles), box_distance


def _any(conditions):
    """OR the conditions together.

    The code lists they test are comma-separated fixed-width codes (two-letter
    languages and states) or comma-wrapped summaries (",tue-evening,"), so a
    substring test is exact: "CA" never matches part of another code.
    """
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


class Group(ChecksInOneQuery):
    class Format(models.TextChoices):
        SUPPORT = "support", _("Peer support group")
        PSYCHOEDUCATIONAL = "psychoeducational", _("Psychoeducational course")
        PROCESS = "process", _("Process group")
        SPECIALIZED = "specialized", _("Specialized therapy group")

        @property
        def explanation(self):
            return {
                "support": _(
                    "A safe place to share what you are going through with people who "
                    "understand. Usually ongoing, often free and led by peers."
                ),
                "psychoeducational": _(
                    "A course that teaches skills and information for managing depression, "
                    "such as coping strategies and mindfulness. Runs for a set number of weeks."
                ),
                "process": _(
                    "A therapy group where members learn from how they relate to each other, "
                    "guided by a therapist. Often runs for six months or longer."
                ),
                "specialized": _(
                    "A therapy group for one situation, such as depression after having a "
                    "baby, social anxiety or parenting. Usually short-term."
                ),
            }[self.value]

        @property
        def plural(self):
            return {
                "support": _("Peer support groups"),
                "psychoeducational": _("Psychoeducational courses"),
                "process": _("Process groups"),
                "specialized": _("Specialized therapy groups"),
            }[self.value]

    class Membership(models.TextChoices):
        OPEN = "open", _("Open: join any time")
        CLOSED = "closed", _("Closed: starts and ends on set dates")

    class Attendance(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person or online (hybrid)")

        @property
        def reachable_as(self):
            """The attendances a visitor asking for this one can use: hybrid serves both."""
            return {
                "in_person": ("in_person", "hybrid"),
                "online": ("online", "hybrid"),
                "hybrid": ("hybrid",),
            }[self.value]

    class LeaderType(models.TextChoices):
        PEER = "peer", _("A peer (someone with lived experience)")
        PROFESSIONAL = "professional", _("A mental health professional")
        CO_LED = "co_led", _("A peer and a professional together")

    class AddressVisibility(models.TextChoices):
        PUBLIC = "public", _("Show the full address")
        CITY_ONLY = "city_only", _("Show only the city; people contact the group for the address")

    class Cost(models.TextChoices):
        FREE = "free", _("Free")
        SLIDING_SCALE = "sliding_scale", _("Sliding scale (pay what you can)")
        FEE = "fee", _("A fee per session")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        ARCHIVED = "archived", _("Archived (stopped meeting)")

    uuid = models.UUIDField(
        default=uuid4,
        unique=True,
        editable=False,
        help_text=_("Its permanent id in the open data (/api/); it never changes."),
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(
        _("name"), max_length=200, help_text=_("The name people know the group by.")
    )
    slug = models.SlugField(
        _("web address"),
        max_length=220,
        unique=True,
        help_text=_(
            "The group's web address, /groups/<slug>/. Keep it once published: "
            "people bookmark and share it."
        ),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("What happens in the group and who it is for, in a few plain sentences."),
    )
    format = models.CharField(_("kind of group"), max_length=20, choices=Format.choices)
    membership = models.CharField(
        _("joining"),
        max_length=10,
        choices=Membership.choices,
        default=Membership.OPEN,
        help_text=_(
            "Open groups welcome new members any time; closed groups start and end together."
        ),
    )
    starts_on = models.DateField(
        _("first session"),
        null=True,
        blank=True,
        help_text=_("Closed groups: the date of the first session."),
    )
    ends_on = models.DateField(
        _("last session"),
        null=True,
        blank=True,
        help_text=_(
            "Closed groups: the date of the last session. The group leaves the directory after it."
        ),
    )
    attendance = models.CharField(_("how it meets"), max_length=10, choices=Attendance.choices)
    leader_type = models.CharField(_("who leads it"), max_length=20, choices=LeaderType.choices)
    leader_training = models.CharField(
        _("leader training"),
        max_length=300,
        blank=True,
        help_text=_(
            "The leader's training in words, like “completed a 2-day peer facilitator "
            "training” or “LCSW”."
        ),
    )

    # Where it meets (in-person and hybrid groups).
    venue = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("Like “Eastside Library, Room B”.")
    )
    address = models.CharField(
        _("address"), max_length=300, blank=True, help_text=_("Street address.")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(
        _("state"),
        max_length=2,
        blank=True,
        choices=sorted(US_REGIONS.items()),
    )
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="US", help_text=_("Two-letter country code.")
    )
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Leave blank to look it up from the ZIP code."),
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("Leave blank to look it up from the ZIP code."),
    )
    address_visibility = models.CharField(
        _("show the address"),
        max_length=10,
        choices=AddressVisibility.choices,
        default=AddressVisibility.PUBLIC,
        help_text=_(
            "Many groups keep their room private: visitors then see only the city and "
            "contact the group for the address."
        ),
    )

    # How to join online (online and hybrid groups).
    online_url = models.URLField(
        _("online meeting link"),
        max_length=500,
        blank=True,
        help_text=_("Where members join online."),
    )
    serves_regions = models.CharField(
        _("accepts members from"),
        max_length=200,
        blank=True,
        validators=[validate_region_list],
        help_text=_(
            "States whose residents may join online, like CA,OR (a licensed clinician "
            "often may only serve the states of their license). Blank means anywhere."
        ),
    )

    confidentiality_policy = models.TextField(
        _("confidentiality policy"),
        blank=True,
        help_text=_("What members can expect to stay private, and any limits."),
    )
    moderation_rules = models.TextField(
        _("moderation and conduct rules"),
        blank=True,
        help_text=_(
            "How members are expected to treat each other and how the leader keeps it "
            "safe. Online groups should always have these."
        ),
    )

    cost = models.CharField(_("cost"), max_length=20, choices=Cost.choices, default=Cost.FREE)
    fee_per_session = models.DecimalField(
        _("fee per session (USD)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("For a sliding scale, the most anyone pays."),
    )
    insurance_accepted = models.BooleanField(_("insurance accepted"), default=False)

    focus = models.ManyToManyField(
        Focus, blank=True, related_name="groups", help_text=_("Who the group is especially for.")
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        default="en",
        validators=[validate_language_list],
        help_text=_("Two-letter language codes separated by commas, like en,es."),
    )
    max_size = models.PositiveSmallIntegerField(
        _("maximum size"), null=True, blank=True, validators=[MinValueValidator(2)]
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)

    last_verified_on = models.DateField(
        _("last confirmed on"),
        null=True,
        blank=True,
        help_text=_("When someone last confirmed these details are right."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Summaries of the related rows, worked out by summarize() so that the search
    # filters them in the group's own row: ",tue-evening,thu-morning," and ",women,".
    meeting_slots = models.CharField(max_length=300, blank=True, editable=False)
    focus_codes = models.CharField(max_length=500, blank=True, editable=False)
    # The vetting checklist's totals, but for the dated checks (the findings are
    # VettingResult rows; see vetting.DATED).
    flag_count = models.PositiveSmallIntegerField(default=0, editable=False)
    warn_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # Where the group comes among online results: nothing flagged before flagged,
    # then a checked organization before an unchecked one (0 best, 3 last).
    trust_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    SUMMARY_FIELDS = ["meeting_slots", "focus_codes", "flag_count", "warn_count", "trust_rank"]

    # When the organization was last reminded to confirm the group.
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="group_unique_name_per_organization"
            ),
            models.CheckConstraint(
                condition=Q(attendance="in_person") | ~Q(online_url=""),
                name="group_online_has_link",
                violation_error_message=_("An online or hybrid group needs its meeting link."),
            ),
            models.CheckConstraint(
                condition=Q(attendance="online")
                | (~Q(city="") & Q(latitude__isnull=False, longitude__isnull=False)),
                name="group_in_person_has_place",
                violation_error_message=_(
                    "An in-person or hybrid group needs a city and a place on the map."
                ),
            ),
            models.CheckConstraint(
                condition=Q(membership="open")
                | Q(starts_on__isnull=False, ends_on__isnull=False, ends_on__gt=F("starts_on")),
                name="group_closed_ends_after_start",
                violation_error_message=_(
                    "A closed group needs a first and a last date, the last after the first."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(cost="fee") | Q(fee_per_session__gt=0),
                name="group_fee_has_fee",
                violation_error_message=_("A group that charges a fee needs the fee per session."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="group_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="group_longitude_range",
            ),
        ]
        # The search's two parts each have an index that holds every column its
        # filters read, so counting them reads the index alone.
        indexes = [
            # nearby(): the bounding box on the coordinates; with the name and id, a page
            # of the nearest groups is picked from the index alone.
            models.Index(
                fields=["latitude", "longitude", "attendance", *SEARCH_COLUMNS, "name", "id"],
                condition=LISTED & MEETS_IN_PERSON,
                name="group_search_nearby_idx",
            ),
            # online_for(): by trust, then name.
            models.Index(
                fields=[
                    "trust_rank",
                    "name",
                    "attendance",
                    "latitude",
                    "longitude",
                    "serves_regions",
                    *SEARCH_COLUMNS,
                ],
                condition=LISTED & JOINS_ONLINE,
                name="group_search_online_idx",
            ),  # fmt: skip
            # The search without a place, most trusted first, then by name.
            models.Index(
                fields=["trust_rank", "name"], condition=LISTED, name="group_listed_name_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Group, self.slug_text())
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:group_detail", args=[self.slug])

    def slug_text(self):
        """What its slug is made of: 'Tuesday Circle Austin' -> tuesday-circle-austin."""
        return " ".join(filter(None, [self.name, self.city]))

    def clean(self):
        """The database constraints, said to the person filling in the form."""
        errors = {}
        if self.meets_online and not self.online_url:
            errors["online_url"] = _(
                "An online or hybrid group needs the link members use to join."
            )
        if self.meets_in_person:
            errors |= self._place_errors()
        if self.membership == self.Membership.CLOSED:
            if not self.starts_on:
                errors["starts_on"] = _("A closed group needs the date of its first session.")
            if not self.ends_on:
                errors["ends_on"] = _("A closed group needs the date of its last session.")
            elif self.starts_on and self.ends_on <= self.starts_on:
                errors["ends_on"] = _("The last session must come after the first.")
        if self.cost == self.Cost.FEE and not self.fee_per_session:
            errors["fee_per_session"] = _("Say how much one session costs.")
        if errors:
            raise ValidationError(errors)

    def summarize(self, meetings, focus_slugs, today=None):
        """Work out, without a query, what is stored about the group's related rows: the
        meeting slots and focus codes the search filters on, and the vetting checklist's
        counts and trust rank (set on the group). Returns the findings to keep, as unsaved
        VettingResult rows. Its organization must be loaded (or in hand)."""
        slots = {
            (schedule.DAYS.index(day), TimeOfDay.of(meeting.start_time).value)
            for meeting in meetings
            for day in meeting.day_list()
        }
        self.meeting_slots = _wrap(f"{schedule.DAYS[day]}-{part}" for day, part in sorted(slots))
        self.focus_codes = _wrap(sorted(focus_slugs))
        findings = [
            f for f in vetting.evaluate(self, today, meetings) if f.check not in vetting.DATED
        ]
        self.flag_count = sum(f.status == vetting.Status.FLAG for f in findings)
        self.warn_count = sum(f.status == vetting.Status.WARN for f in findings)
        self.trust_rank = 2 * (self.flag_count > 0) + (not self.organization.verified)
        return [
            VettingResult(
                group=self,
                name=f.check,
                status=f.status,
                visitor_text=f.visitor_text,
                curator_text=f.curator_text,
            )
            for f in findings
        ]

    def refresh_summary(self, today=None):
        """Recompute and store the summary (summarize()) from the saved meeting times and
        focus, and say the directory changed.

        For a change that does not go through snapshots.write() (which works the summary
        out as it saves a listing): a curator checking its organization, and the daily
        `refresh_vetting` after a checklist rule or setting changes.
        """
        results = self.summarize(
            list(self.meeting_times.all()), list(self.focus.values_list("slug", flat=True)), today
        )
        with transaction.atomic(savepoint=False):
            Group.objects.filter(pk=self.pk).update(
                **{name: getattr(self, name) for name in self.SUMMARY_FIELDS}
            )
            self.vetting_results.all().delete()
            VettingResult.objects.bulk_create(results)
        pages.directory_changed()

    def _place_errors(self):
        if not self.city:
            return {"city": _("An in-person or hybrid group needs the city it meets in.")}
        if (self.latitude is None) != (self.longitude is None):
            return {"longitude": _("Give both latitude and longitude, or neither.")}
        zip_place = self.zip_place()
        if zip_place and self.region and zip_place.region != self.region:
            return {
                "postal_code": _("ZIP code %(zip)s is in %(state)s, not %(given)s.")
                % {"zip": self.postal_code, "state": zip_place.region, "given": self.region}
            }
        if not self.locate():
            return {
                "postal_code" if self.postal_code else "city": _(
                    "We couldn't find this place on the map. Check the ZIP code, city and "
                    "state, or give the latitude and longitude."
                )
            }
        return {}

    def locate(self):
        """Fill in missing coordinates for an in-person or hybrid group's place.

        Street addresses go to an online geocoder only where settings.GEOCODER
        allows it; otherwise, and when it finds nothing, the ZIP code's (or the
        city's) point from the offline gazetteer is used. Returns whether it
        found one.
        """
        if not self.meets_in_person or (self.latitude is not None and self.longitude is not None):
            return True
        found = geo.geocode_address(
            self.address, self.city, self.region, self.postal_code, self.country
        )
        if found is None:
            place = geo.locate_listing(
                postal_code=self.postal_code, city=self.city, region=self.region
            )
            found = (place.latitude, place.longitude) if place else None
        if found is None:
            return False
        self.latitude, self.longitude = found
        return True

    def zip_place(self):
        """The gazetteer's entry for the group's ZIP code, or None."""
        return geo.locate_listing(postal_code=self.postal_code) if self.postal_code else None

    def local_timezone(self):
        """The IANA timezone where an in-person or hybrid group meets, or ""."""
        if not self.meets_in_person:
            return ""
        place = geo.locate_listing(postal_code=self.postal_code, city=self.city, region=self.region)
        if place and place.timezone:
            return place.timezone
        if self.latitude is not None and self.longitude is not None:
            return geo.timezone_at(self.latitude, self.longitude)
        return ""

    @property
    def meets_in_person(self):
        return self.attendance in self.Attendance.IN_PERSON.reachable_as

    @property
    def meets_online(self):
        return self.attendance in self.Attendance.ONLINE.reachable_as

    @property
    def shows_address(self):
        return self.address_visibility == self.AddressVisibility.PUBLIC

    def format_explanation(self):
        return self.Format(self.format).explanation

    def has_ended(self, today=None):
        return self.ends_on is not None and self.ends_on < (today or timezone.localdate())

    def place_name(self):
        """'Austin, TX' — what every visitor may see of where it meets."""
        return ", ".join(part for part in (self.city, self.region) if part)

    def language_names(self):
        return [gettext(LANGUAGES.get(code, code)) for code in split_codes(self.languages)]

    def region_names(self):
        return [US_REGIONS.get(code, code) for code in split_codes(self.serves_regions)]

    def may_be_out_of_date(self, today=None):
        """Not confirmed within VETTING_FRESH_MONTHS (or never); see GroupQuerySet.stale()."""
        fresh_since = vetting.fresh_since(today or timezone.localdate())
        return self.last_verified_on is None or self.last_verified_on < fresh_since

    def checklist(self, today=None, meetings=None):
        """The vetting checklist as of today, counted (a vetting.Tally).

        Every page that shows a listing's checks (its card, its page, the partner
        dashboard, the curators' lists) asks here, so they agree on the same day.
        `meetings` stands in for the saved meeting times, for a proposal.
        """
        return vetting.tally(vetting.evaluate(self, today, meetings))

    def directions_url(self):
        """Directions on OpenStreetMap, when the group shows where it meets."""
        if not self.meets_in_person or not self.shows_address or self.latitude is None:
            return ""
        return (
            "https://www.openstreetmap.org/directions?route="
            f"%3B{self.latitude:.5f}%2C{self.longitude:.5f}"
        )

    def phone_link(self):
        """'tel:+15125550143' for '(512) 555-0143' (US numbers get +1)."""
        digits = "".join(c for c in self.contact_phone if c.isdigit())
        if len(digits) == 10:
            digits = "1" + digits
        return f"tel:+{digits}" if digits else ""

    def cost_in_words(self):
        if self.cost == self.Cost.FREE:
            return gettext("Free")
        fee = f"${self.fee_per_session:,.2f}".replace(".00", "") if self.fee_per_session else ""
        if self.cost == self.Cost.SLIDING_SCALE:
            if not fee:
                return gettext("Sliding scale")
            return gettext("Sliding scale, up to %(fee)s a session") % {"fee": fee}
        return gettext("%(fee)s a session") % {"fee": fee}


class MeetingTime(ChecksInOneQuery):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        EVERY_OTHER_WEEK = "every_other_week", _("Every other week")
        MONTHLY = "monthly", _("Once a month")

    class WeekOfMonth(models.IntegerChoices):
        FIRST = 1, _("First")
        SECOND = 2, _("Second")
        THIRD = 3, _("Third")
        FOURTH = 4, _("Fourth")
        LAST = schedule.LAST, _("Last")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="meeting_times")
    days = models.CharField(
        _("days"),
        max_length=27,
        help_text=_("Three-letter days separated by commas, like mon,thu."),
    )
    start_time = models.TimeField(
        _("start time"), help_text=_("In the group's own timezone, 24-hour, like 18:30.")
    )
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        validators=[validate_timezone],
        help_text=_("Where the meeting's clock is, like America/Chicago."),
    )
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    week_of_month = models.SmallIntegerField(
        _("week of the month"),
        null=True,
        blank=True,
        choices=WeekOfMonth.choices,
        help_text=_("Monthly meetings: which week of the month."),
    )
    first_meeting_on = models.DateField(
        _("one meeting date"),
        null=True,
        blank=True,
        help_text=_(
            "Every-other-week meetings: the date of one meeting, so visitors know which weeks."
        ),
    )

    class Meta:
        ordering = ["start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gt=F("start_time")),
                name="meetingtime_ends_after_start",
                violation_error_message=_("A meeting must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(frequency="monthly", week_of_month__isnull=False)
                | (~Q(frequency="monthly") & Q(week_of_month__isnull=True)),
                name="meetingtime_monthly_has_week",
                violation_error_message=_(
                    "Monthly meetings need the week of the month (and only monthly ones have one)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(frequency="every_other_week") | Q(first_meeting_on__isnull=False),
                name="meetingtime_every_other_week_has_date",
                violation_error_message=_(
                    "Every-other-week meetings need the date of one meeting."
                ),
            ),
            models.CheckConstraint(condition=~Q(days=""), name="meetingtime_has_days"),
        ]

    def __str__(self):
        return f"{self.days_in_words()}, {self.time_in_words()}"

    def clean(self):
        errors = {}
        days = self.day_list()
        if not days:
            errors["days"] = _("Pick at least one day.")
        elif any(day not in schedule.DAYS for day in days):
            errors["days"] = _("Use three-letter days like mon or thu.")
        if self.end_time and self.start_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The meeting must end after it starts.")
        if self.frequency == self.Frequency.MONTHLY and self.week_of_month is None:
            errors["week_of_month"] = _("Say which week of the month it meets.")
        if self.frequency != self.Frequency.MONTHLY and self.week_of_month is not None:
            errors["week_of_month"] = _("Only monthly meetings have a week of the month.")
        if self.frequency == self.Frequency.EVERY_OTHER_WEEK and not self.first_meeting_on:
            errors["first_meeting_on"] = _(
                "Give the date of one meeting, so people know which weeks."
            )
        if (
            self.first_meeting_on
            and days
            and schedule.DAYS[self.first_meeting_on.weekday()] not in days
        ):
            errors["first_meeting_on"] = _("That date is not on one of the meeting days.")
        if errors:
            raise ValidationError(errors)

    def day_list(self):
        return schedule.split_days(self.days)

    def days_in_words(self):
        return schedule.describe_days(
            frequency=self.frequency, days=self.days, week_of_month=self.week_of_month
        )

    def time_in_words(self):
        return schedule.describe_time(self.start_time, self.end_time)

    def timezone_name(self):
        return schedule.describe_timezone(self.timezone)

    def when_in_words(self, visitor_timezone="", now=None):
        """'Tuesdays, 7–8:30 pm (Central time)', as every page says it.

        For a visitor who searched from another timezone (`visitor_timezone`, the
        searched place's), a group they can join online says the time on their
        clock first, from its next meeting: 'Tuesdays, 6–7:30 pm your time
        (7–8:30 pm Central time)'. A group that meets only in person keeps its clock.
        """
        start = self.next_meeting(now) if self._reads_differently(visitor_timezone) else None
        if start is None:
            return f"{self.days_in_words()}, {self.time_in_words()} ({self.timezone_name()})"
        return schedule.describe_for_visitor(
            start=start,
            end_time=self.end_time,
            frequency=self.frequency,
            days=self.days,
            week_of_month=self.week_of_month,
            visitor_timezone=visitor_timezone,
        )

    def next_meeting_in_words(self, now=None, visitor_timezone=""):
        """'Tuesday, November 24': the next meeting's date, on the visitor's calendar
        where when_in_words() uses their clock."""
        start = self.next_meeting(now)
        if start and self._reads_differently(visitor_timezone):
            start = start.astimezone(ZoneInfo(visitor_timezone))
        # Translators: a date format (Django's date filter): "Tuesday, December 1".
        return date_format(start.date(), gettext("l, F j")) if start else ""

    def _reads_differently(self, visitor_timezone):
        return self.group.meets_online and schedule.reads_differently(
            self.timezone, visitor_timezone
        )

    def next_meeting(self, now=None):
        """The start of the next meeting in the group's timezone, or None."""
        return schedule.next_meeting(
            now=now or timezone.now(),
            timezone=self.timezone,
            start_time=self.start_time,
            frequency=self.frequency,
            days=self.days,
            week_of_month=self.week_of_month,
            first_meeting_on=self.first_meeting_on,
            not_before=self.group.starts_on,
            not_after=self.group.ends_on,
        )


class VettingResult(models.Model):
    """One finding of the vetting checklist for a group (see directory/vetting.py)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="vetting_results")
    name = models.CharField(max_length=40, help_text=_("The check, like fees."))
    status = models.CharField(max_length=4, choices=vetting.Status.choices)
    visitor_text = models.TextField()
    curator_text = models.TextField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="vettingresult_one_per_check")
        ]
        indexes = [
            # The admin's filters by check and status.
            models.Index(fields=["name", "status", "group"], name="vettingresult_check_idx"),
        ]

    def __str__(self):
        return f"{self.name}: {self.status}"

    def get_absolute_url(self):
        return self.group.get_absolute_url()

    def title(self):
        return vetting.title(self.name)


class GroupVersion(models.Model):
    """A group's listing as it was after one change: who, when, what (a snapshot)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="versions")
    data = models.JSONField(help_text=_("The listing's fields, meeting times and focus."))
    status = models.CharField(
        max_length=10, choices=Group.Status.choices, blank=True, help_text=_("The group's status.")
    )
    note = models.CharField(max_length=200, help_text=_("What happened, like “Imported”."))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]  # newest first; ids follow the order changes were made
        get_latest_by = "pk"

    def __str__(self):
        return f"{self.group} — {self.note} ({self.when()})"

    def get_absolute_url(self):
        return reverse("admin:directory_group_history", args=[self.group_id])

    def when(self):
        """'2026-11-24 12:00 EST': the site's timezone, as every admin page shows times."""
        return date_format(timezone.localtime(self.created_at), "Y-m-d H:i T")

    @classmethod
    def record(cls, group, note, by=None, data=None):
        """Keep the group's listing as it is now (`data`, its snapshot, when in hand), unless
        neither it nor the group's status changed since the last version (then None): a
        history without empty entries."""
        from directory import snapshots

        if data is None:
            data = snapshots.take(group)
        last = group.versions.order_by("-pk").only("data", "status").first()
        if last is not None and (last.data, last.status) == (data, group.status):
            return None
        return cls.objects.create(
            group=group, data=data, status=group.status, note=note, changed_by=cls._user(by)
        )

    @classmethod
    def record_new(cls, groups, listings, note, by=None):
        """record() for new groups, just written, in one query: `listings` are their
        snapshots, in the same order (snapshots.write_new() returns them)."""
        return cls.objects.bulk_create(
            cls(group=group, data=data, status=group.status, note=note, changed_by=cls._user(by))
            for group, data in zip(groups, listings, strict=True)
        )

    @staticmethod
    def _user(by):
        return by if by is not None and by.is_authenticated else None

    def previous(self):
        return GroupVersion.objects.filter(group=self.group, pk__lt=self.pk).order_by("-pk").first()

    def changes(self, previous=None):
        """[(label, before, after)] since the version before this one (`previous`, when
        the caller has it), the status first."""
        from directory import snapshots

        previous = previous or self.previous()
        if previous is None:
            return []
        changes = []
        if previous.status and self.status and previous.status != self.status:
            changes.append(("Status", previous.get_status_display(), self.get_status_display()))
        return changes + snapshots.differences(previous.data, self.data)


class ProblemReport(models.Model):
    """A visitor's report that something about a listing is wrong."""

    class Kind(models.TextChoices):
        NO_LONGER_MEETS = "no_longer_meets", _("It no longer meets")
        WRONG_TIME_OR_PLACE = "wrong_time_or_place", _("The time or place is wrong")
        BROKEN_LINK = "broken_link", _("The link does not work")
        HARMFUL = "harmful", _("Something harmful happens there")
        OTHER = "other", _("Something else")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("what is wrong"), max_length=30, choices=Kind.choices)
    details = models.TextField(
        _("details"),
        blank=True,
        max_length=2000,
        help_text=_("Anything that helps us check. Optional."),
    )
    contact_email = models.EmailField(
        _("your email (optional)"),
        blank=True,
        help_text=_("Only if you would like us to reply. We never show it to anyone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The curators' queue and each organization's dashboard: open reports.
            models.Index(
                fields=["group", "created_at"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.group}"

    def get_absolute_url(self):
        return reverse("admin:directory_problemreport_change", args=[self.pk])


class WorkerQuerySet(models.QuerySet):
    def alive(self, seconds=30):
        """Workers heard from within `seconds`, by the database's clock (servers' clocks may
        differ)."""
        return self.filter(seen_at__gte=Now() - timedelta(seconds=seconds))


class Worker(models.Model):
    """A background worker process (`manage.py db_worker`) while it runs: it writes `seen_at`
    every few seconds, so that a task left by one that stopped (killed, or its machine gone)
    is noticed and run again (directory/worker.py)."""

    id = models.CharField(primary_key=True, max_length=64)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        ordering = ["started_at"]

    def __str__(self):
        return f"worker {self.id} (process {self.pid} on {self.host})"


class DailyRun(models.Model):
    """A daily task started for one day: one row per task and day, so that it starts once
    however many workers there are (directory/worker.py)."""

    task = models.CharField(max_length=200)
    day = models.DateField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "day"], name="dailyrun_once_a_day"),
        ]

    def __str__(self):
        return f"{self.task} on {self.day}"


def _wrap(codes):
    """['tue-evening', 'thu-morning'] -> ',tue-evening,thu-morning,' ('' when empty)."""
    joined = ",".join(codes)
    return f",{joined}," if joined else ""


def unique_slug(model, text, max_length=200):
    """A slug for `text` no other row of `model` has: 'tuesday-circle', then 'tuesday-circle-2'…"""
    return unique_slugs(model, [text], max_length)[0]


def unique_slugs(model, texts, max_length=200):
    """unique_slug() for each of `texts`, no two the same: one query for each 1,000 of them,
    and one more for each slug that is taken already."""
    bases = [slugify(text)[:max_length].strip("-") or "group" for text in texts]
    taken = set()
    for chunk in itertools.batched(bases, 1000):
        taken |= set(model.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, n = base, 1
        while slug in taken or (n > 1 and model.objects.filter(slug=slug).exists()):
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs.append(slug)
    return slugs
