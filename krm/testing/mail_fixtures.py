"""pytest plugin: real mail servers on loopback (see `krm.testing.mailservers`).

- `smtp_server`: an `SmtpServer` per test, started before and stopped after it.
- `smtp`: the same, with Django's mail settings pointing at it.
- `dovecot`: one `Dovecot` per session (per xdist worker), IMAP with TLS only.
- `imap_mailbox`: a fresh Dovecot user per test, as a `Mailbox` (host, port, starttls_port,
  ca_file, user, password, append, create_folder, folders, uids, fetch_all, flags, count).

When Dovecot cannot start, tests that need it are skipped with the reason, and fail with it
under CI=true (CI must not go green without the IMAP tests). `start_dovecot()` applies the
same rule to a test's own extra Dovecot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from krm.testing.mailservers import Dovecot, DovecotUnavailable, Mailbox, SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp(settings: Any, smtp_server: SmtpServer) -> SmtpServer:
    """`smtp_server`, with Django's mail (and so krm's outbox) sending to it: SMTP without
    TLS or login, a short timeout, krm's Message-IDs of krm.jobcenter.example."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.KRM_MAIL_DOMAIN = "krm.jobcenter.example"
    return smtp_server


def start_dovecot(**kwargs: Any) -> Dovecot:
    """A started `Dovecot(**kwargs)`; skips the test if it cannot start (fails under CI=true).
    The caller stops it."""
    server = Dovecot(**kwargs)
    try:
        return server.start()
    except (DovecotUnavailable, OSError) as exc:
        server.stop()
        reason = f"Dovecot (IMAP-Testserver) startet nicht: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_mailbox(dovecot: Dovecot) -> Mailbox:
    return dovecot.new_mailbox()
