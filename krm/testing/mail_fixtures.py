"""pytest plugin: real mail servers on loopback (see `krm.testing.mailservers`).

- `smtp_server`: an `SmtpServer` per test, started before and stopped after it.
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
