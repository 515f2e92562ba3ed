"""Queue and send mail (the transactional outbox).

`queue` writes the mail in the caller's transaction: it exists exactly when the step that
caused it was recorded. The worker sends it (`send_due`), claiming each row by a
conditional UPDATE, so that two workers never send the same mail; a failure puts it back
with a growing pause, and after KRM_MAIL_ATTEMPTS it stops and is flagged for the KRM-B
("Postausgang"), who can send it again. A mail whose worker died while sending (its claim
older than CLAIM_TIMEOUT) is sent again with the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from krm.accounts.access import access_for
from krm.accounts.roles import Role
from krm.audit.models import EventType
from krm.audit.personal import Personal
from krm.audit.services import record
from krm.jobcenters.models import Jobcenter

from .models import MailKind, MailState, OutboundMail

logger = logging.getLogger("krm.mail")
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
BATCH = 200

# CR, LF and the other characters that end or fold a header line, and the controls.
_HEADER_BREAKERS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


class MailRefused(ValueError):
    """A mail that must not be queued (an address that is no address); German message."""


def clean_header(value: str, limit: int = 300) -> str:
    """A value krm puts into a header: line breaks and controls removed (no header
    injection), whitespace collapsed, cut to `limit`."""
    return " ".join(_HEADER_BREAKERS.sub(" ", value or "").split())[:limit]


def clean_address(address: str) -> str:
    """An addr-spec for a header: refused (MailRefused) unless it is one valid address
    (Django's validator refuses line breaks, and commas and angle brackets outside quotes:
    no second recipient, no header, can hide in it)."""
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise MailRefused(
            f"„{clean_header(address, 80)}“ ist keine gültige E-Mail-Adresse."
        ) from None
    return address


def mail_domain() -> str:
    domain = settings.KRM_MAIL_DOMAIN or settings.KRM_MAIL_FROM.rpartition("@")[2]
    return clean_header(domain, 200).strip(".<>@ ") or "krm.invalid"


def new_message_id() -> str:
    """A Message-ID of krm's domain; replies to it name it (In-Reply-To)."""
    return f"krm.{uuid.uuid4().hex}@{mail_domain()}"


def sender_of(jobcenter: Jobcenter) -> str:
    """From: the Jobcenter's KRM mailbox ("Name <address>"), else KRM_MAIL_FROM."""
    address = clean_address(jobcenter.mail_address or settings.KRM_MAIL_FROM)
    # formataddr quotes (and encodes) the name: no quote or backslash breaks the header.
    return formataddr((clean_header(f"KRM {jobcenter.name}", 120), address))


def subject_for(aktenzeichen: str, text: str) -> str:
    """`[II-6001-2026-00042] text`: the Aktenzeichen in brackets, where replies keep it."""
    prefix = f"[{clean_header(aktenzeichen, 40)}] " if aktenzeichen else ""
    return clean_header(prefix + text, 300)


def link(path: str) -> str:
    return settings.KRM_BASE_URL.rstrip("/") + path


def queue(
    *,
    jobcenter: Jobcenter,
    key: str,
    to: Sequence[str],
    subject: str,
    body: str,
    kind: str = MailKind.NOTIFICATION,
    cc: Sequence[str] = (),
    case: Any = None,
    letter: Any = None,
    attachments: Iterable[Any] = (),
    actor: Any = None,
) -> OutboundMail | None:
    """Store a mail for sending, in the caller's transaction; the worker sends it after
    the commit. None if `key` was queued before (the cause is the same: nothing twice)."""
    recipients = list(dict.fromkeys(clean_address(a).lower() for a in to))
    copies = [a for a in dict.fromkeys(clean_address(a).lower() for a in cc) if a not in recipients]
    if not recipients:
        raise MailRefused("Die E-Mail hat keine Empfänger.")
    key = key[:200]
    with transaction.atomic():
        if OutboundMail.objects.filter(key=key).exists():
            return None
        mail = OutboundMail.objects.create(
            jobcenter=jobcenter,
            case=case,
            kind=kind,
            key=key,
            message_id=new_message_id(),
            from_address=sender_of(jobcenter),
            to=recipients,
            cc=copies,
            subject=clean_header(subject),
            body=body,
            letter=letter,
            next_attempt_at=timezone.now(),
            created_by=actor,
        )
        files = list(attachments)
        if files:
            mail.attachments.set(files)
        transaction.on_commit(_send_soon)
    return mail


def _send_soon() -> None:
    send_outbox.enqueue()


# --- sending --------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """The pause after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most 2 hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def due(now: dt.datetime, limit: int = BATCH) -> list[int]:
    return list(
        OutboundMail.objects.filter(
            Q(state=MailState.QUEUED, next_attempt_at__lte=now)
            | Q(state=MailState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(mail_id: int, now: dt.datetime) -> bool:
    """Take a mail for sending: a conditional UPDATE, so exactly one worker gets it."""
    claimable = Q(state=MailState.QUEUED, next_attempt_at__lte=now) | Q(
        state=MailState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    # Stamped with the moment of the claim, not the batch's start: a mail claimed late in a
    # long batch must not look abandoned already (and be sent by another worker too).
    return bool(
        OutboundMail.objects.filter(claimable, pk=mail_id).update(
            state=MailState.SENDING, claimed_at=timezone.now()
        )
    )


def _message(mail: OutboundMail, connection: Any) -> EmailMessage:
    from krm.documents.services import read

    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_address,
        to=mail.to,
        cc=mail.cc,
        connection=connection,
        headers={
            "Message-ID": f"<{mail.message_id}>",
            "Auto-Submitted": "auto-generated" if mail.kind != MailKind.LETTER else "no",
            "X-Auto-Response-Suppress": "All",
        },
    )
    if mail.kind != MailKind.LETTER:
        message.extra_headers["Precedence"] = "bulk"
    for document in mail.attachments.all():
        message.attach(document.filename, read(document), document.content_type)
    return message


def describe(error: BaseException) -> str:
    """What went wrong, in German, for the Postausgang (the server's own words kept)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_text(message)}"
            for address, (code, message) in error.recipients.items()
        )
        return f"Der Mailserver lehnt die Empfänger ab ({refused})."
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"Anmeldung am Mailserver gescheitert ({error.smtp_code} {_text(error.smtp_error)})."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"Der Mailserver antwortet {error.smtp_code}: {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "Die Verbindung zum Mailserver ist abgebrochen."
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"Der Mailserver kann das nicht: {error}"
    if isinstance(error, TimeoutError):
        return "Der Mailserver antwortet nicht (Zeitüberschreitung)."
    if isinstance(error, OSError):
        return f"Mailserver nicht erreichbar ({error.strerror or error})."
    return f"Unerwarteter Fehler beim Senden ({type(error).__name__}: {error})."


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _secret_free(error: BaseException) -> str:
    text = describe(error)
    password = getattr(settings, "EMAIL_HOST_PASSWORD", "")
    if password:
        text = text.replace(password, "***")
    return clean_header(text, 1000)


def send_due(now: dt.datetime | None = None, limit: int = BATCH) -> tuple[int, int]:
    """Send the mails that are due, over one SMTP connection; (sent, failed)."""
    now = now or timezone.now()
    ids = due(now, limit)
    if not ids:
        return 0, 0
    sent = failed = 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # the server is down: every due mail waits for its next try
        for mail_id in ids:
            if _claim(mail_id, now):
                _failed(mail_id, exc)
                failed += 1
        return 0, failed
    try:
        for mail_id in ids:
            if not _claim(mail_id, now):
                continue  # another worker has it
            mail = OutboundMail.objects.get(pk=mail_id)
            try:
                _message(mail, connection).send()
            except Exception as exc:
                _failed(mail_id, exc)
                failed += 1
                try:  # a broken connection: the rest of the batch on a new one
                    connection.close()
                    connection.open()
                except Exception:
                    for rest in ids[ids.index(mail_id) + 1 :]:
                        if _claim(rest, now):
                            _failed(rest, exc)
                            failed += 1
                    return sent, failed
                continue
            _sent(mail)
            sent += 1
    finally:
        connection.close()
    return sent, failed


@task()
def send_outbox() -> str:
    """The worker's task: send every mail that is due, batch after batch (after each step's
    commit, and every minute for the retries)."""
    sent = failed = 0
    while True:
        batch_sent, batch_failed = send_due()
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_sent == 0:
            break  # empty, or the server refuses: the rest waits for its next attempt
    return f"{sent} gesendet, {failed} gescheitert"


def _sent(mail: OutboundMail) -> None:
    now = timezone.now()
    with transaction.atomic():
        OutboundMail.objects.filter(pk=mail.pk).update(
            state=MailState.SENT, sent_at=now, attempts=mail.attempts + 1, last_error=""
        )
        if mail.case_id is not None:
            record(
                case=mail.case,
                type=EventType.MAIL_SENT,
                actor=None,
                data={
                    "betreff": Personal(mail.subject, "subject"),
                    "empfaenger": len(mail.to) + len(mail.cc),
                    "mailart": mail.get_kind_display(),
                    "message_id": mail.message_id,
                },
            )


def _failed(mail_id: int, error: BaseException) -> None:
    mail = OutboundMail.objects.get(pk=mail_id)
    attempts = mail.attempts + 1
    flagged = attempts >= settings.KRM_MAIL_ATTEMPTS
    OutboundMail.objects.filter(pk=mail_id).update(
        state=MailState.FAILED if flagged else MailState.QUEUED,
        attempts=attempts,
        next_attempt_at=None if flagged else timezone.now() + backoff(attempts),
        last_error=_secret_free(error),
        claimed_at=None,
    )
    log = logger.error if flagged else logger.warning
    log("Mail %s not sent (attempt %d): %s", mail_id, attempts, _secret_free(error))


# --- the Postausgang ------------------------------------------------------------------


def may_see_outbox(user: Any) -> bool:
    access = access_for(user)
    return bool(access.jobcenter_id) and (access.acts_as_krmb or Role.ADMIN in access.roles)


def visible_mails(user: Any) -> Any:
    """The Postausgang a user sees: the KRM-B all of the Jobcenter's mails; the technical
    administration only krm's mails to staff (letters to customers are case contents)."""
    access = access_for(user)
    mails = OutboundMail.objects.filter(jobcenter_id=access.jobcenter_id)
    if not access.acts_as_krmb:
        mails = mails.exclude(kind=MailKind.LETTER)
    return mails


def resend(*, actor: Any, mail: OutboundMail) -> OutboundMail:
    """A flagged (or waiting) mail queued again at once, with fresh attempts."""
    if not may_see_outbox(actor) or not visible_mails(actor).filter(pk=mail.pk).exists():
        raise PermissionDenied("Sie dürfen den Postausgang nicht bearbeiten.")
    with transaction.atomic():
        updated = OutboundMail.objects.filter(
            pk=mail.pk, state__in=[MailState.FAILED, MailState.QUEUED]
        ).update(state=MailState.QUEUED, attempts=0, next_attempt_at=timezone.now())
        if not updated:
            raise ValidationError("Diese E-Mail ist gesendet oder wird gerade gesendet.")
        record(
            type=EventType.MAIL_RESENT,
            actor=actor,
            case=mail.case,
            jobcenter_id=None if mail.case_id else mail.jobcenter_id,
            data={"betreff": Personal(mail.subject, "subject"), "message_id": mail.message_id},
        )
        transaction.on_commit(_send_soon)
    mail.refresh_from_db()
    return mail
