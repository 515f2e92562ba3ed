"""What roles a user holds right now, including those they hold as a deputy (R-O-2, R-O-4).

Computed once per request (two or three queries) and cached on the user object; the
permission rules in `krm.cases.permissions` read only this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .models import Absence, RoleAssignment, User
from .roles import Role

# A deputy takes over the absent person's roles, never the technical administration.
NOT_DELEGABLE = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Access:
    user_id: int | None
    jobcenter_id: int | None
    roles: frozenset[str] = frozenset()
    led_bereich_ids: frozenset[int] = frozenset()
    led_team_ids: frozenset[int] = frozenset()
    acting_for: tuple[str, ...] = field(default=())  # names of the absent people represented

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def acts_as_krmb(self) -> bool:
        return Role.KRMB in self.roles


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


def _compute(user: User, today: dt.date) -> Access:
    if user.jobcenter_id is None:
        return Access(user_id=user.pk, jobcenter_id=None)
    rows: list[tuple[str, int | None]] = list(
        RoleAssignment.objects.filter(user=user).values_list("role", "org_unit_id")
    )
    own_roles = {role for role, _ in rows}

    represents = Q(deputy=user)
    if Role.VERTRETUNG in own_roles:
        # R-O-4: while the KRM-B is absent, the Vertretung acts for them.
        represents |= Q(
            deputy__isnull=True,
            user__jobcenter_id=user.jobcenter_id,
            user__role_assignments__role=Role.KRMB,
        )
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
    for principal_id, deputy_id, first, last, username in absences:
        acting_for.append(f"{first} {last}".strip() or username)
        if deputy_id == user.pk:
            named_principals.append(principal_id)
        else:
            rows.append((Role.KRMB, None))
    if named_principals:
        rows.extend(
            (role, unit)
            for role, unit in RoleAssignment.objects.filter(user_id__in=named_principals)
            .exclude(role__in=NOT_DELEGABLE)
            .values_list("role", "org_unit_id")
        )
    return Access(
        user_id=user.pk,
        jobcenter_id=user.jobcenter_id,
        roles=frozenset(role for role, _ in rows),
        led_bereich_ids=frozenset(unit for role, unit in rows if role == Role.BL and unit),
        led_team_ids=frozenset(unit for role, unit in rows if role == Role.TL and unit),
        acting_for=tuple(sorted(set(acting_for))),
    )
