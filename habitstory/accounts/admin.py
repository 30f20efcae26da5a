from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = [
        "display_name",
        "timezone",
        "day_start_hour",
        "week_start",
        ("prompt_window_start", "prompt_window_end"),
        ("quiet_hours_start", "quiet_hours_end"),
        "notification_preferences",
        "show_on_leaderboards",
        ("xp_total", "level"),
    ]
    readonly_fields = ["xp_total", "level"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ProfileInline]
    ordering = ["email"]
    list_display = ["email", "display_name", "timezone", "level", "xp", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "date_joined"]
    list_select_related = ["profile"]
    search_fields = ["email", "profile__display_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )

    @admin.display(ordering="profile__level")
    def level(self, user: User) -> int:
        return user.profile.level

    @admin.display(ordering="profile__xp_total", description="XP")
    def xp(self, user: User) -> int:
        return user.profile.xp_total

    @admin.display(ordering="profile__display_name")
    def display_name(self, user: User) -> str:
        return user.profile.display_name

    @admin.display(ordering="profile__timezone")
    def timezone(self, user: User) -> str:
        return str(user.profile.timezone)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "timezone", "day_start_hour", "week_start", "updated_at"]
    list_filter = ["day_start_hour", "week_start"]
    search_fields = ["user__email", "display_name", "timezone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
