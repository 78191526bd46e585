from collections import defaultdict

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from directory.models import Group
from directory.schedule import months_before
from partners import mail


class Command(BaseCommand):
    help = (
        "Email each organization about its published groups not confirmed for "
        "FRESHNESS_REMIND_MONTHS months (at most once a month per group). Run daily by cron."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        due = (
            Group.objects.filter(
                status=Group.Status.PUBLISHED,
                last_verified_on__lt=months_before(today, settings.FRESHNESS_REMIND_MONTHS),
            )
            .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=months_before(today, 1)))
            .select_related("organization")
            .order_by("organization", "last_verified_on")
        )
        by_organization = defaultdict(list)
        for group in due:
            by_organization[group.organization].append(group)
        for organization, groups in by_organization.items():
            mail.send_freshness_reminder(organization, groups)
            Group.objects.filter(pk__in=[g.pk for g in groups]).update(reminded_on=today)
        count = sum(len(groups) for groups in by_organization.values())
        self.stdout.write(f"Reminded {len(by_organization)} organizations about {count} groups.")
