"""Who may see and change which case: the one place that decides (see docs/architecture.md).

- KRM-B, Vertretung, GF, LGF: every case of their Jobcenter.
- BL: the cases of the Bereiche they lead (with their Teams); TL: of the Teams they lead.
- DSB: data-protection complaints.
- Everyone who may capture: the cases they captured themselves ("Meine Fälle").
- Controlling and the technical administration: no case contents.
Roles add up. Changing a case is the KRM-B's (or the acting Vertretung's) business.
A case the user may not see is a 404; an action they may not take on a visible case a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from krm.accounts.access import Access, access_for
from krm.accounts.models import User
from krm.accounts.roles import Role

from .kinds import Kind
from .models import Case

SEES_ALL = (Role.KRMB, Role.VERTRETUNG, Role.GF, Role.LGF)
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


def visibility(access: Access) -> Q | None:
    """The filter over a Jobcenter's cases that this user may see; None: none at all."""
    if access.jobcenter_id is None:
        return None
    if access.has(*SEES_ALL):
        return Q()
    parts: list[Q] = []
    if access.led_bereich_ids:
        parts.append(Q(bereich_id__in=sorted(access.led_bereich_ids)))
    if access.led_team_ids:
        parts.append(Q(org_unit_id__in=sorted(access.led_team_ids)))
    if access.has(Role.DSB):
        parts.append(Q(kind=Kind.DATENSCHUTZBESCHWERDE))
    if access.has(*CAPTURING_ROLES):
        parts.append(Q(captured_by_id=access.user_id))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def visible_cases(user: User, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases this user may see, narrowed from `queryset` (default: all cases)."""
    queryset = Case.objects.all() if queryset is None else queryset
    access = access_for(user)
    rule = visibility(access)
    if rule is None:
        return queryset.none()
    return queryset.filter(rule, jobcenter_id=access.jobcenter_id)


def can_capture(user: User) -> bool:
    """Quick capture at the counter or on the phone (R-W1.1): every staff member."""
    access = access_for(user)
    return access.jobcenter_id is not None and access.has(*CAPTURING_ROLES)


def can_register(user: User) -> bool:
    """The full registration form, with every field: the KRM-B (or who acts as KRM-B)."""
    access = access_for(user)
    return access.jobcenter_id is not None and access.acts_as_krmb


def can_change(user: User, case: Case) -> bool:
    access = access_for(user)
    return access.acts_as_krmb and case.jobcenter_id == access.jobcenter_id


def get_case(
    user: User, case_id: int, *, change: bool = False, queryset: QuerySet[Case] | None = None
) -> Case:
    """The case if the user may see it (else 404) and, with change=True, change it (else 403);
    fetched through `queryset`, so that a page can load what it shows in the same query."""
    case = visible_cases(user, queryset).filter(pk=case_id).first()
    if case is None:
        raise Http404("Fall nicht gefunden")
    if change and not can_change(user, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    return case
