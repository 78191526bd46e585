from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from directory import snapshots, vetting
from directory.models import (
    Focus,
    Group,
    GroupToReview,
    GroupVersion,
    MeetingTime,
    Organization,
    ProblemReport,
    VettingResult,
)
from partners.admin import TeamChangeInline


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "verified", "group_count", "website", "updated_at"]
    list_filter = ["verified"]
    search_fields = ["name", "website"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["mark_verified"]
    inlines = [TeamChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(group_count=Count("groups"))

    @admin.display(description="groups", ordering="group_count")
    def group_count(self, organization):
        return organization.group_count

    @admin.action(description="Mark as verified (checked that it is real)")
    def mark_verified(self, request, queryset):
        for organization in queryset:
            organization.verified = True
            organization.save()  # its groups' checklists follow
        self.message_user(request, f"Verified {len(queryset)} organizations.", messages.SUCCESS)


@admin.register(Focus)
class FocusAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "group_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(group_count=Count("groups"))

    @admin.display(description="groups", ordering="group_count")
    def group_count(self, focus):
        return focus.group_count


class ChecklistFilter(admin.SimpleListFilter):
    """Groups by one finding of the vetting checklist, like "No high fees: Take care"."""

    title = "checklist finding"
    parameter_name = "finding"

    def lookups(self, request, model_admin):
        return [
            (f"{name}:{status}", f"{title}: {vetting.Status(status).label}")
            for name, (title, _) in vetting.CHECKS.items()
            for status in (vetting.Status.FLAG, vetting.Status.WARN)
        ]

    def queryset(self, request, queryset):
        if not self.value() or ":" not in self.value():
            return queryset
        name, status = self.value().split(":", 1)
        findings = VettingResult.objects.filter(group=OuterRef("pk"), name=name, status=status)
        return queryset.filter(Exists(findings))


class VettingResultInline(admin.TabularInline):
    model = VettingResult
    verbose_name = "checklist finding"
    fields = ["check_title", "status", "curator_text", "visitor_text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="check")
    def check_title(self, result):
        return result.title()


class GroupVersionInline(admin.TabularInline):
    """Every change to the group: who, when, what, and a way back to it."""

    model = GroupVersion
    verbose_name = "version"
    verbose_name_plural = "history"
    fields = ["created_at", "changed_by", "note", "what_changed", "revert_link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-pk"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="what changed")
    def what_changed(self, version):
        changes = version.changes()
        if not changes:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{}: {} → {}", ((label, old, new) for label, old, new in changes)
        )

    @admin.display(description="")
    def revert_link(self, version):
        url = reverse("admin:directory_group_revert", args=[version.group_id, version.pk])
        return format_html('<a href="{}">Go back to this version</a>', url)


class MeetingTimeInline(admin.StackedInline):
    model = MeetingTime
    extra = 0
    min_num = 1
    fields = [
        "days",
        "start_time",
        "end_time",
        "timezone",
        "frequency",
        "week_of_month",
        "first_meeting_on",
    ]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "status",
        "format",
        "attendance",
        "place",
        "leader_type",
        "cost",
        "last_verified_on",
        "flag_count",
        "warn_count",
    ]
    list_filter = [
        ChecklistFilter,
        "status",
        "format",
        "attendance",
        "membership",
        "leader_type",
        "cost",
        "organization__verified",
        "focus",
        "region",
    ]
    list_select_related = ["organization"]
    search_fields = ["name", "description", "organization__name", "city", "postal_code"]
    autocomplete_fields = ["organization"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    date_hierarchy = "last_verified_on"
    inlines = [MeetingTimeInline, VettingResultInline, GroupVersionInline]
    actions = ["publish", "archive", "mark_verified_today"]
    fieldsets = [
        (None, {"fields": ["organization", "name", "slug", "description", "status"]}),
        ("Kind of group", {"fields": ["format", "membership", "starts_on", "ends_on"]}),
        ("Who leads it", {"fields": ["leader_type", "leader_training"]}),
        (
            "Where it meets",
            {
                "fields": [
                    "attendance",
                    "venue",
                    "address",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                    ("latitude", "longitude"),
                    "address_visibility",
                    "online_url",
                    "serves_regions",
                ]
            },
        ),
        ("Privacy and conduct", {"fields": ["confidentiality_policy", "moderation_rules"]}),
        ("Cost", {"fields": ["cost", "fee_per_session", "insurance_accepted"]}),
        ("Who it is for", {"fields": ["focus", "languages", "min_age", "max_size"]}),
        ("Contact", {"fields": ["contact_email", "contact_phone", "website", "last_verified_on"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_summary()
        GroupVersion.record(
            form.instance, "Changed in the admin" if change else "Added in the admin", request.user
        )

    def get_urls(self):
        revert = self.admin_site.admin_view(self.revert_view)
        return [
            path("<int:group_id>/revert/<int:version_id>/", revert, name="directory_group_revert"),
            *super().get_urls(),
        ]

    def revert_view(self, request, group_id, version_id):
        """Confirm, then make the group what it was in an earlier version."""
        group = get_object_or_404(Group, pk=group_id)
        version = get_object_or_404(GroupVersion, pk=version_id, group=group)
        if not self.has_change_permission(request, group):
            raise PermissionDenied
        current = snapshots.take(group)
        if request.method == "POST":
            snapshots.apply(group, version.data)
            GroupVersion.record(
                group,
                f"Went back to the version of {version.created_at:%Y-%m-%d %H:%M}",
                request.user,
            )
            self.message_user(request, f"“{group}” is back to that version.", messages.SUCCESS)
            return redirect("admin:directory_group_change", group.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Go back to an earlier version of “{group}”?",
            "group": group,
            "version": version,
            "changes": snapshots.differences(current, version.data),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/directory/group/revert.html", context)

    @admin.display(description="place", ordering="city")
    def place(self, group):
        return group.place_name() or "Online"

    @admin.action(description="Publish the selected groups")
    def publish(self, request, queryset):
        count = queryset.update(status=Group.Status.PUBLISHED)
        self.message_user(request, f"Published {count} groups.", messages.SUCCESS)

    @admin.action(description="Archive the selected groups (they stopped meeting)")
    def archive(self, request, queryset):
        count = queryset.update(status=Group.Status.ARCHIVED)
        self.message_user(request, f"Archived {count} groups.", messages.SUCCESS)

    @admin.action(description="Confirm the details are right today")
    def mark_verified_today(self, request, queryset):
        for group in queryset:
            group.last_verified_on = timezone.localdate()
            group.save()  # its freshness check follows
        self.message_user(
            request, f"Marked {len(queryset)} groups as checked today.", messages.SUCCESS
        )


@admin.register(GroupToReview)
class GroupToReviewAdmin(GroupAdmin):
    """The review list: groups the checklist flagged or warned about, most flagged first."""

    list_display = ["name", "organization", "status", "flag_count", "warn_count", "findings"]
    ordering = ["-flag_count", "-warn_count", "name"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(Q(flag_count__gt=0) | Q(warn_count__gt=0))
            .prefetch_related("vetting_results")
        )

    @admin.display(description="what to look at")
    def findings(self, group):
        return "; ".join(
            result.curator_text
            for result in group.vetting_results.all()
            if result.status != vetting.Status.PASS
        )


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "group", "organization", "is_open", "contact_email"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "kind"]
    list_select_related = ["group__organization"]
    search_fields = ["group__name", "group__organization__name", "details"]
    readonly_fields = ["group", "kind", "details", "contact_email", "created_at"]
    fields = [*readonly_fields, "resolved_at", "resolved_by"]
    actions = ["resolve"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description="organization", ordering="group__organization__name")
    def organization(self, report):
        return report.group.organization

    @admin.display(description="open", boolean=True, ordering="resolved_at")
    def is_open(self, report):
        return report.resolved_at is None

    @admin.action(description="Mark as dealt with")
    def resolve(self, request, queryset):
        count = queryset.filter(resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=request.user
        )
        self.message_user(request, f"Marked {count} reports as dealt with.", messages.SUCCESS)
