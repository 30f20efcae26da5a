"""The quest pages' forms. Limits and characters come from the models' fields (one set of
rules); the services run full_clean again and the views put what they refuse on these
fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.urls import reverse

from habits.models import Habit

from .models import OBJECTIVES_MAX, XP_MAX, XP_MIN, Category, Objective, Priority, Quest

MORE_ROWS = 3  # blank objective rows added by "More objective rows"


def _field(model, name: str, **kwargs) -> forms.Field:
    return model._meta.get_field(name).formfield(**kwargs)


class QuestForm(forms.Form):
    """A quest's own fields. The XP reward is pre-filled with the suggestion for its effort
    and priority; left as suggested (`xp_suggested`), it follows them when they change."""

    title = _field(Quest, "title")
    description = _field(
        Quest, "description", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. **bold**, *italic*, `code`, lines starting with “- ” as a list; https:// links work.",
    )
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, empty_label="No category")
    new_category = _field(
        Category, "name", required=False, label="Or a new category",
        help_text="Typed here, it is added to your list and used for this quest.",
    )
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.MEDIUM)
    due_date = forms.DateField(
        required=False, label="Due on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_time = forms.TimeField(
        required=False, label="Due at", help_text="Optional, your local time; needs a due date.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    effort_minutes = _field(
        Quest, "effort_minutes", required=False, label="Effort (minutes)",
        help_text="Your estimate. With the priority, it suggests the XP.",
        widget=forms.NumberInput(attrs={"min": "1", "inputmode": "numeric"}),
    )
    xp_reward = forms.IntegerField(
        min_value=XP_MIN, max_value=XP_MAX, label="XP reward",
        help_text=f"Suggested from effort and priority; any amount from {XP_MIN} to {XP_MAX}.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    xp_suggested = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, suggest, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggest = suggest  # (effort_minutes, priority) -> XP, quests.services.suggest_xp
        self.fields["category"].queryset = Category.objects.filter(user=user)
        self.fields["category"].error_messages["invalid_choice"] = "Choose one of your categories."
        self.fields["title"].error_messages["required"] = "Give the quest a title."
        # With htmx, the XP field follows effort and priority as they change (xp-suggestion):
        # effort as it is typed (not on leaving it, which would answer while the XP is typed).
        live = {
            "hx-get": reverse("quests:xp-suggestion"), "hx-target": "#xp-reward", "hx-swap": "outerHTML",
            "hx-include": "[name=effort_minutes], [name=priority], [name=xp_reward], [name=xp_suggested]",
        }
        self.fields["effort_minutes"].widget.attrs.update(live, **{"hx-trigger": "input changed delay:300ms"})
        self.fields["priority"].widget.attrs.update(live, **{"hx-trigger": "change"})
        if not self.is_bound:
            effort = self.initial.get("effort_minutes")
            suggested = suggest(effort, self.initial.get("priority", Priority.MEDIUM))
            self.initial.setdefault("xp_reward", suggested)
            self.initial["xp_suggested"] = suggested

    def following(self, data) -> tuple[int, int]:
        """For a change of effort or priority (htmx): the XP to show and the suggestion it
        is offered as; an XP the user typed stays, a suggested one follows."""
        self.is_valid()
        data_ = getattr(self, "cleaned_data", {})
        try:
            suggested = self.suggest(data_.get("effort_minutes"), data_.get("priority") or Priority.MEDIUM)
        except forms.ValidationError:
            suggested = None
        typed, offered = data.get("xp_reward", ""), data.get("xp_suggested", "")
        if suggested is None or (typed and typed != offered):
            return typed, offered
        return suggested, suggested

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the quest a title.")
        return title

    def clean_new_category(self) -> str:
        return (self.cleaned_data.get("new_category") or "").strip()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("due_time") and not data.get("due_date") and "due_date" not in self.errors:
            self.add_error("due_time", "A due time needs a due date.")
        xp, suggested = data.get("xp_reward"), data.get("xp_suggested")
        if xp is not None and suggested is not None and xp == suggested and "priority" in data:
            # Left as suggested: the suggestion for the effort and priority as saved.
            data["xp_reward"] = self.suggest(data.get("effort_minutes"), data["priority"])
        return data

    def quest_fields(self) -> dict:
        """The cleaned fields as quests.services takes them (a new category by its name)."""
        data = self.cleaned_data
        fields = {name: data[name] for name in (
            "title", "description", "priority", "due_date", "due_time", "effort_minutes", "xp_reward",
        )}
        fields["category"] = data["new_category"] or data["category"]
        return fields


class ObjectiveForm(forms.Form):
    """One objective row: a step to tick, or a habit done N times, or a streak of N."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = _field(Objective, "text", label="What to do")
    kind = forms.ChoiceField(choices=Objective.Kind.choices, initial=Objective.Kind.MANUAL, label="Kind")
    habit = forms.ModelChoiceField(queryset=Habit.objects.none(), required=False, empty_label="No habit")
    target = _field(
        Objective, "target", required=False, label="How many (N)",
        help_text="Times, or the streak's length. Habit kinds only.",
        widget=forms.NumberInput(attrs={"min": "1", "inputmode": "numeric"}),
    )
    weight = forms.DecimalField(
        initial=Decimal(1), min_value=Decimal("0.01"), max_value=Decimal(100), max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args, habits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["habit"].queryset = habits
        self.fields["habit"].error_messages["invalid_choice"] = "Choose one of your habits."

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Say what the objective is.")
        return text

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == Objective.Kind.MANUAL:
            data["habit"], data["target"] = None, None
        elif data.get("kind"):
            if not data.get("habit") and "habit" not in self.errors:
                self.add_error("habit", "Choose the habit that feeds it.")
            if not data.get("target") and "target" not in self.errors:
                self.add_error("target", "Say how many (1 or more).")
        return data


class BaseObjectiveFormSet(forms.BaseFormSet):
    def __init__(self, *args, user, objective_ids=(), **kwargs):
        self.objective_ids = set(objective_ids)
        # The user's alive habits, and any habit an objective of this quest already names.
        habits = Habit.objects.filter(user=user).filter(
            Q(deleted_at__isnull=True) | Q(quest_objectives__id__in=self.objective_ids)
        ).distinct().order_by("name", "id")
        super().__init__(*args, form_kwargs={"habits": habits}, **kwargs)

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this objective"

    def specs(self, spec_type) -> list:
        """The kept rows, in order, as quests.services.ObjectiveSpec (blank rows skipped)."""
        specs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (not form.has_changed() and not data.get("id")) or data.get("DELETE"):
                continue
            known = data.get("id") in self.objective_ids
            specs.append(spec_type(
                text=data["text"], kind=data["kind"], weight=data.get("weight") or Decimal(1),
                habit=data.get("habit"), target=data.get("target"), id=data["id"] if known else None,
            ))
        return specs


ObjectiveFormSet = forms.formset_factory(
    ObjectiveForm, formset=BaseObjectiveFormSet, extra=MORE_ROWS, can_delete=True,
    max_num=OBJECTIVES_MAX, validate_max=True, absolute_max=OBJECTIVES_MAX + MORE_ROWS,
)


def objective_initial(quest: Quest) -> list[dict]:
    return [
        {"id": o.pk, "text": o.text, "kind": o.kind, "habit": o.habit_id, "target": o.target,
         "weight": o.weight.normalize()}
        for o in quest.objectives.all()
    ]


def with_more_rows(data, prefix: str = "form"):
    """The posted data with MORE_ROWS blank objective rows added (the no-JavaScript way to
    add objectives: the page comes back with more rows, nothing saved)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except ValueError:
        total = 0
    data[key] = str(min(max(total, 0) + MORE_ROWS, OBJECTIVES_MAX + MORE_ROWS))
    return data


class DependencyForm(forms.Form):
    """Make the quest wait for another of the user's quests."""

    depends_on = forms.ModelChoiceField(
        queryset=Quest.objects.none(), label="Quest", empty_label="Choose a quest",
        help_text="This quest stays locked until that one is done.",
    )

    def __init__(self, *args, quest: Quest, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["depends_on"]
        field.queryset = (
            Quest.objects.filter(user_id=quest.user_id).exclude(pk=quest.pk)
            .exclude(status=Quest.Status.ABANDONED).exclude(dependents__quest=quest)
            .only("id", "title").order_by("title", "id")
        )
        field.error_messages["invalid_choice"] = "Choose one of your other quests."
