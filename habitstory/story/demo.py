"""The demo account: a believable person with ~90 days of history (habits, XP, a pet that
grew with it, two goals, a few quests (one fed by a habit, a chain of three, one done), the achievements that history earned and an inbox that told them
so), ~120 days of check-ins and life events (the insights' synthetic generator), and a
staff login. Its Run asks for proof, and a neighbour's proof waits in its review queue
(demo_proofs).

Idempotent: an existing demo account is left as it is (delete it to start over).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gamification import services as gamification
from gamification.models import XPEvent
from gamification.pets import Activity, rename_pet
from gamification.rules import tick_xp
from goals import services as goal_services
from goals.models import Goal
from habits import pillars as habit_pillars
from habits import services as habit_services
from habits import today_list
from habits.models import Habit, Occurrence
from habitstory.accounts.models import User
from habitstory.billing import limits
from habitstory.insights import synth, synth_db
from habitstory.insights.models import LifeEvent
from habitstory.notifications.models import Notification
from habitstory.notifications.services import mark_read, notify
from quests import graph as quest_graph
from quests import services as quest_services
from quests.services import ObjectiveSpec

from . import learning, news
from .commit import lock_user
from .demo_proofs import seed_proofs
from .facts import CommitFacts
from .quests import commit_objective, commit_quest

HISTORY_DAYS = 90
LIFE_DAYS = 120  # check-ins and life events: enough for the demo's own models (60 labelled days)
LIFE_SEED = 20261205
# The generator's events get the names a person would give them.
LIFE_TITLES = {
    "illness": ["A cold", "Flu", "Stomach bug"], "travel": ["Weekend in Lisbon", "Visiting my parents"],
    "exam": ["Statistics exam", "Driving theory test", "French oral"], "deadline": ["Tax return", "Project report due"],
    "celebration": ["Sam's birthday", "Wedding of a friend"], "loss": ["Lost my wallet"], "move": ["Moving flat"],
    "new_job": ["First week at the new job"], "other": ["Something else"],
}

# name, pillar, schedule fields, kind fields, difficulty, reminder, how often it gets done
HABITS = [
    ("Drink water", "Health", {}, {"kind": "at_least", "target_value": Decimal(8), "unit": "glasses"}, "easy", dt.time(9), 0.85),
    ("Run", "Health", {"schedule": "per_week", "times_per_week": 3}, {}, "hard", dt.time(7), 0.8),
    ("No more than 2 coffees", "Health", {}, {"kind": "at_most", "target_value": Decimal(2), "unit": "cups"}, "medium", None, 0.7),
    ("Meditate 10 minutes", "Mind", {"schedule": "weekdays", "weekdays": [0, 1, 2, 3, 4]}, {"timer_minutes": 10}, "medium", dt.time(7, 30), 0.75),
    ("Read 20 pages", "Mind", {}, {}, "easy", dt.time(21), 0.8),
    ("Practise guitar", "Craft", {"schedule": "every_n_days", "every_n_days": 2}, {"timer_minutes": 30}, "hard", dt.time(18), 0.65),
]


def _ensure_user(email: str, password: str, *, staff: bool, tz: str, name: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    if staff:
        user = User.objects.create_superuser(email, password)
    else:
        user = User.objects.create_user(email, password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    user.profile.timezone = tz
    user.profile.display_name = name
    user.profile.save()
    return user, True


def _history(habit: Habit, today: dt.date, rate: float, rng: random.Random) -> list[Occurrence]:
    occurrences = []
    day = habit.start_date
    while day < today:
        if habit.schedule == Habit.Schedule.PER_WEEK:
            # About N days of each week get done; the others have no occurrence at all.
            if rng.random() < rate * (habit.times_per_week or 1) / 7:
                occurrences.append(_occurrence(habit, day, Occurrence.Status.DONE, rng))
        elif habit.is_scheduled_on(day):
            roll = rng.random()
            if roll < rate:
                status = Occurrence.Status.DONE
            elif roll < rate + 0.05:
                status = Occurrence.Status.SKIPPED
            else:
                status = Occurrence.Status.MISSED
            occurrences.append(_occurrence(habit, day, status, rng))
        day += dt.timedelta(days=1)
    return occurrences


def _occurrence(habit: Habit, day: dt.date, status: str, rng: random.Random) -> Occurrence:
    value = None
    if habit.kind == Habit.Kind.AT_LEAST and status == Occurrence.Status.DONE:
        value = habit.target_value + rng.randint(0, 2)
    elif habit.kind == Habit.Kind.AT_MOST and status == Occurrence.Status.DONE:
        value = Decimal(rng.randint(0, 2))
    completed = None
    if status == Occurrence.Status.DONE:
        completed = dt.datetime.combine(day, dt.time(rng.randint(6, 22), rng.randint(0, 59)), tzinfo=dt.UTC)
    # A done day counts as ticked on the day: its XP is keyed on its first tick.
    ticked = 1 if status == Occurrence.Status.DONE else 0
    return Occurrence(habit=habit, on=day, status=status, value=value, completed_at=completed, xp_cycle=ticked)


def _demo_rewards(demo: User, start: dt.date, today: dt.date, now: dt.datetime) -> None:
    """XP as if each done day had been ticked on the day (streaks counted as they grew),
    the pet named, and two goals fed by habits."""
    awards = []
    for habit in Habit.objects.filter(user=demo):
        streak = 0
        for occurrence in habit.occurrences.order_by("on"):
            streak = streak + 1 if occurrence.status == Occurrence.Status.DONE else (
                streak if occurrence.status == Occurrence.Status.SKIPPED else 0
            )
            if occurrence.status == Occurrence.Status.DONE:
                source = f"occurrence:{occurrence.pk}:{occurrence.xp_cycle}"
                awards.append((tick_xp(habit.difficulty, streak), XPEvent.Reason.HABIT_DONE, source, occurrence.on))
    gamification.award_history(demo, awards)
    rename_pet(gamification.pet_of(demo), "Pip", "fox")
    # The pet came with the history, and grew with its XP: its levels and stages, each on its day.
    gamification.rebuild_pet_history(demo, dt.datetime.combine(start, dt.time(9), tzinfo=demo.profile.zone), now)
    habits = {habit.name: habit for habit in Habit.objects.filter(user=demo)}
    reading = goal_services.save_goal(Goal(
        user=demo, name="Read 2,000 pages", target_value=2000, unit="pages", start_date=start,
        deadline=today + dt.timedelta(days=60), description="Twenty pages a day adds up.",
    ))
    goal_services.link_habit(reading, habits["Read 20 pages"], 20)
    running = goal_services.save_goal(Goal(user=demo, name="Run 40 times", target_value=40, unit="runs", start_date=start))
    goal_services.link_habit(running, habits["Run"], 1)
    goal_services.refresh_goals([reading, running], now=now)


def _demo_inbox(demo: User, today: dt.date, now: dt.datetime) -> None:
    """Unlock what the history earned (through gamification, as a commit would) and fill
    the inbox as the app would have told it: the news, a risk alert and a nudge from the
    last days, the older ones read."""
    with transaction.atomic():
        profile = lock_user(demo.pk)
        facts = CommitFacts(demo, today, now, ticked=True)
        activity = Activity(today, *today_list.week_activity(today_list.recent(demo, today)))  # the pet's mood
        rewards = gamification.settle(profile, today, facts=facts, activity=activity)
    items = [news.achievement_unlocked(a.code, a.name) for a in rewards.unlocked]
    habits = {habit.name: habit for habit in Habit.objects.filter(user=demo)}
    for days_ago, item in zip(range(len(items) + 2, 2, -1), items, strict=False):
        news.notify_news(demo, [item], now=now - dt.timedelta(days=days_ago, hours=3))
    guitar = habits["Practise guitar"]
    notify(demo, "risk", f"“{guitar.name}” is at risk",
           f"Two misses in a row. One check-in today keeps {guitar.name} going; a skip is fine if today is a rest day.",
           reverse("habits:detail", args=[guitar.pk]), key=f"demo:risk:{guitar.pk}", now=now - dt.timedelta(days=2, hours=5))
    notify(demo, "nudges", "A gentle nudge: Meditate 10 minutes",
           "It has been a couple of days. Ten quiet minutes today?", reverse("habits:detail", args=[habits["Meditate 10 minutes"].pk]),
           key="demo:nudge", now=now - dt.timedelta(hours=20))
    for notification in Notification.objects.filter(user=demo, created_at__lt=now - dt.timedelta(days=3, hours=12)):
        mark_read(notification, now=now)


def _demo_quests(demo: User, today: dt.date, now: dt.datetime) -> None:
    """Quests as a user would have them: one fed by a habit, a chain where each waits for the
    one before, one due tomorrow, one done (through the commit step: its XP and news)."""
    run = Habit.objects.get(user=demo, name="Run")
    manual = ObjectiveSpec
    race = quest_services.create_quest(
        demo, title="Run a 10k race", category="Health", priority=3, effort_minutes=600, status="active",
        description="Twelve runs from today, then race day.\n\n- pick a race\n- **register** early",
        objectives=[manual("Pick a race"), manual("Register"),
                    ObjectiveSpec("Run 12 times", kind="habit_count", habit=run, target=12, weight=3)],
        today=today, now=now,
    )
    commit_objective(race, race.objectives.get(text="Pick a race").pk, True, now=now)
    chain = []
    for title, effort in (("Write the blog post", 120), ("Edit the post", 45), ("Publish the post", 15)):
        chain.append(quest_services.create_quest(
            demo, title=title, category="Work", effort_minutes=effort,
            objectives=[manual("Outline"), manual("First draft")] if not chain else [], today=today, now=now,
        ))
    for before, after in zip(chain, chain[1:]):
        quest_graph.add_dependency(after, before)
    quest_services.create_quest(demo, title="Book the dentist", category="Health", priority=4, effort_minutes=10,
                                due_date=today + dt.timedelta(days=1), today=today, now=now)
    brakes = quest_services.create_quest(demo, title="Fix the bike's brakes", category="Home", effort_minutes=60,
                                         status="active", today=today, now=now)
    commit_quest(brakes, "complete", now=now)


def _demo_life(demo: User, today: dt.date) -> None:
    """Check-ins and life events from the synthetic generator, through yesterday: today's
    check-in is the visitor's to make. Only the generator's days, not its habits (the
    demo's own habits above are the ones on Today)."""
    made = synth.generate(1, LIFE_DAYS, LIFE_SEED, end=today - dt.timedelta(days=1))[0]
    days_only = synth.Synthetic(history=replace(made.history, habits=[]), traits=made.traits, truth=made.truth)
    synth_db.write(demo, days_only, end=today - dt.timedelta(days=1))
    events = list(LifeEvent.objects.filter(user=demo).order_by("start", "id"))
    for n, event in enumerate(events):
        names = LIFE_TITLES.get(event.type, [event.title])
        event.title = names[n % len(names)]
    LifeEvent.objects.bulk_update(events, ["title"])


@transaction.atomic
def seed_demo(now: dt.datetime | None = None) -> dict[str, bool]:
    """Create the demo user (with history) and the staff user if missing."""
    staff, staff_created = _ensure_user(
        settings.STAFF_EMAIL, settings.STAFF_PASSWORD, staff=True, tz="UTC", name="Staff"
    )
    demo, demo_created = _ensure_user(
        settings.DEMO_EMAIL, settings.DEMO_PASSWORD, staff=False, tz="Europe/London", name="Robin"
    )
    with limits.lifted():  # the demo's own seeding: no plan limits
        if demo_created:
            today = demo.profile.local_today(now or timezone.now())
            start = today - dt.timedelta(days=HISTORY_DAYS)
            rng = random.Random(20261123)
            pillars = {pillar.name: pillar for pillar in habit_pillars.create_default_pillars(demo)}
            occurrences = []
            for name, pillar, schedule, kind, difficulty, reminder, rate in HABITS:
                habit = habit_services.save_habit(Habit(
                    user=demo, pillar=pillars[pillar], name=name, start_date=start, difficulty=difficulty,
                    reminder_time=reminder, **schedule, **kind,
                ))
                occurrences += _history(habit, today, rate, rng)
            habit_services.add_history(occurrences)
            _demo_rewards(demo, start, today, now or timezone.now())
            _demo_inbox(demo, today, now or timezone.now())
            _demo_quests(demo, today, now or timezone.now())
            _demo_life(demo, today)
            seed_proofs(demo, today, now or timezone.now(), HISTORY_DAYS)
            # Its models from its 120 days, once the data is committed (the artifacts go to
            # storage): the Insights page has a forecast from the first visit, not the first night.
            transaction.on_commit(lambda: learning.train_now(demo))
    return {"demo": demo_created, "staff": staff_created}
