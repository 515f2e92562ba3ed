"""The outbox on the distributed engine (KRM_TASK_BACKEND=rq, a real Redis): the same
task code sends; mail queued while SMTP is down arrives later exactly once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from krm.mail import services, tasks
from krm.mail.models import MailState, OutboundMail
from krm.mail.tests.test_outbox import _queue
from krm.worker import rq_engine
from krm.worker.tests import test_rq_engine

on_rq = test_rq_engine.on_rq  # the fixture, shared

pytestmark = pytest.mark.django_db


def test_the_outbox_sends_through_rq(
    org: Any,
    smtp: Any,
    on_rq: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mail = _queue(org.jobcenter)
    rq_engine.drain()
    [received] = smtp.wait_for(1)
    assert received["Message-ID"] == f"<{mail.message_id}>"
    mail.refresh_from_db()
    assert mail.state == MailState.SENT


def test_on_rq_mail_queued_while_smtp_is_down_arrives_later_exactly_once(
    org: Any,
    smtp: Any,
    on_rq: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        mails = [_queue(org.jobcenter, key=f"rq{i}") for i in range(3)]
    rq_engine.drain()
    assert set(OutboundMail.objects.values_list("state", flat=True)) == {MailState.QUEUED}
    smtp.restart()
    later = timezone.now() + dt.timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # The worker's periodic job (every minute) enqueues the flush; twice, as two workers might.
    tasks.send_outbox.enqueue()
    tasks.send_outbox.enqueue()
    rq_engine.drain()
    received = smtp.wait_for(3)
    assert sorted(m["Message-ID"] for m in received) == sorted(f"<{m.message_id}>" for m in mails)
    assert len(smtp.messages) == 3
    assert services.due(later) == []
