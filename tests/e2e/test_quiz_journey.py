"""The quiz journey in Chromium at 360 px: a new user signs up, is offered the quiz, answers
it (a step back on the way, one answer by keyboard), sees their archetype and house,
accepts the starter plan, and finds its habits on Today and its quests on the board. The
same again with JavaScript off, where every step is a plain form post."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from habits.models import Habit
from habitstory.accounts.models import User
from quests.models import Quest

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"
PHONE = {"width": 360, "height": 740}
SEED = importlib.import_module("archetypes.migrations.0002_content")


def canonical(slug: str) -> list[int]:
    """The choice (its position in each question) that reproduces the archetype's profile."""
    return next(row[5] for row in SEED.ARCHETYPES if row[0] == slug)


def sign_up(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{base}/archetypes/quiz/1/")


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def settled(page: Page) -> None:
    """htmx wires a swapped-in step once it settles (20 ms)."""
    expect(page.locator("#quiz")).not_to_have_class(re.compile("htmx-settling"))
    page.wait_for_timeout(50)


def choose(page: Page, position: int) -> None:
    page.locator(".quiz-choice").nth(position).click()


def accept_and_check(page: Page, base: str, email: str, name: str, house: str) -> None:
    """From the result page: the archetype, its house, the chart; accept the plan and find it."""
    expect(page.get_by_role("heading", level=1)).to_have_text(f"You are a clear {name}")
    expect(page.get_by_role("heading", name=f"House {house}")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(f"Your traits next to the {name}"))).to_be_visible()
    fits(page)
    page.get_by_role("button", name="Start with these").click()
    page.wait_for_url(f"{base}/")
    user = User.objects.get(email=email)
    habits = list(Habit.objects.filter(user=user, template__isnull=False).values_list("name", flat=True))
    quests = list(Quest.objects.filter(user=user).values_list("title", flat=True))
    assert len(habits) >= 3 and quests
    expect(page.locator("#toasts")).to_contain_text("On Today:")
    for habit in habits:
        expect(page.locator("main").get_by_text(habit, exact=True).first).to_be_visible()
    fits(page)
    page.goto(f"{base}/quests/")
    for quest in quests:
        expect(page.locator("main").get_by_role("link", name=quest, exact=True).first).to_be_visible()
    # The profile and the header now show the archetype and the house's crest.
    page.goto(f"{base}/profile/")
    expect(page.locator(".archetype-card-name")).to_have_text(name)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=f"Profile ({name}, House {house})")).to_be_visible()
    fits(page)


def test_a_new_user_takes_the_quiz_and_starts_with_the_plan(seeded_content, server, browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Pacific/Auckland")
    page = context.new_page()
    email = "quizzer@example.com"
    sign_up(page, server.url, email)
    expect(page.locator("legend")).to_contain_text("Question 1 of 14")
    fits(page)
    page.evaluate("window.notReloaded = true")
    answers = canonical("sage")

    choose(page, 1)  # a first answer, changed after going back
    page.get_by_role("button", name="Next").click()
    expect(page.locator("legend")).to_contain_text("Question 2 of 14")
    page.wait_for_url(f"{server.url}/archetypes/quiz/2/")
    settled(page)
    page.get_by_role("button", name="Back").click()
    expect(page.locator("legend")).to_contain_text("Question 1 of 14")
    expect(page.locator(".quiz-choice input").nth(1)).to_be_checked()  # kept
    expect(page.locator(".quiz-choice input").nth(1)).to_be_focused()  # the focus is on the question
    settled(page)
    for number, position in enumerate(answers, start=1):
        if number == 3:
            # By keyboard: the first choice has the focus; arrows choose; Enter goes on.
            expect(page.locator(".quiz-choice input").first).to_be_focused()
            for _ in range(position):
                page.keyboard.press("ArrowDown")
            if position == 0:
                page.keyboard.press("Space")
            page.keyboard.press("Enter")
        else:
            choose(page, position)
            page.get_by_role("button", name="See my archetype" if number == 14 else "Next").click()
        if number < 14:
            expect(page.locator("legend")).to_contain_text(f"Question {number + 1} of 14")
            settled(page)
    page.wait_for_url(f"{server.url}/archetypes/result/")
    accept_and_check(page, server.url, email, "Sage", "Grove")
    context.close()


def test_the_quiz_resumes_where_it_was_left(seeded_content, server, browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Pacific/Auckland")
    page = context.new_page()
    sign_up(page, server.url, "leaver@example.com")
    for number in (1, 2, 3):
        choose(page, 0)
        page.get_by_role("button", name="Next").click()
        expect(page.locator("legend")).to_contain_text(f"Question {number + 1} of 14")
        settled(page)
    page.go_back()  # the browser's Back: the step before, as a whole page
    page.wait_for_url(f"{server.url}/archetypes/quiz/3/")
    expect(page.locator("legend")).to_contain_text("Question 3 of 14")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator(".quiz-choice input").first).to_be_checked()
    page.goto(f"{server.url}/")  # leaves...
    page.goto(f"{server.url}/profile/")
    page.get_by_role("link", name="Take the quiz").click()  # ...and comes back
    page.wait_for_url(f"{server.url}/archetypes/quiz/4/")
    expect(page.locator("legend")).to_contain_text("Question 4 of 14")
    context.close()


def test_skip_for_now_leads_to_today(seeded_content, server, browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Pacific/Auckland")
    page = context.new_page()
    sign_up(page, server.url, "skipper@example.com")
    page.get_by_role("button", name="Skip for now").click()
    page.wait_for_url(f"{server.url}/")
    expect(page.locator("#toasts")).to_contain_text("Take the quiz any time from your profile.")
    context.close()


def test_without_javascript_every_step_is_a_plain_form(seeded_content, server, browser: Browser):
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", timezone_id="Pacific/Auckland", java_script_enabled=False,
    )
    page = context.new_page()
    email = "plain@example.com"
    sign_up(page, server.url, email)
    # A refusal first: Next without an answer names the question and keeps the page.
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#quiz-error")).to_have_text("Choose one of the answers to go on.")
    for number, position in enumerate(canonical("ranger"), start=1):
        expect(page.locator("legend")).to_contain_text(f"Question {number} of 14")
        choose(page, position)
        page.get_by_role("button", name="See my archetype" if number == 14 else "Next").click()
        if number < 14:
            page.wait_for_url(f"{server.url}/archetypes/quiz/{number + 1}/")
    page.wait_for_url(f"{server.url}/archetypes/result/")
    accept_and_check(page, server.url, email, "Ranger", "Grove")
    context.close()


@pytest.mark.parametrize("width", [1280, 1100, 768, 412, 360, 320])
def test_the_header_with_a_crest_fits_every_width(seeded_content, server, browser: Browser, make_user, width):
    from archetypes import content, services

    user = make_user("crest@example.com", PASSWORD)
    questions = content.quiz().questions
    services.assign(user, {q.pk: list(q.choices.all())[n].pk for q, n in zip(questions, canonical("bard"))})
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.locator('input[name="login"]').fill(user.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{server.url}/")
    got = page.evaluate("""() => ({
      scroll: document.documentElement.scrollWidth,
      crest: document.querySelector('.main-nav .nav-crest').getBoundingClientRect().width,
      lines: [...document.querySelectorAll('.main-nav .nav-label')].map((label) => label.getClientRects().length),
    })""")
    # Today, Habits, Goals, Quests, Insights, Profile: each label on one line (or hidden).
    assert got == {"scroll": width, "crest": 22, "lines": [1] * 6}
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile (Bard, House Tide)")
    expect(link).to_be_visible()
    context.close()
