from django.contrib import admin

from .models import Delivery, Notification, PushSubscription


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "status", "detail", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "in_app", "created_at", "read_at"]
    list_filter = ["kind", "in_app", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "title", "key"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "user_email", "channel", "status", "detail", "created_at"]
    list_filter = ["channel", "status", "notification__kind"]
    search_fields = ["notification__user__email", "notification__title"]
    list_select_related = ["notification__user"]
    raw_id_fields = ["notification"]
    readonly_fields = ["created_at"]

    @admin.display(description="user", ordering="notification__user__email")
    def user_email(self, obj: Delivery) -> str:
        return obj.notification.user.email


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "device", "created_at", "last_sent_at", "failures"]
    list_filter = ["device"]
    search_fields = ["user__email", "device", "endpoint"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "created_at", "last_sent_at"]
