from django.core.management.base import BaseCommand

from partners.tasks import send_freshness_reminders


class Command(BaseCommand):
    help = (
        "Email each organization about its published groups not confirmed for "
        "FRESHNESS_REMIND_MONTHS months (at most once a month per group), now. The worker "
        "(manage.py db_worker) does it daily at 9:00."
    )

    def handle(self, *args, **options):
        counts = send_freshness_reminders.call()
        self.stdout.write(
            f"Reminded {counts['organizations']} organizations about {counts['groups']} groups."
        )
