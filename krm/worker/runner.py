"""`krm worker`: django-tasks-db's worker with what krm needs besides.

- Retries: a failed task is tried again, up to KRM_TASK_ATTEMPTS times in all, after a
  growing pause (30 s, 2 min, 8 min …); its last error stays visible to administrators
  (admin: Hintergrundaufgaben). Tasks must therefore be idempotent (krm's are).
- Recovery: a task left RUNNING by a worker that died (`kill -9`, power cut) goes back to
  the queue once that worker has not reported for KRM_WORKER_STALE_SECONDS.
- Periodic jobs: `register_periodic` names tasks enqueued once a day (`at`) or once every
  period (`every`); each run is keyed in the PeriodicRun table, so that two workers do not
  both enqueue it, whatever the backend.

This is the worker of the database backend; on RQ, krm/worker/rq_engine.py does the same with
RQ's worker (the heartbeat and the periodic jobs below are shared).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from .models import Worker

logger = logging.getLogger("krm.worker")
REPORT_EVERY = dt.timedelta(seconds=getattr(settings, "KRM_WORKER_REPORT_SECONDS", 10))
READY, RUNNING, FAILED = "READY", "RUNNING", "FAILED"


def backoff(attempt: int) -> dt.timedelta:
    """The pause before attempt `attempt + 1`: 30 s, 2 min, 8 min, 32 min, at most 2 h."""
    return dt.timedelta(seconds=min(30 * 4 ** (attempt - 1), 7200))


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# PeriodicRun rows older than this are deleted (the minute jobs leave 1440 a day).
KEEP_PERIODIC_RUNS = dt.timedelta(days=2)


@dataclass(frozen=True)
class Periodic:
    """A job enqueued once a day after a local time (`at`: its run is "<key>:<date>"), or once
    every period (`every`: its run is "<key>:<start of the period, UTC, ISO>", the periods
    counted from 1970-01-01 00:00 UTC)."""

    key: str
    enqueue: Callable[[], object]
    at: dt.time | None = None
    every: dt.timedelta | None = None

    def __post_init__(self) -> None:
        if (self.at is None) == (self.every is None):
            raise ValueError(f"Periodic {self.key!r}: give either `at` or `every`")
        if self.every is not None and self.every < dt.timedelta(seconds=1):
            raise ValueError(f"Periodic {self.key!r}: `every` must be at least a second")

    def run_key(self, now: dt.datetime) -> str | None:
        """The key of the run due at `now`; None before a daily job's time."""
        if self.every is not None:
            start = EPOCH + (now - EPOCH) // self.every * self.every
            return f"{self.key}:{start.isoformat(timespec='seconds')}"
        local = timezone.localtime(now)
        assert self.at is not None
        if local.time() < self.at:
            return None
        return f"{self.key}:{local.date().isoformat()}"


def periodic_jobs() -> list[Periodic]:
    """The periodic jobs (filled by the apps that have some; see `register_periodic`)."""
    return list(_PERIODIC)


_PERIODIC: list[Periodic] = []


def register_periodic(job: Periodic) -> None:
    if all(existing.key != job.key for existing in _PERIODIC):
        _PERIODIC.append(job)


def recover_stale(now: dt.datetime | None = None) -> int:
    """Give the tasks of dead workers back to the queue; how many."""
    now = now or timezone.now()
    alive = set(
        Worker.objects.filter(
            seen_at__gte=now - dt.timedelta(seconds=settings.KRM_WORKER_STALE_SECONDS)
        ).values_list("worker_id", flat=True)
    )
    recovered = 0
    with transaction.atomic():
        for result in DBTaskResult.objects.select_for_update().filter(status=RUNNING):
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            DBTaskResult.objects.filter(pk=result.pk).update(status=READY, run_after=now)
            recovered += 1
            logger.warning("Task %s of a dead worker given back to the queue", result.id)
    return recovered


def retry_or_fail(result_id: object) -> bool:
    """After a failure: queue the task again if it has attempts left; True if it will."""
    with transaction.atomic():
        result = DBTaskResult.objects.select_for_update().filter(pk=result_id).first()
        if result is None or result.status != FAILED:
            return False
        attempts = len(result.worker_ids)
        if attempts >= settings.KRM_TASK_ATTEMPTS:
            logger.error("Task %s failed for good after %d attempts", result.id, attempts)
            return False
        DBTaskResult.objects.filter(pk=result.pk).update(
            status=READY, run_after=timezone.now() + backoff(attempts), finished_at=None
        )
    logger.warning("Task %s failed (attempt %d); tried again later", result_id, attempts)
    return True


class KrmWorker(DatabaseWorker):
    """django-tasks-db's worker, with retries and a heartbeat thread that reports every
    REPORT_EVERY, also while a long task (OCR of a thick scan) runs."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        retry_or_fail(db_task_result.pk)

    def report(self) -> None:
        now = timezone.now()
        report_alive(self.worker_id, now)
        recover_stale(now)
        enqueue_due_periodic(now)

    def _heartbeat(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(REPORT_EVERY.total_seconds()):
                try:
                    self.report()
                except Exception:  # a locked or lost database: report next time
                    logger.exception("Worker %s could not report", self.worker_id)
        finally:
            connections.close_all()

    def run(self) -> None:
        if self.batch:
            # A batch run (tests, cron) ends when the queue is empty: no heartbeat needed.
            super().run()
            return
        self.report()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(stop,), daemon=True)
        beat.start()
        try:
            super().run()
        finally:
            stop.set()
            beat.join(timeout=REPORT_EVERY.total_seconds() + 5)
            Worker.objects.filter(worker_id=self.worker_id).delete()


def report_alive(worker_id: str, now: dt.datetime) -> None:
    """The worker's heartbeat: its row in the Worker table, whatever the backend."""
    host = socket.gethostname()[:200]
    Worker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": host, "pid": os.getpid(), "seen_at": now},
        create_defaults={"host": host, "pid": os.getpid(), "started_at": now, "seen_at": now},
    )


def drain(max_tasks: int | None = None) -> None:
    """Run every task that is due now, in this process, then return (tests, `--batch`)."""
    KrmWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="drain",
        excluded_queue_names=[],
    ).run()


def enqueue_due_periodic(now: dt.datetime) -> list[str]:
    """Enqueue each periodic job once per run (day or period) that is due; the keys enqueued.
    The run's key in PeriodicRun decides across workers: whoever creates it enqueues."""
    from .models import PeriodicRun

    done = []
    for job in periodic_jobs():
        key = job.run_key(now)
        if key is None:
            continue
        with transaction.atomic():
            _, created = PeriodicRun.objects.get_or_create(key=key)
            if created:
                job.enqueue()
                done.append(key)
    if done:
        prune_periodic_runs()
    return done


def prune_periodic_runs() -> int:
    """Forget the runs enqueued more than KEEP_PERIODIC_RUNS ago (their days and periods are
    past, their keys never come again); how many."""
    from .models import PeriodicRun

    old = PeriodicRun.objects.filter(enqueued_at__lt=timezone.now() - KEEP_PERIODIC_RUNS)
    deleted, _ = old.delete()
    return deleted
