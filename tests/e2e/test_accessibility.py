"""Accessibility sweep: axe-core (shipped by axe-playwright-python) over every page of the
app, signed out and as the demo account, in light and dark mode at 360 px: 0 violations.

A failure lists each page with its violations (rule, impact, the elements and axe's
message), so the fix can be found from the report alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from archetypes import content as archetype_content
from archetypes import services as archetype_services
from goals.models import Goal
from habits.models import Habit
from habits.services import delete_habit, save_habit
from habitstory.accounts.models import User
from habitstory.api import services as api_services
from habitstory.insights.models import LifeEvent
from habitstory.story.demo import seed_demo
from quests.models import Quest

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 780}
SIGNED_OUT = ["/accounts/login/", "/accounts/signup/", "/billing/pricing/"]
AXE = Axe()


def _pages(demo) -> list[str]:
    habit = Habit.objects.filter(user=demo, kind=Habit.Kind.AT_LEAST).first()
    goal = Goal.objects.filter(user=demo).first()
    waiting = Quest.objects.filter(user=demo, dependencies__isnull=False, dependents__isnull=False).first()
    fed = Quest.objects.filter(user=demo, objectives__habit__isnull=False).first()
    today = demo.profile.local_today()
    event = LifeEvent.objects.filter(user=demo).first()
    return [
        "/",
        "/habits/",
        f"/habits/{habit.pk}/",
        f"/habits/{habit.pk}/day/{today.isoformat()}/",
        "/habits/new/",
        f"/habits/{habit.pk}/edit/",
        "/habits/dashboard/",
        "/habits/pillars/",
        "/habits/import/",
        "/habits/deleted/",
        "/goals/",
        f"/goals/{goal.pk}/",
        "/goals/new/",
        f"/goals/{goal.pk}/edit/",
        "/quests/",
        f"/quests/{waiting.pk}/",
        f"/quests/{fed.pk}/",
        "/quests/new/",
        f"/quests/{waiting.pk}/edit/",
        f"/quests/{waiting.pk}/delete/",
        "/quests/templates/",
        "/rewards/achievements/",
        "/rewards/pet/",
        "/rewards/leaderboard/",
        "/profile/",
        "/profile/tokens/",
        "/inbox/",
        "/archetypes/quiz/1/",
        "/archetypes/quiz/14/",
        "/archetypes/result/",
        "/archetypes/history/",
        "/archetypes/houses/",
        "/archetypes/houses/cup-history/",
        f"/insights/day/{(today - dt.timedelta(days=1)).isoformat()}/",
        "/insights/events/",
        "/insights/events/new/",
        f"/insights/events/{event.pk}/",
        f"/insights/events/{event.pk}/delete/",
        "/insights/timeline/",
        f"/verify/{Habit.objects.get(user=demo, name='Run').pk}/{today.isoformat()}/",
        "/verify/review/",
        "/billing/",
        "/billing/pricing/",
        "/billing/success/",
        "/billing/cancel/",
    ]


def _violations(page: Page, base: str, url: str) -> list[str]:
    response = page.goto(base + url)
    if response is None or response.status != 200:
        return [f"{url}: answered {response and response.status}, not 200"]
    return _check(page, url)


def _check(page: Page, url: str) -> list[str]:
    page.wait_for_load_state("networkidle")
    results = AXE.run(page).response
    found = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            found.append(
                f"{url}: {violation['id']} ({violation['impact']}) at {', '.join(map(str, node['target']))}: "
                f"{node.get('failureSummary', '').replace(chr(10), ' ')}"
            )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_axe_violations(seeded_content, server, browser: Browser, scheme):
    seed_demo()
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    # An archetype (its result page and history), and a quiz half answered (a choice shown).
    quiz = archetype_content.quiz().questions
    archetype_services.assign(demo, {question.pk: question.choices.all()[0].pk for question in quiz})
    archetype_services.save_answer(demo, quiz[0].pk, quiz[0].choices.all()[1].pk)
    # A token listed on the tokens page, with its revoke button; a habit in the bin.
    api_services.issue_token(demo, "Shortcuts on my phone")
    delete_habit(save_habit(Habit(user=demo, name="Old habit", start_date=demo.profile.local_today())))
    context = browser.new_context(viewport=PHONE, color_scheme=scheme, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    found = []
    for url in SIGNED_OUT:
        found += _violations(page, server.url, url)
    page.goto(f"{server.url}/accounts/login/")
    page.locator('input[name="login"]').fill(settings.DEMO_EMAIL)
    page.locator('input[name="password"]').fill(settings.DEMO_PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{server.url}/")
    for url in _pages(demo):
        found += _violations(page, server.url, url)
    # States a visit alone does not show: a form's errors, a new token with its copy button
    # and the success toast.
    page.goto(f"{server.url}/habits/new/")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main .errorlist").first).to_be_visible()
    found += _check(page, "/habits/new/ (errors)")
    page.goto(f"{server.url}/quests/new/")
    page.get_by_role("button", name="Create quest").last.click()
    expect(page.locator("main .errorlist").first).to_be_visible()
    found += _check(page, "/quests/new/ (errors)")
    page.goto(f"{server.url}/archetypes/quiz/2/")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#quiz-error")).to_be_visible()
    found += _check(page, "/archetypes/quiz/2/ (errors)")
    page.goto(f"{server.url}/archetypes/result/")
    page.locator(".plan-item input:checked").evaluate_all("boxes => boxes.forEach(box => { box.checked = false; })")
    page.get_by_role("button", name="Start with these").click()
    expect(page.locator("#plan .form-errors")).to_be_visible()
    found += _check(page, "/archetypes/result/ (errors)")
    page.goto(f"{server.url}/")
    page.locator("#checkin-card summary").click()
    page.get_by_label("Sleep (hours)").fill("30")
    page.get_by_label("Sleep (hours)").press("Enter")  # htmx: the card comes back with its errors
    expect(page.locator("#checkin-card .form-errors")).to_be_visible()
    found += _check(page, "/ (check-in errors)")
    page.goto(f"{server.url}/profile/tokens/")
    page.get_by_label("Token name").fill("Cron job")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".toast-success")).to_be_visible()
    found += _check(page, "/profile/tokens/ (new token)")
    context.close()
    assert not found, f"{len(found)} axe violations ({scheme}):\n" + "\n".join(found)
