"""Deadlines of cases (R-Q1, R-Q2, R-Q6, R-W5.1, R-W6.1): computed at registration in
Berlin working days, their state against a Clock, and when they stop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from krm.accounts.models import User
from krm.accounts.roles import Role
from krm.cases import services
from krm.cases.deadlines import Clock, DeadlineState
from krm.cases.kinds import Kind
from krm.cases.models import Case
from krm.cases.selectors import CaseFilter, case_list
from krm.jobcenters.models import ClosureDay, Jobcenter
from krm.lib.tests.test_workdays import RECEIPTS, Receipt
from krm.lib.workdays import BERLIN
from krm.testing import route
from krm.testing.factories import JobcenterFactory, UserFactory, make_case

D = dt.date.fromisoformat
FRISTGERECHT = DeadlineState.FRISTGERECHT
BALD = DeadlineState.BALD_FAELLIG
UEBER = DeadlineState.UEBERFAELLIG

# After every receipt of the table, so that none of them is "in the future".
LATER = dt.datetime(2029, 1, 1, 12, 0, tzinfo=dt.UTC)


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def krmb_of(jobcenter: Jobcenter, username: str) -> User:
    # Read back as a request would: the Jobcenter's settings as stored.
    user = UserFactory(username=username, jobcenter=jobcenter, roles=[Role.KRMB])
    return User.objects.select_related("jobcenter").get(pk=user.pk)


# --- computed at registration (R-Q1, R-Q2, R-Q6) ------------------------------------------


@pytest.mark.parametrize("receipt", RECEIPTS.values(), ids=RECEIPTS.keys())
def test_register_case_sets_deadlines_in_berlin_working_days(
    receipt: Receipt, krmb: User, pin_now: Callable
) -> None:
    pin_now(LATER)
    ClosureDay.objects.bulk_create(
        ClosureDay(jobcenter=krmb.jobcenter, date=day) for day in receipt.closure_days
    )

    case = make_case(krmb, received_at=receipt.received_at)
    case.refresh_from_db()

    assert case.acknowledgement_due == receipt.acknowledgement_due
    assert case.completion_due == receipt.completion_due
    assert case.next_due == receipt.acknowledgement_due


def test_closure_days_of_another_jobcenter_do_not_count(krmb: User, pin_now: Callable) -> None:
    pin_now(LATER)
    ClosureDay.objects.create(jobcenter=JobcenterFactory(), date=D("2025-12-24"))

    case = make_case(krmb, received_at=berlin(2025, 12, 23, 10, 0))

    assert case.acknowledgement_due == D("2025-12-30")


@pytest.mark.parametrize(
    ("acknowledgement_workdays", "completion_workdays", "acknowledgement_due", "completion_due"),
    [
        (3, 10, "2025-05-13", "2025-05-22"),  # the defaults
        (1, 1, "2025-05-09", "2025-05-09"),  # Thu 8 May 2025 skipped
        (5, 20, "2025-05-15", "2025-06-06"),  # Ascension (29 May) skipped
        (10, 30, "2025-05-22", "2025-06-23"),  # … and Pentecost Monday (9 Jun)
    ],
)
def test_deadline_lengths_are_configured_per_jobcenter(
    acknowledgement_workdays: int,
    completion_workdays: int,
    acknowledgement_due: str,
    completion_due: str,
    pin_now: Callable,
    db: None,
) -> None:
    pin_now(LATER)
    jobcenter = JobcenterFactory()
    jobcenter.acknowledgement_workdays = acknowledgement_workdays
    jobcenter.completion_workdays = completion_workdays
    jobcenter.save()

    case = make_case(krmb_of(jobcenter, "krmb"), received_at=berlin(2025, 5, 7, 10, 0))

    assert case.acknowledgement_due == D(acknowledgement_due)
    assert case.completion_due == D(completion_due)


def test_each_jobcenter_counts_with_its_own_lengths(pin_now: Callable, db: None) -> None:
    pin_now(LATER)
    default = JobcenterFactory()
    slow = JobcenterFactory()
    slow.acknowledgement_workdays, slow.completion_workdays = 5, 20
    slow.save()
    received_at = berlin(2025, 5, 7, 10, 0)

    # Different plan numbers: two Jobcenters cannot yet share an Aktenzeichen (see
    # test_aktenzeichen.py::test_each_jobcenter_numbers_its_own_cases).
    fast_case = make_case(krmb_of(default, "krmb-a"), kind="beschwerde", received_at=received_at)
    slow_case = make_case(krmb_of(slow, "krmb-b"), kind="lob", received_at=received_at)

    assert (fast_case.acknowledgement_due, fast_case.completion_due) == (
        D("2025-05-13"),
        D("2025-05-22"),
    )
    assert (slow_case.acknowledgement_due, slow_case.completion_due) == (
        D("2025-05-15"),
        D("2025-06-06"),
    )


# --- which cases have deadlines, which are urgent (R-W5.1, R-W6.1, R-O1 … O4) ------------


@pytest.mark.parametrize(
    ("kind", "channel"),
    [
        ("meinungskarte", "meinungskarte"),
        ("meinungskarte", "brief"),
        ("beschwerde", "meinungskarte"),  # a complaint written on an opinion card
        ("lob", "meinungskarte"),
        ("fachliche_anfrage", "brief"),
        ("widerspruch", "brief"),
        ("widerspruchsbescheid", "email"),
        ("traegerversammlung", "brief"),
    ],
)
def test_meinungskarten_and_out_of_scope_kinds_have_no_deadlines(
    kind: str, channel: str, krmb: User
) -> None:
    case = make_case(krmb, kind=kind, channel=channel)
    case.refresh_from_db()

    assert (case.acknowledgement_due, case.completion_due, case.next_due) == (None, None, None)
    assert Clock(today=D("2026-11-25"), next_workday=D("2026-11-26")).state(case.next_due) is None


@pytest.mark.parametrize(
    ("kind", "channel"),
    [
        ("beschwerde", "brief"),
        ("beschwerde", "email"),
        ("petition", "brief"),
        ("eingabe", "online"),
        ("lob", "email"),
        ("anregung", "brief"),
        ("dienstaufsichtsbeschwerde", "brief"),
        ("datenschutzbeschwerde", "online"),
    ],
)
def test_krm_reactions_have_both_deadlines(kind: str, channel: str, krmb: User) -> None:
    # Received Mon 2 Nov 2026.
    case = make_case(krmb, kind=kind, channel=channel)

    assert (case.acknowledgement_due, case.completion_due) == (D("2026-11-05"), D("2026-11-16"))


@pytest.mark.parametrize("kind", Kind.values)
def test_only_petitions_and_eingaben_are_urgent(kind: str, krmb: User) -> None:
    case = make_case(krmb, kind=kind)
    case.refresh_from_db()

    assert case.urgent is (kind in {"petition", "eingabe"})


def test_correcting_the_kind_to_a_petition_makes_the_case_urgent(krmb: User) -> None:
    case = make_case(krmb, kind="beschwerde")

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="petition"
    )

    assert case.urgent
    assert case.acknowledgement_due == D("2026-11-05")


def test_correcting_the_kind_to_a_meinungskarte_drops_the_deadlines(krmb: User) -> None:
    case = make_case(krmb, kind="beschwerde")

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="meinungskarte"
    )
    case.refresh_from_db()

    assert (case.acknowledgement_due, case.completion_due, case.next_due) == (None, None, None)


def test_correcting_the_kind_out_of_the_krm_stops_the_deadlines(krmb: User) -> None:
    case = make_case(krmb, kind="beschwerde")

    case = services.correct_kind(
        actor=krmb, case=case, expected_version=case.version, kind="widerspruch"
    )
    case.refresh_from_db()

    assert not case.is_open
    assert case.next_due is None


# --- deadline state (R-Q1, R-Q2) ---------------------------------------------------------

WEDNESDAY = Clock(today=D("2026-11-25"), next_workday=D("2026-11-26"))
FRIDAY = Clock(today=D("2026-11-27"), next_workday=D("2026-11-30"))
SATURDAY = Clock(today=D("2026-11-28"), next_workday=D("2026-11-30"))


@pytest.mark.parametrize(
    ("clock", "next_due", "state"),
    [
        (WEDNESDAY, "2026-11-01", UEBER),
        (WEDNESDAY, "2026-11-24", UEBER),  # due yesterday
        (WEDNESDAY, "2026-11-25", BALD),  # due today
        (WEDNESDAY, "2026-11-26", BALD),  # due on the next working day
        (WEDNESDAY, "2026-11-27", FRISTGERECHT),
        (WEDNESDAY, "2026-12-31", FRISTGERECHT),
        (FRIDAY, "2026-11-26", UEBER),
        (FRIDAY, "2026-11-27", BALD),
        (FRIDAY, "2026-11-30", BALD),  # Monday is the next working day
        (FRIDAY, "2026-12-01", FRISTGERECHT),
        (SATURDAY, "2026-11-27", UEBER),
        (SATURDAY, "2026-11-30", BALD),
        (SATURDAY, "2026-12-01", FRISTGERECHT),
        (WEDNESDAY, None, None),
    ],
)
def test_deadline_state_against_today_and_the_next_working_day(
    clock: Clock, next_due: str | None, state: str | None
) -> None:
    assert clock.state(D(next_due) if next_due else None) == state


@pytest.mark.parametrize(
    ("today", "closure_days", "next_workday"),
    [
        ("2026-11-25", [], "2026-11-26"),
        ("2026-11-27", [], "2026-11-30"),  # Friday → Monday
        ("2026-11-28", [], "2026-11-30"),  # Saturday → Monday
        ("2026-04-02", [], "2026-04-07"),  # over Easter
        ("2026-12-23", [], "2026-12-24"),
        ("2026-12-23", ["2026-12-24"], "2026-12-28"),  # closure day, Christmas, weekend
        ("2026-12-30", ["2026-12-24", "2026-12-31"], "2027-01-04"),
    ],
)
def test_clock_for_jobcenter_knows_its_next_working_day(
    today: str, closure_days: list[str], next_workday: str, krmb: User
) -> None:
    jobcenter = krmb.jobcenter
    ClosureDay.objects.bulk_create(ClosureDay(jobcenter=jobcenter, date=D(d)) for d in closure_days)

    for key in (jobcenter, jobcenter.pk):
        clock = Clock.for_jobcenter(key, today=D(today))
        assert clock == Clock(today=D(today), next_workday=D(next_workday))


def test_closure_day_makes_a_deadline_due_soon_earlier(krmb: User) -> None:
    ClosureDay.objects.create(jobcenter=krmb.jobcenter, date=D("2026-12-24"))

    clock = Clock.for_jobcenter(krmb.jobcenter, today=D("2026-12-23"))

    assert clock.state(D("2026-12-28")) == BALD
    assert clock.state(D("2026-12-29")) == FRISTGERECHT


DUE_DATES = [
    "2026-11-20", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28",
    "2026-11-30", "2026-12-01", "2026-12-23", "2026-12-24", "2026-12-28", "2026-12-29", None,
]  # fmt: skip


@pytest.fixture
def cases_by_due(krmb: User) -> dict[int, dt.date | None]:
    """One case per due date (next_due set directly), plus one closed case."""
    result = {}
    for index, due in enumerate(DUE_DATES):
        case = make_case(krmb, subject=f"Fall {index}")
        next_due = D(due) if due else None
        Case.objects.filter(pk=case.pk).update(next_due=next_due)
        result[case.pk] = next_due
    closed = make_case(krmb, subject="abgeschlossen", channel="telefon")
    closed = route.step(krmb, closed, "abschliessen", outcome="berechtigt")
    result[closed.pk] = None
    return result


def _ids(cases: dict[int, dt.date | None], *dues: str) -> set[int]:
    return {pk for pk, due in cases.items() if due in {D(d) for d in dues}}


def test_clock_filter_selects_by_deadline_state(
    cases_by_due: dict[int, dt.date | None], krmb: User
) -> None:
    qs = Case.objects.filter(jobcenter=krmb.jobcenter)
    c = cases_by_due

    assert set(qs.filter(WEDNESDAY.filter(UEBER)).values_list("pk", flat=True)) == _ids(
        c, "2026-11-20", "2026-11-24"
    )
    assert set(qs.filter(WEDNESDAY.filter(BALD)).values_list("pk", flat=True)) == _ids(
        c, "2026-11-25", "2026-11-26"
    )
    assert set(qs.filter(WEDNESDAY.filter(FRISTGERECHT)).values_list("pk", flat=True)) == _ids(
        c, *[d for d in DUE_DATES if d and d > "2026-11-26"]
    )


@pytest.mark.parametrize(
    ("today", "closure_days"),
    [
        ("2026-11-25", []),
        ("2026-11-27", []),
        ("2026-11-28", []),
        ("2026-12-23", []),
        ("2026-12-23", ["2026-12-24"]),
        ("2026-12-24", []),
        ("2027-01-10", []),
    ],
)
def test_clock_filter_selects_exactly_the_cases_state_names(
    today: str,
    closure_days: list[str],
    cases_by_due: dict[int, dt.date | None],
    krmb: User,
) -> None:
    for day in closure_days:
        ClosureDay.objects.create(jobcenter=krmb.jobcenter, date=D(day))
    clock = Clock.for_jobcenter(krmb.jobcenter, today=D(today))
    qs = Case.objects.filter(jobcenter=krmb.jobcenter)

    selected: dict[int, str] = {}
    for state in DeadlineState.values:
        by_filter = set(qs.filter(clock.filter(state)).values_list("pk", flat=True))
        by_state = {pk for pk, due in cases_by_due.items() if clock.state(due) == state}
        assert by_filter == by_state, state
        listed = case_list(user=krmb, filters=CaseFilter(deadline_state=state), clock=clock)
        assert set(listed.values_list("pk", flat=True)) == by_state, state
        for pk in by_filter:
            assert pk not in selected, "a case in two states"
            selected[pk] = state
    assert set(selected) == {pk for pk, due in cases_by_due.items() if due is not None}


def test_clock_filter_refuses_unknown_states() -> None:
    with pytest.raises(ValueError, match="spaet"):
        WEDNESDAY.filter("spaet")


def test_acknowledgement_stops_its_deadline_and_closing_stops_all(
    org: Any, pin_now: Callable
) -> None:
    pin_now(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
    krmb = org["krmb"]
    # Received Mon 2 Nov 2026: Eingangsbestätigung due Thu 5 Nov, Abschluss Mon 16 Nov.
    case = make_case(krmb)

    def state(today: str) -> str | None:
        stored = Case.objects.get(pk=case.pk)
        return Clock.for_jobcenter(krmb.jobcenter, today=D(today)).state(stored.next_due)

    assert Case.objects.get(pk=case.pk).next_due == D("2026-11-05")
    assert state("2026-11-03") == FRISTGERECHT
    assert state("2026-11-04") == BALD
    assert state("2026-11-05") == BALD
    assert state("2026-11-06") == UEBER

    case = route.step(
        krmb,
        case,
        "eingangsbestaetigung",
        contact_person="Frau Muster",
        sent_at=berlin(2026, 11, 6, 9, 0),
    )

    assert Case.objects.get(pk=case.pk).next_due == D("2026-11-16")
    assert state("2026-11-06") == FRISTGERECHT
    assert state("2026-11-13") == BALD  # Friday; Monday 16 Nov is the next working day
    assert state("2026-11-17") == UEBER

    case = route.close(case, org)

    stored = Case.objects.get(pk=case.pk)
    assert not stored.is_open
    assert stored.next_due is None
    for today in ("2026-11-06", "2026-11-17", "2027-06-01"):
        clock = Clock.for_jobcenter(krmb.jobcenter, today=D(today))
        assert clock.state(stored.next_due) is None
        for name in DeadlineState.values:
            assert not Case.objects.filter(clock.filter(name), pk=case.pk).exists()


def test_waiving_the_acknowledgement_stops_its_deadline(krmb: User) -> None:
    """R-Q1: the KRM-B may decide that no Eingangsbestätigung goes out (with a reason)."""
    case = make_case(krmb, channel="email")

    case = route.step(krmb, case, "keine_eingangsbestaetigung", reason="Absender unbekannt")

    stored = Case.objects.get(pk=case.pk)
    assert stored.next_due == D("2026-11-16")
    assert stored.acknowledgement_waived == "Absender unbekannt"


@pytest.mark.parametrize("channel", ["telefon", "persoenlich", "vorzimmer"])
def test_a_reaction_taken_in_conversation_is_never_overdue_for_an_acknowledgement(
    krmb: User, channel: str
) -> None:
    """R-Q1, issue 7 (9): no Eingangsbestätigung for a case taken in a conversation."""
    case = make_case(krmb, channel=channel, same_day_handled=True)
    stored = Case.objects.get(pk=case.pk)
    assert stored.acknowledgement_due is None
    assert stored.next_due == stored.completion_due
    closed = route.step(krmb, case, "abschliessen", outcome="berechtigt")
    assert Case.objects.get(pk=closed.pk).next_due is None


def test_reopening_a_closed_case_runs_its_deadlines_again(org: Any) -> None:
    case = route.close(make_case(org["krmb"]), org)

    case = route.step(org["krmb"], case, "wiedereroeffnen", reason="Kunde meldet sich erneut")

    assert case.is_open
    assert Case.objects.get(pk=case.pk).next_due == D("2026-11-16")


# --- no receipt from the future ----------------------------------------------------------

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # 13:00 in Berlin
FUTURE_MESSAGE = ["Der Eingang darf nicht in der Zukunft liegen."]


@pytest.mark.parametrize(
    "ahead",
    [dt.timedelta(0), dt.timedelta(minutes=4), dt.timedelta(minutes=5)],
    ids=["now", "4-min", "5-min"],
)
def test_receipt_up_to_five_minutes_ahead_is_accepted(
    ahead: dt.timedelta, krmb: User, pin_now: Callable
) -> None:
    pin_now(NOW)

    case = make_case(krmb, received_at=NOW + ahead)

    assert case.received_at == NOW + ahead


@pytest.mark.parametrize(
    "ahead",
    [dt.timedelta(minutes=5, seconds=1), dt.timedelta(minutes=6), dt.timedelta(days=1)],
    ids=["5-min-1-s", "6-min", "1-day"],
)
def test_receipt_more_than_five_minutes_ahead_is_refused(
    ahead: dt.timedelta, krmb: User, pin_now: Callable
) -> None:
    pin_now(NOW)

    with pytest.raises(ValidationError) as refused:
        make_case(krmb, received_at=NOW + ahead)

    assert refused.value.message_dict == {"received_at": FUTURE_MESSAGE}
    assert not Case.objects.exists()
    # The refused receipt drew no number.
    assert make_case(krmb, received_at=NOW).aktenzeichen == "II-6001-2026-00001"


def test_naive_receipt_in_the_future_is_judged_as_berlin_time(
    krmb: User, pin_now: Callable
) -> None:
    pin_now(NOW)

    accepted = make_case(krmb, received_at=dt.datetime(2026, 11, 25, 13, 4))  # noqa: DTZ001
    with pytest.raises(ValidationError) as refused:
        make_case(krmb, received_at=dt.datetime(2026, 11, 25, 13, 6))  # noqa: DTZ001

    assert accepted.received_at == NOW + dt.timedelta(minutes=4)
    assert refused.value.message_dict == {"received_at": FUTURE_MESSAGE}


def test_changing_the_receipt_into_the_future_is_refused(krmb: User, pin_now: Callable) -> None:
    pin_now(NOW)
    case = make_case(krmb)

    with pytest.raises(ValidationError) as refused:
        services.update_case(
            actor=krmb,
            case=case,
            expected_version=case.version,
            changes={"received_at": NOW + dt.timedelta(minutes=6)},
        )

    assert refused.value.message_dict == {"received_at": FUTURE_MESSAGE}
