from django.apps import AppConfig


class HabitsConfig(AppConfig):
    name = "habits"
    verbose_name = "Habits"

    def ready(self) -> None:
        # imported here, not at the top: these modules load models, which exist once apps are ready
        from habitstory.billing import limits

        from . import usage

        limits.register("pillars", usage.pillars)
        limits.register("habits", usage.active_habits)
