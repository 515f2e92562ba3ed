"""krm's tasks on RQ (KRM_TASK_BACKEND=rq) against a real Redis: the same task code runs in
RQ's worker; a failed task is tried again after its pause, up to KRM_TASK_ATTEMPTS;
`context.attempt` counts; the task of a dead worker goes back to the queue — and a real
`krm worker` on RQ killed with SIGKILL mid-task loses nothing, its task done exactly once.

Each xdist worker has a Redis database of its own (10 + its number), emptied around each test.
Without Redis the tests are skipped, except under CI=true, where they fail."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task_backends
from django_tasks_rq import Job
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.job import JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from krm.worker import rq_engine
from krm.worker.models import PeriodicRun, Worker

from .tasks import count_attempts, fail_times, wait_for

pytestmark = pytest.mark.django_db


@dataclass
class OnRQ:
    url: str
    redis: Redis


def _redis_url() -> str:
    """KRM_REDIS_URL's server, the database of this xdist worker (10 + its number)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    db = 10 + int(worker.removeprefix("gw") or 0)
    return urlunsplit(urlsplit(django_settings.KRM_REDIS_URL)._replace(path=f"/{db}"))


@pytest.fixture
def on_rq(settings, monkeypatch) -> Iterator[OnRQ]:
    url = _redis_url()
    redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        redis.ping()
    except RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is not reachable (CI=true): {exc}")
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    redis.flushdb()
    settings.KRM_REDIS_URL = url
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 3600}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # The worker runs in the test's transaction (as krm/conftest.py does for the database's).
    monkeypatch.setattr(rq_engine, "close_old_connections", lambda: None)
    yield OnRQ(url, redis)
    redis.flushdb()
    redis.close()


def _result(result: TaskResult) -> TaskResult:
    return task_backends["default"].get_result(result.id)


def _due_now(on_rq: OnRQ, result: TaskResult) -> None:
    registry = ScheduledJobRegistry("default", connection=on_rq.redis)
    assert result.id in registry.get_job_ids()
    on_rq.redis.zadd(registry.key, {result.id: time.time() - 1})


def _rows(prefix: str) -> list[str]:
    return list(
        PeriodicRun.objects.filter(key__startswith=prefix)
        .order_by("key")
        .values_list("key", flat=True)
    )


def test_the_rq_backend_is_chosen_by_configuration_alone(on_rq):
    assert rq_engine.selected()
    assert [queue.name for queue in rq_engine.krm_queues()] == ["default"]


def test_the_database_backend_stays_the_default():
    assert django_settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert not rq_engine.selected()


def test_krm_task_backend_rq_selects_django_tasks_rq_with_its_app_and_queues():
    env = {**os.environ, "KRM_TASK_BACKEND": "rq", "KRM_REDIS_URL": "redis://redis.example:6380/3"}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from django_tasks import task_backends; "
        "print(s.TASKS['default']['BACKEND'], 'django_rq' in s.INSTALLED_APPS, "
        "s.RQ_QUEUES['default']['URL'], list(task_backends['default'].check()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "krm.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # django-tasks-rq's checks (django_rq installed, the queues in RQ_QUEUES) pass.
    assert out == ["django_tasks_rq.RQBackend", "True", "redis://redis.example:6380/3", "[]"]


def test_a_task_runs_in_rqs_worker(on_rq):
    result = fail_times.enqueue("rq-once", 0)
    assert _result(result).status == TaskResultStatus.READY
    assert _rows("rq-once:") == []
    rq_engine.drain()
    assert _rows("rq-once:") == ["rq-once:1"]
    row = _result(result)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.attempts == 1
    assert row.errors == []


def test_a_failed_task_is_tried_again_after_its_pause_and_context_attempt_counts(on_rq, settings):
    settings.KRM_TASK_ATTEMPTS = 3
    result = count_attempts.enqueue("rq-flaky", 2)
    rq_engine.drain()
    row = _result(result)
    # Failed once: scheduled again, not before its pause (30 s), its error kept.
    assert row.status == TaskResultStatus.READY
    assert row.task.run_after > timezone.now() + dt.timedelta(seconds=25)
    assert "attempt 1 fails on purpose" in row.errors[0].traceback
    rq_engine.drain()
    assert _rows("rq-flaky:") == ["rq-flaky:attempt:1"]  # not due yet: nothing ran
    _due_now(on_rq, result)
    rq_engine.drain()
    row = _result(result)
    assert row.status == TaskResultStatus.READY
    assert row.task.run_after > timezone.now() + dt.timedelta(seconds=110)  # 2 min the 2nd time
    _due_now(on_rq, result)
    rq_engine.drain()
    row = _result(result)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert _rows("rq-flaky:") == [f"rq-flaky:attempt:{n}" for n in (1, 2, 3)]
    assert row.attempts == 3
    assert len(row.errors) == 2


def test_a_task_that_keeps_failing_stops_after_its_attempts_with_its_errors(on_rq, settings):
    settings.KRM_TASK_ATTEMPTS = 2
    result = fail_times.enqueue("rq-broken", 99)
    rq_engine.drain()
    _due_now(on_rq, result)
    rq_engine.drain()
    row = _result(result)
    assert row.status == TaskResultStatus.FAILED
    assert row.attempts == 2
    assert [error.exception_class_path for error in row.errors] == ["builtins.RuntimeError"] * 2
    assert "attempt 2 fails on purpose" in row.errors[0].traceback  # the latest first
    assert result.id in FailedJobRegistry("default", connection=on_rq.redis).get_job_ids()
    rq_engine.drain()
    rq_engine.drain()
    assert _rows("rq-broken:") == ["rq-broken:1", "rq-broken:2"]
    assert _result(result).status == TaskResultStatus.FAILED


def _started_by(on_rq: OnRQ, name: str) -> SimpleWorker:
    """A worker `name` takes the next job and is then gone (what `kill -9` leaves in Redis)."""
    queue = rq_engine.krm_queues()[0]
    worker = SimpleWorker([queue], name=name, connection=on_rq.redis, job_class=Job)
    job, _ = worker.dequeue_job_and_maintain_ttl(None)
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    assert job.get_status() == JobStatus.STARTED
    return worker


def test_the_task_of_a_dead_worker_goes_back_to_the_queue_a_live_ones_stays(on_rq, settings):
    settings.KRM_WORKER_STALE_SECONDS = 60
    now = timezone.now()
    Worker.objects.create(worker_id="alive", host="h", pid=1, started_at=now, seen_at=now)
    Worker.objects.create(
        worker_id="dead",
        host="h",
        pid=2,
        started_at=now - dt.timedelta(hours=1),
        seen_at=now - dt.timedelta(seconds=61),
    )
    stranded = fail_times.enqueue("rq-stranded", 0)
    running = fail_times.enqueue("rq-running", 0)
    orphan = fail_times.enqueue("rq-orphan", 0)  # its worker never reported to krm, RQ forgot it
    _started_by(on_rq, "dead")
    _started_by(on_rq, "alive")
    gone = _started_by(on_rq, "gone")
    on_rq.redis.delete(gone.key)
    assert {_result(r).status for r in (stranded, running, orphan)} == {TaskResultStatus.RUNNING}

    queue = rq_engine.krm_queues()[0]
    assert rq_engine.recover_abandoned(queue, now) == 2
    assert _result(stranded).status == TaskResultStatus.FAILED  # as RQ fails abandoned jobs
    assert "AbandonedJobError" in _result(stranded).errors[0].traceback
    assert rq_engine.retry_failed(queue, now) == 2  # at once, no pause
    assert _result(stranded).status == TaskResultStatus.READY
    assert _result(orphan).status == TaskResultStatus.READY
    assert _result(running).status == TaskResultStatus.RUNNING
    assert StartedJobRegistry("default", connection=on_rq.redis).get_job_ids() == [running.id]

    rq_engine.drain()
    assert _rows("rq-stranded:") == ["rq-stranded:1"]
    row = _result(stranded)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.attempts == 2  # the abandoned attempt counts


# A real `krm worker` on RQ: its batch run, and one killed with SIGKILL mid-task.


def _env(on_rq: OnRQ) -> dict[str, str]:
    """A worker process's environment: this test's PostgreSQL database and Redis."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database two processes share (PostgreSQL)")
    db = connection.settings_dict
    return {
        **os.environ,
        "KRM_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "KRM_TASK_BACKEND": "rq",
        "KRM_REDIS_URL": on_rq.url,
        "KRM_WORKER_STALE_SECONDS": "3",
        "KRM_WORKER_REPORT_SECONDS": "1",
        "KRM_LOG_LEVEL": "WARNING",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_krm_worker_batch_on_rq_runs_what_is_due_then_ends(on_rq):
    done = fail_times.enqueue("rq-batch", 0)
    failing = fail_times.enqueue("rq-batch-fails", 5)
    subprocess.run(
        [sys.executable, "-m", "krm.manage", "worker", "--batch"],
        env=_env(on_rq),
        check=True,
        timeout=60,
        capture_output=True,
    )
    assert _result(done).status == TaskResultStatus.SUCCESSFUL
    assert _rows("rq-batch:") == ["rq-batch:1"]
    # Failed once: scheduled for its second attempt before the batch run ended.
    assert _result(failing).status == TaskResultStatus.READY
    assert _result(failing).task.run_after > timezone.now() + dt.timedelta(seconds=20)
    assert not Worker.objects.exists()


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "krm.manage", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killed whole, as a machine dies
    )


def _wait(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_rq_worker_killed_mid_task_loses_nothing_and_the_task_is_done_once(on_rq, tmp_path):
    """kill -9 while a task runs: the job stays "started" in Redis under a worker that no
    longer reports; the next worker fails it as abandoned, gives it back to the queue and
    runs it to the end: its effect once."""
    env = _env(on_rq)
    go = tmp_path / "go"
    result = wait_for.enqueue("rq-killed", str(go))
    first = _worker(env)
    try:
        assert _wait(lambda: len(_rows("rq-killed:started")) == 1)
        assert _result(result).status == TaskResultStatus.RUNNING
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert _result(result).status == TaskResultStatus.RUNNING  # nobody knows yet
    assert _rows("rq-killed:done") == []

    second = _worker(env)
    try:
        # The second worker finds the first dead, and starts the task again.
        assert _wait(lambda: len(_rows("rq-killed:started")) == 2, 40)
        go.touch()
        assert _wait(lambda: _result(result).status == TaskResultStatus.SUCCESSFUL, 40)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    row = _result(result)
    assert row.attempts == 2
    assert "AbandonedJobError" in row.errors[0].traceback
    assert _rows("rq-killed:done") == ["rq-killed:done"]
    # The second stopped cleanly (its row gone); the first one's stale row stays.
    assert Worker.objects.count() == 1
