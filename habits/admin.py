from django.contrib import admin, messages

from .models import Habit, Occurrence, Pillar
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
