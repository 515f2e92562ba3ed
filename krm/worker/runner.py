"""`krm worker`: django-tasks-db's worker with what krm needs besides.

- Retries: a failed task is tried again, up to KRM_TASK_ATTEMPTS times in all, after a
  growing pause (30 s, 2 min, 8 min …); its last error stays visible to administrators
  (admin: Hintergrundaufgaben). Tasks must therefore be idempotent (krm's are).
- Recovery: a task left RUNNING by a worker that died (`kill -9`, power cut) goes back to
  the queue once that worker has not reported for KRM_WORKER_STALE_SECONDS.
- Periodic jobs: `PERIODIC` names tasks enqueued once a day; the day's run is keyed, so
  that two workers do not both enqueue it.
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


@dataclass(frozen=True)
class Periodic:
    key: str  # the day's run is "<key>:<date>"
    enqueue: Callable[[], object]
    at: dt.time  # local time after which the day's run is due


def periodic_jobs() -> list[Periodic]:
    """The daily jobs (filled by the apps that have some; see `register_periodic`)."""
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
        Worker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"host": socket.gethostname()[:200], "pid": os.getpid(), "seen_at": now},
            create_defaults={
                "host": socket.gethostname()[:200],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
            },
        )
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
    """Enqueue each daily job once per day, after its time; the keys enqueued."""
    from .models import PeriodicRun

    local = timezone.localtime(now)
    done = []
    for job in periodic_jobs():
        if local.time() < job.at:
            continue
        key = f"{job.key}:{local.date().isoformat()}"
        with transaction.atomic():
            _, created = PeriodicRun.objects.get_or_create(key=key)
            if created:
                job.enqueue()
                done.append(key)
    return done
