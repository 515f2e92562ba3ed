"""Scenario tests: every route of the KRM concept walked end to end (docs/workflow.md).

Each step is taken by the role the route names; after each step the test checks the status,
who holds the open action task(s), what was recorded (case fields, the audit event of the
step) and who finds the task in *Meine Aufgaben* (and that nobody else does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from krm.accounts.access import access_for
from krm.accounts.models import Absence, User
from krm.accounts.roles import Role
from krm.audit.models import EventType
from krm.cases import permissions, selectors, services
from krm.cases.models import Case, Forwarding, PresentationCriterion, Task
from krm.cases.workflow import TRANSITIONS, Status, StepDataError, fields_of
from krm.lib.workdays import BERLIN
from krm.testing import route
from krm.testing.factories import UserFactory, make_case
from krm.testing.route import CHECKED, step

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)  # a Monday
TODAY = NOW.date()
NEXT_WORKDAY = dt.date(2026, 12, 1)
RECEIVED_ON = dt.date(2026, 11, 2)  # make_case's default receipt
PEOPLE = (
    "krmb",
    "vertretung",
    "vorzimmer",
    "gf",
    "lgf",
    "bl",
    "tl",
    "mitarbeiter",
    "dsb",
    "controlling",
    "admin",
)
KRMB = "KRM-Beauftragte"
_ANY = object()


@pytest.fixture(autouse=True)
def _fixed_now(pin_now: Any) -> None:
    pin_now(NOW)


# --- reading a case's state --------------------------------------------------------------


def fresh(user: User) -> User:
    """A new instance: access_for caches the user's grants on the object."""
    return User.objects.get(pk=user.pk)


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _open_tasks(case: Case, kind: str) -> list[tuple[str, str, str | None, str, str | None]]:
    """The case's open tasks of a kind: (step, who, assignee, role, unit)."""
    return [
        (
            t.step,
            t.who,
            t.assignee.username if t.assignee else None,
            t.role,
            t.unit.code if t.unit else None,
        )
        for t in Task.objects.open().filter(case=case, kind=kind).select_related("assignee", "unit")
    ]


def actions(case: Case) -> set[tuple[str, str, str | None, str, str | None]]:
    """The open action tasks: (step, who, assignee, role, unit)."""
    return set(_open_tasks(case, Task.Kind.AKTION))


def notices(case: Case) -> set[tuple[str, str | None, str, str | None]]:
    """The open "zur Kenntnis" tasks: (who, assignee, role, unit)."""
    return {row[1:] for row in _open_tasks(case, Task.Kind.KENNTNIS)}


def role_task(state: str, who: str, role: str, unit: str | None = None) -> tuple:
    return (state, who, None, role, unit)


def person_task(state: str, user: User) -> tuple:
    return (state, user.get_full_name() or user.username, user.username, "", None)


def krmb_task(state: str) -> tuple:
    return role_task(state, KRMB, Role.KRMB)


def viewers(case: Case, kind: str = Task.Kind.AKTION, extra: tuple[str, ...] = ()) -> set[str]:
    """Who of the organisation finds an open task of `kind` on the case in Meine Aufgaben."""
    found = set()
    for user in User.objects.filter(username__in=[*PEOPLE, *extra]):
        if selectors.my_tasks(user=user).filter(case_id=case.pk, kind=kind).exists():
            found.add(user.username)
    return found


def my_task(user: User, case: Case, kind: str = Task.Kind.AKTION) -> Task:
    return selectors.my_tasks(user=fresh(user)).get(case_id=case.pk, kind=kind)


def steps_of(case: Case) -> list[str]:
    return [e.data["schritt"] for e in case.events.filter(type=EventType.CASE_STEP).order_by("pk")]


# What a step files besides its own event (the letter it makes, R-W2.3, W2.4 …).
FILED = (EventType.LETTER_CREATED, EventType.LETTER_SENT, EventType.DOCUMENT_ADDED)


def last_event(case: Case) -> Any:
    """The step's own event: the last one that is not a letter or document it filed."""
    return case.events.exclude(type__in=FILED).order_by("pk").last()


def expect(
    case: Case,
    status: str,
    tasks: set[tuple],
    seen_by: set[str],
    *,
    actor: User | None = None,
    schritt: str | None = None,
    due: Any = _ANY,
) -> Any:
    """The case's status, its open action tasks, who sees them; the step's event."""
    case = reload(case)
    assert case.status == status
    closed = status in (Status.ABGESCHLOSSEN, Status.WEITERGELEITET)
    assert case.is_open == (not closed)
    assert actions(case) == tasks
    assert viewers(case) == seen_by
    # The case's own "Stand" (lists, API) agrees with its tasks.
    if closed:
        assert (case.acting, case.step_due) == ("", None)
    else:
        assert set(case.acting.split(", ")) == {t[1] for t in tasks if t[0] == status}
        state_tasks = Task.objects.open().filter(case=case, kind=Task.Kind.AKTION, step=status)
        assert {t.due for t in state_tasks} == {case.step_due}
    if due is not _ANY:
        assert case.step_due == due
    event = last_event(case)
    if schritt is not None:
        assert event.type == EventType.CASE_STEP
        assert event.data["schritt"] == schritt
    if actor is not None:
        assert event.actor_id == actor.pk
    return event


def workdays(start: dt.date, count: int, org: Any) -> dt.date:
    return org.jobcenter.workday_calendar().add_workdays(start, count)


# --- 1. Letter (R-W2) --------------------------------------------------------------------


def test_letter_route_signed_by_the_gf(org):
    """R-W2.1 … W2.9, R-O-5: a letter goes with the Verfügungsblatt to the GF (the BL 71
    informed), the GF decides (711, GF signs, Eingangsbestätigung), the KRM-B acknowledges
    and passes it to BL 71 (the LGF in copy), BL names TL 711, the TL drafts, the KRM-B
    reviews, the GF signs, the KRM-B records sending and closes."""
    krmb, gf, bl, tl = org["krmb"], org["gf"], org["bl"], org["tl"]
    case = make_case(krmb)
    assert case.status == Status.EINGEGANGEN
    assert actions(case) == {krmb_task(Status.EINGEGANGEN)}
    # The Verfügungsblatt is due one working day after receipt.
    assert Task.objects.open().get(case=case).due == workdays(RECEIVED_ON, 1, org)
    assert viewers(case) == {"krmb"}
    assert case.events.get().type == EventType.CASE_REGISTERED

    # A letter cannot skip the GF.
    with pytest.raises(services.StepRefused, match="Briefe gehen zuerst"):
        step(krmb, case, "an_bereich", org_unit="711")

    step(krmb, case, "gf_vorlegen", summary="Sachverhalt", proposal="Team 711", org_unit="711")
    event = expect(
        case,
        Status.BEI_GF,
        {role_task(Status.BEI_GF, "Geschäftsführung", Role.GF)},
        {"gf"},
        actor=krmb,
        schritt="gf_vorlegen",
        due=NEXT_WORKDAY,
    )
    assert event.data["status"] == {"alt": "eingegangen", "neu": "bei_gf"}
    case = reload(case)
    assert case.org_unit == org.t711 and case.bereich == org.b71
    verfuegung = case.verfuegungen.get()
    assert verfuegung.summary == "Sachverhalt" and verfuegung.presented_by == krmb
    # The BL of 71 is informed ("zur Kenntnis"), nobody else.
    assert notices(case) == {("BL 71", None, Role.BL, "71")}
    assert viewers(case, Task.Kind.KENNTNIS) == {"bl"}

    step(gf, case, "abverfuegen", org_unit="711", signer="gf", acknowledgement=True)
    event = expect(
        case,
        Status.ABVERFUEGT,
        {krmb_task(Status.ABVERFUEGT)},
        {"krmb"},
        actor=gf,
        schritt="abverfuegen",
        due=NEXT_WORKDAY,
    )
    assert event.data["zeichnung"] == "gf" and event.data["eingangsbestaetigung"] is True
    case = reload(case)
    assert case.signer == "gf" and case.abverfuegt_at is not None
    assert case.handling_due == workdays(RECEIVED_ON, 7, org)  # the Fachbereich's default
    verfuegung = case.verfuegungen.get()
    assert verfuegung.decided_by == gf and verfuegung.signer == "gf" and verfuegung.acknowledgement
    assert case.acknowledgement_pending

    # The acknowledgement comes first.
    with pytest.raises(services.StepRefused, match="Eingangsbestätigung"):
        step(krmb, case, "an_bereich")
    task_before = Task.objects.open().get(case=case, kind=Task.Kind.AKTION)
    step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    expect(case, Status.ABVERFUEGT, {krmb_task(Status.ABVERFUEGT)}, {"krmb"}, actor=krmb)
    event = last_event(case)
    assert event.type == EventType.CASE_ACKNOWLEDGED
    assert event.data["schritt"] == "eingangsbestaetigung"
    case = reload(case)
    assert case.contact_person == "Frau Muster" and case.acknowledged_at == NOW
    assert not case.acknowledgement_pending
    # A step beside the route keeps the state's task.
    assert Task.objects.open().get(case=case, kind=Task.Kind.AKTION).pk == task_before.pk

    step(krmb, case, "an_bereich")
    expect(
        case,
        Status.BEI_BL,
        {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")},
        {"bl"},
        actor=krmb,
        schritt="an_bereich",
        due=NEXT_WORKDAY,
    )
    # The LGF answers for Bereich 71: a copy.
    assert ("LGF", None, Role.LGF, "71") in notices(reload(case))
    assert viewers(case, Task.Kind.KENNTNIS) == {"bl", "lgf"}

    step(bl, case, "tl_zuweisen", handler="tl")
    event = expect(
        case,
        Status.IN_BEARBEITUNG,
        {person_task(Status.IN_BEARBEITUNG, tl)},
        {"tl"},
        actor=bl,
        schritt="tl_zuweisen",
        due=workdays(RECEIVED_ON, 7, org),
    )
    assert reload(case).handler == tl
    assert Task.objects.open().get(case=case, kind=Task.Kind.AKTION).due == case.handling_due

    step(tl, case, "entwurf", draft="Sehr geehrte Kundin, …")
    expect(
        case,
        Status.IN_BEARBEITUNG,
        {person_task(Status.IN_BEARBEITUNG, tl)},
        {"tl"},
        actor=tl,
        schritt="entwurf",
    )
    assert reload(case).draft == "Sehr geehrte Kundin, …"

    step(tl, case, "vorlegen")
    expect(
        case,
        Status.IN_PRUEFUNG,
        {krmb_task(Status.IN_PRUEFUNG)},
        {"krmb"},
        actor=tl,
        schritt="vorlegen",
        due=NEXT_WORKDAY,
    )

    step(krmb, case, "pruefung_bestanden", **CHECKED)
    event = expect(
        case,
        Status.ZUR_ZEICHNUNG,
        {role_task(Status.ZUR_ZEICHNUNG, "Geschäftsführung", Role.GF)},
        {"gf"},
        actor=krmb,
        schritt="pruefung_bestanden",
        due=NEXT_WORKDAY,
    )
    assert all(event.data["pruefung"].values())

    # The Abverfügung ordered the GF to sign: not the TL, not the BL.
    for other in (tl, bl):
        with pytest.raises(PermissionDenied):
            step(other, case, "zeichnen")
    step(gf, case, "zeichnen")
    event = expect(
        case,
        Status.ZUM_VERSAND,
        {krmb_task(Status.ZUM_VERSAND)},
        {"krmb"},
        actor=gf,
        schritt="zeichnen",
        due=NEXT_WORKDAY,
    )
    assert event.data["gezeichnet_von"] == "Geschäftsführung"

    step(krmb, case, "versenden", on="2026-11-27")
    expect(
        case,
        Status.BEANTWORTET,
        {krmb_task(Status.BEANTWORTET)},
        {"krmb"},
        actor=krmb,
        schritt="versenden",
        due=workdays(RECEIVED_ON, 10, org),
    )
    case = reload(case)
    assert case.answer_sent_on == dt.date(2026, 11, 27)
    assert case.informed_via == "brief" and case.informed_on == dt.date(2026, 11, 27)

    step(krmb, case, "abschliessen", outcome="teilweise_berechtigt", informed_via="brief")
    expect(case, Status.ABGESCHLOSSEN, set(), set(), actor=krmb, schritt="abschliessen")
    case = reload(case)
    assert case.outcome == "teilweise_berechtigt" and case.closed_at == NOW
    assert case.next_due is None
    assert steps_of(case) == [
        "gf_vorlegen",
        "abverfuegen",
        "an_bereich",
        "tl_zuweisen",
        "entwurf",
        "vorlegen",
        "pruefung_bestanden",
        "zeichnen",
        "versenden",
        "abschliessen",
    ]


def test_letter_for_a_bereich_the_lgf_does_not_answer_for_gets_no_lgf_copy(org):
    """R-O-5: Bereich 72 is not the LGF's: BL 72 is informed, the LGF gets no copy."""
    krmb, gf = org["krmb"], org["gf"]
    case = make_case(krmb)
    step(krmb, case, "gf_vorlegen", summary="Sachverhalt", proposal="Team 721", org_unit="721")
    assert notices(reload(case)) == {("BL 72", None, Role.BL, "72")}
    step(
        gf,
        case,
        "abverfuegen",
        org_unit="721",
        signer="bl",
        acknowledgement=False,
        handling_due="2026-12-10",
    )
    case = reload(case)
    assert case.handling_due == dt.date(2026, 12, 10)  # the Abverfügung's own deadline
    # No acknowledgement ordered: it is waived with the Abverfügung as the reason.
    assert not case.acknowledgement_pending and case.acknowledgement_waived
    step(krmb, case, "an_bereich")
    expect(case, Status.BEI_BL, {role_task(Status.BEI_BL, "BL 72", Role.BL, "72")}, set())
    assert notices(reload(case)) == {("BL 72", None, Role.BL, "72")}
    assert viewers(case, Task.Kind.KENNTNIS) == set()  # nobody leads 72, the LGF not
    assert reload(case).handling_due == dt.date(2026, 12, 10)
    # BL 71 does not assign a case of Bereich 72.
    with pytest.raises(PermissionDenied):
        step(org["bl"], case, "tl_zuweisen", handler="tl")


def _copies(org: Any) -> tuple[Case, Task, Task]:
    """An e-mail of Team 711 passed to BL 71 after the GF: the BL's notice, the LGF's copy."""
    krmb = org["krmb"]
    case = make_case(krmb, channel="email")
    step(krmb, case, "gf_vorlegen", summary="S", proposal="P", org_unit="711")
    step(org["gf"], case, "abverfuegen", org_unit="711", signer="tl")
    step(krmb, case, "an_bereich")
    bl_copy = my_task(org["bl"], case, Task.Kind.KENNTNIS)
    lgf_copy = my_task(org["lgf"], case, Task.Kind.KENNTNIS)
    assert (bl_copy.role, bl_copy.unit, lgf_copy.role, lgf_copy.unit) == (
        Role.BL,
        org.b71,
        Role.LGF,
        org.b71,
    )
    return case, bl_copy, lgf_copy


def test_the_bl_marks_the_notice_read(org):
    """R-W2.3: the BL's notice of the Verfügungsblatt is theirs to mark read (one click)."""
    case, bl_copy, _lgf_copy = _copies(org)
    for outsider in ("lgf", "tl", "krmb"):
        with pytest.raises(PermissionDenied):
            services.mark_read(actor=fresh(org[outsider]), task=bl_copy)
    services.mark_read(actor=fresh(org["bl"]), task=bl_copy)
    assert notices(case) == {("LGF", None, Role.LGF, "71")}
    assert viewers(case, Task.Kind.KENNTNIS) == {"lgf"}
    event = last_event(case)
    assert event.type == EventType.TASK_DONE and event.actor_id == org["bl"].pk


def test_the_lgf_marks_the_copy_read(org):
    """R-W2.5, R-O-5: the LGF's copy is in the LGF's Meine Aufgaben, so the LGF may mark it
    read (one click); the BL may not."""
    case, _bl_copy, lgf_copy = _copies(org)
    for outsider in ("bl", "tl"):
        with pytest.raises(PermissionDenied):
            services.mark_read(actor=fresh(org[outsider]), task=lgf_copy)
    services.mark_read(actor=fresh(org["lgf"]), task=lgf_copy)
    assert notices(case) == {("BL 71", None, Role.BL, "71")}
    assert viewers(case, Task.Kind.KENNTNIS) == {"bl"}
    event = last_event(case)
    assert event.type == EventType.TASK_DONE and event.actor_id == org["lgf"].pk


# --- 2. E-mail and online form (R-W3, W4) ------------------------------------------------


@pytest.mark.parametrize("acknowledgement", ["erfassen", "ohne"])
def test_email_route_without_the_gf(org, acknowledgement):
    """R-W3.1, R-Q1: the KRM-B records or waives the Eingangsbestätigung and passes the
    e-mail straight to the Bereich; the TL signs (the default without an Abverfügung)."""
    krmb, bl, tl, gf = org["krmb"], org["bl"], org["tl"], org["gf"]
    case = make_case(krmb, channel="email")
    assert case.acknowledgement_due == workdays(RECEIVED_ON, 3, org)
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"})
    with pytest.raises(services.StepRefused, match="Eingangsbestätigung"):
        step(krmb, case, "an_bereich", org_unit="711")

    if acknowledgement == "erfassen":
        step(krmb, case, "eingangsbestaetigung", contact_person="Herr Beispiel")
        assert reload(case).contact_person == "Herr Beispiel"
        assert last_event(case).type == EventType.CASE_ACKNOWLEDGED
    else:
        with pytest.raises(PermissionDenied):  # only the KRM-B waives it
            step(org["vorzimmer"], case, "keine_eingangsbestaetigung", reason="telefonisch")
        step(krmb, case, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
        assert reload(case).acknowledgement_waived == "Antwort folgt sofort"
        assert last_event(case).data["schritt"] == "keine_eingangsbestaetigung"
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"}, actor=krmb)
    assert not reload(case).acknowledgement_pending
    # Nothing more to acknowledge.
    with pytest.raises(services.StepRefused):
        step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")

    step(krmb, case, "an_bereich", org_unit="711")
    event = expect(
        case,
        Status.BEI_BL,
        {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")},
        {"bl"},
        actor=krmb,
        schritt="an_bereich",
    )
    case = reload(case)
    assert case.abverfuegt_at is None and not case.verfuegungen.exists()
    assert case.signer == "tl" and case.handling_due == workdays(RECEIVED_ON, 7, org)
    assert event.data["frist"] == case.handling_due.isoformat()
    assert notices(case) == {("LGF", None, Role.LGF, "71")}
    assert viewers(case, Task.Kind.KENNTNIS) == {"lgf"}

    step(bl, case, "tl_zuweisen", handler="tl")
    expect(case, Status.IN_BEARBEITUNG, {person_task(Status.IN_BEARBEITUNG, tl)}, {"tl"})
    step(tl, case, "entwurf", draft="Entwurf")
    step(tl, case, "vorlegen")
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    expect(
        case,
        Status.ZUR_ZEICHNUNG,
        {person_task(Status.ZUR_ZEICHNUNG, tl)},
        {"tl"},
        schritt="pruefung_bestanden",
    )
    with pytest.raises(PermissionDenied):
        step(gf, case, "zeichnen")
    step(tl, case, "zeichnen")
    event = expect(case, Status.ZUM_VERSAND, {krmb_task(Status.ZUM_VERSAND)}, {"krmb"}, actor=tl)
    assert event.data["gezeichnet_von"] == tl.get_full_name()
    step(krmb, case, "versenden", on=TODAY.isoformat())
    step(krmb, case, "abschliessen", outcome="nicht_berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set(), schritt="abschliessen")
    assert "gf_vorlegen" not in steps_of(case) and "abverfuegen" not in steps_of(case)


def test_vorlagepflichtige_email_goes_to_the_gf_first(org):
    """R-W3.2: an e-mail matching a Vorlagepflicht (Anlage 2: sender Presse) is refused at
    an_bereich until the GF decided; other e-mails are not."""
    krmb, gf, bl = org["krmb"], org["gf"], org["bl"]
    PresentationCriterion.objects.create(
        jobcenter=org.jobcenter, label="Presseanfragen", sender_type="presse"
    )
    ordinary = make_case(krmb, channel="email")
    step(krmb, ordinary, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
    step(krmb, ordinary, "an_bereich", org_unit="711")
    assert reload(ordinary).status == Status.BEI_BL

    case = make_case(krmb, channel="email", sender_type="presse")
    step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    with pytest.raises(
        services.StepRefused, match="Vorlagepflichtig \\(Anlage 2\\): Presseanfragen"
    ):
        step(krmb, case, "an_bereich", org_unit="711")
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"})

    step(krmb, case, "gf_vorlegen", summary="Presse", proposal="711, GF zeichnet", org_unit="711")
    expect(case, Status.BEI_GF, {role_task(Status.BEI_GF, "Geschäftsführung", Role.GF)}, {"gf"})
    with pytest.raises(services.StepRefused):  # still with the GF
        step(krmb, case, "an_bereich")
    step(gf, case, "abverfuegen", org_unit="712", signer="gf")
    expect(case, Status.ABVERFUEGT, {krmb_task(Status.ABVERFUEGT)}, {"krmb"})
    step(krmb, case, "an_bereich")
    expect(
        case,
        Status.BEI_BL,
        {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")},
        {"bl"},
        schritt="an_bereich",
    )
    case = reload(case)
    assert case.org_unit == org.t712 and case.signer == "gf"
    # BL 71 may name TL 711 (choices: the TLs of the Bereich).
    step(bl, case, "tl_zuweisen", handler="tl")
    assert reload(case).status == Status.IN_BEARBEITUNG


def test_vorlagepflicht_by_bereich_applies_to_the_bereich_chosen_when_passing_on(org):
    """R-W3.2: a Vorlagepflicht for Bereich 71 holds for an e-mail registered with Team 711,
    and equally for one whose unit the KRM-B chooses only in "An die Bereichsleitung geben"
    (the step's own field)."""
    krmb = org["krmb"]
    PresentationCriterion.objects.create(
        jobcenter=org.jobcenter, label="Bereich 71", bereich=org.b71
    )
    with_unit = make_case(krmb, channel="email", org_unit=org.t711)
    step(krmb, with_unit, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
    with pytest.raises(services.StepRefused, match="Vorlagepflichtig"):
        step(krmb, with_unit, "an_bereich", org_unit="711")
    # Bereich 72 is not concerned.
    other = make_case(krmb, channel="email")
    step(krmb, other, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
    step(krmb, other, "an_bereich", org_unit="721")
    assert reload(other).status == Status.BEI_BL


def test_vorlagepflicht_by_bereich_is_not_bypassed_by_choosing_the_unit_in_the_step(org):
    """R-W3.2: the same e-mail without a unit at registration: choosing Team 711 in the
    step itself must not skip the GF."""
    krmb = org["krmb"]
    PresentationCriterion.objects.create(
        jobcenter=org.jobcenter, label="Bereich 71", bereich=org.b71
    )
    case = make_case(krmb, channel="email")
    step(krmb, case, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
    before = _state(case)
    with pytest.raises(services.StepRefused, match="Vorlagepflichtig"):
        step(krmb, case, "an_bereich", org_unit="711")
    assert _state(case) == before


def test_email_marked_by_hand_goes_to_the_gf_first(org):
    """R-W3.2: the KRM-B's flag `requires_gf` makes an e-mail vorlagepflichtig."""
    krmb, gf = org["krmb"], org["gf"]
    case = make_case(krmb, channel="email", requires_gf=True)
    step(krmb, case, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
    with pytest.raises(services.StepRefused, match="als der GF vorzulegen markiert"):
        step(krmb, case, "an_bereich", org_unit="711")
    step(krmb, case, "gf_vorlegen", summary="S", proposal="P")
    step(gf, case, "abverfuegen", org_unit="711", signer="bl")
    step(krmb, case, "an_bereich")
    expect(case, Status.BEI_BL, {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")}, {"bl"})


def test_online_form_route_with_delegation_and_review_round(org):
    """R-W4, R-O-3, R-W5.4: an online form goes straight to the Bereich; the TL delegates
    (and stays responsible), the KRM-B sends the draft back once, the TL signs."""
    krmb, bl, tl, staff = org["krmb"], org["bl"], org["tl"], org["mitarbeiter"]
    case = make_case(krmb, channel="online")
    assert case.acknowledgement_due is not None
    step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    step(krmb, case, "an_bereich", org_unit="711", handling_due="2026-12-04")
    expect(case, Status.BEI_BL, {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")}, {"bl"})
    assert reload(case).handling_due == dt.date(2026, 12, 4)
    step(bl, case, "tl_zuweisen", handler="tl")
    expect(case, Status.IN_BEARBEITUNG, {person_task(Status.IN_BEARBEITUNG, tl)}, {"tl"})

    # Before the delegation the staff member neither sees nor handles it.
    with pytest.raises(PermissionDenied):
        step(staff, case, "entwurf", draft="x")
    # Only the responsible TL delegates.
    with pytest.raises(PermissionDenied):
        step(bl, case, "delegieren", delegate="mitarbeiter")
    choices = dict(fields_of(TRANSITIONS["delegieren"], reload(case)))
    (delegate_choices,) = choices.values()
    assert [v for v, _ in delegate_choices] == ["mitarbeiter"]
    step(tl, case, "delegieren", delegate="mitarbeiter")
    expect(
        case,
        Status.IN_BEARBEITUNG,
        {person_task(Status.IN_BEARBEITUNG, tl), person_task(Status.IN_BEARBEITUNG, staff)},
        {"tl", "mitarbeiter"},
        actor=tl,
        schritt="delegieren",
    )
    assert reload(case).delegate == staff

    with pytest.raises(services.StepRefused, match="Antwortentwurf"):
        step(staff, case, "vorlegen")
    step(staff, case, "entwurf", draft="Erster Entwurf")
    step(staff, case, "vorlegen")
    expect(case, Status.IN_PRUEFUNG, {krmb_task(Status.IN_PRUEFUNG)}, {"krmb"}, actor=staff)

    with pytest.raises(StepDataError) as error:  # not checked in every point
        step(krmb, case, "pruefung_bestanden", **{**CHECKED, "plausibility": False})
    assert "form" in error.value.errors
    step(krmb, case, "zurueckgeben", clarity=False, remarks="Bitte verständlicher.")
    event = expect(
        case,
        Status.IN_BEARBEITUNG,
        {person_task(Status.IN_BEARBEITUNG, tl), person_task(Status.IN_BEARBEITUNG, staff)},
        {"tl", "mitarbeiter"},
        actor=krmb,
        schritt="zurueckgeben",
    )
    assert event.data["status"] == {"alt": "in_pruefung", "neu": "in_bearbeitung"}
    step(staff, case, "entwurf", draft="Zweiter Entwurf")
    step(tl, case, "vorlegen")
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    expect(case, Status.ZUR_ZEICHNUNG, {person_task(Status.ZUR_ZEICHNUNG, tl)}, {"tl"})
    with pytest.raises(PermissionDenied):  # the delegate does not sign
        step(staff, case, "zeichnen")
    step(tl, case, "zeichnen")
    step(krmb, case, "versenden", on=TODAY.isoformat())
    step(krmb, case, "abschliessen", outcome="berechtigt", measure="Rückruf eingerichtet")
    expect(case, Status.ABGESCHLOSSEN, set(), set())
    assert reload(case).draft == "Zweiter Entwurf"
    assert steps_of(case) == [
        "an_bereich",
        "tl_zuweisen",
        "delegieren",
        "entwurf",
        "vorlegen",
        "zurueckgeben",
        "entwurf",
        "vorlegen",
        "pruefung_bestanden",
        "zeichnen",
        "versenden",
        "abschliessen",
    ]


def test_settled_in_a_conversation(org):
    """R-W2.8: the TL settles it by phone with a Vermerk; the KRM-B closes it."""
    krmb, bl, tl = org["krmb"], org["bl"], org["tl"]
    case = make_case(krmb, channel="online")
    step(krmb, case, "keine_eingangsbestaetigung", reason="sofort angerufen")
    step(krmb, case, "an_bereich", org_unit="711")
    step(bl, case, "tl_zuweisen", handler="tl")
    step(tl, case, "im_gespraech_erledigt", how="telefon", on="2026-11-27", vermerk="geklärt")
    event = expect(
        case,
        Status.BEANTWORTET,
        {krmb_task(Status.BEANTWORTET)},
        {"krmb"},
        actor=tl,
        schritt="im_gespraech_erledigt",
    )
    assert event.data["wie"] == "telefon"
    case = reload(case)
    assert case.informed_via == "telefon" and case.informed_on == dt.date(2026, 11, 27)
    step(krmb, case, "abschliessen", outcome="berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set())


# --- 3. Petition and Eingabe (R-W5) ------------------------------------------------------


def test_petition_with_the_ba_competent_is_agreed_with_aa_and_rd(org):
    """R-W5.1 … W5.5: the petition goes to the GF the day of receipt; the requester, their
    reference and deadline are recorded; the GF signs, then the KRM-B agrees it with the AA,
    then the RD (§ 44b Abs. 3 SGB II), and records the sending with the copies."""
    krmb, gf, bl, tl = org["krmb"], org["gf"], org["bl"], org["tl"]
    case = make_case(krmb, kind="petition")
    assert case.urgent
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"})
    assert Task.objects.open().get(case=case).due == RECEIVED_ON  # the same working day
    with pytest.raises(services.StepRefused, match="Petitionen"):
        step(krmb, case, "an_bereich", org_unit="711")
    with pytest.raises(StepDataError) as error:
        step(krmb, case, "gf_vorlegen", summary="S", proposal="P")
    assert "requester" in error.value.errors

    step(
        krmb,
        case,
        "gf_vorlegen",
        summary="Petition",
        proposal="711, GF zeichnet",
        org_unit="711",
        requester="Petitionsausschuss",
        requester_reference="P-123/26",
        requester_due="2026-12-15",
        ba_competent=True,
    )
    event = expect(
        case,
        Status.BEI_GF,
        {role_task(Status.BEI_GF, "Geschäftsführung", Role.GF)},
        {"gf"},
        actor=krmb,
        schritt="gf_vorlegen",
    )
    assert event.data["anfragende_stelle"] == "Petitionsausschuss"
    case = reload(case)
    assert (case.requester, case.requester_reference) == ("Petitionsausschuss", "P-123/26")
    assert case.requester_due == dt.date(2026, 12, 15) and case.ba_competent
    assert viewers(case, Task.Kind.KENNTNIS) == {"bl"}

    step(gf, case, "abverfuegen", org_unit="711", signer="gf", acknowledgement=True)
    expect(case, Status.ABVERFUEGT, {krmb_task(Status.ABVERFUEGT)}, {"krmb"}, actor=gf)
    step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")
    step(krmb, case, "an_bereich")
    expect(case, Status.BEI_BL, {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")}, {"bl"})
    step(bl, case, "tl_zuweisen", handler="tl")
    step(tl, case, "entwurf", draft="Stellungnahme")
    step(tl, case, "vorlegen")
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    expect(
        case,
        Status.ZUR_ZEICHNUNG,
        {role_task(Status.ZUR_ZEICHNUNG, "Geschäftsführung", Role.GF)},
        {"gf"},
    )

    with pytest.raises(services.StepRefused, match="BA ist zuständig"):
        step(gf, case, "zeichnen")
    step(gf, case, "zeichnen_abstimmung")
    expect(
        case,
        Status.IN_ABSTIMMUNG,
        {krmb_task(Status.IN_ABSTIMMUNG)},
        {"krmb"},
        actor=gf,
        schritt="zeichnen_abstimmung",
    )
    # The agreement is due by the requester's deadline.
    assert Task.objects.open().get(case=case, kind="aktion").due == dt.date(2026, 12, 15)

    with pytest.raises(services.StepRefused, match="Agentur für Arbeit"):
        step(krmb, case, "abstimmung_rd", on="2026-11-27")
    with pytest.raises(PermissionDenied):
        step(gf, case, "abstimmung_aa", on="2026-11-26")
    step(krmb, case, "abstimmung_aa", on="2026-11-26")
    expect(
        case,
        Status.IN_ABSTIMMUNG,
        {krmb_task(Status.IN_ABSTIMMUNG)},
        {"krmb"},
        actor=krmb,
        schritt="abstimmung_aa",
    )
    assert reload(case).aa_agreed_on == dt.date(2026, 11, 26)
    with pytest.raises(services.StepRefused):  # recorded once
        step(krmb, case, "abstimmung_aa", on="2026-11-26")
    step(krmb, case, "abstimmung_rd", on="2026-11-27")
    expect(
        case,
        Status.ZUM_VERSAND,
        {krmb_task(Status.ZUM_VERSAND)},
        {"krmb"},
        schritt="abstimmung_rd",
    )
    assert reload(case).rd_agreed_on == dt.date(2026, 11, 27)

    with pytest.raises(StepDataError) as error:
        step(krmb, case, "versenden", on=TODAY.isoformat(), copies=0)
    assert "copies" in error.value.errors
    step(krmb, case, "versenden", on=TODAY.isoformat(), copies=3)
    event = expect(
        case,
        Status.BEANTWORTET,
        {krmb_task(Status.BEANTWORTET)},
        {"krmb"},
        schritt="versenden",
    )
    assert event.data["an"] == "Petitionsausschuss" and event.data["ausfertigungen"] == 3
    assert reload(case).copies == 3
    step(krmb, case, "abschliessen", outcome="nicht_berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set())
    assert steps_of(case)[-6:] == [
        "pruefung_bestanden",
        "zeichnen_abstimmung",
        "abstimmung_aa",
        "abstimmung_rd",
        "versenden",
        "abschliessen",
    ]


def test_petition_ended_by_the_customers_waiver(org):
    """R-W5.6: the customer's signed waiver ends a petition at any time; not without it."""
    krmb, gf = org["krmb"], org["gf"]
    case = make_case(krmb, kind="petition")
    step(krmb, case, "gf_vorlegen", summary="S", proposal="P", requester="BMAS", org_unit="711")
    step(gf, case, "abverfuegen", org_unit="711", signer="gf")
    expect(case, Status.ABVERFUEGT, {krmb_task(Status.ABVERFUEGT)}, {"krmb"})
    before = reload(case).version

    with pytest.raises(StepDataError) as error:
        step(krmb, case, "verzicht", declared_on="2026-11-25", reasons="erledigt")
    assert "signed" in error.value.errors
    with pytest.raises(StepDataError) as error:
        step(krmb, case, "verzicht", declared_on="2026-11-25", signed=False, reasons="erledigt")
    assert "signed" in error.value.errors
    with pytest.raises(PermissionDenied):
        step(gf, case, "verzicht", declared_on="2026-11-25", signed=True, reasons="erledigt")
    assert reload(case).version == before
    expect(case, Status.ABVERFUEGT, {krmb_task(Status.ABVERFUEGT)}, {"krmb"})

    # A Zwischennachricht is pending when the waiver arrives: it ends with the case.
    step(org["bl"], case, "frist_gefaehrdet", reason="Stellungnahme fehlt")
    expect(
        case,
        Status.ABVERFUEGT,
        {krmb_task(Status.ABVERFUEGT), krmb_task("zwischennachricht")},
        {"krmb"},
    )
    step(krmb, case, "verzicht", declared_on="2026-11-25", signed=True, reasons="erledigt")
    event = expect(case, Status.ABGESCHLOSSEN, set(), set(), actor=krmb, schritt="verzicht")
    assert event.data["erklaert_am"] == "2026-11-25"
    case = reload(case)
    assert case.outcome == "keine" and case.closed_at == NOW

    # A Beschwerde is not ended by a waiver.
    complaint = make_case(krmb)
    with pytest.raises(services.StepRefused, match="Nur für"):
        step(krmb, complaint, "verzicht", declared_on="2026-11-25", signed=True, reasons="x")


# --- 4. Dienstaufsichtsbeschwerde (R-K7) --------------------------------------------------


def _handler_choices(case: Case) -> list[str]:
    (handler, _due) = fields_of(TRANSITIONS["an_fuehrungskraft"], reload(case))
    assert handler[0].name == "handler"
    return [value for value, _label in handler[1]]


def test_dab_against_a_staff_member_goes_to_a_superior_and_the_gf_signs(org):
    """R-K7: the choices are TL 711, BL 71 and the GF, never the staff member concerned, who
    never sees the case nor gets a task; the GF signs."""
    krmb, gf, tl, staff = org["krmb"], org["gf"], org["tl"], org["mitarbeiter"]
    case = make_case(krmb, kind="dienstaufsichtsbeschwerde", staff_concerned=staff)
    choices = _handler_choices(case)
    assert set(choices) == {"tl", "bl", "gf"}
    assert "mitarbeiter" not in choices

    with pytest.raises(StepDataError) as error:
        step(krmb, case, "an_fuehrungskraft", handler="mitarbeiter")
    assert "handler" in error.value.errors
    with pytest.raises(services.StepRefused):
        step(krmb, case, "an_vorgesetzte_der_gf", recipient="Vorsitz")

    step(krmb, case, "an_fuehrungskraft", handler="tl")
    event = expect(
        case,
        Status.IN_BEARBEITUNG,
        {person_task(Status.IN_BEARBEITUNG, tl)},
        {"tl"},
        actor=krmb,
        schritt="an_fuehrungskraft",
    )
    case = reload(case)
    assert case.handler == tl and case.signer == "gf"
    assert event.data["fuehrungskraft"] == tl.get_full_name()

    def concerned_is_out() -> None:
        assert not permissions.sees_contents(fresh(staff), reload(case))
        assert not Task.objects.filter(case=case, assignee=staff).exists()
        assert not selectors.my_tasks(user=fresh(staff)).filter(case_id=case.pk).exists()
        with pytest.raises(PermissionDenied):
            step(fresh(staff), case, "notiz", text="Stellungnahme")

    concerned_is_out()
    # Not even as the named deputy of the absent Führungskraft.
    Absence.objects.create(user=tl, start=TODAY, end=TODAY, deputy=staff)
    assert access_for(fresh(staff)).acting_for
    concerned_is_out()
    with pytest.raises(PermissionDenied):
        step(fresh(staff), case, "entwurf", draft="Meine Sicht")
    Absence.objects.filter(user=tl).delete()
    # The Führungskraft cannot hand it to the person concerned either.
    (delegate_field,) = fields_of(TRANSITIONS["delegieren"], reload(case))
    assert "mitarbeiter" not in [v for v, _ in delegate_field[1]]
    with pytest.raises(services.StepRefused):  # nobody else in the team: no delegation
        step(tl, case, "delegieren", delegate="mitarbeiter")
    step(tl, case, "entwurf", draft="Stellungnahme der Führungskraft")
    step(tl, case, "vorlegen")
    expect(case, Status.IN_PRUEFUNG, {krmb_task(Status.IN_PRUEFUNG)}, {"krmb"})
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    expect(
        case,
        Status.ZUR_ZEICHNUNG,
        {role_task(Status.ZUR_ZEICHNUNG, "Geschäftsführung", Role.GF)},
        {"gf"},
    )
    with pytest.raises(PermissionDenied):
        step(tl, case, "zeichnen")
    step(gf, case, "zeichnen")
    concerned_is_out()
    step(krmb, case, "versenden", on=TODAY.isoformat())
    step(krmb, case, "abschliessen", outcome="nicht_berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set())
    concerned_is_out()


def test_dab_against_the_tl_never_reaches_the_tl(org):
    """R-K7: a DAB against TL 711, about Team 711 which that TL leads: the TL is never a
    choice, never sees it, never gets a task, also not as the deputy of the BL handling it."""
    krmb, gf, bl, tl = org["krmb"], org["gf"], org["bl"], org["tl"]
    case = make_case(krmb, kind="dienstaufsichtsbeschwerde", staff_concerned=tl, org_unit=org.t711)
    assert case.org_unit == org.t711  # the team the TL leads

    def tl_is_out() -> None:
        current = reload(case)
        assert not permissions.sees_contents(fresh(tl), current)
        assert "tl" not in viewers(current) | viewers(current, Task.Kind.KENNTNIS)
        assert not Task.objects.filter(case=case, assignee=tl).exists()
        assert not Task.objects.filter(case=case, role=Role.TL).exists()
        with pytest.raises(PermissionDenied):
            step(fresh(tl), case, "entwurf", draft="Meine Sicht")

    tl_is_out()
    choices = _handler_choices(case)
    assert set(choices) == {"bl", "gf"}
    with pytest.raises(StepDataError):
        step(krmb, case, "an_fuehrungskraft", handler="tl")

    step(krmb, case, "an_fuehrungskraft", handler="bl")
    expect(case, Status.IN_BEARBEITUNG, {person_task(Status.IN_BEARBEITUNG, bl)}, {"bl"})
    tl_is_out()

    # The BL is absent, the TL their named deputy: still nothing for the TL.
    Absence.objects.create(user=bl, start=TODAY, end=TODAY + dt.timedelta(days=3), deputy=tl)
    assert access_for(fresh(tl)).acting_for  # the deputyship is in force
    tl_is_out()
    Absence.objects.filter(user=bl).delete()

    step(fresh(bl), case, "entwurf", draft="Stellungnahme")
    step(fresh(bl), case, "vorlegen")
    tl_is_out()
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    step(gf, case, "zeichnen")
    step(krmb, case, "versenden", on=TODAY.isoformat())
    step(krmb, case, "abschliessen", outcome="berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set())
    tl_is_out()


def test_dab_against_the_gf_is_forwarded_to_the_gfs_superior(org):
    """R-K7: a DAB against the GF goes to the GF's superior; it never goes to a Führungskraft
    of the Jobcenter and the GF never sees it."""
    krmb, gf = org["krmb"], org["gf"]
    case = make_case(krmb, kind="dienstaufsichtsbeschwerde", staff_concerned=gf)
    assert not permissions.sees_contents(fresh(gf), case)
    with pytest.raises(services.StepRefused, match="vorgesetzte Stelle der GF"):
        step(krmb, case, "an_fuehrungskraft", handler="bl")
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"})

    step(krmb, case, "an_vorgesetzte_der_gf", recipient="Vorsitz der Trägerversammlung")
    event = expect(
        case, Status.WEITERGELEITET, set(), set(), actor=krmb, schritt="an_vorgesetzte_der_gf"
    )
    assert event.data["an"] == "Vorsitz der Trägerversammlung"
    forwarding = Forwarding.objects.get(case=case)
    assert forwarding.recipient == "Vorsitz der Trägerversammlung"
    assert forwarding.forwarded_by == krmb and forwarding.forwarded_at == NOW
    case = reload(case)
    assert case.closed_at == NOW and case.next_due is None
    assert not permissions.sees_contents(fresh(gf), case)
    assert not Task.objects.filter(case=case, role=Role.GF).exists()


# --- 5. Data protection (R-K8) ------------------------------------------------------------


def test_data_protection_complaint_goes_to_dsb_and_tl_and_the_gf_signs(org):
    """R-K8: the DSB and the TL both hold the task, both draft and submit; the GF signs."""
    krmb, gf, tl, dsb = org["krmb"], org["gf"], org["tl"], org["dsb"]
    case = make_case(krmb, kind="datenschutzbeschwerde", channel="email")
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"})
    with pytest.raises(services.StepRefused):  # not the general route
        step(krmb, case, "gf_vorlegen", summary="S", proposal="P")
    step(krmb, case, "eingangsbestaetigung", contact_person="Frau Muster")

    step(krmb, case, "an_dsb", handler="tl")
    both = {
        role_task(Status.IN_BEARBEITUNG, "Datenschutzbeauftragte/r", Role.DSB),
        person_task(Status.IN_BEARBEITUNG, tl),
    }
    event = expect(case, Status.IN_BEARBEITUNG, both, {"dsb", "tl"}, actor=krmb, schritt="an_dsb")
    case = reload(case)
    assert case.handler == tl and case.signer == "gf"
    assert case.handling_due == workdays(RECEIVED_ON, 7, org)
    assert event.data["frist"] == case.handling_due.isoformat()

    for outsider in ("mitarbeiter", "bl"):
        with pytest.raises(PermissionDenied):
            step(org[outsider], case, "entwurf", draft="x")
    with pytest.raises(services.StepRefused, match="schriftlich"):
        step(tl, case, "im_gespraech_erledigt", how="telefon", on="2026-11-27", vermerk="v")

    step(dsb, case, "entwurf", draft="Datenschutzrechtliche Bewertung")
    expect(case, Status.IN_BEARBEITUNG, both, {"dsb", "tl"}, actor=dsb, schritt="entwurf")
    step(tl, case, "entwurf", draft="Bewertung mit Sachverhalt")
    expect(case, Status.IN_BEARBEITUNG, both, {"dsb", "tl"}, actor=tl, schritt="entwurf")
    step(tl, case, "vorlegen")
    expect(case, Status.IN_PRUEFUNG, {krmb_task(Status.IN_PRUEFUNG)}, {"krmb"}, actor=tl)
    step(krmb, case, "zurueckgeben", remarks="Rechtsgrundlage fehlt")
    expect(case, Status.IN_BEARBEITUNG, both, {"dsb", "tl"})
    step(dsb, case, "entwurf", draft="Mit Rechtsgrundlage")
    step(dsb, case, "vorlegen")
    expect(case, Status.IN_PRUEFUNG, {krmb_task(Status.IN_PRUEFUNG)}, {"krmb"}, actor=dsb)
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    expect(
        case,
        Status.ZUR_ZEICHNUNG,
        {role_task(Status.ZUR_ZEICHNUNG, "Geschäftsführung", Role.GF)},
        {"gf"},
    )
    for other in (tl, dsb):
        with pytest.raises(PermissionDenied):
            step(other, case, "zeichnen")
    step(gf, case, "zeichnen")
    expect(case, Status.ZUM_VERSAND, {krmb_task(Status.ZUM_VERSAND)}, {"krmb"}, actor=gf)
    step(krmb, case, "versenden", on=TODAY.isoformat())
    step(krmb, case, "abschliessen", outcome="teilweise_berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set())
    assert reload(case).draft == "Mit Rechtsgrundlage"


# --- 6. Meinungskarte (R-W6.1) ------------------------------------------------------------


def test_meinungskarte_with_a_team_is_read_by_its_tl(org):
    """R-W6.1: no deadlines, no acknowledgement, no outcome; the team's TL reads it."""
    krmb, tl = org["krmb"], org["tl"]
    case = make_case(krmb, kind="meinungskarte", channel="meinungskarte")
    assert case.acknowledgement_due is None and case.completion_due is None
    assert case.next_due is None
    expect(case, Status.EINGEGANGEN, {krmb_task(Status.EINGEGANGEN)}, {"krmb"})
    assert Task.objects.open().get(case=case).due is None
    assert "outcome" not in {f.name for f, _ in fields_of(TRANSITIONS["auswerten"], case)}
    for name, data in (
        ("eingangsbestaetigung", {"contact_person": "Frau Muster"}),
        ("gf_vorlegen", {"summary": "S", "proposal": "P"}),
        ("an_bereich", {"org_unit": "711"}),
        ("abschliessen", {}),
    ):
        with pytest.raises(services.StepRefused):
            step(krmb, case, name, **data)

    step(krmb, case, "auswerten", rating="2", feedback="lob", team="711")
    event = expect(case, Status.ABGESCHLOSSEN, set(), set(), actor=krmb, schritt="auswerten")
    assert event.data["bewertung"] == 2 and event.data["aussage"] == "lob"
    case = reload(case)
    assert (case.rating, case.feedback, case.outcome) == (2, "lob", "keine")
    assert case.org_unit == org.t711 and case.closed_at == NOW
    assert notices(case) == {("TL 711", None, Role.TL, "711")}
    assert viewers(case, Task.Kind.KENNTNIS) == {"tl"}

    task = my_task(tl, case, Task.Kind.KENNTNIS)
    assert task.label == "Zur Kenntnis: Meinungskarte zu Ihrem Team"
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=fresh(org["mitarbeiter"]), task=task)
    services.mark_read(actor=fresh(tl), task=task)
    assert notices(case) == set() and viewers(case, Task.Kind.KENNTNIS) == set()
    assert Task.objects.get(pk=task.pk).done_by == tl
    assert last_event(case).type == EventType.TASK_DONE
    with pytest.raises(services.StepRefused):
        step(krmb, case, "wiedereroeffnen")


def test_meinungskarte_without_a_team_gives_nobody_a_task(org):
    krmb = org["krmb"]
    case = make_case(krmb, kind="meinungskarte", channel="meinungskarte")
    step(krmb, case, "auswerten", rating="5", feedback="kritik")
    expect(case, Status.ABGESCHLOSSEN, set(), set(), schritt="auswerten")
    assert not Task.objects.open().filter(case=case).exists()
    case = reload(case)
    assert case.org_unit is None and case.outcome == "keine" and case.rating == 5
    assert steps_of(case) == ["auswerten"]


# --- 7. Out of scope (R-O1 … O4) and the Widerspruch (R-K9) --------------------------------


@pytest.mark.parametrize(
    ("kind", "recipient"),
    [
        ("fachliche_anfrage", "zuständiger Fachbereich"),
        ("widerspruch", "Rechtsbehelfsstelle (791/792)"),
        ("widerspruchsbescheid", "SGG-Stelle"),
        ("traegerversammlung", "Fachexperte BGF (Trägerversammlung)"),
    ],
)
def test_out_of_scope_reactions_are_registered_forwarded(org, kind, recipient):
    """R-O1 … O4: forwarded at registration, no task, no deadline, no KRM step."""
    krmb = org["krmb"]
    case = make_case(krmb, kind=kind)
    assert case.status == Status.WEITERGELEITET and not case.is_open
    assert Forwarding.objects.get(case=case).recipient == recipient
    assert case.acknowledgement_due is None and case.completion_due is None
    assert not Task.objects.filter(case=case).exists()
    assert viewers(case) == set()
    for name, data in (
        ("gf_vorlegen", {"summary": "S", "proposal": "P"}),
        ("abschliessen", {"outcome": "berechtigt"}),
        ("wiedereroeffnen", {}),
    ):
        with pytest.raises(services.StepRefused):
            step(krmb, case, name, **data)
    assert reload(case).version == case.version


def test_widerspruch_outcome_is_recorded_on_the_linked_open_complaint(org):
    """R-K9: the Widerspruch's outcome is recorded on it and on the linked open complaint
    (not on a closed one); closing the complaint asks for it."""
    krmb = org["krmb"]
    widerspruch = make_case(krmb, kind="widerspruch")
    complaint = route.answer(make_case(krmb), org)
    closed = route.close(make_case(krmb), org)
    services.link_cases(actor=krmb, case=complaint, other=widerspruch)
    services.link_cases(actor=krmb, case=widerspruch, other=closed)

    with pytest.raises(StepDataError) as error:
        step(krmb, complaint, "abschliessen", outcome="berechtigt")
    assert "widerspruch_outcome" in error.value.errors
    with pytest.raises(services.StepRefused):  # recorded on the Widerspruch, not here
        step(krmb, complaint, "widerspruch_ergebnis", outcome="abgeholfen", on="2026-11-27")
    with pytest.raises(PermissionDenied):
        step(org["tl"], widerspruch, "widerspruch_ergebnis", outcome="abgeholfen", on="2026-11-27")

    complaint_version = reload(complaint).version
    step(krmb, widerspruch, "widerspruch_ergebnis", outcome="zurueckgewiesen", on="2026-11-27")
    event = expect(
        widerspruch,
        Status.WEITERGELEITET,
        set(),
        set(),
        actor=krmb,
        schritt="widerspruch_ergebnis",
    )
    assert event.data["widerspruch"] == "zurueckgewiesen"
    assert reload(widerspruch).widerspruch_outcome == "zurueckgewiesen"
    complaint = reload(complaint)
    assert complaint.widerspruch_outcome == "zurueckgewiesen"
    assert complaint.version == complaint_version + 1
    event = last_event(complaint)
    assert event.data["schritt"] == "widerspruch_ergebnis"
    assert event.data["mit"] == widerspruch.aktenzeichen
    assert complaint.status == Status.BEANTWORTET  # the complaint stays where it was
    assert reload(closed).widerspruch_outcome == ""

    step(
        krmb, complaint, "abschliessen", outcome="berechtigt", widerspruch_outcome="zurueckgewiesen"
    )
    event = expect(complaint, Status.ABGESCHLOSSEN, set(), set(), schritt="abschliessen")
    assert event.data["widerspruch"] == "zurueckgewiesen"


# --- 8. Escalation (R-W1.2, W1.3) ----------------------------------------------------------


def _round(case: Case, org: Any, handler: User, signer_task: tuple, seen: set[str]) -> None:
    """One escalated round: the handler drafts, the KRM-B reviews, the signer signs."""
    krmb = org["krmb"]
    step(handler, case, "entwurf", draft=f"Antwort Stufe {reload(case).escalation_level}")
    step(handler, case, "vorlegen")
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    expect(case, Status.ZUR_ZEICHNUNG, {signer_task}, seen)
    step(handler, case, "zeichnen")
    step(krmb, case, "versenden", on=TODAY.isoformat())
    expect(case, Status.BEANTWORTET, {krmb_task(Status.BEANTWORTET)}, {"krmb"})


def test_escalation_goes_one_level_at_a_time_to_the_gf(org):
    """R-W1.2: TL → BL → GF, each a new round with its own task and deadlines; no fourth."""
    krmb, gf, bl, tl = org["krmb"], org["gf"], org["bl"], org["tl"]
    case = route.close(make_case(krmb), org)
    assert case.escalation_level == 1 and case.status == Status.ABGESCHLOSSEN

    step(
        krmb,
        case,
        "eskalieren",
        reason="Kunde widerspricht",
        received_at="2026-11-27T09:00:00+01:00",
    )
    level2 = {role_task(Status.IN_BEARBEITUNG, "BL 71", Role.BL, "71")}
    event = expect(case, Status.IN_BEARBEITUNG, level2, {"bl"}, actor=krmb, schritt="eskalieren")
    assert event.data["stufe"] == 2
    case = reload(case)
    assert case.escalation_level == 2 and case.signer == "bl"
    assert case.closed_at is None and case.outcome == "" and case.draft == ""
    assert case.completion_due == workdays(dt.date(2026, 11, 27), 10, org)
    assert case.handling_due == workdays(dt.date(2026, 11, 27), 7, org)
    task2 = Task.objects.open().get(case=case, kind="aktion")
    assert task2.round == 2 and task2.due == case.handling_due
    with pytest.raises(PermissionDenied):  # the TL of the first round no longer handles
        step(tl, case, "entwurf", draft="x")
    _round(case, org, bl, role_task(Status.ZUR_ZEICHNUNG, "BL 71", Role.BL, "71"), {"bl"})
    assert last_event(case).data["schritt"] == "versenden"
    assert [
        e.data.get("gezeichnet_von")
        for e in case.events.filter(type=EventType.CASE_STEP, data__schritt="zeichnen").order_by(
            "pk"
        )
    ] == [tl.get_full_name(), "BL 71"]

    # Escalated again, from "beantwortet", on a reaction received now.
    step(krmb, case, "eskalieren", reason="Kunde weiterhin unzufrieden")
    level3 = {role_task(Status.IN_BEARBEITUNG, "Geschäftsführung", Role.GF)}
    event = expect(case, Status.IN_BEARBEITUNG, level3, {"gf"}, schritt="eskalieren")
    assert event.data["stufe"] == 3
    case = reload(case)
    assert case.escalation_level == 3 and case.signer == "gf"
    assert case.completion_due == workdays(TODAY, 10, org)
    task3 = Task.objects.open().get(case=case, kind="aktion")
    assert task3.round == 3 and task3.due == workdays(TODAY, 7, org)
    with pytest.raises(PermissionDenied):
        step(bl, case, "entwurf", draft="x")
    _round(case, org, gf, role_task(Status.ZUR_ZEICHNUNG, "Geschäftsführung", Role.GF), {"gf"})
    step(krmb, case, "abschliessen", outcome="nicht_berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set())

    with pytest.raises(services.StepRefused, match="höchste Eskalationsstufe"):
        step(krmb, case, "eskalieren", reason="noch einmal")
    # Each round had its own handling task, with its own deadline.
    rounds = Task.objects.filter(case=case, step=Status.IN_BEARBEITUNG).order_by("pk")
    assert [t.round for t in rounds] == [1, 2, 3]
    assert len({t.due for t in rounds}) == 3
    assert steps_of(case).count("eskalieren") == 2


def test_the_tl_of_the_first_round_does_not_delegate_an_escalated_round(org):
    """R-W1.2, R-O-3: at level 2 the BL handles; the TL of round 1 neither drafts nor
    delegates (escalate() itself ends the delegation)."""
    krmb, tl = org["krmb"], org["tl"]
    case = route.close(make_case(krmb), org)
    step(krmb, case, "eskalieren", reason="Kunde widerspricht")
    before = _state(case)
    with pytest.raises(PermissionDenied):
        step(tl, case, "delegieren", delegate="mitarbeiter")
    assert _state(case) == before
    assert reload(case).delegate is None


def test_a_reaction_is_never_registered_at_level_3(org):
    """R-W1.2: no reaction starts at the GF."""
    with pytest.raises(ValidationError) as error:
        services.register_case(
            actor=org["krmb"],
            kind="beschwerde",
            channel="email",
            subject="Wieder",
            escalation_level=3,
        )
    assert "escalation_level" in error.value.message_dict
    assert not Case.objects.exists()
    case = services.register_case(
        actor=org["krmb"],
        kind="beschwerde",
        channel="email",
        subject="Wieder",
        escalation_level=2,
        org_unit=org.t711,
    )
    assert case.escalation_level == 2


@pytest.mark.parametrize("answer", [None, False])
def test_vorzimmer_takes_a_complaint_only_when_handled_the_same_day(org, answer):
    """R-W1.3: the capture form asks; without a yes nothing is registered."""
    for actor, quick in ((org["krmb"], False), (org["vorzimmer"], True)):
        with pytest.raises(ValidationError) as error:
            services.register_case(
                actor=actor,
                kind="beschwerde",
                channel="vorzimmer",
                subject="Beschwerde",
                same_day_handled=answer,
                quick_capture=quick,
            )
        (message,) = error.value.message_dict["same_day_handled"]
        assert "Fachbereich" in message and "heute" in message
    assert not Case.objects.exists()


def test_vorzimmer_complaint_handled_the_same_day_is_registered(org):
    case = services.register_case(
        actor=org["vorzimmer"],
        kind="beschwerde",
        channel="vorzimmer",
        subject="Beschwerde",
        same_day_handled=True,
        quick_capture=True,
    )
    assert reload(case).same_day_handled is True
    assert case.acknowledgement_due is None  # taken in a conversation
    assert case.status == Status.EINGEGANGEN
    # Praise is not a negative reaction: no question asked.
    praise = services.register_case(
        actor=org["vorzimmer"],
        kind="lob",
        channel="vorzimmer",
        subject="Danke",
        quick_capture=True,
    )
    assert praise.same_day_handled is None


# --- 9. Deadlines: the Zwischennachricht (R-Q3) -------------------------------------------


def test_deadline_at_risk_leads_to_a_zwischennachricht(org):
    """R-Q3: the TL reports the deadline at risk; the KRM-B gets "Zwischennachricht
    schreiben"; recording it (TL and BL consulted, a future deadline) sets the new
    completion deadline and completes that task; the TL's task stays."""
    krmb, bl, tl = org["krmb"], org["bl"], org["tl"]
    case = make_case(krmb, channel="email", org_unit=org.t711)
    step(krmb, case, "keine_eingangsbestaetigung", reason="Antwort folgt sofort")
    with pytest.raises(services.StepRefused):  # not before the case is passed on
        step(bl, case, "frist_gefaehrdet", reason="zu früh")
    step(krmb, case, "an_bereich", org_unit="711")
    step(bl, case, "tl_zuweisen", handler="tl")
    handling = person_task(Status.IN_BEARBEITUNG, tl)
    with pytest.raises(PermissionDenied):
        step(org["mitarbeiter"], case, "frist_gefaehrdet", reason="x")

    step(tl, case, "frist_gefaehrdet", reason="Akte fehlt", proposed_due="2026-12-18")
    interim = krmb_task("zwischennachricht")
    event = expect(
        case,
        Status.IN_BEARBEITUNG,
        {handling, interim},
        {"tl", "krmb"},
        actor=tl,
        schritt="frist_gefaehrdet",
    )
    assert event.data["vorgeschlagene_frist"] == "2026-12-18"
    task = my_task(krmb, case)
    assert task.step == "zwischennachricht" and task.label == "Zwischennachricht schreiben"
    assert task.due == workdays(TODAY, 1, org)
    with pytest.raises(services.StepRefused, match="bereits informiert"):
        step(bl, case, "frist_gefaehrdet", reason="auch")

    old_due = reload(case).completion_due
    with pytest.raises(StepDataError) as error:
        step(
            krmb,
            case,
            "zwischennachricht",
            tl_consulted=True,
            bl_consulted=False,
            new_due="2026-12-18",
            sent_on=TODAY.isoformat(),
        )
    assert "tl_consulted" in error.value.errors
    with pytest.raises(StepDataError) as error:
        step(
            krmb,
            case,
            "zwischennachricht",
            tl_consulted=True,
            bl_consulted=True,
            new_due=TODAY.isoformat(),
            sent_on=TODAY.isoformat(),
        )
    assert "new_due" in error.value.errors
    with pytest.raises(PermissionDenied):
        step(
            tl,
            case,
            "zwischennachricht",
            tl_consulted=True,
            bl_consulted=True,
            new_due="2026-12-18",
            sent_on=TODAY.isoformat(),
        )
    assert reload(case).completion_due == old_due
    assert actions(reload(case)) == {handling, interim}

    step(
        krmb,
        case,
        "zwischennachricht",
        tl_consulted=True,
        bl_consulted=True,
        new_due="2026-12-18",
        sent_on=TODAY.isoformat(),
    )
    event = expect(
        case, Status.IN_BEARBEITUNG, {handling}, {"tl"}, actor=krmb, schritt="zwischennachricht"
    )
    assert event.data["abschluss"] == {"alt": old_due.isoformat(), "neu": "2026-12-18"}
    assert event.data["tl_befragt"] and event.data["bl_befragt"]
    case = reload(case)
    assert case.completion_due == dt.date(2026, 12, 18)
    assert case.next_due == dt.date(2026, 12, 18)  # the worklists' order follows
    assert Task.objects.get(case=case, step="zwischennachricht").done_by == krmb

    # The BL, too, may report a deadline at risk (once more, now that none is pending).
    step(bl, case, "frist_gefaehrdet", reason="Krankheit im Team")
    assert ("zwischennachricht", KRMB, None, Role.KRMB, None) in actions(reload(case))


# --- 10. Deputies (R-O-4) ------------------------------------------------------------------


def test_vertretung_and_vorzimmer_act_while_the_krmb_is_absent(org):
    """R-O-4: while the KRM-B is absent (no named deputy) the Vertretung holds every KRM-B
    task, marked as deputy, and takes KRM-B steps; the Vorzimmer records what was sent (and
    the Eingangsbestätigung) but takes no other KRM-B step."""
    krmb, gf, bl, tl = org["krmb"], org["gf"], org["bl"], org["tl"]
    case = make_case(krmb)
    # Not while the KRM-B is present.
    with pytest.raises(PermissionDenied):
        step(fresh(org["vertretung"]), case, "gf_vorlegen", summary="S", proposal="P")
    assert viewers(case) == {"krmb"}

    Absence.objects.create(user=krmb, start=TODAY, end=TODAY + dt.timedelta(days=14))
    vertretung, vorzimmer = fresh(org["vertretung"]), fresh(org["vorzimmer"])
    assert viewers(case) == {"krmb", "vertretung"}
    task = my_task(vertretung, case)
    assert task.step == Status.EINGEGANGEN
    assert selectors.held_as_deputy(task, access_for(vertretung))
    assert not selectors.held_as_deputy(task, access_for(fresh(krmb)))

    with pytest.raises(PermissionDenied):
        step(vorzimmer, case, "gf_vorlegen", summary="S", proposal="P")
    step(vertretung, case, "gf_vorlegen", summary="S", proposal="P", org_unit="711")
    expect(
        case,
        Status.BEI_GF,
        {role_task(Status.BEI_GF, "Geschäftsführung", Role.GF)},
        {"gf"},
        actor=vertretung,
        schritt="gf_vorlegen",
    )
    step(gf, case, "abverfuegen", org_unit="711", signer="tl", acknowledgement=True)
    expect(case, Status.ABVERFUEGT, {krmb_task(Status.ABVERFUEGT)}, {"krmb", "vertretung"})
    # The Vorzimmer records the Eingangsbestätigung, but does not pass the case on.
    step(vorzimmer, case, "eingangsbestaetigung", contact_person="Frau Muster")
    assert last_event(case).actor_id == vorzimmer.pk
    with pytest.raises(PermissionDenied):
        step(vorzimmer, case, "an_bereich")
    step(vertretung, case, "an_bereich")
    expect(
        case,
        Status.BEI_BL,
        {role_task(Status.BEI_BL, "BL 71", Role.BL, "71")},
        {"bl"},
        actor=vertretung,
    )
    step(bl, case, "tl_zuweisen", handler="tl")
    step(tl, case, "entwurf", draft="Entwurf")
    step(tl, case, "vorlegen")
    expect(case, Status.IN_PRUEFUNG, {krmb_task(Status.IN_PRUEFUNG)}, {"krmb", "vertretung"})
    with pytest.raises(PermissionDenied):
        step(vorzimmer, case, "pruefung_bestanden", **CHECKED)
    step(vertretung, case, "pruefung_bestanden", **CHECKED)
    step(tl, case, "zeichnen")
    # The sending: the Vorzimmer sees it (as deputy) too.
    expect(
        case,
        Status.ZUM_VERSAND,
        {krmb_task(Status.ZUM_VERSAND)},
        {"krmb", "vertretung", "vorzimmer"},
    )
    task = my_task(vorzimmer, case)
    assert selectors.held_as_deputy(task, access_for(vorzimmer))
    step(vorzimmer, case, "versenden", on=TODAY.isoformat())
    expect(
        case,
        Status.BEANTWORTET,
        {krmb_task(Status.BEANTWORTET)},
        {"krmb", "vertretung"},
        actor=vorzimmer,
        schritt="versenden",
    )
    with pytest.raises(PermissionDenied):
        step(vorzimmer, case, "abschliessen", outcome="berechtigt")
    step(vertretung, case, "abschliessen", outcome="berechtigt")
    expect(case, Status.ABGESCHLOSSEN, set(), set(), actor=vertretung)


def test_vorzimmer_does_not_send_while_the_krmb_is_present(org):
    krmb = org["krmb"]
    case = make_case(krmb, channel="email")
    step(krmb, case, "keine_eingangsbestaetigung", reason="r")
    step(krmb, case, "an_bereich", org_unit="711")
    step(org["bl"], case, "tl_zuweisen", handler="tl")
    step(org["tl"], case, "entwurf", draft="d")
    step(org["tl"], case, "vorlegen")
    step(krmb, case, "pruefung_bestanden", **CHECKED)
    step(org["tl"], case, "zeichnen")
    assert viewers(case) == {"krmb"}
    with pytest.raises(PermissionDenied):
        step(fresh(org["vorzimmer"]), case, "versenden", on=TODAY.isoformat())
    letter = make_case(krmb)
    with pytest.raises(PermissionDenied):
        step(fresh(org["vorzimmer"]), letter, "eingangsbestaetigung", contact_person="Frau M")


def test_named_deputy_of_an_absent_tl_takes_the_tls_steps(org):
    """R-O-4: the named deputy of the absent TL 711 sees the TL's task marked "in
    Vertretung" and drafts and submits; before the absence they may not."""
    krmb, bl, tl = org["krmb"], org["bl"], org["tl"]
    deputy = UserFactory(
        username="tl712",
        jobcenter=org.jobcenter,
        home_unit=org.t712,
        roles=[(Role.TL, org.t712)],
    )
    case = make_case(krmb, channel="email")
    step(krmb, case, "keine_eingangsbestaetigung", reason="r")
    step(krmb, case, "an_bereich", org_unit="711")
    step(bl, case, "tl_zuweisen", handler="tl")
    with pytest.raises(PermissionDenied):
        step(fresh(deputy), case, "entwurf", draft="x")
    assert viewers(case, extra=("tl712",)) == {"tl"}

    Absence.objects.create(user=tl, start=TODAY, end=TODAY, deputy=deputy)
    deputy = fresh(deputy)
    assert viewers(case, extra=("tl712",)) == {"tl", "tl712"}
    task = my_task(deputy, case)
    assert task.assignee_id == tl.pk
    assert selectors.held_as_deputy(task, access_for(deputy))
    assert not selectors.held_as_deputy(task, access_for(fresh(tl)))

    step(deputy, case, "entwurf", draft="Entwurf in Vertretung")
    expect(
        case,
        Status.IN_BEARBEITUNG,
        {person_task(Status.IN_BEARBEITUNG, tl)},
        {"tl"},
        actor=deputy,
        schritt="entwurf",
    )
    assert viewers(case, extra=("tl712",)) == {"tl", "tl712"}
    step(deputy, case, "vorlegen")
    expect(case, Status.IN_PRUEFUNG, {krmb_task(Status.IN_PRUEFUNG)}, {"krmb"}, actor=deputy)
    assert reload(case).draft == "Entwurf in Vertretung"


# --- 11. Refusals change nothing ------------------------------------------------------------


def _state(case: Case) -> tuple:
    current = reload(case)
    return (
        current.version,
        current.status,
        current.handler_id,
        current.signer,
        current.draft,
        current.acknowledgement_waived,
        sorted(Task.objects.filter(case=case).values_list("pk", "done_at")),
        current.events.count(),
    )


def _at(org: Any, status: str) -> Case:
    """A letter taken to `status` along its route."""
    krmb, gf, bl, tl = org["krmb"], org["gf"], org["bl"], org["tl"]
    case = make_case(krmb)
    path = [
        (krmb, "gf_vorlegen", {"summary": "S", "proposal": "P", "org_unit": "711"}),
        (gf, "abverfuegen", {"org_unit": "711", "signer": "tl", "acknowledgement": True}),
        (krmb, "eingangsbestaetigung", {"contact_person": "Frau Muster"}),
        (krmb, "an_bereich", {}),
        (bl, "tl_zuweisen", {"handler": "tl"}),
        (tl, "entwurf", {"draft": "Entwurf"}),
        (tl, "vorlegen", {}),
        (krmb, "pruefung_bestanden", CHECKED),
    ]
    for actor, name, data in path:
        if reload(case).status == status:
            break
        step(actor, case, name, **data)
    assert reload(case).status == status
    return reload(case)


REFUSALS = [
    # wrong role
    (
        "eingegangen",
        "mitarbeiter",
        "gf_vorlegen",
        {"summary": "S", "proposal": "P"},
        PermissionDenied,
        None,
    ),
    ("bei_gf", "krmb", "abverfuegen", {"org_unit": "711", "signer": "tl"}, PermissionDenied, None),
    ("bei_bl", "tl", "tl_zuweisen", {"handler": "tl"}, PermissionDenied, None),
    ("in_bearbeitung", "bl", "vorlegen", {}, PermissionDenied, None),
    ("zur_zeichnung", "gf", "zeichnen", {}, PermissionDenied, None),
    ("in_pruefung", "controlling", "pruefung_bestanden", CHECKED, PermissionDenied, None),
    # not a step (or not one to take by hand)
    ("eingegangen", "krmb", "fliegen", {}, StepDataError, "name"),
    ("eingegangen", "krmb", "weiterleiten", {}, StepDataError, "name"),
    # wrong state
    ("eingegangen", "krmb", "pruefung_bestanden", CHECKED, services.StepRefused, None),
    ("eingegangen", "krmb", "versenden", {"on": "2026-11-27"}, services.StepRefused, None),
    ("bei_gf", "krmb", "an_bereich", {}, services.StepRefused, None),
    ("in_pruefung", "krmb", "eskalieren", {"reason": "r"}, services.StepRefused, None),
    (
        "in_bearbeitung",
        "krmb",
        "abschliessen",
        {"outcome": "berechtigt"},
        services.StepRefused,
        None,
    ),
    # bad data
    (
        "bei_gf",
        "gf",
        "abverfuegen",
        {"org_unit": "711", "signer": "kanzler"},
        StepDataError,
        "signer",
    ),
    ("bei_gf", "gf", "abverfuegen", {"org_unit": "999", "signer": "tl"}, StepDataError, "org_unit"),
    ("bei_bl", "bl", "tl_zuweisen", {"handler": "mitarbeiter"}, StepDataError, "handler"),
    ("in_bearbeitung", "tl", "entwurf", {"draft": "   "}, StepDataError, "draft"),
    ("in_bearbeitung", "tl", "entwurf", {"draft": "d", "gruss": "x"}, StepDataError, "gruss"),
    (
        "in_pruefung",
        "krmb",
        "pruefung_bestanden",
        {**CHECKED, "form": False},
        StepDataError,
        "form",
    ),
    (
        "eingegangen",
        "krmb",
        "eingangsbestaetigung",
        {"contact_person": "Frau Muster", "sent_at": "2026-10-01T10:00:00+02:00"},
        StepDataError,
        "sent_at",
    ),
]


@pytest.mark.parametrize(
    ("status", "who", "name", "data", "error", "field"),
    REFUSALS,
    ids=[f"{r[4].__name__}-{r[2]}-{r[5] or r[1]}" for r in REFUSALS],
)
def test_a_refused_step_changes_nothing(org, status, who, name, data, error, field):
    case = _at(org, status)
    before = _state(case)
    with pytest.raises(error) as raised:
        step(org[who], case, name, **data)
    if field is not None:
        assert field in raised.value.errors
    assert _state(case) == before


@pytest.mark.parametrize(
    ("status", "who", "name", "data"),
    [
        ("eingegangen", "krmb", "gf_vorlegen", {"summary": "S", "proposal": "P"}),
        ("bei_gf", "gf", "abverfuegen", {"org_unit": "711", "signer": "tl"}),
        ("in_bearbeitung", "tl", "entwurf", {"draft": "Neu"}),
        # Refused by the state, too: the stale version is what the user must learn.
        ("in_bearbeitung", "krmb", "versenden", {"on": "2026-11-27"}),
    ],
)
def test_a_stale_version_is_refused_and_changes_nothing(org, status, who, name, data):
    case = _at(org, status)
    before = _state(case)
    with pytest.raises(services.ConflictError):
        services.take_step(
            actor=org[who], case=case, name=name, data=data, expected_version=case.version - 1
        )
    assert _state(case) == before
    # With the current version the same step goes through (where the state allows it).
    if name != "versenden":
        services.take_step(
            actor=org[who], case=case, name=name, data=data, expected_version=case.version
        )
        assert _state(case)[0] == before[0] + 1
