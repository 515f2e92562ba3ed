"""The demo (KRM_DEMO=1, DEBUG on) shows krm's own German error pages, not Django's
technical ones (issue 7)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import path

from krm import urls as krm_urls


def _crash(request):
    raise RuntimeError("Absturz im Test")


urlpatterns = [path("absturz/", _crash), *krm_urls.urlpatterns]


@pytest.fixture
def demo_settings(settings):
    settings.DEBUG = True
    settings.DEMO = True
    settings.ROOT_URLCONF = __name__
    if "krm.accounts.middleware.DemoErrorPagesMiddleware" not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [
            settings.MIDDLEWARE[0],
            "krm.accounts.middleware.DemoErrorPagesMiddleware",
            *settings.MIDDLEWARE[1:],
        ]
    return settings


def test_a_missing_page_is_krms_german_404(client: Client, org, demo_settings) -> None:
    client.force_login(org["krmb"])
    for url in ("/gibt-es-nicht/", "/faelle/999999/"):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Nicht gefunden" in html and "Zur Arbeitsliste" in html
        assert "URLconf" not in html and "Page not found" not in html


def test_a_crash_is_krms_german_500(org, demo_settings) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(org["krmb"])
    response = client.get("/absturz/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Ein Fehler ist aufgetreten" in html
    assert "Traceback" not in html and "Absturz im Test" not in html


def test_a_refusal_is_krms_german_403(client: Client, org, demo_settings) -> None:
    client.force_login(org["tl"])
    response = client.get("/erfassung/registrieren/")
    assert response.status_code == 403
    assert '<html lang="de"' in response.content.decode()


def test_the_api_keeps_its_json_404(client: Client, demo_settings) -> None:
    response = client.get("/api/v1/gibt-es-nicht")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


@override_settings(DEBUG=True, DEMO=False)
def test_settings_add_the_demo_pages_only_in_the_demo() -> None:
    import importlib
    import os

    from krm import settings as krm_settings

    before = os.environ.get("KRM_DEMO")
    try:
        os.environ["KRM_DEMO"] = "1"
        demo = importlib.reload(krm_settings)
        assert "krm.accounts.middleware.DemoErrorPagesMiddleware" in demo.MIDDLEWARE
        os.environ["KRM_DEMO"] = "0"
        plain = importlib.reload(krm_settings)
        assert "krm.accounts.middleware.DemoErrorPagesMiddleware" not in plain.MIDDLEWARE
    finally:
        if before is None:
            os.environ.pop("KRM_DEMO", None)
        else:
            os.environ["KRM_DEMO"] = before
        importlib.reload(krm_settings)


def test_a_bad_request_and_the_api_get_no_debug_page_either(client: Client, demo_settings) -> None:
    """Found by the attack review: too many fields and an unknown host gave Django's debug
    page (settings, environment); an unknown API version its HTML 404."""
    too_many = client.post("/anmelden/", {f"f{i}": "x" for i in range(1100)})
    assert too_many.status_code == 400
    assert "Ungültige Anfrage" in too_many.content.decode()
    assert (
        "SECRET" not in too_many.content.decode()
        and "TooManyFields" not in too_many.content.decode()
    )
    bad_host = client.get("/anmelden/", HTTP_HOST="evil.example")
    assert bad_host.status_code == 400 and "DisallowedHost" not in bad_host.content.decode()
    api = client.get("/api/v2/cases")
    assert api.status_code == 404 and api.json() == {"detail": "Nicht gefunden."}


def test_an_expired_form_gets_a_german_page_in_krms_layout(org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["krmb"])
    response = client.post("/faelle/1/schritt/notiz/", {"notiz-text": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Das Formular ist abgelaufen" in html and '<html lang="de"' in html


def test_krms_own_400_page_keeps_its_reason(client: Client, org, demo_settings) -> None:
    """A refused upload answers 400 with its German reason: the demo shows that page, not
    the generic one (review finding)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from krm.testing.factories import make_case

    case = make_case(org["krmb"])
    client.force_login(org["krmb"])
    page = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    response = client.post(
        f"/faelle/{case.pk}/dokumente/",
        {"file": SimpleUploadedFile("Rechnung.pdf", page), "kind": "eingang"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Rechnung.pdf" in html and "Datei hochladen" in html
