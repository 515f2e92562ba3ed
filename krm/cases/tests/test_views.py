"""The case screens: worklists, case page, edits; constant query counts (rule 4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from krm.api.models import ApiToken
from krm.cases import services
from krm.cases.models import Case, CaseLink
from krm.lib.workdays import BERLIN
from krm.testing import route
from krm.testing.factories import make_case
from krm.testing.pages import edit_state


def _cases(org, count: int, **overrides):
    topics = list(org.jobcenter.topics.order_by("code")[:2])
    for i in range(count):
        make_case(
            org["krmb"],
            org_unit=org.t711 if i % 2 else org.t712,
            topics=topics,
            customer={"name": f"Kundin {i}"},
            subject=f"Wartezeit Nummer {i}",
            **overrides,
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/faelle/",
        "/faelle/meine/",
        "/faelle/?q=Wartezeit&status=",
        "/faelle/?kind=beschwerde&channel=brief&org_unit={b71}&topic={topic}&deadline_state="
        "ueberfaellig&received_from=2026-01-01&received_to=2026-12-31",
    ],
)
def test_worklist_query_count_does_not_grow_with_cases(client, org, url):
    url = url.format(b71=org.b71.pk, topic=org.jobcenter.topics.get(code="T01").pk)
    client.force_login(org["krmb"])
    _cases(org, 3)
    few = _queries(client, url)
    _cases(org, 30)
    many = _queries(client, url)
    assert few == many
    assert many <= 15


def test_case_page_query_count_does_not_grow_with_history(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"], org_unit=org.t711, customer={"name": "A"})
    services.link_cases(actor=org["krmb"], case=case, other=make_case(org["krmb"]))
    few = _queries(client, f"/faelle/{case.pk}/")
    case.refresh_from_db()
    for i in range(10):
        case = services.update_case(
            actor=org["krmb"],
            case=case,
            expected_version=case.version,
            changes={"subject": f"Betreff {i}"},
        )
        other = make_case(org["krmb"])
        services.link_cases(actor=org["krmb"], case=case, other=other)
    assert _queries(client, f"/faelle/{case.pk}/") == few


# Session, user, roles, absences; the case with its topics, events, forwardings and
# Aktenzeichen; the read log's INSERT; closure days; links; the footer's Jobcenter (12 before
# the read log). A page that names linked cases in its timeline reads them once more.
# session, user, roles, absences; the case with its topics, events, open tasks, Verfügungs-
# blätter, forwardings, Aktenzeichen records; the read log's INSERT; closure days (deadline
# state); links and the cases the timeline names; the timeline's units, topics and people;
# the Jobcenter (footer); then what the offered steps need (their choices and guards); the
# documents, the letters and the mails of the case, received and sent (for those who may
# open them, R-A3: all below).
# fmt: off
CASE_PAGE = [
    # who        state the case is in                       queries
    ("krmb",     [],                                         23),  # eingegangen: units
    ("gf",       ["gf_vorlegen"],                            23),  # bei_gf: units
    ("krmb",     ["gf_vorlegen", "abverfuegen"],             22),
    ("bl",       ["gf_vorlegen", "abverfuegen", "eingangsbestaetigung", "an_bereich"], 24),
    ("tl",       ["gf_vorlegen", "abverfuegen", "eingangsbestaetigung", "an_bereich",
                  "tl_zuweisen"],                            24),  # team members, tasks
]
# fmt: on
STEP_DATA = {
    "gf_vorlegen": {"summary": "Sachverhalt", "proposal": "Team 711"},
    "abverfuegen": {"org_unit": "711", "signer": "tl", "acknowledgement": True},
    "eingangsbestaetigung": {"contact_person": "Frau Muster"},
    "an_bereich": {},
    "tl_zuweisen": {"handler": "tl"},
}
STEP_ACTOR = {"abverfuegen": "gf", "tl_zuweisen": "bl"}


@pytest.mark.parametrize(("role", "steps", "expected"), CASE_PAGE)
def test_case_page_makes_an_exact_number_of_queries_whatever_its_history(
    client, org, role, steps, expected
):
    """The case page of each state, for who acts in it: the same count with a short and a
    long history (events, tasks, links)."""
    case = make_case(org["krmb"], org_unit=org.t711, customer={"name": "A"})
    services.link_cases(actor=org["krmb"], case=case, other=make_case(org["krmb"]))
    for name in steps:
        case = route.step(org[STEP_ACTOR.get(name, "krmb")], case, name, **STEP_DATA[name])
    client.force_login(org[role])
    client.get("/faelle/")  # the session's first request writes it
    short = _queries(client, f"/faelle/{case.pk}/")
    for index in range(6):
        route.step(org["krmb"], case, "notiz", text=f"Notiz {index}")
        services.link_cases(actor=org["krmb"], case=case, other=make_case(org["krmb"]))
    assert (short, _queries(client, f"/faelle/{case.pk}/")) == (expected, expected)


def test_krmb_worklist_shows_open_cases_most_urgent_first(client, org):
    client.force_login(org["krmb"])
    make_case(
        org["krmb"],
        subject="Alte Beschwerde",
        received_at=dt.datetime(2026, 10, 1, 9, 0, tzinfo=BERLIN),
    )
    make_case(org["krmb"], subject="Neue Petition", kind="petition")
    closed = make_case(org["krmb"], subject="Erledigte Sache", channel="telefon")
    route.step(org["krmb"], closed, "abschliessen", outcome="berechtigt")
    page = client.get("/faelle/").content.decode()
    assert page.index("Neue Petition") < page.index("Alte Beschwerde")
    assert "Erledigte Sache" not in page
    assert "2 Fälle" in page
    everything = client.get("/faelle/?status=").content.decode()
    assert "Erledigte Sache" in everything


def test_worklist_paginates(client, org):
    client.force_login(org["krmb"])
    _cases(org, 27)
    first = client.get("/faelle/").content.decode()
    assert "27 Fälle, Seite 1 von 2" in first
    assert len(re.findall(r'href="/faelle/\d+/"', first)) == 25
    second = client.get("/faelle/?page=2").content.decode()
    assert len(re.findall(r'href="/faelle/\d+/"', second)) == 2


def test_overdue_filter_and_label(client, org):
    client.force_login(org["krmb"])
    make_case(
        org["krmb"], subject="Lange her", received_at=dt.datetime(2026, 9, 1, 9, 0, tzinfo=BERLIN)
    )
    page = client.get("/faelle/?deadline_state=ueberfaellig&status=offen").content.decode()
    assert "Lange her" in page
    assert "überfällig" in page  # in words, not by colour alone


def test_invalid_filter_is_reported_in_german(client, org):
    client.force_login(org["krmb"])
    page = client.get("/faelle/?received_from=2026-05-01&received_to=2026-04-01").content.decode()
    assert "Das Ende liegt vor dem Beginn." in page


def test_case_page_shows_data_deadlines_and_timeline(client, org):
    client.force_login(org["krmb"])
    case = make_case(
        org["krmb"],
        customer={"name": "Erika Mustermann"},
        org_unit=org.t711,
        received_at=dt.datetime(2025, 5, 7, 9, 0, tzinfo=BERLIN),
    )
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    assert case.aktenzeichen in page
    assert "Erika Mustermann" in page
    assert "13.05.2025" in page and "22.05.2025" in page
    assert "hat die Kundenreaktion erfasst." in page


def test_quick_capture_by_staff_lands_in_team_and_krmb_worklists(client, org):
    """R-W1.1: taken at the counter, the case appears at once for the team and the KRM-B."""
    client.force_login(org["mitarbeiter"])
    form = client.get("/erfassung/schnell/").content.decode()
    assert f'value="{org.t711.pk}" selected' in form  # the capturer's own team is preset
    response = client.post(
        "/erfassung/schnell/",
        {
            "kind": "beschwerde",
            "channel": "persoenlich",
            "org_unit": org.t711.pk,
            "subject": "Unfreundlich am Schalter",
            "text": "Heute morgen",
            "customer_name": "Max",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/faelle/{case.pk}/"
    assert case.captured_by == org["mitarbeiter"]
    for role in ("krmb", "tl", "mitarbeiter"):
        client.force_login(org[role])
        assert "Unfreundlich am Schalter" in client.get("/faelle/").content.decode(), role


def test_quick_capture_errors_are_german_and_keep_input(client, org):
    client.force_login(org["mitarbeiter"])
    response = client.post(
        "/erfassung/schnell/",
        {
            "kind": "beschwerde",
            "channel": "persoenlich",
            "org_unit": org.t711.pk,
            "subject": "",
            "customer_email": "kaputt",
            "customer_name": "Max Mustermann",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in page
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page
    assert 'value="Max Mustermann"' in page
    assert not Case.objects.exists()


def test_full_registration_refuses_future_receipt(client, org):
    client.force_login(org["krmb"])
    response = client.post(
        "/erfassung/registrieren/",
        {
            "kind": "beschwerde",
            "channel": "brief",
            "subject": "Test",
            "escalation_level": 1,
            "received_at": "2099-01-01T10:00",
        },
    )
    assert "Der Eingang darf nicht in der Zukunft liegen." in response.content.decode()
    assert not Case.objects.exists()


def test_full_registration_of_out_of_scope_kind_prefills_recipient(client, org):
    client.force_login(org["krmb"])
    client.post(
        "/erfassung/registrieren/",
        {
            "kind": "widerspruchsbescheid",
            "channel": "brief",
            "subject": "Gegen Bescheid",
            "escalation_level": 1,
            "received_at": "2026-11-02T09:00",
        },
    )
    case = Case.objects.get()
    assert case.forwardings.get().recipient == "SGG-Stelle"


def test_edit_form_refuses_stale_version(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"])
    data = {
        "channel": "email",
        "subject": "Geändert",
        "escalation_level": 2,
        "received_at": "2026-11-02T10:00",
        **edit_state(client, case),
    }
    assert client.post(f"/faelle/{case.pk}/bearbeiten/", data).status_code == 302
    response = client.post(
        f"/faelle/{case.pk}/bearbeiten/", {**data, "subject": "Alt"}, follow=True
    )
    assert "inzwischen von jemand anderem geändert" in response.content.decode()
    case.refresh_from_db()
    assert (case.subject, case.version, case.escalation_level) == ("Geändert", 2, 2)


def test_kind_correction_screen_gives_new_aktenzeichen(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"])
    old = case.aktenzeichen
    response = client.post(
        f"/faelle/{case.pk}/art/",
        {"kind": "petition", "version": 1, "note": "an den Bundestag"},
        follow=True,
    )
    page = response.content.decode()
    case.refresh_from_db()
    assert case.aktenzeichen.startswith("II-6003-")
    assert f"Frühere Aktenzeichen: {old}" in page
    search = client.get(f"/faelle/?q={old}&status=").content.decode()
    assert case.aktenzeichen in search


def test_steps_on_case_page(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"], channel="email")
    other = make_case(org["krmb"], kind="widerspruch")
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    # R-W3.1: the KRM-B decides on the Eingangsbestätigung before the case goes on.
    assert "Eingangsbestätigung erfassen" in page and "An die Bereichsleitung geben" not in page
    client.post(
        f"/faelle/{case.pk}/schritt/eingangsbestaetigung/",
        {"eingangsbestaetigung-version": 1, "eingangsbestaetigung-contact_person": "Frau Muster"},
    )
    client.post(f"/faelle/{case.pk}/verknuepfen/", {"aktenzeichen": other.aktenzeichen})
    response = client.post(
        f"/faelle/{case.pk}/schritt/an_bereich/",
        {"an_bereich-version": 2, "an_bereich-org_unit": "711"},
        follow=True,
    )
    case.refresh_from_db()
    assert case.acknowledged_at and case.contact_person == "Frau Muster"
    assert case.status == "bei_bl" and case.org_unit == org.t711
    body = response.content.decode()
    assert "Erledigt: An die Bereichsleitung geben." in body
    assert "<strong>Teamleitung zuweisen</strong> – bei BL 71" in body
    assert other.aktenzeichen in body


def test_a_closing_step_asks_for_confirmation(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"], channel="telefon")
    url = f"/faelle/{case.pk}/schritt/abschliessen/"
    data = {"abschliessen-version": 1, "abschliessen-outcome": "berechtigt"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Bitte bestätigen Sie diesen Schritt." in response.content.decode()
    case.refresh_from_db()
    assert case.is_open
    client.post(url, {**data, "abschliessen-confirm": "on"})
    case.refresh_from_db()
    assert case.status == "abgeschlossen"


def test_unknown_aktenzeichen_for_link_is_a_german_error(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"])
    response = client.post(
        f"/faelle/{case.pk}/verknuepfen/", {"aktenzeichen": "II-6001-2026-09999"}, follow=True
    )
    assert "Kein Fall mit diesem Aktenzeichen gefunden." in response.content.decode()


def test_timeline_shows_labels_not_slugs(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"], kind="dienstaufsichtsbeschwerde", channel="persoenlich")
    services.correct_kind(actor=org["krmb"], case=case, expected_version=1, kind="beschwerde")
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    assert "Art: Dienstaufsichtsbeschwerde → Beschwerde" in page
    assert "Eingangsweg: persönlich" in page


def test_worklist_filter_shows_open_as_default_status(client, org):
    client.force_login(org["krmb"])
    page = client.get("/faelle/").content.decode()
    assert '<option value="offen" selected>offen</option>' in page


def test_next_page_keeps_the_default_open_filter(client, org):
    client.force_login(org["krmb"])
    _cases(org, 26)
    closed = make_case(org["krmb"], subject="Erledigt und abgeschlossen", kind="lob")
    route.step(org["krmb"], closed, "abschliessen")
    first = client.get("/faelle/").content.decode()
    assert 'href="?page=2"' in first
    second = client.get("/faelle/?page=2").content.decode()
    assert "26 Fälle, Seite 2 von 2" in second
    assert "Erledigt und abgeschlossen" not in second


def test_quick_capture_in_the_vorzimmer_presets_its_channel(client, org):
    client.force_login(org["vorzimmer"])
    form = client.get("/erfassung/schnell/").content.decode()
    assert '<option value="vorzimmer" selected>' in form


# --- finding an Aktenzeichen however it is spelled ----------------------------------------


@pytest.mark.parametrize(
    "typed", ["ii-6001-2026-00002", "6001-2026-2", "00002/2026", "2/2026", "2026-00002"]
)
def test_an_aktenzeichen_is_found_in_any_spelling(client, org, typed):
    make_case(org["krmb"], subject="Der erste")
    wanted = make_case(org["krmb"], subject="Der gesuchte")
    assert wanted.aktenzeichen == "II-6001-2026-00002"
    client.force_login(org["krmb"])
    page = client.get("/faelle/", {"q": typed, "status": ""}).content.decode()
    assert "1 Fall" in page and "Der gesuchte" in page and "Der erste" not in page
    key = ApiToken.issue(org["krmb"])[1]
    found = client.get("/api/v1/cases", {"q": typed}, HTTP_AUTHORIZATION=f"Token {key}").json()
    assert [item["id"] for item in found["results"]] == [wanted.pk]


def test_linking_offers_matching_cases_as_one_types_and_takes_a_fragment(client, org):
    case = make_case(org["krmb"], subject="Beschwerde")
    other = make_case(org["krmb"], kind="widerspruch", subject="Widerspruch Bescheid")
    client.force_login(org["krmb"])
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    assert f'hx-get="/faelle/{case.pk}/verknuepfen/vorschlaege/"' in page
    offered = client.get(
        f"/faelle/{case.pk}/verknuepfen/vorschlaege/", {"aktenzeichen": "Bescheid"}
    ).content.decode()
    assert f'value="{other.aktenzeichen}"' in offered
    assert f'value="{case.aktenzeichen}"' not in offered  # never the case itself
    number = int(other.aktenzeichen.rsplit("-", 1)[1])
    client.post(f"/faelle/{case.pk}/verknuepfen/", {"aktenzeichen": f"{number}/2026"})
    assert CaseLink.objects.filter(first=case, second=other).exists()


def test_a_fragment_matching_several_cases_names_them_instead_of_guessing(client, org):
    case = make_case(org["krmb"])
    make_case(org["krmb"], kind="petition")  # II-6003-2026-00001
    make_case(org["krmb"], kind="eingabe")  # II-6002-2026-00001
    client.force_login(org["krmb"])
    response = client.post(
        f"/faelle/{case.pk}/verknuepfen/", {"aktenzeichen": "1/2026"}, follow=True
    )
    assert "Mehrere Fälle passen" in response.content.decode()
    assert not CaseLink.objects.exists()


# --- an edit on an old version is merged, never overwrites (issue 7) ----------------------


def test_an_edit_without_the_forms_state_asks_for_every_differing_field(client, org):
    """A post without (or with a forged, or another version's) merge token overwrites
    nothing: every field where the input differs from the case is the user's to decide."""
    case = make_case(org["krmb"], subject="Stand")
    client.force_login(org["krmb"])
    loaded = edit_state(client, case)
    services.update_case(
        actor=org["krmb"], case=case, expected_version=1, changes={"subject": "Kollege"}
    )
    case.refresh_from_db()
    for token in ("", "gefälscht", loaded["merge"]):
        data = {**_posted(case, subject="Meins"), "version": str(case.version), "merge": token}
        html = client.post(f"/faelle/{case.pk}/bearbeiten/", data).content.decode()
        assert 'name="resolve_subject"' in html and "veraltet oder unvollständig" in html
        case.refresh_from_db()
        assert case.subject == "Kollege"


def _edit_form(html: str) -> dict[str, str]:
    """The hidden state of the edit form: the merge token and the version."""
    token = re.search(r'name="merge" value="([^"]*)"', html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {"merge": token, "version": version}


def _posted(case, **changes) -> dict[str, str]:
    data = {
        "channel": case.channel,
        "received_at": timezone.localtime(case.received_at).strftime("%Y-%m-%dT%H:%M"),
        "subject": case.subject,
        "text": case.text,
        "org_unit": str(case.org_unit_id or ""),
        "staff_concerned": "",
        "escalation_level": str(case.escalation_level),
    }
    data.update(changes)
    return data


@pytest.fixture
def colleague(org):
    from krm.accounts.roles import Role
    from krm.testing.factories import UserFactory

    return UserFactory(username="krmb2", jobcenter=org.jobcenter, roles=[Role.KRMB])


def test_a_stale_save_keeps_the_colleagues_change_where_the_user_changed_nothing(
    client, org, colleague
):
    case = make_case(org["krmb"], org_unit=org.t711, subject="Alt", text="Alter Text")
    client.force_login(org["krmb"])
    loaded = _edit_form(client.get(f"/faelle/{case.pk}/bearbeiten/").content.decode())
    services.update_case(  # the colleague saves first
        actor=colleague, case=case, expected_version=1, changes={"subject": "Neu vom Kollegen"}
    )
    response = client.post(
        f"/faelle/{case.pk}/bearbeiten/", {**_posted(case, text="Mein Text"), **loaded}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Inzwischen geändert" in html
    assert f"zuletzt von {colleague.get_full_name()}" in html  # who changed it, and when
    assert "Neu vom Kollegen" in html  # theirs, beside the user's value
    case.refresh_from_db()
    assert (case.subject, case.text) == ("Neu vom Kollegen", "Alter Text")  # nothing saved yet
    # Saving again keeps the colleague's subject and takes the user's text.
    again = _edit_form(html)
    data = {
        **_posted(case, text="Mein Text", subject="Neu vom Kollegen"),
        **again,
    }
    assert client.post(f"/faelle/{case.pk}/bearbeiten/", data).status_code == 302
    case.refresh_from_db()
    assert (case.subject, case.text) == ("Neu vom Kollegen", "Mein Text")


def test_where_both_changed_a_field_the_user_chooses(client, org, colleague):
    case = make_case(org["krmb"], org_unit=org.t711, subject="Alt")
    client.force_login(org["krmb"])
    loaded = _edit_form(client.get(f"/faelle/{case.pk}/bearbeiten/").content.decode())
    services.update_case(
        actor=colleague, case=case, expected_version=1, changes={"subject": "Betreff Kollege"}
    )
    mine = _posted(case, subject="Betreff von mir")
    html = client.post(f"/faelle/{case.pk}/bearbeiten/", {**mine, **loaded}).content.decode()
    assert 'name="resolve_subject"' in html
    again = _edit_form(html)
    # Without a choice nothing is saved.
    html = client.post(f"/faelle/{case.pk}/bearbeiten/", {**mine, **again}).content.decode()
    assert "welcher Wert gilt" in html
    case.refresh_from_db()
    assert case.subject == "Betreff Kollege"
    # The colleague's value, chosen.
    response = client.post(
        f"/faelle/{case.pk}/bearbeiten/", {**mine, **again, "resolve_subject": "theirs"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.subject == "Betreff Kollege"


def test_merge_rule():
    merge = services.merge_edit(
        {"a": "1", "b": "1", "c": "1", "d": "1"},
        {"a": "1", "b": "2", "c": "2", "d": "3"},
        {"a": "9", "b": "1", "c": "2", "d": "4"},
    )
    assert merge.values == {"a": "9", "b": "2", "c": "2", "d": "3"}
    assert merge.theirs_changed == ("a", "c", "d")
    assert merge.both_changed == ("d",)


# --- Meine Aufgaben -------------------------------------------------------------------------

# session, user, roles, absences; LGF Bereiche none; closure days; the count, the page of
# tasks (with their cases); the read log's INSERT; the Jobcenter (footer).
MY_TASKS_QUERIES = 9


def test_meine_aufgaben_makes_an_exact_number_of_queries_whatever_the_number_of_tasks(client, org):
    client.force_login(org["krmb"])
    client.get("/faelle/")
    for index in range(3):
        make_case(org["krmb"], subject=f"Fall {index}")
    few = _queries(client, "/faelle/aufgaben/")
    for index in range(30):
        case = make_case(org["krmb"], subject=f"Weiterer Fall {index}", channel="email")
        if index % 3 == 0:
            route.step(org["krmb"], case, "keine_eingangsbestaetigung", reason="anonym")
    assert (few, _queries(client, "/faelle/aufgaben/")) == (MY_TASKS_QUERIES, MY_TASKS_QUERIES)


def test_meine_aufgaben_lists_overdue_first_then_by_due_date_and_marks_the_deputy(
    client, org, pin_now
):
    pin_now(dt.datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN))
    old = make_case(
        org["krmb"], subject="Alt", received_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=BERLIN)
    )
    new = make_case(
        org["krmb"], subject="Neu", received_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    )
    client.force_login(org["krmb"])
    page = client.get("/faelle/aufgaben/").content.decode()
    assert page.index("Alt") < page.index("Neu")
    assert "überfällig" in page and "in Vertretung" not in page
    # The Vertretung sees the absent KRM-B's tasks, marked as such (R-O-4).
    from krm.accounts.models import Absence

    Absence.objects.create(user=org["krmb"], start=dt.date(2026, 11, 30), end=dt.date(2026, 11, 30))
    client.force_login(org["vertretung"])
    page = client.get("/faelle/aufgaben/").content.decode()
    assert old.aktenzeichen in page and new.aktenzeichen in page
    assert "in Vertretung: KRM-Beauftragte" in page
    # The start page is Meine Aufgaben for whoever has tasks, the worklist for the others.
    assert client.get("/").url == "/faelle/aufgaben/"
    client.force_login(org["mitarbeiter"])
    assert client.get("/").url == "/faelle/"


def test_a_notice_is_read_with_one_click(client, org):
    case = make_case(org["krmb"], org_unit=org.t711)
    route.step(org["krmb"], case, "gf_vorlegen", summary="S", proposal="P")
    client.force_login(org["bl"])
    page = client.get("/faelle/aufgaben/").content.decode()
    assert "Zur Kenntnis: neuer Fall, der GF vorgelegt" in page
    task = case.tasks.get(kind="kenntnis")
    response = client.post(f"/faelle/aufgaben/{task.pk}/gelesen/")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == org["bl"]
    client.force_login(org["tl"])  # not theirs
    other = make_case(org["krmb"], org_unit=org.t711)
    route.step(org["krmb"], other, "gf_vorlegen", summary="S", proposal="P")
    notice = other.tasks.get(kind="kenntnis")
    assert client.post(f"/faelle/aufgaben/{notice.pk}/gelesen/").status_code == 403
    notice.refresh_from_db()
    assert notice.done_at is None


def test_every_page_of_a_case_renders_along_its_whole_route(client, org):
    """The case page after each step of the letter route (and the timeline's every line)."""
    case = make_case(org["krmb"], org_unit=org.t711, customer={"name": "Erika"})
    client.force_login(org["krmb"])
    seen = []
    for name in STEP_DATA:
        case = route.step(org[STEP_ACTOR.get(name, "krmb")], case, name, **STEP_DATA[name])
        assert client.get(f"/faelle/{case.pk}/").status_code == 200, name
    for actor, name, data in (
        ("tl", "entwurf", {"draft": "Sehr geehrte Kundin …"}),
        ("tl", "vorlegen", {}),
        ("krmb", "pruefung_bestanden", route.CHECKED),
        ("tl", "zeichnen", {}),
        ("krmb", "versenden", {"on": route.today()}),
        ("krmb", "abschliessen", {"outcome": "berechtigt", "informed_via": "brief"}),
    ):
        case = route.step(org[actor], case, name, **data)
        assert client.get(f"/faelle/{case.pk}/").status_code == 200, name
    route.step(org["krmb"], case, "eskalieren", reason="Kunde widerspricht")
    tl = route.step(org["bl"], case, "frist_gefaehrdet", reason="Urlaub")
    route.step(
        org["krmb"],
        tl,
        "zwischennachricht",
        tl_consulted=True,
        bl_consulted=True,
        new_due="2027-01-15",
        sent_on=route.today(),
    )
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    for sentence in (
        "hat den Versand erfasst.",
        "hat das Ergebnis erfasst und den Fall ausgetragen.",
        "hat den Fall eskaliert.",
        "hat die Zwischennachricht erfasst.",
    ):
        assert sentence in page
        seen.append(sentence)
    assert f"versandt: {timezone.localdate():%d.%m.%Y}" in page


def test_a_notice_is_read_from_the_case_page_too(client, org):
    case = make_case(org["krmb"], org_unit=org.t711)
    route.step(org["krmb"], case, "gf_vorlegen", summary="S", proposal="P")
    task = case.tasks.get(kind="kenntnis")
    button = f'action="/faelle/aufgaben/{task.pk}/gelesen/"'
    client.force_login(org["gf"])  # not the GF's notice: no button
    assert button not in client.get(f"/faelle/{case.pk}/").content.decode()
    client.force_login(org["bl"])
    assert button in client.get(f"/faelle/{case.pk}/").content.decode()
    response = client.post(f"/faelle/aufgaben/{task.pk}/gelesen/", {"next": "case"})
    assert response.url == f"/faelle/{case.pk}/"
    assert button not in client.get(f"/faelle/{case.pk}/").content.decode()
