"""CSV uploads from organizations: every row checked, all or nothing, reviewed by curators.

The request reads the file and checks its shape (importer.read_file: its size, that it is
text, its header, the limits) and keeps it in an ImportJob; the rows are checked and
imported by a task, `import_upload`, on the worker (TASKS_BACKEND=database), with progress
in the ImportJob row so that the status page shows how far it got. The groups and the
job's outcome are written in one transaction: a worker that stops half-way (killed, a
deploy, the database restarting) leaves nothing half-imported, and its task is run again
(directory/worker.py); an upload interrupted twice is given up, saying so.
"""

import logging

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_noop

from directory import importer
from partners.models import ImportJob, Submission

logger = logging.getLogger(__name__)

# An upload whose task is started a third time (its worker stopped twice) is given up.
ATTEMPTS = 2

# Why an upload failed when the file was not the reason: the status page shows them alone,
# in the partner's language (they are in the catalogue).
STOPPED = gettext_noop(
    "The import stopped unexpectedly, so nothing was imported. Please upload the file again."
)
INTERRUPTED = gettext_noop(
    "The import was interrupted twice (the server stopped while it ran), so nothing was "
    "imported. Please upload the file again; if it happens again, split it into smaller files."
)


def start(job):
    """Queue the job's import (with the immediate backend, it runs now)."""
    import_upload.enqueue(job.pk)


@task(takes_context=True)
def import_upload(context, job_pk):
    if context.attempt > ATTEMPTS:
        logger.error("Upload %s was interrupted %d times; gave it up.", job_pk, ATTEMPTS)
        _fail(job_pk, INTERRUPTED)
        return
    try:
        run(job_pk)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the worker runs the task again once it is back
    except Exception:
        logger.exception("Upload %s failed", job_pk)
        _fail(job_pk, STOPPED)
        raise


def _fail(job_pk, message):
    ImportJob.objects.filter(pk=job_pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.FAILED,
        problems=[{"row": None, "column": "-", "message": message}],
        problem_count=1,
        updated_at=timezone.now(),
    )


def run(job_pk):
    job = ImportJob.objects.select_related("organization", "uploaded_by").get(pk=job_pk)
    if job.status != ImportJob.Status.RUNNING:
        return job  # finished before its worker stopped

    def progress(rows):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=rows, updated_at=timezone.now())

    progress(0)
    plans, problems = importer.check_file(
        job.text, organization=job.organization, progress=progress
    )
    with transaction.atomic():
        # Locked, and checked again: the same job run twice at once is imported once.
        if ImportJob.objects.select_for_update().get(pk=job.pk).status != job.status:
            return job
        if not problems:
            try:
                with transaction.atomic():
                    job.created, job.updated = importer.save(
                        plans,
                        lambda new: Submission.propose_new(
                            [plan.listing() for plan in new], job.uploaded_by, NOTE
                        ),
                        lambda plan: submit(plan, job.uploaded_by),
                    )
            except importer.SaveFailed as failure:
                job.created = job.updated = 0
                problems = importer.Problems([failure.problem])
        job.status = ImportJob.Status.FAILED if problems else ImportJob.Status.DONE
        job.problems = [problem.as_dict() for problem in problems]
        job.problem_count = problems.count
        job.rows_done = job.rows_total
        job.save()
    return job


NOTE = "Uploaded in a CSV file"


def submit(plan, user):
    """Send one planned row for review (Submission.propose); the new groups of a file are
    sent together (Submission.propose_new).

    A published group is not changed: the row becomes a change waiting for a
    curator. Other groups are updated (they are not public) and wait too.
    """
    plan.group.organization = plan.organization
    try:
        Submission.propose(plan.group, plan.snapshot(), user, note=NOTE)
    except IntegrityError as error:
        raise plan.refused(error) from error
