"""Sessions end and are never cached (issue 6, finding 6; ASVS 3.3.1, 3.2.1, 8.2.1)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from krm.accounts import sessions
from krm.accounts.models import Absence
from krm.api.models import ApiToken
from krm.testing.factories import make_case

PASSWORD = "geheim-passwort-123"


def _login(client: Client, username: str) -> None:
    response = client.post("/anmelden/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/faelle/", "/faelle/meine/", "/erfassung/schnell/", "/admin/"])
def test_authenticated_pages_are_never_stored(client: Client, org, path: str) -> None:
    client.force_login(org["krmb"] if path != "/admin/" else org["admin"])
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_case_page_and_api_answers_are_never_stored(client: Client, org) -> None:
    case = make_case(org["krmb"])
    client.force_login(org["krmb"])
    assert "no-store" in client.get(f"/faelle/{case.pk}/").headers["Cache-Control"]
    key = ApiToken.issue(org["krmb"])[1]
    for path in ("/api/v1/cases", f"/api/v1/cases/{case.pk}", "/api/v1/cases/0"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {key}")
        assert "no-store" in response.headers["Cache-Control"], path


def test_the_session_cookie_ends_with_the_browser(client: Client, org) -> None:
    response = client.post("/anmelden/", {"username": "krmb", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def _age(client: Client, *, seen: int = 0, login: int = 0) -> None:
    session = client.session
    session[sessions.SEEN_AT] -= seen
    session[sessions.LOGIN_AT] -= login
    session.save()


def test_an_idle_session_ends_after_the_idle_time(client: Client, org) -> None:
    _login(client, "krmb")
    idle = settings.KRM_SESSION_IDLE_MINUTES * 60
    _age(client, seen=idle - 30)
    assert client.get("/faelle/").status_code == 200  # active again: the clock restarts
    _age(client, seen=idle + 1)
    response = client.get("/faelle/?status=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/anmelden/?next=/faelle/%3Fstatus%3D"
    assert "_auth_user_id" not in client.session
    page = client.get(response.headers["Location"])
    assert "nach längerer Inaktivität abgemeldet" in page.content.decode()


def test_activity_keeps_a_session_alive_but_not_beyond_its_maximum_age(client: Client, org) -> None:
    _login(client, "krmb")
    _age(client, login=settings.SESSION_COOKIE_AGE - 60)
    assert client.get("/faelle/").status_code == 200
    _age(client, login=61)
    response = client.get("/faelle/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_last_activity_is_written_at_most_once_a_minute(client: Client, org) -> None:
    _login(client, "krmb")
    before = client.session[sessions.SEEN_AT]
    client.get("/faelle/")
    assert client.session[sessions.SEEN_AT] == before
    _age(client, seen=sessions.SEEN_RESOLUTION)
    client.get("/faelle/")
    assert client.session[sessions.SEEN_AT] >= int(time.time()) - 1


def test_the_session_id_changes_at_login(client: Client, org) -> None:
    client.get("/anmelden/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "planted-session-id"
    _login(client, "krmb")
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != "planted-session-id"


def test_the_session_id_changes_when_a_deputyship_begins_and_ends(client: Client, org) -> None:
    """ASVS 3.2.1: acting as the absent KRM-B is a privilege change; so is its end."""
    _login(client, "vertretung")
    first = client.session.session_key
    client.get("/faelle/")
    assert client.session.session_key == first
    today = timezone.localdate()
    absence = Absence.objects.create(user=org["krmb"], start=today, end=today)
    assert client.get("/faelle/").status_code == 200
    second = client.session.session_key
    assert second != first
    assert "_auth_user_id" in client.session  # still logged in, with a new id
    absence.end = today - dt.timedelta(days=1)
    absence.start = absence.end
    absence.save()
    client.get("/faelle/")
    assert client.session.session_key not in (first, second)
