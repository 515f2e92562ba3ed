"""Drive cases along their routes in tests: each step through `services.take_step`, taken by
the role the route names (the `org` fixture's users: krmb, gf, bl of 71, tl of 711 …)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from krm.accounts.models import User
from krm.cases import services
from krm.cases.kinds import URGENT, Kind
from krm.cases.models import Case
from krm.cases.workflow import Status

CHECKED = {"form": True, "clarity": True, "completeness": True, "plausibility": True}


def step(actor: User, case: Case, name: str, **data: Any) -> Case:
    """Take one step on the case's current version."""
    version = Case.objects.values_list("version", flat=True).get(pk=case.pk)
    return services.take_step(
        actor=actor, case=case, name=name, data=data, expected_version=version
    )


def today() -> str:
    return timezone.localdate().isoformat()


def answer(case: Case, org: Any, *, signer: str = "tl", unit: str = "711") -> Case:
    """Take a case from registration to "beantwortet" along its route (letter, e-mail,
    petition, DAB, data protection), the Eingangsbestätigung included where one is due."""
    krmb = org["krmb"]
    if case.kind == Kind.DIENSTAUFSICHTSBESCHWERDE:
        case = step(krmb, case, "an_fuehrungskraft", handler=org["bl"].username)
        handler = org["bl"]
    elif case.kind == Kind.DATENSCHUTZBESCHWERDE:
        case = step(krmb, case, "an_dsb", handler=org["tl"].username)
        handler = org["tl"]
    else:
        if case.kind in URGENT or case.channel == "brief":
            extra = {"requester": "Petitionsausschuss"} if case.kind in URGENT else {}
            case = step(
                krmb, case, "gf_vorlegen", summary="Sachverhalt", proposal="Team 711", **extra
            )
            signer = "gf" if case.kind in URGENT else signer
            case = step(
                org["gf"], case, "abverfuegen", org_unit=unit, signer=signer, acknowledgement=True
            )
            if case.acknowledgement_pending:
                case = step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
            case = step(krmb, case, "an_bereich")
        else:
            if case.acknowledgement_pending:
                case = step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
            case = step(krmb, case, "an_bereich", org_unit=unit)
        case = step(org["bl"], case, "tl_zuweisen", handler=org["tl"].username)
        handler = org["tl"]
    if case.acknowledgement_pending:
        case = step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    case = step(handler, case, "entwurf", draft="Sehr geehrte Kundin, …")
    case = step(handler, case, "vorlegen")
    case = step(krmb, case, "pruefung_bestanden", **CHECKED)
    signers = {"tl": org["tl"], "bl": org["bl"], "gf": org["gf"]}
    case = step(signers.get(case.signer, org["gf"]), case, "zeichnen")
    case = step(krmb, case, "versenden", on=today())
    assert case.status == Status.BEANTWORTET
    return case


def close(case: Case, org: Any, outcome: str = "berechtigt", **answer_options: Any) -> Case:
    """Answer the case along its route, then record the result and close it."""
    if case.status != Status.BEANTWORTET:
        case = answer(case, org, **answer_options)
    data: dict[str, Any] = {"informed_via": "brief", "informed_on": today()}
    if case.kind in (
        Kind.BESCHWERDE,
        *URGENT,
        Kind.DIENSTAUFSICHTSBESCHWERDE,
        Kind.DATENSCHUTZBESCHWERDE,
    ):
        data["outcome"] = outcome
    return step(org["krmb"], case, "abschliessen", **data)
