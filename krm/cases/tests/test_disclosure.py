"""Who saw what, for the data subject (GDPR art. 15): the KRM-B exports everything krm
holds about a customer (cases, documents, the read log of those cases) as one PDF/A."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.test import Client

from krm.audit import services as audit
from krm.audit.models import Event, EventType, ReadEvent
from krm.cases import services
from krm.testing.factories import make_case

ERIKA = {"name": "Erika Mustermann", "email": "Erika@Example.org", "customer_number": "962D1"}


@pytest.fixture
def cases(org) -> dict:
    krmb = org["krmb"]
    first = make_case(
        krmb,
        org_unit=org.t711,
        staff_concerned=org["mitarbeiter"],
        subject="Wartezeit am Empfang",
        text="Ich habe drei Stunden gewartet.",
        customer=ERIKA,
    )
    second = make_case(
        krmb,
        kind="lob",
        subject="Danke an das Team",
        customer={"name": "Erika Mustermann", "email": "erika@example.org"},
    )
    other = make_case(
        krmb,
        subject="Bescheid fehlt",
        text="Max schreibt.",
        customer={"name": "Max Muster", "email": "max@example.org"},
    )
    services.link_cases(actor=krmb, case=first, other=other, note="gleiche Adresse")
    return {"first": first, "second": second, "other": other}


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "auskunft.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"name": "Erika Mustermann"}, {"first", "second"}),
        ({"name": "mustermann"}, {"first", "second"}),
        ({"email": "ERIKA@example.org"}, {"first", "second"}),
        ({"customer_number": "962d1"}, {"first"}),
        ({"name": "Erika", "customer_number": "962D1"}, {"first"}),
        ({"name": "Muster"}, {"first", "second", "other"}),
        ({"name": "Niemand"}, set()),
    ],
)
def test_the_krmb_finds_the_customers_cases(
    client: Client, org, cases: dict, query: dict, found: set
) -> None:
    client.force_login(org["krmb"])
    html = client.post("/faelle/auskunft/", {"action": "suchen", **query}).content.decode()
    for key, case in cases.items():
        assert (f'value="{case.pk}"' in html) == (key in found), key
    assert " checked" not in html  # the KRM-B chooses each case herself (found by review)


def test_by_aktenzeichen(client: Client, org, cases: dict) -> None:
    client.force_login(org["krmb"])
    html = client.post(
        "/faelle/auskunft/", {"action": "suchen", "aktenzeichen": cases["second"].aktenzeichen}
    )
    assert f'value="{cases["second"].pk}"' in html.content.decode()
    assert f'value="{cases["first"].pk}"' not in html.content.decode()


def test_a_search_needs_something_to_search_for(client: Client, org, cases: dict) -> None:
    client.force_login(org["krmb"])
    html = client.post("/faelle/auskunft/", {"action": "suchen", "name": " "}).content.decode()
    assert "Bitte mindestens eine Angabe zur Person machen." in html


def test_the_pdf_holds_everything_about_the_customer_and_nothing_else(
    client: Client, org, cases: dict, tmp_path
) -> None:
    first, second = cases["first"], cases["second"]
    for role in ("tl", "bl", "gf"):
        client.force_login(org[role])
        client.get(f"/faelle/{first.pk}/")
    client.force_login(org["krmb"])
    response = client.post(
        "/faelle/auskunft/",
        {"action": "pdf", "name": "Erika Mustermann", "case": [first.pk, second.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="Auskunft-Art15-')
    pdf = response.content
    text = _pdf_text(pdf, tmp_path)
    meta = subprocess.run(
        ["pdfinfo", "-meta", str(tmp_path / "auskunft.pdf")], capture_output=True, text=True
    ).stdout
    assert 'pdfaid:part="3"' in meta or "<pdfaid:part>3</pdfaid:part>" in meta  # PDF/A-3
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "auskunft.pdf")], capture_output=True, text=True
    ).stdout
    assert "Tagged:          yes" in info  # for screen readers (found by review)
    for expected in (
        "Auskunft nach Art. 15 DSGVO",
        first.aktenzeichen,
        second.aktenzeichen,
        "Erika Mustermann",
        "Ich habe drei Stunden gewartet.",
        "Wartezeit am Empfang",
        "Lesezugriffe",
        "Teamleitung (TL)",
        "Bereichsleitung (BL)",
        "Geschäftsführung (GF)",
        "Fallseite",
        "Fall erfasst",
        cases["other"].aktenzeichen,  # the linked case's number
    ):
        assert expected in text, expected
    # Nothing of the other customer, no staff names.
    for absent in (
        "Max Muster",
        "Max schreibt",
        "max@example.org",
        org["tl"].last_name,
        org["mitarbeiter"].last_name,
        "betroffene/r Mitarbeiter/in",  # the colleague complained about is theirs, not hers
    ):
        assert absent not in text, absent
    assert "Seite 1 von" in text
    # Recorded in each case and in the read log.
    for case in (first, second):
        assert Event.objects.filter(case=case, type=EventType.CASE_DISCLOSED).exists()
        assert ReadEvent.objects.filter(case=case, via=ReadEvent.Via.DISCLOSURE).exists()
    assert not Event.objects.filter(case=cases["other"], type=EventType.CASE_DISCLOSED).exists()
    assert list(audit.verify()) == []


def test_only_cases_found_for_the_person_go_into_the_pdf(
    client: Client, org, cases: dict, tmp_path
) -> None:
    client.force_login(org["krmb"])
    response = client.post(
        "/faelle/auskunft/",
        {
            "action": "pdf",
            "name": "Erika Mustermann",
            "case": [cases["first"].pk, cases["other"].pk],
        },
    )
    text = _pdf_text(response.content, tmp_path)
    assert "Max schreibt" not in text
    assert not Event.objects.filter(case=cases["other"], type=EventType.CASE_DISCLOSED).exists()


@pytest.mark.parametrize("role", ["gf", "dsb", "tl", "vertretung", "admin", "controlling"])
def test_only_the_krmb_discloses(client: Client, org, cases: dict, role: str) -> None:
    client.force_login(org[role])
    assert client.get("/faelle/auskunft/", {"name": "Erika"}).status_code == 403
    response = client.post(
        "/faelle/auskunft/", {"action": "pdf", "name": "Erika", "case": [cases["first"].pk]}
    )
    assert response.status_code == 403
    assert not Event.objects.filter(type=EventType.CASE_DISCLOSED).exists()


def test_a_linked_dab_about_the_krmb_stays_out_of_the_pdf(client: Client, org, tmp_path) -> None:
    """Found by attack: the PDF listed a linked DAB the KRM-B may not see (about her)."""
    from django.utils import timezone

    from krm.accounts.models import Absence

    complaint = make_case(org["krmb"], subject="Wartezeit", customer={"name": "Yolanda Test"})
    today = timezone.localdate()
    Absence.objects.create(user=org["krmb"], start=today, end=today)  # the Vertretung acts
    vertretung = type(org["krmb"]).objects.get(username="vertretung")
    dab = make_case(
        vertretung,
        kind="dienstaufsichtsbeschwerde",
        staff_concerned=org["krmb"],
        subject="Über die KRM-Beauftragte",
    )
    services.link_cases(actor=vertretung, case=complaint, other=dab, note="")
    Absence.objects.all().delete()
    client.force_login(org["krmb"])
    response = client.post(
        "/faelle/auskunft/", {"action": "pdf", "name": "Yolanda", "case": [complaint.pk]}
    )
    text = _pdf_text(response.content, tmp_path)
    assert dab.aktenzeichen not in text
    assert "nicht einsehen" not in text
    assert not re.search(r"Verknüpft(?!e)", text)  # no timeline entry "Verknüpft"
