"""`krm worker` on RQ (KRM_TASK_BACKEND=rq: django-tasks-rq, Redis at KRM_REDIS_URL): the same
tasks, run by RQ's worker, with what krm adds on the database backend (runner.py):

- Retries: django-tasks-rq enqueues without RQ's `Retry` and has no way to set one, and a job
  retried by RQ's `Retry` keeps no result of its failed attempts (`context.attempt` would stay
  1, the errors would be lost). So krm retries itself: a failed job (RQ's FailedJobRegistry,
  one result per attempt, each with its error) with attempts left (KRM_TASK_ATTEMPTS) is
  scheduled again after `backoff(attempts)`; `context.attempt` counts its results.
- Recovery: the job of a worker that has not reported for KRM_WORKER_STALE_SECONDS (killed,
  crashed, its machine gone) is marked expired in RQ's StartedJobRegistry, whose own cleanup
  then fails it as abandoned (AbandonedJobError); an abandoned job goes back to the queue at
  once (the attempt counts). RQ's own maintenance also fails jobs past their timeout (an
  hour) and jobs stuck between its queue and its started-job registry; those are retried
  after their pause.
- Scheduling: due jobs of RQ's ScheduledJobRegistry (retries, tasks with `run_after`) are moved
  to their queue by RQ's scheduler, under its lock.
- The heartbeat (the Worker row) and the periodic jobs are runner.py's: the PeriodicRun table
  makes each day's or period's run happen once across all workers.

The worker runs each task in the worker's own process (RQ's SimpleWorker, no forked work
horse, as the database worker does): a worker killed mid-task takes its task with it, and its
silence tells. A heartbeat thread
reports every KRM_WORKER_REPORT_SECONDS and does the above, one worker at a time (a lock in
Redis). Run RQ's workers for krm only as `krm worker`: the job of a worker krm does not know
counts as abandoned only when RQ itself no longer knows the worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import django_rq
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_rq import Job, RQBackend
from redis import Redis
from redis.exceptions import LockError
from rq import SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import JobStatus
from rq.queue import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from . import runner
from .models import Worker

logger = logging.getLogger("krm.worker")
LOCK = "krm:worker:maintenance"
RESULT_TTL = 24 * 3600  # a finished task's result is kept a day (RQ's default: 500 s)
GAVE_UP = "krm_gave_up"  # job.meta: failed for good, no more retries
ABANDONED = "AbandonedJobError"  # in the result of a job RQ's cleanup failed as abandoned


def selected(backend_name: str = "default") -> bool:
    """Whether the tasks framework's backend is RQ (then `krm worker` runs RQ's worker)."""
    return isinstance(task_backends[backend_name], RQBackend)


def krm_queues(backend_name: str = "default") -> list[Queue]:
    """The backend's RQ queues (RQ_QUEUES), with django-tasks-rq's job class."""
    names = sorted(task_backends[backend_name].queues)
    return [django_rq.get_queue(name, job_class=Job) for name in names]


class KrmRQWorker(SimpleWorker):
    """RQ's worker running each task in its own process (no fork), with the database
    connections checked around each task (as django-tasks-db's worker does)."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        close_old_connections()
        try:
            super().execute_job(job, queue)
        finally:
            close_old_connections()


def dead_workers(names: set[str], connection: Redis, now: dt.datetime) -> set[str]:
    """Of these RQ worker names, those that are dead: krm's that have not reported for
    KRM_WORKER_STALE_SECONDS; any other that RQ no longer knows (its key expired)."""
    seen = dict(Worker.objects.filter(worker_id__in=names).values_list("worker_id", "seen_at"))
    stale = now - dt.timedelta(seconds=settings.KRM_WORKER_STALE_SECONDS)
    dead = set()
    for name in names:
        if name in seen:
            if seen[name] < stale:
                dead.add(name)
        elif not name or not connection.exists(SimpleWorker.redis_worker_namespace_prefix + name):
            dead.add(name)
    return dead


def recover_abandoned(queue: Queue, now: dt.datetime) -> int:
    """Fail the running jobs of dead workers as abandoned (RQ's own cleanup, which also runs
    the jobs' failure callbacks); how many krm found."""
    connection = queue.connection
    # The cleanup runs failure callbacks under a time limit; signals work in the main thread only.
    registry = StartedJobRegistry(
        queue=queue, job_class=queue.job_class, death_penalty_class=TimerDeathPenalty
    )
    running: dict[str, str] = {}  # the registry's entry (job:execution) -> its worker
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        try:
            execution = Execution.fetch(execution_id, job_id, connection)
        except ValueError:  # its record expired: RQ's cleanup below takes it
            continue
        running[execution.composite_key] = execution.worker_name
    dead = dead_workers(set(running.values()), connection, now)
    abandoned = [entry for entry, worker in running.items() if worker in dead]
    for entry in abandoned:
        connection.zadd(registry.key, {entry: 0}, xx=True)  # expired now
        logger.warning("Job %s of a dead worker (%s) given back", entry, running[entry])
    registry.cleanup()
    return len(abandoned)


def retry_failed(queue: Queue, now: dt.datetime) -> int:
    """Give the failed jobs with attempts left back to their queue: after their pause
    (`backoff`), an abandoned one at once; how many."""
    registry = FailedJobRegistry(queue=queue, job_class=queue.job_class)
    retried = 0
    for job_id in registry.get_job_ids(cleanup=False):
        try:
            job = queue.job_class.fetch(
                job_id, connection=queue.connection, serializer=queue.serializer
            )
        except NoSuchJobError:
            continue
        # A stopped or canceled job was ended on purpose: it stays so.
        if job.meta.get(GAVE_UP) or job.get_status() != JobStatus.FAILED:
            continue
        results = job.results()  # one per attempt, the latest first
        attempts = len(results)
        if attempts >= settings.KRM_TASK_ATTEMPTS:
            job.meta[GAVE_UP] = True
            job.save_meta()
            logger.error("Task %s failed for good after %d attempts", job.id, attempts)
            continue
        last = results[0] if results else None
        if last is None or ABANDONED in (last.exc_string or ""):
            due = now
        else:
            due = last.created_at + runner.backoff(attempts)
        job.ended_at = None
        # One transaction (MULTI): out of the registry, into the queue or the schedule; as RQ's
        # own retries and its scheduler enqueue (`_enqueue_job`: no dependencies to set up).
        with queue.connection.pipeline() as pipeline:
            registry.remove(job, pipeline=pipeline)
            if due <= now:
                queue._enqueue_job(job, pipeline=pipeline)
            else:
                queue.schedule_job(job, due, pipeline=pipeline)
            pipeline.execute()
        retried += 1
        logger.warning("Task %s failed (attempt %d); tried again at %s", job.id, attempts, due)
    return retried


class RQEngine:
    """A krm worker on RQ: RQ's worker for the backend's queues, and a heartbeat thread."""

    def __init__(self, worker_id: str, backend_name: str = "default") -> None:
        self.worker_id = worker_id
        self.queues = krm_queues(backend_name)
        self.connection = self.queues[0].connection
        # RQ's scheduler, run from the heartbeat (not in a process of its own), quietly: it
        # takes and gives back its lock at every beat.
        self.scheduler = RQScheduler(
            self.queues,
            connection=self.connection,
            serializer=self.queues[0].serializer,
            logging_level=logging.WARNING,
        )
        self.worker = KrmRQWorker(
            self.queues,
            name=worker_id,
            connection=self.connection,
            job_class=Job,
            queue_class=type(self.queues[0]),
            default_result_ttl=RESULT_TTL,
        )

    def maintain(self, now: dt.datetime | None = None) -> None:
        """Recovery, retries and the due scheduled jobs, by one worker at a time."""
        lock = self.connection.lock(LOCK, timeout=60, blocking=False)
        if not lock.acquire():
            return
        try:
            now = now or timezone.now()
            for queue in self.queues:
                recover_abandoned(queue, now)
                retry_failed(queue, now)
            if self.scheduler.acquire_locks():
                try:
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
        finally:
            with suppress(LockError):  # expired meanwhile
                lock.release()

    def report(self) -> None:
        now = timezone.now()
        runner.report_alive(self.worker_id, now)
        self.maintain(now)
        runner.enqueue_due_periodic(now)

    def _heartbeat(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(runner.REPORT_EVERY.total_seconds()):
                try:
                    self.report()
                except Exception:  # a locked or lost database, Redis away: next time
                    logger.exception("Worker %s could not report", self.worker_id)
        finally:
            connections.close_all()

    def run(self, *, burst: bool = False, max_jobs: int | None = None, level: str = "INFO") -> None:
        """Work until stopped (SIGTERM, SIGINT: after the running task), or with `burst` until
        the queues are empty."""
        self.report()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(stop,), daemon=True)
        beat.start()
        try:
            close_old_connections()
            self.worker.work(burst=burst, max_jobs=max_jobs, logging_level=level)
            if burst:
                self.maintain()  # this run's failures: scheduled for their retry
        finally:
            stop.set()
            beat.join(timeout=runner.REPORT_EVERY.total_seconds() + 5)
            Worker.objects.filter(worker_id=self.worker_id).delete()


@contextmanager
def _signals_kept() -> Iterator[None]:
    """RQ's worker installs its own SIGINT/SIGTERM handlers; put back the caller's."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


def drain(max_jobs: int | None = None, backend_name: str = "default") -> None:
    """Run every job that is due now, in this process, then return (tests): the due
    retries and scheduled jobs first, after it the failures' retries scheduled."""
    engine = RQEngine(f"drain-{get_random_string(12)}", backend_name)
    engine.maintain()
    with _signals_kept():
        engine.worker.work(burst=True, max_jobs=max_jobs, logging_level="WARNING")
    engine.maintain()
