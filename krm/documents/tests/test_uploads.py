"""Uploading, versioning, downloading and reading documents through the views (R-A1, R-A4),
as the KRM-B with the test client: what is accepted is stored once under its SHA-256,
filed in the case's timeline and read in the background (OCR for scans) into the case's
full-text search; what could carry active content is refused with a German sentence and
leaves no trace.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import docx
import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from krm.audit.models import Event, EventType, ReadEvent
from krm.cases.models import Case
from krm.documents.models import DOCX, Document, TextStatus
from krm.testing.factories import make_case
from krm.worker.runner import drain

pytestmark = pytest.mark.usefixtures("document_storage")

EXTRACT_TASK = "krm.documents.tasks.extract_text"


# --- files, built here ----------------------------------------------------------------------


def docx_bytes(text: str = "Sehr geehrte Damen und Herren, ich beschwere mich.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def eml_bytes() -> bytes:
    message = EmailMessage()
    message["From"] = "Erika Mustermann <erika@example.org>"
    message["To"] = "jobcenter-pankow@example.org"
    message["Date"] = "Mon, 30 Nov 2026 10:00:00 +0100"
    message["Subject"] = "Beschwerde über die Wartezeit"
    message.set_content("Sehr geehrte Damen und Herren,\n\nich warte seit Wochen.\n")
    return message.as_bytes()


def pdf_with_javascript() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('Hallo');")
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def docx_with_macros() -> bytes:
    """A DOCX with a VBA project added, as Word stores one (word/vbaProject.bin)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return out.getvalue()


def exe_bytes() -> bytes:
    """The start of a Windows program: MZ header, e_lfanew pointing at "PE\\0\\0"."""
    data = bytearray(512)
    data[0:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, 0x80)
    data[0x80:0x84] = b"PE\0\0"
    return bytes(data)


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def case(org) -> Case:
    return make_case(org["krmb"], org_unit=org.t711, customer={"name": "Erika Mustermann"})


@pytest.fixture
def krmb_client(client: Client, org) -> Client:
    client.force_login(org["krmb"])
    return client


def upload(client: Client, case: Case, name: str, data: bytes, **fields: Any):
    return client.post(
        reverse("documents:upload", kwargs={"case_id": case.pk}),
        {
            "file": SimpleUploadedFile(name, data, "application/octet-stream"),
            "kind": "eingang",
            "title": "",
            "previous": "",
            **fields,
        },
    )


def case_page(client: Client, case: Case) -> str:
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert response.status_code == 200
    return response.content.decode()


def download(client: Client, document: Document):
    return client.get(reverse("documents:download", kwargs={"document_id": document.pk}))


def found(client: Client, query: str) -> int:
    """The worklist's "N Fälle" heading for a search over every status."""
    response = client.get("/faelle/", {"q": query, "status": ""})
    assert response.status_code == 200
    match = re.search(r'<h2 id="ergebnis">(\d+) (?:Fall|Fälle)\b', response.content.decode())
    assert match, "no result heading"
    return int(match.group(1))


def nothing_stored(case: Case, stored_files: Any) -> None:
    assert not Document.objects.exists()
    assert stored_files() == set()
    assert not Event.objects.filter(case=case, type=EventType.DOCUMENT_ADDED).exists()
    assert not DBTaskResult.objects.exists()


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "build", "content_type", "filename"),
    [
        ("Beschwerde.pdf", "pdf", "application/pdf", "Beschwerde.pdf"),
        ("Scan vom Brief.png", "png", "image/png", "Scan vom Brief.png"),
        ("Antwortentwurf.docx", "docx", DOCX, "Antwortentwurf.docx"),
        ("Weitergeleitete Mail.eml", "eml", "message/rfc822", "Weitergeleitete Mail.eml"),
    ],
)
def test_an_accepted_file_is_stored_once_filed_and_queued_for_reading(
    krmb_client: Client,
    case: Case,
    name: str,
    build: str,
    content_type: str,
    filename: str,
    make_pdf: Any,
    make_png: Any,
    document_storage: Any,
    stored_files: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """R-A1, R-A4: a PDF, a scan, a Word file and an e-mail are taken."""
    data = {
        "pdf": make_pdf,
        "png": make_png,
        "docx": docx_bytes,
        "eml": eml_bytes,
    }[build]()
    sha = hashlib.sha256(data).hexdigest()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(krmb_client, case, name, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) + "#h-dokumente"

    document = Document.objects.get()
    assert (document.case_id, document.sha256, document.size) == (case.pk, sha, len(data))
    assert (document.content_type, document.filename, document.title) == (
        content_type,
        filename,
        filename,
    )
    assert (document.version, document.is_current, document.origin) == (1, True, "hochgeladen")
    assert document.blob == f"{sha[:2]}/{sha[2:4]}/{sha}"
    assert stored_files() == {document.blob}
    assert (document_storage / document.blob).read_bytes() == data

    event = Event.objects.get(case=case, type=EventType.DOCUMENT_ADDED)
    assert (event.data["dokument_id"], event.data["sha256"]) == (document.pk, sha)
    assert "hat ein Dokument abgelegt" in case_page(krmb_client, case)

    task = DBTaskResult.objects.get()
    assert task.task_path == EXTRACT_TASK
    assert task.args_kwargs["args"] == [document.pk]
    assert task.status == "READY"
    assert document.text_status == TextStatus.PENDING


# --- refused --------------------------------------------------------------------------------

REFUSED = [
    pytest.param(
        "Rechnung.pdf",
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script>Rechnung</body></html>\n",
        "ist eine HTML-Seite",
        id="html-named-pdf",
    ),
    pytest.param("Formular.pdf", pdf_with_javascript, "enthält aktive Inhalte", id="pdf-js"),
    pytest.param("Vorlage.docx", docx_with_macros, "enthält Makros", id="docx-macros"),
    pytest.param("Bescheid.pdf", exe_bytes, "ausführbares Programm", id="exe"),
    pytest.param("Leer.pdf", lambda: b"", "Die Datei ist leer", id="empty"),
]


@pytest.mark.parametrize(("name", "build", "message"), REFUSED)
def test_a_refused_file_is_not_stored(
    krmb_client: Client,
    case: Case,
    name: str,
    build: Any,
    message: str,
    stored_files: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Active content, programs and empty files: 400 with the reason in German, and no
    trace in the case, the storage, the timeline or the task queue."""
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(krmb_client, case, name, build())
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Datei wurde nicht gespeichert" in html
    assert message in html
    nothing_stored(case, stored_files)


MB = 1024 * 1024


def test_a_file_over_the_limit_is_refused(
    krmb_client: Client, case: Case, make_pdf: Any, stored_files: Any, settings: Any
) -> None:
    """KRM_MAX_UPLOAD_BYTES (KRM_MAX_UPLOAD_MB in production), read on every upload: a
    file past it is refused with the limit named, and nothing is kept."""
    settings.KRM_MAX_UPLOAD_BYTES = MB
    data = make_pdf(tag="x" * MB)  # a valid PDF, padded past 1 MB
    assert len(data) > MB
    response = upload(krmb_client, case, "Groß.pdf", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Datei wurde nicht gespeichert" in html
    assert "ist größer als 1 MB" in html
    nothing_stored(case, stored_files)


def test_a_file_under_the_limit_is_taken(
    krmb_client: Client, case: Case, make_pdf: Any, settings: Any
) -> None:
    """The counterpart of the test above: the same PDF, a little smaller, is taken."""
    settings.KRM_MAX_UPLOAD_BYTES = MB
    data = make_pdf(tag="x" * (MB - 64 * 1024))
    assert len(data) < MB
    assert upload(krmb_client, case, "Fast zu groß.pdf", data).status_code == 302
    assert Document.objects.get().size == len(data)


# --- versions and the same bytes twice ------------------------------------------------------


def test_a_new_version_keeps_the_older_one(
    krmb_client: Client, case: Case, stored_files: Any
) -> None:
    """R-A4: an edited letter is uploaded as "neue Version von": version 2 is current, the
    first stays, both can be downloaded."""
    first_bytes = docx_bytes("Entwurf, erste Fassung")
    second_bytes = docx_bytes("Entwurf, zweite Fassung")
    assert upload(krmb_client, case, "Antwort.docx", first_bytes, kind="antwort").status_code == 302
    first = Document.objects.get()
    response = upload(
        krmb_client, case, "Antwort bearbeitet.docx", second_bytes, previous=str(first.pk)
    )
    assert response.status_code == 302

    first.refresh_from_db()
    second = Document.objects.exclude(pk=first.pk).get()
    assert (first.version, first.is_current) == (1, False)
    assert (second.version, second.is_current) == (2, True)
    assert second.series == first.series
    assert (second.kind, second.title) == ("antwort", "Antwort.docx")  # of the series
    assert stored_files() == {first.blob, second.blob}
    assert download(krmb_client, first).content == first_bytes
    assert download(krmb_client, second).content == second_bytes
    event = Event.objects.filter(case=case, type=EventType.DOCUMENT_ADDED).latest("pk")
    assert (event.data["dokument_id"], event.data["version"]) == (second.pk, 2)
    assert "Frühere Versionen (1)" in case_page(krmb_client, case)


def test_the_same_bytes_twice_are_one_file(
    krmb_client: Client, org, case: Case, make_pdf: Any, stored_files: Any
) -> None:
    """The blob's name is its SHA-256: the same scan in two uploads (and two cases) is
    stored once and named by both documents."""
    other = make_case(org["krmb"], org_unit=org.t712)
    data = make_pdf(tag="doppelt")
    assert upload(krmb_client, case, "Scan.pdf", data).status_code == 302
    assert upload(krmb_client, case, "Scan nochmal.pdf", data).status_code == 302
    assert upload(krmb_client, other, "Scan.pdf", data).status_code == 302
    documents = list(Document.objects.order_by("pk"))
    assert len(documents) == 3
    assert {d.blob for d in documents} == {documents[0].blob}
    assert stored_files() == {documents[0].blob}
    for document in documents:
        assert download(krmb_client, document).content == data


# --- download -------------------------------------------------------------------------------


def test_download_is_an_attachment_never_a_page_and_is_logged(
    krmb_client: Client, org, case: Case, make_pdf: Any
) -> None:
    """The file is offered as a download under its name (umlauts via filename*), with the
    type it was stored as, never sniffed or run as a page of krm; the read log names it."""
    data = make_pdf(tag="umlaut")
    assert upload(krmb_client, case, "Bescheid Prüfung „Mai“.pdf", data).status_code == 302
    document = Document.objects.get()
    assert document.filename == "Bescheid Prüfung „Mai“.pdf"

    response = download(krmb_client, document)
    assert response.status_code == 200
    assert response.content == data
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Bescheid Prüfung „Mai“.pdf')}" in disposition
    assert 'filename="Bescheid Pr?fung ?Mai?.pdf"' in disposition  # ASCII fallback
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy

    read = ReadEvent.objects.get()
    assert (read.case_id, read.user_id, read.via, read.document_id) == (
        case.pk,
        org["krmb"].pk,
        "dokument",
        document.pk,
    )


def test_download_of_a_docx_keeps_its_stored_type(krmb_client: Client, case: Case) -> None:
    data = docx_bytes()
    assert upload(krmb_client, case, "Antwort.docx", data).status_code == 302
    response = download(krmb_client, Document.objects.get())
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == data


# --- reading the text: OCR and the full-text search -----------------------------------------


def test_a_scan_is_read_and_found_by_the_worklist_search(
    krmb_client: Client,
    org,
    case: Case,
    make_pdf: Any,
    make_png: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A scanned Mietkostenbescheinigung (PNG) and a text PDF: after the worker ran, the
    worklist's search finds the case by a word that is only in them."""
    other = make_case(org["krmb"], org_unit=org.t711, subject="Anderer Fall")
    scan = make_png("Mietkostenbescheinigung", size=72)
    letter = make_pdf("Bitte beachten Sie die Heizkostenpauschale.")
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(krmb_client, case, "Scan.png", scan).status_code == 302
        assert upload(krmb_client, case, "Brief.pdf", letter).status_code == 302
    assert found(krmb_client, "Mietkostenbescheinigung") == 0  # not read yet
    assert found(krmb_client, "Heizkostenpauschale") == 0

    drain()

    png, pdf = Document.objects.order_by("pk")
    assert (png.text_status, png.text_method) == (TextStatus.DONE, "ocr")
    assert "Mietkostenbescheinigung" in png.text
    assert (pdf.text_status, pdf.text_method) == (TextStatus.DONE, "text")
    assert "Heizkostenpauschale" in pdf.text
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    for word in ("Mietkostenbescheinigung", "Heizkostenpauschale"):
        response = krmb_client.get("/faelle/", {"q": word, "status": ""})
        assert found(krmb_client, word) == 1, word
        html = response.content.decode()
        assert case.aktenzeichen in html
        assert other.aktenzeichen not in html


def test_an_upload_stops_being_received_past_the_limit(settings, rf, org) -> None:
    """The handler skips a file as soon as it passes KRM_MAX_UPLOAD_BYTES, before it is
    written in full, and notes it for the view's message; without a login or an API key
    nothing is received at all."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.files.uploadhandler import SkipFile

    from krm.documents.uploads import LimitedUploadHandler

    anonymous = rf.post("/")
    anonymous.user = AnonymousUser()
    with pytest.raises(SkipFile):
        LimitedUploadHandler(anonymous).new_file("file", "x.pdf", "application/pdf", None)
    settings.KRM_MAX_UPLOAD_BYTES = 1000
    request = rf.post("/")
    request.user = org["krmb"]
    handler = LimitedUploadHandler(request)
    handler.new_file("file", "gross.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"x" * 600, 0)
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x" * 600, 600)
    assert request.upload_too_large == "gross.pdf"
