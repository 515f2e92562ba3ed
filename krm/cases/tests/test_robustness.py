"""Odd input, inactive configuration, concurrent edits: clear German answers, nothing lost."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from krm.accounts.models import Absence
from krm.api.models import ApiToken
from krm.audit.models import EventType
from krm.cases import services
from krm.cases.models import Case
from krm.cases.selectors import CaseFilter, case_list
from krm.jobcenters.models import ClosureDay
from krm.lib.workdays import BERLIN
from krm.testing import route
from krm.testing.factories import make_case
from krm.testing.pages import edit_state


def _api_post(client, user, body):
    key = ApiToken.issue(user)[1]
    return client.post(
        "/api/v1/cases",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )


def test_overlong_text_is_refused_in_german_not_crashing(client, org):
    response = _api_post(
        client,
        org["krmb"],
        # Over the text limit, under the body limit (a larger body is a 413: test_api_limits).
        {"kind": "beschwerde", "channel": "email", "subject": "Lang", "text": "Wort " * 12_000},
    )
    assert response.status_code == 400
    assert "höchstens 50.000 Zeichen" in response.json()["text"][0]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        ("0001-01-01T00:00:00", "außerhalb des gültigen Bereichs"),
        ("1900-01-02T10:00:00", "darf nicht vor dem 01.01."),
    ],
)
def test_implausibly_old_receipt_is_refused(client, org, received_at, message):
    response = _api_post(
        client,
        org["krmb"],
        {"kind": "beschwerde", "channel": "brief", "subject": "Alt", "received_at": received_at},
    )
    assert response.status_code == 400
    assert message in response.json()["received_at"][0]


def test_api_reports_shape_and_reference_errors_together(client, org):
    response = _api_post(
        client,
        org["krmb"],
        {
            "kind": "gibtsnicht",
            "channel": "brief",
            "subject": "x",
            "org_unit": "999",
            "topics": ["T01", "X99"],
        },
    )
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "org_unit", "topics"}


def test_api_refuses_inactive_unit_for_new_cases(client, org):
    org.t712.is_active = False
    org.t712.save()
    response = _api_post(
        client,
        org["krmb"],
        {"kind": "beschwerde", "channel": "brief", "subject": "x", "org_unit": "712"},
    )
    assert response.status_code == 400 and "org_unit" in response.json()


def test_search_without_words_finds_nothing(org):
    make_case(org["krmb"])
    assert list(case_list(user=org["krmb"], filters=CaseFilter(q="!!! ???"))) == []


def test_quick_capture_service_keeps_to_its_limits(org):
    with pytest.raises(ValidationError) as error:
        make_case(org["mitarbeiter"], quick_capture=True, kind="petition")
    assert "kind" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        make_case(org["mitarbeiter"], quick_capture=True, escalation_level=3)


def test_escalation_rises_one_level_at_a_time(org):
    """R-W1.2: TL, then BL, then GF — never straight to the GF."""
    case = make_case(org["krmb"])
    with pytest.raises(ValidationError) as error:
        services.update_case(
            actor=org["krmb"], case=case, expected_version=1, changes={"escalation_level": 3}
        )
    assert "escalation_level" in error.value.message_dict
    case = services.update_case(
        actor=org["krmb"], case=case, expected_version=1, changes={"escalation_level": 2}
    )
    case = services.update_case(
        actor=org["krmb"], case=case, expected_version=2, changes={"escalation_level": 3}
    )
    assert case.escalation_level == 3


def test_edit_keeps_values_that_are_no_longer_active(client, org):
    topic = org.jobcenter.topics.get(code="T14")
    case = make_case(
        org["krmb"], org_unit=org.t712, topics=[topic], staff_concerned=org["mitarbeiter"]
    )
    org.t712.is_active = False
    org.t712.save()
    topic.is_active = False
    topic.save()
    org["mitarbeiter"].is_active = False
    org["mitarbeiter"].save()
    client.force_login(org["krmb"])
    page = client.get(f"/faelle/{case.pk}/bearbeiten/").content.decode()
    assert f'<option value="{org.t712.pk}" selected>' in page
    assert re.search(rf'value="{topic.pk}"[^>]*checked', page)
    data = {
        "channel": "brief",
        "subject": case.subject,
        "text": "Neuer Text",
        "org_unit": org.t712.pk,
        "staff_concerned": org["mitarbeiter"].pk,
        "topics": [topic.pk],
        "escalation_level": 1,
        "received_at": "2026-11-02T10:00",
        **edit_state(client, case),
    }
    assert client.post(f"/faelle/{case.pk}/bearbeiten/", data).status_code == 302
    case.refresh_from_db()
    assert (case.org_unit, case.bereich, list(case.topics.all())) == (org.t712, org.b71, [topic])
    assert case.text == "Neuer Text"
    changes = case.events.get(type=EventType.CASE_UPDATED).data["aenderungen"]
    assert set(changes) == {"text"}  # the unchanged minute kept the stored receipt time


def test_stale_edit_keeps_the_typed_input(client, org):
    client.force_login(org["krmb"])
    case = make_case(org["krmb"])
    loaded = edit_state(client, case)
    services.update_case(
        actor=org["krmb"], case=case, expected_version=1, changes={"subject": "Von jemand anderem"}
    )
    response = client.post(
        f"/faelle/{case.pk}/bearbeiten/",
        {
            "channel": "brief",
            "subject": "Meine Fassung",
            "escalation_level": 1,
            "received_at": "2026-11-02T10:00",
            **loaded,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "inzwischen von jemand anderem geändert" in page
    assert 'value="Meine Fassung"' in page
    assert 'name="version" value="2"' in page  # a second save is made knowingly
    case.refresh_from_db()
    assert case.subject == "Von jemand anderem"


def test_linked_case_note_is_hidden_from_who_may_not_see_it(client, org):
    mine = make_case(org["krmb"], org_unit=org.t711)
    other = make_case(org["krmb"], org_unit=org.t721)
    services.link_cases(
        actor=org["krmb"], case=mine, other=other, note="Widerspruch von Frau Schulz wegen KdU"
    )
    client.force_login(org["bl"])
    page = client.get(f"/faelle/{mine.pk}/").content.decode()
    assert "ein Fall, den Sie nicht einsehen dürfen" in page
    assert "Frau Schulz" not in page and other.aktenzeichen not in page


def test_unit_with_cases_cannot_move_to_another_bereich(org):
    make_case(org["krmb"], org_unit=org.t712)
    org.t712.parent = org.b72
    org.t712.code = "722"
    with pytest.raises(ValidationError, match="neue Einheit"):
        org.t712.full_clean()


def test_staff_member_named_in_a_case_cannot_be_deleted(org):
    make_case(org["krmb"], staff_concerned=org["mitarbeiter"])
    with pytest.raises(ProtectedError):
        org["mitarbeiter"].delete()


@pytest.mark.parametrize(
    "model",
    [
        "accounts.User",
        "accounts.OrgUnit",
        "jobcenters.Topic",
        "jobcenters.Jobcenter",
        "jobcenters.FilePlanEntry",
        "cases.PresentationCriterion",
    ],
)
def test_admin_offers_no_delete_that_would_show_cases(client, org, model):
    """Deleting would list the cases that refer to the object: the admin offers no delete.
    The object exists (its id read from the database, the same on SQLite and PostgreSQL)."""
    from django.apps import apps

    model_class = apps.get_model(model)
    if model == "cases.PresentationCriterion":
        model_class.objects.create(jobcenter=org.jobcenter, label="Presse", sender_type="presse")
    obj = model_class.objects.order_by("pk").first()
    assert obj is not None
    client.force_login(org["admin"])
    org["admin"].is_superuser = True
    org["admin"].save()
    meta = model_class._meta
    change = client.get(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/")
    assert change.status_code == 200  # the object is there …
    delete = client.get(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/delete/")
    assert delete.status_code in (302, 403)  # … and cannot be deleted


def test_new_closure_day_moves_open_deadlines(client, org):
    """R-Q6: closure days are not working days, also for cases already registered."""
    received = dt.datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN)  # a Friday
    case = make_case(org["krmb"], received_at=received)
    done = make_case(org["krmb"], received_at=received, kind="lob", channel="telefon")
    route.step(org["krmb"], done, "abschliessen")
    assert case.acknowledgement_due == dt.date(2026, 11, 25)
    admin = org["admin"]
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(
        "/admin/jobcenters/closureday/add/",
        {"jobcenter": org.jobcenter.pk, "date": "2026-11-24", "reason": "Betriebsausflug"},
    )
    assert response.status_code == 302
    assert ClosureDay.objects.filter(date=dt.date(2026, 11, 24)).exists()
    case.refresh_from_db()
    assert (case.acknowledgement_due, case.completion_due) == (
        dt.date(2026, 11, 26),
        dt.date(2026, 12, 7),
    )
    assert case.version == 2
    event = case.events.get(type=EventType.CASE_DEADLINES_RECOMPUTED)
    assert event.actor == admin and "Schließtag 24.11.2026" in event.data["grund"]
    done.refresh_from_db()
    assert done.version == 2 and done.completion_due == dt.date(2026, 12, 4)  # closed: untouched


def test_api_lists_open_cases_before_closed_ones(client, org):
    petition = make_case(org["krmb"], kind="petition", subject="Alte Petition")
    route.close(petition, org)
    make_case(org["krmb"], subject="Offene Beschwerde")
    key = ApiToken.issue(org["krmb"])[1]
    results = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Token {key}").json()["results"]
    assert [r["subject"] for r in results] == ["Offene Beschwerde", "Alte Petition"]


def test_case_page_has_unique_ids_and_capture_link_only_for_capturers(client, org):
    case = make_case(org["krmb"])
    client.force_login(org["krmb"])
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    client.force_login(org["controlling"])
    assert "Schnellerfassung" not in client.get("/faelle/").content.decode()


def test_absence_deputy_must_belong_to_the_same_jobcenter(org):
    from krm.testing.factories import JobcenterFactory, UserFactory

    stranger = UserFactory(username="fremd", jobcenter=JobcenterFactory())
    absence = Absence(
        user=org["krmb"], start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 5), deputy=stranger
    )
    with pytest.raises(ValidationError, match="selben Jobcenter"):
        absence.full_clean()


def test_api_refuses_a_time_that_does_not_exist_in_berlin(client, org):
    response = _api_post(
        client,
        org["krmb"],
        {
            "kind": "beschwerde",
            "channel": "brief",
            "subject": "x",
            "received_at": "2026-03-29T02:30:00",
        },
    )
    assert response.status_code == 400
    assert "Zeitumstellung" in response.json()["received_at"][0]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/erfassung/schnell/", "topics"),
        ("/erfassung/schnell/", "org_unit"),
        ("/erfassung/registrieren/", "topics"),
        ("/erfassung/registrieren/", "staff_concerned"),
        ("/faelle/?status=&topic={}", None),
        ("/faelle/?status=&org_unit={}", None),
    ],
)
@pytest.mark.parametrize(
    "value", ["99999999999999999999999", "١٢", "²", "-1", "1.5", "9" * 400, "9" * 5000]
)
def test_ids_beyond_any_row_are_invalid_choices_not_errors(client, org, path, field, value):
    """Found by attack: a topic id beyond 64 bit gave a 500 (SQLite OverflowError)."""
    client.force_login(org["krmb"])
    if field is None:
        response = client.get(path.format(value))
    else:
        response = client.post(
            path, {"kind": "beschwerde", "channel": "brief", "subject": "x", field: value}
        )
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_json_numbers_beyond_a_float_are_refused(client, org):
    """Found by attack: 1e999 was read as infinity."""
    response = client.post(
        "/api/v1/cases",
        '{"kind": "beschwerde", "channel": "brief", "subject": "x", "escalation_level": 1e999}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {ApiToken.issue(org['krmb'])[1]}",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Der Inhalt ist kein gültiges JSON."}


@pytest.mark.parametrize("value", ["²", "9" * 5000, "99999999999999999999999"])
def test_odd_ids_for_ending_sessions_and_the_auskunft_are_no_errors(client, org, value):
    client.force_login(org["krmb"])
    response = client.post("/konto/sitzungen-beenden/", {"user": value})
    assert response.status_code == 403  # no row, no one's sessions (not even one's own)
    client.force_login(type(org["krmb"]).objects.get(username="krmb"))  # a new session epoch
    response = client.post("/faelle/auskunft/", {"action": "pdf", "name": "x", "case": value})
    assert response.status_code == 200
