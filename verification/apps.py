from django.apps import AppConfig
from django.db.models.signals import post_delete


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verification"

    def ready(self) -> None:
        from habitstory.billing import limits
        from habitstory.billing.models import Kind

        from . import services, usage
        from .models import Submission

        post_delete.connect(services.remove_media, sender=Submission, dispatch_uid="verification_remove_media")
        limits.register(Kind.UPLOADS, usage.uploads_this_month)
