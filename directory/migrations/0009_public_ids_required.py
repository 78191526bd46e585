from uuid import uuid4

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_fill_public_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name=model,
            name="uuid",
            field=models.UUIDField(
                default=uuid4,
                editable=False,
                help_text="Its permanent id in the open data (/api/); it never changes.",
                unique=True,
            ),
        )
        for model in ("organization", "group", "focus")
    ]
