"""Berlin working days and the deadlines counted in them (R-Q1, R-Q2, R-Q6).

RECEIPTS is the hand-computed table of the issue: every expected date was counted on a
calendar (day of receipt not counted; weekends, Berlin public holidays and the closure days
of the row skipped). krm/cases/tests/test_deadlines.py runs the same table through
`register_case`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest

from krm.lib.workdays import (
    BERLIN,
    WorkdayCalendar,
    as_berlin,
    berlin_date,
    public_holiday_name,
)

UTC = dt.UTC
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
D = dt.date.fromisoformat


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


class Receipt(NamedTuple):
    received_at: dt.datetime  # naive = Berlin wall-clock time
    acknowledgement_due: dt.date  # 3rd working day after the day of receipt
    completion_due: dt.date  # 10th working day after the day of receipt
    closure_days: tuple[dt.date, ...] = ()


CLOSED_XMAS_2025 = (D("2025-12-24"), D("2025-12-31"))
CLOSED_XMAS_2026 = (D("2026-12-24"), D("2026-12-31"))

# id → receipt; comments name the days skipped.
RECEIPTS: dict[str, Receipt] = {
    # The examples. Thu 8 May 2025 (one-off holiday) skipped.
    "wed-2025-05-07-before-8-may-2025": Receipt(
        berlin(2025, 5, 7, 10, 0), D("2025-05-13"), D("2025-05-22")
    ),
    # Good Friday 3 Apr, Easter Monday 6 Apr 2026 skipped.
    "thu-2026-04-02-before-easter": Receipt(
        berlin(2026, 4, 2, 10, 0), D("2026-04-09"), D("2026-04-20")
    ),
    "plain-monday": Receipt(berlin(2026, 11, 2, 10, 0), D("2026-11-05"), D("2026-11-16")),
    # Buß- und Bettag (Wed 18 Nov 2026) is a Saxon holiday, not a Berlin one.
    "friday": Receipt(berlin(2026, 11, 6, 9, 0), D("2026-11-11"), D("2026-11-20")),
    "saturday-counts-like-friday": Receipt(
        berlin(2026, 11, 7, 11, 0), D("2026-11-11"), D("2026-11-20")
    ),
    "sunday-counts-like-friday": Receipt(
        berlin(2026, 11, 8, 18, 0), D("2026-11-11"), D("2026-11-20")
    ),
    # Good Friday 18 Apr, Easter Monday 21 Apr, 1 May 2025 skipped.
    "maundy-thursday-2025": Receipt(berlin(2025, 4, 17, 12, 0), D("2025-04-24"), D("2025-05-06")),
    "receipt-on-easter-monday-2025": Receipt(
        berlin(2025, 4, 21, 12, 0), D("2025-04-24"), D("2025-05-06")
    ),
    # 1 May and 8 May 2025 skipped.
    "eve-of-1-may-2025": Receipt(berlin(2025, 4, 30, 16, 0), D("2025-05-06"), D("2025-05-16")),
    "receipt-on-8-may-2025": Receipt(berlin(2025, 5, 8, 9, 0), D("2025-05-13"), D("2025-05-22")),
    # 1 May 2026 (Fri) and Ascension (Thu 14 May) skipped; 8 May 2026 is a working day.
    "eve-of-1-may-2026-ascension": Receipt(
        berlin(2026, 4, 30, 10, 0), D("2026-05-06"), D("2026-05-18")
    ),
    # Ascension (Thu 29 May) and Pentecost Monday (9 Jun 2025) skipped.
    "ascension-and-pentecost-2025": Receipt(
        berlin(2025, 5, 27, 10, 0), D("2025-06-02"), D("2025-06-12")
    ),
    # Pentecost Monday 25 May 2026 skipped.
    "before-pentecost-2026": Receipt(berlin(2026, 5, 22, 10, 0), D("2026-05-28"), D("2026-06-08")),
    # Frauentag on a weekday: Mon 8 Mar 2027, Wed 8 Mar 2028 skipped.
    "frauentag-2027-monday": Receipt(berlin(2027, 3, 5, 10, 0), D("2027-03-11"), D("2027-03-22")),
    "frauentag-2028-wednesday": Receipt(
        berlin(2028, 3, 7, 10, 0), D("2028-03-13"), D("2028-03-22")
    ),
    # 8 Mar 2025 is a Saturday: nothing extra skipped.
    "frauentag-2025-saturday": Receipt(berlin(2025, 3, 7, 10, 0), D("2025-03-12"), D("2025-03-21")),
    # Fri 3 Oct 2025 skipped.
    "day-of-german-unity-2025": Receipt(
        berlin(2025, 10, 2, 10, 0), D("2025-10-08"), D("2025-10-17")
    ),
    # Reformation Day (Fri 31 Oct 2025) and Buß- und Bettag (Wed 19 Nov 2025) are working
    # days in Berlin.
    "reformation-day-is-no-berlin-holiday": Receipt(
        berlin(2025, 10, 30, 10, 0), D("2025-11-04"), D("2025-11-13")
    ),
    "buss-und-bettag-is-no-berlin-holiday": Receipt(
        berlin(2025, 11, 17, 10, 0), D("2025-11-20"), D("2025-12-01")
    ),
    # 25/26 Dec 2025 and 1 Jan 2026 skipped; 24 and 31 Dec are working days by default.
    "christmas-2025-no-closure-days": Receipt(
        berlin(2025, 12, 23, 10, 0), D("2025-12-30"), D("2026-01-09")
    ),
    # … unless the Jobcenter closes on them.
    "christmas-2025-closed-24-and-31-dec": Receipt(
        berlin(2025, 12, 23, 10, 0), D("2026-01-02"), D("2026-01-13"), CLOSED_XMAS_2025
    ),
    "receipt-on-closure-day-24-dec-2025": Receipt(
        berlin(2025, 12, 24, 10, 0), D("2026-01-02"), D("2026-01-13"), CLOSED_XMAS_2025
    ),
    # 25 Dec 2026 (Fri) and 1 Jan 2027 (Fri) skipped.
    "christmas-2026-no-closure-days": Receipt(
        berlin(2026, 12, 23, 10, 0), D("2026-12-29"), D("2027-01-08")
    ),
    "christmas-2026-closed-24-and-31-dec": Receipt(
        berlin(2026, 12, 23, 10, 0), D("2026-12-30"), D("2027-01-12"), CLOSED_XMAS_2026
    ),
    # 23:30 UTC on New Year's Eve is 00:30 on New Year's Day (a holiday) in Berlin.
    "utc-new-years-eve-is-new-years-day-in-berlin": Receipt(
        utc(2025, 12, 31, 23, 30), D("2026-01-06"), D("2026-01-15")
    ),
    # Mon 23:30 UTC is Tue 00:30 CET: received on Tuesday 6 Jan 2026.
    "utc-late-night-is-next-day-in-berlin-winter": Receipt(
        utc(2026, 1, 5, 23, 30), D("2026-01-09"), D("2026-01-20")
    ),
    # A naive datetime is Berlin time: received on Monday 5 Jan (UTC would make it Tuesday).
    "naive-late-night-is-berlin-time": Receipt(
        dt.datetime(2026, 1, 5, 23, 30),  # noqa: DTZ001
        D("2026-01-08"),
        D("2026-01-19"),
    ),
    # Tue 00:30 at +02:00 is Mon 23:30 CET: received on Monday.
    "offset-plus-two-after-midnight-is-previous-day-in-berlin": Receipt(
        dt.datetime(2026, 1, 6, 0, 30, tzinfo=PLUS_TWO), D("2026-01-08"), D("2026-01-19")
    ),
    # Summer (CEST, +2): 22:30 UTC is already Thursday, 21:59 UTC still Wednesday.
    "utc-late-night-is-next-day-in-berlin-summer": Receipt(
        utc(2026, 7, 1, 22, 30), D("2026-07-07"), D("2026-07-16")
    ),
    "utc-evening-is-same-day-in-berlin-summer": Receipt(
        utc(2026, 7, 1, 21, 59), D("2026-07-06"), D("2026-07-15")
    ),
    # Clocks go forward on Sun 29 Mar 2026: that evening Berlin is UTC+2. Easter follows.
    "dst-start-2026-22-30-utc-is-monday": Receipt(
        utc(2026, 3, 29, 22, 30), D("2026-04-02"), D("2026-04-15")
    ),
    "dst-start-2026-21-30-utc-is-still-sunday": Receipt(
        utc(2026, 3, 29, 21, 30), D("2026-04-01"), D("2026-04-14")
    ),
    # Clocks go back on Sun 25 Oct 2026: that evening Berlin is UTC+1 again.
    "dst-end-2026-22-30-utc-is-still-sunday": Receipt(
        utc(2026, 10, 25, 22, 30), D("2026-10-28"), D("2026-11-06")
    ),
    "dst-end-2026-23-30-utc-is-monday": Receipt(
        utc(2026, 10, 25, 23, 30), D("2026-10-29"), D("2026-11-09")
    ),
}


@pytest.mark.parametrize("receipt", RECEIPTS.values(), ids=RECEIPTS.keys())
def test_deadlines_count_berlin_working_days_after_the_day_of_receipt(receipt: Receipt) -> None:
    calendar = WorkdayCalendar(receipt.closure_days)
    received_on = berlin_date(as_berlin(receipt.received_at))

    assert calendar.add_workdays(received_on, 3) == receipt.acknowledgement_due
    assert calendar.add_workdays(received_on, 10) == receipt.completion_due


def test_receipt_table_has_at_least_twenty_cases() -> None:
    assert len(RECEIPTS) >= 20


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        ("2026-11-25", True),  # an ordinary Wednesday
        ("2026-11-28", False),  # Saturday
        ("2026-11-29", False),  # Sunday
        ("2027-03-08", False),  # Frauentag (R-Q6), a Monday
        ("2028-03-08", False),  # Frauentag, a Wednesday
        ("2025-05-08", False),  # one-off: 80th anniversary of the end of the war
        ("2026-05-08", True),  # … not repeated in 2026
        ("2026-04-03", False),  # Good Friday
        ("2026-04-06", False),  # Easter Monday
        ("2026-05-14", False),  # Ascension
        ("2026-05-25", False),  # Pentecost Monday
        ("2026-05-01", False),  # Labour Day
        ("2025-10-03", False),  # Day of German Unity
        ("2025-12-25", False),
        ("2025-12-26", False),
        ("2026-01-01", False),
        ("2025-12-24", True),  # Christmas Eve: a working day unless a closure day
        ("2025-12-31", True),
        ("2026-01-06", True),  # Epiphany: not in Berlin
        ("2026-06-04", True),  # Corpus Christi: not in Berlin
        ("2025-10-31", True),  # Reformation Day: not in Berlin
        ("2025-11-19", True),  # Buß- und Bettag: not in Berlin
    ],
)
def test_is_workday_follows_the_berlin_calendar(day: str, is_workday: bool) -> None:
    assert WorkdayCalendar().is_workday(D(day)) is is_workday


def test_closure_days_are_not_workdays() -> None:
    calendar = WorkdayCalendar([D("2025-12-24"), D("2025-12-31")])

    assert not calendar.is_workday(D("2025-12-24"))
    assert not calendar.is_workday(D("2025-12-31"))
    assert calendar.is_workday(D("2025-12-29"))


def test_closure_days_of_one_calendar_do_not_leak_into_another() -> None:
    WorkdayCalendar([D("2025-12-24")])

    assert WorkdayCalendar().is_workday(D("2025-12-24"))


def test_public_holiday_names_are_german() -> None:
    assert public_holiday_name(D("2027-03-08")) == "Frauentag"
    assert public_holiday_name(D("2026-04-03")) == "Karfreitag"
    assert public_holiday_name(D("2026-05-08")) is None


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        ("2026-11-25", 1, "2026-11-26"),  # Wed → Thu
        ("2026-11-27", 1, "2026-11-30"),  # Fri → Mon
        ("2026-11-28", 1, "2026-11-30"),  # Sat → Mon: the first working day is day 1
        ("2026-04-02", 1, "2026-04-07"),  # Thu before Easter → Tue after
        ("2026-11-02", 5, "2026-11-09"),
        ("2026-11-02", 20, "2026-11-30"),
    ],
)
def test_add_workdays_never_counts_the_start_day(start: str, count: int, expected: str) -> None:
    assert WorkdayCalendar().add_workdays(D(start), count) == D(expected)


@pytest.mark.parametrize("count", [0, -1])
def test_add_workdays_refuses_counts_below_one(count: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WorkdayCalendar().add_workdays(D("2026-11-02"), count)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-11-25", "2026-11-26"),
        ("2026-11-27", "2026-11-30"),
        ("2026-12-23", "2026-12-24"),
        ("2026-12-24", "2026-12-28"),
    ],
)
def test_next_workday_is_strictly_after_the_day(day: str, expected: str) -> None:
    assert WorkdayCalendar().next_workday(D(day)) == D(expected)


def test_next_workday_skips_closure_days() -> None:
    calendar = WorkdayCalendar([D("2026-12-24")])

    assert calendar.next_workday(D("2026-12-23")) == D("2026-12-28")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-11-02", "2026-11-02", 0),
        ("2026-11-02", "2026-11-01", 0),
        ("2026-11-02", "2026-11-05", 3),
        ("2026-11-06", "2026-11-09", 1),  # Fri → Mon: the weekend does not count
        ("2026-04-02", "2026-04-09", 3),  # across Easter
        ("2026-04-02", "2026-04-20", 10),
    ],
)
def test_workdays_between_counts_after_start_up_to_end(start: str, end: str, expected: int) -> None:
    assert WorkdayCalendar().workdays_between(D(start), D(end)) == expected


@pytest.mark.parametrize("receipt", RECEIPTS.values(), ids=RECEIPTS.keys())
def test_workdays_between_inverts_add_workdays(receipt: Receipt) -> None:
    calendar = WorkdayCalendar(receipt.closure_days)
    received_on = berlin_date(as_berlin(receipt.received_at))

    assert calendar.workdays_between(received_on, receipt.acknowledgement_due) == 3
    assert calendar.workdays_between(received_on, receipt.completion_due) == 10


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 1, 5, 22, 59), "2026-01-05"),  # 23:59 CET
        (utc(2026, 1, 5, 23, 0), "2026-01-06"),  # 00:00 CET
        (utc(2026, 7, 1, 21, 59), "2026-07-01"),  # 23:59 CEST
        (utc(2026, 7, 1, 22, 0), "2026-07-02"),  # 00:00 CEST
        (dt.datetime(2026, 1, 6, 0, 30, tzinfo=PLUS_TWO), "2026-01-05"),
        (berlin(2026, 3, 29, 23, 59), "2026-03-29"),
    ],
)
def test_berlin_date_is_the_calendar_day_in_berlin(moment: dt.datetime, expected: str) -> None:
    assert berlin_date(moment) == D(expected)


def test_berlin_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        berlin_date(dt.datetime(2026, 1, 5, 23, 30))  # noqa: DTZ001


def test_as_berlin_reads_a_naive_datetime_as_berlin_time() -> None:
    moment = as_berlin(dt.datetime(2026, 1, 5, 23, 30))  # noqa: DTZ001

    assert moment == utc(2026, 1, 5, 22, 30)
    assert moment.utcoffset() == dt.timedelta(hours=1)


def test_as_berlin_keeps_an_explicit_offset() -> None:
    moment = utc(2026, 1, 5, 23, 30)

    assert as_berlin(moment) is moment
