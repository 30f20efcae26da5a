from django.contrib import admin

from .models import Goal, GoalEntry, GoalHabit


class GoalHabitInline(admin.TabularInline):
    model = GoalHabit
    extra = 0
    raw_id_fields = ["habit"]


class GoalEntryInline(admin.TabularInline):
    model = GoalEntry
    extra = 0
    readonly_fields = ["created_at"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "current_value", "target_value", "unit", "deadline", "completed_at"]
    list_filter = ["completed_at", "deadline"]
    search_fields = ["name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["current_value", "completed_at", "completion_cycle", "created_at", "updated_at"]
    inlines = [GoalHabitInline, GoalEntryInline]


@admin.register(GoalHabit)
class GoalHabitAdmin(admin.ModelAdmin):
    list_display = ["goal", "habit", "weight"]
    search_fields = ["goal__name", "habit__name", "goal__user__email"]
    raw_id_fields = ["goal", "habit"]


@admin.register(GoalEntry)
class GoalEntryAdmin(admin.ModelAdmin):
    list_display = ["goal", "amount", "note", "on"]
    search_fields = ["goal__name", "note", "goal__user__email"]
    date_hierarchy = "on"
    raw_id_fields = ["goal"]
