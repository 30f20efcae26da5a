"""The weekly digest: its figures for the user's local week, and when and how it is sent."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from gamification import rules
from goals.models import Goal
from goals.pace import pace
from habits.models import Habit, Pillar
from habits.services import delete_habit, log_occurrence, save_habit, set_status
from habitstory.notifications.models import Notification
from habitstory.story import digest as digest_module
from habitstory.story.commit import commit
from habitstory.story.digest import build_digest, send_digests

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 3, 2)  # Monday 2 – Sunday 8 March 2026
NEXT = dt.date(2026, 3, 9)  # the Monday the digest of that week goes out
UTC = dt.UTC


def at(zone: str, *args) -> dt.datetime:
    """A local wall time in `zone`, as an aware datetime."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


def day(n: int) -> dt.date:
    """The nth day of the digest's week (0 = Monday 2 March)."""
    return WEEK + dt.timedelta(days=n)


@pytest.fixture
def clock(time_machine):
    def move(when: dt.datetime) -> dt.datetime:
        time_machine.move_to(when, tick=False)
        return when

    move(at("Europe/London", 2026, 3, 9, 6, 0))
    return move


@pytest.fixture
def run(clock):
    def run(when: dt.datetime) -> dict:
        clock(when)
        return send_digests()

    return run


@pytest.fixture
def make_profile_user(make_user):
    def make(email: str = "owner@example.com", zone: str = "Europe/London", **profile):
        user = make_user(email)
        user.profile.timezone = zone
        for name, value in profile.items():
            setattr(user.profile, name, value)
        user.profile.save()
        return user

    return make


def make_habit(user, name: str = "Stretch", start=dt.date(2026, 2, 1), **fields) -> Habit:
    return save_habit(Habit(user=user, name=name, start_date=start, **fields))


def digests(user=None) -> list[Notification]:
    rows = Notification.objects.filter(kind="digest").order_by("id")
    return list(rows.filter(user=user) if user else rows)


def prefs(user, channels: list[str]) -> None:
    profile = user.profile
    profile.notification_preferences = {**profile.notification_preferences, "digest": channels}
    profile.save()


# --- the figures ------------------------------------------------------------------------------


@pytest.fixture
def history(make_profile_user, clock):
    """A London user's week of 2–8 March, logged on the Monday after (backfilled: no XP)."""
    user = make_profile_user()
    health = Pillar.objects.create(user=user, name="Health", color="#22aa55", position=0)
    mind = Pillar.objects.create(user=user, name="Mind", color="#3355cc", position=1)
    clock(at("Europe/London", 2026, 3, 9, 6, 30))

    run_ = make_habit(user, "Run", pillar=health)  # daily
    for n in range(5):
        log_occurrence(run_, day(n), "done")  # Mon–Fri
    log_occurrence(run_, day(5), "skipped")  # Sat: not expected any more; Sun left open
    log_occurrence(run_, day(-1), "done")  # the Sunday before: another week
    log_occurrence(run_, NEXT, "done")  # today: the next week

    read = make_habit(user, "Read", pillar=mind, schedule=Habit.Schedule.WEEKDAYS, weekdays=[0, 2, 4])
    log_occurrence(read, day(0), "done")
    log_occurrence(read, day(1), "done")  # a Tuesday: not a reading day, does not count

    meditate = make_habit(user, "Meditate", pillar=mind, schedule=Habit.Schedule.PER_WEEK, times_per_week=3)
    for n in range(4):
        log_occurrence(meditate, day(n), "done")  # 4 of "3 a week": the week is full, not 133%

    walk = make_habit(user, "Walk", start=day(5))  # no pillar; started on the Saturday
    log_occurrence(walk, day(5), "done")

    archived = make_habit(user, "Old habit", pillar=health)
    set_status(archived, Habit.Status.ARCHIVED)
    delete_habit(make_habit(user, "Deleted", pillar=health))
    make_habit(user, "Later", start=NEXT)  # starts after the week
    return user


def test_it_scores_the_week_per_pillar_and_overall(history):
    d = build_digest(history, WEEK)

    assert (d.week_start, d.week_end, d.week_label) == (WEEK, day(6), "2–8 Mar 2026")
    assert [(p.name, p.share.done, p.share.expected, p.share.percent) for p in d.pillars] == [
        ("Health", 5, 6, 83),  # Run: Mon–Fri of 6 (the skipped Saturday is not expected)
        ("Mind", 4, 6, 67),  # Read 1 of 3, Meditate 3 of 3
        ("No pillar", 1, 2, 50),  # Walk, from its start
    ]
    assert (d.overall.done, d.overall.expected, d.overall.percent) == (10, 14, 71)
    assert d.title == "Your week, 2–8 Mar 2026: 71% consistency"


def test_at_risk_and_streaks_are_the_habits_own(history):
    d = build_digest(history, WEEK)
    # Read missed Wednesday and Friday, its last two expected days.
    assert [h.name for h in d.at_risk] == ["Read"]
    # Meditate's week was full: 1 week. Run's open Sunday broke its streak; done today: 1 day.
    assert [(s.name, s.text) for s in d.best_streaks] == [("Meditate", "1 week"), ("Run", "1 day")]


def test_best_streaks_are_the_top_three_active_ones(make_profile_user, clock):
    user = make_profile_user()
    clock(at("Europe/London", 2026, 3, 9, 6, 30))
    for name, days in [("A", 2), ("B", 5), ("C", 1), ("D", 5), ("E", 4)]:
        habit = make_habit(user, name)
        for n in range(days):
            log_occurrence(habit, day(6 - n), "done")
    paused = make_habit(user, "Paused")
    for n in range(7):
        log_occurrence(paused, day(6 - n), "done")
    set_status(paused, Habit.Status.PAUSED)

    d = build_digest(user, WEEK)
    assert [(s.name, s.text) for s in d.best_streaks] == [("B", "5 days"), ("D", "5 days"), ("E", "4 days")]


def test_xp_counts_the_users_local_week_only(make_profile_user, clock):
    """Auckland is 13 hours ahead in March: its Monday 00:30 is Sunday 11:30 in UTC."""
    user = make_profile_user(zone="Pacific/Auckland")
    habit = make_habit(user, "Run", difficulty="easy")

    def tick(*local) -> int:
        when = clock(at("Pacific/Auckland", *local))
        return commit(habit, user.profile.local_today(when), "done", now=when).xp

    before = tick(2026, 3, 1, 23, 30)  # Sunday before the week
    first = tick(2026, 3, 2, 0, 30)  # Monday 00:30: 1 March 11:30 UTC
    last = tick(2026, 3, 8, 23, 30)  # Sunday, last day of the week
    after = tick(2026, 3, 9, 0, 30)  # next Monday: still Sunday 8 March in UTC
    assert min(before, first, last, after) > 0

    user.profile.refresh_from_db()
    d = build_digest(user, WEEK)
    assert d.xp_week == first + last
    assert d.xp_total == user.profile.xp_total == before + first + last + after
    assert (d.level, d.level_into, d.level_need) == rules.level_for(user.profile.xp_total)


def test_goals_show_progress_pace_and_those_completed_in_the_local_week(make_profile_user, clock):
    """Los Angeles moved to summer time on Sunday 8 March: its week ends at 07:00 UTC on the 9th."""
    user = make_profile_user(zone="America/Los_Angeles")
    make_habit(user)
    clock(at("America/Los_Angeles", 2026, 3, 9, 7, 30))

    def goal(name, **fields) -> Goal:
        fields.setdefault("start_date", dt.date(2026, 3, 1))
        return Goal.objects.create(user=user, name=name, target_value=Decimal(100), unit="km", **fields)

    goal("Later", current_value=Decimal(10))  # no deadline: listed last
    soon = goal("Soon", current_value=Decimal(40), deadline=dt.date(2026, 3, 31))
    goal("Sunday night", current_value=Decimal(100), completed_at=dt.datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
    goal("Monday night", current_value=Decimal(100), completed_at=dt.datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    goal("Too early", current_value=Decimal(100), completed_at=dt.datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    goal("Too late", current_value=Decimal(100), completed_at=dt.datetime(2026, 3, 9, 7, 30, tzinfo=UTC))

    d = build_digest(user, WEEK)
    assert [s.goal.name for s in d.completed_goals] == ["Monday night", "Sunday night"]
    assert [s.goal.name for s in d.goals] == ["Soon", "Later"]
    first = d.goals[0]
    assert (first.current, first.target, first.percent) == ("40", "100", 40)
    assert first.pace == pace(soon.start_date, NEXT, Decimal(40), Decimal(100), soon.deadline)
    assert first.pace.label == "ahead"  # the plan is at 29 after 9 of 31 days
    assert d.more_goals == 0


def test_it_lists_at_most_five_open_goals(make_profile_user, clock):
    user = make_profile_user()
    for i in range(7):
        Goal.objects.create(user=user, name=f"G{i}", target_value=10, start_date=WEEK, deadline=day(i + 10))
    d = build_digest(user, WEEK)
    assert [s.goal.name for s in d.goals] == ["G0", "G1", "G2", "G3", "G4"]
    assert d.more_goals == 2


def test_a_week_with_nothing_due_has_no_percentage(make_profile_user, clock):
    user = make_profile_user()
    make_habit(user, start=NEXT)
    d = build_digest(user, WEEK)
    assert d.overall.percent is None and d.pillars == []
    assert d.title == "Your week, 2–8 Mar 2026"


def test_it_reads_a_bounded_number_of_queries(make_profile_user, clock):
    def queries(user) -> int:
        with CaptureQueriesContext(connection) as ctx:
            build_digest(user, WEEK)
        return len(ctx.captured_queries)

    small, large = make_profile_user("small@example.com"), make_profile_user("large@example.com")
    make_habit(small)
    for i in range(12):
        habit = make_habit(large, f"Habit {i}", schedule=Habit.Schedule.PER_WEEK if i % 2 else Habit.Schedule.DAILY,
                           times_per_week=3 if i % 2 else None)
        for n in range(7):
            log_occurrence(habit, day(n), "done")
        Goal.objects.create(user=large, name=f"Goal {i}", target_value=10, start_date=WEEK)
    from quests.models import Quest  # quests done in the week: one query however many

    for n in range(4):
        Quest.objects.create(user=large, title=f"Q{n}", xp_reward=20, status="done", completed_on=day(n))
    assert queries(large) == queries(small) <= 6


# --- when it is sent ---------------------------------------------------------------------------


def test_each_user_gets_it_at_their_local_hour_on_their_weeks_first_day(run, make_profile_user):
    users = {
        "Pacific/Auckland": make_profile_user("akl@example.com", "Pacific/Auckland"),
        "Europe/London": make_profile_user("lon@example.com", "Europe/London"),
        "America/Los_Angeles": make_profile_user("lax@example.com", "America/Los_Angeles"),
        "sunday": make_profile_user("sun@example.com", "America/Los_Angeles", week_start=6),
    }
    for user in users.values():
        make_habit(user)

    sent_at = {}
    hour = dt.datetime(2026, 3, 6, 0, 10, tzinfo=UTC)  # Friday, hourly at :10 until Wednesday
    while hour < dt.datetime(2026, 3, 11, 0, 0, tzinfo=UTC):
        before = {n.user_id for n in digests()}
        summary = run(hour)
        assert summary["failed"] == []
        for n in digests():
            if n.user_id not in before:
                sent_at[n.user_id] = hour
        hour += dt.timedelta(hours=1)

    # 07:00 local on Monday 9 March (the first run at or after it), or Sunday 8 March
    # for the user whose week starts on Sunday (its week: Sunday 1 – Saturday 7).
    assert sent_at == {
        users["Pacific/Auckland"].pk: dt.datetime(2026, 3, 8, 18, 10, tzinfo=UTC),  # NZDT, +13
        users["Europe/London"].pk: dt.datetime(2026, 3, 9, 7, 10, tzinfo=UTC),  # GMT
        users["America/Los_Angeles"].pk: dt.datetime(2026, 3, 9, 14, 10, tzinfo=UTC),  # PDT since Sunday
        users["sunday"].pk: dt.datetime(2026, 3, 8, 14, 10, tzinfo=UTC),  # PDT from 02:00 that day
    }
    keys = {n.user_id: n.key for n in digests()}
    assert keys[users["Europe/London"].pk] == "digest:2026-03-02"
    assert keys[users["sunday"].pk] == "digest:2026-03-01"
    assert len(mail.outbox) == 4


def test_it_follows_the_prompt_window(run, make_profile_user):
    late = make_profile_user("late@example.com", prompt_window_start=dt.time(9, 30))
    all_day = make_profile_user(
        "allday@example.com", prompt_window_start=dt.time(0, 0), prompt_window_end=dt.time(0, 0)
    )
    make_habit(late)
    make_habit(all_day)
    assert run(at("Europe/London", 2026, 3, 9, 7, 10))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 9, 8, 10))["sent"] == 1  # all day: 08:00
    assert digests() == digests(all_day)
    assert run(at("Europe/London", 2026, 3, 9, 9, 10))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 9, 10, 10))["sent"] == 1
    assert len(digests(late)) == 1


def test_a_late_run_catches_up_within_the_day_but_not_the_next(run, make_profile_user):
    user = make_profile_user()
    make_habit(user)
    assert run(at("Europe/London", 2026, 3, 9, 6, 10))["sent"] == 0  # before 07:00
    assert run(at("Europe/London", 2026, 3, 9, 23, 10))["sent"] == 1  # 16 hours late
    assert run(at("Europe/London", 2026, 3, 17, 0, 10))["sent"] == 0  # Tuesday: too late for the next one
    assert run(at("Europe/London", 2026, 3, 18, 8, 10))["sent"] == 0


def test_a_day_start_hour_keeps_the_week_until_it_ends(run, make_profile_user):
    user = make_profile_user(day_start_hour=3, prompt_window_start=dt.time(1, 0))
    make_habit(user)
    # 01:00 on Monday still belongs to Sunday; the window's start is at the end of the day.
    assert run(at("Europe/London", 2026, 3, 9, 1, 10))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 9, 12, 10))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 10, 1, 10))["sent"] == 1
    assert digests(user)[0].key == "digest:2026-03-02"


def test_a_repeated_run_sends_once(run, make_profile_user):
    user = make_profile_user()
    make_habit(user)
    when = at("Europe/London", 2026, 3, 9, 7, 10)
    assert run(when) == {"checked": 1, "due": 1, "sent": 1, "failed": []}
    assert run(when) == {"checked": 1, "due": 0, "sent": 0, "failed": []}
    assert run(when + dt.timedelta(hours=1))["sent"] == 0
    assert len(digests(user)) == 1 and len(mail.outbox) == 1
    # Overlapping runs: the one that loses the race finds the key taken.
    assert digest_module.send_digest(user, WEEK, now=when) is False


def test_only_users_with_a_habit_started_by_the_weeks_end_get_one(run, make_profile_user):
    make_profile_user("nohabits@example.com")
    archived = make_profile_user("archived@example.com")
    set_status(make_habit(archived), Habit.Status.ARCHIVED)
    deleted = make_profile_user("deleted@example.com")
    delete_habit(make_habit(deleted))
    new = make_profile_user("new@example.com")
    make_habit(new, start=NEXT)
    inactive = make_profile_user("inactive@example.com")
    make_habit(inactive)
    inactive.is_active = False
    inactive.save()
    keen = make_profile_user("keen@example.com")
    make_habit(keen)

    summary = run(at("Europe/London", 2026, 3, 9, 7, 10))
    assert summary == {"checked": 2, "due": 1, "sent": 1, "failed": []}  # new and keen were checked
    assert [n.user for n in digests()] == [keen]
    assert [m.to for m in mail.outbox] == [["keen@example.com"]]


# --- how it is sent ----------------------------------------------------------------------------


def test_it_is_an_html_and_text_email_with_the_figures(run, history, settings):
    assert run(at("Europe/London", 2026, 3, 9, 7, 10))["sent"] == 1
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject.endswith("Your week, 2–8 Mar 2026: 71% consistency")
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    text = message.body
    for body in (text, html):
        assert "2–8 Mar 2026" in body
        assert "71%" in body and "10 of 14" in body
        assert "Health" in body and "83%" in body and "Mind" in body and "67%" in body
        assert "Meditate" in body and "1 week" in body
        assert "Read" in body  # at risk
        assert f"{settings.SITE_URL}/habits/dashboard/" in body
        assert f"{settings.SITE_URL}/profile/" in body  # change preferences
    assert "<img" not in html and "<link" not in html and "<script" not in html and "url(" not in html
    assert "&lt;" not in text  # the text part is not HTML-escaped

    [n] = digests()
    assert n.url == "/habits/dashboard/" and n.key == "digest:2026-03-02"
    assert "Consistency 71%: 10 of 14 days done." in n.body
    assert dict(n.deliveries.values_list("channel", "status")) == {
        "in_app": "skipped_pref", "push": "skipped_pref", "email": "sent"
    }


def test_quiet_hours_hold_back_the_email_but_keep_the_in_app_copy(run, make_profile_user):
    user = make_profile_user(quiet_hours_start=dt.time(22, 0), quiet_hours_end=dt.time(7, 30))
    prefs(user, ["in_app", "email"])
    make_habit(user)
    assert run(at("Europe/London", 2026, 3, 9, 7, 10))["sent"] == 1
    [n] = digests(user)
    assert n.in_app
    assert n.deliveries.get(channel="email").status == "skipped_quiet"
    assert mail.outbox == []
    assert run(at("Europe/London", 2026, 3, 9, 8, 10))["sent"] == 0  # once a week, even so


@pytest.mark.parametrize("channels", [["in_app"], []])
def test_without_email_in_the_preferences_no_mail_is_sent(run, make_profile_user, channels):
    user = make_profile_user()
    prefs(user, channels)
    make_habit(user)
    assert run(at("Europe/London", 2026, 3, 9, 7, 10))["sent"] == 1
    [n] = digests(user)
    assert n.in_app is ("in_app" in channels)
    assert n.deliveries.get(channel="email").status == "skipped_pref"
    assert mail.outbox == []


def test_a_failing_user_does_not_stop_the_others(run, make_profile_user, monkeypatch, caplog):
    broken, fine = make_profile_user("broken@example.com"), make_profile_user("fine@example.com")
    make_habit(broken)
    make_habit(fine)
    real = digest_module.build_digest

    def build(user, week_start, **kwargs):
        if user.pk == broken.pk:
            raise RuntimeError("bad data")
        return real(user, week_start, **kwargs)

    monkeypatch.setattr(digest_module, "build_digest", build)
    summary = run(at("Europe/London", 2026, 3, 9, 7, 10))
    assert (summary["sent"], summary["failed"]) == (1, [broken.pk])
    assert [n.user for n in digests()] == [fine]
    assert f"send_digests: sending failed for user {broken.pk}" in caplog.text

    monkeypatch.setattr(digest_module, "build_digest", real)  # fixed: the next run catches up
    assert run(at("Europe/London", 2026, 3, 9, 8, 10)) == {"checked": 2, "due": 1, "sent": 1, "failed": []}


# --- the task and the command ------------------------------------------------------------------


def test_the_task_runs_the_job_and_records_its_success(make_profile_user, clock, client):
    from habitstory.notifications import tasks

    make_habit(make_profile_user())
    when = clock(dt.datetime(2026, 3, 9, 7, 10, tzinfo=UTC))
    assert tasks.send_digests() == {"checked": 1, "due": 1, "sent": 1, "failed": []}
    job = client.get("/healthz").json()["jobs"]["notifications.send_digests"]
    assert job["name"] == "Weekly digest"
    assert dt.datetime.fromisoformat(job["last_success"]) == when


def test_the_command_sends_for_one_user_at_a_given_time(make_profile_user, clock, capsys):
    one, other = make_profile_user("one@example.com"), make_profile_user("other@example.com")
    make_habit(one)
    make_habit(other)
    call_command("send_digests", "--user", "ONE@example.com", "--now", "2026-03-09T07:10+00:00")
    assert [n.user for n in digests()] == [one]
    assert "Sent 1 digests (1 due, 1 users with habits checked)." in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, error",
    [
        (["--user", "nobody@example.com"], "No user"),
        (["--now", "Monday"], "--now must be"),
        (["--now", "2026-03-09T07:10"], "UTC offset"),
    ],
)
def test_the_command_refuses_bad_arguments(make_profile_user, args, error):
    from django.core.management import CommandError

    make_profile_user()
    with pytest.raises(CommandError, match=error):
        call_command("send_digests", *args)


def test_it_lists_the_quests_done_in_the_week(make_profile_user, clock):
    from quests.models import Quest

    user = make_profile_user()
    make_habit(user)

    def done(title: str, on: dt.date, status: str = "done") -> None:
        at = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
        Quest.objects.create(user=user, title=title, xp_reward=20, status=status, completed_on=on, completed_at=at)

    done("Before the week", WEEK - dt.timedelta(days=1))
    for n in range(6):
        done(f"Quest {n}", day(n))
    done("Reopened since", day(1), status="active")
    done("Next week", WEEK + dt.timedelta(days=7))
    d = build_digest(user, WEEK)
    assert d.completed_quests == [f"Quest {n}" for n in range(5)] and d.more_quests == 1
    assert "Quests done: Quest 0, Quest 1, Quest 2, Quest 3, Quest 4 and 1 more." in d.summary_text()
    text = render_to_string("notifications/email/digest.txt", {"digest": d})
    assert "Quests done\n- Quest 0\n" in text and "  and 1 more" in text
    html = render_to_string("notifications/email/digest.html", {"digest": d})
    assert "<li>Quest 4</li><li>and 1 more</li>" in html
