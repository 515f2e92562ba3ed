"""Reads: the worklists, search and the case page. Every list is a permission-filtered,
indexed, paginated query with a fixed number of SQL statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from krm.accounts.access import access_for
from krm.accounts.models import OrgUnit, User
from krm.audit.models import Event
from krm.lib import aktenzeichen as az

from . import permissions, search
from .deadlines import Clock
from .kinds import CONFIDENTIAL
from .models import AktenzeichenRecord, Case, CaseLink, Topic

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


def search_filter(query: str) -> Q:
    """Full-text match over subject, text and customer name, or an Aktenzeichen (also a
    former one)."""
    query = query.strip()
    parsed = az.parse(query)
    if parsed is not None:
        return Q(
            pk__in=AktenzeichenRecord.objects.filter(aktenzeichen=str(parsed)).values("case_id")
        )
    ids = search.matching_ids(query)
    return Q(pk__in=ids) if ids is not None else Q(pk__in=[])  # no words: nothing matches


def case_list(*, user: User, filters: CaseFilter, clock: Clock | None = None) -> QuerySet[Case]:
    """The cases this user may read, filtered, most urgent first (not yet evaluated).

    A case the user may only know to exist (a confidential one they captured) is listed
    only when searched for by its Aktenzeichen: in a list its place (open before closed,
    by deadline) would tell its status. `confidential_captures` lists them apart."""
    f = filters
    by_aktenzeichen = bool(f.q.strip()) and az.parse(f.q) is not None
    # Filtering by what one may not know (status, channel, unit, topic, deadline) would tell
    # it through the count: then such a case stays out, even when named.
    looks_inside = bool(f.channel or f.status or f.deadline_state or f.org_unit or f.topic)
    qs = permissions.visible_cases(user, contents_only=looks_inside or not by_aktenzeichen)
    if f.mine:
        qs = qs.filter(captured_by=user)
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
        qs = qs.filter(search_filter(f.q))
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
    return qs.select_related("org_unit", "customer").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("code"))
    )


def case_detail(*, user: User, case_id: int, change: bool = False) -> Case:
    """The case page's case, permission-checked, with everything the page shows loaded."""
    page_data = Case.objects.select_related(
        "jobcenter", "org_unit", "bereich", "staff_concerned", "captured_by", "customer"
    ).prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("code")),
        Prefetch("events", queryset=Event.objects.select_related("actor")),
        "forwardings__forwarded_by",
        "aktenzeichen_records",
    )
    return permissions.get_case(
        user, case_id, change=change, queryset=page_data, existence_only_ok=not change
    )


def find_case(*, user: User, aktenzeichen: str) -> Case | None:
    """The case with this Aktenzeichen (current or former), if the user may see it."""
    if az.parse(aktenzeichen) is None:
        return None
    return permissions.visible_cases(user).filter(search_filter(aktenzeichen)).first()


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
        CaseLink.objects.filter(Q(first=case) | Q(second=case))
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
    fields = ("id", "jobcenter_id", "kind", "captured_by_id", "bereich_id", "org_unit_id")
    for other in Case.objects.filter(pk__in=ids).only(*fields, "staff_concerned_id"):
        mentions[_mention(visibility, other)].add(other.pk)
    return frozenset(mentions["read"]), frozenset(mentions["unmentioned"])
