"""Reading a mailbox over IMAP with TLS (IMAPS or STARTTLS, certificates checked): every
message in the folder is imported, then moved to the processed folder, never deleted. A
message is moved only after its import committed; a worker killed in between leaves it in
the folder, and the next run finds it a duplicate and moves it."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from .models import Mailbox, Security
from .services import Result, announce, import_mail

logger = logging.getLogger("krm.mailbox")
TIMEOUT = 60
BATCH = 500  # messages per run; the rest next time


class MailboxError(Exception):
    """The mailbox could not be read (connection, login, folder); German message."""


@dataclass
class PollReport:
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.KRM_IMAP_CA_FILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    context = tls_context()
    try:
        if mailbox.security == Security.SSL:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=context, timeout=TIMEOUT
            )
        else:
            conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
            conn.starttls(ssl_context=context)
        conn.login(mailbox.username, mailbox.password)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise MailboxError(
            _without_secret(
                f"Anmeldung an {mailbox.host}:{mailbox.port} gescheitert: {exc}", mailbox
            )
        ) from None
    return conn


def _without_secret(text: str, mailbox: Mailbox) -> str:
    return text.replace(mailbox.password, "***") if mailbox.password else text


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(typ: str, data: object, what: str) -> None:
    if typ != "OK":
        raise MailboxError(f"{what}: {data!r}"[:500])


def poll(mailbox: Mailbox, limit: int = BATCH) -> PollReport:
    """Import what is in the mailbox's folder; the report of each message."""
    report = PollReport()
    conn = connect(mailbox)
    try:
        conn.create(_quoted(mailbox.processed_folder))  # "already exists" is fine
        typ, data = conn.select(_quoted(mailbox.folder))
        _ok(typ, data, f"Ordner „{mailbox.folder}“ nicht lesbar")
        typ, data = conn.uid("SEARCH", None, "ALL")
        _ok(typ, data, "Suche gescheitert")
        uids = (data[0] or b"").split()[:limit]
        # imaplib keeps the capabilities from before the login: ask again.
        typ, data = conn.capability()
        can_move = typ == "OK" and b"MOVE" in (data[0] or b"").upper().split()
        for uid in uids:
            typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            _ok(typ, fetched, "Abruf gescheitert")
            raw = next(
                (part[1] for part in fetched if isinstance(part, tuple) and len(part) > 1), None
            )
            if raw is None:
                continue  # gone meanwhile (another client moved it)
            result = import_mail(
                raw, jobcenter=mailbox.jobcenter, source=mailbox.name, mailbox=mailbox
            )
            report.results.append(result)
            _move(conn, uid, mailbox.processed_folder, can_move)
        conn.close()
    finally:
        announce(mailbox.jobcenter, report.results)
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return report


def _move(conn: imaplib.IMAP4, uid: bytes, folder: str, can_move: bool) -> None:
    if can_move:
        typ, data = conn.uid("MOVE", uid, _quoted(folder))
        _ok(typ, data, "Verschieben gescheitert")
        return
    typ, data = conn.uid("COPY", uid, _quoted(folder))
    _ok(typ, data, "Kopieren gescheitert")
    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
    conn.expunge()


def poll_all() -> list[str]:
    """Every active mailbox; one failing does not stop the others (its error is kept on it,
    without the password). The lines say what happened."""
    lines, failed = [], []
    for mailbox in Mailbox.objects.filter(is_active=True).select_related("jobcenter"):
        try:
            report = poll(mailbox)
        except Exception as exc:
            message = _without_secret(
                str(exc) if isinstance(exc, MailboxError) else f"{type(exc).__name__}: {exc}",
                mailbox,
            )
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_error=message[:2000], last_polled_at=timezone.now()
            )
            logger.warning("Mailbox %s: %s", mailbox.pk, message)
            failed.append(f"{mailbox.name}: {message}")
            continue
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error="", last_polled_at=timezone.now())
        lines.append(
            f"{mailbox.name}: {report.count('case')} neu, {report.count('joined')} zugeordnet, "
            f"{report.count('duplicate')} doppelt, {report.count('quarantined')} Quarantäne"
        )
    if failed:
        raise MailboxError("; ".join(failed))
    return lines
