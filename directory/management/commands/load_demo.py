from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from directory.models import Organization

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "groups.csv"
# The demo's organizations a curator has not checked yet, so that the directory
# shows what visitors read then (the two online programs also raise flags).
UNCHECKED = {
    "Rose & Rain Peer Collective",
    "Sunburst Mood Mastery Academy",
    "Velvet Summit Wellness Circle",
}


class Command(BaseCommand):
    help = (
        "Load the demo directory: import directory/demo/groups.csv (about 180 fictional "
        "groups), then mark its organizations verified as a curator would, all but "
        f"{', '.join(sorted(UNCHECKED))}. Safe to run again."
    )

    def handle(self, *args, **options):
        call_command("import_groups", str(DEMO_FILE), stdout=self.stdout, stderr=self.stderr)
        checked = (
            Organization.objects.filter(groups__isnull=False, verified=False)
            .exclude(name__in=UNCHECKED)
            .distinct()
        )
        for organization in checked:
            organization.verified = True
            organization.save()  # refreshes its groups' checklists
        self.stdout.write(f"Marked {len(checked)} demo organizations verified.")
