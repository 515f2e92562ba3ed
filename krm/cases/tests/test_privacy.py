"""Rectification and erasure (GDPR art. 16, 17; issue 6, finding 5): old and erased values
disappear from the case, its search entry and its whole timeline; what remains records
what, when, by whom and why; the audit chain still verifies."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from krm.audit import services as audit
from krm.audit.models import Event, EventType
from krm.cases import privacy, services
from krm.cases.models import Case, CaseLink, Customer
from krm.testing.factories import make_case

OLD = {
    "name": "Erika Mustermann",
    "street": "Schönhauser Allee 1",
    "postal_code": "10437",
    "city": "Berlin-Prenzlauer Berg",
    "email": "erika@example.org",
    "phone": "030 1234567",
    "customer_number": "962D123456",
}


@pytest.fixture
def case(org) -> Case:
    """A case whose customer data were once edited the ordinary way (old values in the
    timeline), with a note on a link and a reason for reopening."""
    krmb = org["krmb"]
    case = make_case(
        krmb,
        org_unit=org.t711,
        subject="Beschwerde über die Wartezeit",
        text="Die Kundin schreibt über ihre Krankheit.",
        customer={**OLD, "name": "Erika Musterman"},
    )
    case = services.update_case(
        actor=krmb,
        case=case,
        expected_version=case.version,
        changes={"customer": OLD},
    )
    other = make_case(krmb, subject="Widerspruch")
    services.link_cases(actor=krmb, case=case, other=other, note="Frau Mustermann, Widerspruch")
    case.refresh_from_db()
    return case


def _stored(case: Case) -> str:
    """Everything stored for the case and its timeline, as text."""
    events = Event.objects.filter(case=case)
    return json.dumps([[e.data, e.personal] for e in events], ensure_ascii=False) + json.dumps(
        list(Customer.objects.filter(case=case).values()), ensure_ascii=False
    )


def _page(client: Client, case: Case) -> str:
    response = client.get(f"/faelle/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_ordinary_edit_keeps_the_old_value_in_the_timeline(client: Client, org, case) -> None:
    """The record keeps the old value (only Berichtigen removes it); the page says what
    changed, not the customer's old data."""
    client.force_login(org["krmb"])
    assert "Erika Musterman" in _stored(case)
    html = _page(client, case)
    assert "Kundendaten geändert: Name" in html
    assert "Erika Musterman;" not in html and "Erika Musterman " not in html


def test_rectification_removes_the_old_value_everywhere(client: Client, org, case) -> None:
    client.force_login(org["krmb"])
    response = client.post(
        f"/faelle/{case.pk}/datenschutz/",
        {
            "action": "berichtigen",
            "version": case.version,
            "subject": case.subject,
            "text": case.text,
            **{f"customer_{k}": v for k, v in OLD.items()},
            "customer_name": "Erika Musterfrau",
            "reason": "Antrag vom 02.12.2026: Name falsch",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    case.refresh_from_db()
    assert case.customer.name == "Erika Musterfrau"
    html = _page(client, case)
    for gone in ("Erika Musterman;", "Erika Mustermann"):
        assert gone not in html
        assert gone not in _stored(case)
    assert "Erika Musterfrau" in html
    assert "Daten berichtigt (Art. 16 DSGVO)" in html
    assert "betrifft: Kundendaten: Name" in html
    assert "Grund: Antrag vom 02.12.2026: Name falsch" in html
    assert "Kundendaten geändert: Name" in html  # the edit is still there, without values
    # Other values stay where they were.
    assert OLD["email"] in _stored(case)
    # Search finds the new name, not the old one.
    assert _count(client, "Musterfrau") == 1
    assert _count(client, "Mustermann") == 0
    assert list(audit.verify()) == []


def _count(client: Client, query: str) -> int:
    html = client.get("/faelle/", {"q": query, "status": ""}).content.decode()
    return int(html.split('<h2 id="ergebnis">')[1].split(" ")[0])


def test_erasure_removes_customer_data_text_and_notes_everywhere(client: Client, org, case) -> None:
    other = Case.objects.get(subject="Widerspruch")
    client.force_login(org["krmb"])
    response = client.post(
        f"/faelle/{case.pk}/datenschutz/",
        {
            "action": "loeschen",
            "version": case.version,
            "fields": ["customer", "subject", "text", "notes"],
            "reason": "Löschantrag nach Art. 17 DSGVO vom 02.12.2026",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert not Customer.objects.filter(case=case).exists()
    assert (case.subject, case.text) == (privacy.ERASED_SUBJECT, "")
    stored = _stored(case) + _stored(other)
    html = _page(client, case) + _page(client, other)
    for value in [*OLD.values(), "Erika Musterman", "Krankheit", "Frau Mustermann"]:
        assert value not in stored, value
        assert value not in html, value
    assert CaseLink.objects.get().note == ""
    erased = Event.objects.get(case=case, type=EventType.CASE_ERASED)
    assert erased.actor == org["krmb"]
    assert erased.data == {
        "felder": ["customer", "subject", "text", "notes"],
        "grund": "Löschantrag nach Art. 17 DSGVO vom 02.12.2026",
    }
    assert "hat personenbezogene Daten gelöscht (Art. 17 DSGVO)." in html
    # The linked case's timeline records the erasure of the note there.
    assert Event.objects.filter(case=other, type=EventType.CASE_ERASED).exists()
    assert _count(client, "Krankheit") == 0
    assert list(audit.verify()) == []


def test_erasing_one_customer_field_keeps_the_others(org, case) -> None:
    privacy.erase(
        actor=org["krmb"],
        case=case,
        expected_version=case.version,
        fields={"customer.email"},
        reason="Antrag",
    )
    case.refresh_from_db()
    assert case.customer.email == ""
    assert case.customer.name == OLD["name"]
    assert OLD["email"] not in _stored(case)
    assert OLD["phone"] in _stored(case)


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"action": "loeschen", "fields": ["text"], "reason": "", "confirm": "on"}, "Grund"),
        ({"action": "loeschen", "fields": [], "reason": "Antrag", "confirm": "on"}, "Daten"),
        ({"action": "loeschen", "fields": ["text"], "reason": "Antrag"}, "rückgängig"),
        ({"action": "loeschen", "fields": ["passwort"], "reason": "A", "confirm": "on"}, "Auswahl"),
        ({"action": "berichtigen", "subject": "", "reason": "Antrag"}, "Betreff"),
    ],
)
def test_incomplete_requests_change_nothing(
    client: Client, org, case, post: dict, message: str
) -> None:
    before = _stored(case)
    client.force_login(org["krmb"])
    response = client.post(f"/faelle/{case.pk}/datenschutz/", {"version": case.version, **post})
    assert response.status_code == 200
    assert "Bitte prüfen Sie Ihre Eingaben" in response.content.decode()
    assert message in response.content.decode()
    assert _stored(case) == before


def test_a_rectification_that_changes_nothing_is_refused(org, case) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="nichts berichtigt"):
        privacy.rectify(
            actor=org["krmb"],
            case=case,
            expected_version=case.version,
            changes={"subject": case.subject},
            reason="Antrag",
        )


def test_a_stale_erasure_is_refused(client: Client, org, case) -> None:
    client.force_login(org["krmb"])
    response = client.post(
        f"/faelle/{case.pk}/datenschutz/",
        {
            "action": "loeschen",
            "version": case.version - 1,
            "fields": ["text"],
            "reason": "Antrag",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.text  # unchanged


@pytest.mark.parametrize(
    ("role", "status"),
    [("vertretung", 403), ("gf", 403), ("bl", 403), ("tl", 403), ("dsb", 404), ("admin", 404)],
)
def test_only_the_acting_krmb_rectifies_or_erases(
    client: Client, org, case, role: str, status: int
) -> None:
    before = _stored(case)
    client.force_login(org[role])
    assert client.get(f"/faelle/{case.pk}/datenschutz/").status_code == status
    response = client.post(
        f"/faelle/{case.pk}/datenschutz/",
        {
            "action": "loeschen",
            "version": case.version,
            "fields": ["customer"],
            "reason": "x",
            "confirm": "on",
        },
    )
    assert response.status_code == status
    assert _stored(case) == before


def test_erasing_notes_names_no_dab_in_the_linked_case(client: Client, org) -> None:
    """Found by attack: the erasure record in the linked case named the DAB's Aktenzeichen,
    which the TL the DAB is about can read there."""
    krmb = org["krmb"]
    complaint = make_case(krmb, org_unit=org.t711, subject="Wartezeit")
    dab = make_case(
        krmb,
        kind="dienstaufsichtsbeschwerde",
        org_unit=org.t711,
        staff_concerned=org["tl"],
        subject="Über die Teamleitung",
    )
    services.link_cases(actor=krmb, case=dab, other=complaint, note="Frau X")
    dab.refresh_from_db()
    privacy.erase(
        actor=krmb, case=dab, expected_version=dab.version, fields={"notes"}, reason="Antrag"
    )
    assert Event.objects.filter(case=complaint, type=EventType.CASE_ERASED).exists()
    client.force_login(org["tl"])
    html = _page(client, complaint)
    assert dab.aktenzeichen not in html
    assert "Löschung im verknüpften Fall" not in html  # the whole entry stays out
    client.force_login(org["bl"])
    assert "Löschung im verknüpften Fall" in _page(client, complaint)
