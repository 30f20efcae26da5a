from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shell around the domain apps: Today, PWA files, health, error pages, schedules."""

    name = "habitstory.core"
    label = "core"
    verbose_name = "Site"
