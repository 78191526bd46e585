from django.core.management.base import BaseCommand

from directory.models import Group


class Command(BaseCommand):
    help = (
        "Recompute every group's vetting checklist and search summary. Run daily (by cron): "
        "the freshness check changes with the date alone."
    )

    def handle(self, *args, **options):
        count = 0
        for group in Group.objects.select_related("organization").iterator(chunk_size=500):
            group.refresh_summary()
            count += 1
        flagged = Group.objects.filter(flag_count__gt=0).count()
        self.stdout.write(f"Checked {count} groups; {flagged} have something flagged.")
