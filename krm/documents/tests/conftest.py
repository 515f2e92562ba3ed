"""Fixtures for the documents' tests: a documents storage of the test's own, and small files
(a text PDF from WeasyPrint, a "scanned" PNG from Pillow) built in code.

The documents storage: `krm.documents.blobs` asks `django.core.files.storage.storages`
for "documents" on every call. Django 5.2's StorageHandler caches the STORAGES dict
(`backends`, a cached_property) and each storage it made (`_storages`); assigning
`settings.STORAGES` through pytest-django's `settings` fixture sends `setting_changed`,
and Django's own receiver (`django.test.signals.storages_changed`) drops both caches, on
the change and again when the fixture restores the setting. So the fixture assigns a new
dict (a change inside the old one would send no signal) and checks that the handler
really hands out the new storage.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, storages

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture
def document_storage(settings, tmp_path: Path) -> Path:
    """The documents storage is a FileSystemStorage in this test's tmp_path (returned)."""
    root = tmp_path / "documents"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    storage = storages["documents"]
    assert isinstance(storage, FileSystemStorage)
    assert Path(storage.location) == root, "the storage handler kept its cached storage"
    return root


@pytest.fixture
def stored_files(document_storage: Path) -> Callable[[], set[str]]:
    """stored_files(): the files now in the documents storage, as names ("ab/cd/abcd…")."""

    def listing() -> set[str]:
        return {
            path.relative_to(document_storage).as_posix()
            for path in document_storage.rglob("*")
            if path.is_file()
        }

    return listing


@functools.cache
def _pdf(text: str) -> bytes:
    from weasyprint import HTML

    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    return HTML(
        string=f'<html lang="de"><body style="font-family: DejaVu Sans">{paragraphs}</body></html>'
    ).write_pdf()


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    """make_pdf(text="…", tag="…"): a one-page text PDF (WeasyPrint; one render per text).
    `tag` appends a PDF comment after %%EOF: other bytes (another SHA-256), same PDF."""

    def build(
        text: str = "Sehr geehrte Damen und Herren, ich beschwere mich.", tag: str = ""
    ) -> bytes:
        data = _pdf(text)
        return data + f"%{tag}\n".encode() if tag else data

    return build


@pytest.fixture
def make_png() -> Callable[..., bytes]:
    """make_png(text="…"): a clean "scan" as PNG, the text in black DejaVu Sans, 64 px."""
    from PIL import Image, ImageDraw, ImageFont

    def build(text: str = "Beschwerde", size: int = 64) -> bytes:
        font = ImageFont.truetype(FONT, size)
        _left, _top, right, bottom = font.getbbox(text)
        image = Image.new("L", (right + 300, bottom + 300), 255)
        ImageDraw.Draw(image).text((150, 150), text, font=font, fill=0)
        out = io.BytesIO()
        image.save(out, "PNG", dpi=(300, 300))
        return out.getvalue()

    return build
