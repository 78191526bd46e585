# The nearby search index holds the name and id: a page of the nearest groups is picked
# from it alone (directory/filters.py NearbyThenOnline).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0009_public_ids_required'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='group',
            name='group_search_nearby_idx',
        ),
        migrations.AddIndex(
            model_name='group',
            index=models.Index(condition=models.Q(('status', 'published'), models.Q(('attendance', 'online'), _negated=True)), fields=['latitude', 'longitude', 'attendance', 'ends_on', 'format', 'membership', 'leader_type', 'cost', 'languages', 'meeting_slots', 'focus_codes', 'flag_count', 'last_verified_on', 'name', 'id'], name='group_search_nearby_idx'),
        ),
    ]
