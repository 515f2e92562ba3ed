"""End to end in real Chromium: a complaint taken at the counter reaches the KRM-B.

R-W1.1 (quick capture by every staff member), R-A1 (Aktenzeichen II-6001-YYYY-NNNNN for a
Beschwerde), the worklist and search of the KRM-B, the case page with its timeline; on
every page: no axe-core violation, no console error (CSP), the stylesheet served.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from krm.conftest import Org

from .conftest import PageChecks, login

pytestmark = pytest.mark.browser

AKTENZEICHEN = re.compile(r"II-6001-\d{4}-\d{5}")
SUBJECT = "Unfreundliche Behandlung am Schalter"
TEXT = "Die Kundin wurde am Schalter laut angesprochen und nicht ausreden gelassen."
CUSTOMER = "Erika Mustermann"


def test_counter_complaint_reaches_krmb_worklist_and_case_page(
    page: Page, checks: PageChecks, site: str, org: Org
) -> None:
    # The Mitarbeiter logs in and opens the quick capture from the navigation (R-W1.1).
    login(page, site, "mitarbeiter", checks)
    expect(page).to_have_url(f"{site}/faelle/")
    checks.check("Arbeitsliste (mitarbeiter)")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Schnellerfassung").click()
    expect(page.get_by_role("heading", level=1, name="Schnellerfassung")).to_be_visible()
    checks.check("Schnellerfassung")

    # Submitted empty first: the errors are summarised, the Betreff is marked.
    page.get_by_role("button", name="Erfassen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(summary.get_by_role("link", name=re.compile("^Betreff"))).to_be_visible()
    expect(page.get_by_label(re.compile("^Betreff"))).to_have_attribute("aria-invalid", "true")
    checks.check("Schnellerfassung mit Fehlern")

    # The complaint at the counter.
    page.get_by_label(re.compile("^Art")).select_option(label="Beschwerde")
    page.get_by_label(re.compile("^Eingangsweg")).select_option(label="persönlich")
    page.get_by_label(re.compile("^Zuständiges Team")).select_option(value=str(org.t711.pk))
    page.get_by_label(re.compile("^Betreff")).fill(SUBJECT)
    page.get_by_label(re.compile("^Inhalt")).fill(TEXT)
    page.get_by_label(re.compile("^Name")).fill(CUSTOMER)
    page.get_by_role("button", name="Erfassen").click()

    # The success message names the Aktenzeichen (R-A1); the case page shows it.
    message = page.get_by_role("status").filter(has_text="erfasst")
    expect(message).to_contain_text(AKTENZEICHEN)
    aktenzeichen = AKTENZEICHEN.search(message.inner_text()).group()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(aktenzeichen)
    expect(heading).to_contain_text(SUBJECT)
    checks.check("Fallseite nach Schnellerfassung")

    # Abmelden is a POST form in the header.
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1, name="Anmelden")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)

    # The KRM-B finds the case in the worklist, listed and by search.
    login(page, site, "krmb", checks)
    expect(page).to_have_url(f"{site}/faelle/")
    expect(page.get_by_role("link", name=aktenzeichen)).to_be_visible()
    checks.check("Arbeitsliste (krmb)")
    page.get_by_label(re.compile("^Suche")).fill("Unfreundliche")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Unfreundliche"))
    print("DEBUG", page.url, page.locator("main").inner_text()[-800:])
    expect(page.get_by_role("heading", level=2, name=re.compile("^1 Fall"))).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=aktenzeichen))
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text(CUSTOMER)
    checks.check("Arbeitsliste mit Suche (krmb)")

    # … and opens it: subject, customer, the timeline entry.
    row.get_by_role("link", name=aktenzeichen).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    customer = page.get_by_role("region", name="Kundin / Kunde")
    expect(customer).to_contain_text(CUSTOMER)
    timeline = page.get_by_role("region", name="Verlauf")
    expect(timeline.get_by_role("listitem").filter(has_text="Fall erfasst")).to_have_count(1)
    checks.check("Fallseite (krmb)")

    checks.assert_clean()
