from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "habitstory.api"
    label = "api"
    verbose_name = "API"
