"""The daily retention job (the worker enqueues it once a day, krm/worker/runner.py)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from krm.jobcenters.models import Jobcenter

from . import services


@task()
def daily() -> list[str]:
    today = timezone.localdate()
    lines: list[str] = []
    for jobcenter in Jobcenter.objects.order_by("pk"):
        lines += services.run(jobcenter, today).lines()
    return lines
