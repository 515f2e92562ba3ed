"""The worker: retries, recovery of a dead worker's task, daily jobs — and a real `krm worker`
killed with SIGKILL mid-task, whose task another worker then finishes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from krm.worker import runner
from krm.worker.models import PeriodicRun, Worker

from .tasks import fail_times, slow


def _result(result) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=result.id)


def _due_now(result) -> None:
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now())


@pytest.mark.django_db
def test_a_failed_task_is_tried_again_later_and_then_succeeds(settings):
    settings.KRM_TASK_ATTEMPTS = 3
    result = fail_times.enqueue("flaky", 2)
    runner.drain()
    row = _result(result)
    # Failed once: back in the queue, not before its pause, with its error kept.
    assert row.status == "READY"
    assert row.run_after > timezone.now() + dt.timedelta(seconds=25)
    assert "attempt 1 fails on purpose" in row.traceback
    runner.drain()
    assert _result(result).status == "READY"  # not due yet: nothing ran
    assert PeriodicRun.objects.filter(key__startswith="flaky:").count() == 1
    _due_now(result)
    runner.drain()
    _due_now(result)
    runner.drain()
    row = _result(result)
    assert row.status == "SUCCESSFUL"
    assert PeriodicRun.objects.filter(key__startswith="flaky:").count() == 3


@pytest.mark.django_db
def test_a_task_that_keeps_failing_stops_after_its_attempts_with_its_error_visible(settings):
    settings.KRM_TASK_ATTEMPTS = 2
    result = fail_times.enqueue("broken", 99)
    runner.drain()
    _due_now(result)
    runner.drain()
    row = _result(result)
    assert row.status == "FAILED"
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "attempt 2 fails on purpose" in row.traceback
    assert len(row.worker_ids) == 2


def test_backoff_grows_and_is_capped():
    assert [runner.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 9)] == [
        30,
        120,
        480,
        1920,
        7200,
        7200,
    ]


@pytest.mark.django_db
def test_the_task_of_a_dead_worker_goes_back_to_the_queue_a_live_ones_stays(settings):
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
    stranded = slow.enqueue("a", 0)
    running = slow.enqueue("b", 0)
    orphan = slow.enqueue("c", 0)  # its worker never reported at all
    for result, worker_id in ((stranded, "dead"), (running, "alive"), (orphan, "gone")):
        DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=[worker_id])
    assert runner.recover_stale(now) == 2
    assert _result(stranded).status == "READY"
    assert _result(orphan).status == "READY"
    assert _result(running).status == "RUNNING"


@pytest.mark.django_db
def test_a_daily_job_is_enqueued_once_a_day_after_its_time(monkeypatch):
    calls = []
    job = runner.Periodic("test-job", lambda: calls.append(1), dt.time(2, 0))
    monkeypatch.setattr(runner, "_PERIODIC", [job])
    berlin = timezone.get_current_timezone()
    early = dt.datetime(2026, 12, 1, 1, 30, tzinfo=berlin)
    assert runner.enqueue_due_periodic(early) == []
    later = dt.datetime(2026, 12, 1, 2, 30, tzinfo=berlin)
    assert runner.enqueue_due_periodic(later) == ["test-job:2026-12-01"]
    assert runner.enqueue_due_periodic(later + dt.timedelta(hours=5)) == []  # a second worker
    assert runner.enqueue_due_periodic(later + dt.timedelta(days=1)) == ["test-job:2026-12-02"]
    assert calls == [1, 1]


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "krm.manage", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
def test_a_worker_killed_mid_task_loses_nothing():
    """kill -9 while a task runs: the task stays RUNNING under a worker that no longer
    reports; the next worker gives it back to the queue and runs it to the end."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database two processes share (PostgreSQL)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "KRM_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "KRM_WORKER_STALE_SECONDS": "3",
        "KRM_WORKER_REPORT_SECONDS": "1",
        "KRM_LOG_LEVEL": "WARNING",
    }
    result = slow.enqueue("killed", 4)
    first = _worker(env)
    try:
        assert _wait(lambda: _result(result).status == "RUNNING")
        assert _wait(lambda: PeriodicRun.objects.filter(key__startswith="killed:started").exists())
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert _result(result).status == "RUNNING"
    assert not PeriodicRun.objects.filter(key="killed:done").exists()

    second = _worker(env)
    try:
        assert _wait(lambda: _result(result).status == "SUCCESSFUL", 40)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    row = _result(result)
    assert len(row.worker_ids) == 2 and row.worker_ids[0] != row.worker_ids[1]
    assert PeriodicRun.objects.filter(key="killed:done").count() == 1
    assert PeriodicRun.objects.filter(key__startswith="killed:started").count() == 2


@pytest.mark.django_db
def test_administrators_see_a_failed_task_with_its_error(org, client, settings):
    settings.KRM_TASK_ATTEMPTS = 1
    result = fail_times.enqueue("admin-sees", 5)
    runner.drain()
    client.force_login(org["admin"])
    listing = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert listing.status_code == 200
    assert "fail_times" in listing.content.decode()
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{result.id}/change/")
    assert detail.status_code == 200
    assert "attempt 1 fails on purpose" in detail.content.decode()
    client.force_login(org["krmb"])  # no administrator: no admin at all
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 302
