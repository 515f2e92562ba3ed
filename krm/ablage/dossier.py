"""A case as one PDF/A dossier (R-A1, A4): a cover sheet with the case's data, its timeline,
then every document in order — scans and PDFs as page images, other files listed — with the
original files attached inside the PDF/A-3 (so nothing is lost in the export).

Page images keep the dossier a valid PDF/A whatever the uploaded PDFs contain; their text
is in the search index, not in the dossier's pages."""

from __future__ import annotations

import base64
import io
import logging
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from krm.accounts.models import User
from krm.audit.models import Event
from krm.cases import timeline
from krm.cases.models import Case, Topic
from krm.cases.selectors import mentions_in
from krm.documents import blobs
from krm.documents.models import Document

logger = logging.getLogger(__name__)
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "krm" / "print" / "dossier.css"
PAGE_PIXELS = 1654  # a page image fits in 1654 × 1654 px (A4 width at 200 dpi), any page size
MAX_PAGES_PER_DOCUMENT = 60
MAX_PAGES = 400
IMAGE_TYPES = {"image/png", "image/jpeg", "image/tiff"}


@dataclass
class Section:
    document: Document
    images: list[str]  # data: URIs, one page each
    note: str  # why the pages are not shown (other type, too many pages)


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _image_pages(data: bytes, content_type: str, limit: int) -> list[str]:
    """The pages of a scan as PNGs no larger than PAGE_PIXELS (Pillow refuses images that
    would decompress to absurd sizes: the caller notes that the image is not shown)."""
    from PIL import Image, ImageSequence

    pages = []
    with Image.open(io.BytesIO(data)) as image:
        if content_type in ("image/png", "image/jpeg") and max(image.size) <= PAGE_PIXELS:
            return [f"data:{content_type};base64," + base64.b64encode(data).decode()]
        for frame in ImageSequence.Iterator(image):
            if len(pages) >= limit:
                break
            page = frame.convert("L" if frame.mode in ("1", "L") else "RGB")
            page.thumbnail((PAGE_PIXELS, PAGE_PIXELS))
            buffer = io.BytesIO()
            page.save(buffer, "PNG")
            pages.append(_png_uri(buffer.getvalue()))
    return pages


def _pdf_pages(data: bytes, limit: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(  # noqa: S603 (list arguments, no shell)
            [  # noqa: S607 (poppler-utils from Debian, on PATH)
                "pdftoppm",
                "-scale-to",
                str(PAGE_PIXELS),
                "-png",
                "-f",
                "1",
                "-l",
                str(limit),
                str(source),
                str(Path(folder) / "p"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return [_png_uri(p.read_bytes()) for p in sorted(Path(folder).glob("p*.png"))]


def _sections(documents: list[Document]) -> list[Section]:
    sections, budget = [], MAX_PAGES
    for document in documents:
        limit = min(MAX_PAGES_PER_DOCUMENT, budget)
        images: list[str] = []
        note = ""
        if limit <= 0:
            note = "Seiten nicht abgebildet (Umfang der Akte); die Datei liegt bei."
        elif document.content_type == "application/pdf":
            try:
                images = _pdf_pages(blobs.read(document.blob), limit)
            except Exception:  # a broken or hostile file: listed and attached, not shown
                logger.warning("Dossier: PDF %s not rendered", document.pk, exc_info=True)
                note = "Die PDF-Datei ließ sich nicht abbilden; sie liegt bei."
        elif document.content_type in IMAGE_TYPES:
            try:
                images = _image_pages(blobs.read(document.blob), document.content_type, limit)
            except Exception:  # e.g. Pillow's DecompressionBombError
                logger.warning("Dossier: image %s not rendered", document.pk, exc_info=True)
                note = "Das Bild ließ sich nicht abbilden; es liegt bei."
        else:
            note = "Dieser Dateityp wird nicht abgebildet; die Datei liegt bei."
        budget -= len(images)
        sections.append(Section(document, images, note))
    return sections


def load(case_id: int) -> Case:
    return (
        Case.objects.select_related(
            "jobcenter", "org_unit", "customer", "handler", "delegate", "staff_concerned"
        )
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("code")),
            Prefetch("events", queryset=Event.objects.select_related("actor").order_by("seq")),
            "forwardings",
            "verfuegungen",
        )
        .get(pk=case_id)
    )


def build(case: Case, *, user: User | None) -> bytes:
    """The dossier of `case` (loaded with `load`); `user`: who exports it (their view of
    linked cases), None for the archive's copy (every mention named)."""
    from weasyprint import CSS, HTML, Attachment

    events = list(case.events.all())
    if user is not None:
        visible, unmentioned = mentions_in(user=user, events=events)
    else:
        visible = frozenset(e.data.get("mit_id") for e in events if e.data.get("mit_id"))
        unmentioned = frozenset()
    entries = timeline.entries(
        events,
        jobcenter_id=case.jobcenter_id,
        visible_ids=visible,
        unmentioned_ids=unmentioned,
    )
    documents = list(
        Document.objects.filter(case=case).select_related("created_by").order_by("created_at", "id")
    )
    html = render_to_string(
        "ablage/dossier.html",
        {
            "case": case,
            "timeline": entries,
            "sections": _sections(documents),
            "created_at": timezone.localtime(),
            "created_by": user,
        },
    )
    attachments = [
        Attachment(
            string=blobs.read(d.blob),
            name=f"{d.pk}-v{d.version}-{d.filename}",
            description=f"{d.title} (Version {d.version}), SHA-256 {d.sha256}",
            relationship="Source",
        )
        for d in documents
    ]
    return HTML(string=html).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET))],
        pdf_variant="pdf/a-3b",
        attachments=attachments,
    )
