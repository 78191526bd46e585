from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from partners import mail
from partners.models import ImportJob, JoinRequest, Membership, Submission


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["organization_name", "contact_name", "contact_email", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["organization_name", "contact_name", "contact_email", "website"]
    readonly_fields = ["organization", "reviewed_by", "reviewed_at", "created_at"]
    actions = ["approve", "decline"]

    @admin.action(description="Approve and email an invitation to set a password")
    def approve(self, request, queryset):
        for join_request in queryset.filter(status=JoinRequest.Status.PENDING):
            user = join_request.approve(request.user)
            mail.send_invitation(user, join_request.organization)
            self.message_user(
                request,
                f"{join_request.organization_name} can now sign in: {user.email} was emailed "
                "an invitation. Verify the organization once you have checked it.",
                messages.SUCCESS,
            )

    @admin.action(description="Decline")
    def decline(self, request, queryset):
        for join_request in queryset.filter(status=JoinRequest.Status.PENDING):
            join_request.decline(request.user)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["user"]


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
