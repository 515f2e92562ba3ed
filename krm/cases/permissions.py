"""Who may see and change which case: the one place that decides (see docs/architecture.md).

- KRM-B, Vertretung, GF: every case of their Jobcenter.
- LGF: the cases of the Bereiche the LGF answers for (R-O-5, configured per Bereich).
- BL: the cases of the Bereiche they lead (with their Teams); TL: of the Teams they lead.
- DSB: data-protection complaints.
- The person a case is assigned to (`handler`: the TL or, for a DAB, the Führungskraft;
  `delegate`: the staff member the TL delegated to), and their deputy.
- The Vorzimmer, while the KRM-B is absent: every case (it records what went out, R-O-4).
- Everyone who may capture: the cases they captured themselves ("Meine Fälle"); of a
  Dienstaufsichtsbeschwerde or Datenschutzbeschwerde they captured, only that it exists
  (Aktenzeichen, date of receipt, kind), never its contents.
- The staff member concerned never sees a Dienstaufsichtsbeschwerde about them, whatever
  their roles; a deputy never sees one about the person they stand in for through the
  roles they hold for that person.
- Controlling and the technical administration: no case contents (`accounts.access`).
Roles add up. Changing a case's data is the KRM-B's (or the acting Vertretung's) business;
who takes which step of the route says `workflow.py`.
A case the user may not see is a 404; an action they may not take on a visible case a 403.

Each rule is written once, as clauses over case columns, and read two ways: as a database
filter (`Q`) for lists and as a check on a loaded case (`sees_contents`), so the case page
and the services decide without another query. A test holds the two readings together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from krm.accounts.access import Access, Grant, access_for
from krm.accounts.models import User
from krm.accounts.roles import CASE_ROLES, Role

from .kinds import CONFIDENTIAL, Kind
from .models import Case

SEES_ALL = (Role.KRMB, Role.VERTRETUNG, Role.GF)
CAPTURING_ROLES = (
    Role.KRMB,
    Role.VERTRETUNG,
    Role.VORZIMMER,
    Role.GF,
    Role.LGF,
    Role.BL,
    Role.TL,
    Role.MITARBEITER,
    Role.DSB,
)


@dataclass(frozen=True)
class Condition:
    """`case.<column> in values` (or `not in`, with include=False)."""

    column: str
    values: frozenset[Any]
    include: bool = True

    def q(self) -> Q:
        q = Q(**{f"{self.column}__in": sorted(self.values)})
        return q if self.include else ~q

    def holds(self, case: Case) -> bool:
        return (getattr(case, self.column) in self.values) == self.include


@dataclass(frozen=True)
class Clause:
    """All conditions hold (no conditions: every case)."""

    conditions: tuple[Condition, ...] = ()

    def q(self) -> Q:
        q = Q()
        for condition in self.conditions:
            q &= condition.q()
        return q

    def holds(self, case: Case) -> bool:
        return all(c.holds(case) for c in self.conditions)


def _dab_about(people: Iterable[int]) -> Clause:
    return Clause(
        (
            Condition("kind", frozenset({Kind.DIENSTAUFSICHTSBESCHWERDE})),
            Condition("staff_concerned_id", frozenset(people)),
        )
    )


@dataclass(frozen=True)
class Rule:
    """Cases matching any of `clauses`, except those matching any of `unless`."""

    clauses: tuple[Clause, ...]
    unless: tuple[Clause, ...] = ()

    def q(self) -> Q | None:
        if not self.clauses:
            return None
        if any(not clause.conditions for clause in self.clauses):
            q = Q()  # one clause takes every case
        else:
            q = self.clauses[0].q()
            for clause in self.clauses[1:]:
                q |= clause.q()
        for clause in self.unless:
            # As a subquery over the few cases it names (the FK index on staff_concerned):
            # the lists keep counting from their own index instead of reading every row.
            q &= ~Q(pk__in=Case.objects.filter(clause.q()).values("pk"))
        return q

    def holds(self, case: Case) -> bool:
        return any(c.holds(case) for c in self.clauses) and not any(
            c.holds(case) for c in self.unless
        )


def _grant_clauses(grant: Grant, access: Access) -> list[Clause]:
    if grant.office or any(role in grant.roles for role in SEES_ALL):
        # The Vorzimmer standing in for the KRM-B records what went out, on any case.
        return [Clause()]
    clauses = []
    holder = grant.principal_id or access.user_id
    if holder is not None and grant.roles & CASE_ROLES:
        # Whoever a case is assigned to (a TL from elsewhere, a Führungskraft for a DAB,
        # a staff member it was delegated to) reads it; so does their deputy.
        people = frozenset({holder})
        clauses.append(Clause((Condition("handler_id", people),)))
        clauses.append(Clause((Condition("delegate_id", people),)))
    if Role.LGF in grant.roles and access.lgf_bereich_ids:
        clauses.append(Clause((Condition("bereich_id", access.lgf_bereich_ids),)))
    if grant.led_bereich_ids:
        clauses.append(Clause((Condition("bereich_id", grant.led_bereich_ids),)))
    if grant.led_team_ids:
        clauses.append(Clause((Condition("org_unit_id", grant.led_team_ids),)))
    if Role.DSB in grant.roles:
        clauses.append(Clause((Condition("kind", frozenset({Kind.DATENSCHUTZBESCHWERDE})),)))
    return clauses


def _any(rules: Iterable[Rule]) -> Q | None:
    qs = [q for q in (rule.q() for rule in rules) if q is not None]
    if not qs:
        return None
    if any(not q for q in qs):
        return Q()  # an empty Q is every case (and would vanish in an OR)
    combined = qs[0]
    for q in qs[1:]:
        combined |= q
    return combined


@dataclass(frozen=True)
class Visibility:
    """What one user may see: the cases of any `contents` rule they may read, those of any
    `existence` rule they may only know to exist."""

    jobcenter_id: int | None
    contents: tuple[Rule, ...]
    existence: tuple[Rule, ...]

    def q(self, *, contents_only: bool = False) -> Q | None:
        """The filter over all cases; None: none at all."""
        if self.jobcenter_id is None:
            return None
        q = _any(self.contents if contents_only else (*self.contents, *self.existence))
        return None if q is None else q & Q(jobcenter_id=self.jobcenter_id)

    def sees_contents(self, case: Case) -> bool:
        return case.jobcenter_id == self.jobcenter_id and any(
            rule.holds(case) for rule in self.contents
        )

    def sees(self, case: Case) -> bool:
        return self.sees_contents(case) or (
            case.jobcenter_id == self.jobcenter_id
            and any(rule.holds(case) for rule in self.existence)
        )


def visibility_for(access: Access, *, captured: bool = True) -> Visibility:
    """What `access` may see. `captured=False`: without what the user sees only because
    they captured it (the documents of a case, the Ablage: R-A3)."""
    user = access.user_id
    if user is None or access.jobcenter_id is None:
        return Visibility(None, (), ())
    about_me = _dab_about([user])
    own: list[Clause] = []
    contents: list[Rule] = []
    for grant in access.grants:
        clauses = _grant_clauses(grant, access)
        if grant.principal_id is None:
            own.extend(clauses)
        elif clauses:
            # Standing in for someone never opens a DAB about that person.
            contents.append(Rule(tuple(clauses), (about_me, _dab_about([grant.principal_id]))))
    existence: list[Rule] = []
    if captured and access.has(*CAPTURING_ROLES):
        mine = Condition("captured_by_id", frozenset({user}))
        own.append(Clause((mine, Condition("kind", CONFIDENTIAL, include=False))))
        existence.append(Rule((Clause((mine, Condition("kind", CONFIDENTIAL))),), (about_me,)))
    if own:
        contents.insert(0, Rule(tuple(own), (about_me,)))
    return Visibility(access.jobcenter_id, tuple(contents), tuple(existence))


def never_shown_dabs_about(access: Access) -> set[int]:
    """Whose Dienstaufsichtsbeschwerden a user's logs may not even name: their own, and those
    about the people they stand in for (stricter than the case rules, where a deputy's own
    roles may still open one)."""
    if access.user_id is None:
        return set()
    return {access.user_id} | {g.principal_id for g in access.grants if g.principal_id}


def documents_visibility(access: Access) -> Visibility:
    """Whose documents a user may open (R-A3, A4): the KRM-B, the Vertretung, GF and LGF,
    the BL/TL of the case's unit, the DSB for data-protection cases, whoever the case is
    assigned to (and their deputy), the Vorzimmer while it stands in for the KRM-B; never
    Controlling, never the staff member a DAB is about, not the captor as such."""
    return visibility_for(access, captured=False)


def visibility_of(user: User) -> Visibility:
    return visibility_for(access_for(user))


def visible_cases(
    user: User, queryset: QuerySet[Case] | None = None, *, contents_only: bool = False
) -> QuerySet[Case]:
    """The cases this user may see, narrowed from `queryset` (default: all cases);
    `contents_only`: only those whose contents they may read."""
    queryset = Case.objects.all() if queryset is None else queryset
    rule = visibility_of(user).q(contents_only=contents_only)
    if rule is None:
        return queryset.none()
    return queryset.filter(rule)


def sees_contents(user: User, case: Case) -> bool:
    return visibility_of(user).sees_contents(case)


def can_capture(user: User) -> bool:
    """Quick capture at the counter or on the phone (R-W1.1): every staff member."""
    access = access_for(user)
    return access.jobcenter_id is not None and access.has(*CAPTURING_ROLES)


def can_register(user: User) -> bool:
    """The full registration form, with every field: the KRM-B (or who acts as KRM-B)."""
    access = access_for(user)
    return access.jobcenter_id is not None and access.acts_as_krmb


def can_change(user: User, case: Case) -> bool:
    """The acting KRM-B changes the cases whose contents they may read."""
    access = access_for(user)
    return access.acts_as_krmb and visibility_for(access).sees_contents(case)


def get_case(
    user: User,
    case_id: int,
    *,
    change: bool = False,
    queryset: QuerySet[Case] | None = None,
    existence_only_ok: bool = False,
) -> Case:
    """The case if the user may read it (else 404) and, with change=True, change it (else
    403); fetched through `queryset`, so that a page can load what it shows in the same
    query. `existence_only_ok`: also a case the user may only know to exist (its
    `contents_visible` is then False); only the case page and the API detail ask for it."""
    visibility = visibility_of(user)
    rule = visibility.q(contents_only=not existence_only_ok)
    queryset = Case.objects.all() if queryset is None else queryset
    case = queryset.filter(rule, pk=case_id).first() if rule is not None else None
    if case is None:
        raise Http404("Fall nicht gefunden")
    case.contents_visible = visibility.sees_contents(case)
    if change and not (case.contents_visible and can_change(user, case)):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    return case
