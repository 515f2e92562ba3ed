"""Periodic jobs beyond "daily": every few minutes, once per period across all workers, keyed
by the period's start; the table of runs does not grow forever."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from krm.worker import runner
from krm.worker.models import PeriodicRun

UTC = dt.UTC


def _only(monkeypatch: pytest.MonkeyPatch, *jobs: runner.Periodic) -> None:
    monkeypatch.setattr(runner, "_PERIODIC", list(jobs))


@pytest.mark.django_db
def test_a_job_every_five_minutes_is_enqueued_once_per_period_however_many_workers(monkeypatch):
    calls = []
    _only(
        monkeypatch, runner.Periodic("poll", lambda: calls.append(1), every=dt.timedelta(minutes=5))
    )
    start = dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert runner.enqueue_due_periodic(start + dt.timedelta(seconds=2)) == [
        "poll:2026-12-01T09:30:00+00:00"
    ]
    # Another worker in the same period, and the first again at its end: nothing.
    assert runner.enqueue_due_periodic(start + dt.timedelta(seconds=3)) == []
    assert runner.enqueue_due_periodic(start + dt.timedelta(minutes=4, seconds=59)) == []
    # The next period: once again, by whichever worker comes first.
    assert runner.enqueue_due_periodic(start + dt.timedelta(minutes=5)) == [
        "poll:2026-12-01T09:35:00+00:00"
    ]
    assert runner.enqueue_due_periodic(start + dt.timedelta(minutes=6)) == []
    assert calls == [1, 1]
    assert PeriodicRun.objects.filter(key__startswith="poll:").count() == 2


@pytest.mark.django_db
def test_a_missed_period_is_not_made_up_the_next_one_runs_once(monkeypatch):
    calls = []
    _only(
        monkeypatch,
        runner.Periodic("flush", lambda: calls.append(1), every=dt.timedelta(minutes=1)),
    )
    start = dt.datetime(2026, 12, 1, 9, 30, 40, tzinfo=UTC)
    assert runner.enqueue_due_periodic(start) == ["flush:2026-12-01T09:30:00+00:00"]
    # No worker for ten minutes (all stopped): one run when one is back, not ten.
    later = start + dt.timedelta(minutes=10)
    assert runner.enqueue_due_periodic(later) == ["flush:2026-12-01T09:40:00+00:00"]
    assert calls == [1, 1]


def test_the_period_is_counted_in_utc_from_1970_the_same_on_every_worker():
    job = runner.Periodic("j", lambda: None, every=dt.timedelta(minutes=7))
    berlin = timezone.get_current_timezone()
    moment = dt.datetime(2026, 12, 1, 10, 3, 30, tzinfo=berlin)  # 09:03:30 UTC
    # 7-minute periods since the epoch: 4,276,466 * 7 min = 2026-12-01 09:02:00 UTC.
    assert job.run_key(moment) == "j:2026-12-01T09:02:00+00:00"
    assert job.run_key(moment.astimezone(UTC)) == job.run_key(moment)
    # The hour that comes twice when the clocks go back is two periods, not one.
    hourly = runner.Periodic("h", lambda: None, every=dt.timedelta(hours=1))
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time
    second = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 winter time
    assert timezone.localtime(first).time() == timezone.localtime(second).time()
    assert hourly.run_key(first) != hourly.run_key(second)


def test_a_daily_job_keeps_its_key_and_its_time():
    job = runner.Periodic("retention", lambda: None, dt.time(2, 0))  # as the apps register it
    berlin = timezone.get_current_timezone()
    assert job.run_key(dt.datetime(2026, 12, 1, 1, 59, tzinfo=berlin)) is None
    assert job.run_key(dt.datetime(2026, 12, 1, 2, 0, tzinfo=berlin)) == "retention:2026-12-01"


def test_a_periodic_job_has_either_a_time_or_a_period():
    with pytest.raises(ValueError, match="either"):
        runner.Periodic("none", lambda: None)
    with pytest.raises(ValueError, match="either"):
        runner.Periodic("both", lambda: None, dt.time(2, 0), every=dt.timedelta(minutes=1))
    with pytest.raises(ValueError, match="second"):
        runner.Periodic("zero", lambda: None, every=dt.timedelta(0))


@pytest.mark.django_db
def test_runs_older_than_two_days_are_forgotten_when_a_job_is_enqueued(monkeypatch):
    _only(monkeypatch, runner.Periodic("tick", lambda: None, every=dt.timedelta(minutes=1)))
    now = timezone.now()
    for key, age in (("old:1", dt.timedelta(days=3)), ("recent:1", dt.timedelta(days=1))):
        PeriodicRun.objects.create(key=key)
        PeriodicRun.objects.filter(key=key).update(enqueued_at=now - age)
    assert len(runner.enqueue_due_periodic(now)) == 1
    assert not PeriodicRun.objects.filter(key="old:1").exists()
    assert PeriodicRun.objects.filter(key="recent:1").exists()
    # Nothing enqueued: nothing deleted (the table is pruned no more often than jobs run).
    PeriodicRun.objects.create(key="old:2")
    PeriodicRun.objects.filter(key="old:2").update(enqueued_at=now - dt.timedelta(days=3))
    assert runner.enqueue_due_periodic(now) == []
    assert PeriodicRun.objects.filter(key="old:2").exists()
