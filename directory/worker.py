"""The background worker, `python manage.py db_worker`: django-tasks-db's worker, which runs
the tasks queued in the database, and what it lacks for a task whose run is cut short
(https://github.com/RealOrangeOne/django-tasks-db/issues/5), and a schedule:

- A heartbeat: every few seconds each worker writes that it is alive (directory.Worker).
- Recovery: a task still "running" on a worker not heard from for WORKER_LOST_SECONDS
  (30; killed, out of memory, its machine gone) is queued again, and so is a task that
  lost the database while it ran (the worker waits for the database to come back, then
  goes on). A task runs at most ATTEMPTS times in all: after that it is marked failed,
  with a message that says why. Never left "running". A task may look at
  `context.attempt` to do something else on a later attempt (an upload gives up on its
  third). A worker judges others only once it has itself been beating for
  WORKER_LOST_SECONDS, so that after a database outage everyone has had the time to say
  they are alive.
- The daily jobs (DAILY): each day, from its hour on (the site's timezone), the first
  worker to record the day in directory.DailyRun enqueues the job; a worker that was down
  at that hour starts it when it is back.

The heartbeat, recovery and the daily jobs run in a thread beside the tasks, so that a long
task does not hold them up.
"""

import contextlib
import datetime
import logging
import os
import signal
import socket
import threading
import time

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models.functions import Now
from django.tasks import TaskContext, TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from directory.models import DailyRun, Worker

logger = logging.getLogger(__name__)

ATTEMPTS = 3  # runs in all of a task cut short (its worker stopped or lost the database)

# Task: the time of day it starts, in the site's timezone.
DAILY = {
    "directory.tasks.refresh_vetting": datetime.time(3, 0),
    "directory.tasks.prune_task_results": datetime.time(3, 30),
    "partners.tasks.send_freshness_reminders": datetime.time(9, 0),
}

# What the database going away (a restart, the network) raises.
DATABASE_LOST = (OperationalError, InterfaceError)


def lost_after():
    """Seconds without a heartbeat after which a worker's tasks are run again."""
    return settings.WORKER_LOST_SECONDS


def beat_every():
    return max(1, lost_after() / 6)


class TaskCutShort(Exception):
    """A task's worker stopped, or lost the database, on each of its attempts."""


def run_again(result, why):
    """Queue a running task again, or mark it failed if it has had ATTEMPTS runs. Returns
    whether it did (not if another worker has claimed it since `result` was read)."""
    same_claim = DBTaskResult.objects.filter(
        pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
    )
    attempts = len(result.worker_ids)
    if attempts < ATTEMPTS:
        done = same_claim.update(status=TaskResultStatus.READY)
        if done:
            logger.warning(
                "Task %s (%s): %s; queued it again (attempt %d of %d).",
                result.pk, result.task_path, why, attempts + 1, ATTEMPTS,
            )  # fmt: skip
        return bool(done)
    message = f"{why}, on each of its {attempts} attempts; it is not tried again."
    done = same_claim.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{TaskCutShort.__module__}.{TaskCutShort.__qualname__}",
        traceback=message,
        return_value=None,
    )
    if done:
        logger.error("Task %s (%s) failed: %s", result.pk, result.task_path, message)
    return bool(done)


def recover_lost_tasks():
    """Run again (or fail) every running task whose worker is not heard from. Returns their ids."""
    alive = set(Worker.objects.alive(lost_after()).values_list("id", flat=True))
    recovered = []
    for result in DBTaskResult.objects.running().order_by("started_at"):
        worker_id = result.worker_ids[-1] if result.worker_ids else "?"
        if worker_id not in alive:
            why = (
                f"its worker ({worker_id}) stopped before it finished (killed, or its machine "
                "went away)"
            )
            if run_again(result, why):
                recovered.append(result.pk)
    # Workers not heard from for a day are gone for good.
    Worker.objects.filter(seen_at__lt=Now() - datetime.timedelta(days=1)).delete()
    return recovered


def enqueue_daily_tasks(now=None):
    """Enqueue each daily task whose hour has come today and that nobody has enqueued today."""
    now = timezone.localtime(now)
    started = []
    for path, at in DAILY.items():
        if now.time() < at:
            continue
        with transaction.atomic():
            _, created = DailyRun.objects.get_or_create(task=path, day=now.date())
            if created:
                import_string(path).enqueue()
                started.append(path)
    for path in started:
        logger.info("Started the daily task %s for %s.", path, now.date())
    return started


def register(worker_id):
    Worker.objects.update_or_create(
        pk=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": Now()},
    )


class Housekeeper(threading.Thread):
    """Beats for its worker every few seconds, then recovers lost tasks and starts the daily
    ones."""

    def __init__(self, worker_id):
        super().__init__(name=f"housekeeper-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.healthy_since = time.monotonic()

    def run(self):
        while not self.stopping.wait(beat_every()):
            try:
                close_old_connections()
                self.beat()
                if time.monotonic() - self.healthy_since >= lost_after():
                    recover_lost_tasks()
                    enqueue_daily_tasks()
            except DatabaseError as error:
                logger.warning("The worker's housekeeping could not reach the database: %s", error)
                self.healthy_since = time.monotonic()
                connection.close()
        connection.close()

    def beat(self):
        if not Worker.objects.filter(pk=self.worker_id).update(seen_at=Now()):
            # Its row was removed while the database could not be reached: write it again.
            register(self.worker_id)
            self.healthy_since = time.monotonic()


class BeatingWorker(db_worker.Worker):
    current = None  # the DBTaskResult being run
    losses = 0  # times in a row the database went away

    def run(self):
        register(self.worker_id)
        housekeeper = Housekeeper(self.worker_id)
        housekeeper.start()
        try:
            while self.running:
                try:
                    super().run()
                    return
                except DATABASE_LOST as error:
                    self.wait_for_database(error)
        finally:
            housekeeper.stopping.set()
            housekeeper.join(timeout=beat_every() + 5)
            # Others see it gone at once (or, without the database, in WORKER_LOST_SECONDS).
            with contextlib.suppress(DatabaseError):
                Worker.objects.filter(pk=self.worker_id).delete()

    def wait_for_database(self, error):
        logger.warning("The worker lost the database (%s); waiting for it to come back.", error)
        self.losses += 1
        # 1 second, then longer each time in a row, up to 30, so that an error that keeps
        # coming back is not tried hundreds of times a minute.
        time.sleep(min(30, 2 ** (self.losses - 1)))
        while self.running:
            connection.close()
            try:
                connection.ensure_connection()
                if self.current is not None:
                    run_again(self.current, "the database went away while it ran")
                    self.current = None
                logger.info("The database is back.")
                return
            except DatabaseError:
                time.sleep(1)

    def run_task(self, db_task_result):
        # On a normal return the task was recorded as done or failed. What escapes (the
        # database going away) leaves it running, and `current`, for run() to deal with.
        self.current = db_task_result
        self.run_and_record(db_task_result)
        self.current = None
        self.losses = 0

    def run_and_record(self, db_task_result):
        """django-tasks-db's run_task, except when the database goes away: then the task is
        left "running" for wait_for_database() to queue again, instead of being marked failed
        (its own writes were rolled back, and there is nowhere to record a failure anyway)."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            arguments = [*task_result.args]
            if task.takes_context:
                arguments.insert(0, TaskContext(task_result=task_result))
            return_value = task.call(*arguments, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except DATABASE_LOST:
            raise
        except BaseException as error:
            db_task_result.set_failed(error)
            try:
                sender = type(db_task_result.task.get_backend())
            except (ImportError, SuspiciousOperation):
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=db_task_result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def shutdown(self, signum, frame):
        if not self.running:
            # A second Ctrl-C or SIGTERM: stop now, as if killed. Recovery runs the task again.
            logger.warning("Received %s again: stopping now.", signal.strsignal(signum))
            os._exit(1)
        super().shutdown(signum, frame)
