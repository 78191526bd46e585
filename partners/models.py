from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from directory import snapshots
from directory.models import Group, GroupVersion, Organization


class Membership(models.Model):
    """A person who keeps an organization's groups current."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Editor: adds and updates groups")
        ADMIN = "admin", _("Admin: also invites others")

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
        return f"{self.user} ({self.get_role_display().split(':')[0]}, {self.organization})"

    def get_absolute_url(self):
        return reverse("partners:team", args=[self.organization.slug])


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
    """An organization asking to list its groups; a curator approves it in the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a curator")
        APPROVED = "approved", _("Approved")
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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        editable=False,
        help_text=_("The language the request was written in: the invitation is sent in it."),
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, editable=False
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

    @transaction.atomic
    def approve(self, curator):
        """Create the organization (unverified) and its first admin; returns the person,
        who still has to be sent the invitation to choose a password."""
        organization, _ = Organization.objects.get_or_create(
            name=self.organization_name, defaults={"website": self.website}
        )
        email = self.contact_email.lower()
        user, created = get_user_model().objects.get_or_create(
            email__iexact=email,
            defaults={"username": email, "email": email, "first_name": self.contact_name[:150]},
        )
        if created:
            user.set_unusable_password()
            user.save()
            Profile.remember_language(user, self.language)
        Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"role": Membership.Role.ADMIN}
        )
        self.status, self.organization = self.Status.APPROVED, organization
        self.reviewed_by, self.reviewed_at = curator, timezone.now()
        self.save()
        return user

    def decline(self, curator):
        self.status = self.Status.DECLINED
        self.reviewed_by, self.reviewed_at = curator, timezone.now()
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

        The one way a partner's form or CSV file changes a group. A published
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
        group.status = Group.Status.PENDING if submit else Group.Status.DRAFT
        snapshots.apply(group, data)
        GroupVersion.record(
            group, note or ("Submitted for review" if submit else "Saved as a draft"), submitted_by
        )
        group.submissions.open().delete()
        if not submit:
            return None
        return cls.objects.create(
            group=group, kind=cls.Kind.NEW, status=status, data=data, submitted_by=submitted_by
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
        group = self.group
        if self.kind == self.Kind.ARCHIVE:
            group.status = Group.Status.ARCHIVED
            group.save()
            history = "Archived at the organization's request: stopped meeting"
        elif self.kind == self.Kind.CHANGE:
            snapshots.apply(group, self.data)
            history = "Approved a change"
        else:
            snapshots.apply(group, self.data)
            group.status = Group.Status.PUBLISHED
            group.save()
            history = "Approved and published"
        if note:
            history = f"{history}. Curator's note: {note}"
        self.status, self.note = self.Status.APPROVED, note
        self.reviewed_by, self.reviewed_at = curator, timezone.now()
        self.save()
        GroupVersion.record(group, history[:200], curator)

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
    problems = models.JSONField(default=list)
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

    def percent_done(self):
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
