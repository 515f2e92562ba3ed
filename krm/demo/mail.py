"""Demo mail: a few mails in the Posteingang (one with HTML that tries to run a script and
load a remote image), a reply joined to its case, and one unreadable message in the
quarantine — all through the real import (krm/mailbox/services.py)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from krm.jobcenters.models import Jobcenter
from krm.mailbox.services import announce, import_mail

MAILS = [
    (
        "Maria Beispiel <maria.beispiel@example.net>",
        "Beschwerde: seit drei Wochen keine Antwort",
        "Guten Tag,\n\nich habe am 2. November meinen Weiterbewilligungsantrag abgegeben und "
        "seitdem nichts gehört. Telefonisch erreiche ich niemanden.\n\nMit freundlichen "
        "Grüßen\nMaria Beispiel",
        "",
    ),
    (
        "Karl Kunde <karl.kunde@example.org>",
        "Lob für Frau Sommer",
        "Hallo,\n\nich möchte mich bei Frau Sommer für die freundliche Beratung bedanken.\n\n"
        "Karl Kunde",
        "<p>Hallo,</p><p>ich möchte mich bei <b>Frau Sommer</b> bedanken.</p>"
        '<script>alert("x")</script><img src="http://tracker.example/pixel.gif" alt="">'
        '<p><a href="javascript:alert(1)" onclick="alert(2)">Link</a></p>',
    ),
    (
        "=?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@example.com>",
        "=?utf-8?q?Termin_verschoben_=E2=80=93_bitte_R=C3=BCckruf?=",
        "Mein Termin wurde zweimal verschoben. Bitte rufen Sie mich zurück.",
        "",
    ),
]


def _mail(sender: str, subject: str, text: str, html: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "krm@jobcenter-pankow.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.net")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def add(jobcenter: Jobcenter) -> int:
    """Import the demo mails; how many messages."""
    results = [
        import_mail(_mail(*spec), jobcenter=jobcenter, source="Demo-Import") for spec in MAILS
    ]
    first = results[0].aktenzeichen
    reply = _mail(
        "Maria Beispiel <maria.beispiel@example.net>",
        f"AW: [{first}] Ihre Nachricht",
        "Ergänzung: meine Kundennummer ist 123D456789.",
        "",
    )
    import_mail(reply, jobcenter=jobcenter, source="Demo-Import")
    announce(jobcenter, results)
    import_mail(
        b"\x00\x01\x02 kein E-Mail-Format \xff" * 20,
        jobcenter=jobcenter,
        source="Demo-Import",
    )
    return len(MAILS) + 2
