from django.apps import AppConfig
from django.db.models.signals import post_delete


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verification"

    def ready(self) -> None:
        # imported here, not at the top: these modules load models, which exist once apps are ready
        from habitstory.billing import limits

        from . import services, usage
        from .models import Submission

        post_delete.connect(services.remove_media, sender=Submission, dispatch_uid="verification_remove_media")
        limits.register("uploads", usage.uploads_this_month)
