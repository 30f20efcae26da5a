"""The quest journey in Chromium: create two quests, make B wait for A, see B locked,
finish A's objective by ticking its habit on Today, and see B unlock live in another tab
(no reload); an objective ticked in place; the board's moves by keyboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from habits.models import Habit
from habits.services import save_habit
from quests.models import Quest
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


@pytest.fixture
def account(make_user):
    user = make_user("quester@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"  # the browser's zone in these tests
    user.profile.save()
    today = user.profile.local_today()
    stretch = save_habit(Habit(user=user, name="Stretch", start_date=today - dt.timedelta(days=3)))
    return user, stretch


def settled(page: Page, selector: str) -> None:
    """htmx wires a swapped-in region once it settles (20 ms): a key pressed before that
    would submit its form without htmx."""
    expect(page.locator(selector)).not_to_have_class(re.compile("htmx-settling"))
    page.wait_for_timeout(50)


def new_quest(page: Page, base: str, title: str, objective: str, *more: str, habit: str | None = None) -> Quest:
    page.goto(f"{base}/quests/new/")
    page.get_by_label("Title").fill(title)
    for n, text in enumerate(more, start=1):
        page.locator("fieldset.objective-row").nth(n).get_by_label("What to do").fill(text)
    row = page.locator("fieldset.objective-row").first
    row.get_by_label("What to do").fill(objective)
    if habit:
        row.get_by_label("Kind").select_option("habit_count")
        row.get_by_label("Habit").select_option(label=habit)
        row.get_by_label("How many (N)").fill("1")
    page.get_by_role("button", name="Create quest").last.click()
    expect(page.locator("h1")).to_have_text(title)
    return Quest.objects.get(title=title)


def test_b_waits_for_a_and_unlocks_live_when_a_habit_tick_finishes_a(server, page: Page, context, account):
    user, stretch = account
    log_in(page, server.url, user.email)
    a = new_quest(page, server.url, "Write draft", "Stretch once", habit="Stretch")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#quest-status")).to_have_text("Status: Active")
    b = new_quest(page, server.url, "Edit", "Read it aloud")

    # B waits for A: locked, on its page and on the board.
    page.get_by_label("Quest", exact=True).select_option(label="Write draft")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#quest-state")).to_contain_text("Locked. Waits for: Write draft.")
    expect(page.locator("#dependencies svg a.quest-node-active")).to_have_attribute("aria-label", "Write draft (active)")
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".toast-error")).to_contain_text("“Edit” is locked: it waits for “Write draft”.")
    page.goto(f"{server.url}/quests/")
    card = page.locator(f"#quest-card-{b.pk}")
    expect(card).to_have_class("quest-card is-locked is-open")
    expect(card).to_contain_text("Waits for: Write draft")

    # Another tab keeps B's page open.
    other = context.new_page()
    other.goto(f"{server.url}/quests/{b.pk}/")
    expect(other.locator("body")).to_have_attribute("data-live", "open")
    other.evaluate("window.notReloaded = true")
    expect(other.locator("#quest-state")).to_contain_text("Locked.")

    # Ticking the habit on Today finishes A's objective: A completes, B unlocks.
    page.goto(f"{server.url}/")
    page.get_by_role("button", name="Stretch: mark done").click()
    expect(page.locator(f"#habit-row-{stretch.pk}")).to_have_class("habit-row is-done")
    expect(other.locator("#quest-state")).not_to_contain_text("Locked.", timeout=10_000)
    expect(other.locator("#dependencies .dependency-list").first).to_contain_text("Done")
    assert other.evaluate("window.notReloaded") is True
    a.refresh_from_db()
    assert a.status == "done"

    # B can start now, from the tab that watched it unlock.
    other.get_by_role("button", name="Start").click()
    expect(other.locator("#quest-status")).to_have_text("Status: Active")


def test_an_objective_is_ticked_in_place_and_the_board_moves_by_keyboard(server, page: Page, account):
    user, stretch = account
    log_in(page, server.url, user.email)
    first = new_quest(page, server.url, "Pack bags", "Socks", "Charger")
    page.get_by_role("button", name="Start").click()
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Charger: mark done").focus()
    page.keyboard.press("Enter")
    # Ticked in place: the region comes back, the focus stays on the same button.
    expect(page.locator("#quest-state .quest-percent")).to_have_text("50%")
    expect(page.get_by_role("button", name="Charger: done. Undo")).to_be_focused()
    settled(page, "#quest-state")
    page.get_by_role("button", name="Socks: mark done").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#quest-state .quest-percent")).to_have_text("100%")
    expect(page.locator("#quest-status")).to_have_text("Status: Done")
    expect(page.locator("#quest-state .row-error")).to_have_count(0)
    expect(page.locator(".toast[data-key^='quest:']")).to_have_text("Quest complete: Pack bags")
    assert page.evaluate("window.notReloaded") is True
    first.refresh_from_db()
    assert first.status == "done"

    new_quest(page, server.url, "One", "Step")
    new_quest(page, server.url, "Two", "Step")
    new_quest(page, server.url, "Three", "Step")
    page.goto(f"{server.url}/quests/")
    page.evaluate("window.notReloaded = true")
    titles = page.locator(".quest-column-open .quest-title")
    expect(titles).to_have_text(["One", "Two", "Three"])
    page.get_by_role("button", name="Move Three up").focus()
    page.keyboard.press("Enter")
    expect(titles).to_have_text(["One", "Three", "Two"])
    expect(page.get_by_role("button", name="Move Three up")).to_be_focused()
    settled(page, "#board")
    page.keyboard.press("Enter")
    expect(titles).to_have_text(["Three", "One", "Two"])
    assert page.evaluate("window.notReloaded") is True


def test_the_xp_field_follows_effort_and_priority_until_typed_in(server, page: Page, account):
    from quests.services import suggest_xp

    user, stretch = account
    log_in(page, server.url, user.email)
    page.goto(f"{server.url}/quests/new/")
    xp = page.get_by_label("XP reward")
    expect(xp).to_have_value(str(suggest_xp(None, 2)))
    # A step to tick needs no habit: its habit fields show only for the habit kinds.
    row = page.locator("fieldset.objective-row").first
    expect(row.get_by_label("Habit")).to_be_hidden()
    row.get_by_label("Kind").select_option("habit_streak")
    expect(row.get_by_label("Habit")).to_be_visible()
    expect(row.get_by_label("How many (N)")).to_be_visible()
    row.get_by_label("Kind").select_option("manual")
    expect(row.get_by_label("How many (N)")).to_be_hidden()
    page.get_by_label("Effort (minutes)").fill("100")
    expect(xp).to_have_value(str(suggest_xp(100, 2)))
    page.get_by_label("Priority").select_option(label="Urgent")
    expect(xp).to_have_value(str(suggest_xp(100, 4)))
    xp.fill("77")
    with page.expect_response(lambda r: "xp-suggestion" in r.url):
        page.get_by_label("Effort (minutes)").fill("20")
    expect(xp).to_have_value("77")
    page.get_by_label("Title").fill("Tidy the shed")
    page.get_by_role("button", name="Create quest").last.click()
    expect(page.locator("h1")).to_have_text("Tidy the shed")
    assert Quest.objects.get(title="Tidy the shed").xp_reward == 77
