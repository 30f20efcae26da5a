"""The starting set of achievements; staff edit them in admin afterwards."""

from django.db import migrations

ACHIEVEMENTS = [
    # code, name, description, icon, kind, threshold, xp
    ("first-tick", "First step", "Tick a habit for the first time.", "star", "first_tick", 1, 10),
    ("streak-7", "One week strong", "Keep a streak of 7 on one habit.", "flame", "habit_streak", 7, 25),
    ("streak-21", "Three weeks in", "Keep a streak of 21 on one habit.", "flame", "habit_streak", 21, 50),
    ("streak-66", "It's a habit now", "Keep a streak of 66 on one habit.", "flame", "habit_streak", 66, 150),
    ("streak-100", "Centurion", "Keep a streak of 100 on one habit.", "flame", "habit_streak", 100, 250),
    ("ticks-10", "Getting going", "Tick habits 10 times in all.", "today", "total_ticks", 10, 10),
    ("ticks-100", "A hundred ticks", "Tick habits 100 times in all.", "today", "total_ticks", 100, 50),
    ("ticks-1000", "A thousand ticks", "Tick habits 1,000 times in all.", "today", "total_ticks", 1000, 250),
    ("level-5", "Level 5", "Reach level 5.", "star", "level", 5, 0),
    ("level-10", "Level 10", "Reach level 10.", "star", "level", 10, 0),
    ("level-25", "Level 25", "Reach level 25.", "star", "level", 25, 0),
    ("perfect-day", "Perfect day", "Finish every habit due today.", "sun", "perfect_day", 1, 20),
    ("perfect-week", "Perfect week", "Finish every habit due in a whole week.", "sun", "perfect_week", 1, 75),
    ("goal-1", "Goal getter", "Complete a goal.", "goals", "goals_completed", 1, 25),
    ("goal-5", "Five goals", "Complete 5 goals.", "goals", "goals_completed", 5, 100),
    ("balanced", "In balance", "Every pillar at 60% consistency or more.", "leaf", "pillar_balance", 60, 50),
    ("early-bird", "Early bird", "Tick a habit before 7 a.m.", "sun", "early_bird", 7, 10),
    ("streak-3", "Three in a row", "Keep a streak of 3 on one habit.", "flame", "habit_streak", 3, 10),
    ("ticks-500", "Five hundred", "Tick habits 500 times in all.", "today", "total_ticks", 500, 100),
    ("level-50", "Level 50", "Reach level 50.", "star", "level", 50, 0),
]


def seed(apps, schema_editor):
    Achievement = apps.get_model("gamification", "Achievement")
    for position, (code, name, description, icon, kind, threshold, xp) in enumerate(ACHIEVEMENTS):
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
    dependencies = [("gamification", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
