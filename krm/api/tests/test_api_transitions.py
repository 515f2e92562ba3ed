"""The workflow through the REST API v1: `GET/POST /api/v1/cases/{id}/transitions` and
`GET /api/v1/tasks` (docs/workflow.md).

A client that knows nothing but the list of steps drives a letter complaint from registration
to closing, acting each time as whoever `assigned_to` names; then every refusal (403, 404,
409, 400 per field) is checked to change nothing. Every response body is validated against
the OpenAPI 3.1 schema the API serves (`Caller` below does it on every call).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from krm.accounts.models import Absence
from krm.api.models import ApiToken
from krm.audit.models import Event
from krm.cases.models import Case
from krm.letters.models import Letter
from krm.lib.workdays import BERLIN
from krm.testing.factories import make_case
from krm.testing.route import step

from .openapi_check import OpenApiContract, served_contract
from .test_api_contract import assert_german

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)  # a Monday
TODAY = NOW.date()

CASES = "/api/v1/cases"
CASE = "/api/v1/cases/{id}"
TRANSITIONS = "/api/v1/cases/{id}/transitions"
TASKS = "/api/v1/tasks"
NOT_FOUND = {"detail": "Nicht gefunden."}
# The users of the `org` fixture whose keys the client holds.
PEOPLE = ("krmb", "gf", "bl", "tl", "mitarbeiter", "dsb", "vorzimmer")


@pytest.fixture(autouse=True)
def _fixed_now(pin_now: Any) -> None:
    pin_now(NOW)


@dataclass
class Caller:
    """One user's API key; every response is checked against the served schema."""

    username: str
    key: str
    client: Client
    contract: OpenApiContract

    def _check(self, response: HttpResponse, template: str) -> HttpResponse:
        self.contract.check(response, template)
        return response

    def detail(self, pk: int) -> HttpResponse:
        response = self.client.get(f"{CASES}/{pk}", HTTP_AUTHORIZATION=f"Token {self.key}")
        return self._check(response, CASE)

    def register(self, payload: dict[str, Any]) -> HttpResponse:
        response = self.client.post(
            CASES, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Token {self.key}"
        )
        return self._check(response, CASES)

    def steps(self, pk: int) -> HttpResponse:
        response = self.client.get(
            f"{CASES}/{pk}/transitions", HTTP_AUTHORIZATION=f"Token {self.key}"
        )
        return self._check(response, TRANSITIONS)

    def step_names(self, pk: int) -> list[str]:
        response = self.steps(pk)
        assert response.status_code == 200, response.json()
        return [s["name"] for s in response.json()]

    def take(self, pk: int, body: Any) -> HttpResponse:
        response = self.client.post(
            f"{CASES}/{pk}/transitions",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {self.key}",
        )
        return self._check(response, TRANSITIONS)

    def tasks(self, **params: Any) -> HttpResponse:
        response = self.client.get(TASKS, params, HTTP_AUTHORIZATION=f"Token {self.key}")
        return self._check(response, TASKS)


@pytest.fixture
def people(org: Any, client: Client) -> dict[str, Caller]:
    contract = served_contract()
    return {name: Caller(name, ApiToken.issue(org[name])[1], client, contract) for name in PEOPLE}


def state(pk: int) -> tuple[int, str, int]:
    """What no refused request may change: the version, the status, the audit events."""
    version, status = Case.objects.values_list("version", "status").get(pk=pk)
    return version, status, Event.objects.filter(case_id=pk).count()


# --- the generic client -------------------------------------------------------------------


def plausible(field: dict[str, Any]) -> Any:
    """A value for a field, knowing only its description in the list of steps."""
    if field["choices"] is not None:
        assert field["choices"], f"no choices for {field['name']}"
        first = field["choices"][0]["value"]
        return [first] if field["type"] == "multiple_choice" else first
    return {
        "date": timezone.localdate().isoformat(),
        "datetime": timezone.now().isoformat(),
        "string": "…",
        "text": "…",
        "boolean": True,
        "integer": 1,
    }[field["type"]]


def fill(description: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The required fields filled in; `extra` sets optional ones the list offers."""
    names = {f["name"] for f in description["fields"]}
    assert set(extra) <= names, f"{description['name']} has no field {set(extra) - names}"
    data = {f["name"]: plausible(f) for f in description["fields"] if f["required"]}
    return {**data, **extra}


def take_as_assigned(
    people: dict[str, Caller], case: dict[str, Any], name: str, extra: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Take the step `name` as the first of `assigned_to` whose key we hold and who is
    offered it; returns who took it and the case after it."""
    holders = [people[u] for u in case["assigned_to"] if u in people]
    assert holders, f"nobody whose key we hold acts now: {case['assigned_to']}"
    for caller in holders:
        offered = {s["name"]: s for s in caller.steps(case["id"]).json()}
        if name in offered:
            break
    else:
        raise AssertionError(f"{name} is offered to none of {case['assigned_to']}")
    # Nobody else is offered the step of the route (or may read the case at all: 404).
    for other in people.values():
        if other.username not in case["assigned_to"]:
            response = other.steps(case["id"])
            assert response.status_code in (200, 404)
            offered_to_other = response.json() if response.status_code == 200 else []
            assert name not in [s["name"] for s in offered_to_other], (name, other.username)
    body = {"name": name, "data": fill(offered[name], extra), "version": case["version"]}
    response = caller.take(case["id"], body)
    assert response.status_code == 200, (name, caller.username, response.json())
    after = response.json()
    assert after["version"] == case["version"] + 1
    # What the step answered is what the case reads now.
    assert caller.detail(case["id"]).json() == after
    return caller.username, after


LETTER_ROUTE = [
    # (step, optional fields the client sets, who takes it, the status after it)
    ("gf_vorlegen", {}, "krmb", "bei_gf"),
    ("abverfuegen", {"acknowledgement": True}, "gf", "abverfuegt"),
    ("eingangsbestaetigung", {}, "krmb", "abverfuegt"),
    ("an_bereich", {}, "krmb", "bei_bl"),
    ("tl_zuweisen", {}, "bl", "in_bearbeitung"),
    ("entwurf", {}, "tl", "in_bearbeitung"),
    ("vorlegen", {}, "tl", "in_pruefung"),
    ("pruefung_bestanden", {}, "krmb", "zur_zeichnung"),
    ("zeichnen", {}, "tl", "zum_versand"),
    ("versenden", {}, "krmb", "beantwortet"),
    ("abschliessen", {}, "krmb", "abgeschlossen"),
]


def test_a_client_that_knows_only_the_steps_drives_a_letter_to_its_close(
    people: dict[str, Caller],
) -> None:
    krmb = people["krmb"]
    response = krmb.register(
        {
            "kind": "beschwerde",
            "channel": "brief",
            "subject": "Bescheid nicht erhalten",
            "text": "Seit Wochen warte ich auf meinen Bescheid.",
            "customer": {"name": "Erika Mustermann", "city": "Berlin"},
        }
    )
    assert response.status_code == 201
    case = response.json()
    assert (case["status"], case["assigned_to"]) == ("eingegangen", ["krmb"])
    assert case["current_step"] == "Fall vorbereiten und weitergeben"
    assert case["staff_concerned"] is None

    taken = []
    for name, extra, who, status in LETTER_ROUTE:
        actor, case = take_as_assigned(people, case, name, extra)
        taken.append((name, actor, case["status"]))
        assert (actor, case["status"]) == (who, status), taken
        if case["status"] != "abgeschlossen":
            assert case["assigned_to"], taken
            assert case["current_step"], taken

    assert case["assigned_to"] == []
    assert case["current_step"] is None
    assert case["outcome"] == "berechtigt"  # the first choice
    assert case["org_unit"] == "71"  # the Abverfügung's first choice
    assert case["closed_at"] is not None
    assert case["acknowledged_at"] is not None
    # One audit event for the registration and one per step, besides the letters the steps
    # filed: the Verfügungsblatt, the Eingangsbestätigung, the answer (made for the signature,
    # made again with the day of sending), the Eingangsbestätigung and the answer sent.
    filed = {"letter.created": 4, "letter.sent": 2}
    assert state(case["id"]) == (
        1 + len(LETTER_ROUTE),
        "abgeschlossen",
        1 + len(LETTER_ROUTE) + sum(filed.values()),
    )
    events = Event.objects.filter(case_id=case["id"], type__in=filed)
    assert {t: events.filter(type=t).count() for t in filed} == filed
    assert sorted(
        Letter.objects.filter(case_id=case["id"]).values_list("kind", "sent_version")
    ) == [("antwort", 2), ("eingangsbestaetigung", 1), ("verfuegungsblatt", None)]
    # Closed: the KRM-B may reopen or escalate; the others have nothing left but notes.
    assert set(krmb.step_names(case["id"])) >= {"wiedereroeffnen", "eskalieren"}
    assert people["tl"].step_names(case["id"]) == ["notiz"]


def test_step_list_describes_every_field_with_its_choices(
    people: dict[str, Caller], org: Any
) -> None:
    case = make_case(org["krmb"])
    steps = {s["name"]: s for s in people["krmb"].steps(case.pk).json()}
    assert list(steps)[-1] == "notiz"  # steps beside the route come last
    assert {"gf_vorlegen", "keine_eingangsbestaetigung", "eingangsbestaetigung"} <= set(steps)
    assert "an_bereich" not in steps  # a letter goes to the GF first (guard)
    fields = {f["name"]: f for f in steps["gf_vorlegen"]["fields"]}
    assert list(fields) == ["summary", "proposal", "org_unit"]  # petition fields do not apply
    assert fields["summary"] == {
        "name": "summary",
        "label": "Sachverhalt (Zusammenfassung)",
        "type": "text",
        "required": True,
        "help": "",
        "choices": None,
    }
    assert fields["org_unit"]["required"] is False
    assert [c["value"] for c in fields["org_unit"]["choices"]] == ["71", "711", "712", "72", "721"]


def test_a_case_with_nothing_to_do_for_the_caller_lists_no_step(
    people: dict[str, Caller], org: Any
) -> None:
    case = make_case(org["krmb"], org_unit=org.t711)
    assert people["tl"].step_names(case.pk) == ["notiz"]
    assert people["vorzimmer"].steps(case.pk).status_code == 404


# --- refusals change nothing --------------------------------------------------------------


@pytest.fixture
def letter(org: Any) -> Case:
    """A letter complaint about Team 711, just registered (status eingegangen)."""
    return make_case(org["krmb"], org_unit=org.t711)


GF_VORLEGEN = {"summary": "Sachverhalt", "proposal": "Team 711"}


@pytest.mark.parametrize(
    ("who", "name", "data"),
    [
        ("tl", "gf_vorlegen", GF_VORLEGEN),
        ("bl", "gf_vorlegen", GF_VORLEGEN),
        ("gf", "keine_eingangsbestaetigung", {"reason": "telefonisch geklärt"}),
        ("tl", "abschliessen", {"outcome": "berechtigt"}),
    ],
)
def test_a_step_the_caller_may_not_take_is_403(
    people: dict[str, Caller], letter: Case, who: str, name: str, data: dict[str, Any]
) -> None:
    before = state(letter.pk)
    assert name not in people[who].step_names(letter.pk)
    response = people[who].take(letter.pk, {"name": name, "data": data, "version": 1})
    assert response.status_code == 403
    assert response.json() == {"detail": "Sie dürfen diesen Schritt nicht ausführen."}
    assert state(letter.pk) == before


def test_a_step_the_state_does_not_allow_is_409(people: dict[str, Caller], letter: Case) -> None:
    before = state(letter.pk)
    response = people["krmb"].take(
        letter.pk, {"name": "versenden", "data": {"on": TODAY.isoformat()}, "version": 1}
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "„Versand erfassen“ ist im Status „eingegangen“ nicht möglich."
    }
    assert state(letter.pk) == before


def test_a_step_its_guard_refuses_is_409_with_the_reason(
    people: dict[str, Caller], letter: Case
) -> None:
    before = state(letter.pk)
    response = people["krmb"].take(
        letter.pk, {"name": "an_bereich", "data": {"org_unit": "711"}, "version": 1}
    )
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail"}
    assert "Verfügungsblatt" in body["detail"]
    assert state(letter.pk) == before


@pytest.mark.parametrize("stale", [1, 3, 2**31 - 1])
def test_a_stale_version_is_409_with_the_current_version(
    people: dict[str, Caller], letter: Case, stale: int
) -> None:
    krmb = people["krmb"]
    note = krmb.take(letter.pk, {"name": "notiz", "data": {"text": "Rückruf"}, "version": 1})
    assert note.json()["version"] == 2
    before = state(letter.pk)
    response = krmb.take(letter.pk, {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": stale})
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "version"}
    assert body["version"] == 2
    assert "inzwischen" in body["detail"]
    assert state(letter.pk) == before
    # With the version the answer named, the step goes through.
    retried = krmb.take(
        letter.pk, {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": body["version"]}
    )
    assert retried.status_code == 200
    assert retried.json()["status"] == "bei_gf"


def test_a_stale_version_of_a_step_the_state_refuses_is_409_with_the_version(
    people: dict[str, Caller], org: Any, letter: Case
) -> None:
    """The client's view is out of date: it learns the current version, not the reason."""
    step(org["krmb"], letter, "notiz", text="Rückruf")
    before = state(letter.pk)
    response = people["krmb"].take(
        letter.pk, {"name": "versenden", "data": {"on": TODAY.isoformat()}, "version": 1}
    )
    assert response.status_code == 409
    assert response.json()["version"] == 2
    assert state(letter.pk) == before


DATE = "Bitte ein Datum angeben (JJJJ-MM-TT)."
CHOOSE = "Bitte eine der angebotenen Möglichkeiten wählen."
FILL = "Bitte ausfüllen."
TEXT = "Bitte Text angeben."
YES_NO = "Bitte ja oder nein (true/false) angeben."
UNKNOWN = "Unbekanntes Feld für diesen Schritt."
CONSULT = "Die Zwischennachricht schreibt die KRM-B nach Rücksprache mit TL und BL."
INTERIM = {"tl_consulted": True, "bl_consulted": True, "sent_on": TODAY.isoformat()}

BAD_DATA = [
    pytest.param(
        "zwischennachricht",
        {**INTERIM, "new_due": "31.12.2026"},
        {"new_due": [DATE]},
        id="german-date",
    ),
    pytest.param(
        "zwischennachricht",
        {**INTERIM, "new_due": "2026-02-30"},
        {"new_due": [DATE]},
        id="impossible-date",
    ),
    pytest.param(
        "zwischennachricht",
        {**INTERIM, "new_due": "2170-01-01"},
        {"new_due": ["Bitte ein Datum zwischen 2000 und 2100 angeben."]},
        id="date-out-of-range",
    ),
    pytest.param(
        "eingangsbestaetigung",
        {"contact_person": "Frau Muster", "sent_at": "gestern"},
        {"sent_at": ["Bitte Datum und Uhrzeit angeben (ISO 8601)."]},
        id="bad-datetime",
    ),
    pytest.param(
        "eingangsbestaetigung",
        {"contact_person": "Frau Muster", "sent_at": "2026-12-24T10:00:00+01:00"},
        {"sent_at": ["Der Zeitpunkt darf nicht in der Zukunft liegen."]},
        id="datetime-in-the-future",
    ),
    pytest.param(
        "gf_vorlegen", {**GF_VORLEGEN, "org_unit": "79"}, {"org_unit": [CHOOSE]}, id="unknown-unit"
    ),
    pytest.param("keine_eingangsbestaetigung", {}, {"reason": [FILL]}, id="missing-required-text"),
    pytest.param("gf_vorlegen", {}, {"summary": [FILL], "proposal": [FILL]}, id="missing-both"),
    pytest.param(
        "gf_vorlegen",
        {"summary": "   ", "proposal": None},
        {"summary": [FILL], "proposal": [FILL]},
        id="blank-and-null",
    ),
    pytest.param(
        "gf_vorlegen",
        {"summary": 5, "proposal": ["Team 711"], "org_unit": 711},
        {"summary": [TEXT], "proposal": [TEXT], "org_unit": [CHOOSE]},
        id="wrong-json-types",
    ),
    pytest.param(
        "zwischennachricht",
        {"tl_consulted": "ja", "bl_consulted": 1, "new_due": 20261231, "sent_on": True},
        {"tl_consulted": [YES_NO], "bl_consulted": [YES_NO], "new_due": [DATE], "sent_on": [DATE]},
        id="wrong-json-types-bool-date",
    ),
    pytest.param(
        "gf_vorlegen",
        {**GF_VORLEGEN, "farbe": "rot", "requester": "Petitionsausschuss"},
        {"farbe": [UNKNOWN], "requester": [UNKNOWN]},  # requester: petitions only
        id="unknown-field-names",
    ),
    pytest.param(
        "gf_vorlegen",
        {"summary": "x" * 50_001, "proposal": "Team 711"},
        {"summary": ["Höchstens 50.000 Zeichen."]},
        id="text-too-long",
    ),
    pytest.param(
        "zwischennachricht",
        {**INTERIM, "tl_consulted": False, "new_due": "2026-12-14"},
        {"tl_consulted": [CONSULT]},
        id="checked-by-the-effect",
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), BAD_DATA)
def test_bad_step_data_is_400_per_field(
    people: dict[str, Caller], letter: Case, name: str, data: Any, expected: dict[str, Any]
) -> None:
    before = state(letter.pk)
    response = people["krmb"].take(letter.pk, {"name": name, "data": data, "version": 1})
    assert response.status_code == 400
    assert response.json() == expected
    assert state(letter.pk) == before


BAD_REQUESTS = [
    pytest.param({"name": "gf_vorlegen", "data": [1, 2], "version": 1}, {"data"}, id="data-list"),
    pytest.param({"name": "gf_vorlegen", "data": "Text", "version": 1}, {"data"}, id="data-text"),
    pytest.param({"name": "gf_vorlegen", "data": None, "version": 1}, {"data"}, id="data-null"),
    pytest.param({"name": "gf_vorlegen", "data": GF_VORLEGEN}, {"version"}, id="no-version"),
    pytest.param(
        {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": "eins"}, {"version"}, id="version"
    ),
    pytest.param(
        {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": 0}, {"version"}, id="version-0"
    ),
    pytest.param(
        {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": 2**31},
        {"version"},
        id="version-too-large",
    ),
    pytest.param(
        {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": True},
        {"version"},
        id="version-boolean",
    ),
    pytest.param({"data": GF_VORLEGEN, "version": 1}, {"name"}, id="no-name"),
    pytest.param(
        {"name": "gf_vorlegen", "data": GF_VORLEGEN, "version": 1, "force": True},
        {"force"},
        id="unknown-top-level-field",
    ),
    pytest.param(["gf_vorlegen"], {"non_field_errors"}, id="body-a-list"),
    pytest.param('"gf_vorlegen"', {"non_field_errors"}, id="body-a-string"),
    pytest.param("7", {"non_field_errors"}, id="body-a-number"),
]


@pytest.mark.parametrize(("body", "fields"), BAD_REQUESTS)
def test_malformed_request_is_400_in_german(
    people: dict[str, Caller], letter: Case, body: Any, fields: set[str]
) -> None:
    before = state(letter.pk)
    response = people["krmb"].take(letter.pk, body)
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert_german(response.json())
    assert state(letter.pk) == before


def test_a_json_null_body_is_400_in_german(people: dict[str, Caller], letter: Case) -> None:
    response = people["krmb"].take(letter.pk, "null")
    assert response.status_code == 400
    assert "keine Daten" in str(response.json())
    assert state(letter.pk)[0] == 1


@pytest.mark.parametrize(
    "name", ["fliegen", "weiterleiten", "GF_VORLEGEN", "gf-vorlegen", 42], ids=str
)
def test_an_unknown_step_is_400_on_name(people: dict[str, Caller], letter: Case, name: Any) -> None:
    """ "weiterleiten" exists, but is taken by the kind correction, never as a step."""
    before = state(letter.pk)
    response = people["krmb"].take(letter.pk, {"name": name, "data": {}, "version": 1})
    assert response.status_code == 400
    assert response.json() == {"name": ["Unbekannter Schritt."]}
    assert state(letter.pk) == before


def test_a_step_name_too_long_is_400_on_name(people: dict[str, Caller], letter: Case) -> None:
    response = people["krmb"].take(letter.pk, {"name": "x" * 51, "data": {}, "version": 1})
    assert response.status_code == 400
    assert set(response.json()) == {"name"}
    assert_german(response.json())


def test_a_dab_about_the_caller_is_404_for_them(people: dict[str, Caller], org: Any) -> None:
    """R-K7: the person a Dienstaufsichtsbeschwerde is about learns nothing of it."""
    dab = make_case(
        org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["tl"], org_unit=org.t711
    )
    before = state(dab.pk)
    tl = people["tl"]
    assert tl.steps(dab.pk).status_code == 404
    assert tl.steps(dab.pk).json() == NOT_FOUND
    for name, data in [("notiz", {"text": "…"}), ("an_fuehrungskraft", {"handler": "tl"})]:
        response = tl.take(dab.pk, {"name": name, "data": data, "version": 1})
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert tl.detail(dab.pk).status_code == 404
    assert state(dab.pk) == before
    # The KRM-B hands it to a Führungskraft: never to the person concerned.
    steps = {s["name"]: s for s in people["krmb"].steps(dab.pk).json()}
    handler = next(f for f in steps["an_fuehrungskraft"]["fields"] if f["name"] == "handler")
    assert "tl" not in [c["value"] for c in handler["choices"]]
    assert {c["value"] for c in handler["choices"]} == {"gf", "bl"}


@pytest.mark.parametrize(
    ("who", "unit"), [("tl", "t721"), ("tl", "t712"), ("mitarbeiter", "t711"), ("bl", "t721")]
)
def test_a_case_the_caller_may_not_read_is_404(
    people: dict[str, Caller], org: Any, who: str, unit: str
) -> None:
    case = make_case(org["krmb"], org_unit=getattr(org, unit))
    before = state(case.pk)
    assert people[who].steps(case.pk).status_code == 404
    response = people[who].take(case.pk, {"name": "notiz", "data": {"text": "…"}, "version": 1})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert state(case.pk) == before


@pytest.mark.parametrize("pk", [987654, 0])
def test_an_unknown_case_is_404(people: dict[str, Caller], pk: int) -> None:
    krmb = people["krmb"]
    assert krmb.steps(pk).status_code == 404
    response = krmb.take(pk, {"name": "notiz", "data": {"text": "…"}, "version": 1})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_missing_key_is_401(client: Client, letter: Case) -> None:
    response = client.post(
        f"{CASES}/{letter.pk}/transitions",
        {"name": "notiz", "data": {"text": "…"}, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 401
    served_contract().check(response, TRANSITIONS)
    assert client.get(TASKS).status_code == 401
    assert state(letter.pk)[0] == 1


# --- GET /api/v1/tasks ----------------------------------------------------------------


def with_tl(org: Any, **overrides: Any) -> Case:
    """A letter about Team 711 along its route until the TL handles it."""
    case = make_case(org["krmb"], **overrides)
    krmb = org["krmb"]
    case = step(krmb, case, "gf_vorlegen", **GF_VORLEGEN)
    case = step(org["gf"], case, "abverfuegen", org_unit="711", signer="tl", acknowledgement=True)
    case = step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    case = step(krmb, case, "an_bereich")
    return step(org["bl"], case, "tl_zuweisen", handler="tl")


def test_the_tl_sees_their_task_and_a_named_deputy_sees_it_in_their_stead(
    people: dict[str, Caller], org: Any
) -> None:
    case = with_tl(org)
    body = people["tl"].tasks().json()
    assert body["count"] == 1
    task = body["results"][0]
    assert task["case"] == {
        "id": case.pk,
        "aktenzeichen": case.aktenzeichen,
        "subject": case.subject,
        "kind": "beschwerde",
        "urgent": False,
    }
    assert task["step"] == "in_bearbeitung"
    assert task["label"] == "Antwort entwerfen oder Gespräch führen"
    assert task["assigned_to"] == org["tl"].get_full_name()
    assert task["as_deputy"] is False
    assert task["due"] == case.handling_due.isoformat()
    assert dt.datetime.fromisoformat(task["since"]) == NOW
    assert people["mitarbeiter"].tasks().json()["count"] == 0
    assert people["mitarbeiter"].steps(case.pk).status_code == 404  # not theirs to read

    Absence(user=org["tl"], start=TODAY, end=TODAY, deputy=org["mitarbeiter"]).save()

    deputy = people["mitarbeiter"].tasks().json()
    assert deputy["count"] == 1
    assert deputy["results"][0] == {**task, "as_deputy": True}
    assert people["tl"].tasks().json()["results"] == [task]
    # The deputy acts for the TL: the TL's steps are offered to them.
    assert "entwurf" in people["mitarbeiter"].step_names(case.pk)


def test_an_absence_that_is_over_gives_the_deputy_nothing(
    people: dict[str, Caller], org: Any
) -> None:
    with_tl(org)
    yesterday = TODAY - dt.timedelta(days=1)
    Absence(user=org["tl"], start=yesterday, end=yesterday, deputy=org["mitarbeiter"]).save()
    assert people["mitarbeiter"].tasks().json()["count"] == 0


def test_tasks_are_paginated_like_the_case_list(people: dict[str, Caller], org: Any) -> None:
    cases = [make_case(org["krmb"], subject=f"Fall {i}") for i in range(5)]
    krmb = people["krmb"]
    first = krmb.tasks(page_size=2).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert "page_size=2" in first["next"]
    third = krmb.tasks(page_size=2, page=3).json()
    assert len(third["results"]) == 1
    assert third["next"] is None
    pages = [krmb.tasks(page_size=2, page=n).json()["results"] for n in (1, 2, 3)]
    seen = [t["case"]["id"] for page in pages for t in page]
    assert sorted(seen) == sorted(c.pk for c in cases)
    assert len(krmb.tasks().json()["results"]) == 5  # 25 a page by default
    assert len(krmb.tasks(page_size=500).json()["results"]) == 5  # at most 100
    for page in (4, 0, 99):
        response = krmb.tasks(page_size=2, page=page)
        assert response.status_code == 404
        assert_german(response.json())


@pytest.mark.parametrize(
    "params", [{"page": "zwei"}, {"page_size": "viele"}, {"sortierung": "alt"}], ids=str
)
def test_invalid_task_query_is_400(people: dict[str, Caller], params: dict[str, str]) -> None:
    response = people["krmb"].tasks(**params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)
    assert_german(response.json())


def test_tasks_are_overdue_first_then_by_due_date(people: dict[str, Caller], org: Any) -> None:
    """The KRM-B's task on a new case is due one working day after receipt (a petition the
    same day); a Meinungskarte's has no due date."""
    krmb = org["krmb"]
    today = make_case(krmb, received_at=NOW - dt.timedelta(hours=1))  # due 1.12.
    card = make_case(krmb, kind="meinungskarte", received_at=NOW - dt.timedelta(hours=2))
    late = make_case(krmb, received_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN))  # 23.11.
    petition = make_case(krmb, kind="petition", received_at=NOW - dt.timedelta(hours=3))  # 30.11.
    later = make_case(krmb, received_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=BERLIN))  # 3.11.
    results = people["krmb"].tasks().json()["results"]
    assert [t["case"]["id"] for t in results] == [
        later.pk,
        late.pk,
        petition.pk,
        today.pk,
        card.pk,
    ]
    assert [t["due"] for t in results] == [
        "2026-11-03",
        "2026-11-23",
        "2026-11-30",
        "2026-12-01",
        None,
    ]
    assert [t["case"]["urgent"] for t in results] == [False, False, True, False, False]
    assert {t["as_deputy"] for t in results} == {False}


def _task_queries(caller: Caller) -> int:
    caller.tasks(page_size=50)  # warm up: the first use of a key records last_used_at
    with CaptureQueriesContext(connection) as captured:
        response = caller.tasks(page_size=50)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_tasks(org: Any, total: int) -> None:
    """Cases until the KRM-B holds `total` open tasks, of varied kinds, units and states."""
    krmb = org["krmb"]
    variants = [
        {},
        {"kind": "petition", "org_unit": org.t711},
        {"kind": "meinungskarte"},
        {"channel": "email", "org_unit": org.t721},
        {"kind": "datenschutzbeschwerde"},
    ]
    count = Case.objects.count()
    while count < total:
        make_case(krmb, subject=f"Fall {count}", **variants[count % len(variants)])
        count += 1


# token; the user's roles; absences (deputies); the count; the page of tasks with their
# cases; the read log's INSERT (one for the page).
TASK_QUERIES = 6


def test_tasks_make_the_same_number_of_queries_for_5_and_40(
    people: dict[str, Caller], org: Any
) -> None:
    krmb = people["krmb"]
    _add_tasks(org, 5)
    with_5 = _task_queries(krmb)
    _add_tasks(org, 40)
    with_40 = _task_queries(krmb)
    assert krmb.tasks(page_size=50).json()["count"] == 40
    assert with_5 == with_40 == TASK_QUERIES


def test_tasks_of_a_deputy_make_the_same_number_of_queries_for_5_and_40(
    people: dict[str, Caller], org: Any
) -> None:
    """A deputy of the absent KRM-B (the Vertretung role) holds every KRM-B task."""
    Absence(user=org["krmb"], start=TODAY, end=TODAY, deputy=org["tl"]).save()
    tl = people["tl"]
    _add_tasks(org, 5)
    with_5 = _task_queries(tl)
    _add_tasks(org, 40)
    with_40 = _task_queries(tl)
    body = tl.tasks(page_size=50).json()
    assert body["count"] == 40
    assert {t["as_deputy"] for t in body["results"]} == {True}
    assert with_5 == with_40
