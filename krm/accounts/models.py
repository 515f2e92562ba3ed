"""Organisation and people: Bereiche and Teams, users, roles, absences (R-O-1 … R-O-5)."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac

from krm.jobcenters.models import Jobcenter

from .roles import CASE_ROLES, NO_CASE_ACCESS_ROLES, UNIT_ROLES, Role


class OrgUnit(models.Model):
    class Level(models.TextChoices):
        BEREICH = "bereich", "Bereich"
        TEAM = "team", "Team"

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="org_units")
    code = models.CharField(
        "Kennung", max_length=20, help_text="Bereich z. B. 71 oder 7BGF; Team: Bereich + Ziffer"
    )
    name = models.CharField("Bezeichnung", max_length=200)
    level = models.CharField("Ebene", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="Bereich",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
        limit_choices_to={"level": "bereich"},
    )
    lgf_responsible = models.BooleanField(
        "im Verantwortungsbereich der LGF", default=False, help_text="R-O-5; nur für Bereiche"
    )
    is_active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "Organisationseinheit"
        verbose_name_plural = "Organisationseinheiten"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "code"], name="unique_org_unit_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def bereich(self) -> OrgUnit:
        return self.parent if self.level == self.Level.TEAM and self.parent else self

    def clean(self) -> None:
        self._refuse_moving_cases()
        if self.level == self.Level.BEREICH:
            if self.parent_id:
                raise ValidationError({"parent": "Ein Bereich gehört zu keinem anderen Bereich."})
        else:
            if not self.parent_id:
                raise ValidationError({"parent": "Ein Team gehört zu einem Bereich."})
            parent = self.parent
            if parent.level != self.Level.BEREICH or parent.jobcenter_id != self.jobcenter_id:
                raise ValidationError(
                    {"parent": "Bitte einen Bereich desselben Jobcenters wählen."}
                )
            if not (
                len(self.code) == len(parent.code) + 1
                and self.code.startswith(parent.code)
                and self.code[-1].isdigit()
            ):
                raise ValidationError(
                    {
                        "code": f"Die Kennung eines Teams ist die des Bereichs plus eine Ziffer "
                        f"(z. B. {parent.code}1)."
                    }
                )

    def _refuse_moving_cases(self) -> None:
        # Cases carry their unit's Bereich (for the BL's worklist and filters); moving a unit
        # with cases would leave them behind. Set up a new unit instead.
        if self.pk is None:
            return
        before = OrgUnit.objects.filter(pk=self.pk).values("parent_id", "level").first()
        if before is None or (before["parent_id"], before["level"]) == (self.parent_id, self.level):
            return
        case_model = apps.get_model("cases", "Case")
        if case_model.objects.filter(models.Q(org_unit=self) | models.Q(bereich=self)).exists():
            raise ValidationError(
                "Diese Einheit hat Fälle und kann nicht in einen anderen Bereich verschoben "
                "oder umgestuft werden. Legen Sie bitte eine neue Einheit an."
            )


class User(AbstractUser):
    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    home_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="Organisationseinheit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )

    # Part of every session's authentication hash: a new value ends all sessions of the
    # user at their next request ("überall abmelden").
    session_epoch = models.CharField(max_length=32, default="", blank=True, editable=False)
    # Set when a password was set by administrators (four-eyes): the owner replaces it.
    must_change_password = models.BooleanField(
        "muss Passwort ändern", default=False, editable=False
    )

    class Meta:
        verbose_name = "Benutzer/in"
        verbose_name_plural = "Benutzer/innen"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.pk is None:
            return
        before = User.objects.filter(pk=self.pk).values("jobcenter_id").first()
        if (
            before
            and before["jobcenter_id"] != self.jobcenter_id
            and RoleAssignment.objects.filter(user=self).exists()
        ):
            raise ValidationError(
                {
                    "jobcenter": "Dieses Konto hat Rollen: Entziehen Sie sie, bevor es das "
                    "Jobcenter wechselt (im neuen Jobcenter werden sie neu erteilt)."
                }
            )

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "krm.accounts.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}|{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name="Person", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("Rolle", max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="geleitete Einheit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Für BL der Bereich, für TL das Team",
    )

    class Meta:
        verbose_name = "Rollenzuordnung"
        verbose_name_plural = "Rollenzuordnungen"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"], name="unique_role_assignment"
            )
        ]
        indexes = [models.Index(fields=["role"], name="roleassignment_role_idx")]

    def __str__(self) -> str:
        unit = f" {self.org_unit.code}" if self.org_unit_id else ""
        return f"{self.get_role_display()}{unit}"

    def clean(self) -> None:
        refusal = role_refusal(self.user, self.role) if self.user_id else None
        if refusal:
            raise ValidationError({"role": refusal})
        if self.role in UNIT_ROLES:
            if not self.org_unit_id:
                raise ValidationError({"org_unit": "BL und TL brauchen die geleitete Einheit."})
            wanted = OrgUnit.Level.BEREICH if self.role == Role.BL else OrgUnit.Level.TEAM
            if self.org_unit.level != wanted:
                raise ValidationError({"org_unit": "BL leitet einen Bereich, TL ein Team."})
        elif self.org_unit_id:
            raise ValidationError({"org_unit": "Nur BL und TL leiten eine Einheit."})


class Absence(models.Model):
    """While a user is absent, their deputy acts with their roles (R-O-4)."""

    user = models.ForeignKey(
        User, verbose_name="abwesend", on_delete=models.CASCADE, related_name="absences"
    )
    start = models.DateField("von")
    end = models.DateField("bis einschließlich")
    deputy = models.ForeignKey(
        User,
        verbose_name="Vertretung",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deputy_for",
        help_text="Leer: für die KRM-Beauftragte handelt die Rolle Vertretung",
    )
    note = models.CharField(
        "Bemerkung",
        max_length=200,
        blank=True,
        help_text="Steht im Sicherheitsprotokoll: keine Gründe (etwa Krankheit) eintragen.",
    )

    class Meta:
        verbose_name = "Abwesenheit"
        verbose_name_plural = "Abwesenheiten"
        ordering = ["-start"]
        indexes = [models.Index(fields=["start", "end"], name="absence_period_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "Das Ende liegt vor dem Beginn."})
        if self.deputy_id and self.deputy_id == self.user_id:
            raise ValidationError({"deputy": "Niemand kann sich selbst vertreten."})
        if self.deputy_id and self.user_id and self.deputy.jobcenter_id != self.user.jobcenter_id:
            raise ValidationError({"deputy": "Die Vertretung muss zum selben Jobcenter gehören."})
        if self.deputy_id and not holds_case_roles_allowed(self.deputy):
            raise ValidationError(
                {
                    "deputy": "Administrations- und Controlling-Konten vertreten niemanden: "
                    "eine Vertretung sieht Fälle."
                }
            )
        if self.deputy_id and self.user_id and not _roles_of(self.user) & CASE_ROLES:
            raise ValidationError(
                {"deputy": "Diese Person hat keine Rolle mit Fallzugriff: nichts zu vertreten."}
            )
        if self.deputy_id and not may_stand_in(self.deputy):
            raise ValidationError(
                {
                    "deputy": "Vertreten kann nur, wer selbst eine Rolle mit Fallzugriff hat "
                    "(erteilt mit Freigabe einer zweiten Administratorin)."
                }
            )


def _roles_of(user: User) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))


def holds_case_roles_allowed(user: User, roles: set[str] | None = None) -> bool:
    """Administrator and Controlling accounts never read cases (issue 6, finding 4)."""
    roles = _roles_of(user) if roles is None else roles
    return not (user.is_staff or user.is_superuser or roles & NO_CASE_ACCESS_ROLES)


def may_stand_in(user: User) -> bool:
    """A named deputy is someone with a case role of their own: standing in never turns an
    account without one (e.g. one an administrator just created) into a reader of cases."""
    roles = _roles_of(user)
    return bool(roles & CASE_ROLES) and holds_case_roles_allowed(user, roles)


def role_refusal(user: User, role: str) -> str | None:
    """Why `role` may not be given to `user` (None: it may)."""
    roles = _roles_of(user) - {role}
    if role in CASE_ROLES and not holds_case_roles_allowed(user, roles):
        return (
            "Administrations- und Controlling-Konten erhalten keine Rolle, die Fälle sieht. "
            "Legen Sie für diese Person ein eigenes Konto an."
        )
    if role in NO_CASE_ACCESS_ROLES and roles & CASE_ROLES:
        return (
            "Dieses Konto hat eine Rolle, die Fälle sieht; Administration und Controlling "
            "brauchen ein eigenes Konto."
        )
    if role == Role.ADMIN and not user.is_staff:
        return "Die Rolle Technische Administration setzt Administrationsrechte voraus."
    return None


class Approval(models.Model):
    """A change that gives someone access, waiting for a second administrator (four-eyes):
    a role, administration rights, or a password set by someone else."""

    class Kind(models.TextChoices):
        ROLE = "rolle", "Rolle erteilen"
        ADMIN_RIGHTS = "adminrechte", "Administrationsrechte erteilen"
        PASSWORD = "passwort", "Passwort setzen"
        DEPUTY = "vertretung", "Vertretung eintragen"

    class State(models.TextChoices):
        OPEN = "offen", "wartet auf Freigabe"
        APPROVED = "freigegeben", "freigegeben"
        REJECTED = "abgelehnt", "abgelehnt"

    kind = models.CharField("Art", max_length=12, choices=Kind.choices)
    user = models.ForeignKey(
        User, verbose_name="für", on_delete=models.PROTECT, related_name="approvals"
    )
    # The person's Jobcenter when it was asked for: a move meanwhile voids the request.
    jobcenter = models.ForeignKey(
        Jobcenter, verbose_name="Jobcenter", on_delete=models.PROTECT, null=True, blank=True
    )
    role = models.CharField("Rolle", max_length=20, choices=Role.choices, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="geleitete Einheit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Für BL der Bereich, für TL das Team",
    )
    superuser = models.BooleanField("mit allen Rechten (Superuser)", default=False)
    password_hash = models.CharField(max_length=200, blank=True, editable=False)
    # A deputyship: `user` is absent from `start` to `end`, `deputy` stands in.
    deputy = models.ForeignKey(
        User,
        verbose_name="Vertretung",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    start = models.DateField("von", null=True, blank=True)
    end = models.DateField("bis einschließlich", null=True, blank=True)
    note = models.CharField("Bemerkung", max_length=200, blank=True)
    state = models.CharField(
        "Stand", max_length=12, choices=State.choices, default=State.OPEN, editable=False
    )
    requested_by = models.ForeignKey(
        User, verbose_name="beantragt von", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("beantragt am", auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name="entschieden von",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)

    class Meta:
        verbose_name = "Freigabe (Vier-Augen-Prinzip)"
        verbose_name_plural = "Freigaben (Vier-Augen-Prinzip)"
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "-requested_at"], name="approval_state_idx")]

    def __str__(self) -> str:
        what = self.get_kind_display()
        if self.kind == self.Kind.ROLE:
            unit = f" {self.org_unit.code}" if self.org_unit_id else ""
            what = f"{self.get_role_display()}{unit}"
        if self.kind == self.Kind.DEPUTY:
            return f"{self.deputy} vertritt {self.user} ({self.start:%d.%m.%Y}–{self.end:%d.%m.%Y})"
        return f"{what} für {self.user}"
