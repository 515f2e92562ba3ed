"""Bad requests are a 400 or 413 in German JSON, never a 500 (issue 6, finding 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from krm.api.models import ApiToken
from krm.api.tests.openapi_check import served_contract
from krm.cases.models import Case
from krm.testing.factories import make_case

CASES = "/api/v1/cases"


@pytest.fixture
def auth(org: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {ApiToken.issue(org['krmb'])[1]}"}


def _post(client: Client, auth: dict, body: bytes | str, **extra: Any):
    response = client.generic("POST", CASES, body, content_type="application/json", **auth, **extra)
    served_contract().check(response, CASES)
    return response


@pytest.mark.parametrize(
    "query",
    [
        "II-6001-2026-" + "1" * 5000,  # beyond Python's int conversion limit
        "II-6001." + "9" * 5000 + "-2026-00001",
        "a" * 5000,
        "Wort " * 1000,
    ],
    ids=["huge-number", "huge-plan", "letters", "words"],
)
def test_an_overlong_search_is_a_german_400(
    client: Client, auth: dict, org: Any, query: str
) -> None:
    response = client.get(CASES, {"q": query}, **auth)
    assert response.status_code == 400
    assert "200 Zeichen" in response.json()["q"][0]
    client.force_login(org["krmb"])
    page = client.get("/faelle/", {"q": query})
    assert page.status_code == 200
    assert "200 Zeichen" in page.content.decode()


def test_an_aktenzeichen_with_a_huge_number_finds_nothing(client: Client, org: Any) -> None:
    make_case(org["krmb"])
    client.force_login(org["krmb"])
    for query in ("II-6001-2026-" + "1" * 150, "II-6001-2026-0000000001"):
        page = client.get("/faelle/", {"q": query, "status": ""})
        assert page.status_code == 200
        assert '<h2 id="ergebnis">0 Fälle' in page.content.decode()


@pytest.mark.parametrize("depth", [40, 2000, 100_000])
def test_deeply_nested_json_is_a_german_400(client: Client, auth: dict, depth: int) -> None:
    body = '{"kind": "beschwerde", "customer": ' + "[" * depth + "]" * depth + "}"
    response = _post(client, auth, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "Der Inhalt ist zu tief verschachtelt."}
    assert not Case.objects.exists()


def test_nesting_inside_strings_is_just_text(client: Client, auth: dict) -> None:
    text = "[{" * 100 + '\\"'
    response = _post(
        client,
        auth,
        '{"kind": "beschwerde", "channel": "brief", "subject": "Klammern", "text": "' + text + '"}',
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("size", [1_000_001, 30_000_000])
def test_a_body_over_the_limit_is_a_413_before_it_is_read(
    client: Client, auth: dict, size: int
) -> None:
    body = b'{"kind": "beschwerde", "text": "' + b"x" * size + b'"}'
    response = _post(client, auth, body)
    assert response.status_code == 413
    assert response.json() == {"detail": "Die Anfrage ist zu groß (höchstens 1.000.000 Bytes)."}
    assert not Case.objects.exists()


def test_a_stream_longer_than_declared_is_still_bounded(settings) -> None:
    """Whatever a server hands over (chunked, or a stream under another interface), the
    parser reads at most one byte past the limit."""
    import io

    from krm.api.parsers import BoundedJSONParser, RequestTooLarge

    stream = io.BytesIO(b'{"text": "' + b"x" * 2_000_000 + b'"}')
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, parser_context={})
    assert stream.tell() == settings.KRM_API_MAX_BODY_BYTES + 1


@pytest.mark.parametrize("body", ['{"subject": NaN}', '{"subject": Infinity}', "\xff\xfe"])
def test_what_json_does_not_allow_is_a_german_400(client: Client, auth: dict, body: str) -> None:
    response = _post(client, auth, body.encode("latin-1"))
    assert response.status_code == 400
    assert response.json() == {"detail": "Der Inhalt ist kein gültiges JSON."}


@pytest.mark.parametrize("path", ["/api/v1/cases", "transitions"])
def test_a_lone_surrogate_is_a_german_400_not_a_crash(
    client: Client, org: Any, auth: dict, path: str
) -> None:
    """Valid JSON, but "\\ud800" is no character (found by an attack on the step API)."""
    case = make_case(org["krmb"])
    url = f"/api/v1/cases/{case.pk}/transitions" if path == "transitions" else path
    body = (
        '{"name": "notiz", "data": {"text": "x\\ud800"}, "version": 1}'
        if path == "transitions"
        else '{"kind": "beschwerde", "channel": "brief", "subject": "x\\ud800"}'
    )
    response = client.post(url, body.encode(), content_type="application/json", **auth)
    assert response.status_code == 400
    assert "ungültige Zeichen" in response.json()["detail"]
    assert Case.objects.count() == 1


def test_a_flood_of_unknown_step_fields_is_not_echoed_back(client: Client, org: Any, auth: dict):
    case = make_case(org["krmb"])
    body = {"name": "notiz", "data": {f"f{i}": 1 for i in range(5000)}, "version": 1}
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions", body, content_type="application/json", **auth
    )
    assert response.status_code == 400
    errors = response.json()
    assert len(errors) <= 22 and "5000 unbekannte Felder" in errors["data"][0]


def test_the_task_list_refuses_repeated_parameters(client: Client, auth: dict) -> None:
    response = client.get("/api/v1/tasks?page=1&page=2", **auth)
    assert response.status_code == 400
    assert response.json() == {"page": ["Bitte nur einen Wert angeben."]}
