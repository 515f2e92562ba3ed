"""Hand-over of chosen documents to the E-Akte (R-A5): the files with a small metadata sheet
(XML for the E-Akte's import, a PDF/A sheet for the person filing them), recorded in the
case's timeline and on each document."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from krm.accounts.models import User
from krm.audit.models import EventType
from krm.audit.personal import Personal
from krm.audit.services import record
from krm.cases.models import Case
from krm.documents import blobs
from krm.documents.models import Document

STYLESHEET = "sheet.css"


def _xml(case: Case, documents: list[Document], actor: User, at: str) -> bytes:
    root = ET.Element("uebergabe", {"version": "1", "erstellt": at})
    akte = ET.SubElement(root, "vorgang")
    customer = getattr(case, "customer", None)
    for tag, value in (
        ("aktenzeichen", case.aktenzeichen),
        ("stelle", case.jobcenter.name),
        ("betreff", case.subject),
        ("kundennummer", customer.customer_number if customer else ""),
        ("name", customer.name if customer else ""),
        ("uebergeben_von", str(actor)),
    ):
        ET.SubElement(akte, tag).text = value
    files = ET.SubElement(root, "dokumente")
    for index, document in enumerate(documents, 1):
        ET.SubElement(
            files,
            "dokument",
            {
                "datei": _member(index, document),
                "titel": document.title,
                "art": document.get_kind_display(),
                "version": str(document.version),
                "abgelegt": timezone.localtime(document.created_at).isoformat(),
                "typ": document.content_type,
                "sha256": document.sha256,
            },
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _member(index: int, document: Document) -> str:
    return f"{index:02d}_{document.filename}"


def _sheet(case: Case, documents: list[Document], actor: User, at: str) -> bytes:
    from weasyprint import CSS, HTML

    from krm.letters.render import PRINT

    customer = getattr(case, "customer", None)
    html = render_to_string(
        "letters/sheet.html",
        {
            "title": "Übergabe an die E-Akte",
            "letterhead": {"name": case.jobcenter.name},
            "aktenzeichen": case.aktenzeichen,
            "fields": [
                ("Aktenzeichen (KRM)", case.aktenzeichen),
                ("Kundin / Kunde", customer.name if customer else "anonym"),
                ("Kundennummer", customer.customer_number if customer else ""),
                ("Übergeben von", str(actor)),
                ("Übergeben am", at),
            ],
            "sections": [
                (
                    "Dokumente",
                    "\n".join(
                        f"{i}. {d.title} ({d.get_kind_display()}, {d.filename}, "
                        f"SHA-256 {d.sha256[:16]}…)"
                        for i, d in enumerate(documents, 1)
                    ),
                )
            ],
            "signatures": ["Datum, Zeichen der übernehmenden Stelle"],
        },
    )
    return HTML(string=html).write_pdf(
        stylesheets=[CSS(filename=str(PRINT / STYLESHEET))], pdf_variant="pdf/a-3b"
    )


def hand_over(case: Case, documents: list[Document], *, actor: User) -> bytes:
    """The hand-over package (ZIP) of `documents` (all of `case`); recorded."""
    if not documents or any(d.case_id != case.pk for d in documents):
        raise ValueError("documents of this case, at least one")
    now = timezone.localtime()
    at = now.strftime("%d.%m.%Y %H:%M")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, document in enumerate(documents, 1):
            archive.writestr(_member(index, document), blobs.read(document.blob))
        archive.writestr("metadaten.xml", _xml(case, documents, actor, now.isoformat()))
        archive.writestr("uebergabeblatt.pdf", _sheet(case, documents, actor, at))
    with transaction.atomic():
        Document.objects.filter(pk__in=[d.pk for d in documents]).update(handed_over_at=now)
        record(
            type=EventType.DOCUMENTS_HANDED_OVER,
            actor=actor,
            case=case,
            data={"dokumente": Personal(", ".join(d.title for d in documents), "document.title")},
        )
    return buffer.getvalue()
