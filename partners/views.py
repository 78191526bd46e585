"""The partner area: organizations keep their own groups current.

Every view that takes a group or an organization fetches it through the
signed-in person's memberships, so another organization's group is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from directory import abuse, pages, snapshots
from directory.importer import COLUMNS
from directory.models import Group, GroupVersion, Organization, ProblemReport, Worker
from partners import mail, uploads
from partners.forms import (
    COMMON_TIMEZONES,
    GroupForm,
    InviteForm,
    JoinRequestForm,
    MeetingTimeFormSet,
    NewPasswordForm,
    PasswordResetForm,
    SignInForm,
    TeamRequestForm,
    UploadForm,
)
from partners.models import ImportJob, Membership, Profile, Submission, TeamRequest, account_for


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
    """Sign-in with a honeypot, behind the sign-in limits of directory/abuse.py: 429 while
    the account or the address is locked (SignInForm says why and how to get back in)."""

    template_name = "partners/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_spam():
            return redirect("partners:sign_in")
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_invalid(self, form):
        status = 429 if form.is_locked() else 200
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def form_valid(self, form):
        Profile.remember_language(form.get_user(), self.request.LANGUAGE_CODE)
        return super().form_valid(form)


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("partners:sign_in")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation link (and the forgotten-password link) lands here. Choosing a password
    lifts the account's sign-in lock: whoever holds the emailed link is its owner."""

    template_name = "partners/set_password.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("partners:sign_in")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Sent on to sign in: form_valid() saved the new password.
        if response.status_code == 302 and response.url == self.get_success_url():
            abuse.unlock_sign_in(self.user)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        Profile.remember_language(form.user, self.request.LANGUAGE_CODE)
        messages.success(self.request, gettext("Your password is set. Please sign in."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asking for a link to choose a new password, limited per address and per email
    (directory/abuse.py) with the same answer whether or not the email has an account."""

    template_name = "partners/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("partners:password_reset_sent")

    def form_valid(self, form):
        minutes = abuse.password_link_wait(self.request, form.cleaned_data["email"])
        if minutes:
            form.add_error(
                None,
                ngettext(
                    "You have asked for several links in the last hour. Please wait %(minutes)s "
                    "minute before asking again. If that email address has an account, the "
                    "links already sent to it still work.",
                    "You have asked for several links in the last hour. Please wait %(minutes)s "
                    "minutes before asking again. If that email address has an account, the "
                    "links already sent to it still work.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
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
            form.instance.language = request.LANGUAGE_CODE
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
    open_change = group.submissions.open().first() if public else None
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
        Submission.propose(group, proposal, request.user, submit=submit)
        messages.success(request, _saved_message(group, submit, public))
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


def _saved_message(group, submit, public):
    if public and submit:
        message = gettext(
            "Your changes to “%(name)s” are waiting for review. Visitors see the "
            "published listing until a curator approves them."
        )
    elif public:
        message = gettext(
            "Your changes to “%(name)s” are saved as a draft. Submit them when ready."
        )
    elif submit:
        message = gettext(
            "“%(name)s” is waiting for review. A curator will check it before it is listed."
        )
    else:
        message = gettext("“%(name)s” is saved as a draft.")
    return message % {"name": group}


@login_required
def group_checks(request, pk):
    """What the checklist says about one of the organization's groups, and what to do."""
    group = _get_group_for_user(request, pk)
    return render(
        request, "partners/group_checks.html", {"group": group, "checklist": group.checklist()}
    )


@login_required
@require_POST
def still_accurate(request, pk):
    group = _get_group_for_user(request, pk)
    group.last_verified_on = timezone.localdate()
    group.save()
    pages.directory_changed()  # its freshness shows on its page
    GroupVersion.record(group, "Confirmed still accurate", request.user)
    messages.success(
        request, gettext("Thank you: “%(name)s” is marked as confirmed today.") % {"name": group}
    )
    return redirect("partners:dashboard")


@login_required
def archive(request, pk):
    """Ask first; then archive the group, or, while it is published, ask a curator to."""
    group = _get_group_for_user(request, pk)
    open_submission = group.submissions.open().first()
    if group.status == Group.Status.ARCHIVED:
        messages.info(request, gettext("“%(name)s” is already archived.") % {"name": group})
        return redirect("partners:dashboard")
    if request.method == "POST":
        if Submission.archive(group, request.user):
            message = gettext(
                "A curator will archive “%(name)s” after checking your request. Until then it "
                "stays in the directory."
            )
        else:
            message = gettext("“%(name)s” is archived.")
        messages.success(request, message % {"name": group})
        return redirect("partners:dashboard")
    return render(
        request,
        "partners/archive.html",
        {
            "group": group,
            "public": group.status == Group.Status.PUBLISHED,
            "open_submission": open_submission,
        },
    )


@login_required
def upload(request, organization):
    organization = _get_organization_for_user(request, organization)
    form = UploadForm(request.POST or None, request.FILES or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        name, text, rows = form.cleaned_data["file"]
        job = ImportJob.objects.create(
            organization=organization,
            uploaded_by=request.user,
            file_name=name[:200],
            text=text,
            rows_total=rows,
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
    # Queued or under way for a minute, and no worker to run it (TASKS_BACKEND=database).
    waiting = (
        job.status == ImportJob.Status.RUNNING
        and (timezone.now() - job.updated_at).total_seconds() > 60
        and not Worker.objects.alive().exists()
    )
    return render(request, "partners/upload_status.html", {"job": job, "waiting": waiting})


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
        user = account_for(email, language=request.LANGUAGE_CODE)
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
                mail.send_team_request_accepted(team_request, membership.user)
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
