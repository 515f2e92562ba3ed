"""Schemathesis over the whole REST API v1, in-process (WSGI, no server).

The schema is the one the app serves at /api/v1/openapi.json. A few cases are seeded first (at
the stages of the routes the callers meet); every generated request runs inside a savepoint
that is rolled back afterwards, so each example sees the same database. Path ids
are mostly mapped onto the seeded cases (else every id would be a 404), and a step request
names a real step and the case's current version most of the time. Runs as a KRM-B and as a
TL; checks: no 5xx, documented status codes, content types and response bodies.
Deterministic (a fixed seed, `deterministic`, no example database) and bounded.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.configuration
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from krm.accounts.access import access_for
from krm.api.models import ApiToken
from krm.cases.models import Case
from krm.cases.workflow import TRANSITIONS, available, fields_of
from krm.testing import route
from krm.testing.factories import make_case

SCHEMA_URL = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = {
    "seed": 20261130,
    "generation": {
        "mode": "all",  # valid and invalid input
        "max-examples": 25,
        "deterministic": True,
        "database": "none",  # no example database: the same examples every run
    },
    "phases": {
        "examples": {"enabled": False},  # the schema has none
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
}
STEP_NAMES = sorted(name for name, t in TRANSITIONS.items() if t.offered)

# Hypothesis keeps caches (Unicode tables, constants of the code base) in .hypothesis/ of the
# working directory; not in the work tree.
hypothesis.configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "krm-hypothesis")


class InProcessApp:
    """Django's WSGI handler, but leaving the test's database connection open: Django closes
    connections when a request ends (`close_old_connections`), which would end the test
    transaction; its own test client detaches that signal in the same way."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.handler(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()  # sends request_finished
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def seed_cases(org: Any) -> list[Case]:
    """One case per stage the KRM-B and the TL meet, and some they may not read."""
    krmb = org["krmb"]
    letter = make_case(krmb, org_unit=org.t711)
    handled = make_case(krmb, org_unit=org.t711)
    handled = route.step(krmb, handled, "gf_vorlegen", summary="…", proposal="…")
    handled = route.step(
        org["gf"], handled, "abverfuegen", org_unit="711", signer="tl", acknowledgement=False
    )
    handled = route.step(krmb, handled, "an_bereich")
    handled = route.step(org["bl"], handled, "tl_zuweisen", handler="tl")
    closed = route.close(make_case(krmb, org_unit=org.t711, channel="email"), org)
    return [
        letter,
        handled,
        closed,
        make_case(krmb, kind="petition", org_unit=org.t711, customer={"name": "Erika"}),
        make_case(krmb, kind="meinungskarte", channel="meinungskarte"),
        make_case(krmb, kind="widerspruch", org_unit=org.t711),
        make_case(krmb, org_unit=org.t721, channel="email"),
        make_case(
            krmb,
            kind="dienstaufsichtsbeschwerde",
            staff_concerned=org["tl"],
            org_unit=org.t711,
        ),
        make_case(krmb, kind="datenschutzbeschwerde", org_unit=org.t711),
    ]


def seeded_id(value: Any, ids: list[int]) -> int | None:
    """The seeded case a generated id stands for (ids 0 … 999999, also as digits)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 7:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6:
        return ids[value % len(ids)]
    return None


def plausible_data(transition: Any, case: Case) -> dict[str, Any]:
    """The step's required fields filled in: the first choice, or a value of the type."""
    values = {
        "date": "2026-11-30",
        "datetime": "2026-11-30T10:00:00+01:00",
        "string": "…",
        "text": "…",
        "boolean": True,
        "integer": 1,
    }
    data = {}
    for field, choices in fields_of(transition, case):
        if not field.required:
            continue
        if choices:
            first = choices[0][0]
            data[field.name] = [first] if field.type == "multiple_choice" else first
        else:
            data[field.name] = values.get(field.type, "…")
    return data


@pytest.fixture(params=["krmb", "tl"])
def caller(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def api_schema(org: Any, caller: str) -> Iterator[Any]:
    cases = seed_cases(org)
    ids = [case.pk for case in cases]
    schema = schemathesis.openapi.from_wsgi(
        SCHEMA_URL, InProcessApp(), config=schemathesis.Config.from_dict(CONFIG)
    )

    @schema.hook
    def map_path_parameters(context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
        """Most ids name a seeded case; large, negative and malformed ones stay (404)."""
        pk = seeded_id((path_parameters or {}).get("id"), ids)
        return path_parameters if pk is None else {**path_parameters, "id": pk}

    @schema.hook
    def map_case(context: Any, case: Any) -> Any:
        """A step request mostly names a real step and the case's current version, and
        sometimes carries plausible data for the step's fields."""
        body, pk = case.body, seeded_id((case.path_parameters or {}).get("id"), ids)
        if not (case.method == "POST" and case.path.endswith("/transitions")):
            return case
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return case
        if pk is None:
            return case
        case.path_parameters["id"] = pk
        seeded = Case.objects.filter(pk=pk).first()
        if seeded is None:
            return case
        # Often one of the steps the caller may take now, else any step.
        choice = zlib.crc32(body["name"].encode("utf-8", "surrogatepass"))
        open_now = [t.name for t in available(seeded, access_for(org[caller]))]
        names = open_now if open_now and choice % 3 else STEP_NAMES
        body["name"] = names[choice % len(names)]
        if isinstance(body.get("version"), int) and body["version"] % 5:
            body["version"] = seeded.version
        if isinstance(body.get("data", {}), dict) and choice % 2:
            body["data"] = plausible_data(TRANSITIONS[body["name"]], seeded)
        return case

    yield schema


@pytest.fixture
def api_headers(org: Any, caller: str) -> dict[str, str]:
    return {"Authorization": f"Token {ApiToken.issue(org[caller])[1]}"}


lazy_schema = schemathesis.pytest.from_fixture("api_schema")


@lazy_schema.parametrize()
def test_api_answers_as_its_schema_says(case: Any, api_headers: dict[str, str]) -> None:
    with transaction.atomic():  # every example starts from the seeded cases
        case.call_and_validate(headers=api_headers, checks=CHECKS)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/1.5/transitions", "/api/v1/cases/abc", "/api/v1/gibts"]
)
def test_unsafe_request_to_an_unknown_api_path_is_a_json_404(org: Any, path: str) -> None:
    """What schemathesis found: API clients send no CSRF cookie (Django's test client
    skips the check unless told, which is why test_api_contract.py does not see it)."""
    key = ApiToken.issue(org["krmb"])[1]
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path, {"name": "notiz"}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "Nicht gefunden."}
