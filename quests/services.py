"""Quest rules (docs/quests.md): creating and editing quests, their status (open → active
→ done, or abandoned; reopen), objectives and progress, and what a habit's day change does
to habit-fed objectives. Functions that can move XP return transitions, [(quest, what)],
for the story layer (habitstory.story.quests, the commit step), which calls them under the
user's profile lock and settles XP and news."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from habits.models import Habit
from habits.services import DayChange
from habitstory.accounts.models import Profile
from habitstory.billing import limits
from habitstory.billing.models import Kind

from . import graph, learned, progress
from .errors import DependencyCycle, QuestError, QuestLocked
from .models import DEFAULT_CATEGORIES, EFFORT_MAX, OBJECTIVES_MAX, XP_MAX, XP_MIN, Category, Objective, Priority, Quest

__all__ = [
    "DependencyCycle", "ObjectiveSpec", "QuestError", "QuestLocked", "Transition", "abandon", "apply_day_change",
    "categories", "complete", "create_quest", "delete_quest", "lock", "open_count", "reopen", "set_objective", "start",
    "suggest_xp", "update_quest",
]

Transition = tuple[Quest, str]  # what: completed, reopened, deleted, unlocked, ready
Status = Quest.Status
EDITABLE = frozenset({
    "title", "description", "category", "priority", "due_date", "due_time", "effort_minutes", "xp_reward",
    "position", "objectives",
})

# suggest_xp: (10 + 2 × √effort minutes) × the priority's multiplier, rounded half up.
XP_BASE, XP_PER_ROOT_MINUTE = 10, 2
PRIORITY_MULTIPLIER = {Priority.LOW: Decimal("1"), Priority.MEDIUM: Decimal("1.25"),
                       Priority.HIGH: Decimal("1.5"), Priority.URGENT: Decimal("2")}


@dataclass(frozen=True)
class ObjectiveSpec:
    """An objective as a caller describes it; `id` keeps an existing one (its progress)."""

    text: str
    kind: str = Objective.Kind.MANUAL
    weight: Decimal | int | str = 1
    habit: Habit | int | None = None
    target: int | None = None
    id: int | None = None


def suggest_xp(effort_minutes: int | None, priority: int) -> int:
    """The XP a quest is suggested: (10 + 2·√minutes) × 1, 1.25, 1.5 or 2 for low, medium,
    high or urgent, rounded half up, within XP_MIN..XP_MAX (no estimate counts as 0)."""
    if priority not in PRIORITY_MULTIPLIER:
        raise ValidationError({"priority": "Choose low, medium, high or urgent."})
    minutes = effort_minutes or 0
    if not 0 <= minutes <= EFFORT_MAX:
        raise ValidationError({"effort_minutes": f"Estimate between 1 and {EFFORT_MAX} minutes."})
    raw = (XP_BASE + XP_PER_ROOT_MINUTE * Decimal(math.sqrt(minutes))) * PRIORITY_MULTIPLIER[priority]
    return min(XP_MAX, max(XP_MIN, int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))))


# --- creating and editing -------------------------------------------------------------------------

def create_quest(user, *, title: str, description: str = "", category=None, priority: int = Priority.MEDIUM,
                 due_date: dt.date | None = None, due_time: dt.time | None = None, effort_minutes: int | None = None,
                 xp_reward: int | None = None, objectives: Iterable[ObjectiveSpec] = (), status: str = Status.OPEN,
                 today: dt.date, now: dt.datetime | None = None, template=None) -> Quest:
    """A new quest (open, or active from `today`) with its objectives, validated. A category
    may be one of the user's, its id, or a name (created for the user when new). Without an
    XP reward, suggest_xp's. Moves no XP: an active quest whose objectives are all met
    already is marked ready. A Free account at its limit of open quests is refused
    (PlanLimitReached) before anything is written."""
    if status not in (Status.OPEN, Status.ACTIVE):
        raise ValidationError({"status": "A new quest is open or active."})
    now = now or timezone.now()
    with transaction.atomic():
        limits.ensure_can_add(user, Kind.QUESTS)
        quest = Quest(user=user, title=_stripped(title), description=description or "", priority=priority,
                      due_date=due_date, due_time=due_time, effort_minutes=effort_minutes,
                      xp_reward=xp_reward if xp_reward is not None else _suggested(effort_minutes, priority),
                      status=status, template=template)
        quest.category = _category(user, category)
        if status == Status.ACTIVE:
            quest.activated_on = today
        _validate(quest)
        quest.position = (Quest.objects.filter(user=user).aggregate(last=Max("position"))["last"] or 0) + 1
        quest.save()
        written = _write_objectives(quest, list(objectives))
        if quest.status == Status.ACTIVE:
            progress.measure(quest, written, now=now)
            if progress.all_done(written):
                quest.ready = True
                quest.save(update_fields=["ready", "updated_at"])
    return quest


def update_quest(quest: Quest, *, today: dt.date, now: dt.datetime, **fields) -> list[Transition]:
    """Change a quest's fields (EDITABLE; `objectives` replaces them, keeping the ids
    given and their progress; `xp_reward=None` takes the suggestion), validated; then its
    progress is recomputed and, when its objectives were given or moved, settled
    (completed or ready when all are done)."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"update_quest() cannot change {', '.join(sorted(unknown))}")
    specs = fields.pop("objectives", None)
    with transaction.atomic():
        if "category" in fields:
            quest.category = _category(quest.user, fields.pop("category"))
        if "title" in fields:
            fields["title"] = _stripped(fields["title"])
        if "description" in fields:
            fields["description"] = fields["description"] or ""
        for name, value in fields.items():
            setattr(quest, name, value)
        if "xp_reward" in fields and fields["xp_reward"] is None:
            quest.xp_reward = _suggested(quest.effort_minutes, quest.priority)
        _validate(quest)
        quest.save()
        if specs is not None:
            _write_objectives(quest, list(specs))
        return _refresh(quest, today=today, now=now, always=specs is not None)


def delete_quest(quest: Quest) -> list[Transition]:
    """Delete a quest with its objectives, edges and attachments (their files go once the
    transaction commits: quests.attachments.remove_files, on each attachment's deletion).
    A done quest's XP goes back ("deleted"); quests that waited only for it are
    "unlocked". The instance keeps its id for the caller."""
    with transaction.atomic():
        waiting = [] if quest.status == Status.DONE else graph.dependents(quest)
        transitions: list[Transition] = [(quest, "deleted")] if quest.status == Status.DONE else []
        Quest.objects.filter(pk=quest.pk).delete()
        locked = set(graph.waiting_map(quest.user_id))
        transitions += [(dependent, "unlocked") for dependent in waiting
                        if not dependent.is_finished and dependent.pk not in locked]
    return transitions


def open_count(user) -> int:
    """The user's open and active quests (billing's "quests" count: Free has a limit on them)."""
    return Quest.objects.filter(user_id=user.pk, status__in=(Status.OPEN, Status.ACTIVE)).count()


def categories(user) -> list[Category]:
    """The user's categories; DEFAULT_CATEGORIES are created the first time (two first
    uses at once create them once: the names are unique per user)."""
    found = list(Category.objects.filter(user=user))
    if found:
        return found
    Category.objects.bulk_create(
        [Category(user_id=getattr(user, "pk", user), name=name, position=n) for n, name in enumerate(DEFAULT_CATEGORIES)],
        ignore_conflicts=True,
    )
    return list(Category.objects.filter(user=user))


def lock(quest: Quest) -> Quest:
    """The quest's row, locked, as the same user's (Quest.DoesNotExist otherwise)."""
    return Quest.objects.select_for_update().select_related("user").get(pk=quest.pk, user_id=quest.user_id)


# --- status ----------------------------------------------------------------------------------------

def start(quest: Quest, *, today: dt.date, now: dt.datetime | None = None) -> list[Transition]:
    """open → active from `today` (habit-fed objectives count from then on). Refused while
    locked (QuestLocked) and for a finished quest (reopen it); an active one stays as it is."""
    if quest.status == Status.ACTIVE:
        return []
    if quest.status != Status.OPEN:
        raise QuestError("This quest is finished: reopen it to start again.", "quest_finished")
    _refuse_locked(quest)
    quest.status, quest.activated_on, quest.ready = Status.ACTIVE, today, False
    quest.save(update_fields=["status", "activated_on", "ready", "updated_at"])
    return _refresh(quest, today=today, now=now or timezone.now())


def complete(quest: Quest, *, today: dt.date, now: dt.datetime) -> list[Transition]:
    """open or active → done, by hand or when its objectives are done: [(quest,
    "completed")] and [(dependent, "unlocked")] for each quest that waited only for it.
    Refused while locked (QuestLocked) and for an abandoned quest; a done quest stays done
    and returns nothing (twice is once)."""
    if quest.status == Status.DONE:
        return []
    if quest.status == Status.ABANDONED:
        raise QuestError("This quest was abandoned: reopen it before completing it.", "quest_abandoned")
    _refuse_locked(quest)
    return _complete(quest, today=today, now=now)


def reopen(quest: Quest, *, today: dt.date, now: dt.datetime) -> list[Transition]:
    """done or abandoned → active, by the user's choice: on Free, only while there is room
    for one more open quest (PlanLimitReached otherwise). A done quest's XP goes back:
    [(quest, "reopened")]."""
    if not quest.is_finished:
        return []
    limits.ensure_can_add(quest.user, Kind.QUESTS)
    return _reopen(quest, today=today)


def _reopen(quest: Quest, *, today: dt.date) -> list[Transition]:
    """done or abandoned → active (also when an undone habit day takes a done quest's
    objective back: tracking is never refused, so no limit here)."""
    was_done = quest.status == Status.DONE
    quest.status, quest.ready = Status.ACTIVE, False
    quest.activated_on = quest.activated_on or today
    quest.completed_at = quest.completed_on = None
    quest.save(update_fields=["status", "ready", "activated_on", "completed_at", "completed_on", "updated_at"])
    return [(quest, "reopened")] if was_done else []


def abandon(quest: Quest, *, today: dt.date, now: dt.datetime) -> list[Transition]:
    """open, active or done → abandoned. Abandoning a done quest takes its XP back, as
    reopening does: [(quest, "reopened")]."""
    if quest.status == Status.ABANDONED:
        return []
    was_done = quest.status == Status.DONE
    quest.status, quest.ready = Status.ABANDONED, False
    quest.completed_at = quest.completed_on = None
    quest.save(update_fields=["status", "ready", "completed_at", "completed_on", "updated_at"])
    return [(quest, "reopened")] if was_done else []


# --- objectives --------------------------------------------------------------------------------------

def set_objective(quest: Quest, objective_id: int, done: bool, *, today: dt.date,
                  now: dt.datetime) -> list[Transition]:
    """Tick or untick a manual objective of an open or active quest, then settle the quest
    (completed, or ready, when it was the last one). Another quest's objective is an
    Objective.DoesNotExist; a habit-fed one or a finished quest's is refused."""
    objective = Objective.objects.get(pk=objective_id, quest=quest)
    if objective.kind != Objective.Kind.MANUAL:
        raise QuestError("This objective follows its habit: it moves when you log the habit.", "objective_not_manual")
    if quest.is_finished:
        raise QuestError("This quest is finished: reopen it to change its objectives.", "quest_finished")
    if objective.done == bool(done):
        return []
    objective.done, objective.done_at = bool(done), (now if done else None)
    objective.save(update_fields=["done", "done_at"])
    return _settle(quest, _objectives(quest), today=today, now=now)


def apply_day_change(change: DayChange, *, today: dt.date | None = None,
                     now: dt.datetime | None = None) -> list[Transition]:
    """The commit step's quest update for one day of a habit: the active quests with
    objectives on it recount them and settle (completed or ready); an undo of a day that
    counted for a done quest recounts it too and reopens it when an objective is no longer
    met ("reopened": its XP goes back). One query finds the quests; none when none."""
    today, now = today or change.today, now or timezone.now()
    habit = change.habit
    undone = change.was_done and not change.is_done
    found = Q(status=Status.ACTIVE)
    if undone:
        found |= Q(status=Status.DONE, activated_on__lte=change.on, completed_on__gte=change.on)
    quests = list(
        Quest.objects.filter(found, user_id=habit.user_id, objectives__habit=habit).distinct().order_by("id")
    )
    transitions: list[Transition] = []
    streaks = {habit.pk: habit.current_streak}
    for quest in quests:
        objectives = _objectives(quest)
        if quest.status == Status.ACTIVE:
            if progress.measure(quest, objectives, streaks=streaks, now=now):
                transitions += _settle(quest, objectives, today=today, now=now)
        else:
            transitions += _recount_done(quest, objectives, streaks, today=today, now=now)
    return transitions


# --- inside ----------------------------------------------------------------------------------------

def _recount_done(quest: Quest, objectives: list[Objective], streaks: dict[int, int], *, today: dt.date,
                  now: dt.datetime) -> list[Transition]:
    """A done quest after an undo: its counts over the days it was active; a streak
    objective only when it completed today or yesterday (an older completion does not
    rest on today's streak). An objective no longer met reopens it."""
    recent = quest.completed_on is not None and quest.completed_on >= today - dt.timedelta(days=1)
    kinds = progress.HABIT_KINDS if recent else (Objective.Kind.HABIT_COUNT,)
    changed = progress.measure(quest, objectives, streaks=streaks, until=quest.completed_on, kinds=kinds, now=now)
    if any(not objective.done for objective in changed):
        return _reopen(quest, today=today)
    return []


def _refresh(quest: Quest, *, today: dt.date, now: dt.datetime, always: bool = True) -> list[Transition]:
    """Recount the habit-fed objectives; settle the quest when they moved (or `always`:
    a start, new objectives). A reopened quest whose objectives are all done stays open
    to work on until one of them changes."""
    objectives = _objectives(quest)
    changed = progress.measure(quest, objectives, now=now) if quest.status == Status.ACTIVE else []
    if always or changed:
        return _settle(quest, objectives, today=today, now=now)
    return []


def _settle(quest: Quest, objectives: list[Objective], *, today: dt.date, now: dt.datetime) -> list[Transition]:
    """An open or active quest whose objectives are all done completes (the user's
    Profile.quest_auto_complete) or becomes ready; a locked one waits. Ready is cleared
    when an objective is undone."""
    if quest.is_finished:
        return []
    if not progress.all_done(objectives):
        if quest.ready:
            quest.ready = False
            quest.save(update_fields=["ready", "updated_at"])
        return []
    if graph.is_locked(quest):
        return []
    if Profile.objects.filter(user_id=quest.user_id).values_list("quest_auto_complete", flat=True).first():
        return _complete(quest, today=today, now=now)
    if quest.ready:
        return []
    quest.ready = True
    quest.save(update_fields=["ready", "updated_at"])
    return [(quest, "ready")]


def _complete(quest: Quest, *, today: dt.date, now: dt.datetime) -> list[Transition]:
    learned.record_choice(quest, today=today, now=now)  # what next up offered instead
    quest.status, quest.ready = Status.DONE, False
    quest.completion_cycle += 1
    quest.completed_at, quest.completed_on = now, today
    quest.activated_on = quest.activated_on or today
    quest.save(update_fields=["status", "ready", "completion_cycle", "completed_at", "completed_on", "activated_on",
                              "updated_at"])
    return [(quest, "completed")] + [(dependent, "unlocked") for dependent in graph.newly_unlocked(quest)]


def _refuse_locked(quest: Quest) -> None:
    waiting = graph.waiting_for(quest)
    if waiting:
        raise QuestLocked(waiting)


def _objectives(quest: Quest) -> list[Objective]:
    return list(Objective.objects.filter(quest=quest).select_related("habit"))


def _write_objectives(quest: Quest, specs: list[ObjectiveSpec]) -> list[Objective]:
    """Replace the quest's objectives by `specs` in order: those with an id keep their
    progress unless their kind, habit or target changed; the others are deleted."""
    if len(specs) > OBJECTIVES_MAX:
        raise ValidationError({"objectives": f"A quest has at most {OBJECTIVES_MAX} objectives."})
    existing = {objective.pk: objective for objective in _objectives(quest)} if quest.pk else {}
    kept, new = [], []
    for position, spec in enumerate(specs):
        objective = _objective(quest, spec, position, existing)
        (kept if objective.pk else new).append(objective)
    Objective.objects.filter(quest=quest).exclude(pk__in=[objective.pk for objective in kept]).delete()
    if kept:
        Objective.objects.bulk_update(
            kept, ["position", "text", "kind", "weight", "habit", "target", "count", "done", "done_at"]
        )
    Objective.objects.bulk_create(new)
    written = sorted(kept + new, key=lambda objective: objective.position)
    quest.objectives_text = progress.text_of(written)
    quest.save(update_fields=["objectives_text", "updated_at"])
    return written


def _objective(quest: Quest, spec: ObjectiveSpec, position: int, existing: dict[int, Objective]) -> Objective:
    label = f"Objective {position + 1}"
    if spec.id is not None:
        if spec.id not in existing:
            raise ValidationError({"objectives": f"{label}: not one of this quest's objectives."})
        objective = existing.pop(spec.id)
    else:
        objective = Objective(quest=quest)
    habit = _habit(quest, spec.habit, label)
    weight = _decimal(spec.weight, label)
    if (objective.kind, objective.habit_id, objective.target) != (spec.kind, habit and habit.pk, spec.target):
        objective.count, objective.done, objective.done_at = 0, False, None
    objective.position, objective.text, objective.kind = position, _stripped(spec.text), spec.kind
    objective.weight, objective.habit, objective.target = weight, habit, spec.target
    if spec.kind == Objective.Kind.MANUAL:
        objective.habit, objective.target = None, None
    elif habit is None or spec.target is None:
        raise ValidationError({"objectives": f"{label}: choose a habit and how many."})
    try:
        objective.full_clean()
    except ValidationError as error:
        raise ValidationError({"objectives": [f"{label}: {message}" for message in error.messages]}) from None
    return objective


def _habit(quest: Quest, habit, label: str) -> Habit | None:
    if habit is None:
        return None
    habit_id = habit.pk if isinstance(habit, Habit) else habit
    if isinstance(habit_id, str) and habit_id.isdigit():
        habit_id = int(habit_id)
    found = Habit.objects.for_user(quest.user_id).filter(pk=habit_id).first() if isinstance(habit_id, int) else None
    if found is None:
        raise ValidationError({"objectives": f"{label}: choose one of your habits."})
    return found


def _decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"objectives": f"{label}: the weight is a number."}) from None
    if not number.is_finite():
        raise ValidationError({"objectives": f"{label}: the weight is a number."})
    return number


def _category(user, value) -> Category | None:
    """One of the user's categories, from a Category, its id or a name (created if new)."""
    if value is None or value == "":
        return None
    if isinstance(value, Category):
        if value.user_id != getattr(user, "pk", user):
            raise ValidationError({"category": "Choose one of your categories."})
        return value
    if isinstance(value, int):
        found = Category.objects.filter(pk=value, user=user).first()
        if found is None:
            raise ValidationError({"category": "Choose one of your categories."})
        return found
    name = _stripped(str(value))
    known = categories(user)
    found = next((category for category in known if category.name.casefold() == name.casefold()), None)
    if found is not None:
        return found
    category = Category(user_id=getattr(user, "pk", user), name=name)
    category.position = max(category.position for category in known) + 1
    try:
        category.full_clean(exclude=["user", "position"], validate_constraints=False)
    except ValidationError as error:
        raise ValidationError({"category": error.messages}) from None
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:  # the same name created meanwhile
        return Category.objects.get(user=user, name=name)
    return category


def _validate(quest: Quest) -> None:
    if quest.due_time is not None and quest.due_date is None:
        raise ValidationError({"due_time": "Give the due date too."})
    quest.full_clean(exclude=["user"])


def _suggested(effort_minutes, priority) -> int:
    """The suggestion, or XP_MIN while effort or priority is invalid (full_clean names them)."""
    try:
        return suggest_xp(effort_minutes, priority)
    except (ValidationError, TypeError):
        return XP_MIN


def _stripped(text) -> str:
    return text.strip() if isinstance(text, str) else text
