"""The daily retention job (the worker enqueues it once a day, krm/worker/runner.py)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from krm.jobcenters.models import Jobcenter

from . import services


class RetentionIncomplete(RuntimeError):
    """Some cases could not be handled; the rest was done. The worker tries again later."""


@task()
def daily() -> list[str]:
    """Every Jobcenter's retention work of the day; one Jobcenter's (or one case's) failure
    does not stop the others, and ends the task as failed, with what failed, so that it is
    tried again and seen by the administrators."""
    today = timezone.localdate()
    lines: list[str] = []
    failed: list[str] = []
    for jobcenter in Jobcenter.objects.order_by("pk"):
        try:
            work = services.run(jobcenter, today)
        except Exception as exc:
            failed.append(f"{jobcenter.name}: {type(exc).__name__}")
            continue
        lines += work.lines()
        failed += [f"{jobcenter.name}: {error}" for error in work.errors]
    if failed:
        raise RetentionIncomplete("; ".join(failed))
    return lines
