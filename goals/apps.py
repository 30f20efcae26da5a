from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        from habitstory.billing import limits
        from habitstory.billing.models import Kind

        from . import services

        limits.register(Kind.GOALS, services.active_count)
