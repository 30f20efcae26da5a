"""The habit template library: staff's templates (habits.HabitTemplate, edited in admin),
searched on the new-habit page and turned into a user's habit in their pillar of the
template's pillar name (made when missing). See docs/rules.md, "Habit templates"."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from . import pillars, services
from .models import Habit, HabitTemplate, Pillar

Q_MAX = 80  # characters of a search kept
WORDS_MAX = 6  # words of a search kept, each of which must match
# What a habit takes from its template (everything else is the habit's own).
COPIED = [
    "name", "schedule", "weekdays", "times_per_week", "every_n_days", "kind", "target_value", "unit",
    "difficulty", "timer_minutes",
]
# How a pillar made for a template looks: the default pillars' looks, then these.
PILLAR_LOOKS = {name.casefold(): (color, icon) for name, color, icon in pillars.DEFAULT_PILLARS} | {
    "social": ("#c2417a", Pillar.Icon.PEOPLE),
    "home": ("#2b8fd9", Pillar.Icon.SUN),
    "work": ("#7a6a2b", Pillar.Icon.COIN),
}
DEFAULT_LOOK = ("#5b4bdb", Pillar.Icon.STAR)
INACTIVE_MESSAGE = "This template is no longer in the library."


class Entry(NamedTuple):
    template: HabitTemplate
    summary: str  # "every day · at least 8 glasses"


class Shelf(NamedTuple):
    pillar_name: str
    entries: list[Entry]


# --- reading the library -------------------------------------------------------------------


def clean_query(query: str) -> str:
    """A search as used: printable characters only, at most Q_MAX of them, trimmed."""
    return "".join(ch if ch.isprintable() else " " for ch in (query or "")[:Q_MAX]).strip()


def _shelf_order(template: HabitTemplate) -> tuple:
    """The default pillars first, in their order, then the others by name."""
    pillar = template.pillar_name.casefold()
    rank = next((i for i, (name, _, _) in enumerate(pillars.DEFAULT_PILLARS) if name.casefold() == pillar),
                len(pillars.DEFAULT_PILLARS))
    return rank, pillar, template.position, template.name.casefold()


def templates(query: str = "") -> list[HabitTemplate]:
    """The active templates, grouped by pillar (consecutive); with a query, those where each
    of its words is in the name, the why, the pillar or the unit (any case). One query."""
    found = HabitTemplate.objects.filter(active=True)
    for word in clean_query(query).split()[:WORDS_MAX]:
        found = found.filter(
            Q(name__icontains=word) | Q(why__icontains=word) | Q(pillar_name__icontains=word)
            | Q(unit__icontains=word)
        )
    return sorted(found, key=_shelf_order)


def shelves(found: list[HabitTemplate]) -> list[Shelf]:
    """Templates as listed by templates(), one shelf per pillar name (any case)."""
    result: list[Shelf] = []
    for template in found:
        if not result or result[-1].pillar_name.casefold() != template.pillar_name.casefold():
            result.append(Shelf(template.pillar_name, []))
        result[-1].entries.append(Entry(template, summary(template)))
    return result


def active_template(slug: str) -> HabitTemplate | None:
    """The active template of that slug, or None for an unknown, malformed or retired one."""
    slug = (slug or "").strip()
    if not slug or len(slug) > HabitTemplate._meta.get_field("slug").max_length:
        return None
    return HabitTemplate.objects.filter(slug=slug, active=True).first()


def fields_of(template: HabitTemplate) -> dict:
    """The habit fields a template gives (a copy: the weekdays list is the habit's own)."""
    fields = {name: getattr(template, name) for name in COPIED}
    fields["weekdays"] = list(template.weekdays or [])
    return fields


def summary(template: HabitTemplate) -> str:
    """How often and what counts, in the habit page's words: "3× a week · at least 20 pages"."""
    habit = Habit(**fields_of(template))
    parts = [habit.schedule_label()]
    if habit.is_measurable and habit.target_value is not None:
        parts.append(habit.target_label())
    if template.timer_minutes:
        parts.append(f"{template.timer_minutes} min timer")
    return " · ".join(parts)


# --- checking a template (admin) -----------------------------------------------------------


def check_template(template: HabitTemplate) -> None:
    """A habit's rules for a template: its schedule has what it needs, a measurable kind
    has a target above 0; then the fields the schedule and kind do not use are cleared.
    Raises ValidationError keyed by field, as Habit.clean() does."""
    if template.schedule == Habit.Schedule.WEEKDAYS and (
        not isinstance(template.weekdays, list) or any(isinstance(day, bool) for day in template.weekdays)
    ):
        raise ValidationError({"weekdays": "Days are a list of numbers from 0 (Monday) to 6 (Sunday)."})
    if template.timer_minutes == 0:
        raise ValidationError({"timer_minutes": "A timer runs for 1 minute or more; leave it empty for none."})
    habit = Habit(**fields_of(template), start_date=dt.date.today())
    habit.clean()
    for name in ("weekdays", "times_per_week", "every_n_days", "target_value", "unit"):
        setattr(template, name, getattr(habit, name))


# --- making a habit ------------------------------------------------------------------------


def pillar_named(user, name: str) -> Pillar:
    """The user's pillar of that name (any case), made (last in their order) when missing
    (limits.PlanLimitReached when that would pass the Free plan's pillars)."""
    existing = Pillar.objects.filter(user=user, name__iexact=name).first()
    if existing is not None:
        return existing
    color, icon = PILLAR_LOOKS.get(name.casefold(), DEFAULT_LOOK)
    try:  # a new pillar counts against the Free plan's limit (pillars.save_pillar)
        return pillars.save_pillar(Pillar(user=user, name=name, color=color, icon=icon))
    except IntegrityError:  # made meanwhile by another request
        return Pillar.objects.get(user=user, name=name)


@transaction.atomic
def save_from_template(habit: Habit, template: HabitTemplate, *, new_pillar: bool = False) -> Habit:
    """Save a habit the user made from a template (the new-habit form, pre-filled): it keeps
    the template; with new_pillar it goes into their pillar of the template's pillar name."""
    if not template.active:
        raise ValidationError(INACTIVE_MESSAGE)
    habit.template = template
    if new_pillar:
        habit.pillar = pillar_named(habit.user, template.pillar_name)
    return services.save_habit(habit)


def habit_from_template(user, template: HabitTemplate, *, today: dt.date) -> Habit:
    """The user's new habit from a template, starting today, in their pillar of the
    template's pillar name (made when missing). Refuses a template no longer active."""
    habit = Habit(user=user, start_date=today, **fields_of(template))
    return save_from_template(habit, template, new_pillar=True)


def missing_pillars(user, names: list[str]) -> set[str]:
    """The pillar names (any case) among `names` the user has no pillar of: what
    pillar_named would make."""
    have = {name.casefold() for name in Pillar.objects.filter(user=user).values_list("name", flat=True)}
    return {name.casefold() for name in names} - have
