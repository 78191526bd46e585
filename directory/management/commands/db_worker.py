import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from directory.worker import BeatingWorker


class Command(db_worker.Command):
    help = (
        "Run the background tasks queued in the database (TASKS_BACKEND=database): CSV imports, "
        "emails and the daily jobs, which it starts at their hour. Run one or more beside the "
        "web servers, under a supervisor that restarts them; a task whose worker stops is run "
        "again by another (directory/worker.py)."
    )

    def handle(self, *, verbosity, reload, batch, queue_name, exclude_queues, **options):
        self.configure_logging(verbosity)
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_name.split(","):
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = BeatingWorker(
            queue_names=queue_name.split(","),
            excluded_queue_names=excluded,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child that runs the tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
