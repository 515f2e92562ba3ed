"""The workers that run krm's background tasks, as they last reported.

A worker reports while it lives (`seen_at`); one that stopped reporting for
KRM_WORKER_STALE_SECONDS counts as dead, and the task it was running is given back to the
queue (`krm worker` does that on every start and while it runs): a worker killed mid-task
loses nothing."""

from __future__ import annotations

from django.db import models


class Worker(models.Model):
    worker_id = models.CharField("Kennung", max_length=64, primary_key=True)
    host = models.CharField("Rechner", max_length=200)
    pid = models.PositiveIntegerField("Prozess")
    started_at = models.DateTimeField("gestartet")
    seen_at = models.DateTimeField("zuletzt gemeldet")

    class Meta:
        verbose_name = "Worker"
        verbose_name_plural = "Worker"
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class PeriodicRun(models.Model):
    """A periodic job's run, keyed "<job>:<date>" (daily) or "<job>:<period's start>" (every
    few minutes): enqueued once, by whichever worker first. Kept for two days."""

    key = models.CharField(max_length=100, primary_key=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "geplanter Lauf"
        verbose_name_plural = "geplante Läufe"

    def __str__(self) -> str:
        return self.key
