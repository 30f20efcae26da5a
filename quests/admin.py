from django.contrib import admin

from .models import Category, Objective, Quest, QuestTemplate, TemplateObjective


class TemplateObjectiveInline(admin.TabularInline):
    model = TemplateObjective
    extra = 1
    fields = ["position", "text", "kind", "weight", "habit_name", "target"]


@admin.register(QuestTemplate)
class QuestTemplateAdmin(admin.ModelAdmin):
    """Staff's templates leave the user empty; `slug` names them for starter plans."""

    list_display = ["title", "slug", "user", "category_name", "priority", "xp_reward", "active"]
    list_filter = ["active", "priority", ("user", admin.EmptyFieldListFilter)]
    search_fields = ["title", "slug", "user__email"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]
    inlines = [TemplateObjectiveInline]


class ObjectiveInline(admin.TabularInline):
    """Read only: progress moves through quests.services (the commit step), never here."""

    model = Objective
    extra = 0
    can_delete = False
    fields = ["position", "text", "kind", "weight", "habit", "target", "count", "done", "done_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quest)
class QuestAdmin(admin.ModelAdmin):
    """Read-mostly: status, completion and XP move through the story layer only (its
    ledger), so here they are shown, not edited."""

    list_display = ["title", "user", "status", "priority", "due_date", "xp_reward", "completed_on"]
    list_filter = ["status", "priority", "ready"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "category", "template"]
    readonly_fields = [
        "user", "status", "xp_reward", "activated_on", "completed_at", "completed_on", "completion_cycle", "ready",
        "objectives_text", "due_reminded_for", "overdue_reminded_for", "template", "created_at", "updated_at",
    ]
    inlines = [ObjectiveInline]

    def has_add_permission(self, request):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "position"]
    search_fields = ["name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
