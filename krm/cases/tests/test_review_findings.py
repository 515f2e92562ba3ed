"""What the reviews of issue 7 found (an attack on the new screens and a walk through them
as each role), each held by a test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from krm.accounts.models import RoleAssignment
from krm.accounts.roles import Role
from krm.cases import services
from krm.cases.forms import StepForm
from krm.cases.models import Case
from krm.cases.workflow import TRANSITIONS, Status, StepDataError, fields_of
from krm.testing import route
from krm.testing.factories import UserFactory, make_case


def _choices(case: Case, step: str, field: str) -> list[str]:
    return [
        v
        for f, choices in fields_of(TRANSITIONS[step], case)
        if f.name == field
        for v, _ in choices
    ]


def test_accounts_without_case_access_are_never_a_choice(org):
    """Controlling, administrators and accounts without a case role are never handlers or
    delegates, and an assignment in the database opens no case to them."""
    RoleAssignment.objects.create(user=org["controlling"], role=Role.TL, org_unit=org.t711)
    org["controlling"].home_unit = org.t711
    org["controlling"].save()
    UserFactory(username="ohne_rolle", jobcenter=org.jobcenter, home_unit=org.t711)
    case = make_case(org["krmb"], channel="email", org_unit=org.t711)
    route.step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    route.step(org["krmb"], case, "an_bereich")
    assert "controlling" not in _choices(case, "tl_zuweisen", "handler")
    route.step(org["bl"], case, "tl_zuweisen", handler="tl")
    case = Case.objects.get(pk=case.pk)
    members = _choices(case, "delegieren", "delegate")
    assert members == ["mitarbeiter"]
    with pytest.raises(StepDataError):
        route.step(org["tl"], case, "delegieren", delegate="controlling")
    # Even assigned in the database, Controlling reads nothing.
    from krm.cases.permissions import sees_contents

    Case.objects.filter(pk=case.pk).update(delegate=org["controlling"])
    assert not sees_contents(org["controlling"], Case.objects.get(pk=case.pk))


def test_a_fragment_never_lists_a_case_one_may_only_know_to_exist(client, org):
    mine = make_case(org["mitarbeiter"], quick_capture=True)
    services.correct_kind(
        actor=org["krmb"], case=mine, expected_version=1, kind="datenschutzbeschwerde"
    )
    mine.refresh_from_db()
    number = int(mine.aktenzeichen.rsplit("-", 1)[1])
    client.force_login(org["mitarbeiter"])
    fragment = client.get("/faelle/", {"q": f"{number}/2026", "status": ""}).content.decode()
    assert f'href="/faelle/{mine.pk}/"' not in fragment
    full = client.get("/faelle/", {"q": mine.aktenzeichen.lower(), "status": ""}).content.decode()
    assert f'href="/faelle/{mine.pk}/"' in full and "vertraulich" in full
    filtered = client.get(
        "/faelle/", {"q": mine.aktenzeichen, "status": "", "escalation_level": "1"}
    ).content.decode()
    assert f'href="/faelle/{mine.pk}/"' not in filtered  # a filter looks inside


def test_the_start_page_counts_only_tasks_on_cases_one_may_read(client, org):
    """A DAB about the mitarbeiter, handled by the TL whose deputy the mitarbeiter is: the
    task exists, but the start page does not tell."""
    from krm.accounts.models import Absence

    today = timezone.localdate()
    Absence.objects.create(user=org["tl"], start=today, end=today, deputy=org["mitarbeiter"])
    dab = make_case(
        org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["mitarbeiter"]
    )
    route.step(org["krmb"], dab, "an_fuehrungskraft", handler="tl")
    client.force_login(org["mitarbeiter"])
    assert client.get("/").url == "/faelle/"


def test_changing_the_unit_gives_the_task_to_the_new_units_lead(org):
    case = make_case(org["krmb"], channel="email", org_unit=org.t711)
    route.step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    case = route.step(org["krmb"], case, "an_bereich")
    assert case.acting == "BL 71"
    case = services.update_case(
        actor=org["krmb"], case=case, expected_version=case.version, changes={"org_unit": org.t721}
    )
    assert case.acting == "BL 72"
    assert list(case.tasks.open().filter(kind="aktion").values_list("who", flat=True)) == ["BL 72"]


def test_the_handler_of_a_dab_cannot_become_the_person_it_is_about(org):
    dab = make_case(
        org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["mitarbeiter"]
    )
    dab = route.step(org["krmb"], dab, "an_fuehrungskraft", handler="tl")
    with pytest.raises(ValidationError) as refused:
        services.update_case(
            actor=org["krmb"],
            case=dab,
            expected_version=dab.version,
            changes={"staff_concerned": org["tl"]},
        )
    assert "staff_concerned" in refused.value.message_dict


def test_a_dab_about_the_krmb_is_routed_by_the_vertretung(org):
    dab = make_case(org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["krmb"])
    assert dab.acting == "Vertretung der KRM-B"
    with pytest.raises(PermissionDenied):
        route.step(org["krmb"], dab, "an_fuehrungskraft", handler="gf")
    dab = route.step(org["vertretung"], dab, "an_fuehrungskraft", handler="gf")
    assert dab.status == Status.IN_BEARBEITUNG and dab.handler == org["gf"]


def test_petitions_and_eingaben_are_signed_by_the_gf(org):
    petition = make_case(org["krmb"], kind="petition")
    route.step(org["krmb"], petition, "gf_vorlegen", summary="S", proposal="P", requester="BT")
    petition = Case.objects.get(pk=petition.pk)
    assert _choices(petition, "abverfuegen", "signer") == ["gf"]
    with pytest.raises(StepDataError):
        route.step(org["gf"], petition, "abverfuegen", org_unit="711", signer="tl")


def test_dates_must_be_plausible(org):
    case = make_case(org["krmb"])
    route.step(org["krmb"], case, "gf_vorlegen", summary="S", proposal="P")
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    with pytest.raises(StepDataError) as refused:
        route.step(org["gf"], case, "abverfuegen", org_unit="711", signer="tl", handling_due=past)
    assert "handling_due" in refused.value.errors
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    phoned = make_case(org["krmb"], channel="telefon")
    with pytest.raises(StepDataError) as refused:
        route.step(org["krmb"], phoned, "abschliessen", outcome="berechtigt", informed_on=future)
    assert "informed_on" in refused.value.errors


def test_the_draft_form_shows_the_draft_and_dates_default_to_today(org):
    case = make_case(org["krmb"], org_unit=org.t711)
    form = StepForm(TRANSITIONS["gf_vorlegen"], case)
    assert form.initial["org_unit"] == "711"
    case.draft = "Bisheriger Entwurf"
    assert StepForm(TRANSITIONS["entwurf"], case).initial["draft"] == "Bisheriger Entwurf"
    assert StepForm(TRANSITIONS["versenden"], case).initial["on"] == timezone.localdate()


def test_a_meinungskarte_task_says_what_to_do_with_it(org):
    card = make_case(org["krmb"], kind="meinungskarte", channel="meinungskarte")
    assert list(card.tasks.values_list("label", flat=True)) == ["Meinungskarte auswerten"]
    letter = make_case(org["krmb"])
    assert list(letter.tasks.values_list("label", flat=True)) == [
        "Fall vorbereiten und weitergeben"
    ]
