"""A real `krm worker` killed with SIGKILL while it sends the outbox: after the restart every
mail arrives exactly once (counted by Message-ID at a real SMTP server on loopback).

The worker is killed while the SMTP server holds the first mail in DATA (the message sent in
full, the 250 not yet given): the server drops that transaction when the connection breaks
(aiosmtpd cancels the DATA handler), the row stays "sending" under the dead worker's claim.
A second worker leaves it alone while the claim is younger than `CLAIM_TIMEOUT` (the first
worker might still be sending it) and sends the others; once the claim is older, it sends it.
There is no setting for CLAIM_TIMEOUT: the test ages the row's `claimed_at` instead, which is
what ten minutes passing means to `send_due`.

Not covered here, and not avoidable by any client: a worker killed after the server's 250 and
before it recorded the mail as sent. That mail is sent again after CLAIM_TIMEOUT with the same
Message-ID (the receiving side can recognise it).
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from krm.mail import services, tasks
from krm.mail.models import MailState, OutboundMail
from krm.testing.factories import JobcenterFactory

MAILS = 5


def worker_env(smtp: Any) -> dict[str, str]:
    """The environment of a `krm worker` on the test's database, sending to `smtp`."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "krm.settings",
        "KRM_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "KRM_SMTP_HOST": smtp.host,
        "KRM_SMTP_PORT": str(smtp.port),
        "KRM_SMTP_SECURITY": "none",
        "KRM_SMTP_TIMEOUT": "60",  # longer than the server's delay: blocked, not timed out
        "KRM_MAIL_DOMAIN": "krm.jobcenter.example",
        "KRM_WORKER_STALE_SECONDS": "3",
        "KRM_WORKER_REPORT_SECONDS": "1",
        "KRM_LOG_LEVEL": "WARNING",
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "krm.manage", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def states() -> dict[str, int]:
    return collections.Counter(OutboundMail.objects.values_list("state", flat=True))


def queue_mails(count: int = MAILS) -> list[OutboundMail]:
    """`count` notifications, committed (each queue() also enqueues a send_outbox task)."""
    jobcenter = JobcenterFactory(name="Jobcenter Berlin Pankow", slug="pankow")
    mails = []
    for n in range(count):
        mail = services.queue(
            jobcenter=jobcenter,
            key=f"kill-test:{n}",
            to=[f"mitarbeiter{n}@jobcenter.example"],
            subject=f"[II-6001-2026-{n + 1:05d}] Neue Aufgabe",
            body="Guten Tag,\n\nbitte prüfen Sie den Fall.\n",
        )
        assert mail is not None
        mails.append(mail)
    return mails


def kill_first_worker_in_data(smtp: Any, env: dict[str, str]) -> OutboundMail:
    """Start a worker, let the server hold its first mail in DATA, kill it there; the row of
    that mail (state "sending")."""
    smtp.delay = 30
    first = start_worker(env)
    try:
        smtp.wait_for_data(1, timeout=30)
        kill(first)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    smtp.delay = 0
    assert smtp.messages == []  # the killed transaction is not delivered
    assert states() == {MailState.SENDING: 1, MailState.QUEUED: MAILS - 1}
    return OutboundMail.objects.get(state=MailState.SENDING)


def claim_times_out(mail: OutboundMail) -> None:
    """CLAIM_TIMEOUT passes for the dead worker's claim; the every-minute job runs."""
    aged = services.CLAIM_TIMEOUT + dt.timedelta(minutes=1)
    assert OutboundMail.objects.filter(pk=mail.pk, state=MailState.SENDING).update(
        claimed_at=F("claimed_at") - aged
    )
    tasks.send_outbox.enqueue()


def assert_each_mail_arrived_once(smtp: Any, mails: list[OutboundMail]) -> None:
    arrived = collections.Counter(str(m["Message-ID"]) for m in smtp.messages)
    assert arrived == collections.Counter(f"<{m.message_id}>" for m in mails)
    assert states() == {MailState.SENT: len(mails)}
    assert set(OutboundMail.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_loses_no_mail_and_sends_none_twice(
    smtp_server: Any,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database two processes share (PostgreSQL)")
    env = worker_env(smtp_server)
    mails = queue_mails()
    stuck = kill_first_worker_in_data(smtp_server, env)
    assert stuck.pk == mails[0].pk

    second = start_worker(env)
    try:
        # The others are sent; the killed one waits for its claim to time out (its worker
        # might still be sending it, for all the second worker knows).
        assert wait(lambda: states().get(MailState.SENT) == MAILS - 1)
        assert wait(lambda: not DBTaskResult.objects.filter(status="READY").exists())
        assert smtp_server.wait_for(MAILS - 1)
        stuck.refresh_from_db()
        assert stuck.state == MailState.SENDING
        assert f"<{stuck.message_id}>" not in {str(m["Message-ID"]) for m in smtp_server.messages}

        claim_times_out(stuck)
        assert wait(lambda: states() == {MailState.SENT: MAILS})
    finally:
        stop(second)
    assert_each_mail_arrived_once(smtp_server, mails)


@pytest.mark.django_db
def test_a_mail_claimed_late_in_a_long_batch_is_not_taken_over_while_it_is_sent(
    smtp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch (up to 200 mails over one connection) that takes longer than CLAIM_TIMEOUT:
    a slow relay, letters with attachments. While its worker sends a mail claimed late in the
    batch, the every-minute job of a second worker runs: it must leave that mail alone."""
    mails = queue_mails(2)
    start = timezone.now()
    real_message = services._message
    second_worker_ran = []

    def message(mail: OutboundMail, smtp_connection: Any) -> Any:
        if mail.pk == mails[0].pk:
            # Sending the first mail of the batch takes eleven minutes.
            later = start + services.CLAIM_TIMEOUT + dt.timedelta(minutes=1)
            monkeypatch.setattr(timezone, "now", lambda: later)
        elif not second_worker_ran:
            # The first worker sends the second mail; meanwhile the second worker's turn.
            second_worker_ran.append(services.send_due())
        return real_message(mail, smtp_connection)

    monkeypatch.setattr(services, "_message", message)
    assert services.send_due(now=start) == (2, 0)
    arrived = collections.Counter(str(m["Message-ID"]) for m in smtp.messages)
    assert arrived == collections.Counter(f"<{m.message_id}>" for m in mails)
    assert second_worker_ran == [(0, 0)]
