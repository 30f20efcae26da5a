"""The day close across domains (habitstory.story.closing): habits closes the days and
hands over each closed user's week, gamification (the only writer of pets) moves the
moods from it, and the habits that became at risk are alerted after the batch commits."""

from __future__ import annotations

import datetime as dt

import pytest

from gamification import services as gamification
from gamification.models import Pet, PetEvent
from gamification.pets import Activity
from habits import closing
from habits.models import Habit
from habits.services import save_habit
from habitstory.accounts.models import Profile
from habitstory.story import closing as day_close
from habitstory.story.commit import commit

D = dt.date
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


def user_with(make_user, email, closed_through=D(2026, 11, 15)):
    user = make_user(email)
    Profile.objects.filter(user=user).update(timezone="Europe/London", closed_through=closed_through)
    user.refresh_from_db()
    return user


def test_the_close_hands_each_closed_users_week_to_gamification(make_user, monkeypatch):
    walker = user_with(make_user, "walker@example.com")
    walk = save_habit(Habit(user=walker, name="Walk", start_date=D(2026, 11, 1)))
    for day in (D(2026, 11, 17), D(2026, 11, 18), D(2026, 11, 21)):
        commit(walk, day, "done")
    idle = user_with(make_user, "idle@example.com", closed_through=D(2026, 11, 22))  # nothing left to close
    save_habit(Habit(user=idle, name="Rest", start_date=D(2026, 11, 1)))
    handed = []
    monkeypatch.setattr(gamification, "move_moods", lambda weeks: handed.extend(weeks))

    day_close.close_days()

    assert [user_id for user_id, _ in handed] == [walker.pk]
    (_, week), = handed
    assert week == Activity(D(2026, 11, 23), [(6, 3)], [D(2026, 11, 21)])
    assert week.mood() == "okay"


def test_habits_writes_no_pet_and_gamification_moves_the_moods(make_user, monkeypatch):
    user = user_with(make_user, "pet@example.com")
    walk = save_habit(Habit(user=user, name="Walk", start_date=D(2026, 11, 1)))
    commit(walk, D(2026, 11, 21), "done")
    pet = gamification.pet_of(user)
    Pet.objects.filter(pk=pet.pk).update(mood="thriving", created_at=NOW - dt.timedelta(days=30))  # not new

    summary = closing.close_batch([user.profile.pk], NOW, None)  # habits' part alone
    pet.refresh_from_db()
    assert pet.mood == "thriving" and summary.weeks[0].user_id == user.pk

    day_close.close_days()  # the close was claimed above: nothing left, no week, no move
    pet.refresh_from_db()
    assert pet.mood == "thriving"

    events = PetEvent.objects.filter(pet=pet, kind="mood")
    before = events.count()
    gamification.move_moods([(user.pk, Activity(D(2026, 11, 23), week.counts, week.last_done))
                             for week in summary.weeks])
    pet.refresh_from_db()
    assert pet.mood == "sad"  # 1 of the last 6 ended days done
    assert events.count() == before + 1 and events.first().detail == f"{pet.name} is sad."


def test_move_moods_changes_only_the_pets_whose_mood_moved(make_user):
    week = [(5, 5)]
    calm, moved, petless = (make_user(f"{n}@example.com") for n in ("calm", "moved", "petless"))
    for user in (calm, moved):
        gamification.pet_of(user)
    Pet.objects.filter(user=calm).update(mood="thriving", created_at=NOW - dt.timedelta(days=30))
    Pet.objects.filter(user=moved).update(mood="sad", created_at=NOW - dt.timedelta(days=30))
    today = D(2026, 11, 23)

    changed = gamification.move_moods([
        (user.pk, Activity(today, week, [today])) for user in (calm, moved, petless)
    ])

    assert changed == 1
    assert dict(Pet.objects.values_list("user_id", "mood")) == {calm.pk: "thriving", moved.pk: "thriving"}
    assert not Pet.objects.filter(user=petless).exists()


def test_a_failing_mood_move_does_not_undo_the_close(make_user, monkeypatch, caplog):
    user = user_with(make_user, "fail@example.com", closed_through=D(2026, 11, 20))
    save_habit(Habit(user=user, name="Walk", start_date=D(2026, 11, 1)))

    def broken(weeks):
        raise RuntimeError("pets are away")

    monkeypatch.setattr(gamification, "move_moods", broken)
    summary = day_close.close_days()

    assert summary["users"] == 1 and summary["missed"] == 2
    assert "pets' moods not updated" in caplog.text
    user.profile.refresh_from_db()
    assert user.profile.closed_through == D(2026, 11, 22)


def test_new_risks_are_queued_once_the_batch_commits(make_user, monkeypatch, time_machine,
                                                     django_capture_on_commit_callbacks):
    time_machine.move_to(dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC), tick=False)
    user = user_with(make_user, "risk@example.com", closed_through=D(2026, 11, 20))
    habit = save_habit(Habit(user=user, name="Stretch", start_date=D(2026, 11, 15)))
    for day in (D(2026, 11, 19), D(2026, 11, 20)):
        commit(habit, day, "done")
    time_machine.move_to(NOW, tick=False)  # the 21st and the 22nd go by, nothing done
    queued = []
    monkeypatch.setattr(day_close, "queue_risk_alerts", queued.extend)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert day_close.close_days()["at_risk"] == 1
    assert queued == []  # not before the close commits
    for callback in callbacks:
        callback()
    assert queued == [(habit.pk, "2026-11-23")]
