from uuid import uuid4

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor):
    """Give every existing organization, group and focus its own permanent id."""
    for name in ("Organization", "Group", "Focus"):
        model = apps.get_model("directory", name)
        rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
        for row in rows:
            row.uuid = uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_public_ids"),
    ]

    # Ids once given are kept: going back only forgets them with the column (0006).
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
