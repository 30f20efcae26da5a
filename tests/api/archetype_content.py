"""A small quiz of the tests' own, so every score is known (tests/api/test_archetypes_api.py,
and the schemathesis run's valid answers)."""

from __future__ import annotations

from archetypes import content
from archetypes.models import (
    Archetype,
    Assignment,
    Choice,
    ChoiceWeight,
    Condition,
    House,
    Membership,
    ProfileScore,
    Question,
    Rule,
    StarterHabit,
    StarterQuest,
    Trait,
)
from habits.models import HabitTemplate
from quests.models import QuestTemplate

# Fixed ids, so that a request can be written before the quiz is made (the schemathesis
# run's valid answers): question id → its choices' ids (grit's first, spark's second).
CHOICES = {9001: [9101, 9102], 9002: [9103, 9104]}
INACTIVE = (9003, [9105, 9106])


class Small:
    """The test's quiz: `grit` and `spark`; two questions whose first choice adds 10 grit and
    second 10 spark (a third, inactive); the Sage (grit 100, spark 0, Ember) given by the
    rule "Gritty" (grit ≥ 75) and the Bard (grit 0, spark 100, Tide) only as the nearest."""

    def __init__(self):
        Assignment.objects.all().delete()
        Membership.objects.all().delete()
        Rule.objects.all().delete()
        Archetype.objects.all().delete()
        House.objects.all().delete()
        Question.objects.all().delete()
        Trait.objects.all().delete()
        self.grit = Trait.objects.create(slug="grit", name="Grit", description="Keeps going", position=0)
        self.spark = Trait.objects.create(slug="spark", name="Spark", position=1)
        self.questions, self.grit_choice, self.spark_choice = [], {}, {}
        for position, (question_id, (grit_id, spark_id)) in enumerate([*CHOICES.items(), INACTIVE]):
            question = Question.objects.create(pk=question_id, text=f"Question {position}", position=position,
                                               active=question_id in CHOICES)
            self.questions.append(question)
            a = Choice.objects.create(pk=grit_id, question=question, text="Push on", position=0)
            b = Choice.objects.create(pk=spark_id, question=question, text="Try something new", position=1)
            ChoiceWeight.objects.create(choice=a, trait=self.grit, weight=10)
            ChoiceWeight.objects.create(choice=b, trait=self.spark, weight=10)
            self.grit_choice[question.pk], self.spark_choice[question.pk] = a, b
        self.inactive = self.questions.pop()
        self.ember = House.objects.create(slug="ember", name="Ember", motto="Burn bright", color="#cc3300",
                                          crest="archetypes/crests/ember.svg", description="The hearth.", position=0)
        self.tide = House.objects.create(slug="tide", name="Tide", motto="Ebb and flow", color="#0066cc",
                                         crest="archetypes/crests/tide.svg", position=1)
        self.sage = self._archetype("sage", "Sage", self.ember, grit=100, spark=0, position=0)
        self.bard = self._archetype("bard", "Bard", self.tide, grit=0, spark=100, position=1)
        self.rule = Rule.objects.create(name="Gritty", archetype=self.sage, position=0)
        Condition.objects.create(rule=self.rule, trait=self.grit, operator="gte", value=75)
        self.habit_template = HabitTemplate.objects.create(
            slug="test-read", name="Read 10 pages", pillar_name="Mind", why="A page a day.", schedule="weekdays",
            weekdays=[0, 2, 4], kind="at_least", target_value=10, unit="pages", difficulty="easy",
        )
        self.quest_template = QuestTemplate.objects.create(slug="test-library", title="Join the library",
                                                           xp_reward=30, effort_minutes=20)
        StarterHabit.objects.create(archetype=self.sage, template=self.habit_template, position=0)
        StarterQuest.objects.create(archetype=self.sage, template=self.quest_template, position=0, checked=False)
        content.clear()

    def _archetype(self, slug, name, house, *, position, **targets) -> Archetype:
        archetype = Archetype.objects.create(
            slug=slug, name=name, tagline=f"The {name.lower()}", description=f"All about the {name}.",
            illustration=f"archetypes/art/{slug}.svg", house=house, position=position,
        )
        for trait in (self.grit, self.spark):
            ProfileScore.objects.create(archetype=archetype, trait=trait, target=targets[trait.slug])
        return archetype

    def answers(self, pick: str = "grit", *, as_text: bool = False) -> dict:
        choices = self.grit_choice if pick == "grit" else self.spark_choice
        return {str(q.pk): (str(choices[q.pk].pk) if as_text else choices[q.pk].pk) for q in self.questions}
