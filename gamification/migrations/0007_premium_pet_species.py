"""Two more pet species, the rabbit and the phoenix (Premium's when billing is on)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("gamification", "0006_verification_reasons")]

    operations = [
        migrations.AlterField(
            model_name="pet",
            name="species",
            field=models.CharField(
                choices=[("fox", "Fox"), ("owl", "Owl"), ("dragon", "Dragon"), ("turtle", "Turtle"),
                         ("rabbit", "Rabbit"), ("phoenix", "Phoenix")],
                default="fox", max_length=10,
            ),
        ),
    ]
