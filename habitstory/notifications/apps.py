from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "habitstory.notifications"
    label = "notifications"
    verbose_name = "Notifications"
