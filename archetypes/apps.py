from django.apps import AppConfig


class ArchetypesConfig(AppConfig):
    name = "archetypes"
    verbose_name = "Archetypes"
