from django.apps import AppConfig


class HabitsConfig(AppConfig):
    name = "habits"
    verbose_name = "Habits"

    def ready(self) -> None:
        from habitstory.billing import limits
        from habitstory.billing.models import Kind

        from . import usage

        limits.register(Kind.PILLARS, usage.pillars)
        limits.register(Kind.HABITS, usage.active_habits)
