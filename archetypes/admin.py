"""Staff edit the archetypes' content here. Every save or delete of content clears the
cached content (archetypes.content.clear), so the quiz, the pages and the API show the
edit at once. Assignments are read only, but staff may reassign users (an action)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction

from . import content, rules, services
from .models import (
    Archetype, Assignment, Choice, ChoiceWeight, Condition, House, Membership, ProfileScore, Question, QuizProgress,
    Rule, StarterHabit, StarterQuest, Trait,
)

SCORING_HELP = (
    "A trait's score is the sum of the weights of the chosen choices, scaled to 0-100 by the lowest and "
    "highest sums that trait can reach over the active questions (per question, its choices' lowest and "
    "highest weight for the trait, a choice without one counting 0). A trait no choice can move scores 50. "
    "Editing the quiz rescales everyone's future scores, so they stay comparable."
)
RULES_HELP = (
    "Rules are tried by position; the first active rule whose conditions all hold assigns its archetype "
    "(a rule without conditions never matches). When none matches, the archetype with the nearest profile "
    "(distance over the traits, a missing trait counting 50) is chosen."
)


def _content_changed() -> None:
    content.clear()
    transaction.on_commit(content.clear)  # and again once committed, so no reader re-caches the old content


class ContentAdmin(admin.ModelAdmin):
    """A content model's admin: every write clears the cached content."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _content_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _content_changed()


@admin.register(Trait)
class TraitAdmin(ContentAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [(None, {"fields": ["name", "slug", "description", "position"], "description": SCORING_HELP})]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 1
    fields = ["position", "text"]
    show_change_link = True  # its weights are edited on the choice's page


@admin.register(Question)
class QuestionAdmin(ContentAdmin):
    list_display = ["text", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["text"]
    fieldsets = [(None, {"fields": ["text", "position", "active"], "description": SCORING_HELP})]
    inlines = [ChoiceInline]


class ChoiceWeightInline(admin.TabularInline):
    model = ChoiceWeight
    extra = 1
    fields = ["trait", "weight"]


@admin.register(Choice)
class ChoiceAdmin(ContentAdmin):
    list_display = ["text", "question", "position"]
    list_select_related = ["question"]
    search_fields = ["text", "question__text"]
    fieldsets = [(None, {"fields": ["question", "text", "position"], "description": SCORING_HELP})]
    inlines = [ChoiceWeightInline]


@admin.register(House)
class HouseAdmin(ContentAdmin):
    list_display = ["name", "slug", "motto", "color", "position"]
    prepopulated_fields = {"slug": ["name"]}


class ProfileScoreInline(admin.TabularInline):
    model = ProfileScore
    extra = 0
    fields = ["trait", "target"]
    verbose_name_plural = "Profile (target score per trait, 0-100; a trait left out counts 50)"


class StarterHabitInline(admin.TabularInline):
    model = StarterHabit
    extra = 0
    fields = ["position", "template", "checked"]
    raw_id_fields = ["template"]


class StarterQuestInline(admin.TabularInline):
    model = StarterQuest
    extra = 0
    fields = ["position", "template", "checked"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":  # staff's templates only
            kwargs["queryset"] = db_field.related_model.objects.filter(user__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Archetype)
class ArchetypeAdmin(ContentAdmin):
    list_display = ["name", "slug", "house", "position"]
    list_select_related = ["house"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProfileScoreInline, StarterHabitInline, StarterQuestInline]


class ConditionForm(forms.ModelForm):
    """Refuses an unknown trait, 'between' without an upper end or with an empty range, and
    an upper end given for another operator (archetypes.rules.validate_condition)."""

    class Meta:
        model = Condition
        fields = ["trait", "operator", "value", "value_to"]

    def clean(self):
        cleaned = super().clean()
        trait = cleaned.get("trait")
        errors = rules.validate_condition(
            trait_slug=trait.slug if trait else None, operator=cleaned.get("operator"),
            value=cleaned.get("value"), value_to=cleaned.get("value_to"),
        )
        for name, messages_ in errors.items():
            if name not in self.errors:  # the field's own error (e.g. an unknown id) says it already
                self.add_error(name, messages_)
        return cleaned


class ConditionInline(admin.TabularInline):
    model = Condition
    form = ConditionForm
    extra = 1


@admin.register(Rule)
class RuleAdmin(ContentAdmin):
    list_display = ["name", "archetype", "position", "active"]
    list_editable = ["position", "active"]
    list_select_related = ["archetype"]
    fieldsets = [(None, {"fields": ["name", "archetype", "position", "active"], "description": RULES_HELP})]
    inlines = [ConditionInline]


class ReassignForm(helpers.ActionForm):
    archetype = forms.ModelChoiceField(Archetype.objects.all(), required=False, label="Reassign to")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read only: an assignment comes from the quiz, or from staff's "Reassign" action,
    which records a new one (source "staff", assigned by you) and keeps this as history."""

    list_display = ["user", "archetype", "house", "confidence", "source", "rule_name", "active", "created_at"]
    list_filter = ["active", "source", "archetype", "house"]
    search_fields = ["user__email"]
    list_select_related = ["user", "archetype", "house"]
    readonly_fields = [field.name for field in Assignment._meta.fields]
    action_form = ReassignForm
    actions = ["reassign"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Reassign the selected users to the archetype chosen below", permissions=["change"])
    def reassign(self, request, queryset):
        try:
            archetype = ReassignForm.base_fields["archetype"].clean(request.POST.get("archetype"))
        except forms.ValidationError:
            archetype = None
        if archetype is None:
            self.message_user(request, "Choose the archetype to reassign to.", messages.ERROR)
            return
        users = {assignment.user_id: assignment.user for assignment in queryset.select_related("user")}
        for user in users.values():
            services.reassign(user, archetype, staff_user=request.user)
        self.message_user(request, f"{len(users)} user(s) reassigned to the {archetype.name}.", messages.SUCCESS)


@admin.register(QuizProgress)
class QuizProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "skipped_at", "updated_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "answers", "skipped_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read only: a user joins with their first assignment and changes house themselves."""

    list_display = ["user", "house", "joined_at", "changed_at"]
    list_filter = ["house"]
    search_fields = ["user__email"]
    list_select_related = ["user", "house"]
    readonly_fields = ["user", "house", "joined_at", "changed_at"]

    def has_add_permission(self, request):
        return False


# The parts edited inline above, also listed on their own (searchable across the content);
# they clear the cached content like the rest. A condition keeps its validation (ConditionForm).

@admin.register(ChoiceWeight)
class ChoiceWeightAdmin(ContentAdmin):
    list_display = ["choice", "trait", "weight"]
    list_filter = ["trait"]
    list_select_related = ["choice", "trait"]
    search_fields = ["choice__text", "choice__question__text"]


@admin.register(ProfileScore)
class ProfileScoreAdmin(ContentAdmin):
    list_display = ["archetype", "trait", "target"]
    list_filter = ["archetype", "trait"]
    list_select_related = ["archetype", "trait"]


@admin.register(Condition)
class ConditionAdmin(ContentAdmin):
    form = ConditionForm
    fields = ["rule", "trait", "operator", "value", "value_to"]
    list_display = ["rule", "trait", "operator", "value", "value_to"]
    list_filter = ["trait", "operator"]
    list_select_related = ["rule", "trait"]
    search_fields = ["rule__name"]


@admin.register(StarterHabit)
class StarterHabitAdmin(ContentAdmin):
    list_display = ["archetype", "template", "position", "checked"]
    list_filter = ["archetype"]
    list_select_related = ["archetype", "template"]


@admin.register(StarterQuest)
class StarterQuestAdmin(ContentAdmin):
    list_display = ["archetype", "template", "position", "checked"]
    list_filter = ["archetype"]
    list_select_related = ["archetype", "template"]
