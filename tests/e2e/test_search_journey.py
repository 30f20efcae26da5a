"""Search in a browser: the navigation's box on every page (behind a magnifier), the quest
search's results refreshing as you type (htmx, no reload) and with a filter, both search
pages free of axe violations and fitting 360 px."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from goals.models import Goal
from habits.models import Habit
from habits.services import save_habit
from quests.models import Quest
from tests.conftest import PASSWORD
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1100, "height": 800}


def _log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


@pytest.fixture
def owner_data(make_user):
    user = make_user("searcher@example.com")
    today = dt.date(2026, 11, 23)
    save_habit(Habit(user=user, name="Morning run", start_date=today))
    Goal.objects.create(user=user, name="Run 100 km", target_value=100, start_date=today)
    for title, status in [("Run a 5k", "open"), ("Paint the fence", "open"), ("Run the errands", "done")]:
        Quest.objects.create(user=user, title=title, xp_reward=20, status=status)
    return user


def test_quest_results_follow_typing_and_filters(server, browser: Browser, owner_data):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, server.url, owner_data.email)
    page.goto(f"{server.url}/quests/search/")
    page.evaluate("window.__same_page = true")
    results = page.locator("#search-results .quest-result")
    expect(results).to_have_count(3)
    page.get_by_label("Search quests").press_sequentially("run", delay=40)
    expect(results).to_have_count(2)
    page.get_by_text("Filters and order").click()
    page.get_by_label("Done", exact=True).check()
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Run the errands")
    assert page.evaluate("window.__same_page") is True  # no reload
    assert "q=run" in page.url and "status=done" in page.url
    context.close()


def test_the_nav_box_finds_habits_goals_and_quests(server, browser: Browser, owner_data):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, server.url, owner_data.email)
    page.locator(".nav-search > summary").click()  # the magnifier opens the box
    box = page.get_by_role("search").get_by_label("Search habits, goals and quests")
    box.fill("run")
    box.press("Enter")
    page.wait_for_url(f"{server.url}/search/?q=run")
    for group, name in [("Habits", "Morning run"), ("Goals", "Run 100 km"), ("Quests", "Run a 5k")]:
        expect(page.get_by_role("region", name=group).get_by_role("link", name=name)).to_be_visible()
    context.close()


def test_search_pages_at_360_px_fit_and_have_no_axe_violations(server, browser: Browser, owner_data):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _log_in(page, server.url, owner_data.email)
    page.locator(".nav-search > summary").click()
    expect(page.get_by_label("Search habits, goals and quests")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    found = [f"/ (search open): {v['id']}" for v in Axe().run(page).response["violations"]]
    for url in ["/search/?q=run", "/quests/search/?q=run", "/quests/search/?due_before=nope"]:
        page.goto(server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        for violation in Axe().run(page).response["violations"]:
            found += [f"{url}: {violation['id']} at {node['target']}" for node in violation["nodes"]]
    context.close()
    assert not found, "\n".join(found)
