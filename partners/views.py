"""The partner area: organizations keep their own groups current.

Every view that takes a group or an organization fetches it through the
signed-in person's memberships, so another organization's group is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from directory import abuse, snapshots
from directory.importer import COLUMNS
from directory.models import Group, GroupVersion, Organization, ProblemReport
from partners import mail, uploads
from partners.forms import (
    COMMON_TIMEZONES,
    GroupForm,
    InviteForm,
    JoinRequestForm,
    MeetingTimeFormSet,
    SignInForm,
    TeamRequestForm,
    UploadForm,
)
from partners.models import ImportJob, Membership, Submission, TeamRequest, account_for

OPEN = [Submission.Status.DRAFT, Submission.Status.PENDING]
# Sign-in attempts: a visitor may try this many times in SIGN_IN_WINDOW seconds,
# and an account takes this many failures before it is locked for the window.
SIGN_INS_PER_WINDOW = 20
FAILURES_PER_ACCOUNT = 5
SIGN_IN_WINDOW = 15 * 60


def _organizations(user):
    return Organization.objects.filter(memberships__user=user)


def _get_organization_for_user(request, slug, admin=False):
    memberships = Membership.objects.filter(user=request.user, organization__slug=slug)
    if admin:
        memberships = memberships.filter(role=Membership.Role.ADMIN)
    return get_object_or_404(memberships.select_related("organization")).organization


def _get_group_for_user(request, pk):
    return get_object_or_404(
        Group.objects.filter(organization__memberships__user=request.user).select_related(
            "organization"
        ),
        pk=pk,
    )


class SignInView(auth_views.LoginView):
    """Sign-in, throttled per visitor and per account, with a honeypot."""

    template_name = "partners/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        username = request.POST.get("username", "").strip().lower()
        if form.is_spam():
            return redirect("partners:sign_in")
        too_many = not abuse.allow(request, "sign-in", SIGN_INS_PER_WINDOW, SIGN_IN_WINDOW) or (
            abuse.attempts(request, "sign-in-failed", SIGN_IN_WINDOW, key=username)
            >= FAILURES_PER_ACCOUNT
        )
        if too_many:
            form.add_error(
                None,
                gettext(
                    "Too many sign-in attempts. Please wait 15 minutes, or reset your password."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_valid():
            return self.form_valid(form)
        abuse.record(request, "sign-in-failed", SIGN_IN_WINDOW, key=username)
        return self.form_invalid(form)


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("partners:sign_in")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation link (and the forgotten-password link) lands here."""

    template_name = "partners/set_password.html"
    success_url = reverse_lazy("partners:sign_in")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password is set. Please sign in."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "partners/password_reset.html"
    email_template_name = "partners/password_reset_email.txt"
    subject_template_name = "partners/password_reset_subject.txt"
    success_url = reverse_lazy("partners:password_reset_sent")

    def form_valid(self, form):
        if not abuse.allow(self.request, "password-reset", 5, 3600):
            form.add_error(None, gettext("Too many requests. Please try again in an hour."))
            return self.form_invalid(form)
        return super().form_valid(form)


def join(request):
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_spam():
            return redirect("partners:join_thanks")
        if not abuse.allow(request, "join", 3, 3600):
            form.add_error(
                None,
                gettext("You have sent several requests in the last hour. Please try again later."),
            )
            return render(request, "partners/join.html", {"form": form}, status=429)
        if form.is_valid():
            form.save()
            return redirect("partners:join_thanks")
    return render(request, "partners/join.html", {"form": form})


def join_thanks(request):
    return render(request, "partners/join_thanks.html")


@login_required
def dashboard(request):
    organizations = (
        _organizations(request.user)
        .prefetch_related(
            Prefetch(
                "groups",
                Group.objects.prefetch_related(
                    "meeting_times",
                    Prefetch(
                        "submissions",
                        Submission.objects.order_by("-updated_at"),
                        to_attr="latest_submissions",
                    ),
                ).order_by("status", "name"),
            )
        )
        .distinct()
    )
    roles = dict(
        Membership.objects.filter(user=request.user).values_list("organization_id", "role")
    )
    reports = ProblemReport.objects.filter(
        group__organization__memberships__user=request.user, resolved_at__isnull=True
    ).select_related("group")
    jobs = ImportJob.objects.filter(uploaded_by=request.user).select_related("organization")[:5]
    return render(
        request,
        "partners/dashboard.html",
        {
            "organizations": organizations,
            "admin_of": {pk for pk, role in roles.items() if role == Membership.Role.ADMIN},
            "reports": reports,
            "jobs": jobs,
            "fresh_months": settings.VETTING_FRESH_MONTHS,
        },
    )


@login_required
def group_add(request, organization):
    organization = _get_organization_for_user(request, organization)
    group = Group(organization=organization, status=Group.Status.DRAFT)
    return _edit(request, group, title=gettext("Add a group to %(name)s") % {"name": organization})


@login_required
def group_edit(request, pk):
    group = _get_group_for_user(request, pk)
    return _edit(request, group, title=gettext("Edit “%(name)s”") % {"name": group})


def _edit(request, group, title):
    """The group form: straight to the group while it is not public, else a change to review."""
    public = group.status == Group.Status.PUBLISHED
    open_change = group.submissions.filter(status__in=OPEN).first() if public else None
    if open_change:  # show and edit the change already waiting, not the live listing
        shown, meetings, focus = snapshots.build(open_change.data, group)
    elif group.pk:
        shown, meetings, focus = group, list(group.meeting_times.all()), list(group.focus.all())
    else:
        shown, meetings, focus = group, [], []
    initial = [
        {f: getattr(m, f) for f in snapshots.MEETING_FIELDS} | {"days": m.day_list()}
        for m in meetings
    ]
    data = request.POST or None
    form = GroupForm(data, instance=shown, initial={"focus": [f.slug for f in focus]})
    formset = MeetingTimeFormSet(data, initial=initial, form_kwargs={"group": shown})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        meetings = [
            form.instance
            for n, form in enumerate(formset.forms)
            # Existing meeting times, and the blank one only if it was filled in.
            if (n < formset.initial_form_count() or form.has_changed())
            and form not in formset.deleted_forms
        ]
        proposal = snapshots.take(
            form.instance, meetings=meetings, focus=form.cleaned_data["focus"]
        )
        submit = request.POST.get("action") == "submit"
        if submit:  # submitting says the details are right today
            proposal["group"]["last_verified_on"] = timezone.localdate().isoformat()
        _save(request, group, proposal, submit, public)
        return redirect("partners:dashboard")
    return render(
        request,
        "partners/group_form.html",
        {
            "title": title,
            "group": group,
            "form": form,
            "formset": formset,
            "public": public,
            "open_change": open_change,
            "timezones": COMMON_TIMEZONES,
        },
    )


@transaction.atomic
def _save(request, group, proposal, submit, public):
    status = Submission.Status.PENDING if submit else Submission.Status.DRAFT
    if public:
        Submission.objects.update_or_create(
            group=group,
            status__in=OPEN,
            defaults={"status": status, "data": proposal, "submitted_by": request.user},
            create_defaults={"group": group, "kind": Submission.Kind.CHANGE, "status": status,
                             "data": proposal, "submitted_by": request.user},
        )  # fmt: skip
        messages.success(
            request,
            (
                gettext(
                    "Your changes to “%(name)s” are waiting for review. Visitors see the "
                    "published listing until a curator approves them."
                )
                if submit
                else gettext(
                    "Your changes to “%(name)s” are saved as a draft. Submit them when ready."
                )
            )
            % {"name": group},
        )
        return
    group.status = Group.Status.PENDING if submit else Group.Status.DRAFT
    snapshots.apply(group, proposal)
    GroupVersion.record(
        group, "Submitted for review" if submit else "Saved as a draft", request.user
    )
    group.submissions.filter(status__in=OPEN).delete()
    if submit:
        Submission.objects.create(
            group=group,
            kind=Submission.Kind.NEW,
            status=status,
            data=proposal,
            submitted_by=request.user,
        )
    messages.success(
        request,
        (
            gettext(
                "“%(name)s” is waiting for review. A curator will check it before it is listed."
            )
            if submit
            else gettext("“%(name)s” is saved as a draft.")
        )
        % {"name": group},
    )


@login_required
@require_POST
def still_accurate(request, pk):
    group = _get_group_for_user(request, pk)
    group.last_verified_on = timezone.localdate()
    group.save()
    GroupVersion.record(group, "Confirmed still accurate", request.user)
    messages.success(
        request, gettext("Thank you: “%(name)s” is marked as confirmed today.") % {"name": group}
    )
    return redirect("partners:dashboard")


@login_required
@require_POST
def archive(request, pk):
    group = _get_group_for_user(request, pk)
    group.status = Group.Status.ARCHIVED
    group.save()
    group.submissions.filter(status__in=OPEN).delete()
    GroupVersion.record(group, "Archived: stopped meeting", request.user)
    messages.success(
        request,
        gettext("“%(name)s” is archived: it no longer shows in the directory.") % {"name": group},
    )
    return redirect("partners:dashboard")


@login_required
def upload(request, organization):
    organization = _get_organization_for_user(request, organization)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        job = ImportJob.objects.create(
            organization=organization,
            uploaded_by=request.user,
            file_name=name[:200],
            text=text,
            rows_total=uploads.count_rows(text),
        )
        uploads.start(job)
        return redirect(job)
    return render(
        request,
        "partners/upload.html",
        {"form": form, "organization": organization, "columns": COLUMNS},
    )


@login_required
def upload_status(request, pk):
    job = get_object_or_404(
        ImportJob.objects.filter(organization__memberships__user=request.user).select_related(
            "organization"
        ),
        pk=pk,
    )
    stalled = (
        job.status == ImportJob.Status.RUNNING
        and (timezone.now() - job.updated_at).total_seconds() > 600
    )
    return render(request, "partners/upload_status.html", {"job": job, "stalled": stalled})


@login_required
def upload_template(request):
    example = {
        "name": "Tuesday Evening Peer Circle",
        "organization": "Your organization's name",
        "description": "A weekly circle where people living with depression share and listen.",
        "format": "support",
        "membership": "open",
        "attendance": "in_person",
        "leader_type": "peer",
        "leader_training": "Completed a 2-day peer facilitator training",
        "days": "tue",
        "start_time": "18:30",
        "end_time": "20:00",
        "frequency": "weekly",
        "venue": "Eastside Library, Room B",
        "address": "210 Example Avenue",
        "city": "Austin",
        "region": "TX",
        "postal_code": "78701",
        "address_visibility": "public",
        "confidentiality_policy": "What is shared in the group stays in the group.",
        "cost": "free",
        "focus": "women;young_adults",
        "languages": "en;es",
        "contact_email": "circle@example.org",
    }
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="groupfinder-template.csv"'
    response.write(",".join(COLUMNS) + "\r\n")
    response.write(",".join(_csv_cell(example.get(column, "")) for column in COLUMNS) + "\r\n")
    return response


def _csv_cell(value):
    return f'"{value}"' if any(c in value for c in ',"\n') else value


@login_required
def team(request, organization):
    organization = _get_organization_for_user(request, organization, admin=True)
    form = InviteForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = account_for(email)
        Membership(user=user, organization=organization, role=form.cleaned_data["role"]).grant(
            request.user
        )
        if not user.has_usable_password():
            mail.send_invitation(user, organization, invited_by=request.user)
        messages.success(
            request, gettext("%(email)s is on the team and has been emailed.") % {"email": email}
        )
        return redirect("partners:team", organization.slug)
    members = organization.memberships.select_related("user").order_by("user__email")
    team_requests = organization.team_requests.filter(
        status=TeamRequest.Status.PENDING
    ).select_related("join_request")
    return render(
        request,
        "partners/team.html",
        {
            "organization": organization,
            "form": form,
            "members": members,
            "team_requests": [(r, TeamRequestForm(prefix=str(r.pk))) for r in team_requests],
            "history": organization.team_changes.select_related("by"),
        },
    )


@login_required
@require_POST
def team_request(request, organization, pk):
    """An admin accepts someone a curator passed on (with a role), or declines."""
    organization = _get_organization_for_user(request, organization, admin=True)
    team_request = get_object_or_404(
        organization.team_requests.select_related("join_request"), pk=pk
    )
    form = TeamRequestForm(request.POST, prefix=str(pk))
    name = team_request.join_request.contact_name
    try:
        if form.is_valid() and form.cleaned_data["decision"] == "accept":
            membership = team_request.accept(request.user, form.cleaned_data["role"])
            if membership.user.has_usable_password():
                mail.send_team_request_accepted(team_request)
            else:
                mail.send_invitation(membership.user, organization, invited_by=request.user)
            messages.success(
                request,
                gettext("%(name)s is on your team as %(role)s, and has been emailed.")
                % {"name": name, "role": Membership.Role(membership.role).short()},
            )
        elif form.is_valid():
            team_request.decline(request.user)
            mail.send_team_request_declined(team_request)
            messages.success(
                request,
                gettext("You declined the request of %(name)s, who has been emailed.")
                % {"name": name},
            )
        else:
            messages.error(request, gettext("Choose a role, then accept or decline."))
    except ValidationError as refusal:
        messages.error(request, refusal.message)
    return redirect("partners:team", organization.slug)
