# The permanent ids of the open data (api/): a UUID for every organization, group and
# focus. Added empty here, filled in 0007 (a different value for each existing row),
# made required and unique in 0008; three steps, as Django's docs advise for a unique
# field on a table that already has rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_worker_dailyrun"),
    ]

    operations = [
        migrations.AddField(
            model_name=model,
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        )
        for model in ("organization", "group", "focus")
    ]
