from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from directory.models import Organization
from partners import mail, matching
from partners.models import (
    ImportJob,
    JoinRequest,
    Membership,
    Submission,
    TeamChange,
    TeamRequest,
    account_for,
)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Join requests, side by side with the organizations they may be about. The fields
    are what the person sent, kept as sent; decisions are the actions and the buttons
    of the change page (decide_view), each saying what it did."""

    list_display = ["asked_for", "person", "email", "existing", "status", "received"]
    list_filter = ["status"]
    search_fields = ["organization_name", "contact_name", "contact_email", "website"]
    fields = [
        "organization_name",
        "website",
        "contact_name",
        "contact_email",
        "about",
        "created_at",
        "status",
        "organization",
        "reviewed_by",
        "reviewed_at",
    ]
    readonly_fields = fields
    actions = ["approve", "decline"]
    change_form_template = "admin/partners/joinrequest/change_form.html"
    view_on_site = False  # it has no page on the site

    def has_add_permission(self, request):
        return False  # requests come from the site's join page

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        candidates = matching.Candidates.load()  # once for the page, not once a row
        for join_request in changelist.result_list:
            join_request.matches = join_request.existing_organizations(candidates)
        return changelist

    # The join form's labels ("your name") are the requester's; these are the curators'.
    @admin.display(description="organization, as they named it", ordering="organization_name")
    def asked_for(self, join_request):
        return join_request.organization_name

    @admin.display(description="who asked", ordering="contact_name")
    def person(self, join_request):
        return join_request.contact_name

    @admin.display(description="their email", ordering="contact_email")
    def email(self, join_request):
        return join_request.contact_email

    @admin.display(description="received", ordering="created_at")
    def received(self, join_request):
        return join_request.created_at

    @admin.display(description="matches an existing organization")
    def existing(self, join_request):
        return " · ".join(str(match) for match in join_request.matches) or None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        join_request = self.get_object(request, object_id)
        if join_request is not None:
            matches = join_request.existing_organizations()
            organizations = (
                Organization.objects.annotate(group_count=Count("groups"))
                .prefetch_related(
                    Prefetch(
                        "memberships",
                        Membership.objects.select_related("user").order_by("role", "user__email"),
                    )
                )
                .in_bulk([match.organization.pk for match in matches])
            )
            extra_context = {
                **(extra_context or {}),
                "matches": [(organizations[m.organization.pk], m.reasons) for m in matches],
                "with_admins": {
                    pk
                    for pk, organization in organizations.items()
                    if any(m.role == Membership.Role.ADMIN for m in organization.memberships.all())
                },
                "member_of": {
                    pk
                    for pk, organization in organizations.items()
                    if any(
                        m.user.email.lower() == join_request.contact_email.lower()
                        for m in organization.memberships.all()
                    )
                },
                "name_taken": join_request.name_taken(),
                "team_request": TeamRequest.objects.filter(join_request=join_request).first(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/", decide, name="partners_joinrequest_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        """The change page's buttons: create a new organization, ask an existing one's
        admins, close (a curator added them already), or decline."""
        join_request = get_object_or_404(JoinRequest, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, join_request):
            return redirect("admin:partners_joinrequest_change", pk)
        decision = request.POST.get("decision")
        organization = None
        if decision in ("ask", "close"):
            chosen = request.POST.get("organization", "")
            chosen = chosen if chosen.isascii() and chosen.isdigit() else None
            organization = get_object_or_404(Organization, pk=chosen)
        try:
            if decision == "create":
                self._create(request, join_request)
            elif decision == "ask":
                self._ask(request, join_request, organization)
            elif decision == "close":
                join_request.close_as_member(request.user, organization)
                self.message_user(
                    request,
                    f"Closed “{join_request}”: {join_request.contact_email} is on the team of "
                    f"{organization}.",
                    messages.SUCCESS,
                )
            elif decision == "decline":
                self._decline(request, join_request)
            else:
                self.message_user(request, "Choose a decision.", messages.ERROR)
                return redirect("admin:partners_joinrequest_change", pk)
        except ValidationError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return redirect("admin:partners_joinrequest_change", pk)
        return redirect("admin:partners_joinrequest_changelist")

    @admin.action(description="Approve: create each as a new organization and invite its contact")
    def approve(self, request, queryset):
        candidates = matching.Candidates.load()
        for join_request in queryset:
            if join_request.status != JoinRequest.Status.PENDING:
                self._skip(request, join_request)
            elif matches := join_request.existing_organizations(candidates):
                names = " · ".join(str(match) for match in matches)
                self.message_user(
                    request,
                    f"Not approved: “{join_request}” needs a decision on its page, as it "
                    f"matches an existing organization: {names}.",
                    messages.WARNING,
                )
            else:
                try:
                    self._create(request, join_request)
                except ValidationError as refusal:
                    self.message_user(request, refusal.message, messages.ERROR)

    @admin.action(description="Decline")
    def decline(self, request, queryset):
        for join_request in queryset:
            if join_request.status != JoinRequest.Status.PENDING:
                self._skip(request, join_request)
            else:
                self._decline(request, join_request)

    # One wording for each outcome, whether it came from the list or the page.

    def _create(self, request, join_request):
        user = join_request.approve(request.user)
        mail.send_invitation(user, join_request.organization)
        self.message_user(
            request,
            f"Approved “{join_request}” as a new organization: {user.email} was emailed an "
            "invitation to set a password. Verify the organization once you have checked it.",
            messages.SUCCESS,
        )

    def _ask(self, request, join_request, organization):
        team_request = join_request.ask_admins(request.user, organization)
        admins = mail.send_team_request(team_request)
        self.message_user(
            request,
            f"Asked the admins of {organization} ({', '.join(admins)}) by email to add "
            f"{join_request.contact_name} ({join_request.contact_email}). They accept or "
            "decline on their team page.",
            messages.SUCCESS,
        )

    def _decline(self, request, join_request):
        join_request.decline(request.user)
        self.message_user(request, f"Declined “{join_request}”.", messages.SUCCESS)

    def _skip(self, request, join_request):
        self.message_user(
            request,
            f"Skipped “{join_request}”: it was already decided "
            f"({join_request.get_status_display()}).",
            messages.WARNING,
        )


class MembershipAddForm(forms.ModelForm):
    """A curator putting someone on a team: by email, with an account made if needed."""

    email = forms.EmailField(
        help_text="Their account is made if they have none, and they are emailed an "
        "invitation to set a password. Recorded in the organization's team history."
    )

    class Meta:
        model = Membership
        fields = ["organization", "email", "role"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        organization, email = cleaned.get("organization"), cleaned.get("email")
        if organization and email and organization.memberships.filter(user__email__iexact=email):
            self.add_error("email", f"{email} is already on the team of {organization}.")
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who is on which team. Adding, changing a role and removing here are a curator's
    explicit grants, each recorded in the organization's team history."""

    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["organization"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "organization", "role"] if obj else ["organization", "email", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "organization"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            if "role" in form.changed_data:
                TeamChange.record(
                    obj.organization,
                    TeamChange.Kind.ROLE_CHANGED,
                    obj.user.email,
                    obj.role,
                    request.user,
                )
            return
        obj.user = account_for(form.cleaned_data["email"])
        obj.grant(request.user)
        if not obj.user.has_usable_password():
            mail.send_invitation(obj.user, obj.organization)
            self.message_user(
                request, f"{obj.user.email} was emailed an invitation to set a password."
            )

    def delete_model(self, request, obj):
        self.delete_queryset(request, Membership.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organization"):
            TeamChange.record(
                membership.organization,
                TeamChange.Kind.REMOVED,
                membership.user.email,
                membership.role,
                request.user,
            )
            membership.delete()


class TeamChangeInline(admin.TabularInline):
    """An organization's team history (on the Organization admin page)."""

    model = TeamChange
    verbose_name = "team change"
    verbose_name_plural = "team history"
    fields = ["created_at", "what_happened", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="what happened")
    def what_happened(self, change):
        return change.describe()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(TeamRequest)
class TeamRequestAdmin(admin.ModelAdmin):
    """Join requests passed to an existing organization's admins, and what they said."""

    list_display = ["__str__", "organization", "status", "asked_by", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["join_request", "organization", "asked_by", "decided_by"]
    search_fields = ["organization__name", "join_request__contact_email"]
    fields = [
        "join_request",
        "organization",
        "status",
        "asked_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the organization's admins answer, on their team page


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """The review queue: every new group and every change to a published one."""

    list_display = [
        "__str__",
        "organization",
        "kind",
        "status",
        "flags",
        "submitted_by",
        "updated_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["group__organization", "submitted_by"]
    search_fields = ["group__name", "group__organization__name"]
    ordering = ["status", "created_at"]
    change_form_template = "admin/partners/submission/review.html"

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=Submission.Status.DRAFT)

    @admin.display(description="organization", ordering="group__organization__name")
    def organization(self, submission):
        return submission.group.organization

    @admin.display(description="checklist of the proposal")
    def flags(self, submission):
        """The count every page shows (vetting.Tally), and how many of them are flags."""
        if submission.kind == Submission.Kind.ARCHIVE:
            return None
        checklist = submission.checklist()
        flagged = f" ({checklist.flags} flagged)" if checklist.flags else ""
        return f"{checklist.summary()}{flagged}"

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/decide/", decide, name="partners_submission_decide"),
            path("<int:pk>/preview/", preview, name="partners_submission_preview"),
            *super().get_urls(),
        ]

    def _get_submission(self, request, pk):
        submission = get_object_or_404(
            Submission.objects.select_related("group__organization", "submitted_by"), pk=pk
        )
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        return submission

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._review(request, self._get_submission(request, object_id))

    def _review(self, request, submission, problem="", typed=None):
        """The review page; after a refused decision, with the problem and what was typed."""
        listing = submission.listing()
        changes = submission.differences() if submission.kind == Submission.Kind.CHANGE else []
        changed = {label for label, _, _ in changes}
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review: {submission}",
            "submission": submission,
            "listing": listing,
            "changes": changes,
            "unchanged": [(label, text) for label, text in listing if label not in changed],
            "checklist": submission.checklist(),
            "needs_a_note": submission.needs_a_note(),
            "problem": problem,
            "typed": typed or {},
            "opts": self.model._meta,
            "original": submission,
        }
        return TemplateResponse(request, self.change_form_template, context)

    def preview_view(self, request, pk):
        """The visitor's page of the proposal, unsaved, for curators only."""
        submission = self._get_submission(request, pk)
        group, meetings, focus = submission.proposed()
        response = TemplateResponse(
            request,
            "admin/partners/submission/preview.html",
            {
                "submission": submission,
                "group": group,
                "meetings": meetings,
                "focus": list(focus),
                "checklist": group.checklist(meetings=meetings),
                "place": None,
            },
        )
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def decide_view(self, request, pk):
        submission = self._get_submission(request, pk)
        if request.method != "POST" or not self.has_change_permission(request, submission):
            return redirect("admin:partners_submission_change", pk)
        if submission.status != Submission.Status.PENDING:
            self.message_user(request, "This submission was already decided.", messages.WARNING)
            return redirect("admin:partners_submission_changelist")
        typed = {
            "note": request.POST.get("note", ""),
            "reason": request.POST.get("reason", ""),
            "flags_confirmed": request.POST.get("flags_confirmed") == "yes",
        }
        if request.POST.get("decision") == "approve":
            try:
                submission.approve(request.user, typed["note"], typed["flags_confirmed"])
            except ValidationError as refused:
                return self._review(request, submission, " ".join(refused.messages), typed)
            mail.send_review_outcome(submission)
            self.message_user(request, f"Approved: {submission}. The organization was emailed.",
                              messages.SUCCESS)  # fmt: skip
        else:
            reason = typed["reason"].strip()
            if not reason:
                problem = "Say why, so the organization knows what to change."
                return self._review(request, submission, problem, typed)
            submission.reject(request.user, reason)
            mail.send_review_outcome(submission)
            self.message_user(request, f"Rejected: {submission}. The organization was emailed "
                              "the reason.", messages.SUCCESS)  # fmt: skip
        return redirect("admin:partners_submission_changelist")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "organization",
        "uploaded_by",
        "status",
        "rows_total",
        "created_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
