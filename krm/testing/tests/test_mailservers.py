"""The mail servers the tests use: aiosmtpd receives, Dovecot serves IMAP with TLS only."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
import threading
from email.message import EmailMessage

import pytest

from krm.testing.mail_fixtures import start_dovecot
from krm.testing.mailservers import Dovecot, Mailbox, SmtpServer


def _message(subject: str = "Hallo", to: str = "stelle@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "krm@example.org"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Grüße aus dem KRM\n")
    return msg


def _send(server: SmtpServer, msg: EmailMessage, timeout: float = 5) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=timeout) as smtp:
        smtp.send_message(msg)


def _raw(subject: str) -> bytes:
    return _message(subject).as_bytes().replace(b"\n", b"\r\n")


# SMTP


def test_smtp_receives_message_with_envelope(smtp_server: SmtpServer) -> None:
    _send(smtp_server, _message("Erste Nachricht", to="a@example.org, b@example.org"))

    [mail] = smtp_server.wait_for(1)
    assert mail.mail_from == "krm@example.org"
    assert mail.rcpt_tos == ["a@example.org", "b@example.org"]
    assert mail["Subject"] == "Erste Nachricht"
    assert mail.message.get_content() == "Grüße aus dem KRM\n"
    assert b"Subject: Erste Nachricht" in mail.raw

    smtp_server.clear()
    assert smtp_server.messages == []


def test_smtp_wait_for_times_out(smtp_server: SmtpServer) -> None:
    with pytest.raises(TimeoutError):
        smtp_server.wait_for(1, timeout=0.1)


def test_smtp_stop_and_restart_on_the_same_port(smtp_server: SmtpServer) -> None:
    port = smtp_server.port
    smtp_server.stop()
    with pytest.raises(ConnectionRefusedError):
        _send(smtp_server, _message())

    smtp_server.restart()
    assert smtp_server.port == port
    _send(smtp_server, _message("Nach dem Neustart"))
    assert smtp_server.wait_for(1)[0]["Subject"] == "Nach dem Neustart"


def test_smtp_refuses_temporarily(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_with = "451 4.3.0 try later"
    with pytest.raises(smtplib.SMTPDataError) as exc:
        _send(smtp_server, _message())
    assert exc.value.smtp_code == 451
    assert smtp_server.messages == []

    smtp_server.refuse_with = None
    _send(smtp_server, _message())
    assert len(smtp_server.wait_for(1)) == 1


def test_smtp_stopped_mid_send_breaks_the_connection(smtp_server: SmtpServer) -> None:
    smtp_server.delay = 30
    errors: list[BaseException] = []

    def send() -> None:
        try:
            _send(smtp_server, _message(), timeout=20)
        except Exception as exc:
            errors.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    smtp_server.wait_for_data(1)
    smtp_server.stop()
    sender.join(timeout=5)

    assert not sender.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], smtplib.SMTPServerDisconnected | ConnectionError)
    assert smtp_server.messages == []


# IMAP (Dovecot)


def _imaps(box: Mailbox) -> imaplib.IMAP4_SSL:
    context = ssl.create_default_context(cafile=box.ca_file)
    assert context.check_hostname
    return imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=10)


def test_imaps_reads_appended_messages(imap_mailbox: Mailbox) -> None:
    uids = [imap_mailbox.append(_raw(f"Nachricht {n}")) for n in range(3)]
    assert uids == [1, 2, 3]
    assert imap_mailbox.count() == 3

    imap = _imaps(imap_mailbox)
    try:
        imap.login(imap_mailbox.user, imap_mailbox.password)
        assert imap.select("INBOX") == ("OK", [b"3"])
        _typ, data = imap.uid("SEARCH", "ALL")
        subjects = []
        for uid in data[0].split():
            _typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            subjects.append(data[0][1].strip())
    finally:
        imap.logout()
    assert subjects == [b"Subject: Nachricht 0", b"Subject: Nachricht 1", b"Subject: Nachricht 2"]
    assert [b"Subject: Nachricht 2" in raw for raw in imap_mailbox.fetch_all()] == [
        False,
        False,
        True,
    ]
    assert imap_mailbox.flags() == {1: set(), 2: set(), 3: set()}


def _tls_socket(dovecot: Dovecot, context: ssl.SSLContext, name: str) -> ssl.SSLSocket:
    raw = socket.create_connection((dovecot.host, dovecot.port), timeout=10)
    try:
        return context.wrap_socket(raw, server_hostname=name)
    except BaseException:
        raw.close()
        raise


def test_certificate_is_verified_with_the_ca_and_host_name(dovecot: Dovecot) -> None:
    context = ssl.create_default_context(cafile=dovecot.ca_file)
    with _tls_socket(dovecot, context, dovecot.host) as tls:
        names = {value for _kind, value in tls.getpeercert()["subjectAltName"]}
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
    assert {"127.0.0.1", "127.0.0.2", "localhost"} <= names

    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        _tls_socket(dovecot, context, "mail.example.org")
    with pytest.raises(ssl.SSLCertVerificationError):  # without the test CA
        _tls_socket(dovecot, ssl.create_default_context(), dovecot.host)


def test_starttls_port(imap_mailbox: Mailbox) -> None:
    imap_mailbox.append(_raw("Über STARTTLS"))
    imap = imaplib.IMAP4(imap_mailbox.host, imap_mailbox.starttls_port, timeout=10)
    try:
        assert "LOGINDISABLED" in imap.capabilities
        imap.starttls(ssl.create_default_context(cafile=imap_mailbox.ca_file))
        imap.login(imap_mailbox.user, imap_mailbox.password)
        assert imap.select("INBOX", readonly=True) == ("OK", [b"1"])
    finally:
        imap.logout()


def test_plain_login_without_tls_is_refused(imap_mailbox: Mailbox) -> None:
    imap = imaplib.IMAP4(imap_mailbox.host, imap_mailbox.starttls_port, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            imap.login(imap_mailbox.user, imap_mailbox.password)
        with pytest.raises(imaplib.IMAP4.error):
            imap.authenticate("PLAIN", lambda _: f"\0{imap_mailbox.user}\0x".encode())
    finally:
        imap.logout()


def test_create_folder_and_move(imap_mailbox: Mailbox) -> None:
    for n in range(2):
        imap_mailbox.append(_raw(f"Nachricht {n}"))
    imap_mailbox.create_folder("Erledigt")
    assert "Erledigt" in imap_mailbox.folders()

    imap = _imaps(imap_mailbox)
    try:
        imap.login(imap_mailbox.user, imap_mailbox.password)
        _typ, data = imap.capability()  # imaplib keeps the capabilities from before login
        assert b"MOVE" in data[0].split()
        imap.select("INBOX")
        typ, _data = imap.uid("MOVE", "1", "Erledigt")
        assert typ == "OK"
    finally:
        imap.logout()
    assert imap_mailbox.uids() == [2]
    assert imap_mailbox.count("Erledigt") == 1
    assert b"Subject: Nachricht 0" in imap_mailbox.fetch_all("Erledigt")[0]


def test_wrong_password_fails(imap_mailbox: Mailbox) -> None:
    imap = _imaps(imap_mailbox)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            imap.login(imap_mailbox.user, "falsch")
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            imap.login("niemand@example.org", imap_mailbox.password)
        imap.login(imap_mailbox.user, imap_mailbox.password)  # no penalty delay after this
    finally:
        imap.logout()


def test_mailboxes_are_separate(dovecot: Dovecot) -> None:
    first, second = dovecot.new_mailbox(), dovecot.new_mailbox()
    first.append(_raw("Nur für den ersten"))
    assert (first.count(), second.count()) == (1, 0)
    assert first.user != second.user


def test_dovecot_restart_keeps_ports_and_mail() -> None:
    with start_dovecot() as server:
        box = server.new_mailbox()
        box.append(_raw("Vor dem Neustart"))
        ports = (server.port, server.starttls_port)
        server.restart()
        assert (server.port, server.starttls_port) == ports
        assert box.count() == 1
        folder = server.dir
    assert folder is not None
    assert not folder.exists()
