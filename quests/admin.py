from django.contrib import admin

from .models import (
    Attachment, Category, Dependency, NextUpChoice, NextUpFit, Objective, Quest, QuestTemplate, TemplateObjective,
)


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to staff, written only through quests.services (progress, the graph's checks)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Objective)
class ObjectiveAdmin(ReadOnlyAdmin):
    list_display = ["text", "quest", "kind", "habit", "target", "count", "done"]
    list_filter = ["kind", "done"]
    search_fields = ["text", "quest__title", "quest__user__email"]
    list_select_related = ["quest", "habit"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdmin):
    """Deleting an edge here is allowed (it only unlocks); adding one goes through the
    cycle check (quests.graph.add_dependency)."""

    list_display = ["quest", "depends_on", "created_at"]
    search_fields = ["quest__title", "depends_on__title", "quest__user__email"]
    list_select_related = ["quest", "depends_on"]


@admin.register(TemplateObjective)
class TemplateObjectiveAdmin(admin.ModelAdmin):
    list_display = ["text", "template", "kind", "habit_name", "target", "weight"]
    list_filter = ["kind"]
    search_fields = ["text", "template__title", "template__slug"]
    list_select_related = ["template"]
    raw_id_fields = ["template", "habit"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Metadata only: the files are private to their owner (no link to them here)."""

    list_display = ["name", "quest", "user", "kind", "size", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "quest__title", "user__email"]
    list_select_related = ["quest", "user"]
    fields = ["name", "quest", "user", "kind", "content_type", "size", "sha256", "created_at"]


@admin.register(NextUpFit)
class NextUpFitAdmin(ReadOnlyAdmin):
    """A user's learned next-up weights and their held-out accuracy against WEIGHTS
    (quests.learned.refit writes them)."""

    list_display = ["user", "in_use", "pairwise_accuracy", "hand_pairwise_accuracy", "top1_accuracy",
                    "hand_top1_accuracy", "train_choices", "test_choices", "fitted_at"]
    list_filter = ["in_use"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(NextUpChoice)
class NextUpChoiceAdmin(ReadOnlyAdmin):
    """What next up offered at each completion (quests.learned.record_choice)."""

    list_display = ["user", "quest", "chosen_at"]
    search_fields = ["user__email", "quest__title"]
    list_select_related = ["user", "quest"]
    date_hierarchy = "chosen_at"
