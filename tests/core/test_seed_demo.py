from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command

from habitstory.accounts.models import User
from habits.models import Habit, Occurrence

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_account_with_90_days_of_history(time_machine, capsys):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
    call_command("seed_demo")
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    assert demo.emailaddress_set.get().verified
    habits = Habit.objects.filter(user=demo)
    assert habits.count() >= 5
    days = Occurrence.objects.filter(habit__user=demo).dates("on", "day")
    assert days.first() == dt.date(2026, 8, 25)
    assert days.last() == dt.date(2026, 11, 22)
    done = Occurrence.objects.filter(habit__user=demo, status="done").count()
    assert 250 < done < 450
    staff = User.objects.get(email=settings.STAFF_EMAIL)
    assert staff.is_staff and staff.is_superuser
    assert f"{settings.DEMO_EMAIL} / {settings.DEMO_PASSWORD}" in capsys.readouterr().out


def test_it_is_idempotent():
    call_command("seed_demo")
    counts = (User.objects.count(), Habit.objects.count(), Occurrence.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Habit.objects.count(), Occurrence.objects.count()) == counts


def test_the_demo_and_staff_logins_work(client):
    call_command("seed_demo")
    assert client.login(email=settings.DEMO_EMAIL, password=settings.DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    client.logout()
    assert client.login(email=settings.STAFF_EMAIL, password=settings.STAFF_PASSWORD)
    assert client.get("/admin/").status_code == 200
