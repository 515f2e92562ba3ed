"""Adding documents to a case: uploads (checked by `inspection`), letters krm writes, new
versions of either. Every addition lands in the case's timeline; its text is read in the
background (`tasks.extract_text`)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from krm.accounts.models import User
from krm.audit.models import EventType
from krm.audit.personal import Personal
from krm.audit.services import record
from krm.cases.models import Case

from . import blobs, permissions, tasks
from .inspection import FileRefused, inspect, max_upload_bytes
from .models import UPLOAD_KINDS, Document, DocumentKind, Origin


def add(
    case: Case,
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    content_type: str,
    kind: str,
    title: str,
    origin: str,
    previous: Document | None = None,
    event_type: str = EventType.DOCUMENT_ADDED,
    event_data: dict[str, Any] | None = None,
) -> Document:
    """Store `data` and file it in `case` (as the next version of `previous`, if given).
    The caller has checked the bytes and the permission."""
    sha256, blob = blobs.store(data)
    with transaction.atomic():
        version, series = 1, None
        if previous is not None:
            latest = (
                Document.objects.select_for_update()
                .filter(series=previous.series, is_current=True)
                .first()
            )
            if latest is None or latest.case_id != case.pk:
                raise ValueError("the previous version belongs to another case")
            Document.objects.filter(pk=latest.pk).update(is_current=False)
            version, series = latest.version + 1, latest.series
        document = Document(
            case=case,
            kind=kind,
            title=clean_title(title),
            filename=filename[:160],
            content_type=content_type,
            size=len(data),
            sha256=sha256,
            blob=blob,
            origin=origin,
            version=version,
            created_by=actor,
        )
        if series is not None:
            document.series = series
        document.save()
        record(
            type=event_type,
            actor=actor,
            case=case,
            data={
                "dokument": Personal(document.title, "document.title"),
                "datei": Personal(document.filename, "document.filename"),
                "version": version if version > 1 else None,
                "dokument_id": document.pk,
                "sha256": sha256,
                **(event_data or {}),
            },
        )
        transaction.on_commit(lambda: _read_text_later(document.pk))
    return document


# Control characters and the bidirectional overrides (a title made to look like another).
_UNSAFE = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F]
)


def clean_title(title: str) -> str:
    """A title as users see it and as it goes into XML: NFC, no control characters or
    direction overrides, whitespace collapsed, at most 200 characters."""
    text = unicodedata.normalize("NFC", title).translate(_UNSAFE)
    return " ".join(text.split())[:200] or "Dokument"


def _read_text_later(document_id: int) -> None:
    tasks.extract_text.enqueue(document_id)


def upload(
    case: Case,
    *,
    actor: User,
    name: str,
    data: bytes,
    kind: str = DocumentKind.EINGANG,
    title: str = "",
    previous: Document | None = None,
) -> Document:
    """A file a user uploads: refused (FileRefused, nothing stored) unless its bytes are an
    accepted, harmless type; PermissionDenied unless the user may add documents."""
    if not permissions.may_add(actor, case):
        raise PermissionDenied("Sie dürfen diesem Fall keine Dokumente hinzufügen.")
    if previous is None and kind not in {value for value, _ in UPLOAD_KINDS}:
        raise FileRefused("Bitte wählen Sie eine gültige Dokumentart.")
    inspected = inspect(name, data)
    if previous is not None and previous.case_id != case.pk:
        raise FileRefused("Die frühere Version gehört zu einem anderen Fall.")
    return add(
        case,
        actor=actor,
        data=data,
        filename=inspected.filename,
        content_type=inspected.content_type,
        kind=previous.kind if previous is not None else kind,
        title=(title.strip() or (previous.title if previous else inspected.filename))[:200],
        origin=Origin.UPLOADED,
        previous=previous,
    )


def too_large(name: str) -> str:
    limit = max_upload_bytes() // (1024 * 1024)
    return (
        f"Die Datei „{name}“ ist größer als {limit} MB und wird nicht gespeichert. Bitte "
        "verkleinern Sie sie (z. B. als PDF mit geringerer Auflösung scannen) oder teilen Sie "
        "sie auf."
    )


def upload_file(
    case: Case,
    *,
    actor: User,
    file: Any,
    kind: str = DocumentKind.EINGANG,
    title: str = "",
    previous: Document | None = None,
) -> Document:
    """`upload` for a file as the browser or an API client sent it (never read in full when
    it is larger than the limit)."""
    if file.size > max_upload_bytes():
        raise FileRefused(too_large(file.name))
    return upload(
        case,
        actor=actor,
        name=file.name,
        data=file.read(),
        kind=kind,
        title=title,
        previous=previous,
    )


def read(document: Document) -> bytes:
    return blobs.read(document.blob)
