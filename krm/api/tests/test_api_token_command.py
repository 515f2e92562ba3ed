"""`krm create-api-token USERNAME`: prints only a new key; only its hash is stored; the key
opens the API as that user (roles O-2). Responses are checked against the served schema."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from krm.api.models import ApiToken

from .openapi_check import served_contract

CASES = "/api/v1/cases"


def create_token(username: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("create-api-token", username, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def get_cases(client: Client, key: str) -> Any:
    response = client.get(CASES, HTTP_AUTHORIZATION=f"Token {key}")
    served_contract().check(response, CASES)
    return response


def test_command_prints_only_the_key(org: Any) -> None:
    stdout, stderr = create_token("krmb")
    key = stdout.removesuffix("\n")
    assert stdout == f"{key}\n"
    assert key.strip() == key
    assert len(key) >= 32
    assert " " not in key
    assert stderr == ""


def test_key_is_stored_only_as_its_hash(org: Any) -> None:
    key = create_token("krmb")[0].strip()
    token = ApiToken.objects.get()
    assert token.user == org["krmb"]
    assert token.key_hash != key
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=key).exists()
    stored = ApiToken.objects.values_list("key_hash", "prefix").get()
    assert all(key not in value for value in stored)
    assert key.startswith(token.prefix)  # only the first characters, to recognise it


def test_printed_key_opens_the_api_as_that_user(client: Client, org: Any) -> None:
    key = create_token("krmb")[0].strip()
    response = get_cases(client, key)
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_each_call_issues_a_new_key_and_both_work(client: Client, org: Any) -> None:
    first = create_token("tl")[0].strip()
    second = create_token("tl")[0].strip()
    assert first != second
    assert ApiToken.objects.filter(user=org["tl"]).count() == 2
    for key in (first, second):
        assert get_cases(client, key).status_code == 200


def test_key_carries_the_users_permissions(client: Client, org: Any) -> None:
    """A GF key reads cases but may not register one: 403 (only the KRM-B registers)."""
    key = create_token("gf")[0].strip()
    response = client.post(
        CASES,
        {"kind": "lob", "channel": "brief", "subject": "Danke"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 403
    served_contract().check(response, CASES)
    assert get_cases(client, key).status_code == 200


@pytest.mark.parametrize("username", ["niemand", "KRMB", ""])
def test_unknown_user_exits_1_with_a_message_on_stderr(org: Any, username: str) -> None:
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("create-api-token", username, stdout=stdout, stderr=stderr)
    assert exited.value.code == 1
    assert stdout.getvalue() == ""
    assert username in stderr.getvalue()
    assert "Benutzer" in stderr.getvalue()
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_key(org: Any) -> None:
    org["krmb"].is_active = False
    org["krmb"].save()
    with pytest.raises(SystemExit) as exited:
        create_token("krmb")
    assert exited.value.code == 1
    assert not ApiToken.objects.exists()


def test_key_stops_working_when_its_token_is_deleted(client: Client, org: Any) -> None:
    key = create_token("krmb")[0].strip()
    ApiToken.objects.all().delete()
    response = get_cases(client, key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
