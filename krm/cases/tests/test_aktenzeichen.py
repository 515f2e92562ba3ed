"""Aktenzeichen of cases (R-A1, R-K10): plan number by kind, year of receipt in Berlin,
gap-free numbers per plan number and year, also under concurrency and rollbacks."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from krm.accounts.models import User
from krm.accounts.roles import Role
from krm.audit.models import Event, EventType
from krm.cases import services
from krm.cases.models import AktenzeichenCounter, AktenzeichenRecord, Case
from krm.cases.selectors import CaseFilter, case_list
from krm.lib.aktenzeichen import PATTERN
from krm.lib.workdays import BERLIN, WorkdayCalendar
from krm.testing.factories import JobcenterFactory, UserFactory, make_case

LATER = dt.datetime(2029, 1, 1, 12, 0, tzinfo=dt.UTC)


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def records_of(case: Case) -> list[str]:
    return list(
        AktenzeichenRecord.objects.filter(case=case)
        .order_by("id")
        .values_list("aktenzeichen", flat=True)
    )


def found_by(user: User, query: str) -> list[int]:
    return list(case_list(user=user, filters=CaseFilter(q=query)).values_list("pk", flat=True))


# --- plan number and year ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "plan"),
    [
        ("beschwerde", "II-6001"),
        ("datenschutzbeschwerde", "II-6001"),
        ("dienstaufsichtsbeschwerde", "II-6001.1"),
        ("eingabe", "II-6002"),
        ("petition", "II-6003"),
        ("lob", "II-6000"),
        ("anregung", "II-6000"),
        ("meinungskarte", "II-6000"),
        ("fachliche_anfrage", "II-6000"),
        ("widerspruch", "II-6000"),
        ("widerspruchsbescheid", "II-6000"),
        ("traegerversammlung", "II-6000"),
    ],
)
def test_kind_decides_the_plan_number(kind: str, plan: str, krmb: User) -> None:
    case = make_case(krmb, kind=kind)  # received 2 Nov 2026
    case.refresh_from_db()

    assert case.aktenzeichen == f"{plan}-2026-00001"
    assert case.plan_number == plan
    record = AktenzeichenRecord.objects.get(case=case)
    assert (record.aktenzeichen, record.plan_number, record.year, record.number) == (
        case.aktenzeichen,
        plan,
        2026,
        1,
    )


@pytest.mark.parametrize(
    ("received_at", "aktenzeichen"),
    [
        (utc(2025, 12, 31, 23, 30), "II-6001-2026-00001"),  # 00:30 on 1 Jan 2026 in Berlin
        (utc(2025, 12, 31, 22, 59), "II-6001-2025-00001"),  # 23:59 on 31 Dec 2025 in Berlin
        (berlin(2026, 1, 1, 0, 0), "II-6001-2026-00001"),
        (dt.datetime(2025, 12, 31, 23, 30), "II-6001-2025-00001"),  # noqa: DTZ001 (Berlin)
        (utc(2026, 12, 31, 23, 0), "II-6001-2027-00001"),
    ],
)
def test_year_is_that_of_the_day_of_receipt_in_berlin(
    received_at: dt.datetime, aktenzeichen: str, krmb: User, pin_now: Callable
) -> None:
    pin_now(LATER)

    assert make_case(krmb, received_at=received_at).aktenzeichen == aktenzeichen


def test_aktenzeichen_has_a_five_digit_number(krmb: User) -> None:
    AktenzeichenCounter.objects.create(
        jobcenter=krmb.jobcenter, plan_number="II-6001", year=2026, last_number=41
    )

    case = make_case(krmb)

    assert case.aktenzeichen == "II-6001-2026-00042"
    assert PATTERN.match(case.aktenzeichen)


def test_numbers_run_separately_per_plan_number_and_year(krmb: User, pin_now: Callable) -> None:
    pin_now(LATER)
    steps = [
        ("beschwerde", 2026, "II-6001-2026-00001"),
        ("petition", 2026, "II-6003-2026-00001"),
        ("datenschutzbeschwerde", 2026, "II-6001-2026-00002"),  # same plan as Beschwerde
        ("beschwerde", 2025, "II-6001-2025-00001"),
        ("dienstaufsichtsbeschwerde", 2026, "II-6001.1-2026-00001"),
        ("beschwerde", 2026, "II-6001-2026-00003"),
        ("eingabe", 2026, "II-6002-2026-00001"),
        ("lob", 2026, "II-6000-2026-00001"),
        ("widerspruch", 2026, "II-6000-2026-00002"),
        ("beschwerde", 2025, "II-6001-2025-00002"),
        ("petition", 2027, "II-6003-2027-00001"),
    ]

    got = [
        make_case(krmb, kind=kind, received_at=berlin(year, 6, 1, 10, 0)).aktenzeichen
        for kind, year, _ in steps
    ]

    assert got == [expected for _, _, expected in steps]


@pytest.mark.parametrize("before", [0, 2], ids=["first-of-year", "after-two"])
def test_rolled_back_registration_does_not_consume_a_number(before: int, krmb: User) -> None:
    for _ in range(before):
        make_case(krmb)
    expected = f"II-6001-2026-{before + 1:05d}"

    with pytest.raises(RuntimeError, match="abort"), transaction.atomic():
        assert make_case(krmb).aktenzeichen == expected
        raise RuntimeError("abort")

    assert make_case(krmb).aktenzeichen == expected
    assert make_case(krmb).aktenzeichen == f"II-6001-2026-{before + 2:05d}"
    assert AktenzeichenRecord.objects.count() == before + 2


def test_each_jobcenter_numbers_its_own_cases(krmb: User) -> None:
    other = UserFactory(username="krmb-2", jobcenter=JobcenterFactory(), roles=[Role.KRMB])

    first = make_case(krmb)
    second = make_case(other)

    assert first.aktenzeichen == second.aktenzeichen == "II-6001-2026-00001"


# --- correcting the kind (R-K10) ----------------------------------------------------------


def test_corrected_kind_moves_case_to_its_new_plan_number(krmb: User) -> None:
    case = make_case(krmb, kind="beschwerde")
    old = case.aktenzeichen

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="petition", note="Petition"
    )
    case.refresh_from_db()

    assert old == "II-6001-2026-00001"
    assert (case.aktenzeichen, case.plan_number) == ("II-6003-2026-00001", "II-6003")
    assert records_of(case) == [old, "II-6003-2026-00001"]
    event = Event.objects.get(case=case, type=EventType.CASE_KIND_CORRECTED)
    assert event.data["kind"] == {"alt": "beschwerde", "neu": "petition"}
    assert event.data["aktenzeichen"] == {"alt": old, "neu": "II-6003-2026-00001"}
    assert found_by(krmb, old) == [case.pk]
    assert found_by(krmb, "II-6003-2026-00001") == [case.pk]


def test_old_aktenzeichen_is_not_given_again_after_a_kind_correction(krmb: User) -> None:
    case = make_case(krmb, kind="beschwerde")
    services.correct_kind(actor=krmb, case=case, expected_version=case.version, kind="eingabe")

    assert make_case(krmb, kind="beschwerde").aktenzeichen == "II-6001-2026-00002"


def test_corrected_aktenzeichen_keeps_the_year_of_receipt(krmb: User, pin_now: Callable) -> None:
    pin_now(LATER)
    case = make_case(krmb, kind="beschwerde", received_at=berlin(2025, 6, 2, 10, 0))

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="dienstaufsichtsbeschwerde"
    )

    assert case.aktenzeichen == "II-6001.1-2025-00001"


def test_correction_within_the_same_plan_number_keeps_the_aktenzeichen(krmb: User) -> None:
    case = make_case(krmb, kind="beschwerde")

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="datenschutzbeschwerde"
    )
    case.refresh_from_db()

    assert case.aktenzeichen == "II-6001-2026-00001"
    assert case.kind == "datenschutzbeschwerde"
    assert records_of(case) == ["II-6001-2026-00001"]
    event = Event.objects.get(case=case, type=EventType.CASE_KIND_CORRECTED)
    assert event.data["aktenzeichen"] == {"alt": "II-6001-2026-00001", "neu": "II-6001-2026-00001"}
    assert make_case(krmb, kind="beschwerde").aktenzeichen == "II-6001-2026-00002"


def test_correction_out_of_the_krm_and_back_keeps_every_aktenzeichen_findable(
    krmb: User,
) -> None:
    case = make_case(krmb, kind="beschwerde")

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="widerspruch"
    )
    assert case.aktenzeichen == "II-6000-2026-00001"
    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="beschwerde"
    )

    # The first number stays with the case's history, so the way back draws a new one.
    assert case.aktenzeichen == "II-6001-2026-00002"
    assert records_of(case) == ["II-6001-2026-00001", "II-6000-2026-00001", "II-6001-2026-00002"]
    for aktenzeichen in records_of(case):
        assert found_by(krmb, aktenzeichen) == [case.pk]


def test_search_by_aktenzeichen_finds_only_that_case(krmb: User) -> None:
    first = make_case(krmb, kind="beschwerde")
    make_case(krmb, kind="beschwerde")
    services.correct_kind(actor=krmb, case=first, expected_version=first.version, kind="lob")

    assert found_by(krmb, "II-6001-2026-00001") == [first.pk]
    assert found_by(krmb, "II-6001-2026-00003") == []


# --- concurrency -------------------------------------------------------------------------

THREADS = 8
PER_THREAD = 3


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: concurrent transactions on separate connections; the "
    "in-memory SQLite test database cannot be shared between threads",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_unique_gap_free_numbers() -> None:
    actor = UserFactory(username="krmb", jobcenter=JobcenterFactory(), roles=[Role.KRMB])
    WorkdayCalendar().is_workday(dt.date(2026, 11, 3))  # load the holiday table once
    barrier = threading.Barrier(THREADS, timeout=60)
    drawn: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def register(thread: int) -> None:
        try:
            user = User.objects.select_related("jobcenter").get(pk=actor.pk)
            for round_ in range(PER_THREAD):
                # Everyone starts together, so each draw meets the others' locks; the first
                # round also races to create the year's counter row.
                barrier.wait()
                case = make_case(user, subject=f"Thread {thread} Runde {round_}")
                with lock:
                    drawn.append(case.aktenzeichen)
        except BaseException as exc:
            with lock:
                errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    total = THREADS * PER_THREAD
    assert sorted(drawn) == [f"II-6001-2026-{n:05d}" for n in range(1, total + 1)]
    assert Case.objects.count() == total
    assert sorted(AktenzeichenRecord.objects.values_list("number", flat=True)) == list(
        range(1, total + 1)
    )
    counter = AktenzeichenCounter.objects.get(plan_number="II-6001", year=2026)
    assert counter.last_number == total
