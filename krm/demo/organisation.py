"""A demo organisation like Jobcenter Berlin Pankow's, with one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from krm.accounts.models import OrgUnit, RoleAssignment, User
from krm.accounts.roles import Role
from krm.jobcenters.models import Jobcenter
from krm.jobcenters.services import create_jobcenter

DEMO_PASSWORD = "demo"  # noqa: S105 - demo mode only (KRM_DEMO=1)

# code, name, LGF responsible, teams (code suffix digit, name)
BEREICHE: list[tuple[str, str, bool, list[tuple[str, str]]]] = [
    (
        "71",
        "Leistung I",
        True,
        [
            ("1", "Leistung Neuanträge"),
            ("2", "Leistung Bestand A–K"),
            ("3", "Leistung Bestand L–Z"),
        ],
    ),
    (
        "72",
        "Leistung II",
        True,
        [
            ("1", "Leistung Selbständige"),
            ("2", "Leistung Familien"),
            ("3", "Kosten der Unterkunft"),
        ],
    ),
    (
        "75",
        "Markt und Integration U25",
        True,
        [("1", "Integration U25 Nord"), ("2", "Integration U25 Süd")],
    ),
    (
        "76",
        "Markt und Integration Ü25",
        True,
        [
            ("1", "Integration Ü25 A"),
            ("2", "Integration Ü25 B"),
            ("3", "Arbeitgeberservice"),
            ("4", "Reha und Schwerbehinderung"),
        ],
    ),
    (
        "77",
        "Eingangszone und Service",
        True,
        [("1", "Eingangszone"), ("2", "Servicecenter"), ("3", "Posteingang und Scanstelle")],
    ),
    (
        "7BGF",
        "Büro der Geschäftsführung",
        True,
        [("1", "KRM und Qualitätsmanagement"), ("2", "Controlling")],
    ),
    ("78", "Interner Service", False, [("1", "Personal"), ("2", "Infrastruktur und IT")]),
    (
        "79",
        "Recht",
        False,
        [("1", "Rechtsbehelfsstelle I"), ("2", "Rechtsbehelfsstelle II"), ("3", "SGG-Stelle")],
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    home_unit: str
    roles: tuple[tuple[str, str | None], ...]  # (role, led unit code)
    is_staff: bool = False


DEMO_USERS: list[DemoUser] = [
    DemoUser("krmb", "Katrin", "Reimann", "7BGF1", ((Role.KRMB, None),)),
    DemoUser("vertretung", "Volker", "Engel", "7BGF1", ((Role.VERTRETUNG, None),)),
    DemoUser("vorzimmer", "Vera", "Zimmer", "7BGF", ((Role.VORZIMMER, None),)),
    DemoUser("gf", "Gerda", "Fuchs", "7BGF", ((Role.GF, None),)),
    DemoUser("lgf", "Lars", "Gerber", "7BGF", ((Role.LGF, None),)),
    DemoUser("bl", "Bettina", "Lorenz", "71", ((Role.BL, "71"),)),
    DemoUser("tl", "Timo", "Lindner", "711", ((Role.TL, "711"),)),
    DemoUser("mitarbeiter", "Mia", "Arndt", "711", ((Role.MITARBEITER, None),)),
    DemoUser("dsb", "Dana", "Schubert", "7BGF", ((Role.DSB, None),)),
    DemoUser("controlling", "Conrad", "Roth", "7BGF2", ((Role.CONTROLLING, None),)),
    DemoUser("admin", "Adrian", "Marx", "78", ((Role.ADMIN, None),), is_staff=True),
    # A second administrator: roles, administration rights and passwords set for others
    # need two (four-eyes).
    DemoUser("admin2", "Ada", "Zuse", "78", ((Role.ADMIN, None),), is_staff=True),
    # Colleagues, so that cases have other units' leads and staff.
    DemoUser("bl72", "Bernd", "Kaiser", "72", ((Role.BL, "72"),)),
    DemoUser("tl712", "Tanja", "Vogel", "712", ((Role.TL, "712"),)),
    DemoUser("tl721", "Thomas", "Berger", "721", ((Role.TL, "721"),)),
    DemoUser("ma712", "Murat", "Aydin", "712", ((Role.MITARBEITER, None),)),
    DemoUser("ma771", "Marta", "Nowak", "771", ((Role.MITARBEITER, None),)),
]


@transaction.atomic
def build_demo_organisation(*, demo_passwords: bool) -> Jobcenter:
    """The Jobcenter, its Bereiche and Teams, and the demo users. Passwords are `demo`
    only in demo mode; otherwise the users cannot log in until an admin sets one."""
    jobcenter = create_jobcenter(name="Jobcenter Berlin Pankow", slug="pankow")
    jobcenter.mail_address = "krm@jobcenter-pankow.example"
    jobcenter.save(update_fields=["mail_address"])
    units: dict[str, OrgUnit] = {}
    for code, name, lgf, teams in BEREICHE:
        bereich = OrgUnit.objects.create(
            jobcenter=jobcenter,
            code=code,
            name=name,
            level=OrgUnit.Level.BEREICH,
            lgf_responsible=lgf,
        )
        units[code] = bereich
        for suffix, team_name in teams:
            team = OrgUnit(
                jobcenter=jobcenter,
                code=code + suffix,
                name=team_name,
                level=OrgUnit.Level.TEAM,
                parent=bereich,
            )
            team.full_clean()
            team.save()
            units[team.code] = team
    password = make_password(DEMO_PASSWORD) if demo_passwords else make_password(None)
    for spec in DEMO_USERS:
        user = User.objects.create(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@jobcenter.example",
            jobcenter=jobcenter,
            home_unit=units[spec.home_unit],
            password=password,
            is_staff=spec.is_staff,
            is_superuser=spec.is_staff,
        )
        for role, unit_code in spec.roles:
            RoleAssignment.objects.create(
                user=user, role=role, org_unit=units[unit_code] if unit_code else None
            )
    return jobcenter
