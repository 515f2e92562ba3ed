"""Berlin working days (R-Q6): Monday to Friday, except Berlin public holidays and the
Jobcenter's own closure days. Pure functions, no Django models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BERLIN = ZoneInfo("Europe/Berlin")


@lru_cache(maxsize=1)
def _berlin_holidays() -> holidays.HolidayBase:
    # expand=True (the default) adds years on demand; includes 8 March and one-off days.
    return holidays.country_holidays("DE", subdiv="BE", language="de")


def public_holiday_name(day: dt.date) -> str | None:
    return _berlin_holidays().get(day)


class WorkdayCalendar:
    """Which days count as working days for one Jobcenter."""

    def __init__(self, closure_days: Iterable[dt.date] = ()) -> None:
        self.closure_days = frozenset(closure_days)

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in _berlin_holidays() and day not in self.closure_days

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `start`; `start` itself is never counted, so
        after a receipt on a weekend or holiday the first working day is day 1."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self.add_workdays(day, 1)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


def berlin_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Berlin of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime; interpret it with as_berlin() first")
    return moment.astimezone(BERLIN).date()


def as_berlin(moment: dt.datetime) -> dt.datetime:
    """A datetime without an offset is Berlin time; one with an offset keeps it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BERLIN)
    return moment
