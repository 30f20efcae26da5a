"""Long unbroken text (as long as the limits allow) wraps on every page at 360 px: nothing
is wider than the screen (issue 12: a 20,000-character word made a goal page 189,391 px
wide)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page

from goals.models import Goal, GoalEntry, GoalHabit
from habits.models import Habit, Occurrence, Pillar
from habits.services import save_habit
from habitstory.notifications.services import notify
from quests import graph as quest_graph
from quests import services as quest_services
from quests.services import ObjectiveSpec
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


def word(length: int) -> str:
    return ("Supercalifragilistic" * (length // 20 + 1))[:length]


def test_long_words_wrap_at_360_px(server, page: Page, make_user):
    user = make_user("long@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"
    user.profile.save()
    today = user.profile.local_today()
    pillar = Pillar.objects.create(user=user, name=word(40))
    habit = save_habit(Habit(
        user=user, pillar=pillar, name=word(80), notes=word(2000), kind="at_least", target_value=Decimal(8),
        unit=word(20), start_date=today - dt.timedelta(days=3),
    ))
    Occurrence.objects.create(habit=habit, on=today - dt.timedelta(days=1), status="done", value=8, note=word(2000))
    goal = Goal.objects.create(
        user=user, name=word(80), description=word(2000), target_value=Decimal(100), unit=word(20), start_date=today
    )
    GoalHabit.objects.create(goal=goal, habit=habit)
    GoalEntry.objects.create(goal=goal, amount=Decimal(1), note=word(200), on=today)
    notify(user, "goals", word(120), word(2000), url="/")
    first = quest_services.create_quest(
        user, title=word(120), description=word(2000), category=word(40), today=today,
        objectives=[ObjectiveSpec(word(200)), ObjectiveSpec(word(200), "habit_count", habit=habit, target=3)],
    )
    second = quest_services.create_quest(user, title=word(119), today=today, due_date=today)
    quest_graph.add_dependency(second, first)

    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, server.url, user.email)
    too_wide = {}
    for path in ["/", f"/habits/{habit.pk}/", "/habits/", f"/goals/{goal.pk}/", "/goals/", "/inbox/", "/habits/pillars/",
                 f"/habits/{habit.pk}/edit/", f"/goals/{goal.pk}/edit/", "/quests/", f"/quests/{first.pk}/",
                 f"/quests/{second.pk}/", f"/quests/{first.pk}/edit/", f"/quests/{first.pk}/delete/"]:
        page.goto(f"{server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide[path] = width
    assert too_wide == {}
