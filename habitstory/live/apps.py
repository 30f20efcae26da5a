from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "habitstory.live"
    label = "live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        # Lazy: sessions imports the Session model, which loads only once the registry is ready.
        from . import sessions

        sessions.connect()
