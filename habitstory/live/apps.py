from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "habitstory.live"
    label = "live"
    verbose_name = "Live updates"
