"""What administrators and the KRM-B do with accounts: four-eyes approvals for everything
that gives someone access (a role, administration rights, a password set by someone else),
and ending a user's sessions everywhere. Each writes its event into the security log; the
changes themselves are logged field by field (krm/audit/tracking.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from krm.audit.context import acting
from krm.audit.models import EventType
from krm.audit.services import record

from . import sessions
from .access import access_for
from .models import Absence, Approval, OrgUnit, RoleAssignment, User, role_refusal
from .roles import UNIT_ROLES, Role

SELF_APPROVAL = "Eine Freigabe erteilt eine zweite Administratorin, nicht wer sie beantragt hat."


def is_admin(user: User) -> bool:
    return bool(user.is_active and (user.is_staff or user.is_superuser))


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Nur die technische Administration beantragt und gibt frei.")


def _log(approval: Approval, type: str, actor: User, **data: object) -> None:
    record(
        type=type,
        actor=actor,
        jobcenter_id=approval.user.jobcenter_id,
        subject_user=approval.user,
        data={"was": str(approval), "freigabe": approval.pk, **data},
    )


def _file(actor: User, kind: str, user: User, **fields: Any) -> Approval:
    """File a request, bound to the person's Jobcenter of now, in the security log."""
    approval = Approval.objects.create(
        kind=kind, user=user, jobcenter_id=user.jobcenter_id, requested_by=actor, **fields
    )
    _log(approval, EventType.ROLE_REQUESTED, actor)
    return approval


def _check_role(user: User, role: str, org_unit: OrgUnit | None) -> None:
    refusal = role_refusal(user, role)
    if refusal:
        raise ValidationError({"role": [refusal]})
    assignment = RoleAssignment(user=user, role=role, org_unit=org_unit)
    assignment.clean()
    if org_unit is not None and org_unit.jobcenter_id != user.jobcenter_id:
        raise ValidationError({"org_unit": ["Bitte eine Einheit des Jobcenters der Person."]})
    if RoleAssignment.objects.filter(user=user, role=role, org_unit=org_unit).exists():
        raise ValidationError({"role": ["Die Person hat diese Rolle bereits."]})


@transaction.atomic
def request_role(
    *, actor: User, user: User, role: str, org_unit: OrgUnit | None = None
) -> Approval:
    """A role for `user`, given once a second administrator approves (four-eyes)."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise ValidationError("Für das eigene Konto beantragt man keine Rolle.")
    if role not in UNIT_ROLES:
        org_unit = None
    _check_role(user, role, org_unit)
    return _file(actor, Approval.Kind.ROLE, user, role=role, org_unit=org_unit)


@transaction.atomic
def request_admin_rights(*, actor: User, user: User, superuser: bool = False) -> Approval:
    """Administration rights (and, with `superuser`, all of them) for `user`; they only ever
    grow this way (taking them away is immediate, in the user list)."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise ValidationError("Für das eigene Konto beantragt man keine Rechte.")
    if user.is_staff and (user.is_superuser or not superuser):
        raise ValidationError(f"{user} hat diese Rechte bereits.")
    _check_no_case_roles(user)
    return _file(actor, Approval.Kind.ADMIN_RIGHTS, user, superuser=superuser)


def _check_no_case_roles(user: User) -> None:
    if RoleAssignment.objects.filter(user=user).exclude(role__in=[Role.ADMIN]).exists():
        raise ValidationError(
            "Dieses Konto hat Rollen, die Fälle sehen oder Controlling betreffen; "
            "Administration braucht ein eigenes Konto."
        )


@transaction.atomic
def request_password(*, actor: User, user: User, password: str) -> Approval:
    """A password for someone else's account: it takes effect when a second administrator
    approves (who should confirm with the person that they asked for it); the person must
    replace it at the next login, and the security log names who set it."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise ValidationError("Ihr eigenes Passwort ändern Sie unter „Passwort ändern“.")
    password_validation.validate_password(password, user)
    return _file(actor, Approval.Kind.PASSWORD, user, password_hash=make_password(password))


@transaction.atomic
def request_deputy(
    *, actor: User, user: User, deputy: User, start: Any, end: Any, note: str = ""
) -> Approval:
    """A named deputy for an absence: standing in gives the absent person's access, so it
    takes effect when a second administrator approves (absences without a named deputy
    take effect at once)."""
    _require_admin(actor)
    if actor.pk in (user.pk, deputy.pk):
        raise ValidationError("Für das eigene Konto beantragt man keine Vertretung.")
    Absence(user=user, deputy=deputy, start=start, end=end, note=note).full_clean()
    return _file(actor, Approval.Kind.DEPUTY, user, deputy=deputy, start=start, end=end, note=note)


@transaction.atomic
def decide(*, actor: User, approval: Approval, approve: bool) -> Approval:
    """Approve (and carry out) or reject an open request; never one's own, never for
    oneself."""
    _require_admin(actor)
    approval = Approval.objects.select_for_update().select_related("user").get(pk=approval.pk)
    if approval.state != Approval.State.OPEN:
        raise ValidationError("Diese Freigabe ist bereits entschieden.")
    if actor.pk == approval.requested_by_id and approve:
        raise PermissionDenied(SELF_APPROVAL)  # withdrawing one's own request is fine
    if actor.pk in (approval.user_id, approval.deputy_id):
        raise PermissionDenied("Niemand gibt eine Änderung am eigenen Konto frei.")
    if approve and approval.user.jobcenter_id != approval.jobcenter_id:
        raise ValidationError(
            "Die Person hat seit dem Antrag das Jobcenter gewechselt; bitte neu beantragen."
        )
    with acting(actor):
        _carry_out(approval, approve)
    approval.state = Approval.State.APPROVED if approve else Approval.State.REJECTED
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.password_hash = ""  # no longer needed, not kept
    approval.save(update_fields=["state", "decided_by", "decided_at", "password_hash"])
    _log(approval, EventType.APPROVAL_DECIDED, actor, entscheidung=approval.get_state_display())
    return approval


def _carry_out(approval: Approval, approve: bool) -> None:
    user = approval.user
    if approve:
        if approval.kind == Approval.Kind.ROLE:
            _check_role(user, approval.role, approval.org_unit)  # still true now?
            RoleAssignment.objects.create(user=user, role=approval.role, org_unit=approval.org_unit)
        elif approval.kind == Approval.Kind.ADMIN_RIGHTS:
            _check_no_case_roles(user)  # still true now?
            user.is_staff = True
            user.is_superuser = user.is_superuser or approval.superuser
            user.save(update_fields=["is_staff", "is_superuser"])
        elif approval.kind == Approval.Kind.DEPUTY:
            absence = Absence(
                user=user,
                deputy=approval.deputy,
                start=approval.start,
                end=approval.end,
                note=approval.note,
            )
            absence.full_clean()  # still true now?
            absence.save()
        else:
            user.password = approval.password_hash
            user.must_change_password = True
            user.save(update_fields=["password", "must_change_password"])


def may_end_sessions(actor: User, user: User) -> bool:
    """Oneself, or the acting KRM-B for someone of the Jobcenter (a lost laptop)."""
    if actor.pk == user.pk:
        return True
    access = access_for(actor)
    return access.acts_as_krmb and access.jobcenter_id == user.jobcenter_id


@transaction.atomic
def end_all_sessions(*, actor: User, user: User) -> None:
    """Log `user` out everywhere: every session ends at its next request."""
    if not may_end_sessions(actor, user):
        raise PermissionDenied("Sie dürfen die Sitzungen dieser Person nicht beenden.")
    user.session_epoch = sessions.new_session_epoch()
    with acting(actor):
        user.save(update_fields=["session_epoch"])
    record(
        type=EventType.ACCOUNT_SESSIONS_ENDED,
        actor=actor,
        jobcenter_id=user.jobcenter_id,
        subject_user=user,
        data={"was": f"Benutzerkonto „{user}“", "aktion": "überall abgemeldet"},
    )
