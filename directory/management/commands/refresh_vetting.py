from django.core.management.base import BaseCommand

from directory.tasks import refresh_vetting


class Command(BaseCommand):
    help = (
        "Recompute every group's vetting checklist and search summary, now. The worker "
        "(manage.py db_worker) does it daily, since the freshness check changes with the date "
        "alone; run it after changing a checklist rule or setting (VETTING_*)."
    )

    def handle(self, *args, **options):
        counts = refresh_vetting.call()
        self.stdout.write(
            f"Checked {counts['checked']} groups; {counts['flagged']} have something flagged."
        )
