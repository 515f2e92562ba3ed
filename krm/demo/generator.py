"""Realistic cases in bulk: `krm generate-cases N` and the benchmarks.

Cases are planned in Python (kind mix, channels, states over the last two years) and written
with bulk inserts; deadlines, Aktenzeichen, events and the search index are filled as the
services would fill them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from krm.accounts.models import OrgUnit, User
from krm.audit.models import Event, EventType
from krm.cases import deadlines, search
from krm.cases.kinds import (
    DEFAULT_FORWARDING_RECIPIENT,
    URGENT,
    Channel,
    Kind,
    Outcome,
    is_in_scope,
)
from krm.cases.models import (
    AktenzeichenCounter,
    AktenzeichenRecord,
    Case,
    Customer,
    Forwarding,
    Topic,
)
from krm.cases.services import plan_number_for
from krm.cases.workflow import Status
from krm.jobcenters.models import Jobcenter
from krm.lib.aktenzeichen import Aktenzeichen
from krm.lib.workdays import BERLIN

from .content import content_for, customer_for

KIND_WEIGHTS: dict[str, int] = {
    Kind.BESCHWERDE: 52,
    Kind.LOB: 12,
    Kind.ANREGUNG: 5,
    Kind.MEINUNGSKARTE: 10,
    Kind.PETITION: 3,
    Kind.EINGABE: 2,
    Kind.DIENSTAUFSICHTSBESCHWERDE: 3,
    Kind.DATENSCHUTZBESCHWERDE: 2,
    Kind.FACHLICHE_ANFRAGE: 4,
    Kind.WIDERSPRUCH: 5,
    Kind.WIDERSPRUCHSBESCHEID: 1,
    Kind.TRAEGERVERSAMMLUNG: 1,
}
CHANNEL_WEIGHTS: dict[str, int] = {
    Channel.BRIEF: 30,
    Channel.EMAIL: 30,
    Channel.ONLINE: 12,
    Channel.TELEFON: 13,
    Channel.PERSOENLICH: 10,
    Channel.VORZIMMER: 5,
}
OUTCOME_WEIGHTS: dict[str, int] = {
    Outcome.BERECHTIGT: 30,
    Outcome.TEILWEISE_BERECHTIGT: 25,
    Outcome.NICHT_BERECHTIGT: 40,
    Outcome.KEINE: 5,
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class CasePlan:
    kind: str
    channel: str
    received_at: dt.datetime
    org_unit: OrgUnit | None
    subject: str
    text: str
    topic_codes: list[str]
    customer: dict[str, str] | None
    escalation_level: int
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str


def plan_case(
    rng: random.Random, *, now: dt.datetime, span_days: int, teams: Sequence[OrgUnit]
) -> CasePlan:
    """One plausible case received within the last `span_days`, in a plausible state."""
    kind = _pick(rng, KIND_WEIGHTS)
    if kind == Kind.MEINUNGSKARTE:
        channel = Channel.MEINUNGSKARTE
    elif kind in (Kind.PETITION, Kind.EINGABE):
        channel = Channel.BRIEF
    else:
        channel = _pick(rng, CHANNEL_WEIGHTS)
    # More recent cases are more frequent: the office's volume grows.
    age_days = int(span_days * (rng.random() ** 1.3))
    local = (now.astimezone(BERLIN) - dt.timedelta(days=age_days)).replace(
        hour=rng.randint(7, 17), minute=rng.randint(0, 59), second=0, microsecond=0
    )
    received_at = min(local, now - dt.timedelta(minutes=rng.randint(1, 120)))
    content = content_for(kind, rng)
    anonymous = kind == Kind.MEINUNGSKARTE or rng.random() < 0.08
    acknowledged_at = closed_at = None
    outcome = ""
    age = now - received_at
    acknowledgeable = is_in_scope(kind) and kind != Kind.MEINUNGSKARTE and not anonymous
    if acknowledgeable and age > dt.timedelta(days=2) and rng.random() < 0.9:
        acknowledged_at = min(received_at + dt.timedelta(days=rng.uniform(0.5, 4)), now)
    if is_in_scope(kind):
        closing_after = dt.timedelta(days=rng.uniform(2, 20))
        if age > closing_after and rng.random() < (0.97 if age.days > 40 else 0.6):
            closed_at = received_at + closing_after
            outcome = (
                Outcome.KEINE
                if kind in (Kind.LOB, Kind.MEINUNGSKARTE, Kind.ANREGUNG)
                else _pick(rng, OUTCOME_WEIGHTS)
            )
    return CasePlan(
        kind=kind,
        channel=channel,
        received_at=received_at,
        org_unit=rng.choice(teams)
        if teams and (kind != Kind.MEINUNGSKARTE or rng.random() < 0.5)
        else None,
        subject=content.subject,
        text=content.text,
        topic_codes=content.topics,
        customer=None if anonymous else customer_for(rng),
        escalation_level=rng.choices([1, 2, 3], weights=[85, 12, 3])[0],
        acknowledged_at=acknowledged_at,
        closed_at=closed_at,
        outcome=outcome,
    )


def generate_cases(
    *,
    jobcenter: Jobcenter,
    count: int,
    captured_by: Sequence[User],
    seed: int = 1,
    span_days: int = 730,
    batch_size: int = 5000,
) -> int:
    """Insert `count` realistic cases in bulk; returns how many were created."""
    rng = random.Random(seed)
    now = timezone.now()
    teams = list(
        OrgUnit.objects.filter(
            jobcenter=jobcenter, level=OrgUnit.Level.TEAM, is_active=True
        ).select_related("parent")
    )
    topics = {t.code: t for t in Topic.objects.filter(jobcenter=jobcenter)}
    calendar = jobcenter.workday_calendar()

    @lru_cache(maxsize=4096)
    def due(kind: str, channel: str, received_on: dt.date) -> deadlines.Deadlines:
        return deadlines.compute(
            kind=kind,
            channel=channel,
            received_on=received_on,
            calendar=calendar,
            acknowledgement_workdays=jobcenter.acknowledgement_workdays,
            completion_workdays=jobcenter.completion_workdays,
        )

    plan_numbers = {kind: plan_number_for(jobcenter, kind) for kind in Kind.values}
    created = 0
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        plans = sorted(
            (plan_case(rng, now=now, span_days=span_days, teams=teams) for _ in range(size)),
            key=lambda p: p.received_at,
        )
        with transaction.atomic():
            _insert(jobcenter, plans, captured_by, rng, topics, plan_numbers, due)
        created += size
    return created


def _insert(jobcenter, plans, captured_by, rng, topics, plan_numbers, due) -> None:
    # Draw Aktenzeichen per plan number and year, continuing the locked counters.
    wanted: dict[tuple[str, int], int] = defaultdict(int)
    for plan in plans:
        wanted[(plan_numbers[plan.kind], plan.received_at.astimezone(BERLIN).year)] += 1
    next_number: dict[tuple[str, int], int] = {}
    for (plan_number, year), amount in wanted.items():
        counter, _ = AktenzeichenCounter.objects.select_for_update().get_or_create(
            jobcenter=jobcenter, plan_number=plan_number, year=year
        )
        next_number[(plan_number, year)] = counter.last_number + 1
        counter.last_number += amount
        counter.save(update_fields=["last_number"])

    cases = []
    for plan in plans:
        received_on = plan.received_at.astimezone(BERLIN).date()
        key = (plan_numbers[plan.kind], received_on.year)
        number = next_number[key]
        next_number[key] += 1
        status = (
            Status.WEITERGELEITET
            if not is_in_scope(plan.kind)
            else Status.ABGESCHLOSSEN
            if plan.closed_at
            else Status.EINGEGANGEN
        )
        d = due(plan.kind, plan.channel, received_on)
        case = Case(
            jobcenter=jobcenter,
            aktenzeichen=str(Aktenzeichen(key[0], key[1], number)),
            plan_number=key[0],
            kind=plan.kind,
            channel=plan.channel,
            status=status,
            is_open=status == Status.EINGEGANGEN,
            urgent=plan.kind in URGENT,
            received_at=plan.received_at,
            received_on=received_on,
            subject=plan.subject,
            text=plan.text,
            org_unit=plan.org_unit,
            bereich=plan.org_unit.bereich if plan.org_unit else None,
            escalation_level=plan.escalation_level,
            acknowledged_at=plan.acknowledged_at,
            closed_at=plan.closed_at,
            outcome=plan.outcome,
            acknowledgement_due=d.acknowledgement,
            completion_due=d.completion,
            captured_by=rng.choice(captured_by),
        )
        case.next_due = case.compute_next_due()
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=1000)

    Customer.objects.bulk_create(
        [
            Customer(case=case, **plan.customer)
            for case, plan in zip(cases, plans, strict=True)
            if plan.customer
        ],
        batch_size=1000,
    )
    through = Case.topics.through
    through.objects.bulk_create(
        [
            through(case_id=case.pk, topic_id=topics[code].pk)
            for case, plan in zip(cases, plans, strict=True)
            for code in plan.topic_codes
            if code in topics
        ],
        batch_size=2000,
    )
    AktenzeichenRecord.objects.bulk_create(
        [
            AktenzeichenRecord(
                case=case,
                aktenzeichen=case.aktenzeichen,
                plan_number=case.plan_number,
                year=case.received_on.year,
                number=int(case.aktenzeichen.rsplit("-", 1)[1]),
            )
            for case in cases
        ],
        batch_size=2000,
    )
    events = []
    forwardings = []
    for case in cases:
        events.append(
            Event(
                case=case,
                type=EventType.CASE_REGISTERED,
                actor=case.captured_by,
                created_at=case.received_at,
                data={
                    "aktenzeichen": case.aktenzeichen,
                    "status": case.status,
                    "erfassung": "generiert",
                    "kind": case.kind,
                    "channel": case.channel,
                    "subject": case.subject,
                },
            )
        )
        if case.acknowledged_at:
            events.append(
                Event(
                    case=case,
                    type=EventType.CASE_ACKNOWLEDGED,
                    actor=case.captured_by,
                    created_at=case.acknowledged_at,
                    data={"versandt": case.acknowledged_at},
                )
            )
        if case.closed_at:
            events.append(
                Event(
                    case=case,
                    type=EventType.CASE_TRANSITION,
                    actor=case.captured_by,
                    created_at=case.closed_at,
                    data={
                        "transition": "abschliessen",
                        "ergebnis": case.outcome,
                        "status": {"alt": Status.EINGEGANGEN, "neu": Status.ABGESCHLOSSEN},
                    },
                )
            )
        if not is_in_scope(case.kind):
            recipient = DEFAULT_FORWARDING_RECIPIENT[Kind(case.kind)]
            forwardings.append(
                Forwarding(
                    case=case,
                    recipient=recipient,
                    forwarded_at=case.received_at,
                    forwarded_by=case.captured_by,
                )
            )
            events.append(
                Event(
                    case=case,
                    type=EventType.CASE_FORWARDED,
                    actor=case.captured_by,
                    created_at=case.received_at,
                    data={"an": recipient},
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)
    Forwarding.objects.bulk_create(forwardings, batch_size=2000)
    search.reindex(case.pk for case in cases)
