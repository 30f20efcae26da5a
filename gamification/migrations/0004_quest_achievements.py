"""Quests in the ledger and the achievements: the reason a reopened quest's XP is taken
back with, the two quest rules, and the four quest achievements (staff edit them in admin
afterwards)."""

from django.db import migrations, models

ACHIEVEMENTS = [
    # code, name, description, icon, kind, threshold, xp, position
    ("quest-1", "Quest taker", "Complete a quest.", "quests", "quests_completed", 1, 10, 20),
    ("quests-10", "Ten quests", "Complete 10 quests.", "quests", "quests_completed", 10, 50, 21),
    ("quests-50", "Quest master", "Complete 50 quests.", "quests", "quests_completed", 50, 200, 22),
    ("quests-day-3", "Busy day", "Complete 3 quests in one day.", "quests", "quests_in_a_day", 3, 25, 23),
]


def seed(apps, schema_editor):
    Achievement = apps.get_model("gamification", "Achievement")
    for code, name, description, icon, kind, threshold, xp, position in ACHIEVEMENTS:
        Achievement.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "description": description, "icon": icon, "kind": kind,
                "threshold": threshold, "xp_reward": xp, "position": position,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("gamification", "Achievement").objects.filter(code__in=[a[0] for a in ACHIEVEMENTS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("gamification", "0003_pet_mood_new"),
    ]

    operations = [
        migrations.AlterField(
            model_name="achievement",
            name="kind",
            field=models.CharField(choices=[("first_tick", "First tick"), ("habit_streak", "Streak on one habit (days)"), ("total_ticks", "Ticks in total"), ("level", "Level reached"), ("perfect_day", "Perfect day"), ("perfect_week", "Perfect week"), ("goals_completed", "Goals completed"), ("pillar_balance", "Every pillar at this consistency"), ("early_bird", "A tick before this hour (local)"), ("quests_completed", "Quests completed"), ("quests_in_a_day", "Quests completed in one day")], max_length=20),
        ),
        migrations.AlterField(
            model_name="xpevent",
            name="reason",
            field=models.CharField(choices=[("habit_done", "Habit done"), ("habit_undone", "Habit undone"), ("goal_completed", "Goal completed"), ("goal_reopened", "Goal reopened"), ("achievement", "Achievement unlocked"), ("quest_completed", "Quest completed"), ("quest_reopened", "Quest reopened"), ("verification", "Verification approved")], max_length=20),
        ),
        migrations.RunPython(seed, unseed),
    ]
