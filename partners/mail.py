"""The emails groupfinder sends to partner people, through Django's email framework
(the console by default; SMTP when EMAIL_HOST is set).

Each email is two templates, templates/partners/emails/<template>_subject.txt and <template>.txt,
rendered in the recipient's language (Profile.language_of) and sent to that one person
as plain UTF-8 text: `send(user, template, **context)`. An email to a team is one message per
member, each in their own language: `send_to_team(organization, template, **context)`.

Emails are written where they are asked for and sent by a task, `deliver`, so that a slow
or unreachable mail server never holds up a page: the worker sends it (TASKS_BACKEND=database),
or the request does at once (a local try, the tests).
"""

import datetime
import email.policy
import logging
import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from partners.models import Profile

logger = logging.getLogger(__name__)

# Tries in all to send an email the mail server refuses or does not answer.
DELIVERY_ATTEMPTS = 6
# The longest line email allows (RFC 5322, 2.1.1), in bytes.
LONGEST_LINE = 998


class PlainTextEmail(EmailMessage):
    """Plain UTF-8 text sent as written, so that a link is one line that copies whole.

    Django 6 builds the message with Python's modern email API (set_content), which sends
    a body with any line over 78 characters quoted-printable, breaking the line every 76
    characters with "=", or base64. Mail allows lines up to 998: up to there the body goes
    as it is (7bit, or 8bit with accents), as Django 5 sent it.
    """

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        body = self.body.encode()
        if max(map(len, body.splitlines()), default=0) <= LONGEST_LINE:
            msg.set_content(self.body, charset="utf-8", cte="7bit" if body.isascii() else "8bit")
        return msg


def send(user, template, **context):
    """Email `user` templates/partners/emails/<template>.txt, in their language."""
    send_to_address(user.email, Profile.language_of(user), template, user=user, **context)


def send_to_address(address, language, template, **context):
    """Email one address templates/partners/emails/<template>.txt in `language`."""
    with translation.override(language):
        subject = render_to_string(f"partners/emails/{template}_subject.txt", context)
        body = render_to_string(f"partners/emails/{template}.txt", context)
    deliver.enqueue(address, " ".join(subject.split()), body)


@task
def deliver(address, subject, body, attempt=1):
    """Send one written email (a task: SMTP's delays and failures stay out of requests).

    When the mail server can't be reached or refuses, the worker tries again later: after
    1, 2, 4, 8 and 16 minutes, then gives up (the task fails, with the server's answer)."""
    try:
        PlainTextEmail(subject, body, to=[address]).send()
    except (OSError, smtplib.SMTPException) as error:
        if attempt >= DELIVERY_ATTEMPTS or not deliver.get_backend().supports_defer:
            raise
        later = timezone.now() + datetime.timedelta(minutes=2 ** (attempt - 1))
        deliver.using(run_after=later).enqueue(address, subject, body, attempt=attempt + 1)
        logger.warning("Email to %s not sent (%r); trying again at %s.", address, error, later)
        return {"sent": False, "retry_at": later.isoformat()}
    return {"sent": True}


def send_to_team(organization, template, **context):
    """Email everyone on `organization`'s team, one message each, in their own language."""
    memberships = organization.memberships.select_related("user__profile").order_by("user__email")
    for membership in memberships:
        if membership.user.email:
            send(membership.user, template, organization=organization, **context)


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def set_password_link(user):
    """A one-time link to choose a password (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("partners:set_password", args=[uid, token]))


def send_invitation(user, organization, invited_by=None):
    send(
        user,
        "invitation",
        organization=organization,
        invited_by=(invited_by.get_full_name() or invited_by.email) if invited_by else "",
        set_password_link=set_password_link(user),
        days=settings.PASSWORD_RESET_TIMEOUT // 86400,
        sign_in_url=absolute(reverse("partners:sign_in")),
    )


def send_password_reset(user, uid, token):
    """The forgotten-password email (Django's reset token, made by PasswordResetForm)."""
    send(
        user,
        "password_reset",
        set_password_link=absolute(reverse("partners:set_password", args=[uid, token])),
    )


def send_review_outcome(submission):
    """Tell the organization's people whether a curator approved or rejected a submission."""
    group = submission.group
    if submission.status == submission.Status.REJECTED:
        template = "review_rejected"
    elif submission.kind == submission.Kind.ARCHIVE:
        template = "review_archived"  # its page is gone: no link to it
    else:
        template = "review_approved"
    send_to_team(
        group.organization,
        template,
        name=submission.data["group"]["name"],
        new=submission.kind == submission.Kind.NEW,
        archive=submission.kind == submission.Kind.ARCHIVE,
        reason=submission.reason,
        group_url=absolute(group.get_absolute_url()),
        dashboard_url=absolute(reverse("partners:dashboard")),
    )


def send_freshness_reminder(organization, groups):
    send_to_team(
        organization,
        "freshness_reminder",
        groups=groups,
        hide_months=settings.FRESHNESS_HIDE_MONTHS,
        dashboard_url=absolute(reverse("partners:dashboard")),
    )


# Team requests: a curator passes a join request to an existing organization's admins.


def send_team_request(team_request):
    """Ask the organization's admins to accept or decline someone, each in their language;
    returns their emails."""
    organization = team_request.organization
    admins = organization.memberships.filter(role="admin").exclude(user__email="")
    admins = [m.user for m in admins.select_related("user__profile").order_by("user__email")]
    for admin in admins:
        send(
            admin,
            "team_request",
            join_request=team_request.join_request,
            organization=organization,
            team_url=absolute(reverse("partners:team", args=[organization.slug])),
        )
    return [admin.email for admin in admins]


def send_team_request_accepted(team_request, user):
    """Tell someone who already has a password that they are on the team (someone without
    one gets send_invitation instead)."""
    send(
        user,
        "team_request_accepted",
        organization=team_request.organization,
        sign_in_url=absolute(reverse("partners:sign_in")),
    )


def send_team_request_declined(team_request):
    """To the person who asked, in the language they asked in (they may have no account)."""
    send_to_address(
        team_request.email,
        team_request.join_request.language,
        "team_request_declined",
        organization=team_request.organization,
        join_url=absolute(reverse("partners:join")),
    )
