"""Reading a mailbox on a real IMAP server (Dovecot on loopback, TLS with a test CA)."""

from __future__ import annotations

from typing import Any

import pytest

from krm.cases.models import Case
from krm.mailbox import imap
from krm.mailbox.models import InboundMail, Mailbox, Outcome, Security
from krm.mailbox.services import import_mail
from krm.mailbox.tests.test_import import make_mail

pytestmark = pytest.mark.django_db


def _mailbox(org: Any, server: Any, settings: Any, **extra: Any) -> Mailbox:
    settings.KRM_IMAP_CA_FILE = str(server.ca_file)
    data = {
        "jobcenter": org.jobcenter,
        "name": "KRM-Postfach",
        "host": server.host,
        "port": server.port,
        "security": Security.SSL,
        "username": server.user,
        "password": server.password,
    }
    data.update(extra)
    return Mailbox.objects.create(**data)


def test_every_message_ends_somewhere_and_is_moved_never_deleted(
    org: Any, imap_mailbox: Any, settings: Any
) -> None:
    box = _mailbox(org, imap_mailbox, settings)
    first = make_mail(subject="Erste")
    for raw in (
        first,
        make_mail(subject="Zweite"),
        first,
        b"\x00\x01\x02 this is no mail \xff" * 20,
    ):
        imap_mailbox.append(raw)
    report = imap.poll(box)
    assert [r.outcome for r in report.results] == ["case", "case", "duplicate", "quarantined"]
    assert Case.objects.count() == 2
    assert imap_mailbox.count("INBOX") == 0
    assert imap_mailbox.count("krm-verarbeitet") == 4
    assert imap.poll(box).results == []  # nothing twice


def test_starttls_works_too(org: Any, imap_mailbox: Any, settings: Any) -> None:
    box = _mailbox(
        org, imap_mailbox, settings, security=Security.STARTTLS, port=imap_mailbox.starttls_port
    )
    imap_mailbox.append(make_mail())
    assert [r.outcome for r in imap.poll(box).results] == ["case"]


def test_a_message_imported_but_not_moved_is_a_duplicate_next_time(
    org: Any, imap_mailbox: Any, settings: Any
) -> None:
    """A worker killed after the import's commit, before the move: no second case."""
    box = _mailbox(org, imap_mailbox, settings)
    raw = make_mail()
    imap_mailbox.append(raw)
    import_mail(raw, jobcenter=org.jobcenter, source="KRM-Postfach", mailbox=box)
    report = imap.poll(box)
    assert [r.outcome for r in report.results] == ["duplicate"]
    assert Case.objects.count() == 1
    assert imap_mailbox.count("INBOX") == 0


def test_an_untrusted_certificate_is_refused(org: Any, imap_mailbox: Any, settings: Any) -> None:
    box = _mailbox(org, imap_mailbox, settings)
    settings.KRM_IMAP_CA_FILE = ""  # the system's CAs do not know the test CA
    with pytest.raises(imap.MailboxError):
        imap.poll(box)


def test_a_failing_mailbox_keeps_its_error_without_the_password_and_others_are_read(
    org: Any, imap_mailbox: Any, settings: Any
) -> None:
    good = _mailbox(org, imap_mailbox, settings)
    bad = _mailbox(org, imap_mailbox, settings, name="GF", password="Falsch-Geheim-99")
    imap_mailbox.append(make_mail())
    with pytest.raises(imap.MailboxError):
        imap.poll_all()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.last_error and "Falsch-Geheim-99" not in bad.last_error
    assert good.last_error == "" and good.last_polled_at is not None
    assert InboundMail.objects.filter(outcome=Outcome.CASE).count() == 1
