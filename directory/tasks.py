"""The directory's daily tasks, which the worker starts each day (directory/worker.py DAILY)."""

import datetime
import itertools

from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory.models import Group

# Finished tasks are kept this long (in the admin's Task Results), then deleted; emails sent
# only a day, since their text holds one-time links (choosing a password).
KEEP_TASK_RESULTS_DAYS = 30
KEEP_SENT_EMAILS_DAYS = 1
REFRESH_CHUNK = 500


@task
def refresh_vetting():
    """Recompute every group's stored checklist and search summary: the freshness check
    changes with the date alone. Returns the counts."""
    checked = 0
    groups = Group.objects.select_related("organization").order_by("pk")
    for chunk in itertools.batched(groups.iterator(chunk_size=REFRESH_CHUNK), REFRESH_CHUNK):
        # One transaction a chunk: one new directory version (directory/pages.py) for
        # every REFRESH_CHUNK groups, not one for each group.
        with transaction.atomic():
            for group in chunk:
                group.refresh_summary()
        checked += len(chunk)
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
