"""Effective roles: own roles plus those held as a deputy (R-O-2, R-O-4; krm/accounts/access.py).

The Vertretung acts as KRM-B while the KRM-B is absent (an absence with no deputy named); a
named deputy takes over the absent person's roles, never the technical administration.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from krm.accounts.access import NO_ACCESS, access_for
from krm.accounts.models import Absence, User
from krm.accounts.roles import Role
from krm.cases import permissions
from krm.cases.workflow import Status
from krm.testing.factories import JobcenterFactory, UserFactory, make_case

D = dt.date
ABSENT_FROM, ABSENT_TO = D(2026, 12, 1), D(2026, 12, 4)  # Tuesday to Friday


def _absent(
    user: User, deputy: User | None = None, start: D = ABSENT_FROM, end: D = ABSENT_TO
) -> Absence:
    return Absence.objects.create(user=user, start=start, end=end, deputy=deputy)


def _today_absence(user: User, deputy: User | None = None) -> Absence:
    """An absence covering the real today, for what goes through the request (no `today`)."""
    today = timezone.localdate()
    return _absent(user, deputy, today - dt.timedelta(days=2), today + dt.timedelta(days=2))


# --- the Vertretung and the absent KRM-B ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "acting"),
    [
        (D(2026, 11, 30), False),  # the day before
        (D(2026, 12, 1), True),  # first day, inclusive
        (D(2026, 12, 3), True),
        (D(2026, 12, 4), True),  # last day, inclusive
        (D(2026, 12, 5), False),  # the day after
    ],
)
def test_vertretung_acts_as_krmb_only_while_krmb_absence_covers_the_day(
    org, day: D, acting: bool
) -> None:
    _absent(org["krmb"])
    access = access_for(org["vertretung"], today=day)
    assert access.acts_as_krmb is acting
    assert (Role.KRMB in access.roles) is acting
    assert Role.VERTRETUNG in access.roles
    assert access.acting_for == ((str(org["krmb"]),) if acting else ())


def test_vertretung_does_not_act_when_the_absence_names_another_deputy(org) -> None:
    _absent(org["krmb"], deputy=org["mitarbeiter"])
    assert not access_for(org["vertretung"], today=ABSENT_FROM).acts_as_krmb
    assert access_for(org["mitarbeiter"], today=ABSENT_FROM).acts_as_krmb


@pytest.mark.parametrize("absent", ["tl", "gf", "dsb", "controlling"])
def test_vertretung_does_not_act_for_someone_absent_who_is_not_krmb(org, absent: str) -> None:
    _absent(org[absent])
    access = access_for(org["vertretung"], today=ABSENT_FROM)
    assert not access.acts_as_krmb
    assert access.roles == {Role.VERTRETUNG}
    assert access.acting_for == ()


def test_vertretung_does_not_act_for_the_krmb_of_another_jobcenter(org) -> None:
    other = JobcenterFactory(name="Jobcenter Berlin Mitte", slug="mitte")
    _absent(UserFactory(username="krmb_mitte", jobcenter=other, roles=[Role.KRMB]))
    assert not access_for(org["vertretung"], today=ABSENT_FROM).acts_as_krmb


@pytest.mark.parametrize("role", ["gf", "lgf", "vorzimmer", "tl", "dsb"])
def test_only_the_vertretung_acts_for_the_absent_krmb_without_named_deputy(org, role: str) -> None:
    _absent(org["krmb"])
    assert access_for(org["vertretung"], today=ABSENT_FROM).acts_as_krmb
    assert not access_for(org[role], today=ABSENT_FROM).acts_as_krmb


# --- named deputies ---------------------------------------------------------------------------


def test_named_deputy_of_krmb_acts_as_krmb(org) -> None:
    _absent(org["krmb"], deputy=org["dsb"])
    assert access_for(org["dsb"], today=ABSENT_TO).acts_as_krmb
    assert not access_for(org["dsb"], today=ABSENT_TO + dt.timedelta(days=1)).acts_as_krmb


@pytest.mark.parametrize(
    ("day", "deputising"),
    [
        (ABSENT_FROM - dt.timedelta(days=1), False),
        (ABSENT_FROM, True),
        (ABSENT_TO, True),
        (ABSENT_TO + dt.timedelta(days=1), False),
    ],
)
def test_named_deputy_gets_the_absent_tls_team(org, day: D, deputising: bool) -> None:
    _absent(org["tl"], deputy=org["mitarbeiter"])
    access = access_for(org["mitarbeiter"], today=day)
    assert (Role.TL in access.roles) is deputising
    assert access.led_team_ids == ({org.t711.pk} if deputising else set())
    assert Role.MITARBEITER in access.roles
    assert not access.acts_as_krmb


def test_named_deputy_of_bl_gets_the_bereich(org) -> None:
    _absent(org["bl"], deputy=org["tl"])
    access = access_for(org["tl"], today=ABSENT_FROM)
    assert access.led_bereich_ids == {org.b71.pk}
    assert access.led_team_ids == {org.t711.pk}  # their own team as well


def test_named_deputy_of_tl_sees_the_teams_cases_while_tl_is_absent(client: Client, org) -> None:
    """End to end through the case page and the worklist (the request's today)."""
    case = make_case(org["krmb"], org_unit=org.t711)
    deputy = org["dsb"]
    client.force_login(deputy)
    assert client.get(f"/faelle/{case.pk}/").status_code == 404
    assert case.aktenzeichen not in client.get("/faelle/").content.decode()
    _today_absence(org["tl"], deputy=deputy)
    assert client.get(f"/faelle/{case.pk}/").status_code == 200
    assert case.aktenzeichen in client.get("/faelle/").content.decode()
    assert list(permissions.visible_cases(User.objects.get(pk=deputy.pk))) == [case]
    # Deputy for the TL, not for the KRM-B: reading, not changing.
    assert client.get(f"/faelle/{case.pk}/bearbeiten/").status_code == 403


def test_roles_held_as_deputy_add_to_own_roles(org) -> None:
    own_case = make_case(org["krmb"], org_unit=org.t721, kind="datenschutzbeschwerde")
    team_case = make_case(org["krmb"], org_unit=org.t711)
    make_case(org["krmb"], org_unit=org.t712)  # neither DSB nor Team 711
    _today_absence(org["tl"], deputy=org["dsb"])
    access = access_for(org["dsb"])
    assert access.roles == {Role.DSB, Role.TL}
    assert set(permissions.visible_cases(org["dsb"])) == {own_case, team_case}


def test_named_deputy_never_gets_the_admin_role(org) -> None:
    """The technical administration is not delegable; the other roles of the same person are."""
    principal = UserFactory(
        username="admin_tl", jobcenter=org.jobcenter, roles=[Role.ADMIN, (Role.TL, org.t712)]
    )
    _absent(principal, deputy=org["mitarbeiter"])
    _absent(org["admin"], deputy=org["mitarbeiter"])
    access = access_for(org["mitarbeiter"], today=ABSENT_FROM)
    assert access.roles == {Role.MITARBEITER, Role.TL}
    assert access.led_team_ids == {org.t712.pk}
    assert access.acting_for == tuple(sorted([str(principal), str(org["admin"])]))


def test_deputy_for_someone_of_another_jobcenter_gets_nothing(org) -> None:
    other = JobcenterFactory(name="Jobcenter Berlin Mitte", slug="mitte")
    stranger = UserFactory(username="ma_mitte", jobcenter=other, roles=[Role.MITARBEITER])
    _absent(org["krmb"], deputy=stranger)
    access = access_for(stranger, today=ABSENT_FROM)
    assert access.roles == {Role.MITARBEITER}
    assert not access.acts_as_krmb


# --- who has no access at all -----------------------------------------------------------------


def test_absence_of_an_inactive_principal_grants_nothing(org) -> None:
    for username in ("krmb", "tl"):
        User.objects.filter(username=username).update(is_active=False)
    _absent(org["krmb"])  # no deputy: the Vertretung would act …
    _absent(org["tl"], deputy=org["mitarbeiter"])  # … and the named deputy hold the team
    vertretung = access_for(org["vertretung"], today=ABSENT_FROM)
    deputy = access_for(org["mitarbeiter"], today=ABSENT_FROM)
    assert not vertretung.acts_as_krmb
    assert vertretung.acting_for == ()
    assert deputy.roles == {Role.MITARBEITER}
    assert deputy.led_team_ids == set()
    assert deputy.acting_for == ()


def test_user_without_jobcenter_has_no_access(client: Client, org) -> None:
    case = make_case(org["krmb"], org_unit=org.t711)
    homeless = UserFactory(username="ohne_jc", jobcenter=None, roles=[Role.KRMB, Role.GF])
    access = access_for(homeless)
    assert access.jobcenter_id is None
    assert not access.acts_as_krmb
    assert not permissions.can_capture(homeless)
    assert not permissions.can_register(homeless)
    assert not permissions.visible_cases(homeless).exists()
    client.force_login(homeless)
    assert client.get(f"/faelle/{case.pk}/").status_code == 404
    assert client.get("/erfassung/schnell/").status_code == 403
    assert client.get("/erfassung/registrieren/").status_code == 403


def test_inactive_user_has_no_access(org) -> None:
    user = org["krmb"]
    user.is_active = False
    assert access_for(user, today=ABSENT_FROM) is NO_ACCESS
    assert not permissions.can_register(user)


# --- acting_for: whom the user represents -----------------------------------------------------


def test_acting_for_lists_the_represented_people_by_name(org) -> None:
    User.objects.filter(pk=org["krmb"].pk).update(first_name="Karla", last_name="Kramer")
    User.objects.filter(pk=org["tl"].pk).update(first_name="", last_name="")
    _absent(org["krmb"])
    _absent(org["tl"], deputy=org["vertretung"])
    access = access_for(org["vertretung"], today=ABSENT_FROM)
    assert access.acting_for == ("Karla Kramer", "tl")  # no name: the username
    assert access.acts_as_krmb
    assert access.led_team_ids == {org.t711.pk}


def test_acting_for_is_shown_in_the_page_header(client: Client, org) -> None:
    User.objects.filter(pk=org["krmb"].pk).update(first_name="Karla", last_name="Kramer")
    client.force_login(org["vertretung"])
    assert "Sie vertreten" not in client.get("/faelle/").content.decode()
    _today_absence(org["krmb"])
    assert "Sie vertreten: Karla Kramer" in client.get("/faelle/").content.decode()


# --- end to end: the Vertretung while the KRM-B is away -----------------------------------------


@pytest.mark.parametrize("krmb_absent", [True, False])
def test_vertretung_registers_and_closes_cases_only_while_krmb_absent(
    client: Client, org, krmb_absent: bool
) -> None:
    """R-O-4 through the UI: the full registration and closing a case."""
    case = make_case(org["krmb"], org_unit=org.t711, channel="telefon")
    if krmb_absent:
        _today_absence(org["krmb"])
    client.force_login(org["vertretung"])
    register = client.get("/erfassung/registrieren/")
    close = client.post(
        f"/faelle/{case.pk}/schritt/abschliessen/",
        {
            "abschliessen-version": case.version,
            "abschliessen-outcome": "berechtigt",
            "abschliessen-confirm": "on",
        },
    )
    case.refresh_from_db()
    if krmb_absent:
        assert (register.status_code, close.status_code) == (200, 302)
        assert (case.status, case.outcome) == (Status.ABGESCHLOSSEN, "berechtigt")
        assert case.events.filter(actor=org["vertretung"]).exists()
    else:
        assert (register.status_code, close.status_code) == (403, 403)
        assert (case.status, case.version) == (Status.EINGEGANGEN, 1)
    # Reading is the Vertretung's own right, absent KRM-B or not.
    assert client.get(f"/faelle/{case.pk}/").status_code == 200
