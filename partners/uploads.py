"""CSV uploads from organizations: every row checked, all or nothing, reviewed by curators.

Small files are imported while the request waits; larger ones in a thread of
the web process, with progress in the ImportJob row, so that the request
returns at once and the page shows how far the import got.
"""

import csv
import io
import logging
import threading

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from directory import importer
from partners.models import ImportJob, Submission

logger = logging.getLogger(__name__)


def start(job):
    """Import the job's file now if it is small, else in the background."""
    if job.rows_total <= settings.UPLOAD_ROWS_IN_REQUEST:
        run(job.pk)
    else:
        threading.Thread(
            target=_run_in_background, args=[job.pk], name=f"upload-{job.pk}", daemon=True
        ).start()


def count_rows(text):
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text.lstrip("\ufeff")))) - 1)


def _run_in_background(job_pk):
    try:
        run(job_pk)
    except Exception:
        logger.exception("Upload %s failed", job_pk)
        ImportJob.objects.filter(pk=job_pk).update(
            status=ImportJob.Status.FAILED,
            problems=[{"row": 0, "column": "-", "message": "The import stopped unexpectedly. "
                       "Nothing was imported; please try again."}],
        )  # fmt: skip
    finally:
        connection.close()


def run(job_pk):
    job = ImportJob.objects.select_related("organization", "uploaded_by").get(pk=job_pk)

    def progress(rows):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=rows, updated_at=timezone.now())

    plans, problems = importer.check_file(
        job.text, organization=job.organization, progress=progress
    )
    if problems:
        job.status = ImportJob.Status.FAILED
        job.problems = [{"row": p.row, "column": p.column, "message": p.message} for p in problems]
        job.rows_done = job.rows_total
        job.save()
        return job
    try:
        with transaction.atomic():
            for n, plan in enumerate(plans, start=1):
                created = submit(plan, job.uploaded_by)
                job.created += created
                job.updated += not created
                if n % 50 == 0:
                    progress(job.rows_total)
    except importer.SaveFailed as failure:
        job.status = ImportJob.Status.FAILED
        job.created = job.updated = 0
        problem = failure.problem
        job.problems = [{"row": problem.row, "column": problem.column, "message": problem.message}]
    else:
        job.status = ImportJob.Status.DONE
    job.rows_done = job.rows_total
    job.save()
    return job


def submit(plan, user):
    """Send one planned row for review (Submission.propose); returns whether it is a new group.

    A published group is not changed: the row becomes a change waiting for a
    curator. Other groups are updated (they are not public) and wait too.
    """
    created = plan.is_new
    plan.group.organization = plan.organization
    try:
        Submission.propose(plan.group, plan.snapshot(), user, note="Uploaded in a CSV file")
    except IntegrityError as error:
        raise importer.SaveFailed(
            importer.Problem(plan.number, "-", f"The database refused this row ({error}).")
        ) from error
    return created
