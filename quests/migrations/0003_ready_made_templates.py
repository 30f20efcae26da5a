"""Ready-made quest templates, so a fresh install offers some (staff edit them in admin;
the archetypes' starter plans name them by slug). A habit-fed objective names its habit:
a user's habit of that name feeds it, otherwise it becomes a step to tick. The XP is
quests.services.suggest_xp(effort, priority) at the time of writing."""

from django.db import migrations

# slug, title, description, category, priority, effort minutes, XP, objectives
# (text, kind, habit name, target, weight)
TEMPLATES = [
    ("spring-clean", "Spring clean", "One room at a time, top to bottom.", "Home", 2, 180, 46, [
        ("Declutter one room", "manual", "", None, 1),
        ("Wash the windows", "manual", "", None, 1),
        ("Clear out the fridge", "manual", "", None, 1),
        ("Take the donations out", "manual", "", None, 1),
    ]),
    ("first-5k", "Run your first 5k", "Twelve runs, a little longer each time, then 5k without stopping.",
     "Health", 3, 600, 88, [
         ("Pick a route", "manual", "", None, 1),
         ("Run 12 times", "habit_count", "Run", 12, 3),
         ("Run 5k without stopping", "manual", "", None, 2),
     ]),
    ("finish-a-book", "Finish a book", "Ten reading days and the last page.", "Learning", 2, 600, 74, [
        ("Choose the book", "manual", "", None, 1),
        ("Read on 10 days", "habit_count", "Read", 10, 3),
        ("Write three lines about it", "manual", "", None, 1),
    ]),
    ("plan-a-trip", "Plan a trip", "From the dates to a packed bag.", "Errands", 2, 240, 51, [
        ("Pick the dates", "manual", "", None, 1),
        ("Book the travel", "manual", "", None, 1),
        ("Book a place to stay", "manual", "", None, 1),
        ("Pack", "manual", "", None, 1),
    ]),
    ("tax-return", "File the tax return", "Papers first; the form is quicker than it looks.", "Work", 3, 180, 55, [
        ("Gather the documents", "manual", "", None, 1),
        ("Fill in the form", "manual", "", None, 2),
        ("Submit it", "manual", "", None, 1),
    ]),
    ("calm-week", "A calm week", "Seven days of meditation in a row.", "Health", 1, 70, 27, [
        ("Find a quiet spot", "manual", "", None, 1),
        ("Meditate 7 days in a row", "habit_streak", "Meditate", 7, 3),
    ]),
    ("learn-a-song", "Learn a song", "Practise it until you can play it for someone.", "Learning", 2, 300, 56, [
        ("Pick the song", "manual", "", None, 1),
        ("Practise 8 times", "habit_count", "Practise", 8, 3),
        ("Play it for someone", "manual", "", None, 1),
    ]),
]


def add(apps, schema_editor):
    QuestTemplate = apps.get_model("quests", "QuestTemplate")
    TemplateObjective = apps.get_model("quests", "TemplateObjective")
    for slug, title, description, category, priority, effort, xp, objectives in TEMPLATES:
        if QuestTemplate.objects.filter(user__isnull=True, slug=slug).exists():
            continue  # staff made one of this name first: theirs stays
        template = QuestTemplate.objects.create(
            slug=slug, title=title, description=description, category_name=category, priority=priority,
            effort_minutes=effort, xp_reward=xp,
        )
        TemplateObjective.objects.bulk_create(
            TemplateObjective(template=template, position=position, text=text, kind=kind, habit_name=habit,
                              target=target, weight=weight)
            for position, (text, kind, habit, target, weight) in enumerate(objectives)
        )


def remove(apps, schema_editor):
    QuestTemplate = apps.get_model("quests", "QuestTemplate")
    QuestTemplate.objects.filter(user__isnull=True, slug__in=[row[0] for row in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("quests", "0002_search")]

    operations = [migrations.RunPython(add, remove)]
