from django.core.management.base import BaseCommand, CommandError

from directory.importer import COLUMNS, REQUIRED, import_groups


class Command(BaseCommand):
    help = (
        "Import support groups from a CSV file with a header row. All or nothing: a file "
        "with any problem imports nothing and lists every problem as 'row N, column: "
        "message'. Groups already listed (same organization and name) are updated. "
        f"Columns: {', '.join(c + ('*' if c in REQUIRED else '') for c in COLUMNS)} "
        "(* required)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file (UTF-8).")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as f:
                text = f.read()
        except FileNotFoundError:
            raise CommandError(f"There is no file {file}.") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{file} is not UTF-8 text. Save it as “CSV UTF-8” and try again."
            ) from None
        result = import_groups(text)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            count = len(result.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in {file}; nothing was imported."
            )
        self.stdout.write(
            f"Imported {result.created + result.updated} groups from {file}: "
            f"{result.created} new, {result.updated} updated."
        )
