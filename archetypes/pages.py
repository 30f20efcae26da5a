"""What the quiz and result pages show, from the cached content (archetypes.content) and a
query or two of the user's: where the quiz resumes, a step's choices, the refusal that
names a question, the radar's numbers, the starter plan's rows ("already yours"), and
what accepting it made. Read-only: every change goes through services and plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from habits.models import Habit, HabitTemplate
from quests.models import Quest

from . import content, radar, rules, services
from .models import Archetype, Assignment

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
STILL_NEEDED = "This question still needs an answer: choose one to finish."


# --- the quiz ---------------------------------------------------------------------------------


def answers_so_far(user) -> dict[int, int]:
    """Question id → choice id, as saved step by step, those that still fit the quiz."""
    return services.progress(user)


def resume_at(questions: Sequence, answers: dict[int, int]) -> int:
    """The step (from 1) of the first question not answered, or the last step."""
    for number, question in enumerate(questions, start=1):
        if question.pk not in answers:
            return number
    return len(questions)


def choices_of(question) -> list:
    return list(question.choices.all())


def focus_on(form, choices: Sequence) -> str:
    """The radio to focus after htmx swaps a step in (or a refusal): the chosen one, else
    the first; a screen reader then reads the question (the fieldset's legend)."""
    chosen = form["choice"].value()
    values = [str(choice.pk) for choice in choices]
    return str(chosen) if str(chosen) in values else (values[0] if values else "")


def keep_saved(form, saved: int | None) -> None:
    """After a refused answer, show the one saved before (if any) as chosen."""
    data = form.data.copy()
    data["choice"] = str(saved) if saved else ""
    form.data = data


def first_refusal(questions: Sequence, exc: ValidationError) -> tuple[int, str]:
    """The step of the first question services.assign refused, and why."""
    details = getattr(exc, "details", None) or (exc.message_dict if hasattr(exc, "error_dict") else {})
    steps = {f"answers.{question.pk}": number for number, question in enumerate(questions, start=1)}
    named = sorted((steps[key], messages) for key, messages in details.items() if key in steps)
    if not named:
        return resume_at(questions, {}), " ".join(exc.messages) or STILL_NEEDED
    number, messages = named[0]
    message = messages[0] if messages else ""
    return number, STILL_NEEDED if "missing" in message.lower() or "answer" in message.lower() else message


# --- the result -------------------------------------------------------------------------------


def archetype_of(assignment: Assignment) -> Archetype:
    """The assignment's archetype as content has it cached (profile, house, plan)."""
    for archetype in content.archetypes():
        if archetype.pk == assignment.archetype_id:
            return archetype
    return assignment.archetype


def radar_of(assignment: Assignment, archetype: Archetype) -> radar.Radar:
    traits = [(trait.slug, trait.name) for trait in content.quiz().traits]
    return radar.draw(traits, assignment.traits, rules.profile_of(archetype), archetype=archetype.name)


def schedule_text(template: HabitTemplate) -> str:
    if template.schedule == "weekdays":
        return ", ".join(WEEKDAYS[day] for day in sorted(template.weekdays or []) if 0 <= day < 7)
    if template.schedule == "per_week":
        return f"{template.times_per_week}× a week"
    if template.schedule == "every_n_days":
        return "every other day" if template.every_n_days == 2 else f"every {template.every_n_days} days"
    return "every day"


@dataclass(frozen=True)
class PlanRow:
    kind: str  # "habits" or "quests": the form field's name
    pk: int  # the StarterHabit's or StarterQuest's
    name: str
    detail: str
    ticked: bool
    already: bool  # the user has one from this template


def _owned(user, plan) -> tuple[set[int], set[int]]:
    """The plan's templates the user already made a habit or a quest from (two queries)."""
    habits = Habit.objects.for_user(user).filter(template_id__in=[item.template_id for item in plan.habits])
    quests = Quest.objects.filter(user=user, template_id__in=[item.template_id for item in plan.quests])
    return (set(habits.values_list("template_id", flat=True)),
            set(quests.values_list("template_id", flat=True)))


def _habit_detail(template: HabitTemplate) -> str:
    parts = (schedule_text(template), template.get_difficulty_display(), template.why)
    return " · ".join(part for part in parts if part)


def _quest_detail(template) -> str:
    return " · ".join(part for part in (f"{template.xp_reward} XP", template.category_name) if part)


def plan_groups(user, plan, form) -> list[tuple[str, str, list[PlanRow]]]:
    """(field name, legend, rows) for the plan's habits, then its quests. At first an item
    is ticked as staff set it, unless the user already has one from its template."""
    owned_habits, owned_quests = _owned(user, plan)
    groups = []
    for kind, legend, items, owned, name, detail in (
        ("habits", "Habits for your day", plan.habits, owned_habits, lambda t: t.name, _habit_detail),
        ("quests", "Quests for your board", plan.quests, owned_quests, lambda t: t.title, _quest_detail),
    ):
        ticked = form.ticked(kind)
        rows = []
        for item in items:
            already = item.template_id in owned
            on = str(item.pk) in ticked and (form.is_bound or not already)
            rows.append(PlanRow(kind, item.pk, name(item.template), detail(item.template), on, already))
        groups.append((kind, legend, rows))
    return groups


def _names(items: Sequence[str]) -> str:
    quoted = [f"“{name}”" for name in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def accepted_text(accepted) -> str:
    parts = []
    if accepted.habits:
        parts.append(f"On Today: {_names([habit.name for habit in accepted.habits])}.")
    if accepted.quests:
        parts.append(f"On your quest board: {_names([quest.title for quest in accepted.quests])}.")
    if accepted.already:
        parts.append(f"Already yours: {_names(list(accepted.already))}.")
    if not accepted.habits and not accepted.quests:
        parts.insert(0, "Nothing new to add.")
    return " ".join(parts)
