"""Letters krm writes for a case (R-W2.3, W2.4, W2.7, W2.8, W5.3, Q5): every kind as PDF/A
and DOCX from the case's data, who signs, which template version each letter records,
the checks on saving a template, the letters the steps of the route file, and the
template editor.

The cases are routed like the demo's: a letter from Erika Mustermann, put before the GF,
abverfügt (Team 711 handles, TL/BL/GF signs, Eingangsbestätigung yes), acknowledged with a
contact person, assigned to the TL. The route's own letters are not what these tests look
at, so while a case is routed the renderer returns a fixed small PDF; the PDFs looked at
are real WeasyPrint renders (17 in all, ~0.3 s each).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from krm.accounts.models import User
from krm.accounts.roles import Role
from krm.audit.models import Event, EventType
from krm.cases.models import Case
from krm.documents import services as documents
from krm.documents.models import DOCX, Document
from krm.letters import render, services
from krm.letters.models import Letter, Letterhead, LetterKind, LetterTemplate
from krm.lib.workdays import BERLIN
from krm.testing.factories import UserFactory, make_case
from krm.testing.pdf import Box, bounds, declares_pdfa, find, text, within, words
from krm.testing.route import step

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)  # a Thursday
RECEIVED = dt.datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
RECEIVED_GERMAN = "1. Dezember 2026"
CUSTOMER = {
    "name": "Erika Mustermann",
    "street": "Heidestraße 17",
    "postal_code": "10557",
    "city": "Berlin",
}
RECIPIENT = ["Erika Mustermann", "Heidestraße 17", "10557 Berlin"]
CONTACT = "Frau Muster"
PETITION_RECIPIENT = [
    "Abgeordnetenhaus Berlin",
    "Petitionsausschuss",
    "Niederkirchnerstraße 5",
    "10117 Berlin",
]
PETITION_RECIPIENT_TEXT = "\n".join(PETITION_RECIPIENT)
DRAFT = "Wir haben mit dem Team gesprochen. Sie bekommen Ihren Bescheid bis Freitag."
ANSCHRIFTZONE = Box(20, 62.7, 105, 90)  # DIN 5008 Form B
TOL = 1.5  # mm
# Names the signatures are told apart by.
NAMES = {
    "krmb": ("Karla", "Beauftragte"),
    "tl": ("Tilo", "Teamleiter"),
    "bl": ("Berta", "Bereichsleiterin"),
    "gf": ("Gerda", "Geschäftsführerin"),
}
CUSTOMER_LETTERS = [
    LetterKind.EINGANGSBESTAETIGUNG,
    LetterKind.ZWISCHENNACHRICHT,
    LetterKind.ANTWORT,
    LetterKind.WEITERLEITUNG,
]
# The default templates' subjects (version 1) for the routed case.
SUBJECTS = {
    LetterKind.EINGANGSBESTAETIGUNG: f"Ihr Schreiben vom {RECEIVED_GERMAN}",
    LetterKind.ZWISCHENNACHRICHT: f"Ihr Anliegen vom {RECEIVED_GERMAN}: Zwischennachricht",
    LetterKind.ANTWORT: f"Ihr Anliegen vom {RECEIVED_GERMAN}",
    LetterKind.STELLUNGNAHME: "Stellungnahme zur Petition/Eingabe",
    LetterKind.VERFUEGUNGSBLATT: "Verfügungsblatt",
    LetterKind.VERMERK: "Vermerk",
    LetterKind.WEITERLEITUNG: f"Ihr Anliegen vom {RECEIVED_GERMAN}: Weiterleitung",
    LetterKind.VERZICHT: "Erklärung: Ich brauche keine schriftliche Antwort",
}
# Kinds whose default text names the date of receipt.
WITH_RECEIPT_DATE = {*CUSTOMER_LETTERS, LetterKind.VERFUEGUNGSBLATT}


# --- set-up ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _letter_files_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Letters are documents: their files go to this test's folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }


@pytest.fixture(autouse=True)
def _fixed_now(pin_now: Any) -> None:
    pin_now(NOW)


@pytest.fixture
def people(org) -> dict[str, User]:
    for role, (first, last) in NAMES.items():
        user = org[role]
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    Letterhead.objects.create(
        jobcenter=org.jobcenter,
        name="Jobcenter Berlin Pankow",
        address="Storkower Straße 133a\n10407 Berlin",
        return_address="Jobcenter Berlin Pankow · Storkower Str. 133a · 10407 Berlin",
        form="B",
    )
    return org.users


def _blank_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@contextlib.contextmanager
def unrendered() -> Iterator[None]:
    """The route's own letters as a blank PDF (their looks are not under test here)."""
    blank = _blank_pdf()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "pdf", lambda content: blank)
        yield


def routed(
    org,
    *,
    signer: str = "tl",
    unit: str = "711",
    bl: User | None = None,
    handler: User | None = None,
    **case_data: Any,
) -> Case:
    """Registered, before the GF, abverfügt, acknowledged (contact person), with the TL."""
    krmb = org["krmb"]
    data = {
        "channel": "brief",
        "received_at": RECEIVED,
        "org_unit": org.t711,
        "subject": "Niemand ruft zurück",
        "customer": CUSTOMER,
        **case_data,
    }
    case = make_case(krmb, **data)
    with unrendered():
        extra = {}
        if case.kind in ("petition", "eingabe"):
            extra = {"requester": PETITION_RECIPIENT_TEXT}
        case = step(
            krmb, case, "gf_vorlegen", summary="Rückruf blieb aus", proposal="Team 711", **extra
        )
        case = step(
            org["gf"], case, "abverfuegen", org_unit=unit, signer=signer, acknowledgement=True
        )
        case = step(krmb, case, "eingangsbestaetigung", contact_person=CONTACT)
        case = step(krmb, case, "an_bereich")
        case = step(bl or org["bl"], case, "tl_zuweisen", handler=(handler or org["tl"]).username)
        case = step(handler or org["tl"], case, "entwurf", draft=DRAFT)
    return Case.objects.get(pk=case.pk)


def flat(pdf: bytes) -> str:
    """The PDF's text, whitespace (line breaks, layout gaps) as single spaces."""
    return " ".join(text(pdf).split())


def docx_text(data: bytes) -> str:
    """Every paragraph of the DOCX: the body's and those in its tables."""
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


def assert_in_anschriftzone(pdf: bytes, lines: list[str]) -> None:
    found = words(pdf)
    for line in lines:
        hits = find(found, line, page=1)
        assert hits, f"{line!r} not on page 1"
        assert within(hits[0], ANSCHRIFTZONE, tolerance_mm=TOL), (line, bounds(hits[0]))


def letter_of(document: Document) -> Letter:
    return Letter.objects.select_related("template").get(series=document.series)


# --- every kind, as PDF and DOCX ------------------------------------------------------------


@pytest.mark.parametrize("kind", LetterKind.values)
def test_every_kind_as_pdf_and_docx(org, people, kind: str) -> None:
    """R-W2.3, W2.4, W2.8, W5.3: each kind from the case's data, as PDF/A and as DOCX,
    filed as a document of the case and recorded with its template version."""
    case = routed(org)
    pdf_document = services.generate(case, kind, actor=org["krmb"], fmt="pdf")
    docx_document = services.generate(case, kind, actor=org["krmb"], fmt="docx")

    for document, content_type in ((pdf_document, "application/pdf"), (docx_document, DOCX)):
        assert (document.case_id, document.kind, document.origin) == (case.pk, kind, "erzeugt")
        assert document.content_type == content_type
        letter = letter_of(document)
        assert (letter.kind, letter.template.version, letter.created_by_id) == (
            kind,
            1,
            org["krmb"].pk,
        )
        assert letter.sent_at is None

    pdf = documents.read(pdf_document)
    assert declares_pdfa(pdf) is not None
    content = flat(pdf)
    assert case.aktenzeichen in content
    assert SUBJECTS[kind] in content
    assert "Erika Mustermann" in content
    assert (RECEIVED_GERMAN in content) == (kind in WITH_RECEIPT_DATE)
    if kind in CUSTOMER_LETTERS:
        assert_in_anschriftzone(pdf, RECIPIENT)
    if kind == LetterKind.EINGANGSBESTAETIGUNG:
        assert f"Ihre Ansprechperson ist {CONTACT}." in content
        assert f"Es ist am {RECEIVED_GERMAN} bei uns angekommen." in content
    if kind == LetterKind.ANTWORT:
        assert DRAFT in content

    written = docx_text(documents.read(docx_document))
    assert SUBJECTS[kind] in written
    assert case.aktenzeichen in written
    if kind in CUSTOMER_LETTERS:
        assert all(line in written.splitlines() for line in RECIPIENT)


# --- who signs (R-W2.4, W2.7, W5.3) ---------------------------------------------------------


def test_answer_signed_by_the_tl_names_the_handler_im_auftrag(org, people) -> None:
    """R-W2.7: "zeichnet TL": the TL handling the case, "Im Auftrag"."""
    case = routed(org, signer="tl")
    document = services.generate(case, LetterKind.ANTWORT, actor=org["krmb"])
    content = flat(documents.read(document))
    assert "Mit freundlichen Grüßen Im Auftrag Tilo Teamleiter Teamleitung 711" in content
    for other in ("Berta Bereichsleiterin", "Gerda Geschäftsführerin", "Karla Beauftragte"):
        assert other not in content
    assert letter_of(document).signed_as == "Im Auftrag Tilo Teamleiter, Teamleitung 711"


def test_answer_signed_by_the_bl_names_the_bl_of_the_cases_bereich(org, people) -> None:
    """R-W2.7: "zeichnet BL": the BL of the Bereich the case is in (72 here, not the BL of
    71 who came first), "Im Auftrag"."""
    bl72 = UserFactory(
        username="bl72",
        first_name="Bodo",
        last_name="Zweiundsiebzig",
        jobcenter=org.jobcenter,
        home_unit=org.b72,
        roles=[(Role.BL, org.b72)],
    )
    tl721 = UserFactory(
        username="tl721",
        first_name="Tanja",
        last_name="Teamleiterin",
        jobcenter=org.jobcenter,
        home_unit=org.t721,
        roles=[(Role.TL, org.t721)],
    )
    case = routed(org, signer="bl", unit="721", org_unit=org.t721, bl=bl72, handler=tl721)
    assert case.bereich_id == org.b72.pk
    document = services.generate(case, LetterKind.ANTWORT, actor=org["krmb"])
    content = flat(documents.read(document))
    assert "Im Auftrag Bodo Zweiundsiebzig Bereichsleitung 72" in content
    for other in ("Berta Bereichsleiterin", "Tanja Teamleiterin", "Gerda Geschäftsführerin"):
        assert other not in content
    assert letter_of(document).signed_as == "Im Auftrag Bodo Zweiundsiebzig, Bereichsleitung 72"


def test_answer_signed_by_the_gf_is_not_im_auftrag(org, people) -> None:
    """R-W2.7: the GF signs in their own name."""
    case = routed(org, signer="gf")
    document = services.generate(case, LetterKind.ANTWORT, actor=org["krmb"])
    content = flat(documents.read(document))
    assert "Mit freundlichen Grüßen Gerda Geschäftsführerin Geschäftsführung" in content
    assert "Im Auftrag" not in content
    assert "Tilo Teamleiter" not in content
    assert letter_of(document).signed_as == "Gerda Geschäftsführerin, Geschäftsführung"


def test_the_stellungnahme_of_a_petition_goes_to_the_requester_signed_by_the_gf(
    org, people
) -> None:
    """R-W5.3: the Stellungnahme to the Petitionsausschuss, over the GF's signature, about
    the customer's concern."""
    case = routed(org, signer="gf", kind="petition")
    document = services.generate(case, LetterKind.STELLUNGNAHME, actor=org["krmb"])
    pdf = documents.read(document)
    content = flat(pdf)
    assert_in_anschriftzone(pdf, PETITION_RECIPIENT)
    assert "zum Anliegen von Erika Mustermann" in content
    assert DRAFT in content
    assert "Mit freundlichen Grüßen Gerda Geschäftsführerin Geschäftsführung" in content
    assert "Im Auftrag" not in content
    assert "Tilo Teamleiter" not in content
    assert letter_of(document).signed_as == "Gerda Geschäftsführerin, Geschäftsführung"


def test_the_eingangsbestaetigung_is_signed_by_the_krmb_whoever_makes_it(org, people) -> None:
    """R-W2.4: the KRM-B acknowledges, "Im Auftrag", and names the contact person; made by
    the GF, it is still the KRM-B's signature."""
    case = routed(org)
    document = services.generate(case, LetterKind.EINGANGSBESTAETIGUNG, actor=org["gf"])
    content = flat(documents.read(document))
    assert (
        "Mit freundlichen Grüßen Im Auftrag Karla Beauftragte Kundenreaktionsmanagement" in content
    )
    assert "Gerda Geschäftsführerin" not in content
    assert f"Ihre Ansprechperson ist {CONTACT}." in content
    assert (
        letter_of(document).signed_as == "Im Auftrag Karla Beauftragte, Kundenreaktionsmanagement"
    )


# --- template versions ----------------------------------------------------------------------


def test_a_letter_keeps_the_template_version_it_was_made_from(org, people) -> None:
    """Every letter names the exact text it came from: after a change (version 2) the new
    letter says 2, the earlier one still 1, and the timeline says which."""
    case = routed(org)
    krmb = org["krmb"]
    first = services.generate(case, LetterKind.ANTWORT, actor=krmb, fmt="docx")
    saved = services.save_template(
        actor=krmb,
        kind=LetterKind.ANTWORT,
        subject="Ihre Nachricht vom {{ eingang.datum }}",
        body="{{ kunde.anrede }}\n\n{{ entwurf }}\n\nUnser Zeichen: {{ aktenzeichen }}",
        note="kürzer",
        based_on=1,
    )
    assert (saved.version, saved.created_by_id) == (2, krmb.pk)
    second = services.generate(case, LetterKind.ANTWORT, actor=krmb, fmt="docx")

    assert letter_of(second).template_id == saved.pk
    assert letter_of(second).template.version == 2
    assert letter_of(first).template.version == 1
    assert f"Ihre Nachricht vom {RECEIVED_GERMAN}" in docx_text(documents.read(second))
    assert f"Ihr Anliegen vom {RECEIVED_GERMAN}" in docx_text(documents.read(first))
    made = Event.objects.filter(case=case, type=EventType.LETTER_CREATED).order_by("pk")
    assert [e.data["vorlage"] for e in made][-2:] == [
        "Antwortschreiben, Version 1",
        "Antwortschreiben, Version 2",
    ]
    changed = Event.objects.filter(type=EventType.CONFIG_CHANGED, actor=krmb).latest("pk")
    assert (changed.data["objekt"], changed.data["version"]) == ("Vorlage", 2)


@pytest.mark.parametrize(
    ("field", "value", "phrase"),
    [
        ("body", "{{ kunde.anrede }}\n\nDanke, {{ kunde.nam }}.", "{{ kunde.nam }}"),
        ("subject", "Ihr Schreiben, {{ kunde.nam }}", "{{ kunde.nam }}"),
        ("body", "{{ entwurf|default:kunde.nam }}", "{{ kunde.nam }}"),
        ("body", "{% if kunde.nam %}Hallo{% endif %}", "{{ kunde.nam }}"),
        ("body", "{% load static %}Guten Tag", "nicht erlaubt"),
        ("body", "{% for zeile in entwurf %}{{ zeile }}{% endfor %}", "nicht erlaubt"),
        ("body", "{{ kunde.name|upper }}", "Filter"),
        ("body", "{{ kunde.name|safe }}", "Filter"),
        ("body", "{% if kunde.name %}Hallo", "endif"),
    ],
    ids=[
        "unknown-placeholder",
        "unknown-in-subject",
        "unknown-in-default",
        "unknown-in-if",
        "load",
        "for",
        "filter-upper",
        "filter-safe",
        "unclosed-if",
    ],
)
def test_save_template_refuses_what_is_not_a_placeholder(
    org, field: str, value: str, phrase: str
) -> None:
    """Only placeholders, `default` and `{% if %}`: anything else is refused on saving,
    naming the problem, and nothing is saved."""
    services.ensure_templates(org.jobcenter.pk)
    before = (LetterTemplate.objects.count(), Event.objects.count())
    data = {"subject": "Ihr Anliegen", "body": "{{ kunde.anrede }}\n\n{{ entwurf }}", field: value}
    with pytest.raises(ValidationError) as refused:
        services.save_template(actor=org["krmb"], kind=LetterKind.ANTWORT, based_on=1, **data)
    messages = refused.value.message_dict
    assert list(messages) == [field]
    assert phrase in " ".join(messages[field])
    assert (LetterTemplate.objects.count(), Event.objects.count()) == before


def test_save_template_refuses_a_stale_version(org) -> None:
    """Two editors start from version 1; the second to save is told and overwrites nothing."""
    krmb, admin = org["krmb"], org["admin"]
    first = services.save_template(
        actor=admin, kind=LetterKind.VERMERK, subject="Vermerk", body="{{ vermerk.text }}",
        based_on=1,
    )  # fmt: skip
    assert first.version == 2
    with pytest.raises(ValidationError) as refused:
        services.save_template(
            actor=krmb, kind=LetterKind.VERMERK, subject="Notiz", body="{{ betreff }}", based_on=1
        )
    assert "Inzwischen hat jemand Version 2 gespeichert" in " ".join(
        refused.value.message_dict["__all__"]
    )
    versions = LetterTemplate.objects.filter(jobcenter=org.jobcenter, kind=LetterKind.VERMERK)
    assert list(versions.values_list("version", "body")) == [
        (2, "{{ vermerk.text }}"),
        (1, versions.get(version=1).body),
    ]


# --- the steps that make letters ------------------------------------------------------------


def test_presenting_to_the_gf_files_a_verfuegungsblatt(org, people) -> None:
    """R-W2.3: "gf_vorlegen" files the Verfügungsblatt with the summary and the proposal;
    it is an internal sheet, nothing is sent."""
    krmb = org["krmb"]
    case = make_case(krmb, received_at=RECEIVED, org_unit=org.t711, customer=CUSTOMER)
    step(krmb, case, "gf_vorlegen", summary="Rückruf blieb aus", proposal="Team 711, zeichnet TL")
    letter = Letter.objects.get(case=case)
    assert (letter.kind, letter.sent_at, letter.created_by_id) == (
        LetterKind.VERFUEGUNGSBLATT,
        None,
        krmb.pk,
    )
    document = Document.objects.get(series=letter.series)
    assert (document.kind, document.content_type) == ("verfuegungsblatt", "application/pdf")
    content = flat(documents.read(document))
    for expected in (
        "Verfügungsblatt",
        case.aktenzeichen,
        "Rückruf blieb aus",
        "Team 711, zeichnet TL",
        RECEIVED_GERMAN,
    ):
        assert expected in content, expected
    assert not Event.objects.filter(case=case, type=EventType.LETTER_SENT).exists()


def test_the_eingangsbestaetigung_step_files_the_letter_as_sent(org, people) -> None:
    """R-W2.4: recording the Eingangsbestätigung files it, naming the contact person,
    signed by the KRM-B, and records it as sent by post."""
    krmb = org["krmb"]
    case = make_case(
        krmb, channel="email", received_at=RECEIVED, org_unit=org.t711, customer=CUSTOMER
    )
    assert case.acknowledgement_pending
    step(krmb, case, "eingangsbestaetigung", contact_person="Herr Beispiel")
    letter = Letter.objects.get(case=case)
    assert letter.kind == LetterKind.EINGANGSBESTAETIGUNG
    assert (letter.sent_at, letter.sent_via, letter.sent_by_id, letter.sent_version) == (
        NOW,
        "post",
        krmb.pk,
        1,
    )
    sent = Event.objects.get(case=case, type=EventType.LETTER_SENT)
    document = Document.objects.get(series=letter.series)
    assert sent.data["dokument_id"] == document.pk
    content = flat(documents.read(document))
    assert "Ihre Ansprechperson ist Herr Beispiel." in content
    assert "Im Auftrag Karla Beauftragte" in content
    assert_in_anschriftzone(documents.read(document), RECIPIENT)


def test_the_eingangsbestaetigung_marked_sent_names_the_contact_person_of_the_step(
    org, people
) -> None:
    """R-W2.4: the KRM-B made the Eingangsbestätigung early (no contact person known yet),
    then records the step with "Herr Beispiel": the letter on file as sent must name him."""
    krmb = org["krmb"]
    case = make_case(
        krmb, channel="email", received_at=RECEIVED, org_unit=org.t711, customer=CUSTOMER
    )
    services.generate(case, LetterKind.EINGANGSBESTAETIGUNG, actor=krmb)
    step(krmb, case, "eingangsbestaetigung", contact_person="Herr Beispiel")
    sent = Letter.objects.get(case=case, sent_at__isnull=False)
    document = Document.objects.get(series=sent.series, is_current=True)
    assert "Ihre Ansprechperson ist Herr Beispiel." in flat(documents.read(document))


def test_settling_in_a_conversation_files_a_vermerk(org, people) -> None:
    """R-W2.8: "im_gespraech_erledigt" files a Vermerk with how, when, with whom and the
    text of the Vermerk."""
    krmb = org["krmb"]
    case = make_case(
        krmb, channel="online", received_at=RECEIVED, org_unit=org.t711, customer=CUSTOMER
    )
    with unrendered():
        step(krmb, case, "keine_eingangsbestaetigung", reason="sofort angerufen")
        step(krmb, case, "an_bereich", org_unit="711")
        step(org["bl"], case, "tl_zuweisen", handler="tl")
    vermerk = "Frau Mustermann am Telefon erreicht. Der Bescheid kommt bis Freitag."
    step(org["tl"], case, "im_gespraech_erledigt", how="telefon", on="2026-12-02", vermerk=vermerk)
    letter = Letter.objects.get(case=case, kind=LetterKind.VERMERK)
    assert (letter.sent_at, letter.created_by_id) == (None, org["tl"].pk)
    content = flat(documents.read(Document.objects.get(series=letter.series)))
    assert vermerk in content
    assert "Gespräch (Telefon) am 2. Dezember 2026 mit Erika Mustermann" in content
    assert case.aktenzeichen in content
    assert "Tilo Teamleiter" in content  # "Verfasst von"


# --- the template editor ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("krmb", 200),
        ("admin", 200),
        ("tl", 403),
        ("gf", 403),
        ("vertretung", 403),
    ],
)
def test_template_editor_is_for_the_krmb_and_the_administration(
    client: Client, org, role: str, expected: int
) -> None:
    client.force_login(org[role])
    response = client.get(reverse("letters:template_edit", kwargs={"kind": "antwort"}))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "{{ kunde.anrede }}" in html  # the placeholders beside the field
        # Under the page's h1 (the placeholders' h2 follows): heading level 2.
        assert '<h2 id="h-lesbarkeit">Lesbarkeit</h2>' in html


@pytest.mark.parametrize(("role", "expected"), [("krmb", 200), ("admin", 200), ("tl", 403)])
def test_template_list_is_for_the_krmb_and_the_administration(
    client: Client, org, role: str, expected: int
) -> None:
    client.force_login(org[role])
    response = client.get(reverse("letters:templates"))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        for kind in LetterKind:
            assert reverse("letters:template_edit", kwargs={"kind": kind.value}) in html


def test_template_editor_refuses_an_unknown_placeholder(client: Client, org) -> None:
    """The form shows the German reason (400) and saves nothing."""
    client.force_login(org["krmb"])
    response = client.post(
        reverse("letters:template_edit", kwargs={"kind": "antwort"}),
        {
            "subject": "Ihr Anliegen",
            "body": "{{ kunde.anrede }}\n\nDanke, {{ kunde.nam }}.",
            "note": "",
            "based_on": 1,
        },
    )
    assert LetterTemplate.objects.filter(kind="antwort").count() == 1
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unbekannter Platzhalter" in html
    assert "kunde.nam" in html


def test_template_editor_saves_a_valid_change_as_a_new_version(client: Client, org) -> None:
    client.force_login(org["krmb"])
    response = client.post(
        reverse("letters:template_edit", kwargs={"kind": "antwort"}),
        {
            "subject": "Ihr Anliegen",
            "body": "{{ kunde.anrede }}\n\n{{ entwurf }}",
            "note": "kürzer",
            "based_on": 1,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:template_edit", kwargs={"kind": "antwort"})
    saved = LetterTemplate.objects.get(kind="antwort", version=2)
    assert (saved.created_by, saved.note, saved.subject) == (org["krmb"], "kürzer", "Ihr Anliegen")


def test_template_editor_refuses_an_unknown_placeholder_without_saving(client: Client, org) -> None:
    """Whatever the page shows: an unknown placeholder is never saved."""
    client.force_login(org["krmb"])
    response = client.post(
        reverse("letters:template_edit", kwargs={"kind": "antwort"}),
        {"subject": "Ihr Anliegen", "body": "{{ kunde.nam }}", "note": "", "based_on": 1},
    )
    assert response.status_code == 400
    versions = LetterTemplate.objects.filter(kind="antwort").values_list("version", flat=True)
    assert list(versions) == [1]


def test_readability_endpoint_returns_the_partial(client: Client, org) -> None:
    """R-Q5: the advice while writing, as a fragment for htmx."""
    client.force_login(org["krmb"])
    response = client.post(
        reverse("letters:readability"),
        {
            "body": "Wir haben Ihren Brief bekommen. Wir prüfen Ihr Anliegen jetzt genau. "
            "Sie hören bald von uns. Bei Fragen rufen Sie uns gern an. Wir helfen Ihnen."
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h3 id="h-lesbarkeit">Lesbarkeit</h3>' in html
    assert "Lesbarkeit nach Flesch-Amstad" in html
    assert "<html" not in html


def test_readability_endpoint_needs_a_role(client: Client, org) -> None:
    user = UserFactory(username="ohne_rolle", jobcenter=org.jobcenter)
    client.force_login(user)
    assert client.post(reverse("letters:readability"), {"body": "Text"}).status_code == 403


def test_a_letterhead_change_is_in_the_security_log(client: Client, org) -> None:
    """The letterhead is configuration: created and changed in the admin, on record."""
    from krm.audit.models import Event, EventType
    from krm.letters.models import Letterhead

    events = Event.objects.filter(jobcenter_id=org.jobcenter.pk, type=EventType.CONFIG_CHANGED)
    before = events.count()
    head = Letterhead.objects.create(
        jobcenter=org.jobcenter, name="JC", address="Weg 1", return_address="JC · Weg 1"
    )
    head.name = "Jobcenter Berlin Pankow"
    head.save()
    assert events.count() == before + 2
    assert "Jobcenter Berlin Pankow" in str(events.order_by("seq").last().data)
