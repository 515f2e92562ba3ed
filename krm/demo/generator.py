"""Realistic cases in bulk: `krm generate-cases N` and the benchmarks.

Cases are planned in Python (kind mix, channels, states over the last two years) and written
with bulk inserts; deadlines, Aktenzeichen, events and the search index are filled as the
services would fill them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from krm.accounts.models import OrgUnit, RoleAssignment, User
from krm.accounts.roles import Role
from krm.audit.chain import GENESIS
from krm.audit.models import ChainHead, Event, EventType
from krm.audit.personal import Personal
from krm.audit.services import seal
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
    Task,
    Topic,
)
from krm.cases.numbering import plan_number_for
from krm.cases.workflow import OPEN_STATUSES, STATES, Status, initial_status
from krm.jobcenters.models import Jobcenter
from krm.lib.aktenzeichen import Aktenzeichen
from krm.lib.workdays import BERLIN

from . import routes
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
        escalation_level=rng.choices([1, 2], weights=[88, 12])[0],  # never at 3 (R-W1.2)
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
    people = People.of(jobcenter, fallback=captured_by[0])
    created = 0
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        plans = sorted(
            (plan_case(rng, now=now, span_days=span_days, teams=teams) for _ in range(size)),
            key=lambda p: p.received_at,
        )
        with transaction.atomic():
            _insert(jobcenter, plans, captured_by, rng, topics, plan_numbers, due, people)
        created += size
    _analyze()
    return created


def _analyze() -> None:
    """Fresh planner statistics after a bulk load (autovacuum would come too late)."""
    tables = [
        Case._meta.db_table,
        Customer._meta.db_table,
        Event._meta.db_table,
        AktenzeichenRecord._meta.db_table,
        Case.topics.through._meta.db_table,
        Task._meta.db_table,
        search.TABLE,
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _insert(jobcenter, plans, captured_by, rng, topics, plan_numbers, due, people) -> None:
    calendar = jobcenter.workday_calendar()
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

    rows = []
    for plan in plans:
        received_on = plan.received_at.astimezone(BERLIN).date()
        key = (plan_numbers[plan.kind], received_on.year)
        number = next_number[key]
        next_number[key] += 1
        hist = routes.history(
            rng,
            kind=plan.kind,
            channel=plan.channel,
            received_at=plan.received_at,
            closed_at=plan.closed_at,
            now=timezone.now(),
        )
        status = hist.status
        d = due(plan.kind, plan.channel, received_on)
        unit = plan.org_unit
        handled = any(step[0] in HANDING_OVER for step in hist.steps)
        handler = None
        if handled and unit is not None:
            handler = (
                people.bl.get(unit.bereich.pk)
                if plan.kind == Kind.DIENSTAUFSICHTSBESCHWERDE
                else people.tl.get(unit.pk)
            )
        case = Case(
            jobcenter=jobcenter,
            kind=plan.kind,
            acknowledgement_due=d.acknowledgement,
            completion_due=d.completion,
            acknowledged_at=plan.acknowledged_at,
            closed_at=plan.closed_at,
            status=status,
            org_unit=unit,
            bereich=unit.bereich if unit else None,
            handler=handler,
            signer=hist.signer if hist.steps else "",
            escalation_level=plan.escalation_level,
            handling_due=calendar.add_workdays(received_on, jobcenter.handling_workdays)
            if handled
            else None,
        )
        state = STATES.get(status)
        holders = state.holders(case) if state else []
        rows.append(
            GeneratedCase(
                plan=plan,
                aktenzeichen=str(Aktenzeichen(key[0], key[1], number)),
                plan_number=key[0],
                number=number,
                received_on=received_on,
                status=status,
                deadlines=d,
                next_due=case.compute_next_due(),
                captured_by=rng.choice(captured_by).pk,
                history=hist,
                case=case,
                holders=holders,
            )
        )
    now = timezone.now()
    _raw_insert(
        Case,
        [
            "jobcenter",
            "aktenzeichen",
            "plan_number",
            "kind",
            "channel",
            "status",
            "is_open",
            "urgent",
            "received_at",
            "received_on",
            "subject",
            "text",
            "org_unit",
            "bereich",
            "escalation_level",
            "acknowledged_at",
            "closed_at",
            "outcome",
            "acknowledgement_due",
            "completion_due",
            "next_due",
            "captured_by",
            "created_at",
            "updated_at",
            "version",
            "handler",
            "signer",
            "handling_due",
            "abverfuegt_at",
            "draft",
            "acting",
            "step_due",
        ],
        [
            (
                jobcenter.pk,
                r.aktenzeichen,
                r.plan_number,
                r.plan.kind,
                r.plan.channel,
                r.status,
                r.status in OPEN_STATUSES,
                r.plan.kind in URGENT,
                r.plan.received_at,
                r.received_on,
                r.plan.subject,
                r.plan.text,
                r.plan.org_unit.pk if r.plan.org_unit else None,
                r.plan.org_unit.bereich.pk if r.plan.org_unit else None,
                r.plan.escalation_level,
                r.plan.acknowledged_at,
                r.plan.closed_at,
                r.plan.outcome,
                r.deadlines.acknowledgement,
                r.deadlines.completion,
                r.next_due,
                r.captured_by,
                now,
                now,
                1 + len(r.history.steps),
                r.case.handler.pk if r.case.handler else None,
                r.case.signer,
                r.case.handling_due,
                r.history.abverfuegt_at,
                DRAFT if r.history.drafted else "",
                ", ".join(h.who for h in r.holders)[:200],
                _task_due(r, calendar) if r.holders else None,
            )
            for r in rows
        ],
    )
    # The ids, through the unique Aktenzeichen (raw inserts return none).
    ids: dict[str, int] = {}
    values = [r.aktenzeichen for r in rows]
    for chunk in range(0, len(values), 900):
        ids.update(
            Case.objects.filter(
                jobcenter=jobcenter, aktenzeichen__in=values[chunk : chunk + 900]
            ).values_list("aktenzeichen", "pk")
        )
    for r in rows:
        r.pk = ids[r.aktenzeichen]

    _raw_insert(
        Customer,
        ["case", *Customer.FIELDS],
        [(r.pk, *(r.plan.customer[f] for f in Customer.FIELDS)) for r in rows if r.plan.customer],
    )
    _raw_insert(
        Case.topics.through,
        ["case", "topic"],
        [(r.pk, topics[code].pk) for r in rows for code in r.plan.topic_codes if code in topics],
    )
    _raw_insert(
        AktenzeichenRecord,
        ["jobcenter", "case", "aktenzeichen", "plan_number", "year", "number", "assigned_at"],
        [
            (
                jobcenter.pk,
                r.pk,
                r.aktenzeichen,
                r.plan_number,
                r.received_on.year,
                r.number,
                r.plan.received_at,
            )
            for r in rows
        ],
    )
    events: list[tuple] = []
    forwardings: list[tuple] = []
    for r in rows:
        plan = r.plan
        events.append(
            (
                r.pk,
                EventType.CASE_REGISTERED,
                r.captured_by,
                plan.received_at,
                {
                    "aktenzeichen": r.aktenzeichen,
                    "status": initial_status(plan.kind),
                    "erfassung": "generiert",
                    "kind": plan.kind,
                    "channel": plan.channel,
                    "subject": Personal(plan.subject, "subject"),
                },
            )
        )
        if plan.acknowledged_at:
            events.append(
                (
                    r.pk,
                    EventType.CASE_ACKNOWLEDGED,
                    r.captured_by,
                    plan.acknowledged_at,
                    {"versandt": plan.acknowledged_at},
                )
            )
        if not is_in_scope(plan.kind):
            recipient = DEFAULT_FORWARDING_RECIPIENT[Kind(plan.kind)]
            forwardings.append((r.pk, recipient, plan.received_at, r.captured_by, ""))
            events.append(
                (r.pk, EventType.CASE_FORWARDED, r.captured_by, plan.received_at, {"an": recipient})
            )
    for r in rows:
        for name, old, new, moment, actor in r.history.steps:
            data: dict = {"schritt": name}
            if new != old:
                data["status"] = {"alt": old, "neu": new}
            events.append((r.pk, EventType.CASE_STEP, people.actor(actor, r), moment, data))
    events.sort(key=lambda e: (e[0], e[3]))
    _insert_chained(events)
    _insert_tasks(jobcenter, rows, calendar)
    _raw_insert(
        Forwarding, ["case", "recipient", "forwarded_at", "forwarded_by", "note"], forwardings
    )
    search.reindex(r.pk for r in rows)


EVENT_COLUMNS = [
    "case", "type", "actor", "created_at", "data", "personal", "digests", "chain", "seq", "mac",
]  # fmt: skip


def _insert_chained(events: list[tuple]) -> None:
    """The events of new cases, each case's in order, sealed into its chain."""
    rows, heads = [], []
    chains: dict[int, tuple[int, str]] = {}
    for case_id, type_, actor, created_at, data in events:
        name = f"case:{case_id}"
        seq, prev = chains.get(case_id, (0, GENESIS))
        sealed = seal(
            chain_name=name,
            seq=seq + 1,
            prev=prev,
            type=type_,
            case_id=case_id,
            actor_id=actor,
            subject_user_id=None,
            created_at=created_at,
            data=data,
        )
        rows.append(
            (case_id, type_, actor, created_at, sealed.data, sealed.personal, sealed.digests)
        )
        rows[-1] = (*rows[-1], name, seq + 1, sealed.mac)
        chains[case_id] = (seq + 1, sealed.mac)
    heads = [(f"case:{case_id}", case_id, seq, mac) for case_id, (seq, mac) in chains.items()]
    _raw_insert(
        Event,
        [
            "case",
            "type",
            "actor",
            "created_at",
            "data",
            "personal",
            "digests",
            "chain",
            "seq",
            "mac",
        ],
        rows,
    )
    _raw_insert(ChainHead, ["key", "case", "seq", "mac"], heads)


@dataclass
class GeneratedCase:
    plan: CasePlan
    aktenzeichen: str
    plan_number: str
    number: int
    received_on: dt.date
    status: str
    deadlines: deadlines.Deadlines
    next_due: dt.date | None
    captured_by: int
    history: routes.History
    case: Case
    holders: list
    pk: int = 0


def _adapt(value: object) -> object:
    ops = connection.ops
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, dict):
        return json.dumps(value, cls=DjangoJSONEncoder)
    return value


def _raw_insert(model: type, fields: list[str], rows: list[tuple]) -> None:
    """Plain multi-row inserts: the ORM's per-value preparation costs more than the write."""
    if not rows:
        return
    quote = connection.ops.quote_name
    # Columns not named take their model default (NOT NULL columns have one).
    named = {model._meta.get_field(name).column for name in fields}
    defaults = [
        f
        for f in model._meta.concrete_fields
        if f.column not in named and not f.primary_key and not f.null
    ]
    names = [
        *(model._meta.get_field(name).column for name in fields),
        *(f.column for f in defaults),
    ]
    extra = tuple(f.get_default() for f in defaults)
    columns = ", ".join(quote(name) for name in names)
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(_adapt(v) for v in (*row, *extra)) for row in rows])


# Steps after which someone named handles the case.
HANDING_OVER = frozenset({"tl_zuweisen", "an_fuehrungskraft", "an_dsb"})
DRAFT = "Sehr geehrte Kundin, sehr geehrter Kunde,\n\nvielen Dank für Ihr Schreiben. …"


@dataclass
class People:
    """Who takes the generated steps: the Jobcenter's KRM-B, GF, BL per Bereich, TL per Team
    (any user where the role is not filled)."""

    krmb: User
    gf: User
    bl: dict[int, User]
    tl: dict[int, User]
    fallback: User

    @classmethod
    def of(cls, jobcenter: Jobcenter, *, fallback: User) -> People:
        by_role: dict[str, list] = defaultdict(list)
        for assignment in RoleAssignment.objects.filter(
            user__jobcenter=jobcenter, user__is_active=True
        ).select_related("user"):
            by_role[assignment.role].append(assignment)
        first = {role: rows[0].user for role, rows in by_role.items() if rows}
        return cls(
            krmb=first.get(Role.KRMB, fallback),
            gf=first.get(Role.GF, fallback),
            bl={a.org_unit_id: a.user for a in by_role[Role.BL] if a.org_unit_id},
            tl={a.org_unit_id: a.user for a in by_role[Role.TL] if a.org_unit_id},
            fallback=fallback,
        )

    def actor(self, role: str, row: GeneratedCase) -> int:
        """Who took a generated step: the person whose role the route names."""
        case = row.case
        bl = self.bl.get(case.bereich_id) if case.bereich_id else None
        tl = self.tl.get(case.org_unit_id) if case.org_unit_id else None
        any_bl = next(iter(self.bl.values()), self.gf)
        any_tl = next(iter(self.tl.values()), any_bl)
        if role == "gf" or (role == "signer" and case.signer != "tl"):
            return self.gf.pk
        if role == "bl":
            return (bl or any_bl).pk
        if role in ("handler", "signer"):
            return (case.handler or tl or any_tl).pk
        return self.krmb.pk


def _task_due(row: GeneratedCase, calendar) -> dt.date | None:
    state = row.history.states[-1] if row.history.states else None
    if state is None or state[2] is not None:
        return None
    if state[0] == Status.IN_BEARBEITUNG:
        return row.case.handling_due
    if state[0] == Status.BEANTWORTET:
        return row.deadlines.completion
    return calendar.add_workdays(state[1].astimezone(BERLIN).date(), 1)


def _insert_tasks(jobcenter: Jobcenter, rows: list[GeneratedCase], calendar) -> None:
    """One task per state each case was in: done when it left it, open where it stands."""
    task_rows = []
    for r in rows:
        for index, (status, entered, left) in enumerate(r.history.states):
            state = STATES.get(status)
            if state is None:
                continue
            holders = state.holders(r.case) if left is not None else r.holders
            if left is None:
                due_on = _task_due(r, calendar)
            elif status == Status.IN_BEARBEITUNG:
                due_on = r.case.handling_due
            else:
                due_on = calendar.add_workdays(entered.astimezone(BERLIN).date(), 1)
            done_by = r.history.steps[index][4] if left is not None else None
            for holder in holders:
                task_rows.append(
                    (
                        r.pk,
                        jobcenter.pk,
                        "aktion",
                        status,
                        state.todo_for(r.case),
                        holder.user.pk if holder.user else None,
                        holder.role,
                        holder.unit.pk if holder.unit else None,
                        holder.who[:200],
                        r.case.escalation_level,
                        entered,
                        due_on,
                        left,
                        None if done_by is None else r.captured_by,
                    )
                )
    _raw_insert(
        Task,
        [
            "case",
            "jobcenter",
            "kind",
            "step",
            "label",
            "assignee",
            "role",
            "unit",
            "who",
            "round",
            "created_at",
            "due",
            "done_at",
            "done_by",
        ],
        task_rows,
    )
