"""The check-in card (Today and a day's page) and the life-event form. Each form only
parses what was typed; the rules are the services' (`services.save_checkin`,
`services.create_life_event`), whose ValidationErrors come back onto the named fields."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from habitstory.core.formatting import amount, long_date

from . import services
from .models import DATA_MAX_BYTES, NOTE_MAX, CheckIn, LifeEvent, Mood

# A face per mood, worst to best (models.MOODS order): the mouth's SVG path (a frown to a grin).
FACES: dict[str, str] = {
    Mood.VERY_NEGATIVE: "M8 17.5q4-4 8 0", Mood.NEGATIVE: "M8.5 16.5q3.5-2 7 0", Mood.NEUTRAL: "M8.5 15.5h7",
    Mood.POSITIVE: "M8.5 14.5q3.5 2.5 7 0", Mood.VERY_POSITIVE: "M8 14q4 5 8 0z",
}
DEFAULT_ENERGY = Decimal(5)
# The fields folded under "More" on the card (everything but mood and energy).
MORE_FIELDS: tuple[str, ...] = ("sleep_hours", "exercise_minutes", "social_minutes", "work_hours", "stress", "note")


def _number(label: str, *, step: str, maximum: int, help_text: str = "", decimal: bool = True) -> forms.Field:
    attrs = {"min": "0", "max": str(maximum), "step": step, "inputmode": "decimal" if decimal else "numeric"}
    if decimal:
        return forms.DecimalField(label=label, required=False, min_value=0, max_value=maximum, help_text=help_text,
                                  widget=forms.NumberInput(attrs=attrs))
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=maximum, help_text=help_text,
                              widget=forms.NumberInput(attrs=attrs))


class CheckInForm(forms.Form):
    """How the day went. Energy is a slider, which always has a value: it counts only with
    "Log energy" ticked (the page's script ticks it when the slider moves), so a mood
    alone never records a made-up energy."""

    mood = forms.ChoiceField(choices=Mood.choices, required=False, widget=forms.RadioSelect, label="Mood")
    log_energy = forms.BooleanField(required=False, label="Log energy")
    energy = forms.DecimalField(
        required=False, min_value=0, max_value=10, decimal_places=1, label="Energy",
        help_text="0 (empty) to 10 (full).",
        widget=forms.NumberInput(attrs={"type": "range", "min": "0", "max": "10", "step": "0.5"}),
    )
    sleep_hours = _number("Sleep (hours)", step="0.25", maximum=24)
    exercise_minutes = _number("Exercise (minutes)", step="1", maximum=1440, decimal=False)
    social_minutes = _number("Time with people (minutes)", step="1", maximum=1440, decimal=False)
    work_hours = _number("Work (hours)", step="0.25", maximum=24)
    stress = _number("Stress", step="0.5", maximum=10, help_text="0 (calm) to 10 (overwhelmed).")
    note = forms.CharField(required=False, max_length=NOTE_MAX, label="Note",
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX}))

    def __init__(self, *args, checkin: CheckIn | None = None, **kwargs):
        if checkin is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(checkin)
        kwargs.setdefault("auto_id", "checkin-%s")
        super().__init__(*args, **kwargs)
        self.checkin = checkin
        self.fields["energy"].initial = DEFAULT_ENERGY

    def values(self) -> dict:
        """What save_checkin takes: every field (a full replace), energy only when logged."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in services.CHECKIN_FIELDS}
        if not data.get("log_energy"):
            values["energy"] = None
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)

    def save(self, user, day: dt.date) -> CheckIn | None:
        """Save through the service; None (and the errors on the form) when refused."""
        try:
            return services.save_checkin(user, day, self.values())
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None

    @property
    def has_more(self) -> bool:
        """Open the folded fields: one of them holds a value or an error."""
        if any(self[name].errors for name in MORE_FIELDS):
            return True
        return any(self[name].value() not in (None, "") for name in MORE_FIELDS)

    def faces(self) -> list[dict]:
        """The mood radios, each with its face, for the card's own markup."""
        chosen = self["mood"].value() or ""
        return [
            {"value": value, "label": label, "face": FACES[value], "checked": value == chosen,
             "id": f"{self.auto_id % 'mood'}_{index}"}
            for index, (value, label) in enumerate(Mood.choices)
        ]


def card_context(form: CheckInForm, day: dt.date, today: dt.date, *, compact: bool, saved: bool = False,
                 next_url: str = "") -> dict:
    """What the check-in card (templates/insights/checkin.html#checkin-card) needs, on Today
    (compact) and on a day's page; `next_url`: where a plain POST goes once saved."""
    return {"checkin_form": form, "checkin_day": day, "checkin_today": day == today, "checkin_saved": saved,
            "checkin_compact": compact, "checkin_title": long_date(day), "checkin_next": next_url,
            "checkin_before": day - dt.timedelta(days=1)}


def today_card(user, day: dt.date) -> dict:
    """Today's card: the day's check-in, if any, in the form (one query)."""
    return card_context(CheckInForm(checkin=services.get_checkin(user, day)), day, day, compact=True, next_url="/")


def initial_of(checkin: CheckIn) -> dict:
    """The stored check-in as the form shows it: 7.5, not 7.50."""
    initial = {name: getattr(checkin, name) for name in services.CHECKIN_FIELDS}
    for name, value in initial.items():
        if isinstance(value, Decimal):
            initial[name] = amount(value)
    initial["log_energy"] = checkin.energy is not None
    if checkin.energy is None:
        initial["energy"] = DEFAULT_ENERGY
    return initial


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return number


class LifeEventForm(forms.Form):
    type = forms.ChoiceField(choices=LifeEvent.Type.choices, label="Type")
    title = forms.CharField(max_length=120, label="Title")
    start = forms.DateField(label="Starts on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(required=False, label="Ends on", help_text="Leave empty for a single day.",
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    data = forms.CharField(
        required=False, label="Details (JSON, optional)",
        help_text='A JSON object under 4 KB, e.g. {"severity": 3}.',
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )

    def __init__(self, *args, event: LifeEvent | None = None, **kwargs):
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "type": event.type, "title": event.title, "start": event.start, "end": event.end,
                "data": json.dumps(event.data) if event.data else "",
            }
        super().__init__(*args, **kwargs)
        self.event = event

    def clean_data(self) -> dict:
        text = (self.cleaned_data.get("data") or "").strip()
        if not text:
            return {}
        if len(text.encode()) > 2 * DATA_MAX_BYTES:  # the model's limit, with room for spaces
            raise forms.ValidationError(f"Keep the data under {DATA_MAX_BYTES // 1024} KB.")
        try:
            value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
        except (ValueError, RecursionError):
            raise forms.ValidationError("Write valid JSON, e.g. {\"severity\": 3}.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Use a JSON object: {…}.")
        return value

    def save(self, user) -> LifeEvent | None:
        values = {name: self.cleaned_data.get(name) for name in services.EVENT_FIELDS}
        try:
            if self.event is None:
                return services.create_life_event(user, values)
            return services.update_life_event(self.event, values)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
            return None
