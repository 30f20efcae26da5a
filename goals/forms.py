from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from habits.models import EARLIEST_START, Habit

from .models import Goal, GoalEntry


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["name", "description", "target_value", "unit", "start_date", "deadline"]
        labels = {
            "target_value": "Target",
            "start_date": "Starts on",
            "deadline": "Deadline",
        }
        help_texts = {
            "target_value": "How much makes the goal, e.g. 100 (km) or 12 (books).",
            "unit": "km, books, sessions… (optional)",
            "start_date": "Habit days from this date on count. A past date counts what you have already done.",
            "deadline": "Optional. Gives you a pace: ahead, on track or behind.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "target_value": forms.NumberInput(attrs={"min": "0.01", "step": "any", "inputmode": "decimal"}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user
        self.today = today
        if not self.instance.pk and not self.initial.get("start_date"):
            self.initial["start_date"] = today

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the goal a name.")
        return name

    def clean_target_value(self) -> Decimal:
        target = self.cleaned_data["target_value"]
        if target is not None and target <= 0:
            raise forms.ValidationError("The target must be more than 0.")
        return target

    def clean_start_date(self) -> dt.date:
        start = self.cleaned_data["start_date"]
        latest = self.today + dt.timedelta(days=366)
        if start and not EARLIEST_START <= start <= latest:
            raise forms.ValidationError(
                f"Choose a start date between {EARLIEST_START:%-d %B %Y} and a year from now."
            )
        return start

    def clean(self) -> dict:
        data = super().clean()
        start, deadline = data.get("start_date"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", "The deadline must be on or after the start date.")
        return data


class LinkForm(forms.Form):
    """Link one of the user's habits to a goal, or change the weight of its link."""

    habit = forms.ModelChoiceField(queryset=Habit.objects.none(), empty_label="Choose a habit")
    weight = forms.DecimalField(
        initial=Decimal(1),
        max_digits=9,
        decimal_places=2,
        help_text="Each done day adds weight × its value (1 for yes/no habits).",
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["habit"].queryset = Habit.objects.for_user(user).order_by("name", "id")
        self.fields["habit"].error_messages["invalid_choice"] = "Choose one of your habits."

    def clean_weight(self) -> Decimal:
        weight = self.cleaned_data["weight"]
        if weight is not None and weight <= 0:
            raise forms.ValidationError("The weight must be more than 0.")
        return weight


class EntryForm(forms.Form):
    """A manual + or − entry. Its rules (not 0, size, note length) are goals.services';
    the view turns that ValidationError into errors on these fields."""

    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="Use a minus sign to take some off, e.g. -2.",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    note = GoalEntry._meta.get_field("note").formfield(required=False, label="Note (optional)")
