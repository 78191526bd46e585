from django.db import migrations

FOCUSES = [
    ("women", "Women"),
    ("men", "Men"),
    ("lgbtqi", "LGBTQI+ people"),
    ("perinatal", "Pregnancy and new parents (perinatal)"),
    ("perimenopause", "Perimenopause and menopause"),
    ("young_adults", "Young adults"),
    ("older_adults", "Older adults"),
    ("parents", "Parents"),
    ("co_occurring_anxiety", "Depression with anxiety"),
    ("chronic_illness", "Living with a chronic illness"),
    ("family_and_friends", "Family and friends of someone with depression"),
]


def seed(apps, schema_editor):
    Focus = apps.get_model("directory", "Focus")
    for slug, name in FOCUSES:
        Focus.objects.get_or_create(slug=slug, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("directory", "Focus").objects.filter(
        slug__in=[slug for slug, _ in FOCUSES], groups=None
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
