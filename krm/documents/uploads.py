"""Uploads that exceed the limit stop being received as soon as they pass it (instead of
being written to a temporary file in full first); the view then says why."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler

from .inspection import max_upload_bytes

__all__ = ["LimitedUploadHandler", "max_upload_bytes"]


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler with a size limit (KRM_MAX_UPLOAD_BYTES): a file that
    grows past it is skipped and `request.upload_too_large` names it."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0
        user = getattr(self.request, "user", None)
        known = (user is not None and user.is_authenticated) or (
            "HTTP_AUTHORIZATION" in self.request.META  # the API authenticates later
        )
        if not known:
            # Nobody logged in (the CSRF check reads the body before any view): no disk.
            self.file.close()
            raise SkipFile()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > max_upload_bytes():
            self.request.upload_too_large = self.file_name
            self.file.close()
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)
