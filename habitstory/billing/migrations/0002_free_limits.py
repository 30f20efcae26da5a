"""The Free plan's suggested limits (staff change them in admin)."""

from django.db import migrations

FREE_LIMITS = {"pillars": 3, "habits": 10, "goals": 3, "quests": 10, "uploads": 10}


def seed(apps, schema_editor):
    PlanLimit = apps.get_model("billing", "PlanLimit")
    for kind, limit in FREE_LIMITS.items():
        PlanLimit.objects.get_or_create(kind=kind, defaults={"free_limit": limit})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
