from django.apps import AppConfig
from django.db.models.signals import post_delete


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verification"

    def ready(self) -> None:
        from . import services
        from .models import Submission

        post_delete.connect(services.remove_media, sender=Submission, dispatch_uid="verification_remove_media")
