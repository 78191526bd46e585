from django.core.management.base import BaseCommand, CommandError

from api.hsds_import import SourceError, import_services, read


class Command(BaseCommand):
    help = (
        "Import support groups from HSDS 3.0 JSON: a service package (a list of services), "
        "a page of /api/hsds/services?full=true, or one service; from a file or an http(s) "
        "URL. The CSV import's checks and its rule: all or nothing, every problem listed as "
        "'services[N] “name”, field: message'. Groups already listed (same organization and "
        "name) are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="Path or http(s) URL of the JSON.")

    def handle(self, *args, source, **options):
        try:
            result = import_services(read(source))
        except SourceError as error:
            raise CommandError(str(error)) from None
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            count = len(result.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in {source}; nothing was imported."
            )
        self.stdout.write(
            f"Imported {result.created + result.updated} groups from {source}: "
            f"{result.created} new, {result.updated} updated."
        )
