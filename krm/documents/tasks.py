"""Background work on documents: reading their text for the search (OCR for scans)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_tasks import TaskContext, task

from krm.cases import search

from . import blobs
from .models import Document, TextStatus


@task(takes_context=True)
def extract_text(context: TaskContext, document_id: int) -> str:
    """Read the document's text into the search index; idempotent (a retry reads again).
    A tool that fails raises: the worker tries again later (krm/worker/runner.py); at the
    last attempt the document is marked "nicht lesbar" (its error is shown with the task)."""
    from .extraction import extract_text as extract

    document = Document.objects.filter(pk=document_id).only("blob", "content_type").first()
    if document is None:
        return "gone"  # deleted meanwhile (retention): nothing to read
    suffix = Path(document.blob).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(blobs.read(document.blob))
        handle.flush()
        try:
            result = extract(Path(handle.name), document.content_type)
        except Exception:
            if context.attempt >= settings.KRM_TASK_ATTEMPTS:
                set_text(document_id, text="", method="", failed=True)
            raise
    set_text(document_id, text=result.text, method=result.method)
    return result.method


def set_text(document_id: int, *, text: str, method: str, failed: bool = False) -> None:
    """The document's text, and its case's search entry with it."""
    status = TextStatus.FAILED if failed else (TextStatus.DONE if text else TextStatus.NONE)
    with transaction.atomic():
        updated = Document.objects.filter(pk=document_id).update(
            text=text, text_method=method, text_status=status
        )
        if updated:
            case_id = Document.objects.filter(pk=document_id).values_list("case_id", flat=True)
            search.reindex(list(case_id))
