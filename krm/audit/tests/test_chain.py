"""Tamper evidence of the audit trail (ASVS 7.3.3; krm/audit/chain.py): every event is
chained to the one before; `krm audit verify` reports edited, deleted and reordered events,
on SQLite and on PostgreSQL; on PostgreSQL a trigger refuses UPDATE and DELETE."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from krm.accounts.roles import Role
from krm.audit import services as audit
from krm.audit.models import ChainHead, Event, EventType
from krm.cases import services
from krm.cases.models import Case
from krm.testing import route
from krm.testing.factories import JobcenterFactory, UserFactory, make_case

POSTGRES = connection.vendor == "postgresql"


@contextmanager
def as_intruder():
    """Someone with write access to the database, past the application and its trigger."""
    with pgtrigger.ignore("audit.Event:append_only_update", "audit.Event:append_only_delete"):
        yield


def raw(sql: str, params: list[Any]) -> None:
    with as_intruder(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def problems(*chains: str) -> list[str]:
    return [str(p) for p in audit.verify(chains=list(chains) or None)]


@pytest.fixture
def case(org) -> Case:
    """A case with a history of nine events: registered, updated, acknowledged (its
    Eingangsbestätigung made and sent: two more), before the GF (its Verfügungsblatt made:
    one more), a note, linked."""
    krmb = org["krmb"]
    case = make_case(krmb, org_unit=org.t711, customer={"name": "Erika Muster"})
    case = services.update_case(
        actor=krmb, case=case, expected_version=case.version, changes={"subject": "Neu"}
    )
    case = route.step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    case = route.step(krmb, case, "gf_vorlegen", summary="Sachverhalt", proposal="Team 711")
    case = route.step(krmb, case, "notiz", text="Kundin meldet sich")
    other = make_case(krmb, subject="Widerspruch")
    services.link_cases(actor=krmb, case=case, other=other, note="gleicher Bescheid")
    return case


def _events(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case).order_by("seq"))


def test_every_event_of_a_case_is_chained_and_verifies(case: Case) -> None:
    events = _events(case)
    assert [e.seq for e in events] == list(range(1, 10))
    assert len({e.mac for e in events}) == 9
    head = ChainHead.objects.get(key=f"case:{case.pk}")
    assert (head.seq, head.mac) == (9, events[-1].mac)
    assert problems() == []
    # Personal values sit apart from the data, digested into the MAC.
    registered = events[0]
    assert registered.data["customer"]["name"] == {"$p": registered_slot(registered, "name")}
    assert registered.content["customer"]["name"] == "Erika Muster"
    assert "Erika" not in str(registered.data)


def registered_slot(event: Event, name: str) -> str:
    return next(slot for slot in event.personal if slot.endswith(f"customer.{name}"))


def test_the_command_reports_a_sound_trail(case: Case, capsys) -> None:
    call_command("audit", "verify")
    assert "Prüfpfad in Ordnung (alle Ketten)." in capsys.readouterr().out
    call_command("audit", "verify", "--aktenzeichen", case.aktenzeichen)
    assert f"(case:{case.pk})" in capsys.readouterr().out


def test_an_edited_event_is_found(case: Case, capsys) -> None:
    third = _events(case)[2]
    raw(
        f"UPDATE audit_event SET data = %s WHERE id = %s",  # noqa: F541
        ['{"versandt": "2020-01-01T00:00:00+00:00"}', third.pk],
    )
    assert problems() == [f"case:{case.pk}: Ereignis 3: Ereignis verändert"]
    with pytest.raises(CommandError, match="1 Befund"):
        call_command("audit", "verify")
    assert "Ereignis 3: Ereignis verändert" in capsys.readouterr().out


@pytest.mark.parametrize("column", ["type", "actor_id", "created_at", "digests"])
def test_any_edited_column_is_found(case: Case, org, column: str) -> None:
    second = _events(case)[1]
    value = {
        "type": EventType.CASE_FORWARDED.value,
        "actor_id": org["gf"].pk,
        "created_at": second.created_at.replace(year=2020),
        "digests": "{}",
    }[column]
    raw(f"UPDATE audit_event SET {column} = %s WHERE id = %s", [value, second.pk])  # noqa: S608
    assert f"case:{case.pk}: Ereignis 2: Ereignis verändert" in problems()


def test_a_deleted_event_is_found(case: Case) -> None:
    raw("DELETE FROM audit_event WHERE id = %s", [_events(case)[3].pk])
    assert problems() == [f"case:{case.pk}: Ereignis 5: Ereignis(se) davor fehlen: 4"]


def test_a_deleted_last_event_is_found(case: Case) -> None:
    raw("DELETE FROM audit_event WHERE id = %s", [_events(case)[-1].pk])
    assert problems() == [f"case:{case.pk}: Ereignis 9: letzte(s) Ereignis(se) fehlen"]


def test_reordered_events_are_found(case: Case) -> None:
    second, third = _events(case)[1:3]
    raw("UPDATE audit_event SET seq = 1000 WHERE id = %s", [second.pk])
    raw("UPDATE audit_event SET seq = 2 WHERE id = %s", [third.pk])
    raw("UPDATE audit_event SET seq = 3 WHERE id = %s", [second.pk])
    found = problems()
    assert f"case:{case.pk}: Kette: Reihenfolge der Ereignisse verändert" in found
    assert f"case:{case.pk}: Ereignis 2: Ereignis verändert" in found


def test_an_edited_personal_value_is_found(case: Case) -> None:
    first = _events(case)[0]
    values = dict(first.personal, **{registered_slot(first, "name"): "Jemand Anderes"})
    Event.objects.filter(pk=first.pk).update(personal=values)  # allowed: erasure's path
    assert problems() == [f"case:{case.pk}: Ereignis 1: personenbezogener Wert verändert"]


def test_a_value_removed_without_an_erasure_record_is_found(case: Case) -> None:
    first = _events(case)[0]
    values = dict(first.personal, **{registered_slot(first, "name"): None})
    Event.objects.filter(pk=first.pk).update(personal=values)
    assert problems() == [
        f"case:{case.pk}: Ereignis 1: Wert „customer.name“ ohne Löschvermerk entfernt"
    ]


def test_the_security_log_is_a_chain_of_its_own(org) -> None:
    jobcenter = org.jobcenter
    log = f"jc:{jobcenter.pk}"
    with as_intruder():  # without the fixture's account events, for readable numbers
        Event.objects.filter(chain=log).delete()
        ChainHead.objects.filter(key=log).delete()
    for n in range(3):
        audit.record(
            type=EventType.CONFIG_CHANGED,
            actor=org["admin"],
            jobcenter_id=jobcenter.pk,
            data={"was": f"Änderung {n}"},
        )
    events = list(Event.objects.filter(chain=f"jc:{jobcenter.pk}").order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert problems(f"jc:{jobcenter.pk}") == []
    raw("DELETE FROM audit_event WHERE id = %s", [events[0].pk])
    assert problems(f"jc:{jobcenter.pk}") == [
        f"jc:{jobcenter.pk}: Ereignis 2: Ereignis(se) davor fehlen: 1"
    ]


def test_the_orm_refuses_to_change_an_event(case: Case) -> None:
    event = _events(case)[0]
    event.data = {"manipuliert": True}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(data={})
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(personal={}, mac="0")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET data = '{}' WHERE id = %s",
        "UPDATE audit_event SET seq = seq + 100 WHERE id = %s",
        "UPDATE audit_event SET mac = 'x' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(case: Case, sql: str) -> None:
    event = _events(case)[0]
    with (
        pytest.raises(DatabaseError, match="pgtrigger: Cannot"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert problems() == []


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="the trigger is PostgreSQL's")
def test_the_database_lets_erasure_and_retention_through(case: Case) -> None:
    first = _events(case)[0]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET personal = '{}' WHERE id = %s", [first.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        case.delete()
    with audit.retention_deletion():
        case.delete()
    assert not Event.objects.filter(case_id=first.case_id).exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="concurrent transactions need PostgreSQL's separate connections"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_chain_stay_one_chain() -> None:
    """Eight threads write to one case and one security log at once: each chain stays
    gap-free and verifies (the head row is locked while an event is appended)."""
    krmb = UserFactory(username="krmb", jobcenter=JobcenterFactory(), roles=[Role.KRMB])
    case = make_case(krmb)
    log_before = Event.objects.filter(chain=f"jc:{krmb.jobcenter_id}").count()  # the accounts
    threads_count, rounds = 8, 4
    barrier = threading.Barrier(threads_count, timeout=60)
    errors: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            for n in range(rounds):
                barrier.wait()
                audit.record(type=EventType.CASE_TRANSITION, actor=krmb, case=case, data={"n": n})
                audit.record(
                    type=EventType.CONFIG_CHANGED,
                    actor=krmb,
                    jobcenter_id=krmb.jobcenter_id,
                    data={"thread": thread},
                )
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    total = threads_count * rounds
    case_seqs = sorted(Event.objects.filter(case=case).values_list("seq", flat=True))
    assert case_seqs == list(range(1, total + 2))  # plus the registration
    log = sorted(
        Event.objects.filter(chain=f"jc:{krmb.jobcenter_id}").values_list("seq", flat=True)
    )
    assert log == list(range(1, log_before + total + 1))
    assert problems() == []


def test_a_chain_deleted_whole_is_found(case: Case, org, capsys) -> None:
    """Found by attack: deleting every event of a case and its head went unnoticed."""
    raw("DELETE FROM audit_event WHERE chain = %s", [f"case:{case.pk}"])
    ChainHead.objects.filter(key=f"case:{case.pk}").delete()
    with pytest.raises(CommandError, match="1 Befund"):
        call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"case:{case.pk}: Kette: Kette fehlt ganz" in out
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--aktenzeichen", case.aktenzeichen)
    # The same for a Jobcenter's security log.
    raw("DELETE FROM audit_event WHERE chain = %s", [f"jc:{org.jobcenter.pk}"])
    ChainHead.objects.filter(key=f"jc:{org.jobcenter.pk}").delete()
    with pytest.raises(CommandError, match="2 Befund"):
        call_command("audit", "verify")


def test_a_chain_emptied_with_its_head_kept_is_found(case: Case) -> None:
    """Found by attack: events deleted and the head set to (0, "") passed."""
    raw("DELETE FROM audit_event WHERE chain = %s", [f"case:{case.pk}"])
    ChainHead.objects.filter(key=f"case:{case.pk}").update(seq=0, mac="")
    assert f"case:{case.pk}: Kette: Kette fehlt ganz (alle Ereignisse gelöscht)" in problems()
