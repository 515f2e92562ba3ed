"""End to end in real Chromium: the KRM-B registers a Petition and carries it to its close.

The KRM-B's own steps go through the case page's step buttons and forms; the steps of GF,
BL and TL in between are taken through the service (their screens are walked in
test_workflow_journey.py).

R-A1 (Aktenzeichen II-6003-… for a Petition, II-6002-… for an Eingabe), R-W5.1 (Petitionen
and Eingaben are "Sofortsache": the badge "Eilt"), R-Q1/R-Q2 (Eingangsbestätigung within 3,
Abschluss within 10 Berlin working days, the day of receipt not counted), R-K10 (correcting
the kind gives a new Aktenzeichen; the old one stays findable), the audit timeline, the
worklist's search and status filter; on every page: no axe-core violation, no console
error, no failed response, the stylesheet served; the skip link is the first Tab stop.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from krm.cases.models import Case
from krm.conftest import Org
from krm.testing import route

from .conftest import (
    PageChecks,
    field,
    login,
    logout,
    open_step,
    stand,
    step_summary,
    take_step,
    timeline_entry,
)

pytestmark = pytest.mark.browser

PETITION_AZ = re.compile(r"II-6003-\d{4}-\d{5}")
EINGABE_AZ = re.compile(r"II-6002-\d{4}-\d{5}")
RECEIVED = "2026-11-02T09:30"  # a Monday; Berlin has no holiday in the following two weeks
# Counted by hand from Mon 02.11.2026 (not counted): Tue 03 (1), Wed 04 (2), Thu 05 (3);
# Fri 06 (4), Mon 09 (5), Tue 10 (6), Wed 11 (7), Thu 12 (8), Fri 13 (9), Mon 16 (10).
ACKNOWLEDGEMENT_DUE = "Do, 05.11.2026"
COMPLETION_DUE = "Mo, 16.11.2026"
SUBJECT = "Petition zur Bearbeitungsdauer des Weiterbewilligungsantrags"
NEW_SUBJECT = "Petition zur Bearbeitungsdauer des WBA"
TEXT = "Der Petent beklagt, dass sein Weiterbewilligungsantrag seit acht Wochen liegt."
TOPICS = ("Bearbeitungsdauer / Untätigkeit", "Erreichbarkeit (Telefon, E-Mail, vor Ort)")
CUSTOMER = "Max Petent"
EMAIL = "max.petent@example.org"
INVALID_EMAIL_MESSAGE = "Bitte geben Sie eine gültige E-Mail-Adresse ein."


def worklist_search(page: Page, query: str, status: str | None = None) -> Locator:
    """Filter the worklist through its form; return the result table."""
    field(page, "Suche").fill(query)
    if status is not None:
        page.get_by_text("Weitere Filter", exact=True).click()  # the other filters are folded
        field(page, "Status").select_option(label=status)
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    return page.get_by_role("table", name=re.compile("^Arbeitsliste"))


def expect_stand(page: Page, status: str, task: str | None = None) -> None:
    """The "Stand" section names the status and, while it is open, the KRM-B's next task."""
    expect(stand(page).get_by_role("heading", level=2)).to_have_text(f"Stand: {status}")
    if task is not None:
        expect(stand(page).get_by_role("listitem")).to_have_text(
            re.compile(rf"^{re.escape(task)} – bei ")
        )


def test_krmb_registers_petition_and_carries_it_to_close(
    page: Page, checks: PageChecks, site: str, org: Org
) -> None:
    krmb = org["krmb"].get_full_name()
    login(page, site, "krmb", checks)
    expect(page).to_have_url(f"{site}/faelle/")
    checks.check("Arbeitsliste (krmb)")

    # Keyboard: the skip link is the first Tab stop and moves focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    # 1. Registration from the navigation; first with an invalid e-mail address.
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1, name="Kundenreaktion registrieren")).to_be_visible()
    checks.check("Registrieren")
    field(page, "Art").select_option(label="Petition")
    field(page, "Eingangsweg").select_option(label="Brief")
    field(page, "Eingang (Datum und Uhrzeit)").fill(RECEIVED)
    field(page, "Betreff").fill(SUBJECT)
    field(page, "Inhalt").fill(TEXT)
    field(page, "Betroffene Einheit (Bereich oder Team)").select_option(value=str(org.t711.pk))
    topics = page.get_by_role("group", name=re.compile("^Themen"))
    for topic in TOPICS:
        topics.get_by_role("checkbox", name=topic, exact=True).check()
    field(page, "Name").fill(CUSTOMER)
    field(page, "E-Mail").fill("max.petent(at)example")
    page.get_by_role("button", name="Registrieren").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(summary.get_by_role("link", name=f"E-Mail: {INVALID_EMAIL_MESSAGE}")).to_be_visible()
    email = field(page, "E-Mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(re.escape(INVALID_EMAIL_MESSAGE)))
    # Nothing typed is lost.
    expect(field(page, "Art")).to_have_value("petition")
    expect(field(page, "Eingangsweg")).to_have_value("brief")
    expect(field(page, "Eingang (Datum und Uhrzeit)")).to_have_value(RECEIVED)
    expect(field(page, "Betreff")).to_have_value(SUBJECT)
    expect(field(page, "Inhalt")).to_have_value(TEXT)
    expect(field(page, "Betroffene Einheit (Bereich oder Team)")).to_have_value(str(org.t711.pk))
    for topic in TOPICS:
        expect(topics.get_by_role("checkbox", name=topic, exact=True)).to_be_checked()
    expect(topics.get_by_role("checkbox", checked=True)).to_have_count(2)
    expect(field(page, "Name")).to_have_value(CUSTOMER)
    expect(email).to_have_value("max.petent(at)example")
    checks.check("Registrieren mit Fehlern")

    email.fill(EMAIL)
    page.get_by_role("button", name="Registrieren").click()

    # 2. The case page: Aktenzeichen of a Petition (R-A1), "Eilt" (R-W5.1), the deadlines
    # (R-Q1, R-Q2), the timeline.
    message = page.get_by_role("status").filter(has_text="erfasst")
    expect(message).to_contain_text(PETITION_AZ)
    petition_az = PETITION_AZ.search(message.inner_text()).group()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(petition_az)
    expect(heading).to_contain_text(SUBJECT)
    expect(page.get_by_text("Eilt (Sofortsache)", exact=True)).to_be_visible()
    deadlines = page.get_by_role("region", name="Fristen")
    expect(deadlines).to_contain_text(
        re.compile(rf"Eingangsbestätigung\s*fällig {ACKNOWLEDGEMENT_DUE}(?! – versandt)")
    )
    expect(deadlines).to_contain_text(re.compile(rf"Abschluss\s*fällig {COMPLETION_DUE}"))
    data = page.get_by_role("region", name="Daten")
    expect(data).to_contain_text("02.11.2026 09:30 Uhr")
    for topic in TOPICS:
        expect(data).to_contain_text(topic)
    expect(page.get_by_role("region", name="Kundin / Kunde")).to_contain_text(EMAIL)
    expect(timeline_entry(page, f"{krmb} hat die Kundenreaktion erfasst.")).to_have_count(1)
    expect_stand(page, "eingegangen", "Fall vorbereiten und weitergeben")
    checks.check("Fallseite nach Registrierung")

    # 3. The Eingangsbestätigung is recorded as sent, naming the contact person.
    step = open_step(page, "Eingangsbestätigung erfassen")
    field(step, "genannte Ansprechperson").fill("Herr Beispiel, KRM")
    take_step(page, step, "Eingangsbestätigung erfassen")
    expect(deadlines).to_contain_text(
        re.compile(rf"Eingangsbestätigung\s*fällig {ACKNOWLEDGEMENT_DUE} – versandt")
    )
    acknowledged = timeline_entry(page, f"{krmb} hat die Eingangsbestätigung erfasst.")
    expect(acknowledged).to_have_count(1)
    expect(acknowledged).to_contain_text("Ansprechperson: Herr Beispiel, KRM")
    expect(step_summary(page, "Eingangsbestätigung erfassen")).to_have_count(0)
    checks.check("Fallseite nach Eingangsbestätigung")

    # 4. The Betreff is edited; the timeline shows the change.
    page.get_by_role("navigation", name="Daten des Falls").get_by_role(
        "link", name="Daten bearbeiten"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{petition_az} bearbeiten")
    expect(field(page, "Betreff")).to_have_value(SUBJECT)
    checks.check("Bearbeiten")
    field(page, "Betreff").fill(NEW_SUBJECT)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die Änderungen sind gespeichert.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_SUBJECT)
    change = timeline_entry(page, f"{krmb} hat die Daten geändert.")
    expect(change).to_have_count(1)
    expect(change.get_by_role("listitem")).to_have_text(["Betreff geändert"])
    checks.check("Fallseite nach Bearbeiten")

    # 5. The kind is corrected to Eingabe: a new Aktenzeichen, the old one stays (R-K10).
    page.get_by_role("navigation", name="Daten des Falls").get_by_role(
        "link", name="Art korrigieren"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Art korrigieren: {petition_az}")
    checks.check("Art korrigieren")
    field(page, "Neue Art").select_option(label="Eingabe")
    page.get_by_role("button", name="Art korrigieren").click()
    expect(page.get_by_role("status")).to_contain_text("Die Art ist korrigiert.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(EINGABE_AZ)
    eingabe_az = EINGABE_AZ.search(heading.inner_text()).group()
    expect(page.get_by_text(f"Frühere Aktenzeichen: {petition_az}", exact=True)).to_be_visible()
    expect(page.get_by_text("Eilt (Sofortsache)", exact=True)).to_be_visible()  # still urgent
    corrected = timeline_entry(page, f"{krmb} hat die Art korrigiert.")
    expect(corrected).to_have_count(1)
    expect(corrected).to_contain_text("Art: Petition → Eingabe")
    expect(corrected).to_contain_text(f"Aktenzeichen: {petition_az} → {eingabe_az}")
    case_url = page.url
    checks.check("Fallseite nach Art korrigieren")

    # The worklist finds the case by its old Aktenzeichen.
    nav.get_by_role("link", name="Arbeitsliste").click()
    table = worklist_search(page, petition_az)
    expect(table.get_by_role("row")).to_have_count(2)  # the header and our case
    expect(table.get_by_role("link", name=eingabe_az)).to_be_visible()
    checks.check("Arbeitsliste, Suche nach altem Aktenzeichen")

    # 6. Along its route to the close (R-W5): the KRM-B presents the Verfügungsblatt with the
    # body that asked …
    page.goto(case_url)
    checks.check("Fallseite vor der Vorlage")
    step = open_step(page, "Verfügungsblatt der GF vorlegen")
    field(step, "Sachverhalt (Zusammenfassung)").fill("WBA seit acht Wochen unbearbeitet.")
    field(step, "Vorschlag").fill("Team 711 nimmt Stellung, GF zeichnet.")
    field(step, "anfragende Stelle").fill("Petitionsausschuss des Abgeordnetenhauses")
    take_step(page, step, "Verfügungsblatt der GF vorlegen")
    expect_stand(page, "zur Abverfügung bei der GF", "Abverfügung treffen")
    expect(page.get_by_role("region", name="Daten")).to_contain_text(
        "Petitionsausschuss des Abgeordnetenhauses"
    )
    checks.check("Fallseite bei der GF")
    # … the GF decides (Team 711, the GF signs) …
    case = route.step(
        org["gf"],
        Case.objects.get(aktenzeichen=eingabe_az),
        "abverfuegen",
        org_unit="711",
        signer="gf",
        acknowledgement=True,
    )
    # … the KRM-B passes it to the Bereich …
    page.reload()
    expect_stand(page, "abverfügt", "Abverfügung an den Bereich weitergeben")
    checks.check("Fallseite abverfügt")
    take_step(page, open_step(page, "An die Bereichsleitung geben"), "An die Bereichsleitung geben")
    expect_stand(page, "bei der Bereichsleitung", "Teamleitung zuweisen")
    checks.check("Fallseite bei der BL")
    # … the BL names the TL, who drafts the Stellungnahme and submits it …
    route.step(org["bl"], case, "tl_zuweisen", handler="tl")
    route.step(org["tl"], case, "entwurf", draft="Stellungnahme des Teams 711 …")
    route.step(org["tl"], case, "vorlegen")
    # … the KRM-B reviews it …
    page.reload()
    expect_stand(page, "in Prüfung bei der KRM-B", "Stellungnahme prüfen")
    checks.check("Fallseite in Prüfung")
    step = open_step(page, "Geprüft: zur Zeichnung")
    for point in ("Form in Ordnung", "klar und verständlich", "vollständig", "plausibel"):
        field(step, point).check()
    take_step(page, step, "Geprüft: zur Zeichnung")
    expect_stand(page, "zur Zeichnung", "Antwort zeichnen")
    checks.check("Fallseite zur Zeichnung")
    # … the GF signs (petitions and Eingaben: always the GF) …
    route.step(org["gf"], case, "zeichnen")
    # … the KRM-B records the sending with the number of copies …
    page.reload()
    expect_stand(page, "gezeichnet, zum Versand", "Versand erfassen")
    checks.check("Fallseite zum Versand")
    step = open_step(page, "Versand erfassen")
    field(step, "versandt am").fill(timezone.localdate().isoformat())
    field(step, "Ausfertigungen").fill("2")
    checks.assert_clean()  # every page so far, whatever happens next
    take_step(page, step, "Versand erfassen")
    expect_stand(page, "beantwortet", "Ergebnis erfassen und austragen")
    sent = timeline_entry(page, f"{krmb} hat den Versand erfasst.")
    expect(sent).to_contain_text("Ausfertigungen: 2")
    expect(sent).to_contain_text("an: Petitionsausschuss des Abgeordnetenhauses")
    checks.check("Fallseite beantwortet")

    # … and closes it with its outcome, confirming.
    step = open_step(page, "Ergebnis erfassen und austragen")
    field(step, "Ergebnis").select_option(label="teilweise berechtigt")
    field(step, "Ja: Den Fall jetzt austragen").check()
    take_step(page, step, "Ergebnis erfassen und austragen")
    expect(page.get_by_text("Status: abgeschlossen", exact=True)).to_be_visible()
    expect_stand(page, "abgeschlossen")
    expect(page.get_by_role("region", name="Daten")).to_contain_text(
        re.compile(r"Ergebnis\s*teilweise berechtigt")
    )
    expect(
        timeline_entry(page, f"{krmb} hat das Ergebnis erfasst und den Fall ausgetragen.")
    ).to_have_count(1)
    expect(step_summary(page, "Ergebnis erfassen und austragen")).to_have_count(0)
    checks.check("Fallseite nach Abschluss")

    # Closed: not in the default worklist (open cases), but with Status "alle".
    nav.get_by_role("link", name="Arbeitsliste").click()
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^\d+ F"))).to_have_text("0 Fälle")
    expect(page.get_by_role("link", name=eingabe_az)).to_have_count(0)
    checks.check("Arbeitsliste ohne den abgeschlossenen Fall")
    table = worklist_search(page, eingabe_az, status="alle")
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name=eingabe_az))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NEW_SUBJECT)
    expect(row.locator("td[data-label=Status]")).to_have_text("abgeschlossen")
    checks.check("Arbeitsliste, Status alle")

    # 7. Log out.
    logout(page)
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    checks.check("Abgemeldet")

    checks.assert_clean()
