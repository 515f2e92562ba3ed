"""A letter's content as PDF/A (WeasyPrint; DIN 5008 for letters, a plain sheet for
internal documents) and as DOCX (python-docx, for editing in Word)."""

from __future__ import annotations

import io
from pathlib import Path

from django.template.defaultfilters import linebreaks
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from .content import Content

PRINT = Path(__file__).resolve().parent.parent / "static" / "krm" / "print"
PDF_VARIANT = "pdf/a-3b"
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def body_html(text: str) -> str:
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 (escaped by linebreaks)


def html(content: Content) -> tuple[str, Path]:
    if content.is_sheet:
        sections = [("", content.body)] if content.body else []
        return (
            render_to_string(
                "letters/sheet.html",
                {
                    "title": content.subject or content.title,
                    "letterhead": content.letterhead,
                    "aktenzeichen": content.aktenzeichen,
                    "fields": content.fields,
                    "sections": sections,
                    "signatures": content.signatures,
                },
            ),
            PRINT / "sheet.css",
        )
    signature = content.signature
    return (
        render_to_string(
            "letters/letter.html",
            {
                "form": content.form,
                "letterhead": content.letterhead,
                "recipient_lines": content.recipient_lines,
                "info": content.info,
                "subject": content.subject,
                "body_html": body_html(content.body),
                "signature": {
                    "closing": signature.closing,
                    "im_auftrag": signature.im_auftrag,
                    "name": signature.name,
                    "function": signature.function,
                }
                if signature
                else None,
                "footer_lines": [],
                "title": content.title,
            },
        ),
        PRINT / "letter.css",
    )


def pdf(content: Content) -> bytes:
    from weasyprint import CSS, HTML

    markup, stylesheet = html(content)
    return HTML(string=markup, base_url=str(PRINT)).write_pdf(
        stylesheets=[CSS(filename=str(stylesheet))], pdf_variant=PDF_VARIANT
    )


def docx(content: Content) -> bytes:
    """The same letter for Word: letterhead and return address in the first page's header,
    recipient and information block side by side, subject, body, signature. The layout
    follows DIN 5008 closely enough for a window envelope; the PDF is the exact one."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = content.letterhead["name"]
    properties.title = content.title
    properties.comments = ""
    properties.created = properties.modified = timezone.now()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    section.top_margin = Mm(45 if content.form == "B" else 27) if not content.is_sheet else Mm(20)
    section.bottom_margin = Mm(20)
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = True
    head = content.letterhead
    first_header = section.first_page_header.paragraphs[0]
    first_header.text = head["name"]
    first_header.runs[0].bold = True
    first_header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for line in head["lines"]:
        paragraph = section.first_page_header.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    later = section.header.paragraphs[0]
    later.text = f"{head['name']} · Unser Zeichen {content.aktenzeichen}"
    later.runs[0].font.size = Pt(8)

    if content.is_sheet:
        document.add_heading(content.subject or content.title, level=1)
        table = document.add_table(rows=0, cols=2)
        for label, value in content.fields:
            row = table.add_row().cells
            row[0].text, row[1].text = label, value or "–"
        for paragraph in content.body.split("\n\n"):
            document.add_paragraph(paragraph.strip())
        for label in content.signatures:
            document.add_paragraph("\n\n" + "_" * 45)
            document.add_paragraph(label).runs[0].font.size = Pt(8)
        return _save(document)

    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Mm(100), Mm(65)
    back = left.paragraphs[0]
    back.add_run(head["return_address"]).font.size = Pt(7)
    left.add_paragraph("")
    for line in content.recipient_lines:
        left.add_paragraph(line)
    right.paragraphs[0].text = ""
    for label, value in content.info:
        if value:
            paragraph = right.add_paragraph()
            run = paragraph.add_run(f"{label}: ")
            run.font.size = Pt(8)
            paragraph.add_run(value).font.size = Pt(9)
    document.add_paragraph("")
    subject = document.add_paragraph()
    subject.add_run(content.subject).bold = True
    for paragraph in content.body.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    if content.signature:
        document.add_paragraph(content.signature.closing)
        if content.signature.im_auftrag:
            document.add_paragraph("Im Auftrag")
        document.add_paragraph("\n")
        document.add_paragraph(content.signature.name)
        if content.signature.function:
            document.add_paragraph(content.signature.function)
    footer = section.first_page_footer.paragraphs[0]
    footer.text = " · ".join(head["office_hours"] + head["contact"] + head["bank"])
    for run in footer.runs:
        run.font.size = Pt(7)
    return _save(document)


def _save(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()
