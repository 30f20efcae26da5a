"""Steps every journey takes: signing up (past the quiz, which test_quiz_journey.py walks)
and logging in, through the real forms."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{base}/")


def sign_up(page: Page, base: str, email: str, password: str) -> None:
    """A new account, on Today; the archetype quiz offered first is skipped."""
    page.goto(f"{base}/accounts/signup/")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password1"]').fill(password)
    page.locator('input[name="password2"]').fill(password)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(re.compile(re.escape(base) + r"/(archetypes/quiz/1/)?$"))
    if "/archetypes/quiz/" in page.url:
        page.get_by_role("button", name="Skip for now").click()
        page.wait_for_url(f"{base}/")
