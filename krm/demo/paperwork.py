"""Demo paperwork: the Jobcenter's letterhead and templates, an incoming letter (as a scan
to be OCR'd by the worker) for some open cases, and their Eingangsbestätigung."""

from __future__ import annotations

import io

from django.template.defaultfilters import linebreaks

from krm.accounts.models import User
from krm.cases.models import Case
from krm.documents import services as documents
from krm.documents.models import DocumentKind
from krm.jobcenters.models import Jobcenter
from krm.letters import services as letters
from krm.letters.models import Letterhead, LetterKind

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def letterhead(jobcenter: Jobcenter) -> Letterhead:
    head, _ = Letterhead.objects.get_or_create(
        jobcenter=jobcenter,
        defaults={
            "name": jobcenter.name,
            "address": "Kundenreaktionsmanagement\nMusterstraße 1\n13187 Berlin",
            "return_address": f"{jobcenter.name} · Musterstraße 1 · 13187 Berlin",
            "office_hours": "Mo, Di, Fr 8–12 Uhr\nDo 14–18 Uhr",
            "contact": "Telefon 030 5555 0000\nkrm@jobcenter.example\nwww.jobcenter.example",
            "bank": "",
        },
    )
    return head


def _letter_pdf(case: Case) -> bytes:
    from weasyprint import HTML

    customer = getattr(case, "customer", None)
    sender = customer.name if customer and customer.name else "Eine Kundin"
    html = (
        '<html lang="de"><body style="font-family: DejaVu Sans; font-size: 11pt">'
        f"<p>{sender}</p><p>An das Jobcenter</p>"
        f"<p><strong>{case.subject}</strong></p>{linebreaks(case.text, autoescape=True)}"
        "<p>Mit freundlichen Grüßen</p></body></html>"
    )
    return HTML(string=html).write_pdf()


def _scan_png(case: Case) -> bytes:
    """The letter as a scanner would deliver it: an image, read by OCR."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    y = 200
    for line in [case.subject, "", *_wrap(case.text, 70)][:40]:
        draw.text((160, y), line, fill=0, font=font)
        y += 52
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            if len(line) + len(word) + 1 > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    return lines


def add(jobcenter: Jobcenter, krmb: User, *, cases: int = 12) -> int:
    """Letterhead, templates, and paperwork for the newest open letters; how many cases."""
    letterhead(jobcenter)
    letters.ensure_templates(jobcenter.pk)
    chosen = list(
        Case.objects.filter(jobcenter=jobcenter, is_open=True, channel="brief")
        .select_related("customer", "jobcenter")
        .order_by("-received_at")[:cases]
    )
    for index, case in enumerate(chosen):
        if index % 3 == 0:
            documents.upload(
                case,
                actor=krmb,
                name="Eingang_Scan.png",
                data=_scan_png(case),
                kind=DocumentKind.EINGANG,
                title="Schreiben der Kundin / des Kunden (Scan)",
            )
        else:
            documents.upload(
                case,
                actor=krmb,
                name="Eingang.pdf",
                data=_letter_pdf(case),
                kind=DocumentKind.EINGANG,
                title="Schreiben der Kundin / des Kunden",
            )
        if index % 2 == 0:
            letters.generate(case, LetterKind.EINGANGSBESTAETIGUNG, actor=krmb)
    return len(chosen)
