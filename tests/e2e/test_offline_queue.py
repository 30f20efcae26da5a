"""The offline queue's rules (static/js/offline-queue.js), run in Chromium: changes to one
habit's day collapse into the final intended state, kept apart per user, habit and day."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

COLLAPSE = """async (actions) => {
  const { collapse } = await import('/static/js/offline-queue.js');
  let entry = null;
  for (const [action, value] of actions) {
    entry = collapse(entry, { user: 'u1', habit: 7, day: '2026-11-23', name: 'Read', action, value });
  }
  return entry;
}"""


@pytest.fixture
def queue_page(server, page: Page) -> Page:
    page.goto(f"{server.url}/accounts/login/")
    return page


@pytest.mark.parametrize(
    ("actions", "final"),
    [
        ([["done", None]], ("put", "done", None)),
        ([["done", None], ["undo", None]], ("delete", None, None)),
        ([["done", None], ["undo", None], ["done", None]], ("put", "done", None)),
        ([["skip", None], ["undo", None], ["skip", None]], ("put", "skipped", None)),
        ([["value", 1], ["value", 2], ["value", 1]], ("put", None, "1")),
        ([["value", 3], ["done", None]], ("put", "done", "3")),  # done keeps the amount, as on the server
        ([["value", 3], ["skip", None], ["done", None]], ("put", "done", None)),
        ([["done", None], ["value", 0]], ("put", None, "0")),
    ],
)
def test_changes_to_a_day_collapse_into_the_final_state(queue_page: Page, actions, final):
    entry = queue_page.evaluate(COLLAPSE, actions)
    assert (entry["op"], entry["status"], entry["value"]) == final
    assert entry["seq"] == len(actions) and entry["state"] == "pending"
    assert entry["key"] == "u1|7|2026-11-23"


def test_a_change_that_needs_the_server_is_not_queued(queue_page: Page):
    error = queue_page.evaluate(
        """async () => {
          const { collapse } = await import('/static/js/offline-queue.js');
          try { collapse(null, { user: 'u1', habit: 7, day: '2026-11-23', action: 'start' }); } catch (e) { return e.message; }
        }"""
    )
    assert "start" in error


def test_the_queue_keeps_one_entry_per_user_habit_and_day(queue_page: Page):
    keys = queue_page.evaluate(
        """async () => {
          const queue = await import('/static/js/offline-queue.js');
          const base = { name: 'Read', action: 'done' };
          await queue.queueChange({ ...base, user: 'u1', habit: 7, day: '2026-11-23' });
          await queue.queueChange({ ...base, user: 'u1', habit: 7, day: '2026-11-23', action: 'undo' });
          await queue.queueChange({ ...base, user: 'u1', habit: 7, day: '2026-11-22' });
          await queue.queueChange({ ...base, user: 'u1', habit: 8, day: '2026-11-23' });
          await queue.queueChange({ ...base, user: 'u2', habit: 7, day: '2026-11-23' });
          const mine = await queue.entriesFor('u1');
          return [mine.map((entry) => [entry.key, entry.op, entry.seq]), (await queue.entriesFor('u2')).length];
        }"""
    )
    assert sorted(map(tuple, keys[0])) == [
        ("u1|7|2026-11-22", "put", 1), ("u1|7|2026-11-23", "delete", 2), ("u1|8|2026-11-23", "put", 1),
    ]
    assert keys[1] == 1
