"""Re-encrypt every stored verification media file that is not under the current key
(after `manage.py verification_keys --rotate` and a restart), so older keys can be
retired. It can run twice, or be stopped and run again: each file moves once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from verification import crypto, storage
from verification.models import Submission


class Command(BaseCommand):
    help = "Re-encrypt the verification media files not under the current key."

    def handle(self, *args, **options) -> None:
        key_id = crypto.current_key_id()
        moved = failed = 0
        pending = Submission.objects.exclude(media="").exclude(key_id=key_id).values_list("pk", "media")
        for pk, name in pending.iterator():
            try:
                result = storage.reencrypt(name)
            except (OSError, crypto.MediaKeyError, crypto.MediaCorrupt) as error:
                failed += 1
                self.stderr.write(f"Submission {pk}: {name} could not be re-encrypted ({error}).")
                continue
            new_name, new_key_id = result or (name, key_id)
            if not Submission.objects.filter(pk=pk, media=name).update(media=new_name, key_id=new_key_id):
                if new_name != name:
                    storage.delete(new_name)  # the media was deleted meanwhile: its copy goes too
                continue
            moved += 1
        self.stdout.write(f"Re-encrypted {moved} verification media file(s) under {key_id}; {failed} failed.")
