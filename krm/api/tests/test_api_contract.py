"""The REST API v1 contract, checked against the OpenAPI 3.1 schema the API serves itself.

Every response body these tests receive is validated against the schema of its path,
method and status code (`Api` below does it on every call). Domain rules behind the
answers: deadlines in Berlin working days (R-Q1, R-Q2, R-Q6), petitions and Eingaben urgent
(R-W5.1), Aktenzeichen per file plan (R-A1, R-K10), kinds and channels (K1–K8, O1–O4, C),
roles (O-2) and who sees which case (cases/permissions.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from krm.api.models import ApiToken
from krm.audit.models import Event
from krm.cases import services
from krm.cases.models import AktenzeichenRecord, Case, Customer
from krm.cases.workflow import Status
from krm.demo.generator import generate_cases
from krm.lib.workdays import BERLIN, berlin_date
from krm.testing.factories import (
    BereichFactory,
    JobcenterFactory,
    Role,
    TeamFactory,
    UserFactory,
    make_case,
)

from .openapi_check import (
    OpenApiContract,
    served_contract,
    served_document,
)

CASES = "/api/v1/cases"
CASE = "/api/v1/cases/{id}"

KINDS = [
    "beschwerde",
    "petition",
    "eingabe",
    "lob",
    "anregung",
    "meinungskarte",
    "dienstaufsichtsbeschwerde",
    "datenschutzbeschwerde",
    "fachliche_anfrage",
    "widerspruch",
    "widerspruchsbescheid",
    "traegerversammlung",
]
CHANNELS = ["brief", "email", "online", "telefon", "persoenlich", "meinungskarte", "vorzimmer"]
CASE_FIELDS = {
    "id",
    "aktenzeichen",
    "kind",
    "channel",
    "status",
    "urgent",
    "received_at",
    "org_unit",
    "topics",
    "customer",
    "version",
    "deadline_state",
    "deadlines",
}
CUSTOMER = {
    "name": "Erika Mustermann",
    "street": "Musterstraße 1",
    "postal_code": "13187",
    "city": "Berlin",
    "email": "erika@example.org",
    "phone": "030 123456",
    "customer_number": "962D123456",
}
# Words of DRF's and Django's English messages (lower case: German nouns are capitalised);
# none may reach an API client.
ENGLISH = re.compile(
    r"\b(Invalid|This|Enter|Ensure|Expected|Unsupported|this|field|is|required|valid|enter|"
    r"expected|not|must|error|format|parse|page|found|credentials|provided|media|type)\b"
)


@dataclass
class Api:
    """The API as one user's key sees it; every response is checked against the schema."""

    client: Client
    contract: OpenApiContract
    key: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Token {self.key}"} if self.key else {}

    def create(self, payload: Any) -> HttpResponse:
        response = self.client.post(CASES, payload, content_type="application/json", **self.headers)
        self.contract.check(response, CASES)
        return response

    def list(self, **params: Any) -> HttpResponse:
        response = self.client.get(CASES, params, **self.headers)
        self.contract.check(response, CASES)
        return response

    def detail(self, pk: int) -> HttpResponse:
        response = self.client.get(f"{CASES}/{pk}", **self.headers)
        self.contract.check(response, CASE)
        return response


@pytest.fixture
def api_as(client: Client, org: Any) -> Any:
    contract = served_contract()

    def make(role: str | None) -> Api:
        return Api(client, contract, ApiToken.issue(org[role])[1] if role else None)

    return make


@pytest.fixture
def api(api_as: Any) -> Api:
    return api_as("krmb")


def payload(**overrides: Any) -> dict[str, Any]:
    data = {"kind": "beschwerde", "channel": "brief", "subject": "Lange Wartezeit"}
    data.update(overrides)
    return data


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def ids(response: HttpResponse) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def counts() -> dict[str, int]:
    """Rows of cases and what belongs to them (the security log is not a case's)."""
    models: list[type[Model]] = [Case, Customer, AktenzeichenRecord, Case.topics.through]
    rows = {model.__name__: model.objects.count() for model in models}
    return {**rows, "Event": Event.objects.filter(case__isnull=False).count()}


def assert_german(messages: Any) -> None:
    """Every message in an error body (nested dicts and lists) reads German."""
    if isinstance(messages, dict):
        for value in messages.values():
            assert_german(value)
    elif isinstance(messages, list):
        for value in messages:
            assert_german(value)
    else:
        assert isinstance(messages, str)
        assert not ENGLISH.search(messages), f"English message: {messages!r}"


# --- the schema itself -----------------------------------------------------------------


def test_schema_is_served_without_a_key_and_has_no_trailing_slashes(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        CASES,
        CASE,
        f"{CASE}/transitions",
        f"{CASE}/documents",
        f"{CASE}/letters",
        "/api/v1/documents/{id}/content",
        "/api/v1/tasks",
    }
    assert client.get(f"{CASES}/").status_code == 404


def test_schema_components_are_valid_json_schema() -> None:
    contract = served_contract()
    for name, schema in served_document()["components"]["schemas"].items():
        contract.component_validator(name).check_schema(schema)


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        (CASES, "get", {"200", "400", "401", "404"}),
        (CASES, "post", {"201", "400", "401", "403"}),
        (CASE, "get", {"200", "401", "404"}),
    ],
)
def test_schema_documents_every_status_the_endpoint_answers(
    path: str, method: str, statuses: set[str]
) -> None:
    documented = set(served_contract().operation(path, method)["responses"])
    assert statuses <= documented


def test_schema_documents_415_for_a_non_json_request() -> None:
    assert "415" in served_contract().operation(CASES, "post")["responses"]


def _enum(contract: OpenApiContract, schema: dict[str, Any]) -> list[str]:
    return contract.resolve(schema)["enum"]


def _query_parameter(contract: OpenApiContract, name: str) -> dict[str, Any]:
    parameters = contract.operation(CASES, "get")["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


def test_schema_enums_list_exactly_the_kinds_channels_and_statuses() -> None:
    contract = served_contract()
    case = contract.component("Case")["properties"]
    create = contract.component("CaseCreateRequest")["properties"]
    for schema in (case["kind"], create["kind"], _query_parameter(contract, "kind")):
        assert _enum(contract, schema) == KINDS
    for schema in (case["channel"], create["channel"], _query_parameter(contract, "channel")):
        assert _enum(contract, schema) == CHANNELS
    statuses = _enum(contract, case["status"])
    assert {"eingegangen", "abgeschlossen", "weitergeleitet"} <= set(statuses)
    assert statuses == list(Status.values)
    # The list filter also knows "offen": every status in which deadlines run.
    assert _enum(contract, _query_parameter(contract, "status")) == ["offen", *statuses]


def test_schema_requires_kind_channel_and_subject_and_nothing_else() -> None:
    create = served_contract().component("CaseCreateRequest")
    assert sorted(create["required"]) == ["channel", "kind", "subject"]
    assert set(create["properties"]) == {
        "kind",
        "channel",
        "subject",
        "text",
        "received_at",
        "org_unit",
        "topics",
        "customer",
        "staff_concerned",
        "sender_type",
    }
    assert create["properties"]["topics"]["maxItems"] == 3
    customer = served_contract().component("CustomerRequest")
    assert set(customer["properties"]) == set(CUSTOMER)


def test_request_schema_refuses_unknown_fields_as_the_api_does() -> None:
    contract = served_contract()
    for name in ("CaseCreateRequest", "CustomerRequest"):
        assert contract.component(name).get("additionalProperties") is False


def test_valid_requests_match_the_request_schema() -> None:
    validator = served_contract().component_validator("CaseCreateRequest")
    full = payload(
        text="…",
        received_at="2025-05-07T09:00:00+02:00",
        org_unit="711",
        topics=["T01", "T02", "T03"],
        customer=CUSTOMER,
    )
    for body in (payload(), payload(customer=None), full):
        validator.validate(body)


def test_served_schema_accepts_an_open_case(org: Any, client: Client) -> None:
    case = make_case(org["krmb"])
    key = ApiToken.issue(org["krmb"])[1]
    response = client.get(f"{CASES}/{case.pk}", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json()["outcome"] == ""
    served_contract().check(response, CASE)


def test_served_schema_accepts_a_single_page_list(org: Any, client: Client) -> None:
    key = ApiToken.issue(org["krmb"])[1]
    response = client.get(CASES, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    served_contract().check(response, CASES)


# --- authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Token falsch", "Token", "Token a b", "Bearer irgendwas", "Basic a3JtYjpnZWhlaW0="],
    ids=["no-header", "wrong-key", "no-key", "two-keys", "bearer", "basic"],
)
@pytest.mark.parametrize(
    ("method", "url", "template"),
    [("get", CASES, CASES), ("post", CASES, CASES), ("get", f"{CASES}/1", CASE)],
)
def test_missing_or_wrong_key_is_401_with_www_authenticate(
    client: Client, org: Any, authorization: str | None, method: str, url: str, template: str
) -> None:
    make_case(org["krmb"])
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    before = counts()
    response = getattr(client, method)(
        url, payload() if method == "post" else None, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = served_contract().check(response, template)
    assert_german(body)
    assert counts() == before


def test_key_of_a_deactivated_user_is_401(client: Client, org: Any) -> None:
    key = ApiToken.issue(org["krmb"])[1]
    org["krmb"].is_active = False
    org["krmb"].save()
    response = client.get(CASES, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    served_contract().check(response, CASES)


def test_api_ignores_a_browser_session(client: Client, org: Any) -> None:
    client.force_login(org["krmb"])
    response = client.get(CASES)
    assert response.status_code == 401
    served_contract().check(response, CASES)


# --- POST /api/v1/cases ----------------------------------------------------------------


def test_krmb_registers_a_case_with_every_field(api: Api) -> None:
    response = api.create(
        payload(
            channel="email",
            text="Ich habe zwei Stunden gewartet.",
            received_at="2025-05-07T09:00:00",
            org_unit="711",
            topics=["T03", "T01"],
            customer=CUSTOMER,
        )
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= CASE_FIELDS
    assert body["kind"] == "beschwerde"
    assert body["channel"] == "email"
    assert body["status"] == "eingegangen"
    assert body["urgent"] is False
    assert dt.datetime.fromisoformat(body["received_at"]) == berlin(2025, 5, 7, 9, 0)
    assert body["org_unit"] == "711"
    assert body["topics"] == ["T01", "T03"]
    assert body["customer"] == CUSTOMER
    assert body["version"] == 1
    assert re.fullmatch(r"II-6001-2025-\d{5}", body["aktenzeichen"])  # R-A1
    # R-Q1/Q2/Q6: 3 and 10 Berlin working days; 8 May 2025 was a holiday in Berlin.
    assert body["deadlines"] == {"eingangsbestaetigung": "2025-05-13", "abschluss": "2025-05-22"}
    assert body["deadline_state"] == "ueberfaellig"  # any day after 13 May 2025

    case = Case.objects.get(pk=body["id"])
    assert case.aktenzeichen == body["aktenzeichen"]
    assert case.subject == "Lange Wartezeit"
    assert case.org_unit.code == "711"
    assert case.customer.as_dict() == CUSTOMER
    assert case.events.count() == 1
    # The case reads back the same through GET.
    assert api.detail(body["id"]).json() == body


@pytest.mark.parametrize(
    "customer",
    ["absent", None, {}, {"name": "  ", "email": ""}],
    ids=["absent", "null", "empty", "blank"],
)
def test_case_without_customer_data_is_anonymous(api: Api, customer: Any) -> None:
    data = payload() if customer == "absent" else payload(customer=customer)
    response = api.create(data)
    assert response.status_code == 201
    assert response.json()["customer"] is None
    assert not Customer.objects.exists()


def test_received_at_defaults_to_now(api: Api, org: Any) -> None:
    before = timezone.now().replace(microsecond=0)
    response = api.create(payload())
    after = timezone.now()
    assert response.status_code == 201
    body = response.json()
    assert before <= dt.datetime.fromisoformat(body["received_at"]) <= after
    today = berlin_date(after)
    calendar = org.jobcenter.workday_calendar()
    assert body["deadlines"] == {
        "eingangsbestaetigung": calendar.add_workdays(today, 3).isoformat(),
        "abschluss": calendar.add_workdays(today, 10).isoformat(),
    }
    assert body["deadline_state"] == "fristgerecht"
    assert (body["org_unit"], body["topics"], body["customer"]) == (None, [], None)


@pytest.mark.parametrize(
    ("received_at", "instant", "received_on"),
    [
        # No offset: Berlin time, summer (UTC+2) and winter (UTC+1).
        ("2025-05-06T23:30:00", dt.datetime(2025, 5, 6, 21, 30, tzinfo=dt.UTC), "2025-05-06"),
        ("2025-01-15T00:30:00", dt.datetime(2025, 1, 14, 23, 30, tzinfo=dt.UTC), "2025-01-15"),
        # With an offset: that instant; the Eingangstag is still Berlin's date.
        ("2025-05-06T23:30:00Z", dt.datetime(2025, 5, 6, 23, 30, tzinfo=dt.UTC), "2025-05-07"),
        ("2025-05-06T23:30:00+02:00", dt.datetime(2025, 5, 6, 21, 30, tzinfo=dt.UTC), "2025-05-06"),
    ],
)
def test_received_at_without_offset_is_berlin_time(
    api: Api, received_at: str, instant: dt.datetime, received_on: str
) -> None:
    response = api.create(payload(received_at=received_at))
    assert response.status_code == 201
    assert dt.datetime.fromisoformat(response.json()["received_at"]) == instant
    assert Case.objects.get().received_on.isoformat() == received_on


@pytest.mark.parametrize(
    ("kind", "channel", "received_at", "status", "urgent", "deadlines"),
    [
        (
            "beschwerde",
            "brief",
            "2025-05-07T09:00:00",
            "eingegangen",
            False,
            ("2025-05-13", "2025-05-22"),
        ),
        # Taken on the phone: no Eingangsbestätigung (R-Q1), only the completion deadline.
        (
            "lob",
            "telefon",
            "2026-11-20T16:00:00",
            "eingegangen",
            False,
            (None, "2026-12-04"),
        ),
        # Christmas: 25 and 26 December and New Year are holidays (R-Q6).
        (
            "anregung",
            "online",
            "2025-12-23T08:00:00",
            "eingegangen",
            False,
            ("2025-12-30", "2026-01-09"),
        ),
        (
            "petition",
            "brief",
            "2025-05-07T09:00:00",
            "eingegangen",
            True,  # R-W5.1
            ("2025-05-13", "2025-05-22"),
        ),
        (
            "eingabe",
            "email",
            "2025-05-07T09:00:00",
            "eingegangen",
            True,
            ("2025-05-13", "2025-05-22"),
        ),
        # Meinungskarten carry no deadlines (R-W6.1), nor do reactions outside KRM (O1–O4).
        ("lob", "meinungskarte", "2025-05-07T09:00:00", "eingegangen", False, (None, None)),
        ("meinungskarte", "brief", "2025-05-07T09:00:00", "eingegangen", False, (None, None)),
        ("widerspruch", "brief", "2025-05-07T09:00:00", "weitergeleitet", False, (None, None)),
        (
            "fachliche_anfrage",
            "email",
            "2025-05-07T09:00:00",
            "weitergeleitet",
            False,
            (None, None),
        ),
    ],
)
def test_created_case_has_its_status_urgency_and_deadlines(
    api: Api,
    kind: str,
    channel: str,
    received_at: str,
    status: str,
    urgent: bool,
    deadlines: tuple[str | None, str | None],
) -> None:
    response = api.create(payload(kind=kind, channel=channel, received_at=received_at))
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["channel"]) == (kind, channel)
    assert body["status"] == status
    assert body["urgent"] is urgent
    assert body["deadlines"] == {"eingangsbestaetigung": deadlines[0], "abschluss": deadlines[1]}
    if deadlines == (None, None):
        assert body["deadline_state"] is None


def test_received_at_a_few_minutes_ahead_is_accepted(api: Api) -> None:
    """A clock slightly ahead is tolerated (5 minutes); later is the future."""
    soon = timezone.now() + dt.timedelta(minutes=2)
    response = api.create(payload(received_at=soon.isoformat()))
    assert response.status_code == 201


def test_case_may_be_filed_under_a_bereich(api: Api) -> None:
    response = api.create(payload(org_unit="71"))
    assert response.status_code == 201
    assert response.json()["org_unit"] == "71"


REQUIRED = "erforderlich"

INVALID = [
    pytest.param(
        {}, {"kind": REQUIRED, "channel": REQUIRED, "subject": REQUIRED}, id="missing-required"
    ),
    pytest.param(
        {"kind": "beschwerde", "channel": "brief"}, {"subject": REQUIRED}, id="missing-subject"
    ),
    pytest.param(payload(subject="   "), {"subject": "leer"}, id="blank-subject"),
    pytest.param(payload(subject="x" * 301), {"subject": "300"}, id="long-subject"),
    pytest.param(payload(kind="klage"), {"kind": "gültige Option"}, id="bad-kind"),
    pytest.param(payload(channel="fax"), {"channel": "gültige Option"}, id="bad-channel"),
    pytest.param(
        payload(customer={**CUSTOMER, "email": "erika-at-example"}),
        {"customer": {"email": "E-Mail"}},
        id="bad-email",
    ),
    pytest.param(
        payload(customer="Erika"),
        {"customer": {"non_field_errors": "Dictionary"}},
        id="customer-not-an-object",
    ),
    pytest.param(payload(topics=["T01", "T02", "T03", "T04"]), {"topics": "3"}, id="four-topics"),
    pytest.param(payload(topics=["T01", "T77"]), {"topics": "T77"}, id="unknown-topic"),
    pytest.param(payload(topics="T01"), {"topics": "Liste"}, id="topics-not-a-list"),
    pytest.param(
        payload(org_unit="79"),
        {"org_unit": "Unbekannte Organisationseinheit"},
        id="unknown-org-unit",
    ),
    pytest.param(
        payload(received_at="07.05.2025 09:00"),
        {"received_at": "Format"},
        id="malformed-received-at",
    ),
    pytest.param(
        payload(received_at="2025-02-30T09:00:00"),
        {"received_at": "Format"},
        id="impossible-received-at",
    ),
    pytest.param(
        payload(prioritaet="hoch"), {"prioritaet": "Unbekanntes Feld"}, id="unknown-field"
    ),
    pytest.param(
        payload(customer={**CUSTOMER, "geburtsdatum": "1970-01-01"}),
        {"customer": {"geburtsdatum": "Unbekanntes Feld"}},
        id="unknown-customer-field",
    ),
    pytest.param(
        payload(topics=["T01"] * 4, customer={"email": "x"}, farbe="rot"),
        {"topics": "3", "customer": {"email": "E-Mail"}, "farbe": "Unbekanntes Feld"},
        id="several-fields-at-once",
    ),
    pytest.param([payload()], {"non_field_errors": "Dictionary"}, id="json-array"),
]


def _assert_messages(body: Any, expected: Any) -> None:
    if isinstance(expected, dict):
        assert isinstance(body, dict)
        assert set(body) == set(expected), body
        for name, fragment in expected.items():
            _assert_messages(body[name], fragment)
    else:
        assert isinstance(body, list)
        assert body
        assert any(expected in message for message in body), (expected, body)


@pytest.mark.parametrize(("data", "expected"), INVALID)
def test_invalid_input_is_400_with_german_messages_per_field(
    api: Api, data: Any, expected: dict[str, Any]
) -> None:
    before = counts()
    response = api.create(data)
    assert response.status_code == 400
    body = response.json()
    _assert_messages(body, expected)
    assert_german(body)
    assert counts() == before


def test_received_at_in_the_future_is_400(api: Api) -> None:
    before = counts()
    response = api.create(
        payload(
            received_at=(timezone.now() + dt.timedelta(minutes=10)).isoformat(), customer=CUSTOMER
        )
    )
    assert response.status_code == 400
    assert response.json() == {"received_at": ["Der Eingang darf nicht in der Zukunft liegen."]}
    assert counts() == before


def test_missing_field_message_is_drfs_german(api: Api) -> None:
    response = api.create({"kind": "lob", "channel": "brief"})
    assert response.json() == {"subject": ["Dieses Feld ist zwingend erforderlich."]}


def test_org_unit_of_another_jobcenter_is_unknown(api: Api) -> None:
    other = JobcenterFactory(slug="reinickendorf")
    TeamFactory(parent=BereichFactory(jobcenter=other, code="73"), code="731")
    before = counts()
    response = api.create(payload(org_unit="731"))
    assert response.status_code == 400
    assert set(response.json()) == {"org_unit"}
    assert counts() == before


@pytest.mark.parametrize(
    "body",
    ["{kind: beschwerde", "kind=beschwerde", "{}}"],
    ids=["broken-json", "form-encoded", "trailing-garbage"],
)
def test_non_json_body_is_400(api: Api, body: str) -> None:
    before = counts()
    response = api.create(body)
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert counts() == before


def test_non_json_body_is_refused_in_german(api: Api) -> None:
    response = api.create("{kind: beschwerde")
    assert_german(response.json())


def test_non_json_content_type_is_415(api: Api) -> None:
    before = counts()
    response = api.client.post(CASES, payload(), **api.headers)  # multipart form
    assert response.status_code == 415
    body = response.json()
    assert not api.contract.component_errors(body, "Error")
    assert_german(body)
    assert counts() == before


@pytest.mark.parametrize(
    "role", ["gf", "lgf", "mitarbeiter", "tl", "bl", "vorzimmer", "controlling", "admin", "dsb"]
)
def test_only_the_krmb_registers_through_the_api(api_as: Any, role: str) -> None:
    before = counts()
    response = api_as(role).create(payload())
    assert response.status_code == 403
    assert response.json() == {"detail": "Sie dürfen keine Fälle registrieren."}
    assert counts() == before


def test_forbidden_user_gets_403_before_validation(api_as: Any) -> None:
    response = api_as("gf").create({"kind": "klage"})
    assert response.status_code == 403


# --- GET /api/v1/cases/{id} ------------------------------------------------------------


def test_detail_of_unknown_case_is_404(api: Api) -> None:
    response = api.detail(987654)
    assert response.status_code == 404
    assert_german(response.json())


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("krmb", "721", 200),
        ("gf", "721", 200),
        ("bl", "712", 200),  # bl leads Bereich 71 with its Teams
        ("bl", "721", 404),
        ("tl", "711", 200),  # tl leads Team 711
        ("tl", "712", 404),
        ("tl", "721", 404),
        ("mitarbeiter", "711", 404),  # not captured by them
        ("controlling", "711", 404),
        ("admin", "711", 404),
    ],
)
def test_detail_shows_only_visible_cases(
    api_as: Any, org: Any, role: str, unit: str, status: int
) -> None:
    case = make_case(org["krmb"], org_unit=getattr(org, f"t{unit}"))
    response = api_as(role).detail(case.pk)
    assert response.status_code == status
    if status == 200:
        assert response.json()["aktenzeichen"] == case.aktenzeichen
    else:
        assert response.json() == {"detail": "Nicht gefunden."}


def test_case_of_another_jobcenter_is_404_even_for_the_krmb(api: Api) -> None:
    other = JobcenterFactory(slug="spandau")
    foreign = make_case(UserFactory(jobcenter=other, roles=[Role.KRMB]))
    assert api.detail(foreign.pk).status_code == 404


def test_detail_shows_topics_customer_and_deadlines(api: Api, org: Any) -> None:
    topics = list(org.jobcenter.topics.filter(code__in=["T02", "T05"]))
    case = make_case(
        org["krmb"],
        org_unit=org.b71,
        topics=topics,
        customer=CUSTOMER,
        received_at=berlin(2026, 11, 20, 16, 0),
    )
    body = api.detail(case.pk).json()
    assert body["topics"] == ["T02", "T05"]
    assert body["org_unit"] == "71"
    assert body["customer"] == CUSTOMER
    assert body["deadlines"] == {"eingangsbestaetigung": "2026-11-25", "abschluss": "2026-12-04"}


# --- GET /api/v1/cases -----------------------------------------------------------------


def test_list_is_paginated_25_per_page(api: Api, org: Any) -> None:
    generate_cases(jobcenter=org.jobcenter, count=27, captured_by=[org["krmb"]])
    first = api.list()
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 27
    assert len(body["results"]) == 25
    assert body["previous"] is None
    assert "page=2" in body["next"]
    second = api.list(page=2)
    assert second.json()["next"] is None
    assert second.json()["previous"] is not None
    assert len(second.json()["results"]) == 2
    assert set(ids(first)).isdisjoint(ids(second))


@pytest.mark.parametrize(("page_size", "expected"), [(10, 10), (100, 100), (500, 100)])
def test_page_size_is_at_most_100(api: Api, org: Any, page_size: int, expected: int) -> None:
    generate_cases(jobcenter=org.jobcenter, count=101, captured_by=[org["krmb"]])
    response = api.list(page_size=page_size)
    assert response.status_code == 200
    assert response.json()["count"] == 101
    assert len(response.json()["results"]) == expected
    assert response.json()["next"] is not None


@pytest.mark.parametrize("page", [3, 0, 99])
def test_page_outside_the_list_is_404(api: Api, org: Any, page: int) -> None:
    generate_cases(jobcenter=org.jobcenter, count=30, captured_by=[org["krmb"]])
    response = api.list(page=page)
    assert response.status_code == 404
    assert_german(response.json())


def test_empty_list_has_one_empty_page(api: Api) -> None:
    response = api.list()
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_is_urgent_first_then_by_due_date(api: Api, org: Any) -> None:
    """R-W5.1: petitions and Eingaben first; then the earliest due; no deadline last."""
    krmb = org["krmb"]
    b = make_case(krmb, received_at=berlin(2026, 11, 10, 9, 0))  # due 13.11.
    e = make_case(krmb, kind="meinungskarte", received_at=berlin(2026, 11, 1, 9, 0))  # none
    c = make_case(krmb, kind="petition", received_at=berlin(2026, 11, 12, 9, 0))  # 17.11.
    a = make_case(krmb, received_at=berlin(2026, 11, 2, 9, 0))  # due 5.11.
    d = make_case(krmb, kind="eingabe", received_at=berlin(2026, 11, 4, 9, 0))  # 9.11.
    response = api.list()
    assert ids(response) == [d.pk, c.pk, a.pk, b.pk, e.pk]
    assert [row["urgent"] for row in response.json()["results"]] == [
        True,
        True,
        False,
        False,
        False,
    ]


@pytest.fixture
def filed_cases(org: Any) -> dict[str, Case]:
    krmb = org["krmb"]
    return {
        "71": make_case(krmb, org_unit=org.b71),
        "711": make_case(krmb, org_unit=org.t711, kind="lob", channel="email"),
        "712": make_case(krmb, org_unit=org.t712, kind="widerspruch", channel="telefon"),
        "721": make_case(krmb, org_unit=org.t721, kind="petition", channel="online"),
        "none": make_case(krmb, channel="email"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"71", "711", "712", "721", "none"}),
        ({"org_unit": "71"}, {"71", "711", "712"}),  # a Bereich includes its Teams
        ({"org_unit": "711"}, {"711"}),
        ({"org_unit": "72"}, {"721"}),
        ({"kind": "lob"}, {"711"}),
        ({"channel": "email"}, {"711", "none"}),
        ({"kind": "beschwerde", "channel": "email"}, {"none"}),
        ({"status": "weitergeleitet"}, {"712"}),
        ({"status": "eingegangen"}, {"71", "711", "721", "none"}),
        ({"status": "offen"}, {"71", "711", "721", "none"}),
        ({"status": "abgeschlossen"}, set()),
        ({"org_unit": "71", "channel": "telefon"}, {"712"}),
    ],
)
def test_list_filters(
    api: Api, filed_cases: dict[str, Case], params: dict[str, str], expected: set[str]
) -> None:
    response = api.list(**params)
    assert response.status_code == 200
    assert set(ids(response)) == {filed_cases[name].pk for name in expected}
    assert response.json()["count"] == len(expected)


def test_list_shows_a_tl_only_the_cases_of_their_team(
    api_as: Any, filed_cases: dict[str, Case]
) -> None:
    assert ids(api_as("tl").list()) == [filed_cases["711"].pk]
    assert ids(api_as("tl").list(org_unit="72")) == []


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "klage"},
        {"channel": "fax"},
        {"status": "offenbar"},
        {"org_unit": "79"},
        {"topic": "T77"},
        {"deadline_state": "bald"},
        {"received_from": "gestern"},
        {"page": "zwei"},
        {"page_size": "viele"},
        {"sortierung": "alt"},
    ],
    ids=lambda params: next(iter(params)),
)
def test_invalid_filter_value_is_400(api: Api, params: dict[str, str]) -> None:
    response = api.list(**params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == set(params)
    assert_german(body)


@pytest.fixture
def searchable(org: Any) -> dict[str, Case]:
    krmb = org["krmb"]
    return {
        "wartezeit": make_case(
            krmb,
            subject="Lange Wartezeit in der Eingangszone",
            text="Ich stand zwei Stunden im Flur.",
        ),
        "bescheid": make_case(
            krmb,
            subject="Bescheid unverständlich",
            text="Die Beschwerde betrifft den Bewilligungsbescheid.",
            customer={"name": "Kowalski"},
        ),
        "telefon": make_case(
            krmb,
            subject="Niemand geht ans Telefon",
            org_unit=org.t721,
            customer={"name": "Özdemir"},
        ),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Wartezeit", {"wartezeit"}),  # a word of the subject
        ("wartezeit eingangszone", {"wartezeit"}),  # every word, any case
        ("Warte", {"wartezeit"}),  # prefix
        ("Stunden Flur", {"wartezeit"}),  # the text
        ("Kowalski", {"bescheid"}),  # the customer's name
        ("Özdemir", {"telefon"}),
        ("Beschwerde", {"bescheid"}),
        ("Wartezeit Kowalski", set()),
        ("Fahrrad", set()),
        ("", {"wartezeit", "bescheid", "telefon"}),
        ("  ", {"wartezeit", "bescheid", "telefon"}),
    ],
)
def test_full_text_search(
    api: Api, searchable: dict[str, Case], q: str, expected: set[str]
) -> None:
    response = api.list(q=q)
    assert response.status_code == 200
    assert set(ids(response)) == {searchable[name].pk for name in expected}


def test_search_finds_an_aktenzeichen_current_and_former(
    api: Api, org: Any, searchable: dict[str, Case]
) -> None:
    """R-K10: after a kind correction the former Aktenzeichen still finds the case."""
    case = searchable["bescheid"]
    former = case.aktenzeichen
    corrected = services.correct_kind(
        actor=org["krmb"], case=case, expected_version=case.version, kind="eingabe"
    )
    assert corrected.aktenzeichen != former
    for q in (former, corrected.aktenzeichen, f" {former} "):
        assert ids(api.list(q=q)) == [case.pk]


def test_search_respects_visibility(api_as: Any, searchable: dict[str, Case]) -> None:
    tl = api_as("tl")
    assert ids(tl.list(q="Telefon")) == []
    assert ids(tl.list(q=searchable["telefon"].aktenzeichen)) == []


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="German stemming: PostgreSQL")
def test_search_stems_german_words_on_postgresql(api: Api, searchable: dict[str, Case]) -> None:
    assert ids(api.list(q="Beschwerden")) == [searchable["bescheid"].pk]
    assert ids(api.list(q="Wartezeiten")) == [searchable["wartezeit"].pk]


# --- query counts ----------------------------------------------------------------------


def _queries(api: Api, call: Any) -> int:
    call()  # warm up: the first use of a key records last_used_at
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured.captured_queries)


def _populate(org: Any, count: int) -> None:
    """`count` cases in all: varied ones through the service, the rest in bulk."""
    existing = Case.objects.count()
    topics = list(org.jobcenter.topics.order_by("code")[:3])
    for i in range(max(0, min(5, count) - existing)):
        make_case(
            org["krmb"],
            org_unit=org.t711 if i % 2 else org.b72,
            topics=topics[: i % 4],
            customer=CUSTOMER if i % 2 else None,
            kind=["beschwerde", "petition"][i % 2],
        )
    rest = count - Case.objects.count()
    if rest > 0:
        generate_cases(jobcenter=org.jobcenter, count=rest, captured_by=[org["krmb"]])


# token; the user's roles; absences (deputies); closure days (deadline state); then the
# list's count, its page and the page's topics, or the detail's case and its topics; who acts
# now (the open tasks, the holders of their roles); the read log's INSERT (one for a page).
LIST_QUERIES = 10
DETAIL_QUERIES = 9


def test_list_makes_the_same_number_of_queries_for_5_and_40_cases(api: Api, org: Any) -> None:
    _populate(org, 5)
    with_5 = _queries(api, lambda: api.list(page_size=40))
    _populate(org, 40)
    with_40 = _queries(api, lambda: api.list(page_size=40))
    assert len(api.list(page_size=40).json()["results"]) == 40
    assert with_5 == with_40 == LIST_QUERIES


def test_list_with_filters_and_search_makes_a_constant_number_of_queries(
    api: Api, org: Any
) -> None:
    def call() -> HttpResponse:
        response = api.list(org_unit="72", status="offen", q="Telefonisch", page_size=40)
        assert response.json()["results"]
        return response

    _populate(org, 5)
    with_5 = _queries(api, call)
    _populate(org, 40)
    with_40 = _queries(api, call)
    assert with_5 == with_40 == LIST_QUERIES + 1  # the org unit's lookup


def test_detail_makes_the_same_number_of_queries_whatever_the_case(api: Api, org: Any) -> None:
    plain = make_case(org["krmb"])
    full = make_case(
        org["krmb"],
        org_unit=org.t711,
        customer=CUSTOMER,
        topics=list(org.jobcenter.topics.order_by("code")[:3]),
    )
    counted = {}
    for total in (5, 40):
        _populate(org, total)
        for name, case in {"plain": plain, "full": full}.items():
            counted[(name, total)] = _queries(api, lambda case=case: api.detail(case.pk))
    assert set(counted.values()) == {DETAIL_QUERIES}, counted


@pytest.mark.parametrize("path", ["/api/v1/cases/-1", "/api/v1/cases/null,null", "/api/v1/gibts"])
def test_unknown_api_paths_answer_in_json(client: Client, db: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


def test_repeated_filter_is_refused(org: Any, client: Client) -> None:
    key = ApiToken.issue(org["krmb"])[1]
    response = client.get(f"{CASES}?kind=lob&kind=petition", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 400
    assert response.json() == {"kind": ["Bitte nur einen Wert angeben."]}
    served_contract().check(response, CASES)


def test_empty_body_is_refused_in_german(org: Any, client: Client) -> None:
    key = ApiToken.issue(org["krmb"])[1]
    response = client.post(
        CASES, "null", content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 400
    assert "keine Daten" in str(response.json())


def test_html_only_client_gets_documented_406(org: Any, client: Client) -> None:
    key = ApiToken.issue(org["krmb"])[1]
    response = client.get(CASES, HTTP_ACCEPT="text/html", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 406
    served_contract().check(response, CASES)
