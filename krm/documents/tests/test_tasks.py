"""Reading a document's text in the background: a file that cannot be read ends as "nicht
lesbar" after the last attempt (review finding: it stayed "wird gelesen" for ever); a very
large Word body is read as a stream."""

from __future__ import annotations

import io

import docx
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from krm.documents import extraction, services
from krm.documents.models import TextStatus
from krm.testing.factories import make_case
from krm.worker import runner


def test_an_unreadable_document_is_marked_after_the_last_attempt(
    org, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.KRM_TASK_ATTEMPTS = 2

    def broken(path, content_type):
        raise extraction.ExtractionError("pdfinfo: Syntax Error")

    monkeypatch.setattr(extraction, "extract_text", broken)
    case = make_case(org["krmb"])
    with django_capture_on_commit_callbacks(execute=True):
        document = services.add(
            case,
            actor=org["krmb"],
            data=b"%PDF-1.4 kaputt",
            filename="kaputt.pdf",
            content_type="application/pdf",
            kind="eingang",
            title="Kaputt",
            origin="hochgeladen",
        )
    runner.drain()
    document.refresh_from_db()
    assert document.text_status == TextStatus.PENDING  # tried again later
    DBTaskResult.objects.update(run_after=timezone.now())
    runner.drain()
    document.refresh_from_db()
    assert document.text_status == TextStatus.FAILED
    assert DBTaskResult.objects.get().status == "FAILED"


@pytest.mark.parametrize("streamed", [False, True])
def test_a_word_body_reads_the_same_as_a_stream(tmp_path, monkeypatch, streamed):
    document = docx.Document()
    document.add_paragraph("Widerspruch gegen den Bescheid")
    document.add_paragraph("Mietkostenbescheinigung liegt bei")
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "brief.docx"
    path.write_bytes(buffer.getvalue())
    if streamed:
        monkeypatch.setattr(extraction, "DOCX_TREE_BYTES", 10)
    result = extraction.extract_text(path, extraction.DOCX)
    assert "Widerspruch gegen den Bescheid" in result.text
    assert "Mietkostenbescheinigung liegt bei" in result.text
