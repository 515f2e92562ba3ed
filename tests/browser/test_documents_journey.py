"""End to end in real Chromium: the paper of a case (issue 8).

The KRM-B makes the answer as DOCX from the case page, downloads it, edits it "in Word"
(python-docx), uploads it back as the next version, records the sending (the edited version
goes out), finds it in the Ablage and exports the dossier; a disguised web page is refused
with a German message; the template editor shows the readability advice while typing
(htmx). A TL of another team finds no such case in the Ablage. On every page: no axe-core
violation, no console error, no failed response.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from krm.conftest import Org
from krm.documents.models import Document
from krm.letters.models import Letter
from krm.testing.factories import TeamFactory, UserFactory, make_case
from krm.testing.route import CHECKED, step

from .conftest import PageChecks, field, login, open_step, take_step

pytestmark = pytest.mark.browser

ADDITION = "Ergänzung: Wir haben Ihren Bescheid heute noch einmal per Post geschickt."


@pytest.fixture
def documents_folder(settings, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    return tmp_path


@pytest.fixture
def ready_to_send(org: Org, documents_folder: Path):
    """A letter complaint signed by the TL, waiting to be sent."""
    krmb = org["krmb"]
    case = make_case(
        krmb,
        subject="Bescheid fehlt",
        customer={
            "name": "Karl Briefschreiber",
            "street": "Schönhauser Allee 1",
            "postal_code": "10435",
            "city": "Berlin",
        },
    )
    step(krmb, case, "gf_vorlegen", summary="Bescheid fehlt seit Wochen", proposal="Team 711")
    step(org["gf"], case, "abverfuegen", org_unit="711", signer="tl", acknowledgement=True)
    step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    step(krmb, case, "an_bereich")
    step(org["bl"], case, "tl_zuweisen", handler=org["tl"].username)
    step(org["tl"], case, "entwurf", draft="Ihr Bescheid wurde am Montag versandt.")
    step(org["tl"], case, "vorlegen")
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    step(org["tl"], case, "zeichnen")
    case.refresh_from_db()
    return case


def test_an_answer_made_edited_filed_and_sent(
    page: Page, site: str, org: Org, checks: PageChecks, ready_to_send, tmp_path: Path
) -> None:
    case = ready_to_send
    login(page, site, "krmb", checks)
    page.goto(f"{site}/faelle/{case.pk}/")
    checks.check("Fallseite mit Schreiben")
    letters = page.get_by_role("region", name="Schreiben")
    letters.get_by_label("Schreiben").select_option(label="Antwortschreiben")
    letters.get_by_role("radio", name=re.compile("DOCX")).check()
    letters.get_by_role("button", name="Schreiben erstellen").click()
    expect(page.get_by_role("status")).to_contain_text("Antwortschreiben (DOCX)")
    checks.check("Antwort erstellt")

    # Download it, as the user would, and edit it in "Word".
    documents = page.get_by_role("region", name="Dokumente")
    with page.expect_download() as info:
        documents.get_by_role("link", name="Antwortschreiben (DOCX)").click()
    letter = docx.Document(info.value.path())
    texts = "\n".join(p.text for p in letter.paragraphs)
    assert "Ihr Bescheid wurde am Montag versandt." in texts
    assert case.aktenzeichen in "\n".join(
        p.text for t in letter.tables for row in t.rows for c in row.cells for p in c.paragraphs
    )
    letter.add_paragraph(ADDITION)
    edited = tmp_path / "Antwort bearbeitet.docx"
    letter.save(edited)

    # Upload it back as the next version (plain file field; drag-and-drop fills the same).
    documents.locator("summary", has_text="Datei hochladen").click()
    field(documents, "Datei").set_input_files(str(edited))
    documents.get_by_label("Art").select_option(label="Antwortschreiben")
    documents.get_by_label("Neue Version von").select_option(
        label="Antwortschreiben (DOCX) (Version 1)"
    )
    documents.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_role("status")).to_contain_text("wurde als Version 2 abgelegt")
    checks.check("Neue Version abgelegt")
    documents = page.get_by_role("region", name="Dokumente")
    row = documents.get_by_role("row").filter(has_text="Antwortschreiben (DOCX)")
    expect(row.get_by_role("cell").nth(2)).to_have_text("2")
    expect(documents.get_by_text("Frühere Versionen (1)")).to_be_visible()

    # The sending: the edited version goes out.
    details = open_step(page, "Versand erfassen")
    # The date is prefilled with today (the browser shows it): nothing to type.
    expect(field(details, "versandt am")).not_to_have_value("")
    take_step(page, details, "Versand erfassen")
    checks.check("versandt")
    # The answer krm made for the signature stays unsent; the edited one went out.
    answer = Letter.objects.get(case=case, kind="antwort", sent_at__isnull=False)
    assert (answer.sent_version, answer.sent_via) == (2, "post")
    assert Letter.objects.filter(case=case, kind="antwort").count() == 2
    current = Document.objects.get(series=answer.series, is_current=True)
    sent = docx.Document(io.BytesIO(Path(documents_path(current)).read_bytes()))
    assert ADDITION in "\n".join(p.text for p in sent.paragraphs)
    expect(page.get_by_role("region", name="Schreiben")).to_contain_text("(Version 2)")

    # Filed: in the Ablage under its plan number and year, with its dossier.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Ablage"
    ).click()
    checks.check("Ablage")
    page.get_by_role("link", name=case.aktenzeichen).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.aktenzeichen)
    expect(page.get_by_role("link", name="Antwortschreiben (DOCX)", exact=True)).to_be_visible()
    checks.check("Akte in der Ablage")
    with page.expect_download() as dossier:
        page.get_by_role("link", name="Akte als PDF exportieren").click()
    assert Path(dossier.value.path()).read_bytes().startswith(b"%PDF")

    # A web page dressed as a PDF is refused, in German, and nothing is stored.
    before = Document.objects.count()
    fake = tmp_path / "Rechnung.pdf"
    fake.write_bytes(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    page.goto(f"{site}/faelle/{case.pk}/")
    documents = page.get_by_role("region", name="Dokumente")
    documents.locator("summary", has_text="Datei hochladen").click()
    field(documents, "Datei").set_input_files(str(fake))
    checks.page.on("response", lambda r: None)
    documents.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_role("heading", level=1, name="Datei hochladen")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Rechnung.pdf")
    checks.failed_responses.clear()  # the refusal is a 400 on purpose …
    checks.console_errors.clear()  # … which the browser reports
    checks.check("Upload abgelehnt")
    assert Document.objects.count() == before
    checks.assert_clean()


def documents_path(document: Document) -> str:
    from krm.documents import blobs

    return blobs.storage().path(document.blob)


def test_the_template_editor_advises_on_readability_while_typing(
    page: Page, site: str, org: Org, checks: PageChecks, documents_folder: Path
) -> None:
    login(page, site, "krmb", checks)
    page.goto(f"{site}/vorlagen/antwort/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorlage: Antwortschreiben")
    checks.check("Vorlage bearbeiten")
    text = page.get_by_label(re.compile("^Text"))
    text.fill(
        "Diesbezüglich teilen wir Ihnen unter Bezugnahme auf Ihr Schreiben mit, dass die "
        "Inaugenscheinnahme der Unterlagen seitens der Sachbearbeitung zeitnah erfolgt und "
        "Sie hinsichtlich des Ergebnisses unverzüglich in Kenntnis gesetzt werden, sofern "
        "die Beibringung weiterer Nachweise nicht erforderlich sein sollte. {{ kunde.name }}"
    )
    box = page.get_by_role("region", name="Lesbarkeit")
    expect(box).to_contain_text("Inaugenscheinnahme")
    expect(box).to_contain_text("Satz mit")
    checks.check("Lesbarkeit")
    page.get_by_role("button", name="Als neue Version speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 gespeichert")
    checks.check("Vorlage gespeichert")
    checks.assert_clean()


def test_a_tl_of_another_team_finds_nothing_of_the_case_in_the_ablage(
    page: Page, site: str, org: Org, checks: PageChecks, ready_to_send
) -> None:
    team = TeamFactory(parent=org.b72, code="722")
    UserFactory(username="tl722", jobcenter=org.jobcenter, home_unit=team, roles=[("tl", team)])
    login(page, site, "tl722", checks)
    page.goto(f"{site}/ablage/")
    checks.check("Ablage (andere TL)")
    expect(page.get_by_text(ready_to_send.aktenzeichen)).to_have_count(0)
    response = page.goto(f"{site}/ablage/faelle/{ready_to_send.pk}/")
    assert response is not None and response.status == 404
    checks.failed_responses.clear()
    checks.assert_clean()
