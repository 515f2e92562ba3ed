"""Deadlines of a case (R-Q1, Q2, Q6, W5.1), counted in Berlin working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from krm.jobcenters.models import Jobcenter
from krm.lib.workdays import WorkdayCalendar

from .kinds import WRITTEN_CHANNELS, has_deadlines


class DeadlineState(models.TextChoices):
    FRISTGERECHT = "fristgerecht", "fristgerecht"
    BALD_FAELLIG = "bald_faellig", "bald fällig"
    UEBERFAELLIG = "ueberfaellig", "überfällig"


@dataclass(frozen=True)
class Deadlines:
    acknowledgement: dt.date | None  # Eingangsbestätigung (R-Q1)
    completion: dt.date | None  # Abschluss (R-Q2)


def compute(
    *,
    kind: str,
    channel: str,
    received_on: dt.date,
    calendar: WorkdayCalendar,
    acknowledgement_workdays: int,
    completion_workdays: int,
) -> Deadlines:
    """The deadlines of a reaction received on `received_on` (a Berlin date; not counted)."""
    if not has_deadlines(kind, channel):
        return Deadlines(None, None)
    return Deadlines(
        # Only a written reaction is acknowledged (R-Q1): one taken in a conversation is not.
        acknowledgement=calendar.add_workdays(received_on, acknowledgement_workdays)
        if channel in WRITTEN_CHANNELS
        else None,
        completion=calendar.add_workdays(received_on, completion_workdays),
    )


@dataclass(frozen=True)
class Clock:
    """Today and the next working day: what a deadline state is measured against."""

    today: dt.date
    next_workday: dt.date

    @classmethod
    def for_jobcenter(cls, jobcenter: Jobcenter | int, today: dt.date | None = None) -> Clock:
        jobcenter_id = jobcenter if isinstance(jobcenter, int) else jobcenter.pk
        from krm.jobcenters.models import ClosureDay

        today = today or timezone.localdate()
        calendar = WorkdayCalendar(
            ClosureDay.objects.filter(jobcenter_id=jobcenter_id, date__gte=today).values_list(
                "date", flat=True
            )
        )
        return cls(today=today, next_workday=calendar.next_workday(today))

    def state(self, next_due: dt.date | None) -> str | None:
        """Overdue after the due day; due soon on it and the working day before."""
        if next_due is None:
            return None
        if next_due < self.today:
            return DeadlineState.UEBERFAELLIG
        if next_due <= self.next_workday:
            return DeadlineState.BALD_FAELLIG
        return DeadlineState.FRISTGERECHT

    def filter(self, state: str) -> Q:
        """The same rule as `state`, as a filter over the indexed `next_due` column."""
        if state == DeadlineState.UEBERFAELLIG:
            return Q(next_due__lt=self.today)
        if state == DeadlineState.BALD_FAELLIG:
            return Q(next_due__gte=self.today, next_due__lte=self.next_workday)
        if state == DeadlineState.FRISTGERECHT:
            return Q(next_due__gt=self.next_workday)
        raise ValueError(state)
