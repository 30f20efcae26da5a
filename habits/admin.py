from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from .library import check_template
from .models import Habit, HabitTemplate, Occurrence, Pillar
from .recompute import recompute_stats
from .today_cache import touch


class TouchTodayMixin:
    """Bulk deletes skip the models' delete(): tell the owners' Today lists here."""

    owner_path = "user_id"

    def delete_queryset(self, request, queryset):
        touch(*queryset.values_list(self.owner_path, flat=True).distinct())
        super().delete_queryset(request, queryset)


@admin.register(Pillar)
class PillarAdmin(TouchTodayMixin, admin.ModelAdmin):
    list_display = ["name", "user", "color", "position", "created_at"]
    search_fields = ["name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Habit)
class HabitAdmin(TouchTodayMixin, admin.ModelAdmin):
    list_display = [
        "name", "user", "pillar", "schedule", "kind", "difficulty", "status",
        "current_streak", "consistency", "at_risk",
    ]
    list_filter = ["status", "schedule", "kind", "difficulty", "at_risk", "requires_verification", "pillar__name"]
    search_fields = ["name", "user__email", "pillar__name"]
    list_select_related = ["user", "pillar"]
    raw_id_fields = ["user", "pillar"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "current_streak", "longest_streak", "total_done", "total_skipped", "consistency",
        "strength", "consecutive_misses", "last_done_on", "at_risk", "failure_rate",
        "suggested_frequency", "created_at", "updated_at",
    ]
    actions = ["recompute"]

    @admin.action(description="Recompute statistics from occurrences")
    def recompute(self, request, queryset):
        count = recompute_stats(queryset)
        self.message_user(request, f"Recomputed {count} habits.", messages.SUCCESS)


@admin.register(Occurrence)
class OccurrenceAdmin(TouchTodayMixin, admin.ModelAdmin):
    owner_path = "habit__user_id"
    list_display = ["habit", "owner", "on", "status", "value", "verification", "completed_at"]
    list_filter = ["status", "verification", "on", "habit__schedule"]
    search_fields = ["habit__name", "habit__user__email", "note"]
    list_select_related = ["habit__user"]
    raw_id_fields = ["habit"]
    date_hierarchy = "on"

    @admin.display(ordering="habit__user__email")
    def owner(self, occurrence: Occurrence) -> str:
        return occurrence.habit.user.email

    # A staff edit changes the history the statistics (and their fold) are computed from.

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute_stats(Habit.objects.filter(pk=obj.habit_id))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_stats(Habit.objects.filter(pk=obj.habit_id))

    def delete_queryset(self, request, queryset):
        habits = list(queryset.values_list("habit_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        recompute_stats(Habit.objects.filter(pk__in=habits))


class HabitTemplateForm(forms.ModelForm):
    """A template obeys a habit's rules (habits.library.check_template): the schedule has
    the days, times or interval it needs, a measurable kind a target above 0."""

    class Meta:
        model = HabitTemplate
        fields = "__all__"
        help_texts = {
            "slug": "Stable: the archetypes' starter plans name templates by it.",
            "weekdays": "For “On certain weekdays”: a list such as [0, 2, 4] (0 = Monday, 6 = Sunday).",
            "times_per_week": "For “N times per week”: 1 to 7.",
            "every_n_days": "For “Every N days”.",
            "target_value": "For a measurable kind (at least / at most): more than 0.",
            "active": "Untick to retire it: it leaves the library; habits made from it stay.",
        }

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            check_template(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(HabitTemplate)
class HabitTemplateAdmin(admin.ModelAdmin):
    form = HabitTemplateForm
    list_display = ["name", "pillar_name", "schedule", "kind", "difficulty", "position", "active", "slug"]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_filter = ["pillar_name", "active", "schedule", "kind", "difficulty"]
    search_fields = ["name", "why", "pillar_name", "slug"]
    ordering = ["pillar_name", "position", "name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "pillar_name", "why", "position", "active"]}),
        ("Schedule", {"fields": ["schedule", "weekdays", "times_per_week", "every_n_days"]}),
        ("What counts as done", {"fields": ["kind", "target_value", "unit", "difficulty", "timer_minutes"]}),
    ]
