import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory import snapshots
from directory.importer import import_groups
from directory.models import Group, GroupVersion, Organization

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "groups.csv"
# The demo's organizations a curator has not checked yet, so that the directory
# shows what visitors read then (the two online programs also raise flags).
UNCHECKED = {
    "Rose & Rain Peer Collective",
    "Sunburst Mood Mastery Academy",
    "Velvet Summit Wellness Circle",
}
# The note on the versions the demo writes: how a later load knows its own.
DEMO_NOTE = "Loaded from the demo (manage.py load_demo)"


class Command(BaseCommand):
    help = (
        "Load the demo directory: import directory/demo/groups.csv (about 180 fictional "
        "groups), then mark the organizations it added verified as a curator would, all but "
        f"{', '.join(sorted(UNCHECKED))}. Safe to run again: a demo group that anyone has "
        "changed since the demo loaded it (its listing or its status) is left as it is."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        with DEMO_FILE.open(encoding="utf-8", newline="") as demo:
            reader = csv.DictReader(demo)
            columns, rows = reader.fieldnames, list(reader)
        changed = _changed_since_loaded()
        load = [row for row in rows if _key(row["organization"], row["name"]) not in changed]
        kept = sorted(row["name"] for row in rows if row not in load)
        known_organizations = set(Organization.objects.values_list("pk", flat=True))
        last_version = GroupVersion.objects.order_by("-pk").values_list("pk", flat=True).first()

        if load:
            text = io.StringIO()
            writer = csv.DictWriter(text, columns)
            writer.writeheader()
            writer.writerows(load)
            result = import_groups(text.getvalue())
            if not result.ok:
                for problem in result.problems:
                    self.stderr.write(str(problem))
                raise CommandError("The demo file has problems; nothing was loaded.")
            self.stdout.write(
                f"Loaded {len(load)} demo groups: {result.created} new, {result.updated} updated."
            )
        GroupVersion.objects.filter(pk__gt=last_version or 0, changed_by=None).update(
            note=DEMO_NOTE
        )
        if kept:
            self.stdout.write(
                f"Left {len(kept)} demo groups as they are, changed since the demo loaded "
                f"them: {', '.join(kept)}."
            )

        added = (
            Organization.objects.filter(groups__isnull=False, verified=False)
            .exclude(pk__in=known_organizations)
            .exclude(name__in=UNCHECKED)
            .distinct()
        )
        for organization in added:
            organization.verified = True
            organization.save()
            organization.refresh_groups()
        self.stdout.write(f"Marked {len(added)} demo organizations verified.")


def _key(organization, name):
    return organization.strip().casefold(), name.strip().casefold()


def _changed_since_loaded():
    """The (organization, name) of every group that is not as the demo last left it: its
    listing or status differs from the demo's newest version of it, or it has none (the demo
    did not load it)."""
    changed = set()
    for group in Group.objects.select_related("organization").prefetch_related(
        "meeting_times", "focus"
    ):
        loaded = group.versions.filter(note=DEMO_NOTE).order_by("-pk").first()
        if loaded is None or loaded.status != group.status or loaded.data != snapshots.take(group):
            changed.add(_key(group.organization.name, group.name))
    return changed
