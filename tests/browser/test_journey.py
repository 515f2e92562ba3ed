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
from krm.testing.factories import make_case

from .conftest import PageChecks, login, stand, timeline_entry

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

    # The KRM-B has it in Meine Aufgaben (to prepare and pass on) …
    login(page, site, "krmb", checks)
    checks.check("Startseite (krmb)")
    nav.get_by_role("link", name="Meine Aufgaben").click()
    task = page.get_by_role("row").filter(has=page.get_by_role("link", name=aktenzeichen))
    expect(task).to_contain_text("Fall vorbereiten und weitergeben")
    expect(task).to_contain_text(SUBJECT)
    checks.check("Meine Aufgaben (krmb)")

    # … and finds it in the worklist, listed and by search.
    nav.get_by_role("link", name="Arbeitsliste").click()
    expect(page).to_have_url(f"{site}/faelle/")
    expect(page.get_by_role("link", name=aktenzeichen)).to_be_visible()
    checks.check("Arbeitsliste (krmb)")
    page.get_by_label(re.compile("^Suche")).fill("Unfreundliche")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Unfreundliche"))
    table = page.get_by_role("table", name=re.compile("^Arbeitsliste"))
    expect(table.get_by_role("row")).to_have_count(2)  # the header and our case
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=aktenzeichen))
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text(CUSTOMER)
    checks.check("Arbeitsliste mit Suche (krmb)")

    # … and opens it: subject, customer, the timeline entry.
    row.get_by_role("link", name=aktenzeichen).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    customer = page.get_by_role("region", name="Kundin / Kunde")
    expect(customer).to_contain_text(CUSTOMER)
    captured = timeline_entry(
        page,
        f"{org['mitarbeiter'].get_full_name()} hat die Kundenreaktion in der "
        "Schnellerfassung erfasst.",
    )
    expect(captured).to_have_count(1)
    expect(stand(page).get_by_role("heading", level=2)).to_have_text("Stand: eingegangen")
    expect(stand(page).get_by_role("listitem").first).to_contain_text(
        "Fall vorbereiten und weitergeben – bei KRM-Beauftragte"
    )
    checks.check("Fallseite (krmb)")

    checks.assert_clean()


def test_quick_capture_error_is_announced_with_its_field(page: Page, site: str) -> None:
    """WCAG 3.3.1: a screen reader hears the error when it reaches the Betreff field."""
    login(page, site, "mitarbeiter")
    page.goto(f"{site}/erfassung/schnell/")
    page.get_by_role("button", name="Erfassen").click()
    subject = page.get_by_label(re.compile("^Betreff"))
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_have_accessible_description(re.compile("erforderlich"), timeout=1000)


def test_worklist_counts_a_single_case_as_1_fall(page: Page, site: str, org: Org) -> None:
    make_case(org["krmb"])
    login(page, site, "krmb")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Arbeitsliste"
    ).click()
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^\d+ F"))).to_have_text(
        "1 Fall", timeout=1000
    )


def test_page_checks_report_axe_violations_and_console_errors(checks: PageChecks) -> None:
    """The harness the journey relies on can fail: an image without alt text, a page without
    language and a console error are all reported."""
    checks.page.set_content(
        "<html><head><title>x</title></head><body><main><h1>x</h1>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<script>console.error("kaputt")</script></main></body></html>'
    )
    checks.check("Probe")
    report = "\n".join(checks.problems)
    assert "axe violation" in report
    assert "image-alt" in report
    assert "html-has-lang" in report
    assert "console error: kaputt" in report
