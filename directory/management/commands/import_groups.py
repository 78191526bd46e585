from django.core.management.base import BaseCommand, CommandError

from directory import importer
from directory.importer import COLUMNS, REQUIRED


class Command(BaseCommand):
    help = (
        "Import support groups from a CSV file (UTF-8) with a header row. All or nothing: a "
        "file with any problem imports nothing and lists every problem as 'row N, column: "
        "message'. Groups already listed (same organization and name) are updated. "
        f"At most {importer.MAX_FILE_MB} MB, {importer.MAX_ROWS:,} groups, "
        f"{importer.MAX_COLUMNS} columns and {importer.MAX_CELL_CHARACTERS:,} characters a "
        f"cell. Columns: {', '.join(c + ('*' if c in REQUIRED else '') for c in COLUMNS)} "
        "(* required)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file (UTF-8).")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as f:
                # One byte more than the limit is enough to know the file is over it.
                data = f.read(importer.MAX_FILE_MB * 1024 * 1024 + 1)
        except FileNotFoundError:
            raise CommandError(f"There is no file {file}.") from None
        except IsADirectoryError:
            raise CommandError(f"{file} is a folder, not a file.") from None
        text, _, problems = importer.read_file(data)
        if problems:
            self.report(file, problems)
        result = importer.import_groups(text)
        if not result.ok:
            self.report(file, result.problems)
        self.stdout.write(
            f"Imported {result.created + result.updated} groups from {file}: "
            f"{result.created} new, {result.updated} updated."
        )

    def report(self, file, problems):
        for problem in problems:
            self.stderr.write(str(problem))
        if problems.not_listed:
            self.stderr.write(f"… and {problems.not_listed:,} more problems, not listed.")
        count = problems.count
        raise CommandError(
            f"{count:,} problem{'s' if count != 1 else ''} in {file}; nothing was imported."
        )
