"""Creating, editing, viewing, pausing, deleting and reordering habits; the day editor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habits.models import Habit, Occurrence, Pillar
from habitstory.core.formatting import long_date

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Read 20 pages",
        "pillar": "",
        "schedule": "daily",
        "times_per_week": "",
        "every_n_days": "",
        "start_date": "2026-11-23",
        "kind": "yes_no",
        "target_value": "",
        "unit": "",
        "difficulty": "medium",
        "priority": "2",
        "reminder_time": "21:00",
        "timer_minutes": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_create_a_habit(owner_client, owner, pillar, now):
    response = owner_client.post("/habits/new/", form_data(pillar=pillar.pk))
    assert response.status_code == 302
    habit = Habit.objects.get(user=owner)
    assert (habit.name, habit.pillar, habit.schedule, habit.reminder_time) == (
        "Read 20 pages", pillar, "daily", dt.time(21),
    )
    assert habit.consistency is None  # no expected day yet: today is open


def test_create_each_schedule_kind(owner_client, owner, now):
    owner_client.post("/habits/new/", form_data(name="A", schedule="weekdays", weekdays=["0", "2", "4"]))
    owner_client.post("/habits/new/", form_data(name="B", schedule="per_week", times_per_week="3"))
    owner_client.post("/habits/new/", form_data(name="C", schedule="every_n_days", every_n_days="2"))
    owner_client.post("/habits/new/", form_data(name="D", kind="at_least", target_value="8", unit="glasses"))
    habits = {h.name: h for h in Habit.objects.filter(user=owner)}
    assert habits["A"].weekdays == [0, 2, 4] and habits["A"].times_per_week is None
    assert habits["B"].times_per_week == 3
    assert habits["C"].every_n_days == 2
    assert habits["D"].target_value == Decimal(8) and habits["D"].unit == "glasses"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"schedule": "weekdays"}, "weekdays", "Pick at least one day"),
        ({"schedule": "per_week", "times_per_week": "9"}, "times_per_week", "between 1 and 7"),
        ({"schedule": "per_week", "times_per_week": "0"}, "times_per_week", ""),
        ({"schedule": "per_week"}, "times_per_week", "between 1 and 7"),
        ({"schedule": "every_n_days", "every_n_days": "0"}, "every_n_days", ""),
        ({"kind": "at_least"}, "target_value", "needs a target"),
        ({"kind": "at_most", "target_value": "-1"}, "target_value", ""),
        ({"start_date": "soon"}, "start_date", "Enter a valid date"),
        ({"schedule": "hourly"}, "schedule", "Select a valid choice"),
        ({"reminder_time": "25:00"}, "reminder_time", "Enter a valid time"),
    ],
)
def test_bad_input_names_the_field_keeps_what_was_typed_and_saves_nothing(
    owner_client, now, overrides, field, message
):
    response = owner_client.post("/habits/new/", form_data(name=overrides.pop("name", "Typed name"), **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    if field != "name":
        assert b'value="Typed name"' in response.content
    assert not Habit.objects.exists()


def test_another_users_pillar_cannot_be_chosen(owner_client, stranger, now):
    theirs = Pillar.objects.create(user=stranger, name="Theirs")
    response = owner_client.post("/habits/new/", form_data(pillar=theirs.pk))
    assert "pillar" in response.context["form"].errors
    assert not Habit.objects.exists()


def test_edit_a_habit_recomputes_its_stats(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY - dt.timedelta(days=2))
    Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=1), status="done")
    response = owner_client.post(
        f"/habits/{habit.pk}/edit/", form_data(name="Read more", start_date=(TODAY - dt.timedelta(days=1)).isoformat())
    )
    assert response.status_code == 302
    habit.refresh_from_db()
    assert habit.name == "Read more"
    assert (habit.total_done, habit.current_streak, habit.consistency) == (1, 1, 100)


def test_the_habit_page_shows_figures_charts_and_suggestions(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY - dt.timedelta(days=20))
    Occurrence.objects.bulk_create(
        Occurrence(habit=habit, on=TODAY - dt.timedelta(days=d), status="done" if d > 15 else "missed")
        for d in range(1, 21)
    )
    response = owner_client.get(f"/habits/{habit.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Consistency (30 days)" in html
    assert "<svg" in html and 'role="img"' in html
    codes = [code for code, _ in response.context["stats"].suggestions]
    assert "lower_frequency" in codes
    assert f'/habits/{habit.pk}/day/{(TODAY - dt.timedelta(days=1)).isoformat()}/' in html


def habit_page_queries(client, make_habit, days):
    habit = make_habit(f"H{days}", start_date=TODAY - dt.timedelta(days=days))
    Occurrence.objects.bulk_create(
        Occurrence(habit=habit, on=TODAY - dt.timedelta(days=d), status="done" if d % 3 else "missed", note="n" if d % 7 == 0 else "")
        for d in range(1, days)
    )
    client.get(f"/habits/{habit.pk}/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/habits/{habit.pk}/").status_code == 200
    return len(queries)


def test_the_habit_page_runs_a_constant_number_of_queries(owner_client, make_habit, now):
    assert habit_page_queries(owner_client, make_habit, 10) == habit_page_queries(owner_client, make_habit, 700) <= 7


def test_the_habit_pages_history_follows_every_change(owner_client, make_habit, time_machine, now):
    """The charts and notes are cached for the day: each change to the habit or its days
    (through the services), and the next day, shows at once."""
    habit = make_habit("Water", start_date=TODAY - dt.timedelta(days=3), kind="at_least", target_value=8, unit="glasses")
    yesterday = TODAY - dt.timedelta(days=1)
    page = f"/habits/{habit.pk}/"
    day_url = f"/habits/{habit.pk}/day/{yesterday.isoformat()}/"

    def cell(day: dt.date) -> str:
        html = owner_client.get(page).content.decode()
        return html.split(f"<title>{long_date(day)}: ", 1)[1].split("</title>", 1)[0]

    assert cell(yesterday) == "missed"
    owner_client.post(day_url, {"status": "done", "value": "9", "note": "In the park"})
    assert cell(yesterday) == "done, 9 glasses"
    assert "In the park" in owner_client.get(page).content.decode()
    # Nothing the statistics show changes here: the value (still over the target) and the note.
    owner_client.post(day_url, {"status": "done", "value": "10", "note": "In the rain"})
    assert cell(yesterday) == "done, 10 glasses"
    assert "In the rain" in owner_client.get(page).content.decode()
    owner_client.post(f"/habits/{habit.pk}/log/{TODAY.isoformat()}/", {"action": "value", "value": "3"})
    assert cell(TODAY) == "3 of 8 glasses"
    owner_client.post(f"/habits/{habit.pk}/edit/", form_data(
        name="Drink water", kind="at_least", target_value="2", unit="cups", start_date=habit.start_date.isoformat(),
    ))
    assert cell(yesterday) == "done, 10 cups"
    assert "Drink water: the last 53 weeks, day by day" in owner_client.get(page).content.decode()
    owner_client.post(f"/habits/{habit.pk}/status/", {"status": "paused"})
    time_machine.move_to(now + dt.timedelta(days=1), tick=False)
    assert cell(TODAY + dt.timedelta(days=1)) == "paused"


def test_backfill_a_past_day(owner_client, make_habit, now):
    habit = make_habit()
    yesterday = TODAY - dt.timedelta(days=1)
    url = f"/habits/{habit.pk}/day/{yesterday.isoformat()}/"
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, {"status": "done", "note": "Evening, in the park"})
    assert response.status_code == 302
    occurrence = Occurrence.objects.get(habit=habit, on=yesterday)
    assert (occurrence.status, occurrence.note) == ("done", "Evening, in the park")
    habit.refresh_from_db()
    assert habit.current_streak == 1
    owner_client.post(url, {"status": "open", "note": ""})
    occurrence.refresh_from_db()
    assert occurrence.status == "scheduled"
    habit.refresh_from_db()
    assert habit.current_streak == 0


def test_the_day_editor_refuses_future_days_and_asks_before_the_start(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY - dt.timedelta(days=3))
    assert owner_client.get(f"/habits/{habit.pk}/day/{(TODAY + dt.timedelta(days=1)).isoformat()}/").status_code == 404
    assert owner_client.get(f"/habits/{habit.pk}/day/1999-12-31/").status_code == 404
    # A day before the start offers to move the start (tests/habits/test_backfill.py), no form.
    before = owner_client.get(f"/habits/{habit.pk}/day/{(TODAY - dt.timedelta(days=4)).isoformat()}/")
    assert before.status_code == 200 and "form" not in before.context


def test_the_day_editor_validates_the_status(owner_client, make_habit, now):
    habit = make_habit()
    response = owner_client.post(f"/habits/{habit.pk}/day/{TODAY.isoformat()}/", {"status": "maybe", "note": "kept"})
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert b"kept" in response.content
    assert not Occurrence.objects.exists()


def test_pause_and_resume_record_the_paused_days(owner_client, make_habit, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC), tick=False)
    habit = make_habit(start_date=dt.date(2026, 11, 1))
    owner_client.post(f"/habits/{habit.pk}/status/", {"status": "paused"})
    time_machine.move_to(dt.datetime(2026, 11, 15, 12, tzinfo=dt.UTC), tick=False)
    owner_client.post(f"/habits/{habit.pk}/status/", {"status": "active"})
    habit.refresh_from_db()
    assert habit.status == "active"
    assert habit.pauses == [["2026-11-10", "2026-11-14"]]
    assert not habit.is_scheduled_on(dt.date(2026, 11, 12))
    assert habit.is_scheduled_on(dt.date(2026, 11, 15))


def test_archive_hides_from_today(owner_client, make_habit, now):
    habit = make_habit()
    owner_client.post(f"/habits/{habit.pk}/status/", {"status": "archived"})
    habit.refresh_from_db()
    assert habit.status == "archived"
    assert owner_client.get("/").context["rows"] == []


def test_delete_restore_and_the_recently_deleted_list(owner_client, make_habit, now):
    habit = make_habit()
    owner_client.post(f"/habits/{habit.pk}/delete/")
    habit.refresh_from_db()
    assert habit.deleted_at == now
    assert owner_client.get(f"/habits/{habit.pk}/").status_code == 404
    assert b"Read" in owner_client.get("/habits/deleted/").content
    owner_client.post(f"/habits/{habit.pk}/restore/")
    habit.refresh_from_db()
    assert habit.deleted_at is None


def test_deleted_habits_are_purged_after_30_days(make_habit, now):
    from habits.services import purge_deleted

    old, recent = make_habit("Old"), make_habit("Recent")
    Habit.objects.filter(pk=old.pk).update(deleted_at=now - dt.timedelta(days=31))
    Habit.objects.filter(pk=recent.pk).update(deleted_at=now - dt.timedelta(days=29))
    assert purge_deleted(now) == 1
    assert list(Habit.objects.values_list("name", flat=True)) == ["Recent"]


def test_reorder_habits(owner_client, make_habit, now):
    make_habit("First", position=0)
    second = make_habit("Second", position=1)
    owner_client.post(f"/habits/{second.pk}/move/", {"direction": "up"})
    assert [r.habit.name for r in owner_client.get("/").context["rows"]] == ["Second", "First"]


def test_apply_the_easier_difficulty_suggestion(owner_client, make_habit, now):
    habit = make_habit(difficulty="hard")
    owner_client.post(f"/habits/{habit.pk}/suggestion/", {"code": "easier_difficulty"})
    habit.refresh_from_db()
    assert habit.difficulty == "medium"
    response = owner_client.post(f"/habits/{habit.pk}/suggestion/", {"code": "nonsense"}, follow=True)
    assert b"Unknown suggestion" in response.content


def test_the_dashboard(owner_client, make_habit, now):
    good = make_habit("Good", start_date=TODAY - dt.timedelta(days=5))
    Occurrence.objects.bulk_create(
        Occurrence(habit=good, on=TODAY - dt.timedelta(days=d), status="done") for d in range(0, 5)
    )
    make_habit("Risky", start_date=TODAY - dt.timedelta(days=5))
    from habits.recompute import recompute_stats

    recompute_stats(Habit.objects.all())
    response = owner_client.get("/habits/dashboard/")
    assert response.status_code == 200
    assert [h.name for h in response.context["best"]] == ["Good"]
    assert [h.name for h in response.context["at_risk"]] == ["Risky"]
    assert (response.context["done"], response.context["total"]) == (1, 2)


STRANGER_GETS = ["/habits/{pk}/", "/habits/{pk}/edit/", "/habits/{pk}/day/2026-11-23/"]
STRANGER_POSTS = ["/habits/{pk}/status/", "/habits/{pk}/delete/", "/habits/{pk}/restore/", "/habits/{pk}/move/",
                  "/habits/{pk}/suggestion/", "/habits/{pk}/edit/", "/habits/{pk}/day/2026-11-23/"]


def test_the_stranger_gets_404_everywhere(client, stranger, make_habit, pillar, now):
    habit = make_habit()
    client.force_login(stranger)
    for url in STRANGER_GETS:
        assert client.get(url.format(pk=habit.pk)).status_code == 404, url
    for url in STRANGER_POSTS:
        assert client.post(url.format(pk=habit.pk), {"status": "paused", "direction": "up"}).status_code == 404, url
    for url in ("/habits/pillars/{pk}/", "/habits/pillars/{pk}/delete/", "/habits/pillars/{pk}/move/"):
        assert client.post(url.format(pk=pillar.pk)).status_code == 404, url
    habit.refresh_from_db()
    assert habit.status == "active" and habit.deleted_at is None
    assert Pillar.objects.filter(pk=pillar.pk).exists()


@pytest.mark.parametrize("url", ["/habits/{pk}/status/", "/habits/{pk}/delete/", "/habits/{pk}/restore/",
                                 "/habits/{pk}/move/", "/habits/{pk}/suggestion/"])
def test_changes_are_post_only(owner_client, make_habit, now, url):
    habit = make_habit()
    assert owner_client.get(url.format(pk=habit.pk)).status_code == 405


def test_pages_need_login(client, make_habit, now):
    habit = make_habit()
    for url in ["/habits/new/", f"/habits/{habit.pk}/", "/habits/dashboard/", "/habits/pillars/", "/habits/deleted/"]:
        assert client.get(url).status_code == 302, url


def test_pillars_create_rename_reorder_delete(owner_client, owner, make_habit, now):
    response = owner_client.post("/habits/pillars/", {"name": "Mind", "color": "#123456", "icon": "brain"})
    assert response.status_code == 302
    mind = Pillar.objects.get(user=owner, name="Mind")
    body = Pillar.objects.create(user=owner, name="Body", position=5)
    duplicate = owner_client.post("/habits/pillars/", {"name": "mind", "color": "#123456", "icon": ""})
    assert "name" in duplicate.context["form"].errors
    bad_colour = owner_client.post("/habits/pillars/", {"name": "Craft", "color": "red", "icon": ""})
    assert "color" in bad_colour.context["form"].errors and b'value="Craft"' in bad_colour.content
    owner_client.post(f"/habits/pillars/{mind.pk}/", {"name": "Mind & soul", "color": "#654321", "icon": "star"})
    mind.refresh_from_db()
    assert (mind.name, mind.icon) == ("Mind & soul", "star")
    owner_client.post(f"/habits/pillars/{body.pk}/move/", {"direction": "up"})
    assert list(Pillar.objects.filter(user=owner).order_by("position").values_list("name", flat=True)) == [
        "Body", "Mind & soul",
    ]
    habit = make_habit(pillar=mind)
    owner_client.post(f"/habits/pillars/{mind.pk}/delete/")
    habit.refresh_from_db()
    assert habit.pillar is None and not Pillar.objects.filter(pk=mind.pk).exists()


def test_pillars_show_consistency_and_todays_progress(owner_client, owner, make_habit, pillar, now):
    habit = make_habit(pillar=pillar)
    Occurrence.objects.create(habit=habit, on=TODAY, status="done")
    response = owner_client.get("/habits/pillars/")
    entry = next(e for e in response.context["summaries"] if e["pillar"] == pillar)
    assert (entry["done"], entry["due"]) == (1, 1)


def test_new_users_get_default_pillars(client):
    client.post("/accounts/signup/", {"email": "new@example.com", "password1": "a-long-pass-91", "password2": "a-long-pass-91"})
    assert list(Pillar.objects.values_list("name", flat=True)) == ["Health", "Mind", "Craft"]


def test_export_and_import_round_trip_through_the_pages(owner_client, make_habit, now, client, make_user):

    from django.core.files.uploadedfile import SimpleUploadedFile

    habit = make_habit()
    Occurrence.objects.create(habit=habit, on=TODAY, status="done", note='a, "quoted" note')
    csv_response = owner_client.get("/habits/export.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = b"".join(csv_response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + (TODAY - habit.start_date).days + 1  # a row a day, through today
    assert lines[-1].split(",")[2:4] == ["2026-11-23", "done"] and lines[-1].endswith('"a, ""quoted"" note"')
    exported = owner_client.get("/habits/export.json")
    assert "attachment" in exported["Content-Disposition"]

    other = make_user("other@example.com")
    client.force_login(other)
    upload = SimpleUploadedFile("export.json", exported.content, content_type="application/json")
    assert client.post("/habits/import/", {"file": upload}).status_code == 302
    assert Habit.objects.get(user=other).occurrences.get().note == 'a, "quoted" note'
    again = SimpleUploadedFile("export.json", exported.content, content_type="application/json")
    client.post("/habits/import/", {"file": again})
    assert Habit.objects.filter(user=other).count() == 1


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b'{"format": "something else"}', b"\xff\xfe"])
def test_a_bad_import_file_is_explained_and_imports_nothing(owner_client, owner, now, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = owner_client.post("/habits/import/", {"file": SimpleUploadedFile("x.json", content)})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not Habit.objects.filter(user=owner).exists()


@pytest.mark.parametrize("start", ["0001-01-01", "1999-12-31", "2028-01-01"])
def test_start_dates_stay_within_reason(owner_client, now, start):
    response = owner_client.post("/habits/new/", form_data(start_date=start))
    assert "start_date" in response.context["form"].errors
    assert not Habit.objects.exists()
