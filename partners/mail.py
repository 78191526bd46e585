"""The emails groupfinder sends to organizations, through Django's email framework
(the console by default; SMTP when EMAIL_HOST is set)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def set_password_link(user):
    """A one-time link to choose a password (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("partners:set_password", args=[uid, token]))


def send_invitation(user, organization, invited_by=None):
    who = f"{invited_by.get_full_name() or invited_by.email} has" if invited_by else "We have"
    send_mail(
        f"Your groupfinder account for {organization}",
        f"Hello,\n\n{who} set up an account for you to keep {organization}'s support groups "
        f"current on groupfinder.\n\nChoose your password here (the link works once, for "
        f"{settings.PASSWORD_RESET_TIMEOUT // 86400} days):\n{set_password_link(user)}\n\n"
        f"Then sign in at {absolute(reverse('partners:sign_in'))} with this email address.\n\n"
        "— groupfinder",
        None,
        [user.email],
    )


def send_review_outcome(submission):
    """Tell the organization's people whether a curator approved or rejected a submission."""
    group = submission.group
    name = submission.data["group"]["name"]
    if submission.status == submission.Status.APPROVED:
        subject = f"Approved: {name}"
        body = (
            f"A curator approved {submission.get_kind_display().lower()}, “{name}”. "
            f"It is now what visitors see:\n{absolute(group.get_absolute_url())}"
        )
    else:
        subject = f"Not approved yet: {name}"
        body = (
            f"A curator did not approve {submission.get_kind_display().lower()}, “{name}”, "
            f"and says:\n\n{submission.reason}\n\nYou can change it and submit it again from "
            f"your dashboard: {absolute(reverse('partners:dashboard'))}"
        )
    send_mail(subject, f"Hello,\n\n{body}\n\n— groupfinder", None, _team_emails(group.organization))


def send_freshness_reminder(organization, groups):
    lines = "\n".join(
        f"- {group.name} (last confirmed {_date(group.last_verified_on)})" for group in groups
    )
    send_mail(
        f"Are these groups still meeting? ({organization})",
        "Hello,\n\nPeople rely on groupfinder's listings being right. These groups of "
        f"{organization} have not been confirmed for almost a year:\n\n{lines}\n\n"
        "If a group is unchanged, press “Still accurate” on your dashboard; if it has changed "
        "or stopped, edit or archive it there:\n"
        f"{absolute(reverse('partners:dashboard'))}\n\nGroups not confirmed for "
        f"{settings.FRESHNESS_HIDE_MONTHS} months leave the search until someone confirms "
        "them.\n\n— groupfinder",
        None,
        _team_emails(organization),
    )


def _team_emails(organization):
    return sorted(
        {m.user.email for m in organization.memberships.select_related("user") if m.user.email}
    )


def _date(day):
    return f"{day:%B} {day.day}, {day.year}" if day else "never"


# Team requests: a curator passes a join request to an existing organization's admins.


def send_team_request(team_request):
    """Ask the organization's admins to accept or decline someone; returns their emails."""
    organization = team_request.organization
    admins = sorted(
        organization.memberships.filter(role="admin")
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    context = {
        "join_request": team_request.join_request,
        "organization": organization,
        "team_url": absolute(reverse("partners:team", args=[organization.slug])),
    }
    subject = render_to_string("partners/emails/team_request_subject.txt", context)
    body = render_to_string("partners/emails/team_request.txt", context)
    send_mail(" ".join(subject.split()), body, None, admins)
    return admins


def send_team_request_accepted(team_request):
    """Tell someone who already has a password that they are on the team (someone without
    one gets send_invitation instead)."""
    context = {
        "organization": team_request.organization,
        "sign_in_url": absolute(reverse("partners:sign_in")),
    }
    subject = render_to_string("partners/emails/team_request_accepted_subject.txt", context)
    body = render_to_string("partners/emails/team_request_accepted.txt", context)
    send_mail(" ".join(subject.split()), body, None, [team_request.email])


def send_team_request_declined(team_request):
    context = {
        "organization": team_request.organization,
        "join_url": absolute(reverse("partners:join")),
    }
    subject = render_to_string("partners/emails/team_request_declined_subject.txt", context)
    body = render_to_string("partners/emails/team_request_declined.txt", context)
    send_mail(" ".join(subject.split()), body, None, [team_request.email])
