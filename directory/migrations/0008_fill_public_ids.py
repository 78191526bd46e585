from uuid import UUID, uuid4, uuid5

from django.db import migrations

BATCH = 1000
# api/taxonomy.py's NAMESPACE. The focus vocabulary seeded by 0002 gets ids made from its
# slugs, so that every copy of the directory gives "women" the same id.
NAMESPACE = UUID("4846c4e0-3b78-416f-988f-e2b06bae6dac")


def fill(apps, schema_editor):
    """Give every existing organization, group and focus its own permanent id."""
    for name in ("Organization", "Group", "Focus"):
        model = apps.get_model("directory", name)
        rows = list(model.objects.filter(uuid__isnull=True))
        for row in rows:
            row.uuid = uuid5(NAMESPACE, f"focus/{row.slug}") if name == "Focus" else uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_public_ids"),
    ]

    # Ids once given are kept: going back only forgets them with the column (0006).
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
