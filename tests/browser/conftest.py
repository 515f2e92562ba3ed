"""Fixtures for the end-to-end tests in real Chromium (Debian's package, driven by
Playwright's sync API; no pytest-playwright, no downloaded browser)."""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# there unless told it is safe (the test thread and the live server share no async code).
# Set before anything touches the database, so `pytest tests/browser` works on its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    expect,
    sync_playwright,
)

from krm.conftest import Org, org  # noqa: F401  (krm/conftest.py is no ancestor of tests/)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "geheim-passwort-123"  # UserFactory's password for every org user


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # As krm/conftest.py does (not active when only tests/ is collected): fast hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium "
            "(make system-packages does it)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageChecks:
    """Collects what must not happen on any page: console errors (CSP violations, failed
    loads, script errors), failed responses and axe violations; `check` runs them for the
    page now shown and records the problems, so one run names every broken page."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    axe: Axe = field(default_factory=Axe)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_page_error(self, error: Exception) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")

    def check(self, name: str) -> None:
        """Axe, console and responses for the page now shown, recorded under `name`."""
        page = self.page
        page.wait_for_load_state("load")
        # The stylesheet was served (a 404 would leave the header unstyled).
        sheets = page.evaluate("Array.from(document.styleSheets).map(s => s.cssRules.length)")
        if not sheets or not all(sheets):
            self.problems.append(f"{name}: stylesheet not loaded (rules per sheet: {sheets})")
        result = self.axe.run(page)
        if result.violations_count:
            self.problems.append(
                f"{name} ({page.url}): {result.violations_count} axe violation(s)\n"
                + result.generate_report()
            )
        for error in self.console_errors:
            self.problems.append(f"{name} ({page.url}): console error: {error}")
        for failed in self.failed_responses:
            self.problems.append(f"{name} ({page.url}): failed response: {failed}")
        self.console_errors.clear()
        self.failed_responses.clear()

    def assert_clean(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def checks(page: Page) -> PageChecks:
    checks = PageChecks(page)
    page.on("console", checks.on_console)
    page.on("pageerror", checks.on_page_error)
    page.on("response", checks.on_response)
    return checks


@pytest.fixture
def site(live_server, transactional_db: None, org: Org) -> str:  # noqa: F811
    """The live server's base URL, with the organisation in its (transactional) database."""
    return live_server.url


def login(page: Page, site: str, username: str, checks: PageChecks | None = None) -> None:
    """Log in through the form at /anmelden/, as a person would (checking the form page)."""
    page.goto(f"{site}/anmelden/")
    if checks is not None:
        checks.check(f"Anmeldung ({username})")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^Anmelden$")).click()


def logout(page: Page) -> None:
    """Abmelden is a POST form in the header."""
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1, name="Anmelden")).to_be_visible()


def field(scope: Page | Locator, label: str) -> Locator:
    """A form field by its label, which may carry " (Pflichtfeld)" after the name."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \(Pflichtfeld\))?$"))


def stand(page: Page) -> Locator:
    """The case page's section "Stand: <status>": the open tasks and the user's next steps."""
    return page.get_by_role("region", name=re.compile("^Stand: "))


def step_summary(page: Page, label: str) -> Locator:
    """The button (a <summary>) that unfolds the form of the step `label`."""
    return (
        stand(page)
        .locator("details.step > summary")
        .filter(has_text=re.compile(rf"^{re.escape(label)}$"))
    )


def open_step(page: Page, label: str) -> Locator:
    """Unfold the step `label` on the case page, as a person would; return its <details>
    (its form's submit button carries the same label)."""
    step_summary(page, label).click()
    exact = re.compile(rf"^{re.escape(label)}$")
    details = (
        stand(page).locator("details.step").filter(has=page.locator("summary", has_text=exact))
    )
    expect(details).to_have_attribute("open", "")
    return details


def timeline_entry(page: Page, headline: str) -> Locator:
    """The timeline's entry (not one of its detail lines) whose sentence is `headline`."""
    timeline = page.get_by_role("region", name="Verlauf")
    return timeline.get_by_role("listitem").filter(has=page.get_by_text(headline, exact=True))


def take_step(page: Page, details: Locator, label: str) -> None:
    """Submit the unfolded step's form; the case page says it is done."""
    details.locator("form").get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Erledigt: {label}.")
