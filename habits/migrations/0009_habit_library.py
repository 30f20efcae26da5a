"""The habit template library's first templates, so a fresh install offers some ("start
from a template" on the new-habit page; the archetypes' starter plans name them by slug).
Staff edit them in admin: a template whose slug already exists is left as it is.
Names that quest templates' habit-fed objectives use (Run, Read, Meditate, Practise) are
kept, so a habit made from these feeds those quests."""

from decimal import Decimal

from django.db import migrations

WEEKDAYS = [0, 1, 2, 3, 4]

# Each: slug, name, why, and the fields that differ from the defaults (daily, yes or no,
# medium, no timer). Grouped by pillar, in the order shown.
LIBRARY = {
    "Health": [
        ("drink-water", "Drink water", "Most afternoon tiredness is thirst; a glass at each meal and between.",
         {"kind": "at_least", "target_value": "8", "unit": "glasses", "difficulty": "easy"}),
        ("walk-10k-steps", "Walk", "Ten thousand steps a day keeps the heart and the head in good shape.",
         {"kind": "at_least", "target_value": "10000", "unit": "steps"}),
        ("run", "Run", "Three runs a week build stamina without wearing you out.",
         {"schedule": "per_week", "times_per_week": 3, "difficulty": "hard", "timer_minutes": 30}),
        ("stretch", "Stretch", "Ten minutes of stretching undoes a day of sitting.",
         {"difficulty": "easy", "timer_minutes": 10}),
        ("strength-training", "Strength training", "Two sessions a week keep muscles and bones strong.",
         {"schedule": "per_week", "times_per_week": 2, "difficulty": "hard", "timer_minutes": 45}),
        ("yoga", "Yoga", "Every other day: strength, balance and a calmer mind in one.",
         {"schedule": "every_n_days", "every_n_days": 2, "timer_minutes": 20}),
        ("sleep-by-11", "In bed by 11", "A regular bedtime is the cheapest way to better days.", {}),
        ("eat-vegetables", "Fruit and vegetables", "Five portions a day, the simplest rule of eating well.",
         {"kind": "at_least", "target_value": "5", "unit": "portions"}),
        ("max-2-coffees", "Limit coffee", "Two cups keep the lift and spare your sleep.",
         {"kind": "at_most", "target_value": "2", "unit": "cups"}),
        ("limit-sweets", "Limit sweets", "One treat a day, enjoyed, rather than grazing all day.",
         {"kind": "at_most", "target_value": "1", "unit": "treats"}),
    ],
    "Mind": [
        ("meditate", "Meditate", "Ten quiet minutes a day make a steadier mind.",
         {"difficulty": "easy", "timer_minutes": 10}),
        ("journal", "Journal", "Writing the day down sorts out what matters in it.",
         {"difficulty": "easy", "timer_minutes": 10}),
        ("gratitude", "Three good things", "Noting three good things each evening lifts the mood within weeks.",
         {"difficulty": "easy"}),
        ("read-20-pages", "Read", "Twenty pages a day is a book or two a month.",
         {"kind": "at_least", "target_value": "20", "unit": "pages"}),
        ("learn-a-language", "Learn a language", "Fifteen minutes every day beats two hours once a week.",
         {"kind": "at_least", "target_value": "15", "unit": "minutes", "timer_minutes": 15}),
        ("no-screens-after-10", "No screens after 10 pm", "An hour without screens before bed helps you sleep.",
         {}),
        ("limit-social-media", "Limit social media", "Half an hour a day leaves time for what you meant to do.",
         {"kind": "at_most", "target_value": "30", "unit": "minutes", "difficulty": "hard"}),
        ("time-outdoors", "Time outdoors", "Daylight and fresh air are good for mood and sleep.",
         {"kind": "at_least", "target_value": "30", "unit": "minutes", "difficulty": "easy"}),
    ],
    "Craft": [
        ("practise-an-instrument", "Practise", "A little time with your instrument every day beats one long weekend.",
         {"kind": "at_least", "target_value": "20", "unit": "minutes", "timer_minutes": 20}),
        ("sketch", "Sketch", "A quick sketch a day trains the eye and the hand.",
         {"difficulty": "easy", "timer_minutes": 15}),
        ("write-500-words", "Write", "Five hundred words a day is a novel's first draft in six months.",
         {"kind": "at_least", "target_value": "500", "unit": "words", "difficulty": "hard"}),
        ("photo-a-day", "Take a photo", "One considered photograph a day: you start to notice more.",
         {"difficulty": "easy"}),
        ("side-project", "Side project", "Three focused sessions a week move a project further than you expect.",
         {"schedule": "per_week", "times_per_week": 3, "difficulty": "hard", "timer_minutes": 45}),
        ("make-something", "Make something", "Once a week, finish something small with your hands.",
         {"schedule": "per_week", "times_per_week": 1}),
    ],
    "Social": [
        ("call-a-friend", "Call a friend", "One real conversation a week keeps friendships alive.",
         {"schedule": "per_week", "times_per_week": 1, "difficulty": "easy"}),
        ("see-a-friend", "See a friend", "Time together in person, once a week, is worth planning for.",
         {"schedule": "per_week", "times_per_week": 1}),
        ("message-someone", "Message someone", "Every few days, a note to someone you have not heard from.",
         {"schedule": "every_n_days", "every_n_days": 3, "difficulty": "easy"}),
        ("family-meal", "Meal together", "Sit down together without phones a few times a week.",
         {"schedule": "per_week", "times_per_week": 3}),
        ("kind-act", "One kind act", "A small kindness a day is good for both of you.", {"difficulty": "easy"}),
        ("volunteer", "Volunteer", "A few hours on Saturday for a cause you care about.",
         {"schedule": "weekdays", "weekdays": [5], "difficulty": "hard"}),
    ],
    "Home": [
        ("tidy-10-minutes", "Tidy for 10 minutes", "Ten minutes a day and the weekend stays free.",
         {"difficulty": "easy", "timer_minutes": 10}),
        ("cook-at-home", "Cook at home", "Cooking four times a week is cheaper and healthier than takeaway.",
         {"schedule": "per_week", "times_per_week": 4}),
        ("make-the-bed", "Make the bed", "The first thing done: the day starts with a win.", {"difficulty": "easy"}),
        ("water-plants", "Water the plants", "Every three days keeps most house plants happy.",
         {"schedule": "every_n_days", "every_n_days": 3, "difficulty": "easy"}),
        ("laundry", "Laundry", "Twice a week and the pile never grows.",
         {"schedule": "per_week", "times_per_week": 2, "difficulty": "easy"}),
        ("empty-sink", "Empty sink before bed", "Waking to a clean kitchen makes the morning easier.",
         {"difficulty": "easy"}),
        ("check-spending", "Check your spending", "A Sunday look at the week's spending, before it adds up.",
         {"schedule": "weekdays", "weekdays": [6], "difficulty": "easy", "timer_minutes": 15}),
    ],
    "Work": [
        ("deep-work-block", "Deep work block", "Ninety minutes without interruptions does a day's real work.",
         {"schedule": "weekdays", "weekdays": WEEKDAYS, "difficulty": "hard", "timer_minutes": 90}),
        ("plan-tomorrow", "Plan tomorrow", "Five minutes at the end of the day to choose tomorrow's three tasks.",
         {"schedule": "weekdays", "weekdays": WEEKDAYS, "difficulty": "easy", "timer_minutes": 5}),
        ("inbox-zero", "Inbox zero", "Every message answered, filed or deleted before you stop.",
         {"schedule": "weekdays", "weekdays": WEEKDAYS}),
        ("weekly-review", "Weekly review", "On Friday, look back at the week and plan the next.",
         {"schedule": "weekdays", "weekdays": [4], "timer_minutes": 30}),
        ("max-3-meetings", "Limit meetings", "Three meetings at most leaves room for the work itself.",
         {"schedule": "weekdays", "weekdays": WEEKDAYS, "kind": "at_most", "target_value": "3",
          "unit": "meetings", "difficulty": "hard"}),
        ("move-breaks", "Get up and move", "A short walk or stretch every hour keeps you sharp all day.",
         {"schedule": "weekdays", "weekdays": WEEKDAYS, "kind": "at_least", "target_value": "6",
          "unit": "breaks", "difficulty": "easy"}),
        ("learn-for-work", "Learn a work skill", "Two sessions a week on a skill your work will need next.",
         {"schedule": "per_week", "times_per_week": 2, "timer_minutes": 30}),
    ],
}


def rows():
    for pillar_name, templates in LIBRARY.items():
        for position, (slug, name, why, fields) in enumerate(templates):
            fields = dict(fields)
            if "target_value" in fields:
                fields["target_value"] = Decimal(fields["target_value"])
            yield {"slug": slug, "name": name, "pillar_name": pillar_name, "why": why, "position": position,
                   **fields}


def add(apps, schema_editor):
    HabitTemplate = apps.get_model("habits", "HabitTemplate")
    existing = set(HabitTemplate.objects.values_list("slug", flat=True))
    # A slug staff already use keeps staff's template as it is.
    HabitTemplate.objects.bulk_create(HabitTemplate(**row) for row in rows() if row["slug"] not in existing)


def remove(apps, schema_editor):
    HabitTemplate = apps.get_model("habits", "HabitTemplate")
    HabitTemplate.objects.filter(slug__in=[row["slug"] for row in rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("habits", "0008_habittemplate_habit_template")]

    operations = [migrations.RunPython(add, remove)]
