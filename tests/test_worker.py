"""The background worker (`manage.py db_worker`, directory/worker.py): the queue in the
database, what happens to a task whose worker is killed or loses the database, the daily
jobs, and emails sent by a task.

WorkerProcessTests run the real worker as a separate process against the test database,
kill it in the middle of an import, and watch how the import ends. They need PostgreSQL.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from unittest import mock, skipUnless
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.tasks import TaskResultStatus
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory import worker
from directory.models import DailyRun, Group, Worker
from directory.tasks import prune_task_results, refresh_vetting
from partners import mail as partner_mail
from partners import uploads
from partners.mail import deliver
from partners.models import ImportJob, Membership, Submission
from tests.factories import make_group, make_organization

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
HEADER = "name,format,attendance,leader_type,days,start_time,city,region,postal_code\n"
NEW_YORK = ZoneInfo("America/New_York")


def rows(count):
    return "".join(
        f"Circle {n:03d},support,in_person,peer,tue,19:00,Austin,TX,78701\n" for n in range(count)
    )


def claim(result, worker_id):
    """As a worker does: the task is running, on `worker_id`."""
    result.db_result.claim(worker_id)
    return result.db_result


@override_settings(TASKS=DATABASE_TASKS)
class RecoveryTests(TestCase):
    """A task left running by a worker that stopped is run again, then failed; never left."""

    def setUp(self):
        Worker.objects.create(id="alive", pid=1, host="here")
        Worker.objects.create(id="gone", pid=2, host="there")
        Worker.objects.filter(id="gone").update(seen_at=timezone.now() - timedelta(minutes=5))

    def test_a_task_on_a_worker_not_heard_from_is_queued_again(self):
        lost = claim(partner_mail.deliver.enqueue("a@example.org", "Hi", "Body"), "gone")
        running = claim(partner_mail.deliver.enqueue("b@example.org", "Hi", "Body"), "alive")

        self.assertEqual(worker.recover_lost_tasks(), [lost.pk])

        lost.refresh_from_db()
        running.refresh_from_db()
        self.assertEqual(lost.status, TaskResultStatus.READY)
        self.assertEqual(running.status, TaskResultStatus.RUNNING)
        # Its next run is its second attempt.
        self.assertEqual(claim(lost.task_result, "alive").task_result.attempts, 2)

    def test_after_three_attempts_the_task_fails_saying_why(self):
        result = partner_mail.deliver.enqueue("a@example.org", "Hi", "Body")
        for worker_id in ["gone", "gone", "gone"]:
            claim(result, worker_id)

        worker.recover_lost_tasks()

        db_result = DBTaskResult.objects.get(pk=result.id)
        self.assertEqual(db_result.status, TaskResultStatus.FAILED)
        self.assertEqual(db_result.exception_class_path, "directory.worker.TaskCutShort")
        self.assertEqual(
            db_result.traceback,
            "its worker (gone) stopped before it finished (killed, or its machine went away), "
            "on each of its 3 attempts; it is not tried again.",
        )
        self.assertIsNotNone(db_result.finished_at)

    def test_workers_silent_for_a_day_are_forgotten(self):
        Worker.objects.filter(id="gone").update(seen_at=timezone.now() - timedelta(days=2))

        worker.recover_lost_tasks()

        self.assertEqual(list(Worker.objects.values_list("id", flat=True)), ["alive"])

    def test_an_upload_interrupted_twice_is_given_up_on_its_third_attempt(self):
        organization = make_organization()
        job = ImportJob.objects.create(
            organization=organization, file_name="big.csv", text=HEADER + rows(3), rows_total=3
        )
        uploads.start(job)
        result = DBTaskResult.objects.get()
        for worker_id in ["gone", "gone", "alive"]:
            claim(result.task_result, worker_id)

        worker.BeatingWorker(**WORKER_OPTIONS).run_task(DBTaskResult.objects.get())

        job.refresh_from_db()
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        self.assertEqual(job.problems[0]["message"], uploads.INTERRUPTED)
        self.assertFalse(Group.objects.exists())
        self.assertEqual(DBTaskResult.objects.get().status, TaskResultStatus.SUCCESSFUL)


WORKER_OPTIONS = {
    "queue_names": ["default"],
    "interval": 0,
    "batch": True,
    "backend_name": "default",
    "startup_delay": False,
    "max_tasks": None,
    "worker_id": "in-test",
    "excluded_queue_names": [],
}


@override_settings(TASKS=DATABASE_TASKS)
class DailyTaskTests(TestCase):
    def test_each_daily_task_starts_once_a_day_from_its_hour(self):
        with time_machine.travel(datetime(2026, 11, 24, 2, 59, tzinfo=NEW_YORK), tick=False):
            self.assertEqual(worker.enqueue_daily_tasks(), [])
        with time_machine.travel(datetime(2026, 11, 24, 3, 40, tzinfo=NEW_YORK), tick=False):
            self.assertEqual(
                worker.enqueue_daily_tasks(),
                ["directory.tasks.refresh_vetting", "directory.tasks.prune_task_results"],
            )
            self.assertEqual(worker.enqueue_daily_tasks(), [])  # another worker, a beat later
        with time_machine.travel(datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK), tick=False):
            self.assertEqual(
                worker.enqueue_daily_tasks(), ["partners.tasks.send_freshness_reminders"]
            )
        with time_machine.travel(datetime(2026, 11, 25, 3, 0, tzinfo=NEW_YORK), tick=False):
            self.assertEqual(worker.enqueue_daily_tasks(), ["directory.tasks.refresh_vetting"])

        self.assertEqual(
            sorted(DBTaskResult.objects.values_list("task_path", flat=True)),
            [
                "directory.tasks.prune_task_results",
                "directory.tasks.refresh_vetting",
                "directory.tasks.refresh_vetting",
                "partners.tasks.send_freshness_reminders",
            ],
        )
        self.assertEqual(DailyRun.objects.count(), 4)


@override_settings(TASKS=DATABASE_TASKS)
class PruneTests(TestCase):
    def test_old_task_records_go_and_sent_emails_after_a_day(self):
        def finished(task, days_ago, status=TaskResultStatus.SUCCESSFUL):
            result = task.enqueue(*(["a@example.org", "Hi", "Body"] if task is deliver else []))
            DBTaskResult.objects.filter(pk=result.id).update(
                status=status, finished_at=timezone.now() - timedelta(days=days_ago)
            )
            return result.id

        kept = [
            finished(refresh_vetting, 29),
            finished(deliver, 0.5),
            finished(deliver, 2, status=TaskResultStatus.FAILED),
            refresh_vetting.enqueue().id,  # not run yet
        ]
        finished(refresh_vetting, 31)
        finished(deliver, 2)

        self.assertEqual(prune_task_results.call(), {"deleted": 2})
        self.assertEqual(
            sorted(str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)),
            sorted(kept),
        )


@override_settings(TASKS=DATABASE_TASKS)
class WorkerCommandTests(TransactionTestCase):
    """The worker command run in this process, with --batch: it runs what is queued, then
    stops. (In a transaction test: the worker manages its own database transactions.)"""

    serialized_rollback = True  # keeps the focus vocabulary the migrations seeded

    @time_machine.travel(datetime(2026, 11, 24, 9, 30, tzinfo=NEW_YORK), tick=False)
    def test_the_worker_runs_the_reminders_and_their_emails(self):
        organization = make_organization()
        user = User.objects.create_user("ana@example.org", "ana@example.org", "password")
        Membership.objects.create(user=user, organization=organization, role="admin")
        make_group(organization=organization, last_verified_on=datetime(2025, 11, 1).date())
        worker.enqueue_daily_tasks()

        call_command("db_worker", "--batch", "--no-startup-delay", "--interval=0", verbosity=0)

        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("Tuesday Evening Circle", mail.outbox[0].body)
        self.assertEqual(Group.objects.get().reminded_on, datetime(2026, 11, 24).date())
        self.assertEqual(
            set(DBTaskResult.objects.values_list("status", flat=True)),
            {TaskResultStatus.SUCCESSFUL},
        )

    def test_an_email_waits_in_the_queue_until_the_worker_sends_it(self):
        partner_mail.send_to_address(
            "ana@example.org", "es", "team_request_declined", organization=make_organization(),
            join_url="https://example.org/partners/join/",
        )  # fmt: skip
        self.assertEqual(mail.outbox, [])

        call_command("db_worker", "--batch", "--no-startup-delay", "--interval=0", verbosity=0)

        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["ana@example.org"])
        self.assertIn("Riverbend Peer Network", mail.outbox[0].body)

    def test_a_mail_server_that_refuses_is_tried_again_later_then_given_up(self):
        partner_mail.deliver.enqueue("ana@example.org", "Subject", "Body")
        refused = mock.patch.object(
            partner_mail.PlainTextEmail, "send", side_effect=ConnectionRefusedError
        )
        with refused, time_machine.travel(timezone.now(), tick=False) as clock:
            for _ in range(partner_mail.DELIVERY_ATTEMPTS):
                call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
                clock.shift(timedelta(minutes=20))

        self.assertEqual(
            list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True)),
            [TaskResultStatus.SUCCESSFUL] * 5 + [TaskResultStatus.FAILED],
        )
        retries = DBTaskResult.objects.order_by("enqueued_at")[1:]
        self.assertEqual([r.args_kwargs["kwargs"]["attempt"] for r in retries], [2, 3, 4, 5, 6])
        self.assertIn("ConnectionRefusedError", DBTaskResult.objects.get(status="FAILED").traceback)


class ImmediateTaskTests(TestCase):
    def test_without_a_worker_an_email_is_sent_at_once(self):
        partner_mail.deliver.enqueue("ana@example.org", "Subject", "Body")

        self.assertEqual(len(mail.outbox), 1)
        self.assertFalse(DBTaskResult.objects.exists())


@skipUnless(
    connection.vendor == "postgresql",
    "The worker-process tests need PostgreSQL: on SQLite the test database lives in this "
    "process's memory, where a worker process cannot reach it.",
)
@override_settings(TASKS=DATABASE_TASKS)
class WorkerProcessTests(TransactionTestCase):
    """The real `manage.py db_worker` process, killed in the middle of an import."""

    serialized_rollback = True  # keeps the focus vocabulary the migrations seeded
    # Fast, for the tests; `WORKER_LOST_SECONDS=30 pytest tests/test_worker.py -s` measures the
    # default.
    lost_seconds = int(os.environ.get("WORKER_LOST_SECONDS", 6))
    application_name = "groupfinder-test-worker"

    def setUp(self):
        self.organization = make_organization("Riverbend Peer Network")
        user = User.objects.create_user("ana@example.org", "ana@example.org", "password")
        Membership.objects.create(user=user, organization=self.organization, role="admin")
        self.client.force_login(user)
        self.logs = []

    def upload(self, count):
        response = self.client.post(
            f"/partners/{self.organization.slug}/upload/",
            {"file": SimpleUploadedFile("big.csv", (HEADER + rows(count)).encode())},
        )
        job = ImportJob.objects.get()
        self.assertRedirects(
            response, f"/partners/uploads/{job.pk}/", fetch_redirect_response=False
        )
        return job

    def start_worker(self):
        database = connection.settings_dict
        url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115  (read when a test fails, then closed)
        self.addCleanup(log.close)
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
             "--interval=0.2"],
            cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
            env=os.environ | {
                "DATABASE_URL": url, "TASKS_BACKEND": "database",
                "WORKER_LOST_SECONDS": str(self.lost_seconds), "PGAPPNAME": self.application_name,
            },
        )  # fmt: skip
        self.addCleanup(self.stop, process)
        return process

    def stop(self, process):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def worker_output(self):
        output = []
        for number, log in enumerate(self.logs, start=1):
            log.seek(0)
            output.append(f"--- worker {number}\n{log.read()}")
        return "\n".join(output)

    def wait_for(self, condition, what, timeout=90):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"Waited {timeout} s for {what}.\n{self.worker_output()}")
            time.sleep(0.05)

    def importing(self, job):
        """Whether a worker is writing the groups: every row checked, and it holds the job's
        row in the import's transaction."""
        job.refresh_from_db()
        if job.rows_done < job.rows_total:
            return False
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update(nowait=True).get(pk=job.pk)
        except OperationalError:
            return True
        return False

    def status(self, job):
        job.refresh_from_db()
        return job.status

    def kill_mid_import(self, process, job):
        self.wait_for(lambda: self.importing(job), "the worker to start writing the groups")
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_at = time.monotonic()
        # Nothing half-imported: the transaction died with the worker.
        self.assertFalse(Group.objects.exists())
        self.assertFalse(Submission.objects.exists())
        self.assertEqual(self.status(job), ImportJob.Status.RUNNING)
        return killed_at

    def test_a_worker_killed_mid_import_leaves_nothing_and_the_import_runs_again(self):
        job = self.upload(150)
        killed_at = self.kill_mid_import(self.start_worker(), job)

        self.start_worker()  # as its supervisor would
        self.wait_for(lambda: self.status(job) != ImportJob.Status.RUNNING, "the import to end")
        seconds = time.monotonic() - killed_at

        print(f"\nKilled mid-import; imported by the next worker {seconds:.1f} s later.")
        self.assertLess(seconds, 60, self.worker_output())
        self.assertEqual(job.status, ImportJob.Status.DONE, self.worker_output())
        self.assertEqual(job.created, 150)
        self.assertEqual(Group.objects.count(), 150)
        self.assertEqual(Submission.objects.count(), 150)
        result = DBTaskResult.objects.get(task_path="partners.uploads.import_upload")
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(len(result.worker_ids), 2)
        page = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(page, "150 new groups and 0 updates are waiting")

    def test_an_import_killed_twice_ends_failed_and_says_why(self):
        job = self.upload(150)
        killed_at = self.kill_mid_import(self.start_worker(), job)
        self.kill_mid_import(self.start_worker(), job)

        self.start_worker()
        self.wait_for(lambda: self.status(job) != ImportJob.Status.RUNNING, "the import to end")
        seconds = time.monotonic() - killed_at

        print(f"\nKilled mid-import twice; marked failed {seconds:.1f} s after the first kill.")
        self.assertEqual(job.status, ImportJob.Status.FAILED, self.worker_output())
        self.assertEqual(job.problems[0]["message"], uploads.INTERRUPTED)
        self.assertFalse(Group.objects.exists())
        page = self.client.get(f"/partners/uploads/{job.pk}/")
        self.assertContains(page, "The import was interrupted twice")
        self.assertNotContains(page, "Fix it in your spreadsheet")
        self.assertNotContains(page, "http-equiv")

    def test_an_import_that_loses_the_database_runs_again_when_it_is_back(self):
        job = self.upload(150)
        self.start_worker()
        self.wait_for(lambda: self.importing(job), "the worker to start writing the groups")

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [self.application_name],
            )
        cut_at = time.monotonic()
        self.wait_for(lambda: self.status(job) != ImportJob.Status.RUNNING, "the import to end")

        print(f"\nLost the database mid-import; imported {time.monotonic() - cut_at:.1f} s later.")
        self.assertEqual(job.status, ImportJob.Status.DONE, self.worker_output())
        self.assertEqual(Group.objects.count(), 150)
        self.assertIn("The worker lost the database", self.worker_output())
