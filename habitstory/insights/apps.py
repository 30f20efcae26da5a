from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "habitstory.insights"
    label = "insights"
    verbose_name = "Insights"
