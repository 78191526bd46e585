"""The directory's daily tasks, which the worker starts each day (directory/worker.py DAILY)."""

import datetime

from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory.models import Group

# Finished tasks are kept this long (in the admin's Task Results), then deleted; emails sent
# only a day, since their text holds one-time links (choosing a password).
KEEP_TASK_RESULTS_DAYS = 30
KEEP_SENT_EMAILS_DAYS = 1


@task
def refresh_vetting():
    """Recompute every group's stored checklist and search summary: the freshness check
    changes with the date alone. Returns the counts."""
    checked = 0
    for group in Group.objects.select_related("organization").iterator(chunk_size=500):
        group.refresh_summary()
        checked += 1
    return {"checked": checked, "flagged": Group.objects.filter(flag_count__gt=0).count()}


@task
def prune_task_results():
    """Delete the records of tasks that finished more than KEEP_TASK_RESULTS_DAYS ago, and of
    emails sent more than KEEP_SENT_EMAILS_DAYS ago."""
    now = timezone.now()
    finished = Q(status=TaskResultStatus.SUCCESSFUL) | Q(status=TaskResultStatus.FAILED)
    old = Q(finished_at__lt=now - datetime.timedelta(days=KEEP_TASK_RESULTS_DAYS))
    sent = Q(
        task_path="partners.mail.deliver",
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - datetime.timedelta(days=KEEP_SENT_EMAILS_DAYS),
    )
    deleted, _ = DBTaskResult.objects.filter((finished & old) | sent).delete()
    return {"deleted": deleted}
