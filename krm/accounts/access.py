"""What roles a user holds right now, including those they hold as a deputy (R-O-2, R-O-4).

Computed once per request (two to four queries) and cached on the user object; the
permission rules in `krm.cases.permissions` read only this.

Access comes in grants: the user's own roles, and one grant per absent person they stand in
for. A grant held for someone never opens what that person may not see (a Dienst-
aufsichtsbeschwerde about them), so each grant names its principal.

Administrator and Controlling accounts never hold case roles and never stand in for anyone,
whatever the database says: the technical administration and Controlling see no case
contents (issue 6, finding 4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .models import Absence, OrgUnit, RoleAssignment, User, holds_case_roles_allowed
from .roles import CASE_ROLES, NO_CASE_ACCESS_ROLES, Role

# A deputy takes over the absent person's roles, never the technical administration.
NOT_DELEGABLE = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Grant:
    """Roles held together, with the units they lead; `principal_id`: held for that absent
    person (None: the user's own)."""

    roles: frozenset[str]
    led_bereich_ids: frozenset[int] = frozenset()
    led_team_ids: frozenset[int] = frozenset()
    principal_id: int | None = None
    # The Vorzimmer standing in for the absent KRM-B's administrative steps (R-O-4).
    office: bool = False


@dataclass(frozen=True)
class Access:
    user_id: int | None
    jobcenter_id: int | None
    roles: frozenset[str] = frozenset()
    led_bereich_ids: frozenset[int] = frozenset()
    led_team_ids: frozenset[int] = frozenset()
    acting_for: tuple[str, ...] = field(default=())  # names of the absent people represented
    grants: tuple[Grant, ...] = ()
    lgf_bereich_ids: frozenset[int] = frozenset()  # R-O-5: the Bereiche an LGF answers for

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def acts_as_krmb(self) -> bool:
        return Role.KRMB in self.roles

    @property
    def office_stands_in(self) -> bool:
        """The Vorzimmer records what was sent while the KRM-B is absent (R-O-4)."""
        return any(g.office for g in self.grants)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the user's privileges change (a deputyship starts or ends)."""
        return "|".join(
            f"{g.principal_id}:{'office:' if g.office else ''}{','.join(sorted(g.roles))}:"
            f"{','.join(map(str, sorted(g.led_bereich_ids | g.led_team_ids)))}"
            for g in sorted(self.grants, key=lambda g: g.principal_id or 0)
        )


NO_ACCESS = Access(user_id=None, jobcenter_id=None)


def access_for(user: User, *, today: dt.date | None = None) -> Access:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_krm_access", None)
    if cached is not None and today is None:
        return cached
    today = today or timezone.localdate()
    access = _compute(user, today)
    if today == timezone.localdate():
        user._krm_access = access
    return access


def _grant(rows: list[tuple[str, int | None]], principal_id: int | None = None) -> Grant:
    return Grant(
        roles=frozenset(role for role, _ in rows),
        led_bereich_ids=frozenset(unit for role, unit in rows if role == Role.BL and unit),
        led_team_ids=frozenset(unit for role, unit in rows if role == Role.TL and unit),
        principal_id=principal_id,
    )


def _compute(user: User, today: dt.date) -> Access:
    if user.jobcenter_id is None:
        return Access(user_id=user.pk, jobcenter_id=None)
    rows: list[tuple[str, int | None]] = list(
        RoleAssignment.objects.filter(user=user).values_list("role", "org_unit_id")
    )
    own_roles = {role for role, _ in rows}
    if not holds_case_roles_allowed(user, own_roles):
        # Whatever else the database holds, these accounts read no cases.
        rows = [(role, unit) for role, unit in rows if role not in CASE_ROLES]
        grant = _grant(rows)
        return Access(
            user_id=user.pk,
            jobcenter_id=user.jobcenter_id,
            roles=grant.roles,
            grants=(grant,),
        )
    grants = [_grant(rows)]

    represents = Q(deputy=user)
    krmb_absent = Q(user__jobcenter_id=user.jobcenter_id, user__role_assignments__role=Role.KRMB)
    if Role.VERTRETUNG in own_roles:
        # R-O-4: while the KRM-B is absent, the Vertretung acts for them …
        represents |= Q(deputy__isnull=True) & krmb_absent
    if Role.VORZIMMER in own_roles:
        # … and the Vorzimmer takes the administrative steps (recording what went out).
        represents |= krmb_absent
    absences = (
        Absence.objects.filter(
            start__lte=today,
            end__gte=today,
            user__is_active=True,
            user__jobcenter_id=user.jobcenter_id,  # never across Jobcenters
        )
        .filter(represents)
        .exclude(user=user)
        .values_list(
            "user_id", "deputy_id", "user__first_name", "user__last_name", "user__username"
        )
        .distinct()
    )
    acting_for: list[str] = []
    named_principals: list[int] = []
    if not own_roles & CASE_ROLES:
        # Without a case role of one's own one stands in for nobody (may_stand_in).
        absences = absences.none()
    for principal_id, deputy_id, first, last, username in absences:
        acting_for.append(f"{first} {last}".strip() or username)
        if deputy_id == user.pk:
            named_principals.append(principal_id)
        elif Role.VERTRETUNG in own_roles and deputy_id is None:
            grants.append(Grant(roles=frozenset({Role.KRMB}), principal_id=principal_id))
        elif Role.VORZIMMER in own_roles:
            grants.append(Grant(roles=frozenset(), principal_id=principal_id, office=True))
    if named_principals:
        by_principal: dict[int, list[tuple[str, int | None]]] = {}
        for principal_id, role, unit in (
            RoleAssignment.objects.filter(user_id__in=named_principals)
            .exclude(role__in=NOT_DELEGABLE)
            .exclude(role__in=NO_CASE_ACCESS_ROLES)
            .values_list("user_id", "role", "org_unit_id")
        ):
            by_principal.setdefault(principal_id, []).append((role, unit))
        grants.extend(_grant(held, principal) for principal, held in by_principal.items())
    roles = frozenset().union(*(g.roles for g in grants))
    lgf_bereich_ids: frozenset[int] = frozenset()
    if Role.LGF in roles:
        # R-O-5: the LGF answers for a configured set of Bereiche.
        lgf_bereich_ids = frozenset(
            OrgUnit.objects.filter(
                jobcenter_id=user.jobcenter_id,
                level=OrgUnit.Level.BEREICH,
                lgf_responsible=True,
            ).values_list("pk", flat=True)
        )
    return Access(
        user_id=user.pk,
        jobcenter_id=user.jobcenter_id,
        roles=roles,
        led_bereich_ids=frozenset().union(*(g.led_bereich_ids for g in grants)),
        led_team_ids=frozenset().union(*(g.led_team_ids for g in grants)),
        acting_for=tuple(sorted(set(acting_for))),
        grants=tuple(grants),
        lgf_bereich_ids=lgf_bereich_ids,
    )
