"""Reading the mailboxes, every KRM_MAILBOX_POLL_MINUTES (krm/worker's periodic jobs)."""

from __future__ import annotations

from django_tasks import task

from . import imap


@task()
def poll_mailboxes() -> list[str]:
    return imap.poll_all()
