"""End to end in real Chromium: a letter complaint along its whole route (R-W2, issue 7).

KRM-B (registration, Verfügungsblatt) → GF (Abverfügung: the TL signs) → KRM-B
(Eingangsbestätigung naming the contact person, to the BL) → BL (the TL) → TL (draft,
submitted) → KRM-B (review) → TL (signs) → KRM-B (sending; result, closed with
confirmation). Each person logs in through the form, finds the case in Meine Aufgaben (the
task row is there, and gone after the step), takes the step through the case page's
buttons and forms, and the "Stand" section names the new state and who acts next.

Beside it: the worklist, Meine Aufgaben and the case page of such a case at 375 px (no
sideways scrolling, the filters folded); the link suggestions (htmx) appearing while typing,
within the CSP; the start page after login. On every page: no axe-core violation, no
console error, no failed response, the stylesheet served.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from krm.conftest import Org
from krm.testing import route
from krm.testing.factories import make_case

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

AKTENZEICHEN = re.compile(r"II-6001-\d{4}-\d{5}")
RECEIVED = "2026-11-02T09:30"  # a Monday
SUBJECT = "Bescheid seit Wochen nicht erhalten"
TEXT = "Der Kunde schreibt, dass er seit sechs Wochen auf seinen Bescheid wartet."
CUSTOMER = "Karl Briefschreiber"
DRAFT = "Sehr geehrter Herr Briefschreiber, Ihr Bescheid wurde inzwischen versandt."
KRMB = "KRM-Beauftragte"
GF = "Geschäftsführung"
BL = "BL 71"
DUE = r"fällig \w\w, \d\d\.\d\d\.\d{4}"  # e.g. "fällig Di, 01.12.2026"


def name(org: Org, username: str) -> str:
    return org[username].get_full_name()


def open_my_tasks(page: Page, checks: PageChecks, who: str) -> None:
    """Meine Aufgaben from the navigation."""
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Meine Aufgaben"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Meine Aufgaben")).to_be_visible()
    checks.check(f"Meine Aufgaben ({who})")


def task_row(page: Page, aktenzeichen: str, label: str) -> Locator:
    """The row of Meine Aufgaben for this case and task."""
    return (
        page.get_by_role("row")
        .filter(has=page.get_by_role("link", name=aktenzeichen))
        .filter(has=page.get_by_role("cell").filter(has_text=label))
    )


def expect_stand(page: Page, status: str, task: str | None, who: str | None = None) -> None:
    """The "Stand" section: the status and the one open task (with who holds it, due when)."""
    section = stand(page)
    expect(section.get_by_role("heading", level=2)).to_have_text(f"Stand: {status}")
    badge = page.locator(".case-badges").get_by_text(f"Status: {status}", exact=True)
    expect(badge).to_be_visible()
    tasks = section.locator("ul.tasks-now > li")
    if task is None:
        expect(tasks).to_have_count(0)
        return
    expect(tasks).to_have_count(1)
    expect(tasks).to_have_text(re.compile(rf"^{re.escape(task)} – bei {re.escape(who)}, {DUE}$"))


def pick_up(
    page: Page, checks: PageChecks, site: str, username: str, aktenzeichen: str, task: str
) -> None:
    """Log in through the form, find the task in Meine Aufgaben, open the case from there."""
    login(page, site, username, checks)
    checks.check(f"Startseite ({username})")
    open_my_tasks(page, checks, username)
    row = task_row(page, aktenzeichen, task)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=aktenzeichen).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(aktenzeichen)
    checks.check(f"Fallseite ({username}: {task})")


def hand_over(page: Page, checks: PageChecks, username: str, aktenzeichen: str, task: str) -> None:
    """After the step: the task is gone from the person's Meine Aufgaben; log out."""
    open_my_tasks(page, checks, f"{username}, erledigt")
    expect(task_row(page, aktenzeichen, task)).to_have_count(0)
    logout(page)


def test_letter_complaint_along_its_route(
    page: Page, checks: PageChecks, site: str, org: Org
) -> None:
    today = timezone.localdate()
    krmb, gf, tl = name(org, "krmb"), name(org, "gf"), name(org, "tl")
    nav = page.get_by_role("navigation", name="Hauptnavigation")

    # 1. KRM-B: registers the letter through the form.
    login(page, site, "krmb", checks)
    checks.check("Startseite (krmb)")
    nav.get_by_role("link", name="Registrieren").click()
    checks.check("Registrieren")
    field(page, "Art").select_option(label="Beschwerde")
    field(page, "Eingangsweg").select_option(label="Brief")
    field(page, "Eingang (Datum und Uhrzeit)").fill(RECEIVED)
    field(page, "Betreff").fill(SUBJECT)
    field(page, "Inhalt").fill(TEXT)
    field(page, "Betroffene Einheit (Bereich oder Team)").select_option(value=str(org.t711.pk))
    field(page, "Name").fill(CUSTOMER)
    page.get_by_role("button", name="Registrieren").click()
    message = page.get_by_role("status").filter(has_text="erfasst")
    expect(message).to_contain_text(AKTENZEICHEN)
    az = AKTENZEICHEN.search(message.inner_text()).group()
    expect(page.get_by_role("heading", level=1)).to_contain_text(az)
    expect_stand(page, "eingegangen", "Fall vorbereiten und weitergeben", KRMB)
    # A letter goes to the GF first: no way to the Bereich yet, nor to close it.
    expect(step_summary(page, "An die Bereichsleitung geben")).to_have_count(0)
    expect(step_summary(page, "Ergebnis erfassen und austragen")).to_have_count(0)
    expect(timeline_entry(page, f"{krmb} hat die Kundenreaktion erfasst.")).to_have_count(1)
    checks.check("Fallseite nach Registrierung")

    # … finds it in Meine Aufgaben and presents the Verfügungsblatt to the GF.
    open_my_tasks(page, checks, "krmb")
    row = task_row(page, az, "Fall vorbereiten und weitergeben")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=az).click()
    checks.check("Fallseite (krmb)")
    step = open_step(page, "Verfügungsblatt der GF vorlegen")
    field(step, "Sachverhalt (Zusammenfassung)").fill("Bescheid seit sechs Wochen ausstehend.")
    field(step, "Vorschlag").fill("Team 711 bearbeitet, TL zeichnet, Eingangsbestätigung ja.")
    checks.check("Fallseite, Verfügungsblatt aufgeklappt")
    take_step(page, step, "Verfügungsblatt der GF vorlegen")
    expect_stand(page, "zur Abverfügung bei der GF", "Abverfügung treffen", GF)
    expect(stand(page)).to_contain_text(f"Zur Kenntnis an: {BL}")
    verfuegung = page.get_by_role("region", name="Verfügungsblatt")
    expect(verfuegung).to_contain_text(re.compile(r"Abverfügung\s*steht aus"))
    expect(timeline_entry(page, f"{krmb} hat das Verfügungsblatt der GF vorgelegt.")).to_have_count(
        1
    )
    checks.check("Fallseite bei der GF")
    hand_over(page, checks, "krmb", az, "Fall vorbereiten und weitergeben")

    # 2. GF: the Abverfügung (Team 711 handles, the TL signs, with Eingangsbestätigung).
    pick_up(page, checks, site, "gf", az, "Abverfügung treffen")
    expect_stand(page, "zur Abverfügung bei der GF", "Abverfügung treffen", GF)
    step = open_step(page, "Abverfügung treffen")
    field(step, "bearbeitet durch (Bereich/Team)").select_option(value="711")
    field(step, "zeichnet").select_option(label="Teamleitung")
    field(step, "Eingangsbestätigung versenden").check()
    field(step, "weitere Verfügung").fill("Bitte zügig beantworten.")
    checks.check("Fallseite, Abverfügung aufgeklappt")
    take_step(page, step, "Abverfügung treffen")
    expect_stand(page, "abverfügt", "Abverfügung an den Bereich weitergeben", KRMB)
    expect(verfuegung).to_contain_text("zeichnet Teamleitung")
    decided = timeline_entry(page, f"{gf} hat abverfügt.")
    expect(decided).to_have_count(1)
    expect(decided).to_contain_text("zeichnet: Teamleitung")
    checks.check("Fallseite abverfügt")
    hand_over(page, checks, "gf", az, "Abverfügung treffen")

    # 3. KRM-B: the Eingangsbestätigung (naming the contact person), then to the BL.
    pick_up(page, checks, site, "krmb", az, "Abverfügung an den Bereich weitergeben")
    expect(step_summary(page, "An die Bereichsleitung geben")).to_have_count(0)  # not yet
    step = open_step(page, "Eingangsbestätigung erfassen")
    field(step, "genannte Ansprechperson").fill("Frau Beispiel, Team 711")
    take_step(page, step, "Eingangsbestätigung erfassen")
    expect_stand(page, "abverfügt", "Abverfügung an den Bereich weitergeben", KRMB)
    expect(page.get_by_role("region", name="Fristen")).to_contain_text(
        re.compile(r"Eingangsbestätigung\s*fällig \w\w, [\d.]+ – versandt")
    )
    acknowledged = timeline_entry(page, f"{krmb} hat die Eingangsbestätigung erfasst.")
    expect(acknowledged).to_contain_text("Ansprechperson: Frau Beispiel, Team 711")
    expect(step_summary(page, "Eingangsbestätigung erfassen")).to_have_count(0)
    checks.check("Fallseite nach Eingangsbestätigung")
    step = open_step(page, "An die Bereichsleitung geben")
    take_step(page, step, "An die Bereichsleitung geben")
    expect_stand(page, "bei der Bereichsleitung", "Teamleitung zuweisen", BL)
    expect(
        timeline_entry(page, f"{krmb} hat den Fall an die Bereichsleitung gegeben.")
    ).to_have_count(1)
    checks.check("Fallseite bei der BL")
    hand_over(page, checks, "krmb", az, "Abverfügung an den Bereich weitergeben")

    # 4. BL: reads the notice with one click, assigns the TL.
    login(page, site, "bl", checks)
    checks.check("Startseite (bl)")
    open_my_tasks(page, checks, "bl")
    notice = task_row(page, az, "Zur Kenntnis: neuer Fall, der GF vorgelegt")
    expect(notice).to_have_count(1)
    notice.get_by_role("button", name="Zur Kenntnis genommen").click()
    expect(page.get_by_role("status")).to_contain_text("Zur Kenntnis genommen.")
    expect(notice).to_have_count(0)
    checks.check("Meine Aufgaben nach Kenntnisnahme (bl)")
    row = task_row(page, az, "Teamleitung zuweisen")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=az).click()
    checks.check("Fallseite (bl)")
    step = open_step(page, "Teamleitung zuweisen")
    field(step, "Teamleitung").select_option(label=f"{tl} (Teamleitung 711)")
    take_step(page, step, "Teamleitung zuweisen")
    expect_stand(page, "in Bearbeitung", "Antwort entwerfen oder Gespräch führen", tl)
    expect(page.get_by_role("region", name="Daten")).to_contain_text(
        re.compile(rf"Verantwortlich\s*{re.escape(tl)}")
    )
    checks.check("Fallseite in Bearbeitung")
    hand_over(page, checks, "bl", az, "Teamleitung zuweisen")

    # 5. TL: saves the answer draft, submits it for review.
    pick_up(page, checks, site, "tl", az, "Antwort entwerfen oder Gespräch führen")
    expect(step_summary(page, "Entwurf zur Prüfung vorlegen")).to_have_count(0)  # no draft
    step = open_step(page, "Antwortentwurf speichern")
    field(step, "Antwortentwurf / Stellungnahme").fill(DRAFT)
    take_step(page, step, "Antwortentwurf speichern")
    expect_stand(page, "in Bearbeitung", "Antwort entwerfen oder Gespräch führen", tl)
    expect(page.get_by_role("region", name="Antwortentwurf / Stellungnahme")).to_contain_text(DRAFT)
    checks.check("Fallseite mit Entwurf")
    step = open_step(page, "Entwurf zur Prüfung vorlegen")
    take_step(page, step, "Entwurf zur Prüfung vorlegen")
    expect_stand(page, "in Prüfung bei der KRM-B", "Stellungnahme prüfen", KRMB)
    expect(timeline_entry(page, f"{tl} hat den Entwurf zur Prüfung vorgelegt.")).to_have_count(1)
    checks.check("Fallseite in Prüfung")
    hand_over(page, checks, "tl", az, "Antwort entwerfen oder Gespräch führen")

    # 6. KRM-B: reviews the Stellungnahme (all four points) and passes it for signature.
    pick_up(page, checks, site, "krmb", az, "Stellungnahme prüfen")
    step = open_step(page, "Geprüft: zur Zeichnung")
    for point in ("Form in Ordnung", "klar und verständlich", "vollständig", "plausibel"):
        field(step, point).check()
    take_step(page, step, "Geprüft: zur Zeichnung")
    expect_stand(page, "zur Zeichnung", "Antwort zeichnen", tl)
    reviewed = timeline_entry(
        page, f"{krmb} hat die Stellungnahme geprüft und zur Zeichnung gegeben."
    )
    expect(reviewed).to_contain_text("Form in Ordnung ✓")
    checks.check("Fallseite zur Zeichnung")
    hand_over(page, checks, "krmb", az, "Stellungnahme prüfen")

    # 7. The TL signs, as the Abverfügung ordered.
    pick_up(page, checks, site, "tl", az, "Antwort zeichnen")
    step = open_step(page, "Zeichnen")
    take_step(page, step, "Zeichnen")
    expect_stand(page, "gezeichnet, zum Versand", "Versand erfassen", KRMB)
    expect(timeline_entry(page, f"{tl} hat die Antwort gezeichnet.")).to_have_count(1)
    checks.check("Fallseite zum Versand")
    hand_over(page, checks, "tl", az, "Antwort zeichnen")

    # 8. KRM-B: records the sending, then the result, closing with confirmation.
    pick_up(page, checks, site, "krmb", az, "Versand erfassen")
    step = open_step(page, "Versand erfassen")
    field(step, "versandt am").fill(today.isoformat())
    checks.assert_clean()  # every page so far, whatever happens next
    take_step(page, step, "Versand erfassen")
    expect_stand(page, "beantwortet", "Ergebnis erfassen und austragen", KRMB)
    sent = timeline_entry(page, f"{krmb} hat den Versand erfasst.")
    expect(sent).to_contain_text(f"versandt: {today:%d.%m.%Y}")
    checks.check("Fallseite beantwortet")
    step = open_step(page, "Ergebnis erfassen und austragen")
    field(step, "Ergebnis").select_option(label="teilweise berechtigt")
    field(step, "Maßnahme").fill("Bearbeitung im Team beschleunigt.")
    field(step, "Kunde informiert per").select_option(label="Brief")
    field(step, "Kunde informiert am").fill(today.isoformat())
    confirm = field(step, "Ja: Den Fall jetzt austragen")
    expect(confirm).to_have_attribute("required", "")
    checks.check("Fallseite, Abschluss aufgeklappt")
    # Without the confirmation nothing happens (the browser asks for it).
    step.locator("form").get_by_role("button", name="Ergebnis erfassen und austragen").click()
    expect(stand(page).get_by_role("heading", level=2)).to_have_text("Stand: beantwortet")
    assert page.evaluate("el => !el.validity.valid", confirm.element_handle())
    confirm.check()
    take_step(page, step, "Ergebnis erfassen und austragen")
    closed_on = timezone.localdate().strftime("%d.%m.%Y")
    expect_stand(page, "abgeschlossen", None)
    expect(stand(page)).to_contain_text(f"Der Fall ist abgeschlossen am {closed_on}.")
    expect(page.get_by_role("region", name="Daten")).to_contain_text(
        re.compile(r"Ergebnis\s*teilweise berechtigt")
    )
    expect(page.get_by_role("region", name="Daten")).to_contain_text(
        re.compile(r"Kunde informiert\s*Brief am \d\d\.\d\d\.\d{4}")
    )
    closed = timeline_entry(page, f"{krmb} hat das Ergebnis erfasst und den Fall ausgetragen.")
    expect(closed).to_contain_text("Ergebnis: teilweise berechtigt")
    expect(step_summary(page, "Ergebnis erfassen und austragen")).to_have_count(0)
    checks.check("Fallseite abgeschlossen")
    open_my_tasks(page, checks, "krmb, alles erledigt")
    expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=az))).to_have_count(0)

    checks.assert_clean()


def fits(page: Page) -> bool:
    """No sideways scrolling (WCAG 1.4.10)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_worklist_tasks_and_case_page_fit_375_px(
    page: Page, checks: PageChecks, site: str, org: Org
) -> None:
    """The journey's lists and case page on a phone: cards instead of tables, the filters
    folded behind "Weitere Filter", step forms unfolded; no sideways scrolling, axe clean."""
    krmb = org["krmb"]
    letter = make_case(
        krmb,
        org_unit=org.t711,
        subject="Bescheid seit Wochen nicht erhalten, Nachfrage ohne Antwort geblieben",
        customer={"name": "Karl Briefschreiber", "email": "karl.briefschreiber@example.org"},
    )
    route.step(krmb, letter, "gf_vorlegen", summary="Bescheid fehlt.", proposal="Team 711")
    route.step(org["gf"], letter, "abverfuegen", org_unit="711", signer="tl", acknowledgement=True)
    route.step(krmb, letter, "eingangsbestaetigung", contact_person="Frau Beispiel")
    route.step(krmb, letter, "an_bereich")
    route.step(org["bl"], letter, "tl_zuweisen", handler="tl")
    route.step(org["tl"], letter, "entwurf", draft=DRAFT)
    route.step(org["tl"], letter, "vorlegen")
    email = make_case(krmb, channel="email", org_unit=org.t711, subject="Rückruf fehlt")

    page.set_viewport_size({"width": 375, "height": 800})
    login(page, site, "krmb", checks)
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Arbeitsliste").click()
    expect(page.get_by_role("link", name=letter.aktenzeichen)).to_be_visible()
    expect(page.get_by_role("link", name=email.aktenzeichen)).to_be_visible()
    expect(field(page, "Suche")).to_be_visible()
    filters = page.get_by_text("Weitere Filter", exact=True)
    expect(filters).to_be_visible()
    expect(field(page, "Art")).to_be_hidden()  # folded
    assert fits(page), "Arbeitsliste scrolls sideways at 375 px"
    checks.check("375 px: Arbeitsliste")
    filters.click()
    expect(field(page, "Art")).to_be_visible()
    assert fits(page), "Arbeitsliste with the filters unfolded scrolls sideways at 375 px"
    checks.check("375 px: Arbeitsliste, Filter aufgeklappt")

    nav.get_by_role("link", name="Meine Aufgaben").click()
    expect(task_row(page, letter.aktenzeichen, "Stellungnahme prüfen")).to_be_visible()
    expect(task_row(page, email.aktenzeichen, "Fall vorbereiten und weitergeben")).to_be_visible()
    assert fits(page), "Meine Aufgaben scrolls sideways at 375 px"
    checks.check("375 px: Meine Aufgaben")

    task_row(page, letter.aktenzeichen, "Stellungnahme prüfen").get_by_role(
        "link", name=letter.aktenzeichen
    ).click()
    expect_stand(page, "in Prüfung bei der KRM-B", "Stellungnahme prüfen", KRMB)
    expect(page.get_by_role("region", name="Verfügungsblatt")).to_be_visible()
    assert fits(page), "the case page scrolls sideways at 375 px"
    checks.check("375 px: Fallseite")
    open_step(page, "Geprüft: zur Zeichnung")
    open_step(page, "Zur Überarbeitung zurückgeben")
    assert fits(page), "the case page with step forms unfolded scrolls sideways at 375 px"
    checks.check("375 px: Fallseite mit Schrittformularen")
    checks.assert_clean()


def test_link_suggestions_appear_while_typing(
    page: Page, checks: PageChecks, site: str, org: Org
) -> None:
    """htmx (shipped in krm/static/krm/vendor) asks for matching cases as the KRM-B types;
    a suggestion links with one click. No CSP violation (the console check)."""
    case = make_case(org["krmb"], channel="email", subject="Rückruf blieb aus")
    other = make_case(org["krmb"], channel="telefon", subject="Termin ohne Dolmetscher")
    login(page, site, "krmb", checks)
    page.goto(f"{site}/faelle/{case.pk}/")
    checks.check("Fallseite vor dem Verknüpfen")
    links = page.get_by_role("region", name="Verknüpfte Fälle")
    typed = links.get_by_label(re.compile("^Anderer Fall"))
    with page.expect_request(re.compile(r"/verknuepfen/vorschlaege/\?.*Dolmetscher")):
        typed.press_sequentially("Dolmetscher", delay=20)
    suggestion = links.get_by_role("button", name=re.compile(re.escape(other.aktenzeichen)))
    expect(suggestion).to_have_text(f"{other.aktenzeichen} – Termin ohne Dolmetscher (Beschwerde)")
    expect(links.get_by_role("list", name=re.compile("^Passende Fälle"))).to_be_visible()
    expect(page).to_have_url(f"{site}/faelle/{case.pk}/")  # no page load: htmx swapped
    checks.check("Fallseite mit Vorschlägen")

    typed.fill("")
    typed.press_sequentially("gibt es nicht", delay=20)
    expect(links).to_contain_text("Kein passender Fall.")
    checks.check("Fallseite ohne passenden Vorschlag")

    typed.fill("")
    typed.press_sequentially("Dolmetscher", delay=20)
    links.get_by_role("button", name=re.compile(re.escape(other.aktenzeichen))).click()
    expect(page.get_by_role("status")).to_contain_text("Die Fälle sind verknüpft.")
    expect(links.get_by_role("link", name=other.aktenzeichen)).to_be_visible()
    checks.check("Fallseite nach dem Verknüpfen")
    checks.assert_clean()


def test_login_lands_on_my_tasks_when_tasks_are_open(page: Page, site: str, org: Org) -> None:
    make_case(org["krmb"])  # the KRM-B's task: prepare it and pass it on
    login(page, site, "krmb")
    expect(page).to_have_url(f"{site}/faelle/aufgaben/", timeout=2000)
    expect(page.get_by_role("heading", level=1, name="Meine Aufgaben")).to_be_visible()
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link", name="Meine Aufgaben")).to_have_attribute("aria-current", "page")
    logout(page)
    login(page, site, "mitarbeiter")  # no tasks: the worklist
    expect(page).to_have_url(f"{site}/faelle/")
