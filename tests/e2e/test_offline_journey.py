"""Offline-first Today, in Chromium with Playwright's network emulation (context.set_offline,
which the service worker's fetches obey too): the service worker keeps the last Today and
the habit pages visited, per user; ticks, undos, skips and amounts made offline are queued on
the device, shown at once as "saved on this device, will sync", and replayed exactly once
through the API when the connection returns."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from gamification.models import XPEvent
from habits.models import Habit, Occurrence
from habits.services import delete_habit, save_habit
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"
PENDING = "Saved on this device, will sync"


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


def copy_kept(page: Page) -> None:
    """The service worker controls the page and holds a copy of it."""
    expect(page.locator("html")).to_have_attribute("data-offline-copy-kept", "1", timeout=15_000)


def go_offline(context: BrowserContext, *pages: Page) -> None:
    context.set_offline(True)
    for page in pages:
        page.wait_for_function("navigator.onLine === false")


@pytest.fixture
def account(make_user):
    user = make_user("offline@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"  # the browser's zone in these tests
    user.profile.save()
    start = user.profile.local_today() - dt.timedelta(days=3)
    stretch = save_habit(Habit(user=user, name="Stretch", start_date=start))
    read = save_habit(Habit(user=user, name="Read", start_date=start))
    water = save_habit(Habit(user=user, name="Water", start_date=start, kind="at_least",
                             target_value=Decimal(3), unit="glasses"))
    return user, stretch, read, water


def ledger(habit: Habit) -> list[tuple[str, int]]:
    """The XP ledger's entries for the habit's days (an undo appends the negative)."""
    days = {str(pk) for pk in Occurrence.objects.filter(habit=habit).values_list("pk", flat=True)}
    events = XPEvent.objects.filter(source__startswith="occurrence:").order_by("id")
    return [(event.reason, event.amount) for event in events if event.source.split(":")[1] in days]


def queued(page: Page) -> list[dict]:
    return page.evaluate(
        "import('/static/js/offline-queue.js').then((queue) => queue.entriesFor(document.body.dataset.userKey))"
    )


def row(page: Page, habit: Habit):
    return page.locator(f"#habit-row-{habit.pk}")


def test_a_tick_made_offline_survives_a_reload_and_syncs_exactly_once(server, page: Page, context, account):
    user, stretch, read, water = account
    log_in(page, server.url, user.email)
    copy_kept(page)
    go_offline(context, page)

    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()
    expect(row(page, stretch)).to_have_class("habit-row is-done is-pending")
    expect(row(page, stretch)).to_contain_text(PENDING)
    assert not Occurrence.objects.filter(habit=stretch).exists()

    # Reloading offline: the service worker's copy of Today, and the change still pending.
    page.reload()
    expect(page.locator(".offline-banner")).to_have_text(re.compile(r"^Offline: showing your last copy from \d\d:\d\d$"))
    expect(row(page, stretch)).to_have_class("habit-row is-done is-pending")
    expect(row(page, stretch)).to_contain_text(PENDING)
    assert not Occurrence.objects.filter(habit=stretch).exists()

    context.set_offline(False)
    # Back online: the page reloads from the server and the change is sent once.
    expect(page.locator(".offline-banner")).to_have_count(0, timeout=10_000)
    expect(row(page, stretch)).to_have_class("habit-row is-done", timeout=10_000)
    expect(page.locator("body")).to_have_attribute("data-offline-pending", "0")
    expect(page.locator("#today-progress")).to_contain_text("1 of 3 done")
    page.wait_for_timeout(1500)  # Background Sync may fire too: it must find nothing left
    occurrences = list(Occurrence.objects.filter(habit=stretch).values_list("on", "status"))
    assert occurrences == [(user.profile.local_today(), "done")]
    [(reason, amount)] = ledger(stretch)
    assert reason == "habit_done" and amount > 0
    assert queued(page) == []


def test_undo_and_redo_offline_collapse_to_the_final_state(server, page: Page, context, account):
    user, stretch, read, water = account
    log_in(page, server.url, user.email)
    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()  # online
    expect(row(page, stretch)).to_have_class("habit-row is-done")
    copy_kept(page)
    go_offline(context, page)

    # Stretch: undone and done again; Read: done and undone; Water: + + + −.
    row(page, stretch).get_by_role("button", name="Stretch: done. Undo").click()
    expect(row(page, stretch)).to_have_class("habit-row is-scheduled is-pending")
    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()
    expect(row(page, stretch)).to_have_class("habit-row is-done is-pending")
    row(page, read).get_by_role("button", name="Read: mark done").click()
    row(page, read).get_by_role("button", name="Read: done. Undo").click()
    expect(row(page, read)).to_have_class("habit-row is-scheduled is-pending")
    for label in ("Add 1 to Water (glasses)",) * 3 + ("Take 1 off Water (glasses)",):
        row(page, water).get_by_role("button", name=label).click()
    expect(row(page, water).locator(".step-value")).to_have_value("2")
    expect(row(page, water)).to_contain_text(PENDING)

    # One change per habit and day, each the final state.
    finals = sorted((entry["name"], entry["op"], entry["status"], entry["value"]) for entry in queued(page))
    assert finals == [("Read", "delete", None, None), ("Stretch", "put", "done", None), ("Water", "put", None, "2")]

    context.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-offline-pending", "0", timeout=10_000)
    expect(row(page, stretch)).to_have_class("habit-row is-done")
    expect(row(page, read)).to_have_class("habit-row is-scheduled")
    expect(row(page, water)).to_have_class("habit-row is-scheduled")
    expect(row(page, water).locator(".step-value")).to_have_value("2")
    page.wait_for_timeout(1500)
    # Stretch was never undone on the server: its one award stands, nothing taken back.
    assert [reason for reason, _ in ledger(stretch)] == ["habit_done"]
    assert ledger(read) == [] and ledger(water) == []
    assert not Occurrence.objects.filter(habit=read, status="done").exists()
    assert Occurrence.objects.get(habit=water).value == Decimal(2)
    assert queued(page) == []


def test_two_tabs_offline(server, page: Page, context, account):
    user, stretch, read, water = account
    log_in(page, server.url, user.email)
    copy_kept(page)
    other = context.new_page()
    other.goto(f"{server.url}/")
    go_offline(context, page, other)

    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()
    row(other, read).get_by_role("button", name="Read: mark done").click()
    # Each tab shows the other's change too.
    for tab in (page, other):
        expect(row(tab, stretch)).to_have_class("habit-row is-done is-pending")
        expect(row(tab, read)).to_have_class("habit-row is-done is-pending")
    # The same habit from both tabs: the last word wins.
    row(other, stretch).get_by_role("button", name="Stretch: done. Undo").click()
    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()
    expect(row(other, stretch)).to_have_class("habit-row is-done is-pending")

    context.set_offline(False)  # both tabs see the connection come back and try to send
    for tab in (page, other):
        expect(tab.locator("body")).to_have_attribute("data-offline-pending", "0", timeout=10_000)
        expect(row(tab, stretch)).to_have_class("habit-row is-done")
        expect(row(tab, read)).to_have_class("habit-row is-done")
    page.wait_for_timeout(1500)
    for habit in (stretch, read):
        assert Occurrence.objects.filter(habit=habit, status="done").count() == 1
        [(reason, amount)] = ledger(habit)
        assert reason == "habit_done" and amount > 0


def test_a_refused_change_is_shown_until_dismissed(server, page: Page, context, account):
    user, stretch, read, water = account
    log_in(page, server.url, user.email)
    copy_kept(page)
    go_offline(context, page)
    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()
    expect(row(page, stretch)).to_contain_text(PENDING)
    delete_habit(Habit.objects.get(pk=stretch.pk))  # meanwhile, on another device

    context.set_offline(False)
    notice = page.locator("#offline-notices")
    expect(notice).to_contain_text("Stretch", timeout=10_000)
    expect(notice).to_contain_text("Not saved: this habit no longer exists")
    expect(row(page, stretch)).to_have_count(0)  # Today from the server: the habit is gone
    page.reload()  # kept on the device, not dropped
    expect(notice).to_contain_text("Not saved: this habit no longer exists")
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)
    assert queued(page) == []
    assert not Occurrence.objects.filter(habit=stretch).exists()


@pytest.mark.parametrize(("days_later", "earns"), [(1, True), (2, False)])
def test_a_change_keeps_its_day_when_it_syncs_after_midnight(server, page: Page, context, account, time_machine,
                                                            days_later, earns):
    user, stretch, read, water = account
    day = user.profile.local_today()
    log_in(page, server.url, user.email)
    copy_kept(page)
    go_offline(context, page)
    row(page, stretch).get_by_role("button", name="Stretch: mark done").click()
    expect(row(page, stretch)).to_contain_text(PENDING)
    # The server's clock passes one or two midnights before the connection returns.
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=days_later), tick=True)

    context.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-offline-pending", "0", timeout=10_000)
    expect(page.locator("#today-page time")).to_have_attribute("datetime", (day + dt.timedelta(days=days_later)).isoformat())
    assert list(Occurrence.objects.filter(habit=stretch).values_list("on", "status")) == [(day, "done")]
    note = row(page, stretch).locator(".row-note")
    if earns:  # yesterday still earns
        [(reason, amount)] = ledger(stretch)
        assert reason == "habit_done" and amount > 0
        expect(note).to_have_count(0)
    else:  # older days don't, and the row says so
        assert ledger(stretch) == []
        expect(note).to_contain_text("Stretch: ")
        expect(note).to_contain_text("is saved, and earns no XP (only today and yesterday do).")


def test_a_visited_habit_page_reads_offline(server, page: Page, context, account):
    user, stretch, read, water = account
    log_in(page, server.url, user.email)
    copy_kept(page)
    page.goto(f"{server.url}/habits/{read.pk}/")
    copy_kept(page)
    go_offline(context, page)
    page.goto(f"{server.url}/habits/{read.pk}/")
    expect(page.locator(".offline-banner")).to_contain_text("Offline: showing your last copy from")
    expect(page.locator("h1")).to_contain_text("Read")
    page.goto(f"{server.url}/habits/{water.pk}/")  # never visited: nothing kept
    expect(page.locator("h1")).to_have_text("You are offline")


def test_logging_out_forgets_the_copies(server, page: Page, context, account, make_user):
    user, stretch, read, water = account
    log_in(page, server.url, user.email)
    copy_kept(page)
    page_caches = "caches.keys().then((keys) => keys.filter((key) => key.startsWith('habitstory-pages-')))"
    assert len(page.evaluate(page_caches)) == 1
    page.goto(f"{server.url}/profile/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.wait_for_function(f"{page_caches}.then((names) => names.length === 0)")

    go_offline(context, page)
    page.goto(f"{server.url}/")
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.get_by_text("Stretch")).to_have_count(0)

    # Another user signs in on the same browser: only their own copy is ever kept.
    context.set_offline(False)
    other = make_user("second@example.com", PASSWORD)
    log_in(page, server.url, other.email)
    copy_kept(page)
    go_offline(context, page)
    page.reload()
    expect(page.locator(".offline-banner")).to_be_visible()
    expect(page.get_by_text("Stretch")).to_have_count(0)
    assert len(page.evaluate(page_caches)) == 1
