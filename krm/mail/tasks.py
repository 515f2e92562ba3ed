"""The outbox's tasks: send what is due (after each step's commit, and every minute for
retries), and the daily digest."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from . import digest, services


@task()
def send_outbox() -> str:
    """Send every mail that is due, batch after batch."""
    sent = failed = 0
    while True:
        batch_sent, batch_failed = services.send_due()
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_sent == 0:
            break  # empty, or the server refuses: the rest waits for its next attempt
    return f"{sent} gesendet, {failed} gescheitert"


@task()
def daily_digest() -> int:
    return digest.send_digests(timezone.localdate())
