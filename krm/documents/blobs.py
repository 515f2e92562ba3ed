"""The bytes of documents, stored once under their SHA-256 in the `documents` storage.

A blob's name is derived from its content (`ab/cd/abcdef…`), so a file never overwrites
another, the same scan uploaded twice is stored once, and the name tells nothing about the
case. A blob goes only when no document names it any more (`release`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages


def storage() -> Storage:
    return storages["documents"]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def name_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store(data: bytes) -> tuple[str, str]:
    """Store `data` (if not stored yet); (sha256, blob name)."""
    sha256 = digest(data)
    name = name_for(sha256)
    store_ = storage()
    if not store_.exists(name) or store_.size(name) != len(data):
        # The storage never overwrites: if another process stored it meanwhile, or a
        # process killed while writing left it torn (shorter), it picks another name, and
        # that name is the one recorded.
        name = store_.save(name, ContentFile(data))
    return sha256, name


def read(name: str) -> bytes:
    with storage().open(name, "rb") as handle:
        return handle.read()


def release(names: Iterable[str]) -> list[str]:
    """Delete the blobs no document names any more; the names deleted."""
    from .models import Document

    names = set(names)
    still_used = set(Document.objects.filter(blob__in=names).values_list("blob", flat=True))
    gone = []
    store_ = storage()
    for name in sorted(names - still_used):
        if store_.exists(name):
            store_.delete(name)
        gone.append(name)
    return gone
