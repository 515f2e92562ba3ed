"""Reads: the worklists, search and the case page. Every list is a permission-filtered,
indexed, paginated query with a fixed number of SQL statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from krm.accounts.access import Access, access_for
from krm.accounts.models import OrgUnit, RoleAssignment, User
from krm.accounts.roles import Role
from krm.audit.models import Event
from krm.lib import aktenzeichen as az

from . import permissions, search, workflow
from .deadlines import Clock
from .kinds import CONFIDENTIAL
from .models import AktenzeichenRecord, Case, CaseLink, Task, Topic, Verfuegung

# "Open" as a status filter: every status in which deadlines run.
STATUS_OPEN = "offen"

# Open before closed, urgent first, then by the next deadline (none: last), newest first.
ORDERING = ("-is_open", "-urgent", F("next_due").asc(nulls_last=True), "-id")


@dataclass(frozen=True)
class CaseFilter:
    kind: str = ""
    channel: str = ""
    status: str = ""  # "", "offen" or a Status value
    deadline_state: str = ""
    org_unit: OrgUnit | None = None  # a Bereich includes its Teams
    topic: Topic | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""
    mine: bool = False
    waiting_for_me: bool = False  # an open task of the user's is on the case
    escalation_level: int | None = None
    urgent: bool | None = None


def search_filter(query: str, user: User) -> Q:
    """Full-text match over subject, text and customer name — and the text of the case's
    documents where the user may open them (R-A3) — or an Aktenzeichen (also a former
    one)."""
    query = query.strip()
    fragment = az.parse_fragment(query)
    if fragment is not None:
        # Any spelling of an Aktenzeichen (also a former one): `ii-6001-2026-00066`,
        # `6001-2026-66`, `00066/2026`.
        records = AktenzeichenRecord.objects.filter(number=fragment.number)
        if fragment.year is not None:
            records = records.filter(year=fragment.year)
        if fragment.plan is not None:
            records = records.filter(plan_number=fragment.plan)
        return Q(pk__in=records.values("case_id"))
    own = search.matching_ids(query, documents=False)
    if own is None:
        return Q(pk__in=[])  # no words: nothing matches
    opens = permissions.documents_visibility(access_for(user)).q(contents_only=True)
    if opens is None:
        return Q(pk__in=own)
    return Q(pk__in=own) | (Q(pk__in=search.matching_ids(query)) & opens)


def case_list(*, user: User, filters: CaseFilter, clock: Clock | None = None) -> QuerySet[Case]:
    """The cases this user may read, filtered, most urgent first (not yet evaluated).

    A case the user may only know to exist (a confidential one they captured) is listed
    only when searched for by its Aktenzeichen: in a list its place (open before closed,
    by deadline) would tell its status. `confidential_captures` lists them apart."""
    f = filters
    # Only a full Aktenzeichen (one case) may show what one can only know to exist: a
    # fragment matches several, whose order would tell the hidden one's state.
    by_aktenzeichen = bool(f.q.strip()) and az.parse(f.q) is not None
    # Filtering by what one may not know (status, channel, unit, topic, deadline) would tell
    # it through the count: then such a case stays out, even when named.
    looks_inside = bool(
        f.channel
        or f.status
        or f.deadline_state
        or f.org_unit
        or f.topic
        or f.waiting_for_me
        or f.escalation_level
        or f.urgent is not None
    )
    qs = permissions.visible_cases(user, contents_only=looks_inside or not by_aktenzeichen)
    if f.mine:
        qs = qs.filter(captured_by=user)
    if f.waiting_for_me:
        access = access_for(user)
        qs = qs.filter(
            pk__in=Task.objects.open()
            .filter(task_filter(access), kind=Task.Kind.AKTION)
            .values("case_id")
        )
    if f.escalation_level:
        qs = qs.filter(escalation_level=f.escalation_level)
    if f.urgent is not None:
        qs = qs.filter(urgent=f.urgent)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.status == STATUS_OPEN:
        qs = qs.filter(is_open=True)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.deadline_state:
        clock = clock or Clock.for_jobcenter(access_for(user).jobcenter_id or 0)
        qs = qs.filter(clock.filter(f.deadline_state))
    if f.org_unit is not None:
        if f.org_unit.level == OrgUnit.Level.BEREICH:
            qs = qs.filter(bereich=f.org_unit)
        else:
            qs = qs.filter(org_unit=f.org_unit)
    if f.topic is not None:
        qs = qs.filter(topics=f.topic)
    if f.received_from:
        qs = qs.filter(received_on__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_on__lte=f.received_to)
    if f.q.strip():
        qs = qs.filter(search_filter(f.q, user))
    # A status filter fixes is_open; ordering by it then would only hide the index.
    return qs.order_by(*(ORDERING[1:] if f.status else ORDERING))


def confidential_captures(*, user: User) -> QuerySet[Case]:
    """The confidential cases this user captured and may not read: only that they exist,
    newest receipt first (an order that tells nothing of their state)."""
    readable = permissions.visibility_of(user).q(contents_only=True)
    qs = permissions.visible_cases(user).filter(captured_by=user, kind__in=sorted(CONFIDENTIAL))
    if readable is not None:
        qs = qs.exclude(readable)
    return qs.only("id", "aktenzeichen", "kind", "received_on", "jobcenter_id").order_by(
        "-received_on", "-id"
    )


def with_list_data(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a list row shows: two queries for a page, whatever its length."""
    return qs.select_related("org_unit", "customer", "staff_concerned").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("code"))
    )


def case_detail(*, user: User, case_id: int, change: bool = False, contents: bool = False) -> Case:
    """The case page's case, permission-checked, with everything the page shows loaded."""
    page_data = Case.objects.select_related(
        "jobcenter",
        "org_unit",
        "bereich",
        "staff_concerned",
        "captured_by",
        "customer",
        "handler",
        "delegate",
    ).prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("code")),
        Prefetch("events", queryset=Event.objects.select_related("actor")),
        Prefetch(
            "tasks",
            queryset=Task.objects.open()
            .select_related("assignee", "unit")
            .order_by("kind", "due", "pk"),
            to_attr="open_tasks",
        ),
        Prefetch(
            "verfuegungen",
            queryset=Verfuegung.objects.select_related("decided_by", "presented_by", "unit"),
        ),
        "forwardings__forwarded_by",
        "aktenzeichen_records",
    )
    return permissions.get_case(
        user,
        case_id,
        change=change,
        queryset=page_data,
        existence_only_ok=not (change or contents),
    )


def find_cases(*, user: User, aktenzeichen: str, limit: int = 10) -> list[Case]:
    """The cases whose Aktenzeichen (current or former) matches what was typed, if the user
    may read them; most recent first."""
    if az.parse_fragment(aktenzeichen) is None:
        return []
    return list(
        permissions.visible_cases(user, contents_only=True)
        .filter(search_filter(aktenzeichen, user))
        .only("id", "aktenzeichen", "subject", "kind", "jobcenter_id")
        .order_by("-received_on", "-id")[:limit]
    )


SUGGESTED = 8


def link_candidates(*, user: User, case: Case, typed: str) -> list[Case]:
    """What to offer while someone types in the link form: cases matching an Aktenzeichen in
    any spelling or, from three letters on, the words; never the case itself."""
    if az.parse_fragment(typed) is None and len(typed) < 3:
        return []
    return list(
        permissions.visible_cases(user, contents_only=True)
        .filter(search_filter(typed, user))
        .exclude(pk=case.pk)
        .only("id", "aktenzeichen", "subject", "kind", "received_on", "jobcenter_id")
        .order_by("-received_on", "-id")[:SUGGESTED]
    )


@dataclass(frozen=True)
class LinkedCase:
    link: CaseLink
    case: Case | None  # None: linked, but this user may not see the other case


def _mention(visibility: permissions.Visibility, other: Case) -> str:
    """How a page names another case: "read" (in full), "hidden" (a placeholder) or
    "unmentioned" (a confidential case the reader may not read: not even a placeholder, so
    that nobody learns of a Dienstaufsichtsbeschwerde about them)."""
    if visibility.sees_contents(other):
        return "read"
    return "unmentioned" if other.kind in CONFIDENTIAL else "hidden"


def linked_cases(*, user: User, case: Case) -> list[LinkedCase]:
    """The cases linked to `case`: those the user may read, a placeholder for others,
    nothing for confidential ones (`_mention`)."""
    links = list(
        CaseLink.objects.filter(CaseLink.of(case.pk))
        .select_related("first", "second")
        .order_by("created_at")
    )
    visibility = permissions.visibility_of(user)
    result = []
    for link in links:
        other = link.second if link.first_id == case.pk else link.first
        mention = _mention(visibility, other)
        if mention != "unmentioned":
            result.append(LinkedCase(link, other if mention == "read" else None))
    return result


def mentions_in(
    *, user: User, events: Iterable[Event], also: Iterable[int] = ()
) -> tuple[frozenset[int], frozenset[int]]:
    """Of the cases a timeline's events (and `also`) name, those the user may read and
    those to leave unmentioned, events and all."""
    named = {e.data["mit_id"] for e in events if "mit_id" in e.data} | set(also)
    return readable_case_ids(user=user, ids=named)


def readable_case_ids(*, user: User, ids: set[int]) -> tuple[frozenset[int], frozenset[int]]:
    """Of the cases named by id (in a timeline), those the user may read, and those to
    leave unmentioned (`_mention`)."""
    if not ids:
        return frozenset(), frozenset()
    visibility = permissions.visibility_of(user)
    mentions: dict[str, set[int]] = {"read": set(), "unmentioned": set(), "hidden": set()}
    fields = (
        "id",
        "jobcenter_id",
        "kind",
        "captured_by_id",
        "bereich_id",
        "org_unit_id",
        "handler_id",
        "delegate_id",
    )
    for other in Case.objects.filter(pk__in=ids).only(*fields, "staff_concerned_id"):
        mentions[_mention(visibility, other)].add(other.pk)
    return frozenset(mentions["read"]), frozenset(mentions["unmentioned"])


# --- tasks -------------------------------------------------------------------------------

# Roles whose tasks are not tied to a unit: whoever holds the role does them.
UNIT_FREE_ROLES = (Role.KRMB, Role.GF, Role.DSB, Role.VERTRETUNG)


def _grant_task_filter(grant: Any, access: Access) -> Q:
    q = Q(pk__in=[])
    person = grant.principal_id or access.user_id
    if not grant.office:
        q |= Q(assignee_id=person)
    for role in UNIT_FREE_ROLES:
        if role in grant.roles:
            q |= Q(role=role, unit__isnull=True)
    if Role.BL in grant.roles and grant.led_bereich_ids:
        q |= Q(role=Role.BL, unit_id__in=sorted(grant.led_bereich_ids))
    if Role.TL in grant.roles and grant.led_team_ids:
        q |= Q(role=Role.TL, unit_id__in=sorted(grant.led_team_ids))
    if Role.LGF in grant.roles and access.lgf_bereich_ids:
        q |= Q(role=Role.LGF, unit_id__in=sorted(access.lgf_bereich_ids))
    if grant.office:
        # R-O-4: the Vorzimmer records what went out while the KRM-B is absent.
        q |= Q(role=Role.KRMB, unit__isnull=True, step__in=sorted(workflow.OFFICE_STATES))
    return q


def task_filter(access: Access) -> Q:
    """The open tasks a user holds: their own, those of a role they hold (in the units
    they lead), and those of the absent people they stand in for."""
    if access.user_id is None or access.jobcenter_id is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for grant in access.grants:
        q |= _grant_task_filter(grant, access)
    return q & Q(jobcenter_id=access.jobcenter_id)


def held_as_deputy(task: Task, access: Access) -> bool:
    """Not one's own task, but an absent person's."""
    own = [g for g in access.grants if g.principal_id is None]
    return not workflow.holds(
        access, user_id=task.assignee_id, role=task.role, unit_id=task.unit_id, grants=own
    )


def my_tasks(*, user: User) -> QuerySet[Task]:
    """Meine Aufgaben: open tasks on cases the user may read, by due date (overdue ones
    come first by themselves; none: last), oldest first. The case rule is applied through
    the join, not as a list of case ids."""
    access = access_for(user)
    readable = permissions.visibility_for(access).q(contents_only=True)
    if readable is None:
        return Task.objects.none()
    return (
        Task.objects.open()
        .filter(task_filter(access))
        .filter(_through_case(readable))
        .select_related("case")
        .only(
            "id",
            "kind",
            "step",
            "label",
            "who",
            "due",
            "created_at",
            "assignee_id",
            "role",
            "unit_id",
            "round",
            "case__id",
            "case__aktenzeichen",
            "case__subject",
            "case__kind",
            "case__urgent",
            "case__jobcenter_id",
            "case__status",
        )
        .order_by(F("due").asc(nulls_last=True), "created_at", "id")
    )


def _through_case(rule: Q) -> Q:
    """A rule over case columns as a rule over tasks (`case__…`)."""
    result = Q()
    result.connector, result.negated = rule.connector, rule.negated
    for child in rule.children:
        if isinstance(child, Q):
            result.children.append(_through_case(child))
        else:
            lookup, value = child
            result.children.append((f"case__{lookup}", value))
    return result


def assigned_usernames(case_ids: Iterable[int]) -> dict[int, list[str]]:
    """Who acts now on each case, as usernames: the named holders of its open tasks and the
    active holders of a role task's role (in its unit). Two queries, whatever the count."""
    ids = list(case_ids)
    if not ids:
        return {}
    tasks = list(
        Task.objects.open()
        .filter(case_id__in=ids, kind=Task.Kind.AKTION)
        .values_list("case_id", "assignee__username", "role", "unit_id", "jobcenter_id")
    )
    wanted = {(role, unit, jc) for _c, name, role, unit, jc in tasks if name is None and role}
    holders: dict[tuple[str, int | None, int], list[str]] = {}
    if wanted:
        q = Q(pk__in=[])
        for role, unit, jc in wanted:
            q |= Q(role=role, org_unit_id=unit, user__jobcenter_id=jc)
        rows = (
            RoleAssignment.objects.filter(q, user__is_active=True)
            .values_list("role", "org_unit_id", "user__jobcenter_id", "user__username")
            .order_by("user__username")
        )
        for role, unit, jc, username in rows:
            holders.setdefault((role, unit, jc), []).append(username)
    result: dict[int, list[str]] = {}
    for case_id, name, role, unit, jc in tasks:
        names = [name] if name else holders.get((role, unit, jc), [])
        result.setdefault(case_id, [])
        result[case_id] += [n for n in names if n not in result[case_id]]
    return result
