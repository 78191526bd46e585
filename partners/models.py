from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import pages, snapshots
from directory.models import Group, GroupVersion, Organization
from partners import matching


def account_for(email, name="", language=None):
    """The person with this email, or a new account for them without a password yet
    (they choose one from their invitation), written to in `language`."""
    email = email.strip().lower()
    user, created = get_user_model().objects.get_or_create(
        email__iexact=email,
        defaults={"username": email, "email": email, "first_name": name[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save()
        if language:
            Profile.remember_language(user, language)
    return user


class Membership(models.Model):
    """A person who keeps an organization's groups current."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Editor: adds and updates groups")
        ADMIN = "admin", _("Admin: also invites others")

        def short(self):
            """“Editor” or “Admin”, in the reader's language."""
            return str(self.label).split(":")[0]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_per_organization"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.Role(self.role).short()}, {self.organization})"

    def get_absolute_url(self):
        return reverse("partners:team", args=[self.organization.slug])

    @transaction.atomic
    def grant(self, by, kind=None):
        """Save this new membership and record in the team history who granted it.
        Every way onto a team goes through here."""
        self.save()
        TeamChange.record(
            self.organization, kind or TeamChange.Kind.ADDED, self.user.email, self.role, by
        )


class TeamChange(models.Model):
    """An organization's team history: who asked to join, was added, accepted or declined,
    with which role, by whom, when."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Asked to join")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        ADDED = "added", _("Added")
        ROLE_CHANGED = "role_changed", _("Role changed")
        REMOVED = "removed", _("Removed")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="team_changes"
    )
    email = models.EmailField(help_text=_("The person the change is about."))
    kind = models.CharField(max_length=20, choices=Kind.choices)
    role = models.CharField(max_length=10, choices=Membership.Role.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who made the change: one of the organization's admins, or a curator."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]  # newest first

    def __str__(self):
        return f"{self.organization}: {self.describe()}"

    def get_absolute_url(self):
        return reverse("partners:team", args=[self.organization.slug])

    @classmethod
    def record(cls, organization, kind, email, role="", by=None):
        user = by if by is not None and by.is_authenticated else None
        return cls.objects.create(
            organization=organization, kind=kind, email=email.lower(), role=role, by=user
        )

    def who(self):
        """Who made the change, as the team reads it."""
        if self.by is None:
            return gettext("Someone")
        if self.by.is_staff:
            return gettext("A groupfinder curator")
        return self.by.email

    def describe(self):
        """The change in one sentence, like “ana@example.org added bo@example.org as Editor”."""
        role = Membership.Role(self.role).short() if self.role else ""
        words = {"who": self.who(), "email": self.email, "role": role}
        return {
            self.Kind.REQUESTED: gettext(
                "%(who)s passed on the request of %(email)s to join the team"
            ),
            self.Kind.ACCEPTED: gettext("%(who)s accepted %(email)s as %(role)s"),
            self.Kind.DECLINED: gettext("%(who)s declined the request of %(email)s"),
            self.Kind.ADDED: gettext("%(who)s added %(email)s as %(role)s"),
            self.Kind.ROLE_CHANGED: gettext("%(who)s made %(email)s %(role)s"),
            self.Kind.REMOVED: gettext("%(who)s removed %(email)s from the team"),
        }[self.kind] % words


class Profile(models.Model):
    """What groupfinder keeps about a partner person besides Django's user: the language
    to write to them in, the one they last used here (partners.mail sends in it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language of emails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Set from the language the person last used the site in."),
    )

    class Meta:
        ordering = ["user"]
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _ in settings.LANGUAGES]),
                name="profile_language_known",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.language})"

    def get_absolute_url(self):
        return reverse("admin:auth_user_change", args=[self.user_id])

    @staticmethod
    def language_of(user):
        """The language to write to `user` in: the one they last used, else the site's."""
        try:
            return user.profile.language
        except Profile.DoesNotExist:
            return settings.LANGUAGE_CODE

    @staticmethod
    def remember_language(user, language):
        """Record the language `user` is using (e.g. request.LANGUAGE_CODE) for their emails."""
        try:
            language = translation.get_supported_language_variant(language)
        except LookupError:
            return
        profile, _ = Profile.objects.update_or_create(user=user, defaults={"language": language})
        user.profile = profile


class JoinRequest(models.Model):
    """An organization asking to list its groups; a curator decides in the admin.

    Deciding is one of the methods below, never an edit of `status`: a request that
    names an organization already in the directory goes to that organization's admins
    (ask_admins), so that nobody gains a role in it without one of them saying yes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a curator")
        APPROVED = "approved", _("Approved: a new organization")
        ASKED = "asked", _("Passed to an existing organization's admins")
        JOINED = "joined", _("Added to an existing organization by a curator")
        DECLINED = "declined", _("Declined")

    organization_name = models.CharField(_("name of your organization"), max_length=200)
    website = models.URLField(_("its website"), blank=True)
    contact_name = models.CharField(_("your name"), max_length=200)
    contact_email = models.EmailField(
        _("your email"), help_text=_("We send the invitation to set a password here.")
    )
    about = models.TextField(
        _("about your organization and its groups"),
        max_length=3000,
        help_text=_("Who you are, where your groups meet and who leads them."),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        editable=False,
        help_text=_("The language the request was written in: the invitation is sent in it."),
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        help_text="The organization it was decided for: new, or an existing one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.organization_name

    def get_absolute_url(self):
        return reverse("admin:partners_joinrequest_change", args=[self.pk])

    def existing_organizations(self, candidates=None):
        """[matching.Match]: the organizations already in the directory that this request
        may be about, each with why, the likeliest first. `candidates` lets a page of
        requests share one load."""
        matches = (candidates or matching.Candidates.load()).find(
            self.organization_name, self.website, self.contact_email
        )
        if self.status == self.Status.APPROVED:  # not the one it created
            matches = [m for m in matches if m.organization.pk != self.organization_id]
        return matches

    def name_taken(self):
        """The organization that already has exactly this name (case aside), if any."""
        return Organization.objects.filter(name__iexact=self.organization_name.strip()).first()

    def _decide(self, status, curator, organization=None):
        self.status, self.organization = status, organization
        self.reviewed_by, self.reviewed_at = curator, timezone.now()
        self.save()

    def _check_pending(self):
        """Lock the row and refuse if someone decided meanwhile (two curators, one request)."""
        current = JoinRequest.objects.select_for_update().get(pk=self.pk)
        if current.status != self.Status.PENDING:
            raise ValidationError(f"“{self}” was already decided: {current.get_status_display()}.")

    @transaction.atomic
    def approve(self, curator):
        """Create a new organization (unverified) with the requester as its first admin;
        returns the person, who still has to be sent the invitation to choose a password.
        Refused when an organization of that name exists: that one's admins decide."""
        self._check_pending()
        if existing := self.name_taken():
            raise ValidationError(
                f"An organization named “{existing}” exists already, so none can be created "
                f"with that name. Ask its admins to add {self.contact_name}, or decline."
            )
        organization = Organization.objects.create(
            name=self.organization_name.strip(), website=self.website
        )
        user = account_for(self.contact_email, self.contact_name, self.language)
        Membership(user=user, organization=organization, role=Membership.Role.ADMIN).grant(curator)
        self._decide(self.Status.APPROVED, curator, organization)
        return user

    @transaction.atomic
    def ask_admins(self, curator, organization):
        """Pass the request to an existing organization's admins, who accept or decline it
        on their team page. Returns the TeamRequest, whose admins still have to be emailed."""
        self._check_pending()
        if self.is_member_of(organization):
            raise ValidationError(
                f"{self.contact_email} is already on the team of {organization}: "
                "close the request instead."
            )
        if not organization.memberships.filter(role=Membership.Role.ADMIN).exists():
            raise ValidationError(
                f"{organization} has no admin to ask. If you have checked that "
                f"{self.contact_email} speaks for it, add them to its team in Memberships, "
                "then close this request."
            )
        team_request = TeamRequest.objects.create(
            organization=organization, join_request=self, asked_by=curator
        )
        TeamChange.record(organization, TeamChange.Kind.REQUESTED, self.contact_email, by=curator)
        self._decide(self.Status.ASKED, curator, organization)
        return team_request

    @transaction.atomic
    def close_as_member(self, curator, organization):
        """Close a request whose person a curator has already put on the team
        (through the Membership admin, which records it)."""
        self._check_pending()
        if not self.is_member_of(organization):
            raise ValidationError(
                f"{self.contact_email} is not on the team of {organization}: add them in "
                "Memberships first."
            )
        self._decide(self.Status.JOINED, curator, organization)

    @transaction.atomic
    def decline(self, curator):
        self._check_pending()
        self._decide(self.Status.DECLINED, curator)

    def is_member_of(self, organization):
        return organization.memberships.filter(user__email__iexact=self.contact_email).exists()


class TeamRequest(models.Model):
    """A curator passing a join request to an existing organization's admins: one of them
    accepts the person onto the team, with a role, or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the organization's admins")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="team_requests"
    )
    join_request = models.OneToOneField(
        JoinRequest, on_delete=models.CASCADE, related_name="team_request"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.join_request.contact_email} → {self.organization}"

    def get_absolute_url(self):
        return reverse("partners:team", args=[self.organization.slug])

    @property
    def email(self):
        return self.join_request.contact_email.lower()

    def _check_pending(self):
        current = TeamRequest.objects.select_for_update().get(pk=self.pk)
        if current.status != self.Status.PENDING:
            raise ValidationError(gettext("This request was already answered."))

    @transaction.atomic
    def accept(self, by, role=Membership.Role.EDITOR):
        """Put the person on the team with `role`. Returns their membership; if they
        have no password yet they still have to be sent the invitation to choose one."""
        self._check_pending()
        request = self.join_request
        user = account_for(self.email, request.contact_name, request.language)
        membership = self.organization.memberships.filter(user=user).first()
        if membership is None:  # someone may have invited them meanwhile
            membership = Membership(user=user, organization=self.organization, role=role)
            membership.grant(by, TeamChange.Kind.ACCEPTED)
        self.status, self.decided_by, self.decided_at = self.Status.ACCEPTED, by, timezone.now()
        self.save()
        return membership

    @transaction.atomic
    def decline(self, by):
        self._check_pending()
        TeamChange.record(self.organization, TeamChange.Kind.DECLINED, self.email, by=by)
        self.status, self.decided_by, self.decided_at = self.Status.DECLINED, by, timezone.now()
        self.save()


class SubmissionQuerySet(models.QuerySet):
    def open(self):
        """Drafts and submissions waiting for review: at most one per group."""
        return self.filter(status__in=Submission.OPEN)


class Submission(models.Model):
    """A new group, a change to a published one, or a request to archive one, waiting
    for a curator.

    `data` is the proposed listing (a directory.snapshots snapshot; for an
    archive request, the listing as it was when the request was made). A
    published group stays as it is until a curator approves.
    """

    class Kind(models.TextChoices):
        NEW = "new", _("A new group")
        CHANGE = "change", _("A change to a published group")
        ARCHIVE = "archive", _("A request to archive a published group")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    # Not decided yet: a group has at most one of these (see the constraint below).
    OPEN = [Status.DRAFT, Status.PENDING]

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    data = models.JSONField()
    reason = models.TextField(
        _("reason for rejecting"),
        blank=True,
        help_text=_("Sent to the organization: say what to change for it to be approved."),
    )
    note = models.TextField(
        "curator's note",
        blank=True,
        help_text="Why a curator approved a proposal the checklist flagged.",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # A group has at most one open (Submission.OPEN) submission: edits update it.
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(status__in=["draft", "pending"]),
                name="submission_one_open_per_group",
            )
        ]
        indexes = [
            # The curators' queue: pending submissions, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="submission_queue_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.data['group']['name']}"

    def get_absolute_url(self):
        return reverse("admin:partners_submission_change", args=[self.pk])

    @classmethod
    @transaction.atomic
    def propose(cls, group, data, submitted_by, *, submit=True, note=None):
        """Send a group's listing (a snapshot) for review, or keep it as a draft.

        The one way a partner's form or CSV file changes a group (a file's new
        groups go together, through propose_new(), which this calls). A published
        group stays as visitors see it: the proposal becomes its open change
        (replacing any open one). Any other group, new or not public, takes the
        proposal at once, unlisted, and waits as a new group. Submitting says
        the details are right today. Returns the open submission (None for a
        draft of a group that is not public).
        """
        status = cls.Status.PENDING if submit else cls.Status.DRAFT
        if submit:
            today = timezone.localdate().isoformat()
            data = {**data, "group": {**data["group"], "last_verified_on": today}}
        if group.pk and group.status == Group.Status.PUBLISHED:
            return cls._replace_open(group, cls.Kind.CHANGE, status, data, submitted_by)
        if group.pk is None and submit:
            listing = (group, *snapshots.unpack(group, data))
            return cls.propose_new([listing], submitted_by, note or "Submitted for review")[0]
        new = group.pk is None
        group.status = Group.Status.PENDING if submit else Group.Status.DRAFT
        listing = snapshots.apply(group, data)
        note = note or ("Submitted for review" if submit else "Saved as a draft")
        GroupVersion.record(group, note, submitted_by, data=listing)
        if not new:
            group.submissions.open().delete()
        if not submit:
            return None
        return cls.objects.create(
            group=group, kind=cls.Kind.NEW, status=status, data=data, submitted_by=submitted_by
        )

    @classmethod
    @transaction.atomic
    def propose_new(cls, listings, submitted_by, note):
        """propose() for new groups, in bulk (a CSV file's new rows): each listing, as
        (group, meetings, focus) unsaved, is written unlisted and said to be right today,
        and waits for review with its history and its submission. A few queries for
        thousands of groups; returns the submissions."""
        groups = [listing[0] for listing in listings]
        for group in groups:
            group.status, group.last_verified_on = Group.Status.PENDING, timezone.localdate()
        written = snapshots.write_new(listings)
        GroupVersion.record_new(groups, written, note, submitted_by)
        return cls.objects.bulk_create(
            cls(
                group=group,
                kind=cls.Kind.NEW,
                status=cls.Status.PENDING,
                data=data,
                submitted_by=submitted_by,
            )
            for group, data in zip(groups, written, strict=True)
        )

    @classmethod
    @transaction.atomic
    def archive(cls, group, submitted_by):
        """A partner archives a group that stopped meeting.

        A published group stays listed: the request waits for a curator like
        any other change (replacing an open one). Others are archived at once
        and their open submission withdrawn. Returns the request, or None.
        """
        if group.status == Group.Status.PUBLISHED:
            return cls._replace_open(
                group, cls.Kind.ARCHIVE, cls.Status.PENDING, snapshots.take(group), submitted_by
            )
        group.status = Group.Status.ARCHIVED
        group.save()
        group.submissions.open().delete()
        GroupVersion.record(group, "Archived: stopped meeting", submitted_by)
        return None

    @classmethod
    def _replace_open(cls, group, kind, status, data, submitted_by):
        fields = {"kind": kind, "status": status, "data": data, "submitted_by": submitted_by}
        submission, _ = cls.objects.update_or_create(
            group=group,
            status__in=cls.OPEN,
            defaults=fields,
            create_defaults={"group": group, **fields},
        )
        return submission

    def proposed(self):
        """(group, meetings, focus): the proposal as unsaved objects."""
        return snapshots.build(self.data, self.group)

    def checklist(self):
        """The vetting checklist of the proposal as it would be if approved (a vetting.Tally)."""
        group, meetings, _ = self.proposed()
        return group.checklist(meetings=meetings)

    def needs_a_note(self):
        """Approving a new group or a change the checklist flags takes a curator's note."""
        return self.kind != self.Kind.ARCHIVE and self.checklist().flags > 0

    def listing(self):
        """[(label, text)]: the whole proposed listing in words (snapshots.describe)."""
        return snapshots.describe(self.data)

    def differences(self):
        """[(label, now, proposed)], in words, against the group as it is now."""
        return snapshots.differences(snapshots.take(self.group), self.data)

    @transaction.atomic
    def approve(self, curator, note="", flags_confirmed=False):
        """Make the proposal what visitors see (or archive the group).

        A flagged proposal needs `flags_confirmed` and a note saying why, kept
        here and in the group's history; without them nothing changes
        (ValidationError).
        """
        note = note.strip()
        if self.needs_a_note() and not (flags_confirmed and note):
            raise ValidationError(
                "The checklist flags this proposal. To approve it anyway, tick the box "
                "confirming you have looked at the flags and write a note saying why."
            )
        group, listing = self.group, None
        if self.kind == self.Kind.ARCHIVE:
            group.status = Group.Status.ARCHIVED
            group.save()
            pages.directory_changed()
            history = "Archived at the organization's request: stopped meeting"
        elif self.kind == self.Kind.CHANGE:
            listing = snapshots.apply(group, self.data)
            history = "Approved a change"
        else:
            group.status = Group.Status.PUBLISHED
            listing = snapshots.apply(group, self.data)
            history = "Approved and published"
        if note:
            history = f"{history}. Curator's note: {note}"
        self.status, self.note = self.Status.APPROVED, note
        self.reviewed_by, self.reviewed_at = curator, timezone.now()
        self.save()
        GroupVersion.record(group, history[:200], curator, data=listing)

    @transaction.atomic
    def reject(self, curator, reason):
        if self.kind == self.Kind.NEW:
            self.group.status = Group.Status.REJECTED
            self.group.save()
        self.status = self.Status.REJECTED
        self.reason = reason
        self.reviewed_by, self.reviewed_at = curator, timezone.now()
        self.save()
        GroupVersion.record(self.group, f"Rejected: {reason[:150]}", curator)


class ImportJob(models.Model):
    """A CSV file an organization uploaded, checked and imported as one piece."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Checking")
        FAILED = "failed", _("Has problems: nothing was imported")
        DONE = "done", _("Imported: waiting for review")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The first importer.MAX_PROBLEMS_LISTED problems, and how many there are in all.
    problems = models.JSONField(default=list)
    problem_count = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("partners:upload_status", args=[self.pk])

    def problems_not_listed(self):
        return max(0, self.problem_count - len(self.problems))

    def percent_done(self):
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
