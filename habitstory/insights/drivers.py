"""What drives one day's forecast, in words: LightGBM's feature contributions
(`pred_contrib`) for that day's row, grouped into what a person would name ("short
sleep", "high stress", "your energy lately") and ranked by how far they move it.

Pure: no queries, no model. `describe()` is what predictions and the Insights page call;
`summary()` makes the one-line headline ("Today's energy forecast is lower than usual,
mainly because of short sleep (5.5 h)."). See docs/insights.md, "Drivers and what-if".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .history import EVENT_TYPES, INPUTS, History

MOOD_CLASSES = 5
# Below these a contribution is noise, not a reason (energy points, mood steps, probability).
SMALL = {"mood": 0.02, "energy": 0.05, "completion": 0.01}
RECENT_DAYS = 7
EVENT_NAMES = {
    "illness": "an illness", "travel": "travel", "exam": "an exam", "deadline": "a deadline",
    "celebration": "a celebration", "loss": "a loss", "move": "a move", "new_job": "a new job",
    "other": "an event",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Each input: (low words, high words, how a value reads).
INPUT_WORDS: dict[str, tuple[str, str, str]] = {
    "sleep_hours": ("short sleep", "long sleep", "{:g} h"),
    "exercise_minutes": ("little exercise", "exercise", "{:.0f} min"),
    "social_minutes": ("little time with people", "time with people", "{:.0f} min"),
    "work_hours": ("a short work day", "a long work day", "{:g} h"),
    "stress": ("low stress", "high stress", "{:g} of 10"),
}
INPUT_NOUNS = {
    "sleep_hours": "sleep", "exercise_minutes": "exercise", "social_minutes": "time with people",
    "work_hours": "work", "stress": "stress",
}
# Names of a feature that reads another day than the one predicted (features.py's windows).
_PAST = re.compile(r"(lag|mean|std|slope|trend|last|prev|yesterday|roll|_\d+d?$|_age|since)")


@dataclass(frozen=True)
class Driver:
    feature: str  # the group: "sleep_hours", "sleep_hours:recent", "energy:recent", "event:exam", ...
    label: str  # "short sleep (5.5 h)"
    contribution: float  # in the forecast's units: energy points, mood steps, probability
    text: str  # "short sleep (5.5 h) lowers it by 0.8"

    def as_dict(self) -> dict:
        return asdict(self)


def group_of(name: str) -> str:
    """The group a feature belongs to, from its name (features.py's naming)."""
    lower = name.lower()
    tokens = set(re.split(r"[^a-z0-9]+", lower))
    for label in ("mood", "energy"):
        if lower.startswith(label):
            return f"{label}:recent"
    for input_name in INPUTS:
        for prefix in (input_name, input_name.split("_")[0]):
            if lower.startswith(prefix):
                return f"{input_name}:recent" if _PAST.search(lower[len(prefix):]) else input_name
    for event_type in EVENT_TYPES:
        if tokens & {"event", "since"} and (event_type in tokens or event_type == "new_job" and event_type in lower):
            return f"event:{event_type}"
    if tokens & {"weekday", "weekend", "dow"}:
        return "weekday"
    if lower.startswith("habit_") or tokens & {"strength", "streak"}:
        return "momentum"  # the habit's own record (completion rows)
    if tokens & {"habits", "done", "due"}:
        return "habits"
    if tokens & {"signup", "joined", "sign"}:
        return "time"
    return name


def _expected_score(raw: np.ndarray) -> float:
    probabilities = np.exp(raw - raw.max())
    return float(probabilities @ np.arange(raw.size) / probabilities.sum())


def _sigmoid(value: float) -> float:
    return 1 / (1 + math.exp(-value))


def grouped(kind: str, names: Sequence[str], contributions) -> dict[str, float]:
    """Each group's contribution in the forecast's units. Energy's add up (the forecast less
    the bias). Mood (a block of raw scores per class) and completion (log-odds) are not
    linear: a group's share is how far the forecast moves when its raw contributions are
    taken out (the expected mood step 0..4, the probability). A mood regressor (one block, the
    score) adds up like energy."""
    count = len(names)
    contrib = np.asarray(contributions, dtype=float)
    width = count + 1 if contrib.size % (count + 1) == 0 else count
    contrib = contrib.reshape(-1, width)  # one row per class (mood), else one row
    contrib = np.where(np.isnan(contrib), 0.0, contrib)
    raw = contrib.sum(axis=1)
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        columns.setdefault(group_of(name), []).append(index)
    result = {}
    for group, indexes in columns.items():
        part = contrib[:, indexes].sum(axis=1)
        if kind == "mood" and contrib.shape[0] > 1:  # a classifier: a block per class
            result[group] = _expected_score(raw) - _expected_score(raw - part)
        elif kind == "completion":
            result[group] = _sigmoid(float(raw[0])) - _sigmoid(float(raw[0] - part[0]))
        else:
            result[group] = float(part[0])
    return result


def _typical(values: np.ndarray, day_index: int) -> float:
    before = values[:day_index]
    before = before[~np.isnan(before)]
    return float(np.median(before)) if before.size else math.nan


def _recent(values: np.ndarray, day_index: int) -> float:
    window = values[max(0, day_index - RECENT_DAYS):day_index]
    window = window[~np.isnan(window)]
    return float(window.mean()) if window.size else math.nan


def _is_high(value: float, typical: float, contribution: float, *, lowers_when_high: bool) -> bool:
    if not math.isnan(value) and not math.isnan(typical) and value != typical:
        return value > typical
    return (contribution > 0) != lowers_when_high


def _input_label(name: str, history: History, day_index: int, contribution: float) -> str:
    low, high, fmt = INPUT_WORDS[name]
    values = history.inputs[name]
    value = float(values[day_index]) if day_index < len(values) else math.nan
    if math.isnan(value):
        return f"no {INPUT_NOUNS[name]} logged"
    is_high = _is_high(value, _typical(values, day_index), contribution, lowers_when_high=name == "stress")
    return f"{high if is_high else low} ({fmt.format(value)})"


def _recent_label(name: str, history: History, day_index: int) -> str:
    """"your sleep over the past week (average 6.8 h)": the window's features (means,
    spreads, trends, yesterday) together, named without a direction they may not share."""
    if name in ("mood", "energy"):
        values = history.mood if name == "mood" else history.energy
        mean = _recent(values, day_index)
        if math.isnan(mean):
            return f"no {name} logged over the past week"
        shown = f"{mean + 1:.1f} of 5" if name == "mood" else f"{mean:.1f}"
        return f"your {name} over the past week (average {shown})"
    mean = _recent(history.inputs[name], day_index)
    if math.isnan(mean):
        return f"no {INPUT_NOUNS[name]} logged over the past week"
    return f"your {INPUT_NOUNS[name]} over the past week (average {INPUT_WORDS[name][2].format(round(mean, 1))})"


def _habits_label(history: History, day_index: int) -> str:
    due = [h for h in history.habits if day_index < len(h.expected) and h.expected[day_index]]
    if not due:
        return "habits done"
    done = sum(1 for h in due if h.done[day_index])
    return f"habits done ({done} of {len(due)})"


def _event_label(event_type: str, history: History, day_index: int) -> str:
    """"an exam" on its days, else "time since your last exam"."""
    day = history.date(day_index)
    if any(e.type == event_type and e.start <= day <= e.end for e in history.events):
        return EVENT_NAMES[event_type]
    noun = EVENT_NAMES[event_type].split(" ", 1)[-1] if event_type not in ("travel", "other") else \
        {"travel": "trip", "other": "event"}[event_type]
    return f"time since your last {noun}"


def label_of(group: str, history: History, day_index: int, contribution: float) -> str:
    """The words for a group on that day."""
    if group in INPUT_WORDS:
        return _input_label(group, history, day_index, contribution)
    if group.endswith(":recent"):
        return _recent_label(group.split(":")[0], history, day_index)
    if group.startswith("event:"):
        return _event_label(group.split(":")[1], history, day_index)
    if group == "habits":
        return _habits_label(history, day_index)
    if group == "weekday":
        return f"it being a {WEEKDAYS[history.date(day_index).weekday()]}"
    if group == "momentum":
        return "this habit's recent record"
    if group == "time":
        return "how long you have been logging"
    return group.replace("_", " ")


def amount(kind: str, value: float) -> str:
    """A contribution's size in the forecast's units."""
    size = abs(value)
    if kind == "completion":
        return f"{round(100 * size)} points"
    if kind == "mood":
        return f"{size:.1f} of a mood step" if size < 0.95 else f"{size:.1f} mood steps"
    return f"{size:.1f}"


def describe(kind: str, names: Sequence[str], contributions, row, history: History, day_index: int,
             *, top: int = 3) -> list[Driver]:
    """The `top` groups of features that move day `day_index`'s `kind` forecast most, largest
    first. `contributions`: LightGBM's pred_contrib for that one row (for mood, the classes'
    blocks one after another); `row`: the row's feature values (kept for callers; the words
    read the History)."""
    del row  # the words come from the History, which holds the same values
    groups = grouped(kind, names, contributions)
    ranked = sorted(groups.items(), key=lambda item: -abs(item[1]))
    drivers = []
    for group, value in ranked:
        if abs(value) < SMALL.get(kind, 0.0) or len(drivers) >= top:
            break
        label = label_of(group, history, day_index, value)
        verb = "raises" if value > 0 else "lowers"
        drivers.append(Driver(group, label, round(value, 3), f"{label} {verb} it by {amount(kind, value)}"))
    return drivers


FORECAST_WORDS = {"mood": "mood forecast", "energy": "energy forecast", "completion": "chance"}


def _joined(labels: Sequence[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _field(driver, name: str):
    return driver[name] if isinstance(driver, Mapping) else getattr(driver, name)


def summary(kind: str, drivers: Iterable, *, when: str = "Today's") -> str:
    """The headline: "Today's energy forecast is lower than usual, mainly because of short
    sleep (5.5 h)." `drivers`: Driver values or their dicts (the API's shape)."""
    drivers = list(drivers)
    what = f"{when} {FORECAST_WORDS.get(kind, kind)}"
    if not drivers:
        return f"{what} is close to your usual; nothing stands out."
    total = sum(_field(d, "contribution") for d in drivers)
    up = total > 0
    words = ("higher" if up else "lower") if kind != "mood" else ("brighter" if up else "lower")
    same = [_field(d, "label") for d in drivers if (_field(d, "contribution") > 0) == up]
    other = [_field(d, "label") for d in drivers if (_field(d, "contribution") > 0) != up]
    text = f"{what} is {words} than usual, mainly because of {_joined(same)}"
    if other:
        text += f", though {_joined(other)} {'pulls' if len(other) == 1 else 'pull'} the other way"
    return text + "."
