"""What a commit shows, rendered once after its transaction: Today's changed row and
progress card, the XP bar and the news as toasts. The same fragments answer the htmx
request and ride the live message to the user's other tabs (out-of-band swaps)."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.templatetags.static import static

from gamification.services import xp_bar_html
from habits import today_list

# A fragment rendered once for every tab of a user (the htmx answer and the live socket)
# cannot carry one browser's CSRF token: its forms carry this stand-in, which the page
# replaces with its own token before swapping the fragment in (static/js/live-swaps.js).
PAGE_CSRF_TOKEN = "filled-in-by-the-page"


def row_html(row: today_list.TodayRow | None, day: dt.date, error: str | None = None) -> str:
    """A Today row as an out-of-band fragment."""
    context = {
        "row": row, "day": day, "oob": True, "error": error, "sprite": static("icons/nav.svg"),
        "csrf_token": PAGE_CSRF_TOKEN,
    }
    return render_to_string("habits/today.html#habit-row", context)


def progress_html(rows: list[today_list.TodayRow]) -> str:
    """Today's progress card as an out-of-band fragment."""
    return render_to_string("habits/today.html#progress", {**today_list.day_progress(rows), "progress_oob": True})


def toasts_html(news) -> str:
    """The news that has a toast, for the toast area (out-of-band)."""
    return render_to_string("story/_toasts.html", {"toasts": news})


def tick_answer(outcome) -> str:
    """The htmx answer to a tick: everything out-of-band, the same HTML the other tabs get."""
    return outcome.row_html + outcome.progress_html + outcome.xp_html + outcome.bell_html + toasts_html(outcome.news)


def refused_answer(user, habit, day: dt.date, error: str) -> str:
    """The htmx answer to a tick that was refused: the row as it is, with the error."""
    habit.refresh_from_db()
    rows = today_list.today_rows(user, day)
    return row_html(today_list.today_row(habit, day), day, error) + progress_html(rows) + xp_bar_html(user.profile, oob=True)
