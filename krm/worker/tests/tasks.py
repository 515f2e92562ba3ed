"""Tasks the worker tests run (importable by a worker in another process)."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import TaskContext, task

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


@task(takes_context=True)
def count_attempts(context: TaskContext, key: str, times: int) -> str:
    """Leaves a row per attempt, named by `context.attempt`; fails the first `times`."""
    PeriodicRun.objects.create(key=f"{key}:attempt:{context.attempt}")
    if context.attempt <= times:
        raise RuntimeError(f"attempt {context.attempt} fails on purpose")
    return "ok"


@task()
def wait_for(key: str, path: str) -> str:
    """Leaves a row when it starts, waits (at most a minute) until the file `path` exists, then
    leaves its effect: once, however often it runs (the key is the idempotency key)."""
    PeriodicRun.objects.create(key=f"{key}:started:{time.monotonic_ns()}")
    deadline = time.monotonic() + 60
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.05)
    PeriodicRun.objects.get_or_create(key=f"{key}:done")
    return "done"
