"""Importing a mail: one code path for the IMAP mailboxes, uploaded .eml/.msg files and
`krm import-mail`.

Each message ends as exactly one of: a new case in the Posteingang, a reply joined to its
case, a duplicate of a message read before (same Message-ID or same bytes), or a
quarantined message with its reason and its raw bytes. Registration and the record of the
message are one transaction, and the unique constraints on the record make a second import
of the same message (two workers, a worker killed before it could move the message on the
server) a duplicate instead of a second case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from krm.accounts.access import access_for
from krm.accounts.models import User
from krm.audit.models import EventType
from krm.audit.personal import Personal
from krm.audit.services import record
from krm.cases import services as case_services
from krm.cases.models import AktenzeichenRecord, Case, Task
from krm.documents import blobs
from krm.documents import services as documents
from krm.documents.inspection import FileRefused, inspect
from krm.documents.models import DocumentKind, Origin
from krm.jobcenters.models import Jobcenter
from krm.mail import notifications
from krm.mail.models import MailKind, MailState, OutboundMail, PendingNotification

from . import parsing
from .models import InboundMail, Mailbox, Outcome

logger = logging.getLogger("krm.mailbox")

# An Aktenzeichen in a subject: "[II-6001-2026-00042]", "AW: II-6001.1-2026-42 …".
AKTENZEICHEN_IN_TEXT = re.compile(r"\bII-\d{4}(?:\.\d{1,3})?-\d{4}-\d{1,9}\b", re.IGNORECASE)
# How far back a mail's own date is believed (it starts the deadlines); else: when read.
PLAUSIBLE_AGE = dt.timedelta(days=60)
MAX_DOCUMENTS = 100  # attachments filed as documents per mail
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Outlook .msg


@dataclass(frozen=True)
class Result:
    outcome: str  # "case", "joined", "duplicate", "quarantined"
    aktenzeichen: str = ""
    reason: str = ""
    inbound: InboundMail | None = None
    case: Case | None = None

    def line(self, name: str) -> str:
        """`FILE<TAB>case II-…` as `krm import-mail` prints it."""
        return f"{name}\t{self.outcome} {self.aktenzeichen or self.reason}".rstrip()

    def message(self) -> str:
        """The same in a German sentence for the screens."""
        return {
            "case": f"als neuer Fall {self.aktenzeichen} im Posteingang registriert",
            "joined": f"dem Fall {self.aktenzeichen} zugeordnet",
            "duplicate": f"bereits eingelesen ({self.aktenzeichen or 'Quarantäne'})",
            "quarantined": f"in Quarantäne: {self.reason.rstrip('.')}",
        }[self.outcome]


def max_mail_bytes() -> int:
    return settings.KRM_MAIL_MAX_MB * 1024 * 1024


def _aktenzeichen_of(inbound: InboundMail | None) -> str:
    return inbound.case.aktenzeichen if inbound is not None and inbound.case_id else ""


def _seen(jobcenter: Jobcenter, sha256: str, message_id: str) -> InboundMail | None:
    """The record of a message read before: by its bytes, or by its Message-ID."""
    q = Q()
    if sha256:
        q |= Q(sha256=sha256)
    if message_id:
        q |= Q(message_id=message_id)
    return (
        InboundMail.objects.filter(q, jobcenter=jobcenter)
        .select_related("case")
        .order_by("pk")
        .first()
    )


def import_mail(
    raw: bytes,
    *,
    jobcenter: Jobcenter,
    source: str,
    mailbox: Mailbox | None = None,
    actor: User | None = None,
    filename: str = "",
) -> Result:
    """Import one message (.eml or .msg bytes; `filename`: the file's name, when it came as
    one). Never raises for what the bytes contain."""
    sha256 = hashlib.sha256(raw).hexdigest()
    seen = _seen(jobcenter, sha256, "")
    if seen is not None:
        return Result("duplicate", _aktenzeichen_of(seen), inbound=seen, case=seen.case)
    if len(raw) > max_mail_bytes():
        return quarantine(
            raw,
            jobcenter=jobcenter,
            source=source,
            mailbox=mailbox,
            reason=f"Die Nachricht ist größer als {settings.KRM_MAIL_MAX_MB} MB.",
        )
    try:
        mail = parsing.parse(raw)
    except parsing.Unreadable as exc:
        return quarantine(
            raw, jobcenter=jobcenter, source=source, mailbox=mailbox, reason=exc.reason
        )
    except Exception as exc:  # a parser bug must not lose the message
        logger.exception("Mail from %s could not be parsed", source)
        return quarantine(
            raw,
            jobcenter=jobcenter,
            source=source,
            mailbox=mailbox,
            reason=f"Die Nachricht konnte nicht gelesen werden ({type(exc).__name__}).",
        )
    seen = _seen(jobcenter, "", mail.message_id) if mail.message_id else None
    if seen is not None:
        return Result("duplicate", _aktenzeichen_of(seen), inbound=seen, case=seen.case)
    try:
        with transaction.atomic():
            return _file(
                raw,
                mail,
                sha256,
                jobcenter=jobcenter,
                source=source,
                mailbox=mailbox,
                actor=actor,
                filename=filename,
            )
    except IntegrityError:
        # Read at the same moment by another worker: theirs counts.
        seen = _seen(jobcenter, sha256, mail.message_id)
        return Result("duplicate", _aktenzeichen_of(seen), inbound=seen, case=seen and seen.case)


def _case_text(mail: parsing.ParsedMail) -> str:
    """The case's text: the mail's, and for a forward, the forwarded mail's below it (that
    is the customer's own complaint)."""
    text = mail.text
    inner = mail.forwarded
    if inner is not None and inner.text and inner.text not in text:
        head = [
            "-------- Weitergeleitete Nachricht --------",
            f"Von: {inner.from_name} <{inner.from_address}>" if inner.from_address else "",
            f"Betreff: {inner.subject}" if inner.subject else "",
        ]
        text = "\n".join([text, "", *[line for line in head if line], "", inner.text]).strip()
    return text


def _received_at(mail: parsing.ParsedMail) -> dt.datetime:
    now = timezone.now()
    if mail.date is not None and now - PLAUSIBLE_AGE <= mail.date <= now:
        return mail.date
    return now


def find_case(mail: parsing.ParsedMail, jobcenter: Jobcenter) -> Case | None:
    """The case a reply belongs to: one of krm's Message-IDs (or an earlier message of the
    case) among its references, else an Aktenzeichen in its subject."""
    if mail.references:
        refs = list(mail.references)
        case_id = (
            OutboundMail.objects.filter(
                jobcenter=jobcenter, message_id__in=refs, case__isnull=False
            )
            .values_list("case_id", flat=True)
            .first()
        ) or (
            InboundMail.objects.filter(jobcenter=jobcenter, message_id__in=refs, case__isnull=False)
            .values_list("case_id", flat=True)
            .first()
        )
        if case_id:
            return Case.objects.select_related("jobcenter").get(pk=case_id)
    for found in AKTENZEICHEN_IN_TEXT.findall(mail.subject):
        record_ = (
            AktenzeichenRecord.objects.filter(jobcenter=jobcenter, aktenzeichen=_canonical(found))
            .select_related("case", "case__jobcenter")
            .first()
        )
        if record_ is not None:
            return record_.case
    return None


def _join_warnings(case: Case, mail: parsing.ParsedMail) -> list[str]:
    """A reply found by the Aktenzeichen in its subject can come from anyone who knows (or
    guesses) it: say so where the sender is not the case's customer, and for a closed case."""
    warnings = []
    customer = getattr(case, "customer", None)
    known = customer.email.lower() if customer is not None and customer.email else ""
    if mail.from_address and mail.from_address.lower() != known:
        warnings.append(
            "Absender ist nicht die beim Fall erfasste E-Mail-Adresse: bitte prüfen, ob die "
            "Nachricht zu diesem Fall gehört."
        )
    if not case.is_open:
        warnings.append("Der Fall ist abgeschlossen: bitte prüfen, ob er wieder zu eröffnen ist.")
    return warnings


def _canonical(aktenzeichen: str) -> str:
    """`ii-6001-2026-42` → `II-6001-2026-00042` (numbers have at least five digits)."""
    plan, year, number = aktenzeichen.upper().rsplit("-", 2)
    return f"{plan}-{year}-{int(number):05d}"


def _file(
    raw: bytes,
    mail: parsing.ParsedMail,
    sha256: str,
    *,
    jobcenter: Jobcenter,
    source: str,
    mailbox: Mailbox | None,
    actor: User | None,
    filename: str = "",
) -> Result:
    notes = list(mail.notes)
    case = find_case(mail, jobcenter)
    joined = case is not None
    if joined:
        notes += _join_warnings(case, mail)
    if case is None:
        name, address = parsing.original_sender(mail)
        case = case_services.register_incoming(
            jobcenter=jobcenter,
            subject=mail.subject,
            text=_case_text(mail),
            received_at=_received_at(mail),
            customer={"name": name, "email": address},
            source=source[:100],
        )
    inbound = InboundMail.objects.create(
        jobcenter=jobcenter,
        mailbox=mailbox,
        source=source[:200],
        message_id=mail.message_id,
        sha256=sha256,
        sent_at=mail.date,
        from_address=mail.from_address[:320],
        subject=mail.subject[:300],
        size=len(raw),
        outcome=Outcome.JOINED if joined else Outcome.CASE,
        case=case,
        text=mail.text,
        html=mail.html,
    )
    is_msg = raw[:8] == OLE_MAGIC
    original = filename or ("nachricht.msg" if is_msg else "nachricht.eml")
    try:
        inspected = inspect(original, raw)
    except FileRefused as exc:
        inbound.raw = _keep_raw(raw, sha256)
        notes.append(
            f"Original nicht als Dokument abgelegt: {exc.message} Sie öffnen es hier unter "
            "„Original herunterladen“."
        )
    else:
        documents.add(
            case,
            actor=actor,
            data=raw,
            filename=inspected.filename,
            content_type=inspected.content_type,
            kind=DocumentKind.EMAIL,
            title=f"E-Mail: {mail.subject}" if mail.subject else "E-Mail",
            origin=Origin.RECEIVED,
        )
    for index, attachment in enumerate(mail.attachments):
        if index >= MAX_DOCUMENTS:
            notes.append(
                f"Nur die ersten {MAX_DOCUMENTS} von {len(mail.attachments)} Anhängen sind als "
                "Dokumente abgelegt; alle stehen im Original."
            )
            break
        try:
            checked = inspect(attachment.filename, attachment.content)
        except FileRefused as exc:
            notes.append(f"Anhang nicht übernommen: {exc.message}")
            continue
        documents.add(
            case,
            actor=actor,
            data=attachment.content,
            filename=checked.filename,
            content_type=checked.content_type,
            kind=DocumentKind.ANLAGE,
            title=checked.filename,
            origin=Origin.RECEIVED,
        )
    inbound.notes = notes
    inbound.save(update_fields=["notes", "raw"])
    if joined:
        record(
            case=case,
            type=EventType.MAIL_RECEIVED,
            actor=actor,
            data={
                "betreff": Personal(mail.subject, "subject"),
                "absender": Personal(mail.from_address, "customer.email"),
                "hinweise": notes or None,
            },
        )
        _tell_holders(case, inbound)
    return Result("joined" if joined else "case", case.aktenzeichen, inbound=inbound, case=case)


def announce(jobcenter: Jobcenter, results: list[Result]) -> None:
    """Tell the KRM-B once about the new cases of a run (a poll, an upload, a command),
    instead of once per mail (notifications.on_tasks_created leaves the Posteingang's
    tasks of the mailbox to this)."""
    new = [r.case for r in results if r.outcome == "case" and r.case is not None]
    if not new:
        return
    notifications.announce_posteingang(jobcenter, new)


def _tell_holders(case: Case, inbound: InboundMail) -> None:
    """A reply joined a case: who holds its open tasks is told, else the KRM-B."""
    people: dict[int, User] = {}
    for task in Task.objects.open().filter(case=case, kind=Task.Kind.AKTION):
        for person in notifications.holders(task):
            people[person.pk] = person
    if not people:
        people = {user.pk: user for user in notifications.krmbs(case.jobcenter_id)}
    notifications.tell(
        case=case,
        users=people.values(),
        headline="Neue E-Mail zum Fall",
        line=(
            f"{case.aktenzeichen}: neue E-Mail eingegangen "
            f"({timezone.localtime(inbound.read_at):%d.%m.%Y %H:%M})"
        ),
        key=f"inbound:{inbound.pk}",
    )


def _keep_raw(raw: bytes, sha256: str) -> str:
    """The raw bytes in the documents storage, apart from the documents' blobs."""
    name = f"mailbox/{sha256[:2]}/{sha256}.raw"
    store = blobs.storage()
    if not store.exists(name):
        from django.core.files.base import ContentFile

        store.save(name, ContentFile(raw))
    return name


def erase(*, case: Case, fields: set[str], **kwargs: Any) -> None:
    """Art. 17 DSGVO: the mails of a case lose what the erasure names — the sender with the
    customer's data, the subject, the text (and the HTML, and the raw bytes kept aside)."""
    mails = InboundMail.objects.filter(case=case)
    changes: dict[str, str] = {}
    if "customer" in fields or "customer.email" in fields or "customer.name" in fields:
        changes["from_address"] = ""
    if "subject" in fields:
        changes["subject"] = ""
    if "text" in fields:
        changes.update(text="", html="")
        names = list(mails.exclude(raw="").values_list("raw", flat=True))
        changes["raw"] = ""
        transaction.on_commit(lambda: release_raw(names))
    if changes:
        mails.update(**changes)
    # What krm sent the customer and the digest's lines about the case go too.
    PendingNotification.objects.filter(case=case).delete()
    sent = OutboundMail.objects.filter(case=case, state=MailState.SENT)
    if "customer" in fields or "customer.email" in fields or "customer.name" in fields:
        sent.filter(kind=MailKind.LETTER).update(to=[], body="")
    if "subject" in fields or "text" in fields:
        sent.update(subject="[gelöscht]", body="")


def release_raw(names: list[str]) -> None:
    """Delete raw bytes kept aside that no message record names any more."""
    still = set(InboundMail.objects.filter(raw__in=names).values_list("raw", flat=True))
    store = blobs.storage()
    for name in set(names) - still:
        if store.exists(name):
            store.delete(name)


def read_raw(inbound: InboundMail) -> bytes:
    with blobs.storage().open(inbound.raw, "rb") as handle:
        return handle.read()


def quarantine(
    raw: bytes,
    *,
    jobcenter: Jobcenter,
    source: str,
    mailbox: Mailbox | None,
    reason: str,
) -> Result:
    """Keep a message krm cannot import, with its reason and its bytes."""
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            inbound = InboundMail.objects.create(
                jobcenter=jobcenter,
                mailbox=mailbox,
                source=source[:200],
                sha256=sha256,
                size=len(raw),
                outcome=Outcome.QUARANTINED,
                reason=reason,
                raw=_keep_raw(raw, sha256),
            )
            record(
                type=EventType.MAIL_QUARANTINED,
                actor=None,
                jobcenter_id=jobcenter.pk,
                data={"herkunft": source[:200], "grund": reason, "sha256": sha256},
            )
    except IntegrityError:
        seen = _seen(jobcenter, sha256, "")
        return Result("duplicate", _aktenzeichen_of(seen), inbound=seen, case=seen and seen.case)
    return Result("quarantined", reason=reason, inbound=inbound)


# --- the quarantine -------------------------------------------------------------------


def may_handle_mail(user: User) -> bool:
    access = access_for(user)
    return bool(access.jobcenter_id) and access.acts_as_krmb


def _quarantined(actor: User, inbound: InboundMail) -> InboundMail:
    if not may_handle_mail(actor) or inbound.jobcenter_id != actor.jobcenter_id:
        raise PermissionDenied("Die Quarantäne bearbeiten die KRM-Beauftragten.")
    locked = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if locked.outcome != Outcome.QUARANTINED:
        raise PermissionDenied("Diese Nachricht ist nicht mehr in Quarantäne.")
    return locked


def retry(*, actor: User, inbound: InboundMail) -> Result:
    """Import a quarantined message again (e.g. after an update of krm)."""
    with transaction.atomic():
        locked = _quarantined(actor, inbound)
        raw = read_raw(locked)
        jobcenter, source, mailbox = locked.jobcenter, locked.source, locked.mailbox
        kept = locked.raw
        locked.delete()  # the new attempt records the message again, either way
        result = import_mail(raw, jobcenter=jobcenter, source=source, mailbox=mailbox, actor=actor)
        if result.outcome == "quarantined":
            transaction.set_rollback(True)  # unchanged: keep the old record
        else:
            transaction.on_commit(lambda: release_raw([kept]))
    if result.outcome == "quarantined":
        return Result("quarantined", reason=result.reason, inbound=inbound)
    record(
        type=EventType.MAIL_RELEASED,
        actor=actor,
        jobcenter_id=actor.jobcenter_id,
        data={"herkunft": source, "ergebnis": result.message()},
    )
    return result


def register_by_hand(*, actor: User, inbound: InboundMail) -> Case:
    """A quarantined message the KRM-B takes as a case in the Posteingang: its bytes stay in
    the quarantine's store, the case says so; the KRM-B completes it from the raw file."""
    with transaction.atomic():
        locked = _quarantined(actor, inbound)
        case = case_services.register_incoming(
            jobcenter=locked.jobcenter,
            subject=f"E-Mail aus der Quarantäne ({timezone.localtime(locked.read_at):%d.%m.%Y})",
            text=(
                f"Diese E-Mail konnte krm nicht lesen ({locked.reason.rstrip('.')}). Das "
                "Original öffnen Sie unten unter „E-Mails“ → „Original herunterladen“."
            ),
            received_at=locked.read_at,
            source=f"Quarantäne: {locked.source}"[:100],
        )
        locked.outcome = Outcome.RELEASED
        locked.case = case
        locked.save(update_fields=["outcome", "case"])
        record(
            case=case,
            type=EventType.MAIL_RELEASED,
            actor=actor,
            data={"grund": locked.reason},
        )
    return case
