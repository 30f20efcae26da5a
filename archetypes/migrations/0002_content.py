"""The archetypes' first content, so a fresh install is playable: five traits, fourteen
questions, four houses (ember, tide, grove, summit), eight archetypes with their starter
plans, and ordered rules. Staff edit it all in admin.

Each archetype's profile is the scores of its canonical answer set (a choice's position per
question, in ARCHETYPES) through the scoring rule of archetypes.scoring, computed here from
this file's own data, so those answers reproduce the profile exactly (tests/archetypes/
test_content.py assigns each with confidence >= 0.9). Something staff already made is left
alone: a trait, house or archetype whose slug exists, a question whose text exists, a rule
whose name exists. Reversing removes what this added, except archetypes and houses that
users hold."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations

TRAITS = [
    ("D", "discipline", "Discipline", "Keeping promises to yourself: routines, plans, follow-through."),
    ("C", "curiosity", "Curiosity", "Asking why, reading, learning, exploring ideas."),
    ("V", "vitality", "Vitality", "Moving your body: sport, the outdoors, energy."),
    ("S", "sociability", "Sociability", "Drawing strength from people: friends, family, groups."),
    ("K", "creativity", "Creativity", "Making things: art, music, writing, new ideas."),
]

# question text, [(choice text, {trait letter: weight})]
QUESTIONS = [
    ("A free Saturday morning opens up. You…", [
        ("Work through the plan you made on Friday", {"D": 3}),
        ("Head outside for a long walk or a run", {"V": 3}),
        ("Call friends and see who is around", {"S": 3}),
        ("Start something new in a sketchbook", {"K": 3, "C": 1}),
    ]),
    ("A new subject catches your eye. You…", [
        ("Read everything about it tonight", {"C": 3}),
        ("Sign up for a class with other people", {"C": 1, "S": 2}),
        ("Make something with it straight away", {"K": 2, "C": 1}),
        ("Note it for later: today's list comes first", {"D": 2, "C": -1}),
    ]),
    ("Your favourite way to recharge:", [
        ("A workout that leaves you tired", {"V": 3, "D": 1}),
        ("A long dinner with good company", {"S": 3}),
        ("An afternoon alone with a book", {"C": 2, "S": -1}),
        ("A hobby project with no deadline", {"K": 3, "D": -1}),
    ]),
    ("When a plan falls apart, you…", [
        ("Make a new one and stick to it", {"D": 3}),
        ("Improvise: it might turn out better", {"K": 2, "D": -1}),
        ("Ask someone to think it through with you", {"S": 2}),
        ("Go for a walk to clear your head", {"V": 2}),
        ("Dig into why it failed", {"C": 2}),
    ]),
    ("Pick a reward for a finished quest:", [
        ("New running shoes", {"V": 3}),
        ("A rare book or a course", {"C": 3}),
        ("A party with your friends", {"S": 3}),
        ("Art supplies or an instrument", {"K": 3}),
    ]),
    ("Your mornings are…", [
        ("The same routine, every day", {"D": 3}),
        ("Movement first: stretch, walk or train", {"V": 2, "D": 1}),
        ("Coffee and whatever catches my interest", {"C": 2, "D": -1}),
        ("Slow and unplanned", {"D": -2, "K": 1}),
    ]),
    ("In a group project you are the one who…", [
        ("Keeps the timeline", {"D": 2, "S": 1}),
        ("Brings everyone together", {"S": 3}),
        ("Comes up with the wild idea", {"K": 3}),
        ("Finds what the others missed", {"C": 3}),
    ]),
    ("Which would you rather get better at?", [
        ("Keeping promises to yourself", {"D": 3}),
        ("Lifting, running or climbing", {"V": 3}),
        ("Drawing, writing or music", {"K": 3}),
    ]),
    ("A weekend away: where to?", [
        ("A mountain trail", {"V": 3, "C": 1}),
        ("A city full of museums", {"C": 3}),
        ("Wherever my friends are going", {"S": 3}),
        ("A quiet cabin to make something in", {"K": 2, "S": -1}),
    ]),
    ("The notes on your phone are mostly…", [
        ("Checklists and schedules", {"D": 3}),
        ("Questions to look up", {"C": 3}),
        ("Ideas for stories, songs or designs", {"K": 3}),
        ("Plans with friends", {"S": 2}),
    ]),
    ("How do you get through a long task?", [
        ("Break it into steps and do one a day", {"D": 3}),
        ("Work in bursts when inspired", {"K": 2, "D": -2}),
        ("Pair up with someone to keep going", {"S": 2, "D": 1}),
        ("Turn it into a physical challenge", {"V": 2}),
    ]),
    ("What do friends come to you for?", [
        ("Advice and a listening ear", {"S": 3}),
        ("A boost of energy", {"V": 2, "S": 1}),
        ("Facts and explanations", {"C": 3}),
        ("A fresh take", {"K": 3}),
    ]),
    ("After a long day, you…", [
        ("Still do your evening routine", {"D": 3}),
        ("Go to the gym anyway", {"V": 3}),
        ("Meet someone for a chat", {"S": 3}),
        ("Tinker with a side project", {"K": 2, "C": 1}),
    ]),
    ("Pick a motto:", [
        ("Steady wins", {"D": 3}),
        ("Stay curious", {"C": 3}),
        ("Keep moving", {"V": 3}),
        ("Together is better", {"S": 3}),
        ("Make something", {"K": 3}),
    ]),
]

# slug, name, motto, colour (white text on it passes WCAG AA), description
HOUSES = [
    ("ember", "Ember", "Kindle something every day.", "#B3261E",
     "The makers and the restless: a spark turned into something you can hold."),
    ("tide", "Tide", "We rise together.", "#0B5CAD",
     "The friends and the helpers: strength that grows when it is shared."),
    ("grove", "Grove", "Grow by asking.", "#2E6B30",
     "The seekers and the wanderers: roots in questions, branches in the open air."),
    ("summit", "Summit", "One step, every day.", "#5B3E96",
     "The steady and the strong: the long climb, one habit at a time."),
]

# slug, name, house, tagline, description, canonical answers (a choice position per
# question), habit template slugs, quest template slugs
ARCHETYPES = [
    ("sage", "Sage", "grove", "Every question is a door.",
     "You learn for the joy of it and keep what you learn. Quiet hours with a book or a "
     "problem are your best hours, and a steady routine gives them room.",
     [0, 0, 2, 4, 1, 2, 3, 0, 1, 0, 2, 2, 0, 1],
     ["read-20-pages", "journal", "learn-a-language", "meditate"], ["finish-a-book", "calm-week"]),
    ("ranger", "Ranger", "grove", "Happiest a long way from the road.",
     "You explore with your feet as much as your head: trails, new places, the weather on "
     "your face. Movement is how you think.",
     [1, 0, 0, 3, 0, 2, 3, 1, 1, 1, 3, 2, 1, 1],
     ["time-outdoors", "run", "stretch", "walk-10k-steps"], ["first-5k", "plan-a-trip"]),
    ("guardian", "Guardian", "summit", "The one everyone counts on.",
     "You keep things running for the people around you: plans made, promises kept, "
     "everyone fed. Your routines are how you look after others.",
     [0, 1, 1, 2, 2, 0, 0, 0, 3, 3, 0, 0, 0, 3],
     ["plan-tomorrow", "call-a-friend", "family-meal", "make-the-bed"], ["tax-return", "spring-clean"]),
    ("stoic", "Stoic", "summit", "Discipline is freedom.",
     "You train body and mind alike and do not wait to feel like it. Early mornings, hard "
     "sessions, early nights: the plan is the point.",
     [0, 3, 0, 0, 0, 2, 0, 1, 0, 0, 0, 1, 1, 2],
     ["strength-training", "sleep-by-11", "meditate", "make-the-bed"], ["first-5k", "calm-week"]),
    ("bard", "Bard", "tide", "Every evening deserves a song.",
     "You bring people together and make something of the moment: a tune, a story, a "
     "party. Your ideas come alive in company.",
     [2, 3, 3, 1, 2, 3, 1, 2, 2, 2, 1, 3, 2, 4],
     ["practise-an-instrument", "see-a-friend", "message-someone"], ["learn-a-song", "plan-a-trip"]),
    ("healer", "Healer", "tide", "Kindness, every day, on purpose.",
     "You notice how people are and do something about it. A call, a meal, a kind act: "
     "small things that keep your circle whole.",
     [2, 0, 1, 4, 1, 2, 3, 0, 1, 1, 2, 2, 2, 1],
     ["kind-act", "call-a-friend", "gratitude", "volunteer"], ["calm-week"]),
    ("artisan", "Artisan", "ember", "Made by hand, one day at a time.",
     "You make things and you make them well: practice, patience, a workbench or a blank "
     "page every day. Craft is discipline you can see.",
     [0, 1, 3, 0, 3, 0, 0, 0, 3, 2, 0, 3, 0, 4],
     ["sketch", "write-500-words", "side-project", "deep-work-block"], ["learn-a-song"]),
    ("trailblazer", "Trailblazer", "ember", "No map? Good.",
     "You follow the spark wherever it leads, on foot or in a sketchbook. Plans bore you; "
     "new things, new places and new ideas do not.",
     [1, 2, 0, 1, 0, 3, 2, 1, 3, 2, 1, 3, 1, 4],
     ["yoga", "photo-a-day", "make-something", "time-outdoors"], ["plan-a-trip", "first-5k"]),
]

# Tried in this order; the first whose conditions all hold wins. The Healer has no rule:
# the nearest profile finds it. (archetype, name, [(trait letter, operator, value, value_to)])
RULES = [
    ("stoic", "Steady and strong", [("D", "gte", 55, None), ("V", "gte", 50, None)]),
    ("guardian", "Steady and warm", [("D", "gte", 55, None), ("S", "gte", 45, None)]),
    ("sage", "Student of everything", [("C", "gte", 65, None), ("S", "lte", 30, None), ("V", "lte", 30, None)]),
    ("artisan", "A maker with a plan", [("K", "gte", 40, None), ("D", "gte", 40, None)]),
    ("bard", "Heart of the party", [("S", "gte", 40, None), ("K", "gte", 40, None)]),
    ("trailblazer", "Wild and free", [("V", "gte", 45, None), ("K", "gte", 40, None)]),
    ("ranger", "Out on the trail", [("V", "between", 50, 100), ("C", "gte", 50, None)]),
]

SLUG = {letter: slug for letter, slug, _name, _description in TRAITS}


def profile(answers):
    """The scores (trait slug -> 0-100, two decimals) of a choice position per question:
    each trait's sum of chosen weights scaled by the lowest and highest sums it can reach."""
    result = {}
    for letter, slug in SLUG.items():
        low = sum(min(weights.get(letter, 0) for _text, weights in choices) for _q, choices in QUESTIONS)
        high = sum(max(weights.get(letter, 0) for _text, weights in choices) for _q, choices in QUESTIONS)
        raw = sum(QUESTIONS[n][1][position][1].get(letter, 0) for n, position in enumerate(answers))
        score = Decimal(50) if high == low else Decimal(100 * (raw - low)) / Decimal(high - low)
        result[slug] = score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return result


def add(apps, schema_editor):
    models = {name: apps.get_model("archetypes", name) for name in (
        "Trait", "Question", "Choice", "ChoiceWeight", "House", "Archetype", "ProfileScore",
        "StarterHabit", "StarterQuest", "Rule", "Condition")}
    traits = _add_traits(models["Trait"])
    _add_questions(models, traits)
    houses = _add_houses(models["House"])
    _add_archetypes(apps, models, traits, houses)
    slugs = [row[0] for row in ARCHETYPES]
    _add_rules(models, traits, {archetype.slug: archetype for archetype in models["Archetype"].objects.filter(
        slug__in=slugs)})


def _add_traits(Trait):
    for position, (_letter, slug, name, description) in enumerate(TRAITS):
        Trait.objects.get_or_create(slug=slug, defaults={"name": name, "description": description,
                                                          "position": position})
    return {trait.slug: trait for trait in Trait.objects.filter(slug__in=SLUG.values())}


def _add_questions(models, traits):
    Question, Choice, ChoiceWeight = models["Question"], models["Choice"], models["ChoiceWeight"]
    existing = set(Question.objects.values_list("text", flat=True))
    for position, (text, choices) in enumerate(QUESTIONS):
        if text in existing:
            continue
        question = Question.objects.create(text=text, position=position)
        for choice_position, (choice_text, weights) in enumerate(choices):
            choice = Choice.objects.create(question=question, text=choice_text, position=choice_position)
            ChoiceWeight.objects.bulk_create(
                ChoiceWeight(choice=choice, trait=traits[SLUG[letter]], weight=Decimal(weight))
                for letter, weight in weights.items() if SLUG[letter] in traits
            )


def _add_houses(House):
    for position, (slug, name, motto, color, description) in enumerate(HOUSES):
        House.objects.get_or_create(slug=slug, defaults={
            "name": name, "motto": motto, "color": color, "crest": f"archetypes/crests/{slug}.svg",
            "description": description, "position": position,
        })
    return {house.slug: house for house in House.objects.filter(slug__in=[row[0] for row in HOUSES])}


def _add_archetypes(apps, models, traits, houses):
    HabitTemplate = apps.get_model("habits", "HabitTemplate")
    QuestTemplate = apps.get_model("quests", "QuestTemplate")
    habit_templates = {template.slug: template for template in HabitTemplate.objects.all()}
    quest_templates = {template.slug: template for template in QuestTemplate.objects.filter(user__isnull=True)}
    Archetype = models["Archetype"]
    for position, (slug, name, house, tagline, description, answers, habits, quests) in enumerate(ARCHETYPES):
        if Archetype.objects.filter(slug=slug).exists():
            continue
        archetype = Archetype.objects.create(
            slug=slug, name=name, tagline=tagline, description=description, house=houses[house],
            illustration=f"archetypes/art/{slug}.svg", position=position,
        )
        models["ProfileScore"].objects.bulk_create(
            models["ProfileScore"](archetype=archetype, trait=traits[trait_slug], target=target)
            for trait_slug, target in profile(answers).items() if trait_slug in traits
        )
        models["StarterHabit"].objects.bulk_create(
            models["StarterHabit"](archetype=archetype, template=habit_templates[template_slug], position=n)
            for n, template_slug in enumerate(habits) if template_slug in habit_templates
        )
        models["StarterQuest"].objects.bulk_create(
            models["StarterQuest"](archetype=archetype, template=quest_templates[template_slug], position=n)
            for n, template_slug in enumerate(quests) if template_slug in quest_templates
        )


def _add_rules(models, traits, archetypes):
    Rule, Condition = models["Rule"], models["Condition"]
    existing = set(Rule.objects.values_list("name", flat=True))
    for position, (archetype_slug, name, conditions) in enumerate(RULES):
        if name in existing or archetype_slug not in archetypes:
            continue
        rule = Rule.objects.create(name=name, archetype=archetypes[archetype_slug], position=position)
        Condition.objects.bulk_create(
            Condition(rule=rule, trait=traits[SLUG[letter]], operator=operator, value=Decimal(value),
                      value_to=None if value_to is None else Decimal(value_to))
            for letter, operator, value, value_to in conditions
        )


def remove(apps, schema_editor):
    Archetype = apps.get_model("archetypes", "Archetype")
    House = apps.get_model("archetypes", "House")
    apps.get_model("archetypes", "Rule").objects.filter(name__in=[row[1] for row in RULES]).delete()
    Archetype.objects.filter(slug__in=[row[0] for row in ARCHETYPES], assignments__isnull=True).delete()
    House.objects.filter(slug__in=[row[0] for row in HOUSES], archetypes__isnull=True, members__isnull=True,
                         assignments__isnull=True).delete()
    apps.get_model("archetypes", "Question").objects.filter(text__in=[row[0] for row in QUESTIONS]).delete()
    apps.get_model("archetypes", "Trait").objects.filter(slug__in=SLUG.values()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archetypes", "0001_initial"),
        ("habits", "0009_habit_library"),
        ("quests", "0003_ready_made_templates"),
    ]

    operations = [migrations.RunPython(add, remove)]
