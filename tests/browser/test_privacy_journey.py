"""End to end in real Chromium: privacy and security screens (issue 6).

A TL opens a case twice; a Mitarbeiterin sees of the DAB she captured only that it exists;
the KRM-B rectifies a name (GDPR art. 16) and issues an Auskunft (art. 15) as PDF; the DSB
reads who opened the case in the read log: one entry for each opening of this journey. On
every page: no axe-core violation, no console error, no failed response.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from krm.audit.models import ReadEvent
from krm.cases import services
from krm.conftest import Org
from krm.testing.factories import make_case

from .conftest import PageChecks, login, logout, timeline_entry

pytestmark = pytest.mark.browser

OLD_NAME = "Erika Musterfrau"
NEW_NAME = "Erika Mustermann"


def test_read_log_rectification_disclosure_and_confidential_cases(
    page: Page, checks: PageChecks, site: str, org: Org
) -> None:
    krmb = org["krmb"]
    case = make_case(
        krmb,
        org_unit=org.t711,
        subject="Rückruf blieb aus",
        customer={"name": OLD_NAME, "email": "erika@example.org"},
    )
    dab = make_case(
        org["mitarbeiter"], quick_capture=True, org_unit=org.t711, subject="Ton am Schalter"
    )
    dab = services.correct_kind(
        actor=krmb, case=dab, expected_version=dab.version, kind="dienstaufsichtsbeschwerde"
    )
    openings = 0

    # The TL opens the team's case from the worklist, and once more.
    login(page, site, "tl", checks)
    page.get_by_role("link", name=case.aktenzeichen).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rückruf blieb aus")
    checks.check("Fallseite (tl)")
    page.reload()
    openings += 2
    logout(page)

    # The Mitarbeiterin sees of the DAB she captured only that it exists.
    login(page, site, "mitarbeiter", checks)
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Meine Fälle").click()
    apart = page.get_by_role("region", name="Vertrauliche Fälle, die Sie erfasst haben")
    expect(apart).to_contain_text("Dienstaufsichtsbeschwerde")
    expect(page.locator("main")).not_to_contain_text("Ton am Schalter")
    expect(page.get_by_role("table").get_by_role("link", name=dab.aktenzeichen)).to_have_count(0)
    checks.check("Meine Fälle mit vertraulichem Fall (mitarbeiter)")
    apart.get_by_role("link", name=dab.aktenzeichen).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vertraulicher Fall")
    expect(page.locator("main")).not_to_contain_text("Ton am Schalter")
    checks.check("Vertraulicher Fall (mitarbeiter)")
    logout(page)

    # The KRM-B rectifies the customer's name (art. 16).
    login(page, site, "krmb", checks)
    openings += 1  # the start page, Meine Aufgaben, shows the case among the KRM-B's tasks
    page.goto(f"{site}/faelle/{case.pk}/")
    openings += 1
    expect(page.get_by_role("region", name="Kundin / Kunde")).to_contain_text(OLD_NAME)
    page.get_by_role("link", name="Berichtigen oder löschen (DSGVO)").click()
    openings += 1  # a page with the case's contents, too
    checks.check("Berichtigen oder löschen")
    rectify = page.get_by_role("region", name="Berichtigen (Art. 16 DSGVO)")
    rectify.get_by_label(re.compile("^Name")).fill(NEW_NAME)
    rectify.get_by_label(re.compile("^Grund der Berichtigung")).fill("Anruf der Kundin")
    rectify.get_by_role("button", name="Berichtigen").click()
    openings += 1  # back on the case page
    expect(page.get_by_role("status")).to_contain_text("Die Daten sind berichtigt.")
    timeline = page.get_by_role("region", name="Verlauf")
    expect(timeline).to_contain_text("Daten berichtigt (Art. 16 DSGVO)")
    rectified = timeline_entry(
        page, f"{krmb.get_full_name()} hat Daten berichtigt (Art. 16 DSGVO)."
    )
    expect(rectified.get_by_role("listitem")).to_have_text(
        ["betrifft: Kundendaten: Name", "Grund: Anruf der Kundin"]
    )
    expect(page.locator("main")).not_to_contain_text(OLD_NAME)
    checks.check("Fallseite nach Berichtigung")

    # … issues an Auskunft (art. 15) as PDF …
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Auskunft").click()
    page.get_by_label(re.compile("^Name")).fill(NEW_NAME)
    page.get_by_role("button", name="Fälle suchen").click()
    expect(page.get_by_role("heading", name="1 Fall gefunden")).to_be_visible()
    page.get_by_role("checkbox").check()
    checks.check("Auskunft: Fälle der Person")
    with page.expect_download() as download:
        page.get_by_role("button", name="Auskunft als PDF erstellen").click()
    assert download.value.suggested_filename.startswith("Auskunft-Art15-")
    assert download.value.path().read_bytes().startswith(b"%PDF-")

    # … and reads the security log.
    nav.get_by_role("link", name="Protokolle").click()
    expect(page.get_by_role("heading", level=1, name="Sicherheitsprotokoll")).to_be_visible()
    checks.check("Sicherheitsprotokoll (krmb)")
    logout(page)

    # The DSB reads who opened the case: one entry per opening, and the Auskunft.
    login(page, site, "dsb", checks)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Protokolle"
    ).click()
    page.get_by_role("navigation", name="Protokolle").get_by_role(
        "link", name="Lesezugriffe"
    ).click()
    page.get_by_label("Aktenzeichen").fill(case.aktenzeichen)
    page.get_by_role("button", name="Anzeigen").click()
    table = page.get_by_role("table", name=re.compile("^Lesezugriffe"))
    expect(table.get_by_role("row")).to_have_count(openings + 1 + 1)  # + Auskunft + header
    expect(table.get_by_role("row").filter(has_text="Auskunft (Art. 15 DSGVO)")).to_have_count(1)
    checks.check("Lesezugriffe (dsb)")

    # Mein Konto, and logging out everywhere.
    page.get_by_role("link", name=re.compile("Test Person")).first.click()
    expect(page.get_by_role("heading", level=1, name="Mein Konto")).to_be_visible()
    checks.check("Mein Konto (dsb)")
    page.get_by_role("button", name="Überall abmelden").click()
    expect(page.get_by_role("heading", level=1, name="Anmelden")).to_be_visible()

    pages = ReadEvent.objects.filter(case=case, via=ReadEvent.Via.PAGE).count()
    lists = ReadEvent.objects.filter(case=case, via=ReadEvent.Via.LIST).count()
    assert (pages, lists) == (5, 1) and pages + lists == openings
    assert ReadEvent.objects.filter(case=case, via=ReadEvent.Via.DISCLOSURE).count() == 1
    # The captor's opening of the stub; and the KRM-B's Meine Aufgaben, which lists it.
    assert ReadEvent.objects.filter(case=dab, via=ReadEvent.Via.PAGE).count() == 1
    assert list(
        ReadEvent.objects.filter(case=dab, via=ReadEvent.Via.LIST).values_list(
            "user__username", flat=True
        )
    ) == ["krmb"]
    checks.assert_clean()


def test_new_pages_fit_a_small_screen(page: Page, checks: PageChecks, site: str, org: Org) -> None:
    """Found by review: case pages scrolled sideways at 375 px (WCAG 1.4.10)."""
    dab = make_case(
        org["krmb"],
        kind="dienstaufsichtsbeschwerde",
        org_unit=org.t711,
        staff_concerned=org["mitarbeiter"],
        subject="Verhalten am Schalter",
        customer={"name": "Erika Musterfrau", "email": "erika.musterfrau@example.org"},
    )
    page.set_viewport_size({"width": 375, "height": 800})
    for username, paths in (
        ("krmb", [f"/faelle/{dab.pk}/", f"/faelle/{dab.pk}/datenschutz/", "/faelle/auskunft/"]),
        ("dsb", ["/konto/", "/protokoll/sicherheit/", "/protokoll/lesezugriffe/"]),
    ):
        login(page, site, username)
        for path in paths:
            page.goto(f"{site}{path}")
            width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert width[0] <= width[1], (username, path, width)
            checks.check(f"375 px: {path} ({username})")
        logout(page)
    checks.assert_clean()
