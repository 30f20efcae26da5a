"""The quiz's step (one question, its choices as radio buttons) and the starter plan's
checkboxes on the result page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms

CHOOSE_ONE = "Choose one of the answers to go on."
NOT_THIS_QUESTION = "That answer is not one of this question’s: choose one of these."


class StepForm(forms.Form):
    """One question: `choice` is one of its choices' ids (anything else, another
    question's choice included, is refused naming the field)."""

    choice = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_ONE, "invalid_choice": NOT_THIS_QUESTION},
    )

    def __init__(self, data=None, *, question, choices: Sequence, initial_choice: int | None = None):
        super().__init__(data, initial={"choice": str(initial_choice)} if initial_choice else None)
        self.question = question
        field = self.fields["choice"]
        field.label = question.text
        field.choices = [(str(choice.pk), choice.text) for choice in choices]

    def chosen(self) -> int:
        return int(self.cleaned_data["choice"])


class PlanForm(forms.Form):
    """The starter plan's habits and quests, ticked or not (their StarterHabit and
    StarterQuest ids; an id of another plan is refused)."""

    habits = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "That habit is not in this plan."},
    )
    quests = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "That quest is not in this plan."},
    )

    def __init__(self, data=None, *, habits: Iterable, quests: Iterable):
        habits, quests = list(habits), list(quests)
        initial = {
            "habits": [str(item.pk) for item in habits if item.checked],
            "quests": [str(item.pk) for item in quests if item.checked],
        }
        super().__init__(data, initial=initial)
        self.fields["habits"].choices = [(str(item.pk), str(item.pk)) for item in habits]
        self.fields["quests"].choices = [(str(item.pk), str(item.pk)) for item in quests]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("habits") and not cleaned.get("quests"):
            raise forms.ValidationError("Tick at least one habit or quest to start with (or skip this for now).")
        return cleaned

    def ticked(self, name: str) -> set[str]:
        """The ids to show ticked: as sent, or the plan's own choice at first."""
        if self.is_bound:
            return set(self.data.getlist(name)) if hasattr(self.data, "getlist") else set(self.data.get(name, []))
        return set(self.initial[name])
