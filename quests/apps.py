from django.apps import AppConfig
from django.db.models.signals import post_delete


class QuestsConfig(AppConfig):
    name = "quests"
    verbose_name = "Quests"

    def ready(self) -> None:
        # imported here, not at the top: these modules load models, which exist once apps are ready
        from habitstory.billing import limits

        from . import attachments, services

        # Storage housekeeping, not a domain rule: an attachment's files go when its row
        # does, however it goes (its quest or its user deleted too).
        post_delete.connect(attachments.remove_files, sender="quests.Attachment", dispatch_uid="quest-attachment-files")
        limits.register("quests", services.open_count)
