from django.contrib import admin, messages

from .models import Achievement, Pet, PetEvent, UserAchievement, XPEvent, forget_locked
from .services import rebuild_xp


@admin.register(XPEvent)
class XPEventAdmin(admin.ModelAdmin):
    """The ledger is append-only: readable and filterable here, written only by the commit step."""

    list_display = ["created_at", "user", "amount", "reason", "source", "on"]
    list_filter = ["reason", "on"]
    search_fields = ["user__email", "source"]
    list_select_related = ["user"]
    date_hierarchy = "on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "threshold", "xp_reward", "active", "position"]
    list_editable = ["threshold", "xp_reward", "active", "position"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code", "description"]

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        forget_locked()


@admin.register(UserAchievement)
class UserAchievementAdmin(admin.ModelAdmin):
    list_display = ["achievement", "user", "unlocked_at"]
    list_filter = ["achievement"]
    search_fields = ["user__email", "achievement__name"]
    list_select_related = ["user", "achievement"]
    raw_id_fields = ["user"]

    def delete_queryset(self, request, queryset):
        users = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in users:
            forget_locked(user_id)


class PetEventInline(admin.TabularInline):
    model = PetEvent
    extra = 0
    readonly_fields = ["kind", "detail", "created_at"]
    can_delete = False


@admin.register(Pet)
class PetAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "species", "level", "stage", "mood", "xp"]
    list_filter = ["species", "stage", "mood"]
    search_fields = ["name", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["xp", "level", "stage", "mood", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [PetEventInline]
    actions = ["rebuild"]

    @admin.action(description="Rebuild XP and level from the ledger")
    def rebuild(self, request, queryset):
        count = rebuild_xp(pet.user for pet in queryset.select_related("user"))
        self.message_user(request, f"Rebuilt XP for {count} users.", messages.SUCCESS)


@admin.register(PetEvent)
class PetEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "pet", "kind", "detail"]
    list_filter = ["kind"]
    search_fields = ["pet__name", "pet__user__email", "detail"]
    list_select_related = ["pet"]
    readonly_fields = ["pet", "kind", "detail", "created_at"]
