from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Group as PermissionGroup
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from directory import pages, snapshots, vetting
from directory.models import (
    Focus,
    Group,
    GroupVersion,
    MeetingTime,
    Organization,
    ProblemReport,
    VettingResult,
)
from partners.admin import TeamChangeInline

# Django's permission groups are not used (curators are staff with every right); their
# "Groups" entry beside the directory's would be one "Groups" too many.
admin.site.unregister(PermissionGroup)


class CheckedByCuratorFilter(admin.BooleanFieldListFilter):
    """An organization's `verified`, in curators' words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        whose = "organization " if "__" in self.field_path else ""
        self.title = f"{whose}checked by a curator"


class ChangesVisitorPages:
    """Adding, changing or deleting one of these changes what visitors' pages show: they
    are drawn afresh (directory/pages.py)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        pages.directory_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        pages.directory_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        pages.directory_changed()


@admin.register(Organization)
class OrganizationAdmin(ChangesVisitorPages, admin.ModelAdmin):
    list_display = ["name", "checked", "group_count", "website", "updated_at"]
    list_filter = [("verified", CheckedByCuratorFilter)]
    search_fields = ["name", "website"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["mark_verified"]
    inlines = [TeamChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(group_count=Count("groups"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "verified" in form.changed_data:
            obj.refresh_groups()  # their known_organization check and trust rank

    @admin.display(description="groups", ordering="group_count")
    def group_count(self, organization):
        return organization.group_count

    @admin.display(description="checked by a curator", boolean=True, ordering="verified")
    def checked(self, organization):
        return organization.verified

    @admin.action(description="Mark as verified (checked that it is real)")
    def mark_verified(self, request, queryset):
        for organization in queryset.filter(verified=False):
            organization.verified = True
            organization.save()
            organization.refresh_groups()  # their known_organization check and trust rank
        self.message_user(request, f"Verified {len(queryset)} organizations.", messages.SUCCESS)


@admin.register(Focus)
class FocusAdmin(ChangesVisitorPages, admin.ModelAdmin):
    list_display = ["name", "slug", "group_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(group_count=Count("groups"))

    @admin.display(description="groups", ordering="group_count")
    def group_count(self, focus):
        return focus.group_count


class NeedsALookFilter(admin.SimpleListFilter):
    """What the curators' review list was: groups the checklist has something to say
    about. Choosing it also lists the most flagged first (GroupAdmin.get_ordering)."""

    title = "needs a look"
    parameter_name = "look"

    def lookups(self, request, model_admin):
        return [
            ("flagged", "Something flagged (most flagged first)"),
            ("any", "Anything to ask about (most flagged first)"),
            ("none", "Nothing to ask about"),
        ]

    def queryset(self, request, queryset):
        to_ask = Q(flag_count__gt=0) | Q(warn_count__gt=0) | Q(pk__in=Group.objects.stale())
        if self.value() == "flagged":
            return queryset.filter(flag_count__gt=0)
        if self.value() == "any":
            return queryset.filter(to_ask)
        if self.value() == "none":
            return queryset.exclude(to_ask)
        return queryset


class ChecklistFilter(admin.SimpleListFilter):
    """Groups by one finding of the vetting checklist, like "No high fees: Take care"."""

    title = "one check's finding"
    parameter_name = "finding"

    def lookups(self, request, model_admin):
        return [
            (f"{name}:{status}", f"{title}: {vetting.Status(status).label}")
            for name, (title, _) in vetting.CHECKS.items()
            for status in (vetting.Status.FLAG, vetting.Status.WARN)
            # The dated checks only warn, and are read from the date.
            if name not in vetting.DATED or status == vetting.Status.WARN
        ]

    def queryset(self, request, queryset):
        if not self.value() or ":" not in self.value():
            return queryset
        name, status = self.value().split(":", 1)
        if name in vetting.DATED:
            return queryset.filter(pk__in=Group.objects.stale())
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
class GroupAdmin(ChangesVisitorPages, admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "status",
        "format",
        "attendance",
        "place",
        "leader_type",
        "cost",
        "last_confirmed",
        "to_look_at",
    ]
    list_filter = [
        NeedsALookFilter,
        ChecklistFilter,
        "status",
        "format",
        "attendance",
        "membership",
        "leader_type",
        "cost",
        ("organization__verified", CheckedByCuratorFilter),
        "focus",
        "region",
    ]
    list_select_related = ["organization"]
    search_fields = ["name", "description", "organization__name", "city", "postal_code"]
    autocomplete_fields = ["organization"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    date_hierarchy = "last_verified_on"
    inlines = [MeetingTimeInline, VettingResultInline]
    object_history_template = "admin/directory/group/history.html"
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

    def get_queryset(self, request):
        # The checklist column works the checklist out for each row, as of today.
        return super().get_queryset(request).prefetch_related("meeting_times")

    def get_ordering(self, request):
        if request.GET.get(NeedsALookFilter.parameter_name) in ("flagged", "any"):
            return ["-flag_count", "-warn_count", "name"]
        return super().get_ordering(request)

    @admin.display(description="last confirmed", ordering="last_verified_on")
    def last_confirmed(self, group):
        return group.last_verified_on

    @admin.display(description="what to look at", ordering="-flag_count")
    def to_look_at(self, group):
        """The checklist's findings that aren't a pass, flags first, in curators' words."""
        to_ask = group.checklist().to_ask
        if not to_ask:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "<strong>{}</strong>: {}",
            ((finding.get_status_display(), finding.curator_text) for finding in to_ask),
        )

    def history_view(self, request, object_id, extra_context=None):
        """The admin's History button: every version of the listing, what changed, who
        changed it and when, with a way back to each."""
        group = self.get_object(request, unquote(object_id))
        if group is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, group):
            raise PermissionDenied
        versions = list(group.versions.select_related("changed_by"))  # newest first
        history = [
            (version, version.changes(previous) if previous else [])
            for version, previous in zip(versions, [*versions[1:], None], strict=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of “{group}”",
            "subtitle": None,
            "object": group,
            "opts": self.opts,
            "history": history,
            "can_revert": self.has_change_permission(request, group),
            "time_zone": timezone.get_current_timezone_name(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

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
            listing = snapshots.apply(group, version.data)
            note = f"Went back to the version of {version.when()}"
            GroupVersion.record(group, note, request.user, data=listing)
            self.message_user(request, f"“{group}” is back to that version.", messages.SUCCESS)
            return redirect("admin:directory_group_history", group.pk)
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
        pages.directory_changed()
        self.message_user(request, f"Published {count} groups.", messages.SUCCESS)

    @admin.action(description="Archive the selected groups (they stopped meeting)")
    def archive(self, request, queryset):
        count = queryset.update(status=Group.Status.ARCHIVED)
        pages.directory_changed()
        self.message_user(request, f"Archived {count} groups.", messages.SUCCESS)

    @admin.action(description="Confirm the details are right today")
    def mark_verified_today(self, request, queryset):
        for group in queryset:
            group.last_verified_on = timezone.localdate()
            group.save()
        pages.directory_changed()  # their freshness
        self.message_user(
            request, f"Marked {len(queryset)} groups as checked today.", messages.SUCCESS
        )


class ProblemReportStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("dealt_with", "Dealt with")]

    def queryset(self, request, queryset):
        if self.value() in ("open", "dealt_with"):
            return queryset.filter(resolved_at__isnull=self.value() == "open")
        return queryset


class ProblemKindFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "problem"


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """Visitors' reports; the column and filter names are the curators', not the form's."""

    list_display = ["reported", "problem", "group", "organization", "is_open", "reporter_email"]
    list_filter = [ProblemReportStateFilter, ("kind", ProblemKindFilter)]
    list_select_related = ["group__organization"]
    search_fields = ["group__name", "group__organization__name", "details"]
    readonly_fields = ["group", "problem", "details", "reporter_email", "reported"]
    fields = [*readonly_fields, "resolved_at", "resolved_by"]
    actions = ["resolve"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description="reported", ordering="created_at")
    def reported(self, report):
        return report.created_at

    @admin.display(description="problem", ordering="kind")
    def problem(self, report):
        return report.get_kind_display()

    @admin.display(description="reporter's email (if they want a reply)")
    def reporter_email(self, report):
        return report.contact_email or "—"

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
