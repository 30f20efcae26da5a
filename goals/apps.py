from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        # imported here, not at the top: these modules load models, which exist once apps are ready
        from habitstory.billing import limits

        from . import services

        limits.register("goals", services.active_count)
