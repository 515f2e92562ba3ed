"""Writing audit events and checking them. Called by the services inside their
transaction; nothing else writes an event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import chain, personal
from .models import ChainHead, Event


def audit_key() -> bytes:
    return settings.KRM_AUDIT_KEY.encode()


def chain_key(*, case: Any = None, jobcenter_id: int | None = None) -> str:
    if case is not None:
        return f"case:{case.pk}"
    return f"jc:{jobcenter_id}" if jobcenter_id else "system"


@dataclass(frozen=True)
class Sealed:
    """An event's chained fields, computed before it is written."""

    data: Any
    personal: dict[str, Any]
    digests: dict[str, str]
    mac: str


def seal(
    *,
    chain_name: str,
    seq: int,
    prev: str,
    type: str,
    case_id: int | None,
    actor_id: int | None,
    subject_user_id: int | None,
    created_at: dt.datetime,
    data: Any,
) -> Sealed:
    """Split the personal values off, digest them and compute the event's MAC."""
    key = audit_key()
    refs, values = personal.split(data)
    refs = chain.canonical_value(refs)
    values = chain.canonical_value(values)
    digests = {
        slot: chain.digest(key, chain=chain_name, seq=seq, slot=slot, value=value)
        for slot, value in values.items()
    }
    mac = chain.event_mac(
        key,
        chain=chain_name,
        seq=seq,
        prev=prev,
        type=type,
        case_id=case_id,
        actor_id=actor_id,
        subject_user_id=subject_user_id,
        created_at=created_at,
        data=refs,
        digests=digests,
    )
    return Sealed(refs, values, digests, mac)


def record(
    *,
    type: str,
    actor: Any,
    case: Any = None,
    jobcenter_id: int | None = None,
    subject_user: Any = None,
    data: dict | None = None,
    starts_chain: bool = False,
) -> Event:
    """Append an event to its chain: the case's, or the Jobcenter's security log.
    `starts_chain`: the caller knows it writes the chain's first event (a new case)."""
    name = chain_key(case=case, jobcenter_id=jobcenter_id)
    with transaction.atomic(savepoint=False):
        # The head is locked while the event is appended; a chain's first event is written in
        # the transaction that creates its case or Jobcenter, so nobody else can race for it.
        head = (
            None if starts_chain else ChainHead.objects.select_for_update().filter(key=name).first()
        )
        seq, prev = (head.seq, head.mac) if head else (0, chain.GENESIS)
        created_at = timezone.now()
        sealed = seal(
            chain_name=name,
            seq=seq + 1,
            prev=prev,
            type=type,
            case_id=case.pk if case is not None else None,
            actor_id=actor.pk if actor is not None else None,
            subject_user_id=subject_user.pk if subject_user is not None else None,
            created_at=created_at,
            data=data or {},
        )
        event = Event.objects.create(
            case=case,
            jobcenter_id=jobcenter_id if case is None else None,
            subject_user=subject_user,
            type=type,
            actor=actor,
            created_at=created_at,
            data=sealed.data,
            personal=sealed.personal,
            digests=sealed.digests,
            chain=name,
            seq=seq + 1,
            mac=sealed.mac,
        )
        if head is None:
            ChainHead.objects.create(key=name, case=case, seq=event.seq, mac=event.mac)
        else:
            ChainHead.objects.filter(pk=head.pk).update(seq=event.seq, mac=event.mac)
    return event


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"alt": old, "neu": new}} for the fields whose value changed."""
    return {
        key: {"alt": old.get(key), "neu": value}
        for key, value in new.items()
        if old.get(key) != value
    }


def erase(events: Iterable[Event], fields: set[str]) -> list[str]:
    """Erase the personal values of `fields` from these events (GDPR art. 16, 17); their
    digests stay, so the chain stays verifiable. Returns the fields actually erased."""
    erased: set[str] = set()
    for event in events:
        changed = False
        values = dict(event.personal)
        for slot, value in values.items():
            if value is not None and personal.matches(slot, fields):
                values[slot] = None
                erased.add(personal.field_of(slot))
                changed = True
        if changed:
            Event.objects.filter(pk=event.pk).update(personal=values)
            event.personal = values
    return sorted(erased)


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    chain: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"Ereignis {self.seq}" if self.seq is not None else "Kette"
        return f"{self.chain}: {where}: {self.message}"


def _erasures(events: list[Event]) -> list[tuple[int, set[str]]]:
    """(seq, fields) of the erasure and rectification events of a chain."""
    from .models import EventType

    result = []
    for event in events:
        if event.type in (EventType.CASE_ERASED, EventType.CASE_RECTIFIED):
            result.append((event.seq, set(event.data.get("felder", []))))
    return result


def verify_chain(name: str, events: list[Event], head: ChainHead | None) -> list[Problem]:
    """Check one chain, its events in stored order of `seq`."""
    key = audit_key()
    problems: list[Problem] = []
    prev = chain.GENESIS
    expected_seq = 1
    erasures = _erasures(events)
    # Appends to a chain are serialised by its head's lock: ids grow with `seq`.
    if [e.pk for e in events] != sorted(e.pk for e in events):
        problems.append(Problem(name, None, "Reihenfolge der Ereignisse verändert"))
    for event in events:
        if event.seq != expected_seq:
            missing = ", ".join(str(s) for s in range(expected_seq, event.seq)) or "?"
            # Without its predecessor this event's MAC cannot be checked; the gap is found.
            problems.append(Problem(name, event.seq, f"Ereignis(se) davor fehlen: {missing}"))
        elif (
            chain.event_mac(
                key,
                chain=name,
                seq=event.seq,
                prev=prev,
                type=event.type,
                case_id=event.case_id,
                actor_id=event.actor_id,
                subject_user_id=event.subject_user_id,
                created_at=event.created_at,
                data=event.data,
                digests=event.digests,
            )
            != event.mac
        ):
            problems.append(Problem(name, event.seq, "Ereignis verändert"))
        if set(event.personal) != set(event.digests):
            problems.append(Problem(name, event.seq, "personenbezogene Werte verändert"))
        for slot, value in event.personal.items():
            if value is None:
                field = personal.field_of(slot)
                if not any(
                    seq > event.seq and personal.matches(slot, fields) for seq, fields in erasures
                ):
                    problems.append(
                        Problem(name, event.seq, f"Wert „{field}“ ohne Löschvermerk entfernt")
                    )
            elif chain.digest(
                key, chain=name, seq=event.seq, slot=slot, value=value
            ) != event.digests.get(slot):
                problems.append(Problem(name, event.seq, "personenbezogener Wert verändert"))
        prev = event.mac
        expected_seq = event.seq + 1
    if head is not None and head.seq == 0:
        # A real head always names an event: an empty one stands for a chain emptied.
        problems.append(Problem(name, None, "Kette fehlt ganz (alle Ereignisse gelöscht)"))
    elif head is None:
        if events:
            problems.append(Problem(name, None, "Kettenende fehlt"))
    elif (head.seq, head.mac) != ((events[-1].seq, events[-1].mac) if events else (0, "")):
        if not events or head.seq > events[-1].seq:
            problems.append(Problem(name, head.seq, "letzte(s) Ereignis(se) fehlen"))
        else:
            problems.append(Problem(name, None, "Kettenende verändert"))
    return problems


def verify(
    *,
    chains: Iterable[str] | None = None,
    expected: Iterable[str] = (),
    batch: int = 2000,
) -> Iterator[Problem]:
    """Check every chain (or the named ones); yields what is wrong. `expected`: chains
    that must exist (of every case and Jobcenter): one deleted whole is found too."""
    heads = ChainHead.objects.order_by("key")
    if chains is not None:
        chains = list(chains)
        heads = heads.filter(key__in=chains)
    names = list(heads.values_list("key", flat=True))
    orphans = (
        Event.objects.exclude(chain__in=ChainHead.objects.values("key"))
        .values_list("chain", flat=True)
        .distinct()
    )
    if chains is None:
        names.extend(sorted(set(orphans)))
    else:
        names.extend(sorted(set(orphans.filter(chain__in=chains))))
    wanted = set(expected) | set(chains or ())
    for start in range(0, len(names), batch):
        part = names[start : start + batch]
        grouped: dict[str, list[Event]] = {name: [] for name in part}
        for event in Event.objects.filter(chain__in=part).order_by("chain", "seq", "pk"):
            grouped[event.chain].append(event)
        head_rows = {h.key: h for h in ChainHead.objects.filter(key__in=part)}
        for name in part:
            yield from verify_chain(name, grouped[name], head_rows.get(name))
    for name in sorted(wanted - set(names)):
        yield Problem(name, None, "Kette fehlt ganz (alle Ereignisse gelöscht)")


def retention_deletion() -> Any:
    """The one path on which audit events are deleted: together with their case, at the
    end of its retention period (on PostgreSQL a trigger refuses every other DELETE)."""
    import pgtrigger

    return pgtrigger.ignore("audit.Event:append_only_delete")


def log_reads(*, user: Any, case_ids: Iterable[int], via: str, address: str | None = None) -> None:
    """One row per case opened (ASVS 8.3.5), in one INSERT statement (atomic by itself,
    so no transaction around it: a page pays one statement, a list page too)."""
    from .models import ReadEvent

    ids = list(case_ids)
    if not ids:
        return
    now = timezone.now()
    table = connection.ops.quote_name(ReadEvent._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(ReadEvent._meta.get_field(name).column)
        for name in ("case", "user", "at", "via", "address")
    )
    at = connection.ops.adapt_datetimefield_value(now)
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(ids))
    params: list[Any] = []
    for case_id in ids:
        params += [case_id, user.pk, at, via, address or None]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows}", params)  # noqa: S608
