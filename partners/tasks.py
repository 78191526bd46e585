"""The partner area's daily task, which the worker starts each day (directory/worker.py DAILY).

The other tasks live beside the work they do: partners.mail.deliver (every email) and
partners.uploads.import_upload (a CSV file).
"""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from directory.models import Group
from directory.schedule import months_before
from partners import mail


@task
def send_freshness_reminders():
    """Email each organization about its published groups not confirmed for
    FRESHNESS_REMIND_MONTHS months, at most once a month per group. Returns the counts."""
    today = timezone.localdate()
    due = (
        Group.objects.filter(
            status=Group.Status.PUBLISHED,
            last_verified_on__lt=months_before(today, settings.FRESHNESS_REMIND_MONTHS),
        )
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=months_before(today, 1)))
        .select_related("organization")
        .order_by("organization", "last_verified_on")
    )
    by_organization = defaultdict(list)
    for group in due:
        by_organization[group.organization].append(group)
    for organization, groups in by_organization.items():
        # The emails are queued with the date that says they were sent: a task stopped
        # half-way and run again reminds the others, never the same team twice.
        with transaction.atomic():
            mail.send_freshness_reminder(organization, groups)
            Group.objects.filter(pk__in=[g.pk for g in groups]).update(reminded_on=today)
    return {
        "organizations": len(by_organization),
        "groups": sum(len(groups) for groups in by_organization.values()),
    }
