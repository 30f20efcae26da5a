"""The first of FILE_UPLOAD_HANDLERS: no uploaded file is kept past UPLOAD_MAX_BYTES, the
largest any upload takes (a verification video, 30 MB). Past it, a file is counted to its
end but not kept (neither in memory nor on disk): it arrives as an empty UploadedFile whose
size says how large it was, and each app's own check (quest attachments 10 MB,
verification media 5 or 30 MB) refuses it by that size."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

UPLOAD_MAX_BYTES = 30 * 1024 * 1024


class UploadLimit(FileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.received <= UPLOAD_MAX_BYTES else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received <= UPLOAD_MAX_BYTES:
            return None  # the next handler (memory or temporary file) has it whole
        return UploadedFile(io.BytesIO(), self.file_name, self.content_type, self.received)
