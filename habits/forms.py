from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.core.exceptions import ValidationError

from . import pillars
from .library import fields_of
from .models import Habit, HabitTemplate, Occurrence, Pillar

WEEKDAY_CHOICES = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class PillarForm(forms.ModelForm):
    class Meta:
        model = Pillar
        fields = ["name", "color", "icon"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}
        help_texts = {"icon": "Shown beside the pillar's name."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Pillar.objects.filter(user=self.user, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("You already have a pillar with this name.", code="duplicate")
        return name

    def save(self, commit: bool = True) -> Pillar:
        """The pillar as typed, saved through pillars.save_pillar (a new one goes last
        and counts against the Free plan's limit)."""
        pillar = super().save(commit=False)
        pillar.user = self.user
        return pillars.save_pillar(pillar) if commit else pillar


class HabitForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="On these days",
    )

    class Meta:
        model = Habit
        fields = [
            "name", "pillar", "schedule", "weekdays", "times_per_week", "every_n_days", "start_date",
            "kind", "target_value", "unit", "difficulty", "priority", "reminder_time", "timer_minutes",
            "requires_verification", "notes",
        ]
        labels = {
            "schedule": "How often",
            "times_per_week": "Times per week",
            "every_n_days": "Every how many days",
            "start_date": "Starts on",
            "kind": "Type",
            "target_value": "Target",
            "timer_minutes": "Timer (minutes)",
            "requires_verification": "Ask for proof when ticked",
        }
        help_texts = {
            "start_date": "Days before this are not counted. A past date lets you backfill.",
            "target_value": "For measurable habits, e.g. 8 (glasses) or 2 (coffees at most).",
            "unit": "glasses, pages, km…",
            "priority": "1 = high, 3 = low.",
            "reminder_time": "When to prompt you (your local time).",
        }
        widgets = {
            "schedule": forms.RadioSelect,
            "kind": forms.RadioSelect,
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "times_per_week": forms.NumberInput(attrs={"min": 1, "max": 7}),
            "every_n_days": forms.NumberInput(attrs={"min": 1}),
            "target_value": forms.NumberInput(attrs={"min": 0, "step": "any"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "priority": forms.Select(choices=[(1, "1 · high"), (2, "2 · normal"), (3, "3 · low")]),
        }
        error_messages = {
            "target_value": {
                "max_digits": "Enter a target up to 9,999,999.99.",
                "max_whole_digits": "Enter a target up to 9,999,999.99.",
                "max_decimal_places": "Use at most 2 decimal places.",
            },
        }

    def __init__(self, *args, user, today: dt.date, template: HabitTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user
        self.template = template
        self.fields["pillar"].queryset = Pillar.objects.filter(user=user).order_by("position", "id")
        self.fields["pillar"].empty_label = "Unsorted"
        self.fields["pillar"].required = False
        if not self.instance.pk and not self.initial.get("start_date"):
            self.initial["start_date"] = today
        self.fields["times_per_week"].required = False
        self.fields["every_n_days"].required = False
        if template is not None:
            self._start_from(template, user)

    def _start_from(self, template: HabitTemplate, user) -> None:
        """Pre-filled from a library template, in the user's pillar of its pillar name, or
        with the offer to make that pillar when they have none of that name."""
        self.fields["template"] = forms.CharField(widget=forms.HiddenInput, initial=template.slug)
        if not self.is_bound:
            self.initial.update(fields_of(template))
        mine = Pillar.objects.filter(user=user, name__iexact=template.pillar_name).first()
        if mine is not None:
            self.initial["pillar"] = self.initial.get("pillar") or mine.pk
        else:
            self.fields["new_pillar"] = forms.BooleanField(
                required=False, initial=True, label=f"Put it in a new pillar, “{template.pillar_name}”",
                help_text="Untick to choose one of your pillars above.",
            )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def _post_clean(self) -> None:
        # Model.clean() knows the schedule and target rules; its errors land on the fields.
        self.instance.weekdays = self.cleaned_data.get("weekdays") or []
        super()._post_clean()

    def _update_errors(self, errors) -> None:
        """The model's errors, but none for a field the form already refused: a target of
        1e20 is too large, not also missing (the model saw no target)."""
        if hasattr(errors, "error_dict"):
            kept = {field: messages for field, messages in errors.error_dict.items() if field not in self._errors}
            if not kept:
                return
            errors = ValidationError(kept)
        super()._update_errors(errors)


class DayForm(forms.Form):
    """Edit one past or present day of a habit (the calendar's backfill)."""

    STATUS_CHOICES = [
        ("done", "Done"),
        ("skipped", "Skipped (does not count against you)"),
        ("open", "Not done"),
    ]
    status = forms.ChoiceField(choices=STATUS_CHOICES, widget=forms.RadioSelect)
    value = forms.DecimalField(required=False, min_value=0, max_digits=9, decimal_places=2)
    note = Occurrence._meta.get_field("note").formfield(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, habit: Habit, occurrence: Occurrence | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.habit = habit
        if not habit.is_measurable:
            del self.fields["value"]
        else:
            self.fields["value"].label = f"Amount ({habit.unit})" if habit.unit else "Amount"
        if occurrence is not None and not self.is_bound:
            status = occurrence.status
            self.initial["status"] = status if status in ("done", "skipped") else "open"
            self.initial["note"] = occurrence.note
            if habit.is_measurable:
                self.initial["value"] = occurrence.value


class ImportForm(forms.Form):
    """A HabitStory JSON export to load back (habits matched by name and start date)."""

    MAX_BYTES = 20 * 1024 * 1024
    file = forms.FileField(label="Export file (.json)", help_text="A file from “Export JSON”. Up to 20 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        try:
            self.cleaned_data["data"] = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"This is not a JSON file ({exc.__class__.__name__}).") from None
        if not isinstance(self.cleaned_data["data"], dict):
            raise forms.ValidationError("This is not a HabitStory export.")
        return upload
