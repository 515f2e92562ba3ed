"""Login throttling (issue 6, findings 1 and 2; krm/accounts/throttling.py).

Failures count per username and address (5), per username (20) and per address (100); the
last two never lock a user out of an address they logged in from before; a success clears
only that username's failures; the lockout page says how long to wait.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

PASSWORD = "geheim-passwort-123"  # the factories' password


def _login(client: Client, username: str, password: str, ip: str = "10.9.8.7"):
    response = client.post(
        "/anmelden/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    if response.status_code == 302:
        client.post("/abmelden/", REMOTE_ADDR=ip)
    return response


def _fail(client: Client, username: str, times: int, ip: str = "10.9.8.7") -> None:
    """Wrong passwords; the one that reaches a limit is answered with the lockout (429)."""
    for _ in range(times):
        assert _login(client, username, "falsch", ip).status_code in (200, 429)


def test_a_success_of_another_account_does_not_wipe_the_failures_of_a_guessed_one(
    client: Client, org
) -> None:
    """Finding 1: 20 wrong passwords for gf, each followed by a correct login as mitarbeiter
    from the same address: gf is locked after the fifth."""
    statuses = []
    for _ in range(20):
        statuses.append(_login(client, "gf", "falsch").status_code)
        assert _login(client, "mitarbeiter", PASSWORD).status_code == 302
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * 4
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    assert _login(client, "gf", PASSWORD).status_code == 429


def test_a_success_clears_only_that_usernames_failures(client: Client, org) -> None:
    _fail(client, "gf", 4)
    _fail(client, "krmb", 4)
    assert _login(client, "krmb", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="krmb").exists()
    # gf's four failures are still counted: the fifth locks.
    assert _login(client, "gf", "falsch").status_code == 429
    assert _login(client, "gf", PASSWORD).status_code == 429


def test_one_users_typos_lock_only_that_user_at_that_address(client: Client, org) -> None:
    """Finding 2: five wrong passwords behind the office's address lock that user there, not
    the colleagues behind the same address, and not that user at another address."""
    _fail(client, "tl", settings.AXES_FAILURE_LIMIT)
    assert _login(client, "tl", PASSWORD).status_code == 429
    for colleague in ("bl", "mitarbeiter", "krmb"):
        assert _login(client, colleague, PASSWORD).status_code == 302
    assert _login(client, "tl", PASSWORD, ip="10.1.1.1").status_code == 302


@pytest.mark.parametrize("username", ["krmb", "gibt-es-nicht"])
def test_guessing_one_username_from_many_addresses_is_locked(
    client: Client, org, username: str, caplog
) -> None:
    limit = settings.KRM_LOGIN_FAILURE_LIMIT_USER
    for attempt in range(limit):
        # Never five from one address: only the username counts them together.
        _fail(client, username, 1, ip=f"10.0.{attempt // 200}.{attempt % 200 + 1}")
    response = _login(client, username, PASSWORD, ip="10.7.7.7")
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("Locking out" in r.getMessage() for r in caplog.records)  # the security log


def test_a_known_name_cannot_be_locked_out_of_its_usual_address(client: Client, org) -> None:
    """Strangers exhaust the username's limit from many places; the KRM-B still logs in
    from the address she used before, and the strangers stay locked."""
    assert _login(client, "krmb", PASSWORD, ip="10.20.0.5").status_code == 302
    for attempt in range(settings.KRM_LOGIN_FAILURE_LIMIT_USER + 5):
        _login(client, "krmb", "falsch", ip=f"192.0.2.{attempt + 1}")
    assert _login(client, "krmb", PASSWORD, ip="198.51.100.9").status_code == 429
    assert _login(client, "krmb", PASSWORD, ip="10.20.0.5").status_code == 302


def test_known_address_ages_out(client: Client, org, settings) -> None:
    from axes.models import AccessLog

    assert _login(client, "krmb", PASSWORD, ip="10.20.0.5").status_code == 302
    old = timezone.now() - dt.timedelta(days=settings.KRM_LOGIN_KNOWN_DAYS + 1)
    AccessLog.objects.filter(username="krmb").update(attempt_time=old)
    for attempt in range(settings.KRM_LOGIN_FAILURE_LIMIT_USER):
        _login(client, "krmb", "falsch", ip=f"192.0.2.{attempt + 1}")
    assert _login(client, "krmb", PASSWORD, ip="10.20.0.5").status_code == 429


def test_one_address_guessing_many_usernames_is_locked_only_at_the_high_limit(
    client: Client, org
) -> None:
    ip = "10.3.3.3"
    assert _login(client, "tl", PASSWORD, ip=ip).status_code == 302  # known here
    limit = settings.KRM_LOGIN_FAILURE_LIMIT_ADDRESS
    for attempt in range(limit - 1):
        _login(client, f"name{attempt}", "falsch", ip=ip)
    assert _login(client, "mitarbeiter", PASSWORD, ip=ip).status_code == 302
    _login(client, "noch-einer", "falsch", ip=ip)
    assert _login(client, "krmb", PASSWORD, ip=ip).status_code == 429  # never here before
    assert _login(client, "tl", PASSWORD, ip=ip).status_code == 302  # logged in here before
    assert _login(client, "krmb", PASSWORD, ip="10.3.3.4").status_code == 302


def test_the_lockout_says_how_long_to_wait(client: Client, org, pin_now, monkeypatch) -> None:
    import axes.handlers.proxy

    def at(moment: dt.datetime) -> None:
        pin_now(moment)
        monkeypatch.setattr(axes.handlers.proxy, "now", lambda: moment)  # axes' own clock

    start = timezone.now()
    at(start)
    _fail(client, "gf", settings.AXES_FAILURE_LIMIT)
    response = _login(client, "gf", PASSWORD)
    assert response.status_code == 429
    assert "Bitte versuchen Sie es in 15 Minuten erneut." in response.content.decode()
    at(start + dt.timedelta(minutes=14, seconds=10))
    assert "in einer Minute erneut" in _login(client, "gf", PASSWORD).content.decode()
    # Failures during the lockout do not extend it.
    at(start + dt.timedelta(minutes=15, seconds=1))
    assert _login(client, "gf", PASSWORD).status_code == 302
