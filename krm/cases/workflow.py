"""The routes of a case: its states, who acts in each, and the steps between them. The only
place a status changes (`services.take_step` applies a step; nothing else writes a status).

Read it top to bottom:
1. `Status`: the states, in the order a case passes them.
2. `STATES`: for each open state, what must be done, by whom (a named person or whoever
   holds a role in a unit: "TL 711") and by when; the case's open task follows from it.
3. `TRANSITIONS`: every step, in the order of the routes of the KRM concept (R-W2 … W7,
   K7 … K9, Q3, W1.2): name, label, source states, target state (None: the state stays),
   who may take it, its guard (why not now, in German), its fields and its effect.

Deadline lengths are Jobcenter data (R-Q6); an Abverfügung's own deadline overrides the
Fachbereich's default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from krm.accounts.access import Access, Grant
from krm.accounts.roles import CASE_ROLES, NO_CASE_ACCESS_ROLES, Role
from krm.lib.workdays import WorkdayCalendar, as_berlin

from .kinds import (
    JUDGED,
    KRM_ROUTE,
    SPOKEN_CHANNELS,
    URGENT,
    Channel,
    Feedback,
    InformedVia,
    Kind,
    Outcome,
    Signer,
    WiderspruchOutcome,
    is_in_scope,
)
from .permissions import never_shown_dabs_about
from .states import CLOSED_STATUSES, OPEN_STATUSES, Status, initial_status  # noqa: F401 (the table)

if TYPE_CHECKING:
    from krm.accounts.models import OrgUnit, User

    from .models import Case


# --- 1. States ----------------------------------------------------------------------------


# `Status`, the open and closed sets and the initial status live in states.py (the models
# read them there); they are the first part of this table.


# --- 2. Who acts in each state ------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who holds a task: a named person, or whoever holds `role` (in `unit`)."""

    who: str  # as people read it: "Geschäftsführung", "BL 71", "Erika Muster"
    user: User | None = None
    role: str = ""
    unit: OrgUnit | None = None


def person(user: User) -> Holder:
    return Holder(who=str(user), user=user)  # User.__str__: the full name, else the username


KRMB = Holder("KRM-Beauftragte", role=Role.KRMB)
GF = Holder("Geschäftsführung", role=Role.GF)
DSB = Holder("Datenschutzbeauftragte/r", role=Role.DSB)


def bl_of(unit: OrgUnit | None) -> Holder:
    return GF if unit is None else Holder(f"BL {unit.code}", role=Role.BL, unit=unit)


def tl_of(unit: OrgUnit) -> Holder:
    return Holder(f"TL {unit.code}", role=Role.TL, unit=unit)


VERTRETUNG = Holder("Vertretung der KRM-B", role=Role.VERTRETUNG)


def _krmb(case: Case) -> list[Holder]:
    return [VERTRETUNG if about_a_krmb(case) else KRMB]


def about_a_krmb(case: Case) -> bool:
    """A DAB about a KRM-B: the KRM-B's part of its route is the Vertretung's (R-K7, O-4)."""
    return case.kind == Kind.DIENSTAUFSICHTSBESCHWERDE and Role.KRMB in concerned_roles(case)


def concerned_roles(case: Case) -> frozenset[str]:
    """The roles of the staff member concerned, read once per case object."""
    if case.staff_concerned_id is None:
        return frozenset()
    cached = getattr(case, "_concerned_roles", None)
    if cached is None:
        role_model = apps.get_model("accounts", "RoleAssignment")
        cached = frozenset(
            role_model.objects.filter(user_id=case.staff_concerned_id).values_list(
                "role", flat=True
            )
        )
        case._concerned_roles = cached
    return cached


def _gf(case: Case) -> list[Holder]:
    return [GF]


def _bl(case: Case) -> list[Holder]:
    return [bl_of(case.bereich)]


def handling(case: Case) -> list[Holder]:
    """Who handles now: the TL (staying responsible) and the staff member they delegated to;
    the DSB with the TL (R-K8); the Führungskraft for a DAB (R-K7); at escalation level 2
    the BL, at level 3 the GF (R-W1.2)."""
    if case.kind == Kind.DIENSTAUFSICHTSBESCHWERDE:
        return [person(case.handler)] if case.handler else _krmb(case)
    if case.escalation_level == 3:
        return [GF]
    if case.escalation_level == 2:
        return [bl_of(case.bereich)]
    holders = [DSB] if case.kind == Kind.DATENSCHUTZBESCHWERDE else []
    if case.handler:
        holders.append(person(case.handler))
    elif case.org_unit and case.org_unit.level == "team":
        holders.append(tl_of(case.org_unit))
    if case.delegate:
        holders.append(person(case.delegate))
    return holders or [bl_of(case.bereich)]


def signing(case: Case) -> list[Holder]:
    """Who signs, as the Abverfügung ordered (R-W2.7); the GF for DAB, data protection and
    petitions (R-K7, K8, W5.3); the BL or GF for an escalated round."""
    if case.signer == Signer.TL and case.handler:
        return [person(case.handler)]
    if case.signer == Signer.BL:
        return [bl_of(case.bereich)]
    return [GF]


def _days(step: Step, attr: str) -> dt.date:
    return step.calendar.add_workdays(step.today, getattr(step.case.jobcenter, attr))


def _submission_due(step: Step) -> dt.date | None:
    case, jobcenter = step.case, step.case.jobcenter
    if case.kind == Kind.MEINUNGSKARTE:
        return None
    days = (
        jobcenter.petition_submission_workdays
        if case.kind in URGENT
        else jobcenter.gf_submission_workdays
    )
    return step.calendar.add_workdays(case.received_on, days) if days else case.received_on


@dataclass(frozen=True)
class State:
    todo: str  # what must be done now, as a task label
    holders: Callable[[Case], list[Holder]]
    due: Callable[[Step], dt.date | None]
    todo_by_kind: tuple[tuple[str, str], ...] = ()  # a kind's own wording of the task

    def todo_for(self, case: Case) -> str:
        return dict(self.todo_by_kind).get(case.kind, self.todo)


STATES: dict[str, State] = {
    # A mail krm read from a mailbox: the KRM-B completes it on the next working day.
    Status.POSTEINGANG: State(
        "Posteingang vervollständigen (Art, Einheit, Themen)",
        _krmb,
        lambda s: s.calendar.add_workdays(s.today, 1),
    ),
    Status.EINGEGANGEN: State(
        "Fall vorbereiten und weitergeben",
        _krmb,
        _submission_due,
        ((Kind.MEINUNGSKARTE, "Meinungskarte auswerten"),),
    ),
    Status.BEI_GF: State("Abverfügung treffen", _gf, lambda s: _days(s, "abverfuegung_workdays")),
    Status.ABVERFUEGT: State(
        "Abverfügung an den Bereich weitergeben",
        _krmb,
        lambda s: s.calendar.add_workdays(s.today, 1),
    ),
    Status.BEI_BL: State("Teamleitung zuweisen", _bl, lambda s: _days(s, "assignment_workdays")),
    Status.IN_BEARBEITUNG: State(
        "Antwort entwerfen oder Gespräch führen", handling, lambda s: s.case.handling_due
    ),
    Status.IN_PRUEFUNG: State("Stellungnahme prüfen", _krmb, lambda s: _days(s, "review_workdays")),
    Status.ZUR_ZEICHNUNG: State(
        "Antwort zeichnen", signing, lambda s: _days(s, "signature_workdays")
    ),
    Status.IN_ABSTIMMUNG: State(
        "Abstimmung mit Agentur für Arbeit und RD",
        _krmb,
        lambda s: s.case.requester_due or s.case.completion_due,
    ),
    Status.ZUM_VERSAND: State(
        "Versand erfassen", _krmb, lambda s: s.calendar.add_workdays(s.today, 1)
    ),
    Status.BEANTWORTET: State(
        "Ergebnis erfassen und austragen", _krmb, lambda s: s.case.completion_due
    ),
}

# Steps the Vorzimmer takes while the KRM-B is absent (R-O-4): recording what went out.
OFFICE_STATES = frozenset({Status.ZUM_VERSAND})


# --- who may take a step ------------------------------------------------------------------


def acts_for(access: Access, holder: Holder) -> bool:
    """The user holds this task, themselves or as the deputy of an absent person."""
    return holds(
        access,
        user_id=holder.user.pk if holder.user else None,
        role=holder.role,
        unit_id=holder.unit.pk if holder.unit else None,
    )


def holds(
    access: Access,
    *,
    user_id: int | None,
    role: str,
    unit_id: int | None,
    grants: Iterable[Grant] | None = None,
) -> bool:
    """Whether the grants (default: all the user's, own and as deputy) hold a task for this
    person, or for this role (in this unit); by ids, so a task row needs nothing loaded."""
    grants = access.grants if grants is None else tuple(grants)
    if user_id is not None:
        return user_id == access.user_id or any(g.principal_id == user_id for g in grants)
    for grant in grants:
        if role not in grant.roles:
            continue
        if unit_id is None:
            return True
        if role == Role.BL and unit_id in grant.led_bereich_ids:
            return True
        if role == Role.TL and unit_id in grant.led_team_ids:
            return True
        if role == Role.LGF and unit_id in access.lgf_bereich_ids:
            return True
    return False


Allowed = Callable[[Access, "Case"], bool]


def krmb(access: Access, case: Case) -> bool:
    if about_a_krmb(case):
        return access.has(Role.VERTRETUNG)  # never the KRM-B concerned (never_for)
    return access.acts_as_krmb


def krmb_or_office(access: Access, case: Case) -> bool:
    """The KRM-B, or the Vorzimmer while the KRM-B is absent (R-O-4)."""
    return krmb(access, case) or access.office_stands_in


def gf(access: Access, case: Case) -> bool:
    return access.has(Role.GF)


def bl_of_case(access: Access, case: Case) -> bool:
    return case.bereich_id is not None and case.bereich_id in access.led_bereich_ids


def handles(access: Access, case: Case) -> bool:
    return any(acts_for(access, h) for h in handling(case))


def signs(access: Access, case: Case) -> bool:
    return any(acts_for(access, h) for h in signing(case))


def reviews_or_signs(access: Access, case: Case) -> bool:
    if case.status == Status.IN_PRUEFUNG:
        return krmb(access, case)
    return signs(access, case)


def handles_or_leads(access: Access, case: Case) -> bool:
    return handles(access, case) or bl_of_case(access, case)


def is_handler(access: Access, case: Case) -> bool:
    """The responsible TL (or their deputy) of the first round: they delegate and stay
    responsible (R-O-3). An escalated round is the BL's or the GF's own."""
    return (
        case.escalation_level == 1
        and case.handler is not None
        and acts_for(access, person(case.handler))
    )


def participates(access: Access, case: Case) -> bool:
    """KRM-B, GF, the BL and TL of the case's units, the handler, the delegate, the DSB on a
    data-protection complaint: who may add a note or a Vermerk."""
    return (
        krmb(access, case)
        or access.has(Role.GF)
        or bl_of_case(access, case)
        or (case.org_unit_id is not None and case.org_unit_id in access.led_team_ids)
        or handles(access, case)
    )


# --- fields of a step ---------------------------------------------------------------------

FIELD_TYPES = (
    "string",
    "text",
    "boolean",
    "integer",
    "date",
    "datetime",
    "choice",
    "multiple_choice",
)
MAX_STRING = 300
MAX_TEXT = 50_000
MAX_REPORTED = 20  # unknown fields named in an error (a flood is not echoed back)
Choices = Callable[["Case"], list[tuple[str, str]]]


class FieldError(ValueError):
    """A German message for one field."""


def _everywhere(case: Case) -> bool:
    return True


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    required: bool = True
    choices: Choices | None = None
    applies: Callable[[Case], bool] = _everywhere  # shown and read only where it applies
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    when: str = ""  # dates: "past" (today or before), "future" (today or later)
    initial: Callable[[Case], Any] | None = None  # what the form shows first

    def parse(self, value: Any, choices: list[tuple[str, str]] | None) -> Any:
        empty = value is None or value == "" or value == []
        if empty:
            if self.required:
                raise FieldError(
                    "Bitte wählen." if self.type.endswith("choice") else "Bitte ausfüllen."
                )
            return {"boolean": False, "multiple_choice": []}.get(self.type)
        kind = self.type
        if kind in ("string", "text"):
            if not isinstance(value, str):
                raise FieldError("Bitte Text angeben.")
            value = value.replace("\x00", "").strip()
            limit = MAX_STRING if kind == "string" else MAX_TEXT
            if len(value) > limit:
                raise FieldError(f"Höchstens {limit:,} Zeichen.".replace(",", "."))
            if not value and self.required:
                raise FieldError("Bitte ausfüllen.")
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise FieldError("Bitte ja oder nein (true/false) angeben.")
            return value
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise FieldError("Bitte eine ganze Zahl angeben.")
            if self.minimum is not None and value < self.minimum:
                raise FieldError(f"Mindestens {self.minimum}.")
            if self.maximum is not None and value > self.maximum:
                raise FieldError(f"Höchstens {self.maximum}.")
            return value
        if kind == "date":
            day = _date(value)
            today = timezone.localdate()
            if self.when == "past" and day > today:
                raise FieldError("Das Datum darf nicht in der Zukunft liegen.")
            if self.when == "future" and day < today:
                raise FieldError("Das Datum darf nicht in der Vergangenheit liegen.")
            return day
        if kind == "datetime":
            return _datetime(value)
        allowed = {v for v, _ in choices or ()}
        if kind == "choice":
            if not isinstance(value, str) or value not in allowed:
                raise FieldError("Bitte eine der angebotenen Möglichkeiten wählen.")
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FieldError("Bitte eine Liste angeben.")
        if any(v not in allowed for v in value):
            raise FieldError("Bitte nur angebotene Möglichkeiten wählen.")
        return list(dict.fromkeys(value))


EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise FieldError("Bitte ein Datum angeben (JJJJ-MM-TT).") from None
    if not isinstance(value, dt.date):
        raise FieldError("Bitte ein Datum angeben (JJJJ-MM-TT).")
    if not EARLIEST <= value <= LATEST:
        raise FieldError("Bitte ein Datum zwischen 2000 und 2100 angeben.")
    return value


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldError("Bitte Datum und Uhrzeit angeben (ISO 8601).") from None
    if not isinstance(value, dt.datetime):
        raise FieldError("Bitte Datum und Uhrzeit angeben (ISO 8601).")
    if not EARLIEST <= value.date() <= LATEST:
        raise FieldError("Bitte ein Datum zwischen 2000 und 2100 angeben.")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    moment = as_berlin(value)
    if moment > timezone.now() + dt.timedelta(minutes=5):
        raise FieldError("Der Zeitpunkt darf nicht in der Zukunft liegen.")
    return moment


def _static(enum: type[models.TextChoices], *, exclude: Iterable[str] = ()) -> Choices:
    values = [(str(v), str(label)) for v, label in enum.choices if v not in set(exclude)]
    return lambda case: values


def _user_label(user: User, what: str = "") -> str:
    return f"{user} ({what})" if what else str(user)


def _people(case: Case, assignments: Q, *, what: Callable[[Any], str]) -> list[tuple[str, str]]:
    """Active people of the case's Jobcenter holding matching roles, never the person a
    Dienstaufsichtsbeschwerde is about (R-K7)."""
    role_model = apps.get_model("accounts", "RoleAssignment")
    rows = (
        role_model.objects.filter(
            assignments, user__jobcenter_id=case.jobcenter_id, user__is_active=True
        )
        .exclude(user_id=case.staff_concerned_id)
        .exclude(user__in=_without_case_access())
        .select_related("user", "org_unit")
        .order_by("org_unit__code", "user__last_name", "user__username")
    )
    result: dict[str, str] = {}
    for row in rows:
        result.setdefault(row.user.username, _user_label(row.user, what(row)))
    return list(result.items())


def _without_case_access() -> Any:
    """Accounts that never read cases, whatever else they hold: administrators and
    Controlling (accounts.models.holds_case_roles_allowed): never a choice on a step."""
    user_model = apps.get_model("accounts", "User")
    return user_model.objects.filter(
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(role_assignments__role__in=sorted(NO_CASE_ACCESS_ROLES))
    ).values("pk")


def _role_label(row: Any) -> str:
    unit = f" {row.org_unit.code}" if row.org_unit_id else ""
    return f"{Role(row.role).label.split(' (')[0]}{unit}"


def team_leads(case: Case) -> list[tuple[str, str]]:
    """TLs of the case's Bereich (all TLs when it has none)."""
    scope = Q(role=Role.TL)
    if case.bereich_id:
        scope &= Q(org_unit__parent_id=case.bereich_id) | Q(org_unit_id=case.bereich_id)
    return _people(case, scope, what=_role_label)


def all_team_leads(case: Case) -> list[tuple[str, str]]:
    return _people(case, Q(role=Role.TL), what=_role_label)


def team_members(case: Case) -> list[tuple[str, str]]:
    """Staff of the teams the handler leads (R-O-3: they may delegate to their team)."""
    user_model = apps.get_model("accounts", "User")
    role_model = apps.get_model("accounts", "RoleAssignment")
    if case.handler_id is None:
        return []
    cached = getattr(case, "_team_members", None)
    if cached is not None:  # the guard and the field ask alike on one page
        return cached
    teams = role_model.objects.filter(user_id=case.handler_id, role=Role.TL).values("org_unit")
    people = (
        user_model.objects.filter(
            home_unit__in=teams, is_active=True, role_assignments__role__in=sorted(CASE_ROLES)
        )
        .exclude(pk__in=[case.handler_id, case.staff_concerned_id or 0])
        .exclude(pk__in=_without_case_access())
        .distinct()
        .select_related("home_unit")
        .order_by("last_name", "username")
    )
    case._team_members = [(u.username, _user_label(u, u.home_unit.code)) for u in people]
    return case._team_members


def superiors(case: Case) -> list[tuple[str, str]]:
    """The Führungskräfte who may handle a DAB about `staff_concerned` (R-K7): the TL of their
    team, the BL of their Bereich, the GF; never the person concerned."""
    concerned = case.staff_concerned
    unit = concerned.home_unit if concerned else None
    scope = Q(role=Role.GF)
    if unit is not None:
        bereich = unit.parent_id if unit.level == "team" else unit.pk
        scope |= Q(role=Role.BL, org_unit_id=bereich)
        if unit.level == "team":
            scope |= Q(role=Role.TL, org_unit_id=unit.pk)
    return _people(case, scope, what=_role_label)


def units(case: Case) -> list[tuple[str, str]]:
    unit_model = apps.get_model("accounts", "OrgUnit")
    rows = unit_model.objects.filter(jobcenter_id=case.jobcenter_id, is_active=True).order_by(
        "code"
    )
    return [(u.code, f"{u.code} – {u.name}") for u in rows]


def teams(case: Case) -> list[tuple[str, str]]:
    return [(code, label) for code, label in units(case) if len(code) > 2 and code[-1].isdigit()]


def signers(case: Case) -> list[tuple[str, str]]:
    """Who may sign: the GF for petitions and Eingaben (R-W5.3), else TL, BL or GF."""
    if case.kind in URGENT:
        return [(Signer.GF.value, str(Signer.GF.label))]
    return [(str(v), str(label)) for v, label in Signer.choices]


def _unit_code(case: Case) -> str | None:
    return case.org_unit.code if case.org_unit_id else None


def _today(case: Case) -> dt.date:
    return timezone.localdate()


RATINGS = [
    ("1", "1 – sehr gut"),
    ("2", "2 – gut"),
    ("3", "3 – mittel"),
    ("4", "4 – schlecht"),
    ("5", "5 – sehr schlecht"),
]


def topics(case: Case) -> list[tuple[str, str]]:
    topic_model = apps.get_model("jobcenters", "Topic")
    rows = topic_model.objects.filter(jobcenter_id=case.jobcenter_id, is_active=True)
    return [(t.code, t.label) for t in rows.order_by("code")]


def _topic_codes(case: Case) -> list[str]:
    return [t.code for t in case.topics.all()]


def in_scope_kinds(case: Case) -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in Kind.choices if is_in_scope(v)]


def _is_petition(case: Case) -> bool:
    return case.kind in URGENT


def _judged(case: Case) -> bool:
    return case.kind in JUDGED


def _not_yet_abverfuegt(case: Case) -> bool:
    return case.abverfuegt_at is None


def _linked_widerspruch(case: Case) -> bool:
    return case.kind != Kind.WIDERSPRUCH and bool(linked_widersprueche(case))


def linked_widersprueche(case: Case) -> list[Case]:
    case_model = apps.get_model("cases", "Case")
    link_model = apps.get_model("cases", "CaseLink")
    if getattr(case, "_widersprueche", None) is None:
        others = link_model.partner_ids(case.pk)
        case._widersprueche = list(
            case_model.objects.filter(pk__in=others, kind=Kind.WIDERSPRUCH).order_by("pk")
        )
    return case._widersprueche


NOTE = Field("text", "Text", "text")
REASON = Field("reason", "Begründung", "text")
REMARKS = Field("remarks", "Bemerkungen", "text", required=False)
CHECKLIST = (
    Field("form", "Form in Ordnung", "boolean"),
    Field("clarity", "klar und verständlich", "boolean"),
    Field("completeness", "vollständig", "boolean"),
    Field("plausibility", "plausibel", "boolean"),
)
HANDLING_DUE = Field(
    "handling_due",
    "Frist Fachbereich",
    "date",
    required=False,
    help="leer: nach der Standardfrist des Jobcenters",
    when="future",
)


# --- what a step does ---------------------------------------------------------------------


@dataclass
class Step:
    """A step being taken: the effect reads `data` and changes `case`; the service saves it,
    records `record` in the audit event and creates the tasks in `informs`."""

    transition: Transition | None  # None: registration, a change of the case's data
    case: Case
    actor: User
    access: Access
    data: dict[str, Any]
    today: dt.date
    calendar: WorkdayCalendar
    record: dict[str, Any] = field(default_factory=dict)
    informs: list[tuple[Holder, str]] = field(default_factory=list)  # "zur Kenntnis"
    extra_tasks: list[tuple[Holder, str, str, dt.date | None]] = field(default_factory=list)
    completes: set[str] = field(default_factory=set)  # task steps now done
    refresh_tasks: bool = False  # a side step that changes who acts (delegation)
    kind_changed: bool = False  # the service renumbers and recomputes the deadlines
    event_type: str = ""


def _user(case: Case, username: str) -> User:
    return apps.get_model("accounts", "User").objects.get(
        jobcenter_id=case.jobcenter_id, username=username
    )


def _unit(case: Case, code: str) -> OrgUnit:
    return apps.get_model("accounts", "OrgUnit").objects.get(
        jobcenter_id=case.jobcenter_id, code=code
    )


def _set_unit(step: Step, code: str | None) -> None:
    if not code:
        return
    unit = _unit(step.case, code)
    if unit.pk != step.case.org_unit_id:
        step.record["einheit"] = {
            "alt": str(step.case.org_unit) if step.case.org_unit_id else None,
            "neu": str(unit),
        }
    step.case.org_unit = unit
    step.case.bereich = unit.bereich


def _default_handling_due(step: Step) -> dt.date:
    return step.calendar.add_workdays(step.case.received_on, step.case.jobcenter.handling_workdays)


def _note(step: Step, key: str = "remarks", label: str = "bemerkung") -> None:
    from krm.audit.personal import Personal

    if step.data.get(key):
        step.record[label] = Personal(step.data[key], "notes")


def _inform_lgf(step: Step) -> None:
    """R-W2.5, R-O-5: the LGF in copy when one of the LGF's Bereiche is concerned."""
    bereich = step.case.bereich
    if bereich is not None and bereich.lgf_responsible:
        step.informs.append(
            (
                Holder("LGF", role=Role.LGF, unit=bereich),
                f"Zur Kenntnis (Kopie): Fall im Bereich {bereich.code}",
            )
        )


def present_to_gf(step: Step) -> None:
    """R-W2.3, W5.2: the Verfügungsblatt (Anlage 1) goes to the GF; the BL is informed."""
    case, data = step.case, step.data
    _set_unit(step, data.get("org_unit"))
    if case.kind in URGENT:
        case.requester = data["requester"]
        case.requester_reference = data.get("requester_reference") or ""
        case.requester_due = data.get("requester_due")
        case.ba_competent = bool(data.get("ba_competent"))
        step.record["anfragende_stelle"] = case.requester
    case.verfuegungen.create(
        summary=data["summary"],
        proposal=data["proposal"],
        presented_at=timezone.now(),
        presented_by=step.actor,
    )
    if case.bereich is not None:
        step.informs.append((bl_of(case.bereich), "Zur Kenntnis: neuer Fall, der GF vorgelegt"))


def decide(step: Step) -> None:
    """R-W2.3: the GF's Abverfügung: who handles, who signs, the deadline, acknowledgement."""
    case, data = step.case, step.data
    _set_unit(step, data["org_unit"])
    case.signer = data["signer"]
    case.handling_due = data.get("handling_due") or _default_handling_due(step)
    case.abverfuegt_at = timezone.now()
    acknowledge = data.get("acknowledgement")
    if not acknowledge and case.acknowledgement_pending:
        case.acknowledgement_waived = "laut Abverfügung keine Eingangsbestätigung"
    verfuegung = case.verfuegungen.order_by("-presented_at", "-pk").first()
    if verfuegung is not None:
        verfuegung.decided_at = case.abverfuegt_at
        verfuegung.decided_by = step.actor
        verfuegung.unit = case.org_unit
        verfuegung.signer = case.signer
        verfuegung.due = case.handling_due
        verfuegung.acknowledgement = bool(acknowledge)
        verfuegung.instruction = data.get("instruction") or ""
        verfuegung.save()
    step.record.update(
        {
            "zeichnung": case.signer,
            "frist": case.handling_due,
            "eingangsbestaetigung": bool(acknowledge),
        }
    )
    _note(step, "instruction", "verfuegung")


def take_in(step: Step) -> None:
    """A mail from the Posteingang becomes a case of the route (R-W3.1): the KRM-B names
    its kind, unit and topics. A kind outside the KRM is a kind correction (forwarding)."""
    case, kind = step.case, step.data["kind"]
    if kind != case.kind:
        step.record["kind"] = {"alt": case.kind, "neu": kind}
        step.kind_changed = True
        case.kind = kind
        case.urgent = kind in URGENT
    _set_unit(step, step.data.get("org_unit"))
    codes = step.data.get("topics") or []
    if len(codes) > 3:
        raise DataError("topics", "Bitte höchstens drei Themen wählen.")
    topic_model = apps.get_model("jobcenters", "Topic")
    chosen = list(topic_model.objects.filter(jobcenter_id=case.jobcenter_id, code__in=codes))
    case.topics.set(chosen)
    step.record["themen"] = sorted(t.label for t in chosen)


def acknowledge(step: Step) -> None:
    """R-W2.4: the Eingangsbestätigung went out, naming the contact person."""
    case = step.case
    sent_at = step.data.get("sent_at") or timezone.now()
    if sent_at < case.received_at - dt.timedelta(minutes=5):
        raise DataError("sent_at", "Die Bestätigung kann nicht vor dem Eingang versandt sein.")
    case.acknowledged_at = sent_at
    case.contact_person = step.data["contact_person"]
    step.record.update({"versandt": sent_at, "ansprechperson": case.contact_person})


def waive_acknowledgement(step: Step) -> None:
    step.case.acknowledgement_waived = step.data["reason"]
    _note(step, "reason", "grund")


def pass_to_bereich(step: Step) -> None:
    """R-W2.5, W3.1: to the BL with a deadline, the LGF in copy."""
    case = step.case
    _set_unit(step, step.data.get("org_unit"))
    if case.org_unit_id is None:
        raise DataError("org_unit", "Bitte den Bereich oder das Team wählen.")
    # The unit named in this step may make the case "vorlagepflichtig" (Anlage 2).
    reason = abverfuegt_or_free(case)
    if reason:
        raise Refused(reason)
    if case.handling_due is None or step.data.get("handling_due"):
        case.handling_due = step.data.get("handling_due") or _default_handling_due(step)
    if not case.signer:
        case.signer = Signer.GF if case.kind in URGENT else Signer.TL
    step.record["frist"] = case.handling_due
    _inform_lgf(step)


def assign_team_lead(step: Step) -> None:
    """R-W2.6, O-3: the BL names the TL, who stays responsible."""
    handler = _user(step.case, step.data["handler"])
    step.case.handler = handler
    step.case.delegate = None
    step.record["verantwortlich"] = _user_label(handler)


def delegate(step: Step) -> None:
    member = _user(step.case, step.data["delegate"])
    step.case.delegate = member
    step.refresh_tasks = True
    step.record["bearbeitet_von"] = _user_label(member)


def save_draft(step: Step) -> None:
    from krm.audit.personal import Personal

    step.case.draft = step.data["draft"]
    step.record["entwurf"] = Personal(step.data["draft"], "draft")


def settle_in_conversation(step: Step) -> None:
    """R-W2.8: settled by phone or in person; the Vermerk is recorded, the KRM-B told."""
    from krm.audit.personal import Personal

    case = step.case
    case.informed_via = step.data["how"]
    case.informed_on = step.data["on"]
    step.record.update(
        {
            "wie": case.informed_via,
            "am": case.informed_on,
            "vermerk": Personal(step.data["vermerk"], "notes"),
        }
    )


def _checklist(step: Step) -> None:
    step.record["pruefung"] = {f.label: bool(step.data.get(f.name)) for f in CHECKLIST}
    _note(step)


def review_passed(step: Step) -> None:
    if not all(step.data.get(f.name) for f in CHECKLIST):
        raise DataError(
            "form",
            "Zur Zeichnung geht nur eine in allen Punkten geprüfte Stellungnahme; "
            "sonst bitte zur Überarbeitung zurückgeben.",
        )
    _checklist(step)


def send_back(step: Step) -> None:
    if step.case.status == Status.IN_PRUEFUNG:
        _checklist(step)
    _note(step)


def sign(step: Step) -> None:
    step.record["gezeichnet_von"] = signing(step.case)[0].who


def agree_aa(step: Step) -> None:
    step.case.aa_agreed_on = step.data["on"]
    step.record["abgestimmt_am"] = step.data["on"]
    _note(step)


def agree_rd(step: Step) -> None:
    step.case.rd_agreed_on = step.data["on"]
    step.record["abgestimmt_am"] = step.data["on"]
    _note(step)


def record_sending(step: Step) -> None:
    case = step.case
    case.answer_sent_on = step.data["on"]
    if case.kind in URGENT:
        case.copies = step.data.get("copies")
        step.record.update({"an": case.requester, "ausfertigungen": case.copies})
    else:
        case.informed_via = case.informed_via or InformedVia.BRIEF
        case.informed_on = case.informed_on or case.answer_sent_on
    step.record["versandt"] = case.answer_sent_on


def close(step: Step) -> None:
    """R-W2.9, Q4: the result is recorded and the case closed ("austragen")."""
    case, data = step.case, step.data
    case.outcome = data.get("outcome") or Outcome.KEINE
    case.measure = data.get("measure") or ""
    if data.get("informed_via"):
        case.informed_via = data["informed_via"]
    if data.get("informed_on"):
        case.informed_on = data["informed_on"]
    if data.get("widerspruch_outcome"):
        case.widerspruch_outcome = data["widerspruch_outcome"]
        step.record["widerspruch"] = case.widerspruch_outcome
    case.closed_at = timezone.now()
    step.record.update(
        {"ergebnis": case.outcome, "informiert": case.informed_via, "am": case.informed_on}
    )
    _note(step, "measure", "massnahme")


def evaluate_card(step: Step) -> None:
    """R-W6.1: the KRM-B evaluates a Meinungskarte; a team's TL reads it."""
    case, data = step.case, step.data
    case.rating = int(data["rating"])
    case.feedback = data["feedback"]
    case.outcome = Outcome.KEINE
    case.closed_at = timezone.now()
    _set_unit(step, data.get("team"))
    step.record.update({"bewertung": case.rating, "aussage": case.feedback})
    if data.get("team"):
        step.informs.append((tl_of(case.org_unit), "Zur Kenntnis: Meinungskarte zu Ihrem Team"))


def to_superior(step: Step) -> None:
    """R-K7: a DAB goes to the Führungskraft of the staff member concerned; the GF signs."""
    case = step.case
    case.handler = _user(case, step.data["handler"])
    case.signer = Signer.GF
    case.handling_due = step.data.get("handling_due") or _default_handling_due(step)
    step.record.update({"fuehrungskraft": _user_label(case.handler), "frist": case.handling_due})


def forward_to_gf_superior(step: Step) -> None:
    """R-K7: a DAB against the GF goes to the GF's superior."""
    case = step.case
    case.forwardings.create(
        recipient=step.data["recipient"],
        forwarded_at=timezone.now(),
        forwarded_by=step.actor,
        note=step.data.get("remarks") or "",
    )
    case.closed_at = timezone.now()
    step.record["an"] = step.data["recipient"]
    _note(step)


def to_dsb(step: Step) -> None:
    """R-K8: the DSB handles with the TL; the GF signs."""
    case = step.case
    case.handler = _user(case, step.data["handler"])
    case.signer = Signer.GF
    case.handling_due = step.data.get("handling_due") or _default_handling_due(step)
    step.record.update({"verantwortlich": _user_label(case.handler), "frist": case.handling_due})


def escalate(step: Step) -> None:
    """R-W1.2: the customer is not satisfied: a new round one level up, with its own
    deadline counted from the new reaction."""
    case = step.case
    received_at = step.data.get("received_at") or timezone.now()
    level = case.escalation_level + 1
    case.escalation_level = level
    case.signer = Signer.BL if level == 2 else Signer.GF
    received_on = as_berlin(received_at).date()
    jobcenter = case.jobcenter
    case.completion_due = step.calendar.add_workdays(received_on, jobcenter.completion_workdays)
    case.handling_due = step.calendar.add_workdays(received_on, jobcenter.handling_workdays)
    case.closed_at = None
    case.outcome = ""
    case.draft = ""
    case.delegate = None
    step.record.update({"stufe": level, "eingang": received_at, "frist": case.completion_due})
    _note(step, "reason", "grund")


def report_deadline_risk(step: Step) -> None:
    """R-Q3: the completion deadline cannot be met: the KRM-B writes a Zwischennachricht."""
    step.extra_tasks.append(
        (
            _krmb(step.case)[0],
            "zwischennachricht",
            "Zwischennachricht schreiben",
            step.calendar.add_workdays(step.today, 1),
        )
    )
    if step.data.get("proposed_due"):
        step.record["vorgeschlagene_frist"] = step.data["proposed_due"]
    _note(step, "reason", "grund")


def interim_notice(step: Step) -> None:
    """R-Q3: the KRM-B sends a Zwischennachricht after consulting TL and BL; a new deadline."""
    case, data = step.case, step.data
    if not (data.get("tl_consulted") and data.get("bl_consulted")):
        raise DataError(
            "tl_consulted",
            "Die Zwischennachricht schreibt die KRM-B nach Rücksprache mit TL und BL.",
        )
    if data["new_due"] <= step.today:
        raise DataError("new_due", "Die neue Frist muss in der Zukunft liegen.")
    step.record["abschluss"] = {"alt": case.completion_due, "neu": data["new_due"]}
    case.completion_due = data["new_due"]
    step.record.update({"tl_befragt": True, "bl_befragt": True, "versandt": data["sent_on"]})
    step.completes.add("zwischennachricht")


def waiver(step: Step) -> None:
    """R-W5.6: the customer declared the petition settled and waived a written answer."""
    case = step.case
    if not step.data.get("signed"):
        raise DataError("signed", "Ohne die unterschriebene Erklärung gilt kein Verzicht.")
    case.outcome = Outcome.KEINE
    case.closed_at = timezone.now()
    step.record["erklaert_am"] = step.data["declared_on"]
    _note(step, "reasons", "gruende")


def widerspruch_concluded(step: Step) -> None:
    """R-K9: the Widerspruch's outcome, recorded on it and on the open complaints linked to
    it (each a new version with its own event)."""
    from krm.audit.services import record

    case = step.case
    case.widerspruch_outcome = step.data["outcome"]
    step.record.update({"widerspruch": case.widerspruch_outcome, "am": step.data["on"]})
    case_model = apps.get_model("cases", "Case")
    link_model = apps.get_model("cases", "CaseLink")
    complaints = (
        case_model.objects.select_for_update(of=("self",))
        .filter(pk__in=link_model.partner_ids(case.pk), is_open=True)
        .exclude(kind=Kind.WIDERSPRUCH)
    )
    for complaint in complaints:
        complaint.widerspruch_outcome = case.widerspruch_outcome
        complaint.version += 1
        complaint.save()
        record(
            case=complaint,
            type="case.step",
            actor=step.actor,
            data={
                "schritt": "widerspruch_ergebnis",
                "widerspruch": case.widerspruch_outcome,
                "mit": case.aktenzeichen,
                "mit_id": case.pk,
            },
        )


def add_note(step: Step) -> None:
    from krm.audit.personal import Personal

    step.record["notiz"] = Personal(step.data["text"], "notes")
    step.record["art"] = "Vermerk" if step.data.get("vermerk") else "Notiz"


def reopen(step: Step) -> None:
    from krm.audit.personal import Personal

    case = step.case
    step.record.update(
        {
            "grund": Personal(step.data.get("reason") or "", "notes"),
            "ergebnis": case.outcome,
            "abgeschlossen": case.closed_at,
        }
    )
    case.closed_at = None
    case.outcome = ""


def _nothing(step: Step) -> None:
    return None


class Refused(Exception):
    """Raised by an effect: the step is not possible for this case (a guard that needs the
    step's data); a German message."""


class DataError(Exception):
    """Raised by an effect: data that fits the fields but not the case; per field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- guards: why a step cannot be taken now (German), or None ------------------------------

Guard = Callable[["Case"], "str | None"]


def _ok(case: Case) -> str | None:
    return None


def _all(*guards: Guard) -> Guard:
    def check(case: Case) -> str | None:
        for guard in guards:
            reason = guard(case)
            if reason:
                return reason
        return None

    return check


def krm_route(case: Case) -> str | None:
    if case.kind not in KRM_ROUTE:
        return f"Eine {case.get_kind_display()} hat einen eigenen Weg."
    return None


def gf_first(case: Case) -> str | None:
    """Why this case must go to the GF before the Bereich (R-W2.3, W3.2, W5.2), or None."""
    if case.kind in URGENT:
        return "Petitionen und Eingaben gehen zuerst der GF zur Verfügung vor."
    if case.channel == Channel.BRIEF:
        return "Briefe gehen zuerst mit dem Verfügungsblatt an die GF."
    if case.requires_gf:
        return "Der Fall ist als der GF vorzulegen markiert."
    criterion_model = apps.get_model("cases", "PresentationCriterion")
    criteria = list(criterion_model.objects.filter(jobcenter_id=case.jobcenter_id, is_active=True))
    if criteria:
        topic_ids = set(case.topics.values_list("pk", flat=True))
        for criterion in criteria:
            if criterion.matches(case, topic_ids):
                return f"Vorlagepflichtig (Anlage 2): {criterion.label}."
    return None


def abverfuegt_or_free(case: Case) -> str | None:
    if case.abverfuegt_at is None:
        reason = gf_first(case)
        if reason:
            return f"{reason} Bitte zuerst das Verfügungsblatt vorlegen."
    return None


def acknowledgement_decided(case: Case) -> str | None:
    if case.acknowledgement_pending:
        return "Bitte zuerst die Eingangsbestätigung erfassen oder begründet darauf verzichten."
    return None


def acknowledgement_pending(case: Case) -> str | None:
    return None if case.acknowledgement_pending else "Es ist keine Eingangsbestätigung offen."


def has_draft(case: Case) -> str | None:
    return None if case.draft.strip() else "Bitte zuerst den Antwortentwurf schreiben."


def not_ba(case: Case) -> str | None:
    return "Die BA ist zuständig: erst abstimmen." if case.ba_competent else None


def ba(case: Case) -> str | None:
    return None if case.ba_competent else "Die BA ist nicht zuständig."


def aa_open(case: Case) -> str | None:
    return "Die Abstimmung mit der Agentur für Arbeit ist erfasst." if case.aa_agreed_on else None


def aa_done(case: Case) -> str | None:
    return None if case.aa_agreed_on else "Zuerst mit der Agentur für Arbeit abstimmen."


def answered_in_writing(case: Case) -> str | None:
    if case.kind in URGENT or case.kind in (
        Kind.DIENSTAUFSICHTSBESCHWERDE,
        Kind.DATENSCHUTZBESCHWERDE,
    ):
        return "Diese Art wird schriftlich beantwortet und von der GF gezeichnet."
    return None


def closable_now(case: Case) -> str | None:
    """A case closes after its answer; one taken in a conversation (phone, counter,
    Vorzimmer) and settled at once, or a Lob, may close straight away."""
    if case.status == Status.EINGEGANGEN and not (
        (case.channel in SPOKEN_CHANNELS and case.kind in (Kind.BESCHWERDE, Kind.ANREGUNG))
        or case.kind == Kind.LOB
    ):
        return "Der Fall ist noch nicht beantwortet."
    return None


def is_kind(*kinds: str) -> Guard:
    names = ", ".join(str(Kind(k).label) for k in kinds)

    def check(case: Case) -> str | None:
        return None if case.kind in kinds else f"Nur für: {names}."

    return check


def dab_not_against_gf(case: Case) -> str | None:
    if case.staff_concerned_id is None:
        return "Bitte zuerst die betroffene Person erfassen."
    if Role.GF in concerned_roles(case):
        return "Eine DAB gegen die GF geht an die vorgesetzte Stelle der GF."
    return None


def dab_against_gf(case: Case) -> str | None:
    return None if Role.GF in concerned_roles(case) else "Die DAB richtet sich nicht gegen die GF."


def escalatable(case: Case) -> str | None:
    if case.kind not in {Kind.BESCHWERDE}:
        return "Nur Beschwerden werden eskaliert."
    if case.escalation_level >= 3:
        return "Die höchste Eskalationsstufe (GF) ist erreicht."
    if case.escalation_level == 1 and case.bereich_id is None:
        return "Bitte zuerst die betroffene Einheit erfassen."
    return None


def in_scope(case: Case) -> str | None:
    return None if is_in_scope(case.kind) else "Der Fall ist kein KRM-Fall."


def out_of_scope(case: Case) -> str | None:
    return "Nur Fälle außerhalb des KRM werden weitergeleitet." if is_in_scope(case.kind) else None


def no_interim_pending(case: Case) -> str | None:
    pending = getattr(case, "open_task_steps", None)
    if pending is None:
        task_model = apps.get_model("cases", "Task")
        pending = set(task_model.objects.open().filter(case=case).values_list("step", flat=True))
    return "Die KRM-B ist bereits informiert." if "zwischennachricht" in pending else None


def has_completion_deadline(case: Case) -> str | None:
    return None if case.completion_due else "Der Fall hat keine Abschlussfrist."


# --- 3. The steps -------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state stays
    allowed: Allowed
    guard: Guard = _ok
    fields: tuple[Field, ...] = ()
    effect: Callable[[Step], None] = _nothing
    confirm: str = ""  # asked before a step that closes or ends something
    offered: bool = True  # False: taken by another service (kind correction), not a button
    event: str = ""  # the audit event type; default "case.step"


ANY_OPEN = OPEN_STATUSES
EVERY = frozenset(Status)

_PETITION_FIELDS = (
    Field(
        "requester",
        "anfragende Stelle",
        "string",
        applies=_is_petition,
        help="z. B. Petitionsausschuss des Abgeordnetenhauses, BMAS",
    ),
    Field("requester_reference", "deren Zeichen", "string", required=False, applies=_is_petition),
    Field(
        "requester_due", "deren Frist", "date", required=False, applies=_is_petition, when="future"
    ),
    Field(
        "ba_competent",
        "BA zuständig (§ 44b Abs. 3 SGB II)",
        "boolean",
        required=False,
        applies=_is_petition,
    ),
)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # R-W3.1: a mail read from a mailbox is registered in the Posteingang; the KRM-B
        # completes it, then it takes the route of an e-mail.
        Transition(
            "uebernehmen",
            "Aus dem Posteingang übernehmen",
            frozenset({Status.POSTEINGANG}),
            Status.EINGEGANGEN,
            krmb,
            fields=(
                Field(
                    "kind",
                    "Art",
                    "choice",
                    choices=in_scope_kinds,
                    initial=lambda c: c.kind,
                    help="Anderes als eine Kundenreaktion (z. B. ein Widerspruch): „Art "
                    "korrigieren“ leitet es weiter.",
                ),
                Field(
                    "org_unit",
                    "betroffene Einheit",
                    "choice",
                    required=False,
                    choices=units,
                    initial=_unit_code,
                ),
                Field(
                    "topics",
                    "Themen (bis zu drei)",
                    "multiple_choice",
                    required=False,
                    choices=topics,
                    initial=_topic_codes,
                ),
            ),
            effect=take_in,
        ),
        # Route 1, letter (R-W2), and petitions (R-W5): the Verfügungsblatt to the GF; the
        # BL is informed. E-mails go this way only when "vorlagepflichtig" (R-W3.2).
        Transition(
            "gf_vorlegen",
            "Verfügungsblatt der GF vorlegen",
            frozenset({Status.EINGEGANGEN}),
            Status.BEI_GF,
            krmb,
            krm_route,
            (
                Field("summary", "Sachverhalt (Zusammenfassung)", "text"),
                Field(
                    "proposal",
                    "Vorschlag",
                    "text",
                    help="wer bearbeitet, wer zeichnet, Frist, Eingangsbestätigung",
                ),
                Field(
                    "org_unit",
                    "betroffene Einheit",
                    "choice",
                    required=False,
                    choices=units,
                    initial=_unit_code,
                ),
                *_PETITION_FIELDS,
            ),
            present_to_gf,
        ),
        Transition(
            "abverfuegen",
            "Abverfügung treffen",
            frozenset({Status.BEI_GF}),
            Status.ABVERFUEGT,
            gf,
            fields=(
                Field(
                    "org_unit",
                    "bearbeitet durch (Bereich/Team)",
                    "choice",
                    choices=units,
                    initial=_unit_code,
                ),
                Field("signer", "zeichnet", "choice", choices=signers),
                HANDLING_DUE,
                Field(
                    "acknowledgement", "Eingangsbestätigung versenden", "boolean", required=False
                ),
                Field("instruction", "weitere Verfügung", "text", required=False),
            ),
            effect=decide,
        ),
        # R-W2.4, Q1: only written reactions get one; the KRM-B (or the Abverfügung) may
        # waive it, with a reason.
        Transition(
            "eingangsbestaetigung",
            "Eingangsbestätigung erfassen",
            ANY_OPEN,
            None,
            krmb_or_office,
            acknowledgement_pending,
            (
                Field("contact_person", "genannte Ansprechperson", "string"),
                Field("sent_at", "versandt am", "datetime", required=False, help="leer: jetzt"),
            ),
            acknowledge,
            event="case.acknowledged",
        ),
        Transition(
            "keine_eingangsbestaetigung",
            "Ohne Eingangsbestätigung",
            ANY_OPEN,
            None,
            krmb,
            acknowledgement_pending,
            (REASON,),
            waive_acknowledgement,
        ),
        # R-W2.5, W3.1, W5.2: to the BL with a deadline (the LGF in copy).
        Transition(
            "an_bereich",
            "An die Bereichsleitung geben",
            frozenset({Status.EINGEGANGEN, Status.ABVERFUEGT}),
            Status.BEI_BL,
            krmb,
            _all(krm_route, abverfuegt_or_free, acknowledgement_decided),
            (
                Field(
                    "org_unit",
                    "Bereich/Team",
                    "choice",
                    required=False,
                    choices=units,
                    applies=_not_yet_abverfuegt,
                    initial=_unit_code,
                ),
                Field(
                    "handling_due",
                    "Frist Fachbereich",
                    "date",
                    required=False,
                    applies=_not_yet_abverfuegt,
                    help="leer: nach der Standardfrist",
                ),
            ),
            pass_to_bereich,
        ),
        # R-W2.6, O-3: the BL names the TL; the TL may delegate and stays responsible.
        Transition(
            "tl_zuweisen",
            "Teamleitung zuweisen",
            frozenset({Status.BEI_BL}),
            Status.IN_BEARBEITUNG,
            bl_of_case,
            fields=(Field("handler", "Teamleitung", "choice", choices=team_leads),),
            effect=assign_team_lead,
        ),
        Transition(
            "delegieren",
            "An Mitarbeiter/in delegieren",
            frozenset({Status.IN_BEARBEITUNG}),
            None,
            is_handler,
            lambda case: None
            if team_members(case)
            else "Im Team ist niemand, an den delegiert werden kann.",
            fields=(Field("delegate", "Mitarbeiter/in", "choice", choices=team_members),),
            effect=delegate,
        ),
        # Handling in writing (an answer draft, typed here) …
        Transition(
            "entwurf",
            "Antwortentwurf speichern",
            frozenset({Status.IN_BEARBEITUNG}),
            None,
            handles,
            fields=(
                Field(
                    "draft",
                    "Antwortentwurf / Stellungnahme",
                    "text",
                    initial=lambda case: case.draft,
                ),
            ),
            effect=save_draft,
        ),
        Transition(
            "vorlegen",
            "Entwurf zur Prüfung vorlegen",
            frozenset({Status.IN_BEARBEITUNG}),
            Status.IN_PRUEFUNG,
            handles,
            has_draft,
        ),
        # … or by phone / in person, with a Vermerk (R-W2.8).
        Transition(
            "im_gespraech_erledigt",
            "Im Gespräch erledigt (Vermerk)",
            frozenset({Status.IN_BEARBEITUNG}),
            Status.BEANTWORTET,
            handles,
            answered_in_writing,
            (
                Field(
                    "how",
                    "Gespräch",
                    "choice",
                    choices=_static(InformedVia, exclude=("brief", "email")),
                ),
                Field("on", "am", "date", when="past", initial=_today),
                Field("vermerk", "Vermerk", "text"),
            ),
            settle_in_conversation,
        ),
        # R-W5.4: the KRM-B reviews every Stellungnahme (form, clarity, completeness,
        # plausibility) and may send it back with remarks.
        Transition(
            "pruefung_bestanden",
            "Geprüft: zur Zeichnung",
            frozenset({Status.IN_PRUEFUNG}),
            Status.ZUR_ZEICHNUNG,
            krmb,
            fields=(*CHECKLIST, REMARKS),
            effect=review_passed,
        ),
        Transition(
            "zurueckgeben",
            "Zur Überarbeitung zurückgeben",
            frozenset({Status.IN_PRUEFUNG, Status.ZUR_ZEICHNUNG}),
            Status.IN_BEARBEITUNG,
            reviews_or_signs,
            fields=(
                *(
                    Field(
                        f.name,
                        f.label,
                        f.type,
                        required=False,
                        applies=lambda c: c.status == Status.IN_PRUEFUNG,
                    )
                    for f in CHECKLIST
                ),
                Field("remarks", "Bemerkungen", "text"),
            ),
            effect=send_back,
        ),
        # R-W2.7: signed by TL, BL or GF as ordered.
        Transition(
            "zeichnen",
            "Zeichnen",
            frozenset({Status.ZUR_ZEICHNUNG}),
            Status.ZUM_VERSAND,
            signs,
            not_ba,
            effect=sign,
        ),
        # R-W5.5: where the BA is competent, agreed with the AA Berlin Nord, then the RD.
        Transition(
            "zeichnen_abstimmung",
            "Zeichnen (Abstimmung mit der BA folgt)",
            frozenset({Status.ZUR_ZEICHNUNG}),
            Status.IN_ABSTIMMUNG,
            signs,
            ba,
            effect=sign,
        ),
        Transition(
            "abstimmung_aa",
            "Abstimmung mit der Agentur für Arbeit erfassen",
            frozenset({Status.IN_ABSTIMMUNG}),
            None,
            krmb,
            aa_open,
            (Field("on", "abgestimmt am", "date", when="past", initial=_today), REMARKS),
            agree_aa,
        ),
        Transition(
            "abstimmung_rd",
            "Abstimmung mit der RD erfassen",
            frozenset({Status.IN_ABSTIMMUNG}),
            Status.ZUM_VERSAND,
            krmb,
            aa_done,
            (Field("on", "abgestimmt am", "date", when="past", initial=_today), REMARKS),
            agree_rd,
        ),
        Transition(
            "versenden",
            "Versand erfassen",
            frozenset({Status.ZUM_VERSAND}),
            Status.BEANTWORTET,
            krmb_or_office,
            fields=(
                Field("on", "versandt am", "date", when="past", initial=_today),
                Field(
                    "copies",
                    "Ausfertigungen",
                    "integer",
                    applies=_is_petition,
                    minimum=1,
                    maximum=20,
                    required=False,
                ),
            ),
            effect=record_sending,
        ),
        # R-W2.9, Q4: the result, the Maßnahme, how and when the customer was informed.
        Transition(
            "abschliessen",
            "Ergebnis erfassen und austragen",
            frozenset({Status.BEANTWORTET, Status.EINGEGANGEN}),
            Status.ABGESCHLOSSEN,
            krmb,
            _all(
                in_scope,
                closable_now,
                lambda c: None
                if c.kind != Kind.MEINUNGSKARTE
                else "Eine Meinungskarte wird ausgewertet.",
            ),
            (
                Field(
                    "outcome",
                    "Ergebnis",
                    "choice",
                    choices=_static(Outcome, exclude=(Outcome.KEINE,)),
                    applies=_judged,
                ),
                Field("measure", "Maßnahme", "text", required=False),
                Field(
                    "informed_via",
                    "Kunde informiert per",
                    "choice",
                    choices=_static(InformedVia),
                    required=False,
                ),
                Field("informed_on", "Kunde informiert am", "date", required=False, when="past"),
                Field(
                    "widerspruch_outcome",
                    "Ergebnis des verknüpften Widerspruchs",
                    "choice",
                    choices=_static(WiderspruchOutcome),
                    applies=_linked_widerspruch,
                    help="R-K9: Beschwerde und Widerspruch werden zusammen abgeschlossen",
                ),
            ),
            close,
            confirm="Den Fall jetzt austragen?",
        ),
        # Route 6, Meinungskarte (R-W6.1): evaluated; a team's TL reads it.
        Transition(
            "auswerten",
            "Meinungskarte auswerten",
            frozenset({Status.EINGEGANGEN}),
            Status.ABGESCHLOSSEN,
            krmb,
            is_kind(Kind.MEINUNGSKARTE),
            (
                Field("rating", "Bewertung", "choice", choices=lambda case: RATINGS),
                Field("feedback", "Aussage", "choice", choices=_static(Feedback)),
                Field("team", "Team (falls zuzuordnen)", "choice", required=False, choices=teams),
            ),
            evaluate_card,
            confirm="Die Meinungskarte auswerten und ablegen?",
        ),
        # Route 4, Dienstaufsichtsbeschwerde (R-K7): to the Führungskraft of the staff
        # member concerned (never to them), the result to the GF to sign.
        Transition(
            "an_fuehrungskraft",
            "An die Führungskraft geben",
            frozenset({Status.EINGEGANGEN}),
            Status.IN_BEARBEITUNG,
            krmb,
            _all(is_kind(Kind.DIENSTAUFSICHTSBESCHWERDE), dab_not_against_gf),
            (Field("handler", "Führungskraft", "choice", choices=superiors), HANDLING_DUE),
            to_superior,
        ),
        Transition(
            "an_vorgesetzte_der_gf",
            "An die vorgesetzte Stelle der GF weiterleiten",
            frozenset({Status.EINGEGANGEN}),
            Status.WEITERGELEITET,
            krmb,
            _all(is_kind(Kind.DIENSTAUFSICHTSBESCHWERDE), dab_against_gf),
            (
                Field("recipient", "an", "string", help="z. B. Vorsitz der Trägerversammlung"),
                REMARKS,
            ),
            forward_to_gf_superior,
            confirm="Die DAB an die vorgesetzte Stelle der GF weiterleiten?",
        ),
        # Route 5, data protection (R-K8): the DSB with the TL; the GF signs.
        Transition(
            "an_dsb",
            "An die/den DSB und die Teamleitung geben",
            frozenset({Status.EINGEGANGEN}),
            Status.IN_BEARBEITUNG,
            krmb,
            is_kind(Kind.DATENSCHUTZBESCHWERDE),
            (Field("handler", "Teamleitung", "choice", choices=all_team_leads), HANDLING_DUE),
            to_dsb,
        ),
        # Route 3, petitions: the customer's waiver ends it (R-W5.6).
        Transition(
            "verzicht",
            "Verzicht des Kunden erfassen",
            ANY_OPEN,
            Status.ABGESCHLOSSEN,
            krmb,
            is_kind(Kind.PETITION, Kind.EINGABE),
            (
                Field("declared_on", "erklärt am", "date", when="past"),
                Field("signed", "unterschriebene Erklärung liegt vor", "boolean"),
                Field("reasons", "Gründe", "text"),
            ),
            waiver,
            confirm="Den Verzicht erfassen und den Fall beenden?",
        ),
        # Deadlines (R-Q3): the handler reports a deadline at risk; the KRM-B writes the
        # Zwischennachricht after consulting TL and BL, which sets a new deadline.
        Transition(
            "frist_gefaehrdet",
            "Frist nicht einhaltbar melden",
            ANY_OPEN - {Status.EINGEGANGEN},
            None,
            handles_or_leads,
            _all(has_completion_deadline, no_interim_pending),
            (
                REASON,
                Field(
                    "proposed_due",
                    "vorgeschlagene neue Frist",
                    "date",
                    required=False,
                    when="future",
                ),
            ),
            report_deadline_risk,
        ),
        Transition(
            "zwischennachricht",
            "Zwischennachricht erfassen",
            ANY_OPEN,
            None,
            krmb,
            has_completion_deadline,
            (
                Field("tl_consulted", "TL befragt", "boolean"),
                Field("bl_consulted", "BL befragt", "boolean"),
                Field("new_due", "neue Frist", "date", when="future"),
                Field("sent_on", "versandt am", "date", when="past", initial=_today),
            ),
            interim_notice,
        ),
        # Escalation (R-W1.2): TL → BL → GF, one level at a time, each a new round.
        Transition(
            "eskalieren",
            "Eskalieren: Kunde nicht zufrieden",
            frozenset({Status.BEANTWORTET, Status.ABGESCHLOSSEN}),
            Status.IN_BEARBEITUNG,
            krmb,
            escalatable,
            (
                Field("reason", "Was der Kunde vorbringt", "text"),
                Field(
                    "received_at",
                    "Eingang der erneuten Reaktion",
                    "datetime",
                    required=False,
                    help="leer: jetzt",
                ),
            ),
            escalate,
            confirm="Den Fall eine Stufe höher neu bearbeiten lassen?",
        ),
        # R-K9: a Widerspruch (forwarded) is concluded with its linked complaint.
        Transition(
            "widerspruch_ergebnis",
            "Ergebnis des Widerspruchs erfassen",
            frozenset({Status.WEITERGELEITET}),
            None,
            krmb,
            is_kind(Kind.WIDERSPRUCH),
            (
                Field("outcome", "Ergebnis", "choice", choices=_static(WiderspruchOutcome)),
                Field("on", "entschieden am", "date", when="past"),
            ),
            widerspruch_concluded,
        ),
        # Participants add a note or a Vermerk at any time.
        Transition(
            "notiz",
            "Notiz oder Vermerk hinzufügen",
            EVERY,
            None,
            participates,
            fields=(
                NOTE,
                Field("vermerk", "als Vermerk (Gespräch, Telefonat)", "boolean", required=False),
            ),
            effect=add_note,
        ),
        # Kind correction (R-K10, services.correct_kind) moves a case out of or into the KRM.
        Transition(
            "weiterleiten",
            "Weiterleiten (kein KRM)",
            ANY_OPEN,
            Status.WEITERGELEITET,
            krmb,
            out_of_scope,
            offered=False,
        ),
        Transition(
            "wiedereroeffnen",
            "Wieder eröffnen",
            frozenset({Status.ABGESCHLOSSEN, Status.WEITERGELEITET}),
            Status.EINGEGANGEN,
            krmb,
            _all(
                in_scope,
                lambda c: None
                if c.kind != Kind.MEINUNGSKARTE
                else "Eine ausgewertete Meinungskarte bleibt abgeschlossen.",
            ),
            (Field("reason", "Grund", "text", required=False),),
            reopen,
            confirm="Den Fall wieder eröffnen?",
        ),
    ]
}


# --- reading the table --------------------------------------------------------------------


class TransitionNotAllowed(Exception):
    """Not possible in the case's state (or its guard refuses): a German message."""


class StepDataError(Exception):
    """Bad data for a step: German messages per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def never_for(access: Access, case: Case) -> bool:
    """The person a DAB is about never takes a step on it, nor a deputy for them (R-K7)."""
    if case.kind != Kind.DIENSTAUFSICHTSBESCHWERDE or case.staff_concerned_id is None:
        return False
    return case.staff_concerned_id in never_shown_dabs_about(access)


def check(transition: Transition, case: Case, access: Access) -> None:
    """PermissionError: this user may not take it; TransitionNotAllowed: not now."""
    if never_for(access, case) or not transition.allowed(access, case):
        raise PermissionError(transition.name)
    if case.status not in transition.sources:
        raise TransitionNotAllowed(
            f"„{transition.label}“ ist im Status „{case.get_status_display()}“ nicht möglich."
        )
    reason = transition.guard(case)
    if reason:
        raise TransitionNotAllowed(reason)


def available(case: Case, access: Access) -> list[Transition]:
    """The steps this user may take on this case now (buttons, the API's list)."""
    result = []
    for transition in TRANSITIONS.values():
        if not transition.offered:
            continue
        try:
            check(transition, case, access)
        except (TransitionNotAllowed, PermissionError):
            continue
        result.append(transition)
    # Steps that move the case on first, then those beside the route (notes, notices).
    return sorted(result, key=lambda t: t.target is None)


def fields_of(
    transition: Transition, case: Case
) -> list[tuple[Field, list[tuple[str, str]] | None]]:
    """The fields that apply to this case, each with its choices (computed once)."""
    return [
        (f, f.choices(case) if f.choices else None) for f in transition.fields if f.applies(case)
    ]


def clean(transition: Transition, case: Case, data: Any) -> dict[str, Any]:
    """The step's data, typed and checked; StepDataError with German messages per field."""
    if not isinstance(data, Mapping):
        raise StepDataError({"data": ["Bitte die Angaben als Objekt übermitteln."]})
    fields = fields_of(transition, case)
    errors: dict[str, list[str]] = {}
    known = {f.name for f, _ in fields}
    unknown = [name for name in data if name not in known]
    for name in unknown[:MAX_REPORTED]:
        errors[str(name)[:50]] = ["Unbekanntes Feld für diesen Schritt."]
    if len(unknown) > MAX_REPORTED:
        errors["data"] = [
            f"{len(unknown)} unbekannte Felder; die ersten {MAX_REPORTED} sind genannt."
        ]
    cleaned: dict[str, Any] = {}
    for f, choices in fields:
        try:
            cleaned[f.name] = f.parse(data.get(f.name), choices)
        except FieldError as exc:
            errors[f.name] = [str(exc)]
    if errors:
        raise StepDataError(errors)
    return cleaned


def describe(transition: Transition, case: Case) -> dict[str, Any]:
    """A step as the API lists it: a client that knows only this can drive a case."""
    return {
        "name": transition.name,
        "label": transition.label,
        "confirm": transition.confirm,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "help": f.help,
                "choices": [{"value": v, "label": lbl} for v, lbl in choices]
                if choices is not None
                else None,
            }
            for f, choices in fields_of(transition, case)
        ],
    }


WHO = {
    krmb: "KRM-B",
    krmb_or_office: "KRM-B; Vorzimmer, solange die KRM-B abwesend ist",
    gf: "GF",
    bl_of_case: "BL des Bereichs",
    is_handler: "verantwortliche TL",
    handles: "wer bearbeitet: TL und Delegierte/r; DSB; Führungskraft (DAB); Stufe 2 BL, 3 GF",
    signs: "wer laut Abverfügung zeichnet",
    reviews_or_signs: "KRM-B (in Prüfung) oder wer zeichnet",
    handles_or_leads: "wer bearbeitet, oder die BL",
    participates: "Beteiligte: KRM-B, GF, BL, TL, Bearbeitende",
}


def steps_table() -> str:
    """The steps as a Markdown table, for docs/workflow.md."""
    lines = ["| Schritt | Name | von | nach | wer |", "|---|---|---|---|---|"]
    for t in TRANSITIONS.values():
        if not t.offered:
            continue
        sources = (
            "jeder offene"
            if t.sources == ANY_OPEN
            else ("jeder" if t.sources == EVERY else ", ".join(sorted(t.sources)))
        )
        target = t.target or "(bleibt)"
        lines.append(f"| {t.label} | `{t.name}` | {sources} | {target} | {WHO[t.allowed]} |")
    return "\n".join(lines) + "\n"


def mermaid() -> str:
    """The state machine as a Mermaid diagram, for docs/workflow.md."""
    lines = ["stateDiagram-v2"]
    lines.append(f"    [*] --> {Status.EINGEGANGEN}: registrieren (KRM-Fall)")
    lines.append(f"    [*] --> {Status.POSTEINGANG}: aus dem Postfach gelesen")
    lines.append(f"    [*] --> {Status.WEITERGELEITET}: registrieren (kein KRM)")
    for transition in TRANSITIONS.values():
        if transition.target is None:
            continue
        sources = transition.sources
        if sources == ANY_OPEN:
            lines.append('    state "jeder offene Status" as offen')
            lines.append(f"    offen --> {transition.target}: {transition.label}")
            continue
        for source in sorted(sources):
            lines.append(f"    {source} --> {transition.target}: {transition.label}")
    return "\n".join(dict.fromkeys(lines)) + "\n"
