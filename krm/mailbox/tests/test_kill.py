"""A process reading the mailbox killed with SIGKILL mid-run: the next run imports the rest,
every message becomes exactly one case, and every message ends in the processed folder of
the real IMAP server (Dovecot on loopback), none deleted.

The reader is a real process (`django.setup()`, then `imap.poll_all()`, as the worker's
`poll_mailboxes` task runs it) on the test's PostgreSQL database. To kill it at a known
moment, a hook in that process (nothing in krm's code) makes it stop at the third message,
touch a marker file and sleep; the test waits for the marker and kills it:

- after the import of the message committed, before the message was moved on the server:
  the next run finds the message again and must take it for a duplicate;
- inside the import's transaction (case, record and documents written, not committed):
  the database rolls it back, the message stays in the folder, the next run imports it.
"""

from __future__ import annotations

import collections
import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from krm.cases.models import Case
from krm.documents import blobs
from krm.documents.models import Document, DocumentKind
from krm.mailbox import imap
from krm.mailbox.models import InboundMail, Mailbox, Outcome, Security
from krm.mailbox.services import import_mail
from krm.mailbox.tests.test_import import PDF, make_mail
from krm.testing.factories import JobcenterFactory

MESSAGES = 5
STOP_AT = 3  # the reader is killed while it handles the third message
PROCESSED = "krm-verarbeitet"

# The reader: poll_all() with a hook that stops it at message KRM_TEST_STOP_AT, after the
# committed import ("after-commit", wraps imap.import_mail) or inside the import's open
# transaction ("in-transaction", wraps services._file), marking the moment in a file.
READER = """
import os, pathlib, time
import django

django.setup()
from krm.mailbox import imap, services

where, stop_at = os.environ["KRM_TEST_STOP"], int(os.environ["KRM_TEST_STOP_AT"])
marker = pathlib.Path(os.environ["KRM_TEST_MARKER"])
calls = 0


def stop_here():
    global calls
    calls += 1
    if calls == stop_at:
        marker.write_text(where)
        time.sleep(120)


def hooked(real):
    def call(*args, **kwargs):
        result = real(*args, **kwargs)
        stop_here()
        return result

    return call


if where == "after-commit":
    imap.import_mail = hooked(imap.import_mail)
else:
    services._file = hooked(services._file)
print(imap.poll_all())
"""


def reader_env(imap_mailbox: Any, documents: Path, marker: Path, where: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "krm.settings",
        "KRM_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "KRM_IMAP_CA_FILE": str(imap_mailbox.ca_file),
        # The same storage as the test's own (krm/conftest.py: _documents_in_tmp).
        "KRM_DOCUMENT_ROOT": str(documents),
        "KRM_LOG_LEVEL": "WARNING",
        "KRM_TEST_STOP": where,
        "KRM_TEST_STOP_AT": str(STOP_AT),
        "KRM_TEST_MARKER": str(marker),
    }


def fill(imap_mailbox: Any) -> list[bytes]:
    """MESSAGES complaints in the INBOX, one with a PDF attached."""
    mails = [
        make_mail(
            subject=f"Beschwerde Nr. {n}: Wartezeit auf den Bescheid",
            body=f"Guten Tag,\nich warte seit {n + 3} Wochen auf meinen Bescheid.\nMaria Beispiel",
            sender=f"Maria Beispiel {n} <maria{n}@example.net>",
            attachments=[("Bescheid.pdf", PDF, "application/pdf")] if n == 1 else [],
        )
        for n in range(MESSAGES)
    ]
    for raw in mails:
        imap_mailbox.append(raw)
    return mails


def message_ids(raws: list[bytes]) -> collections.Counter[str]:
    return collections.Counter(
        email.message_from_bytes(raw)["Message-ID"].strip("<>") for raw in raws
    )


def kill_reader(env: dict[str, str], marker: Path) -> None:
    """Start the reader, kill it (SIGKILL) once it marked the moment."""
    reader = subprocess.Popen(
        [sys.executable, "-c", READER], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if reader.poll() is not None:
                pytest.fail(f"the reader ended before the kill:\n{reader.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the reader never reached the third message"
            time.sleep(0.05)
        os.kill(reader.pid, signal.SIGKILL)
        reader.wait(10)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait(10)
        reader.stderr.close()


def assert_every_message_is_one_case(imap_mailbox: Any, mails: list[bytes]) -> None:
    assert Case.objects.count() == MESSAGES
    assert InboundMail.objects.count() == MESSAGES
    assert set(InboundMail.objects.values_list("outcome", flat=True)) == {Outcome.CASE}
    assert collections.Counter(InboundMail.objects.values_list("message_id", flat=True)) == (
        message_ids(mails)
    )
    # Each case has its mail once as a document (a rolled-back attempt left none behind).
    originals = Document.objects.filter(kind=DocumentKind.EMAIL)
    assert sorted(originals.values_list("case_id", flat=True)) == sorted(
        Case.objects.values_list("pk", flat=True)
    )
    assert Document.objects.filter(kind=DocumentKind.ANLAGE).count() == 1
    # The originals as the server gave them (CRLF line ends).
    stored = sorted(blobs.read(d.blob).replace(b"\r\n", b"\n") for d in originals)
    assert stored == sorted(mails)
    # On the server: all moved, none lost, none deleted.
    assert imap_mailbox.count("INBOX") == 0
    assert message_ids(imap_mailbox.fetch_all(PROCESSED)) == message_ids(mails)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("where", "committed"),
    [("after-commit", STOP_AT), ("in-transaction", STOP_AT - 1)],
    ids=["killed-after-the-import-before-the-move", "killed-inside-the-import-transaction"],
)
def test_a_reader_killed_mid_run_loses_no_mail_and_registers_none_twice(
    where: str,
    committed: int,
    imap_mailbox: Any,
    settings: Any,
    tmp_path: Path,
    _documents_in_tmp: Path,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database two processes share (PostgreSQL)")
    settings.KRM_IMAP_CA_FILE = str(imap_mailbox.ca_file)
    Mailbox.objects.create(
        jobcenter=JobcenterFactory(name="Jobcenter Berlin Pankow", slug="pankow"),
        name="KRM-Postfach",
        host=imap_mailbox.host,
        port=imap_mailbox.port,
        security=Security.SSL,
        username=imap_mailbox.user,
        password=imap_mailbox.password,
        processed_folder=PROCESSED,
    )
    mails = fill(imap_mailbox)
    marker = tmp_path / "stopped"
    kill_reader(reader_env(imap_mailbox, _documents_in_tmp, marker, where), marker)

    # What the killed reader left: the messages before the third imported and moved; the
    # third imported (after-commit) or not at all (in-transaction), and still in the INBOX.
    assert Case.objects.count() == committed
    assert InboundMail.objects.count() == committed
    assert imap_mailbox.count("INBOX") == MESSAGES - (STOP_AT - 1)
    assert imap_mailbox.count(PROCESSED) == STOP_AT - 1

    # The next run (the worker's next poll_mailboxes) reads the rest.
    duplicates = committed - (STOP_AT - 1)
    assert imap.poll_all() == [
        f"KRM-Postfach: {MESSAGES - committed} neu, 0 zugeordnet, {duplicates} doppelt, "
        "0 Quarantäne"
    ]
    assert_every_message_is_one_case(imap_mailbox, mails)
    assert imap.poll_all() == ["KRM-Postfach: 0 neu, 0 zugeordnet, 0 doppelt, 0 Quarantäne"]


@pytest.mark.django_db
def test_a_blob_a_killed_reader_left_half_written_is_not_taken_for_the_mail() -> None:
    """The original of a mail is stored under its SHA-256 before the import's transaction
    commits. A reader killed while the storage wrote it leaves the first part of the file
    under that name; the next run re-imports the message and must not file the torn file."""
    raw = make_mail(
        subject="Beschwerde mit großem Anhang",
        attachments=[("Bescheid.pdf", PDF, "application/pdf")],
    )
    blobs.storage().save(blobs.name_for(blobs.digest(raw)), ContentFile(raw[: len(raw) // 2]))
    result = import_mail(raw, jobcenter=JobcenterFactory(), source="KRM-Postfach")
    assert result.outcome == "case"
    original = Document.objects.get(case=result.case, kind=DocumentKind.EMAIL)
    assert blobs.read(original.blob) == raw
