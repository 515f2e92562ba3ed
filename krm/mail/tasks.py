"""The mail app's tasks: sending the outbox (defined with it, in services.py) and the daily
digest."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from . import digest
from .services import send_outbox

__all__ = ["daily_digest", "send_outbox"]


@task()
def daily_digest() -> int:
    return digest.send_digests(timezone.localdate())
