"""The header at every width: nothing wider than the screen, no label broken inside a word,
the brand never under the status slots. Phones and small tablets (below 768 px) get the
bottom bar; between 768 and 1099 px the links are icons with their names kept for screen
readers; from 1100 px the labels show."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"
MEASURE = """() => {
  const brand = document.querySelector('.brand').getBoundingClientRect();
  const slots = document.querySelector('.status-slots').getBoundingClientRect();
  const links = [...document.querySelectorAll('.main-nav .nav-link')];
  return {
    scroll: document.documentElement.scrollWidth,
    overlap: brand.right > slots.left + 1,
    logo: document.querySelector('.brand img').getBoundingClientRect().width,
    lines: links.map((a) => a.querySelector('.nav-label').getClientRects().length),
    labelsShown: links.map((a) => a.querySelector('.nav-label').getBoundingClientRect().width > 1),
  };
}"""


@pytest.mark.parametrize("width", [1280, 1100, 1024, 800, 768, 700, 641, 520, 412, 360, 320])
def test_the_header_fits_every_width(server, page: Page, make_user, width):
    make_user("header@example.com", PASSWORD)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{server.url}/accounts/login/")
    page.locator('input[name="login"]').fill("header@example.com")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{server.url}/")
    got = page.evaluate(MEASURE)
    assert got["scroll"] == width
    assert not got["overlap"]
    assert got["logo"] == 32  # never squeezed
    assert set(got["lines"]) == {1}  # one line each: no label broken inside a word ("Tod / ay")
    assert all(got["labelsShown"]) == (width >= 1100 or width < 768)
    for name in ("Today", "Habits", "Goals", "Quests", "Insights", "Profile"):
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=name)).to_be_visible()
