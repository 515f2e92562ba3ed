"""Who sees and who changes which case (R-O-2, R-O-4; docs: krm/cases/permissions.py).

One test walks the whole matrix: every role × every case screen and endpoint × a set of
cases, against the explicit tables below. A case the user may not see is a 404 and never
shows up anywhere (worklist count, search, filters, API `count`); a step the user may not
take on a case they can see is a 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from krm.accounts.models import Absence, RoleAssignment, User
from krm.accounts.roles import Role
from krm.api.models import ApiToken
from krm.audit.models import Event
from krm.cases import permissions, services
from krm.cases.models import AktenzeichenRecord, Case, CaseLink, Customer, Forwarding, Topic
from krm.cases.permissions import visible_cases
from krm.testing.factories import JobcenterFactory, UserFactory, make_case

# --- the cases ---------------------------------------------------------------------------

# key: (who captures it, quick capture?, org unit attribute of `org`, kind, staff concerned)
# A quick capture is a Beschwerde; a confidential kind there is the KRM-B's later correction
# (the way a colleague's capture becomes a DAB or a Datenschutzbeschwerde).
CASES = {
    "c711": ("krmb", False, "t711", "beschwerde", None),
    "c712": ("krmb", False, "t712", "beschwerde", None),
    "c721": ("krmb", False, "t721", "beschwerde", None),
    "dsb721": ("krmb", False, "t721", "datenschutzbeschwerde", None),
    "quick_ma": ("mitarbeiter", True, "t721", "beschwerde", None),  # staff of 711, for 721
    "quick_vz": ("vorzimmer", True, None, "beschwerde", None),  # no unit named
    "dab_tl": ("krmb", False, "t711", "dienstaufsichtsbeschwerde", "tl"),  # against TL 711
    "dab_ma": ("mitarbeiter", True, "t711", "dienstaufsichtsbeschwerde", "kollegin"),
    "dsb_vz": ("vorzimmer", True, "t712", "datenschutzbeschwerde", None),
    "dab_gf": ("krmb", False, None, "dienstaufsichtsbeschwerde", "gf"),  # against the GF
}

# --- who sees / changes which case --------------------------------------------------------
# W: sees and changes it; R: sees it, may not change it; E: captured it, may only know that
# it exists (the case page and the API show Aktenzeichen, kind and date, nothing else; every
# other screen is a 404); -: may not see it (404, invisible).
# Then the screens without a case: quick capture, full registration, POST /api/v1/cases.
# vertretung_acting: the Vertretung while the KRM-B is absent (R-O-4); other_jc_krmb: the
# KRM-B of another Jobcenter; tl711_dsb: TL of 711 who is also DSB (roles add up);
# kollegin: staff of 711 a DAB is about; deputy_tl: named deputy of the absent TL of 711;
# admin_deputy: the administrator entered (in the database) as the absent KRM-B's deputy;
# controlling_tl: a Controlling account that (in the database) also holds TL 711.
# fmt: off
MATRIX = {
    # cases in the order of CASES: c711 c712 c721 dsb721 quick_ma quick_vz dab_tl dab_ma
    # dsb_vz dab_gf; then quick capture, registration, API-POST
    "krmb":              ("W W W W W W W W W W", 200, 200, 201),
    "vertretung":        ("R R R R R R R R R R", 200, 403, 403),
    "vertretung_acting": ("W W W W W W W W W W", 200, 200, 201),
    "vorzimmer":         ("- - - - - R - - E -", 200, 403, 403),
    "gf":                ("R R R R R R R R R -", 200, 403, 403),
    "lgf":               ("R R - - - - R R R -", 200, 403, 403),  # 71
    "bl":                ("R R - - - - R R R -", 200, 403, 403),  # BL 71
    "tl":                ("R - - - - - - R - -", 200, 403, 403),  # TL 711
    "mitarbeiter":       ("- - - - R - - E - -", 200, 403, 403),
    "dsb":               ("- - - R - - - - R -", 200, 403, 403),
    "tl711_dsb":         ("R - - R - - R R R -", 200, 403, 403),
    "kollegin":          ("- - - - - - - - - -", 200, 403, 403),
    "deputy_tl":         ("R - - - - - - R - -", 200, 403, 403),
    "controlling":       ("- - - - - - - - - -", 403, 403, 403),
    "controlling_tl":    ("- - - - - - - - - -", 403, 403, 403),
    "admin":             ("- - - - - - - - - -", 403, 403, 403),
    "admin_deputy":      ("- - - - - - - - - -", 403, 403, 403),
    "other_jc_krmb":     ("- - - - - - - - - -", 200, 200, 201),  # Mitte
}
# fmt: on

# Every screen and endpoint on a case, by URL name, in the order walked (the POST steps
# change the case: the Eingangsbestätigung, a link). Expected status for W, R, E and -.
# Who takes which step of the route is the workflow's business (test_routes.py); here the
# step stands for all: the KRM-B's step is refused to readers (403) and to those who may
# only know the case exists (404). `test_every_case_url_has_a_row` holds this table to the
# URL configuration.
ACK = {"name": "eingangsbestaetigung"}
# fmt: off
STEPS = [
    # name           method  URL name               extra kwargs  W    R    E    -
    ("Fallseite",    "get",  "cases:detail",         {},           200, 200, 200, 404),
    ("Bearbeiten",   "get",  "cases:edit",           {},           200, 403, 404, 404),
    ("Art",          "get",  "cases:correct_kind",   {},           200, 403, 404, 404),
    ("Datenschutz",  "get",  "cases:privacy",        {},           200, 403, 404, 404),
    ("Schritt",      "get",  "cases:step",           ACK,          200, 403, 404, 404),
    ("API",          "api",  "api:case",             {},           200, 200, 200, 404),
    ("API-Schritte", "api",  "api:case_transitions", {},           200, 200, 404, 404),
    ("API-Schritt",  "apipost", "api:case_transitions", {},        200, 403, 404, 404),
    ("Bestätigung",  "post", "cases:step",           ACK,          302, 403, 404, 404),
    ("Vorschläge",   "get",  "cases:link_suggestions", {},         200, 403, 404, 404),
    ("Verknüpfen",   "post", "cases:link",           {},           302, 403, 404, 404),
]
# fmt: on
# URL names with a case in them that the walk above leaves to tests of their own.
WALKED_ELSEWHERE = {
    "cases:unlink": "test_views.py: unlinking needs a link; a hidden partner is a 404",
    "documents:upload": "documents/tests/test_permissions.py: the documents' own matrix (R-A3)",
    "letters:generate": "documents/tests/test_permissions.py: the documents' own matrix (R-A3)",
    "ablage:folder": "ablage/tests/test_ablage.py: who opens the Ablage, per role (R-A3)",
    "ablage:export": "ablage/tests/test_ablage.py: who opens the Ablage, per role (R-A3)",
    "ablage:hand_over": "ablage/tests/test_ablage.py: the hand-over is the KRM-B's (R-A5)",
    "api:case_documents": "api/tests/test_api_documents.py: 404 / 403 per R-A3",
    "api:case_letters": "api/tests/test_api_documents.py: 404 / 403 per R-A3",
    "api:document": "api/tests/test_api_documents.py: 404 / 403 per R-A3",
}
COLUMN = {"W": 0, "R": 1, "E": 2, "-": 3}


def _row(role: str) -> dict[str, str]:
    marks = MATRIX[role][0].split()
    assert len(marks) == len(CASES)
    return dict(zip(CASES, marks, strict=True))


def _colleague(org) -> User:
    return UserFactory(
        username="kollegin",
        jobcenter=org.jobcenter,
        home_unit=org.t711,
        roles=[Role.MITARBEITER],
    )


def _user(org, role: str) -> User:
    today = timezone.localdate()
    if role == "vertretung_acting":
        Absence.objects.create(user=org["krmb"], start=today, end=today)
        return org["vertretung"]
    if role == "tl711_dsb":
        return UserFactory(
            username="tl711_dsb", jobcenter=org.jobcenter, roles=[(Role.TL, org.t711), Role.DSB]
        )
    if role == "other_jc_krmb":
        other = JobcenterFactory(name="Jobcenter Berlin Mitte", slug="mitte")
        return UserFactory(username="krmb_mitte", jobcenter=other, roles=[Role.KRMB])
    if role == "kollegin":
        return User.objects.get(username="kollegin")
    if role == "deputy_tl":
        deputy = UserFactory(
            username="ma712", jobcenter=org.jobcenter, home_unit=org.t712, roles=[Role.MITARBEITER]
        )
        Absence.objects.create(user=org["tl"], start=today, end=today, deputy=deputy)
        return deputy
    if role == "admin_deputy":
        # Refused by every form (accounts tests); here it is in the database anyway.
        Absence.objects.create(user=org["krmb"], start=today, end=today, deputy=org["admin"])
        return org["admin"]
    if role == "controlling_tl":
        RoleAssignment.objects.create(user=org["controlling"], role=Role.TL, org_unit=org.t711)
        return org["controlling"]
    return org[role]


def _make_cases(org) -> dict[str, Case]:
    cases = {}
    for key, (captor, quick, unit, kind, concerned) in CASES.items():
        case = make_case(
            org[captor],
            quick_capture=quick,
            kind="beschwerde" if quick else kind,
            org_unit=getattr(org, unit) if unit else None,
            subject=f"Betreff {key}",
            customer={"name": f"Kundin {key.replace('_', '')}"},
            **(
                {"staff_concerned": User.objects.get(username=concerned)}
                if not quick and concerned
                else {}
            ),
        )
        if quick and kind != "beschwerde":
            case = services.correct_kind(
                actor=org["krmb"], case=case, expected_version=case.version, kind=kind
            )
        if quick and concerned:
            case = services.update_case(
                actor=org["krmb"],
                case=case,
                expected_version=case.version,
                changes={"staff_concerned": User.objects.get(username=concerned)},
            )
        cases[key] = case
    return cases


def _count(response) -> int:
    """The worklist's "N Fälle" heading ("1 Fall")."""
    assert response.status_code == 200
    match = re.search(r'<h2 id="ergebnis">(\d+) (?:Fall|Fälle)\b', response.content.decode())
    assert match, "no result heading"
    return int(match.group(1))


def _api(client: Client, key: str, method: str, url: str, data: dict | None = None):
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    if method == "post":
        return client.post(url, data, content_type="application/json", **auth)
    return client.get(url, data or {}, **auth)


def _body(step: str, case: Case, partner: Case) -> dict:
    if step == "Verknüpfen":
        return {"aktenzeichen": partner.aktenzeichen}
    return {
        "eingangsbestaetigung-version": case.version,
        "eingangsbestaetigung-contact_person": "Frau Muster",
    }


def _assert_effect(step: str, case: Case, partner: Case) -> None:
    """A 302 is also the answer to an invalid form: check the step really happened."""
    pending = case.acknowledgement_pending
    case.refresh_from_db()
    if step == "Bestätigung" and pending:
        assert case.acknowledged_at is not None and case.contact_person == "Frau Muster"
    elif step == "Verknüpfen":
        pair = sorted([case.pk, partner.pk])
        assert CaseLink.objects.filter(first_id=pair[0], second_id=pair[1]).exists()


def _contents(key: str, case: Case) -> list[str]:
    """What a reader who may only know that a case exists must not see of it."""
    return [case.subject, f"Kundin {key.replace('_', '')}", "Ich erreiche niemanden"]


@pytest.mark.parametrize("role", list(MATRIX))
def test_permission_matrix(client: Client, org, role: str) -> None:
    """R-O-2 / R-O-4 / R-O-5, R-K7, R-K8: every role × every case screen and endpoint ×
    every kind of case, including a DAB against a TL, a DAB a colleague captured, a DAB
    against the GF and Datenschutzbeschwerden."""
    _colleague(org)
    cases = _make_cases(org)
    user = _user(org, role)
    row = _row(role)
    visible = {key for key, mark in row.items() if mark != "-"}
    readable = {key for key, mark in row.items() if mark in "WR"}
    client.force_login(user)
    _token, key = ApiToken.issue(user)

    # Lists first (the steps below change the cases): only the cases one may read count; a
    # case one may only know to exist is no list row (its place would tell its state) but
    # stands apart on "Meine Fälle" and is found by its Aktenzeichen.
    assert _count(client.get("/faelle/")) <= len(readable)
    worklist = client.get("/faelle/", {"status": ""})
    assert _count(worklist) == len(readable)
    mine_page = client.get("/faelle/meine/", {"status": ""})
    mine = {k for k, spec in CASES.items() if org[spec[0]] == user and k in readable}
    assert _count(mine_page) == len(mine)
    for case_key in visible - readable:
        assert cases[case_key].aktenzeichen in mine_page.content.decode()
        for text in _contents(case_key, cases[case_key]):
            assert text not in worklist.content.decode(), (case_key, text)
            assert text not in mine_page.content.decode(), (case_key, text)
    listed = _api(client, key, "get", "/api/v1/cases", {"page_size": 100}).json()
    assert listed["count"] == len(readable)
    assert {item["id"] for item in listed["results"]} == {cases[k].pk for k in readable}
    for case_key, case in cases.items():
        # The Aktenzeichen finds every visible case; words only those one may read.
        expected = int(case_key in visible)
        assert _count(client.get("/faelle/", {"q": case.aktenzeichen, "status": ""})) == expected
        found = _api(client, key, "get", "/api/v1/cases", {"q": case.aktenzeichen}).json()
        assert found["count"] == expected, case_key
        expected = int(case_key in readable)
        for query in (f"Betreff {case_key}", f"Kundin {case_key}".replace("_", "")):
            assert _count(client.get("/faelle/", {"q": query, "status": ""})) == expected, query
            found = _api(client, key, "get", "/api/v1/cases", {"q": query}).json()
            assert found["count"] == expected, (case_key, query)

    # Every case screen and step.
    keys = list(cases)
    for index, (case_key, case) in enumerate(cases.items()):
        partner = cases[keys[(index + 1) % len(keys)]]
        mark = row[case_key]
        version_before = case.version
        status_before = case.status
        for step, method, url_name, extra, *codes in STEPS:
            key_name = "pk" if url_name.startswith("api:") else "case_id"
            path = reverse(url_name, kwargs={key_name: case.pk, **extra})
            expected = codes[COLUMN[mark]]
            case.refresh_from_db()
            if method == "apipost" and mark == "W" and not case.acknowledgement_pending:
                expected = 409  # the KRM-B's step, not possible on this case now
            if method == "get":
                response = client.get(path)
            elif method == "api":
                response = _api(client, key, "get", path)
            elif method == "apipost":
                body = {
                    "name": "eingangsbestaetigung",
                    "data": {"contact_person": "Frau Muster"},
                    "version": case.version,
                }
                response = _api(client, key, "post", path, body)
            else:
                response = client.post(path, _body(step, case, partner))
            assert response.status_code == expected, (role, case_key, step)
            html = response.content.decode()
            if mark == "-":  # the 404 tells nothing about the case
                assert case.aktenzeichen not in html
            if mark in "E-":
                for text in _contents(case_key, case):
                    assert text not in html, (case_key, step, text)
            if mark == "E" and expected == 200:
                assert case.aktenzeichen in html
            if expected == 302 or (method == "apipost" and expected == 200):
                _assert_effect("Bestätigung" if method == "apipost" else step, case, partner)
        if mark != "W":
            case.refresh_from_db()
            assert case.version == version_before, (role, case_key)
            assert case.status == status_before and case.acknowledged_at is None
    if "W" not in row.values():
        assert not CaseLink.objects.exists()

    # The screens without a case.
    _marks, capture, register, api_create = MATRIX[role]
    assert client.get("/erfassung/schnell/").status_code == capture
    assert client.get("/erfassung/registrieren/").status_code == register
    before = Case.objects.count()
    # Received in 2025: see test_each_jobcenter_numbers_its_own_cases (same number in two
    # Jobcenters collides today).
    response = _api(
        client,
        key,
        "post",
        "/api/v1/cases",
        {
            "kind": "beschwerde",
            "channel": "brief",
            "subject": "Per API",
            "received_at": "2025-06-02T10:00:00+02:00",
        },
    )
    assert response.status_code == api_create
    assert Case.objects.count() == before + (api_create == 201)
    if api_create == 201:
        assert Case.objects.get(pk=response.json()["id"]).jobcenter_id == user.jobcenter_id


def test_visibility_rule_reads_the_same_in_sql_and_on_a_loaded_case(client: Client, org) -> None:
    """The rules are written once and read twice (a database filter for lists, a check on a
    loaded case for the case page and the services): both readings agree for every role and
    case of the matrix."""
    _colleague(org)
    cases = _make_cases(org)
    for role in MATRIX:
        user = _user(org, role)
        user = User.objects.get(pk=user.pk)  # no cached access from the set-up
        visibility = permissions.visibility_of(user)
        in_sql = set(permissions.visible_cases(user).values_list("pk", flat=True))
        readable_sql = set(
            permissions.visible_cases(user, contents_only=True).values_list("pk", flat=True)
        )
        for case in cases.values():
            assert visibility.sees(case) == (case.pk in in_sql), (role, case.subject)
            assert visibility.sees_contents(case) == (case.pk in readable_sql), (role, case.subject)
        Absence.objects.all().delete()


def test_each_jobcenter_numbers_its_own_cases(org) -> None:
    """R-A1: each Jobcenter's file plan counts gap-free; neither sees the other's case."""
    other = JobcenterFactory(name="Jobcenter Berlin Mitte", slug="mitte")
    other_krmb = UserFactory(username="krmb_mitte", jobcenter=other, roles=[Role.KRMB])
    ours = make_case(org["krmb"])
    theirs = make_case(other_krmb)
    assert ours.aktenzeichen == theirs.aktenzeichen == "II-6001-2026-00001"
    assert list(visible_cases(other_krmb)) == [theirs]
    assert list(visible_cases(org["krmb"])) == [ours]


# --- filters and search never reveal what the user may not see ------------------------------


@dataclass
class Scenario:
    tl: User
    krmb: User
    cases: dict[str, Case]


@pytest.fixture
def scenario(org) -> Scenario:
    topic = Topic.objects.get(jobcenter=org.jobcenter, code="T01")
    cases = {
        "c711": make_case(org["krmb"], org_unit=org.t711, subject="Wartezeit am Empfang"),
        "c711_dsb": make_case(
            org["krmb"],
            org_unit=org.t711,
            kind="datenschutzbeschwerde",
            subject="Bescheid an falsche Adresse",
        ),
        "c712": make_case(
            org["krmb"],
            org_unit=org.t712,
            topics=[topic],
            subject="Unfreundliche Behandlung",
            customer={"name": "Zacharias Quenstedt"},
        ),
        "c712_dsb": make_case(
            org["krmb"],
            org_unit=org.t712,
            kind="datenschutzbeschwerde",
            subject="Akteneinsicht verweigert",
        ),
        "c721": make_case(
            org["krmb"], org_unit=org.t721, topics=[topic], subject="Rückruf blieb aus"
        ),
    }
    return Scenario(org["tl"], org["krmb"], cases)


@pytest.mark.parametrize(
    ("filters", "tl_count", "krmb_count"),
    [
        ({"org_unit": "t712"}, 0, 2),
        ({"org_unit": "b71"}, 2, 4),  # a Bereich includes its Teams; the TL sees only 711
        ({"org_unit": "t721"}, 0, 1),
        ({"kind": "datenschutzbeschwerde"}, 1, 2),
        ({"kind": "datenschutzbeschwerde", "org_unit": "t712"}, 0, 1),
        ({"topic": "T01"}, 0, 2),
        ({"q": "Quenstedt"}, 0, 1),
        ({"q": "Akteneinsicht"}, 0, 1),
    ],
)
def test_worklist_filters_never_reveal_invisible_cases(
    client: Client, org, scenario: Scenario, filters: dict, tl_count: int, krmb_count: int
) -> None:
    """The TL of 711 filters for other units, kinds and topics: the count stays theirs."""
    params = {"status": ""}
    for name, value in filters.items():
        if name == "org_unit":
            value = getattr(org, value).pk
        elif name == "topic":
            value = Topic.objects.get(jobcenter=org.jobcenter, code=value).pk
        params[name] = value
    for user, expected in ((scenario.tl, tl_count), (scenario.krmb, krmb_count)):
        client.force_login(user)
        response = client.get("/faelle/", params)
        assert _count(response) == expected, user.username
        if user == scenario.tl:
            html = response.content.decode()
            for key in ("c712", "c712_dsb", "c721"):
                assert scenario.cases[key].aktenzeichen not in html


@pytest.mark.parametrize(
    ("user", "query", "expected"),
    [
        ("krmb", {"org_unit": "71"}, {"c711", "c711_dsb", "c712", "c712_dsb"}),
        ("krmb", {"kind": "datenschutzbeschwerde"}, {"c711_dsb", "c712_dsb"}),
        ("krmb", {"org_unit": "712", "kind": "beschwerde"}, {"c712"}),
        ("bl", {"org_unit": "71"}, {"c711", "c711_dsb", "c712", "c712_dsb"}),
        ("bl", {"org_unit": "72"}, set()),
        ("bl", {"topic": "T01"}, {"c712"}),
        ("tl", {"org_unit": "71"}, {"c711", "c711_dsb"}),
        ("tl", {"org_unit": "712"}, set()),
        ("tl", {"kind": "datenschutzbeschwerde"}, {"c711_dsb"}),
        ("tl", {"topic": "T01"}, set()),
        ("tl", {"q": "Quenstedt"}, set()),
        ("dsb", {"kind": "datenschutzbeschwerde"}, {"c711_dsb", "c712_dsb"}),
        ("dsb", {"org_unit": "71"}, {"c711_dsb", "c712_dsb"}),
        ("dsb", {"kind": "beschwerde"}, set()),
        ("controlling", {"org_unit": "71"}, set()),
    ],
)
def test_api_list_filters_respect_visibility(
    client: Client, org, scenario: Scenario, user: str, query: dict, expected: set
) -> None:
    """GET /api/v1/cases with kind / org_unit (a Bereich with its Teams) / topic / q."""
    _token, key = ApiToken.issue(org[user])
    body = _api(client, key, "get", "/api/v1/cases", query).json()  # no status: all
    ids = {c["id"] for c in body["results"]}
    assert ids == {scenario.cases[k].pk for k in expected}
    assert body["count"] == len(expected)


def test_aktenzeichen_search_finds_former_aktenzeichen_only_of_visible_cases(
    client: Client, org, scenario: Scenario
) -> None:
    """R-K10: a corrected kind gives a new Aktenzeichen; the old one finds the case, but only
    for those who may see it."""
    case = scenario.cases["c712"]
    old = case.aktenzeichen
    services.correct_kind(actor=org["krmb"], case=case, expected_version=case.version, kind="lob")
    case.refresh_from_db()
    assert case.aktenzeichen != old  # II-6001 (Beschwerden) → II-6000 (Allgemeines)
    for username, expected in (("krmb", 1), ("bl", 1), ("tl", 0), ("dsb", 0), ("gf", 1)):
        client.force_login(org[username])
        assert _count(client.get("/faelle/", {"q": old, "status": ""})) == expected, username


# --- the case page and linked cases ---------------------------------------------------------


@pytest.fixture
def linked(org, scenario: Scenario) -> tuple[Case, Case]:
    mine, other = scenario.cases["c711"], scenario.cases["c712"]
    services.link_cases(actor=org["krmb"], case=mine, other=other, note="gleiche Kundin")
    return mine, other


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end)]


def test_linked_case_the_user_cannot_see_shows_as_placeholder(
    client: Client, org, linked: tuple[Case, Case]
) -> None:
    mine, other = linked
    client.force_login(org["tl"])
    links = _section(
        client.get(f"/faelle/{mine.pk}/").content.decode(), 'id="h-links"', 'id="h-verlauf"'
    )
    assert "ein Fall, den Sie nicht einsehen dürfen" in links
    assert other.aktenzeichen not in links
    assert other.subject not in links
    assert f"/faelle/{other.pk}/" not in links
    # The KRM-B, who may see both, gets the Aktenzeichen and the link.
    client.force_login(org["krmb"])
    links = _section(
        client.get(f"/faelle/{mine.pk}/").content.decode(), 'id="h-links"', 'id="h-verlauf"'
    )
    assert other.aktenzeichen in links
    assert "nicht einsehen" not in links


def test_case_page_never_shows_aktenzeichen_of_linked_case_the_user_cannot_see(
    client: Client, org, linked: tuple[Case, Case]
) -> None:
    mine, other = linked
    client.force_login(org["tl"])
    assert other.aktenzeichen not in client.get(f"/faelle/{mine.pk}/").content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("krmb", 302),
        ("vertretung", 403),
        ("gf", 403),
        ("tl", 403),
        ("mitarbeiter", 404),
        ("controlling", 404),
    ],
)
def test_only_acting_krmb_may_unlink_cases(
    client: Client, org, linked: tuple[Case, Case], role: str, expected: int
) -> None:
    mine, _other = linked
    link = CaseLink.objects.get()
    client.force_login(org[role])
    response = client.post(f"/faelle/{mine.pk}/verknuepfungen/{link.pk}/loesen/")
    assert response.status_code == expected
    assert CaseLink.objects.exists() == (expected != 302)


def test_gf_cannot_post_changes_to_a_case_it_may_read(client: Client, org) -> None:
    """GF and LGF read everything, but a POST to the edit and kind forms is a 403 too."""
    case = make_case(org["krmb"], org_unit=org.t711)
    for role in ("gf", "lgf", "vertretung"):
        client.force_login(org[role])
        edit = client.post(
            f"/faelle/{case.pk}/bearbeiten/",
            {"version": case.version, "subject": "geändert", "channel": "brief"},
        )
        kind = client.post(f"/faelle/{case.pk}/art/", {"version": case.version, "kind": "lob"})
        assert (edit.status_code, kind.status_code) == (403, 403), role
    case.refresh_from_db()
    assert (case.version, case.kind, case.subject) == (
        1,
        "beschwerde",
        "Telefonisch nicht erreichbar",
    )


# --- the technical administration sees no case contents ------------------------------------


CASE_CONTENT_MODELS = [Case, Customer, CaseLink, Forwarding, AktenzeichenRecord, Event]


@pytest.mark.parametrize("model", CASE_CONTENT_MODELS, ids=lambda m: m.__name__)
def test_django_admin_registers_no_case_content(model: type) -> None:
    assert not admin.site.is_registered(model)
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_django_admin_shows_no_cases_even_to_a_superuser(client: Client, org) -> None:
    case = make_case(org["krmb"], org_unit=org.t711)
    superuser = UserFactory(
        username="root", is_staff=True, is_superuser=True, jobcenter=org.jobcenter
    )
    client.force_login(superuser)
    index = client.get("/admin/")
    assert index.status_code == 200
    html = index.content.decode()
    assert "/admin/jobcenters/topic/" in html  # configuration data is there …
    assert "/admin/cases/case/" not in html  # … the cases are not
    for path in (
        "/admin/cases/case/",
        f"/admin/cases/case/{case.pk}/change/",
        "/admin/cases/customer/",
        "/admin/audit/event/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_dab_linked_to_a_case_the_accused_reads_leaves_no_trace_there(
    client: Client, org
) -> None:
    """R-K7: the TL of 711 reads the team's complaint, but neither its links nor its
    timeline mention the DAB about the TL linked to it; the BL sees both."""
    complaint = make_case(org["krmb"], org_unit=org.t711, subject="Lange Wartezeit")
    dab = make_case(
        org["krmb"],
        kind="dienstaufsichtsbeschwerde",
        org_unit=org.t711,
        staff_concerned=org["tl"],
        subject="Verhalten der Teamleitung",
    )
    services.link_cases(actor=org["krmb"], case=complaint, other=dab, note="gleicher Vorgang")
    client.force_login(org["tl"])
    html = client.get(f"/faelle/{complaint.pk}/").content.decode()
    assert dab.aktenzeichen not in html
    assert "nicht einsehen" not in html  # not even a placeholder
    assert "<strong>Verknüpft</strong>" not in html  # no timeline entry
    assert "gleicher Vorgang" not in html
    client.force_login(org["bl"])
    html = client.get(f"/faelle/{complaint.pk}/").content.decode()
    assert html.count(dab.aktenzeichen) >= 2  # the link and the timeline


def test_registering_a_dab_about_oneself_does_not_lead_to_a_404(client: Client, org) -> None:
    """The KRM-B registers a DAB about herself: registered, then out of her sight."""
    client.force_login(org["krmb"])
    response = client.post(
        "/erfassung/registrieren/",
        {
            "kind": "dienstaufsichtsbeschwerde",
            "channel": "brief",
            "received_at": "2026-11-02T10:00",
            "subject": "Über die KRM-Beauftragte",
            "staff_concerned": org["krmb"].pk,
            "escalation_level": 1,
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "erfasst" in html and "er betrifft Sie selbst" in html
    case = Case.objects.get()
    assert case.staff_concerned == org["krmb"]
    assert "Über die KRM-Beauftragte" not in html


def test_filters_never_tell_the_state_of_a_case_one_only_knows_exists(client: Client, org) -> None:
    """Found by attack: an Aktenzeichen search combined with a filter on status, channel,
    unit, topic or deadline answered 1 or 0 for a confidential case one only captured."""
    _colleague(org)
    cases = _make_cases(org)
    dab = cases["dab_ma"]  # captured by the Mitarbeiterin, a DAB she may not read
    client.force_login(org["mitarbeiter"])
    _token, key = ApiToken.issue(org["mitarbeiter"])
    assert _count(client.get("/faelle/", {"q": dab.aktenzeichen, "status": ""})) == 1
    topic = Topic.objects.filter(jobcenter=org.jobcenter).first()
    for extra in (
        {"status": "eingegangen"},
        {"status": "abgeschlossen"},
        {"status": "offen"},
        {"channel": "brief"},
        {"org_unit": org.t711.pk},
        {"topic": topic.pk},
        {"deadline_state": "ueberfaellig"},
        {"deadline_state": "fristgerecht"},
    ):
        params = {"q": dab.aktenzeichen, "status": "", **extra}
        assert _count(client.get("/faelle/", params)) == 0, extra
        api_params = {"q": dab.aktenzeichen, **extra}
        if "org_unit" in extra:
            api_params["org_unit"] = "711"
        if "topic" in extra:
            api_params["topic"] = topic.code
        assert _api(client, key, "get", "/api/v1/cases", api_params).json()["count"] == 0, extra


def test_unlinking_a_hidden_link_is_a_404_like_a_missing_one(client: Client, org) -> None:
    """Found by attack: 403 for a link to a DAB about oneself, 404 for none, told it apart."""
    from django.utils import timezone

    complaint = make_case(org["krmb"], subject="Wartezeit")
    today = timezone.localdate()
    Absence.objects.create(user=org["krmb"], start=today, end=today)
    dab = make_case(
        org["vertretung"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["krmb"]
    )
    link = services.link_cases(actor=org["vertretung"], case=complaint, other=dab)
    Absence.objects.all().delete()
    client.force_login(org["krmb"])
    hidden = client.post(f"/faelle/{complaint.pk}/verknuepfungen/{link.pk}/loesen/")
    missing = client.post(f"/faelle/{complaint.pk}/verknuepfungen/{link.pk + 99}/loesen/")
    assert hidden.status_code == missing.status_code == 404
    assert CaseLink.objects.filter(pk=link.pk).exists()


def _named_urls(patterns, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every named URL, namespaced like `reverse` takes them."""
    result = []
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            result += _named_urls(pattern.url_patterns, namespace)
        elif pattern.name:
            result.append((f"{prefix}{pattern.name}", str(pattern.pattern)))
    return result


def test_every_case_url_has_a_row() -> None:
    """A new screen or endpoint on a case fails here until the matrix walks it."""
    from django.urls import get_resolver

    on_a_case = {
        name
        for name, route in _named_urls(get_resolver().url_patterns)
        if "<int:case_id>" in route or "<int:pk>" in route
    }
    covered = {row[2] for row in STEPS} | set(WALKED_ELSEWHERE)
    assert on_a_case - covered == set()
    assert covered - on_a_case == set(), "a row for a URL that no longer exists"
