"""Tasks the worker tests run (importable by a worker in another process)."""

from __future__ import annotations

import time

from django_tasks import task

from krm.worker.models import PeriodicRun


@task()
def fail_times(key: str, times: int) -> str:
    """Fails the first `times` attempts, then succeeds; each attempt leaves a row."""
    attempts = PeriodicRun.objects.filter(key__startswith=f"{key}:").count()
    PeriodicRun.objects.create(key=f"{key}:{attempts + 1}")
    if attempts < times:
        raise RuntimeError(f"attempt {attempts + 1} fails on purpose")
    return "ok"


@task()
def slow(key: str, seconds: float) -> str:
    """Takes its time, then leaves a row: killed meanwhile, it leaves none."""
    PeriodicRun.objects.create(key=f"{key}:started:{time.monotonic_ns()}")
    time.sleep(seconds)
    PeriodicRun.objects.create(key=f"{key}:done")
    return "done"
