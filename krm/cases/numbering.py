"""Aktenzeichen (R-A1): the plan number of a kind and gap-free numbers per plan and year."""

from __future__ import annotations

from django.db.models import F

from krm.jobcenters.models import Jobcenter
from krm.lib import aktenzeichen as az

from .models import AktenzeichenCounter, AktenzeichenRecord, Case, FilePlanEntry


def plan_number_for(jobcenter: Jobcenter, kind: str) -> str:
    """The file plan number a kind is filed under (R-A1), from the Jobcenter's plan."""
    entries = list(
        FilePlanEntry.objects.filter(jobcenter=jobcenter).values("number", "kinds", "is_default")
    )
    if not entries:
        entries = [
            {"number": number, "kinds": kinds, "is_default": number == az.DEFAULT_PLAN_NUMBER}
            for number, _title, kinds in az.DEFAULT_FILE_PLAN
        ]
    for entry in entries:
        if kind in (entry["kinds"] or []):
            return entry["number"]
    for entry in entries:
        if entry["is_default"]:
            return entry["number"]
    return az.DEFAULT_PLAN_NUMBER


def draw_aktenzeichen(*, jobcenter: Jobcenter, plan_number: str, year: int) -> az.Aktenzeichen:
    """The next number for plan number and year: gap-free, safe under concurrency.

    The counter row is updated in the caller's transaction, so it stays locked until
    commit and a rollback returns the number. Must run inside transaction.atomic().
    """
    counters = AktenzeichenCounter.objects.filter(
        jobcenter=jobcenter, plan_number=plan_number, year=year
    )
    if not counters.update(last_number=F("last_number") + 1):
        # First number of the year: create the row; a concurrent creator wins, we wait.
        AktenzeichenCounter.objects.bulk_create(
            [AktenzeichenCounter(jobcenter=jobcenter, plan_number=plan_number, year=year)],
            ignore_conflicts=True,
        )
        counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return az.Aktenzeichen(plan_number, year, number)


def assign_aktenzeichen(case: Case) -> str:
    plan = plan_number_for(case.jobcenter, case.kind)
    value = draw_aktenzeichen(
        jobcenter=case.jobcenter, plan_number=plan, year=case.received_on.year
    )
    case.aktenzeichen = str(value)
    case.plan_number = plan
    return case.aktenzeichen


def record_aktenzeichen(case: Case) -> None:
    parsed = az.parse(case.aktenzeichen)
    assert parsed is not None
    AktenzeichenRecord.objects.create(
        jobcenter_id=case.jobcenter_id,
        case=case,
        aktenzeichen=case.aktenzeichen,
        plan_number=parsed.plan,
        year=parsed.year,
        number=parsed.number,
    )
