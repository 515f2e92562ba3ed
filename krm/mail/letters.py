"""Letters to a customer who wrote by e-mail go out by e-mail (the PDF attached, from the
KRM mailbox's address); the letters app has filed them as sent that way."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from krm.cases.models import Case
from krm.documents.models import Document
from krm.letters.models import Letter
from krm.letters.services import STEP_LETTERS, by_email

from . import services
from .models import MailKind


def on_step(*, case: Case, step: str, actor: Any, **kwargs: Any) -> None:
    """After letters.on_step (connected before this): queue the letter the step sent."""
    if step not in STEP_LETTERS or not STEP_LETTERS[step][1] or not by_email(case):
        return
    letter = (
        Letter.objects.filter(
            case=case, kind=STEP_LETTERS[step][0], sent_via=Letter.Via.EMAIL, sent_at__isnull=False
        )
        .order_by("-sent_at", "-id")
        .first()
    )
    if letter is not None:
        send_letter(letter, actor=actor)


def send_letter(letter: Letter, *, actor: Any) -> None:
    case = letter.case
    document = Document.objects.get(series=letter.series, is_current=True)
    customer = case.customer
    name = services.clean_header(customer.name, 100)
    greeting = f"Guten Tag {name}," if name else "Guten Tag,"
    day = timezone.localtime(letter.sent_at).date()
    body = "\n".join(
        [
            greeting,
            "",
            f"anbei erhalten Sie unser Schreiben vom {day:%d.%m.%Y} "
            f"({letter.get_kind_display()}) als PDF-Datei.",
            "",
            "Wenn Sie uns antworten möchten, antworten Sie einfach auf diese E-Mail. Bitte "
            f"lassen Sie das Aktenzeichen {case.aktenzeichen} im Betreff stehen.",
            "",
            "Mit freundlichen Grüßen",
            case.jobcenter.name,
            "Kundenreaktionsmanagement",
        ]
    )
    services.queue(
        jobcenter=case.jobcenter,
        key=f"letter:{letter.pk}:{letter.sent_version or document.version}",
        to=[customer.email],
        subject=services.subject_for(case.aktenzeichen, f"Ihr Anliegen: {case.subject}"),
        body=body + "\n",
        kind=MailKind.LETTER,
        case=case,
        letter=letter,
        attachments=[document],
        actor=actor,
    )
