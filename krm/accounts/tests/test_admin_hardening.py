"""The technical administration cannot give itself case access, and everything it changes
is on record (issue 6, finding 4): no case roles or deputyships for administrator and
Controlling accounts; roles, administration rights and passwords set for others only with a
second administrator's approval; every change to roles, deputies, absences, passwords and
configuration is an event of the security log, shown to the DSB and the KRM-B."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from krm.accounts import services
from krm.accounts.access import access_for
from krm.accounts.models import Absence, Approval, RoleAssignment, User
from krm.accounts.roles import Role
from krm.audit import services as audit
from krm.audit.models import Event, EventType
from krm.testing.factories import UserFactory

PASSWORD = "geheim-passwort-123"
NEW_PASSWORD = "Fr1sches-Passwort-2026"


@pytest.fixture
def admin2(org) -> User:
    """A second administrator, for the four-eyes approvals."""
    return UserFactory(
        username="admin2",
        jobcenter=org.jobcenter,
        is_staff=True,
        is_superuser=True,
        roles=[Role.ADMIN],
    )


@pytest.fixture
def admin(org) -> User:
    user = org["admin"]
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


def _log(org, *types: str) -> list[Event]:
    events = Event.objects.filter(chain=f"jc:{org.jobcenter.pk}").order_by("seq")
    return list(events.filter(type__in=types) if types else events)


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/anmelden/", {"username": username, "password": password})


# --- the three ways of the finding ----------------------------------------------------------


def test_admin_cannot_make_itself_the_krmbs_deputy(client: Client, org, admin) -> None:
    client.force_login(admin)
    today = timezone.localdate()
    response = client.post(
        "/admin/accounts/absence/add/",
        {"user": org["krmb"].pk, "start": today, "end": today, "deputy": admin.pk, "note": ""},
    )
    assert response.status_code == 200
    assert "vertreten niemanden" in response.content.decode()
    assert not Absence.objects.exists()
    # And were it in the database anyway, it would open nothing.
    Absence.objects.create(user=org["krmb"], start=today, end=today, deputy=admin)
    assert access_for(User.objects.get(pk=admin.pk)).roles == {Role.ADMIN}


@pytest.mark.parametrize("role", ["krmb", "vertretung", "gf", "dsb", "mitarbeiter"])
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("admin", "Für das eigene Konto beantragt man keine Rolle."),
        ("admin2", "erhalten keine Rolle, die Fälle sieht"),  # another administrator account
    ],
)
def test_admin_cannot_give_itself_a_case_role(
    client: Client, org, admin, admin2, role: str, target: str, message: str
) -> None:
    account = admin if target == "admin" else admin2
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/approval/add/", {"kind": "rolle", "user": account.pk, "role": role}
    )
    assert response.status_code == 302
    assert not Approval.objects.exists()
    assert not RoleAssignment.objects.filter(user=account, role=role).exists()
    page = client.get(response.headers["Location"]).content.decode()
    assert message in page


def test_the_user_form_offers_no_way_to_add_a_role(client: Client, org, admin) -> None:
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{admin.pk}/change/").content.decode()
    assert "role_assignments-TOTAL_FORMS" in page  # the inline is there …
    assert 'name="role_assignments-0-role"' not in page  # … read-only
    assert 'name="is_staff"' not in page and 'name="is_superuser"' not in page


def test_admin_cannot_reset_the_krmbs_password_alone(client: Client, org, admin, admin2) -> None:
    krmb = org["krmb"]
    client.force_login(admin)
    form = client.get(f"/admin/accounts/user/{krmb.pk}/password/").content.decode()
    assert 'name="password1"' in form and 'name="password2"' in form  # found by review
    assert 'name="usable_password"' not in form
    response = client.post(
        f"/admin/accounts/user/{krmb.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    krmb.refresh_from_db()
    assert krmb.check_password(PASSWORD)  # unchanged
    approval = Approval.objects.get(kind=Approval.Kind.PASSWORD, user=krmb)
    assert approval.state == Approval.State.OPEN
    assert NEW_PASSWORD not in approval.password_hash
    # The requester cannot approve; the second administrator can.
    with pytest.raises(PermissionDenied, match="zweite Administratorin"):
        services.decide(actor=admin, approval=approval, approve=True)
    services.decide(actor=admin2, approval=approval, approve=True)
    krmb.refresh_from_db()
    assert krmb.check_password(NEW_PASSWORD)
    assert krmb.must_change_password
    approval.refresh_from_db()
    assert approval.password_hash == ""  # not kept after use
    # The KRM-B logs in with it and must replace it before anything else.
    client.logout()
    assert _login(client, "krmb", NEW_PASSWORD).status_code == 302
    response = client.get("/faelle/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto/passwort/"
    same = client.post(
        "/konto/passwort/",
        {
            "old_password": NEW_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert "nicht das bisherige" in same.content.decode()  # found by review
    response = client.post(
        "/konto/passwort/",
        {
            "old_password": NEW_PASSWORD,
            "new_password1": "Eigenes-Passwort-der-KRMB-1",
            "new_password2": "Eigenes-Passwort-der-KRMB-1",
        },
    )
    assert response.status_code == 302
    assert client.get("/faelle/").status_code == 200
    types = [e.type for e in _log(org, EventType.ROLE_REQUESTED, EventType.APPROVAL_DECIDED)]
    assert types == [EventType.ROLE_REQUESTED, EventType.APPROVAL_DECIDED]
    assert len(_log(org, EventType.ACCOUNT_PASSWORD)) == 2  # the admins', then her own


def test_a_password_reset_ends_the_sessions_of_the_account(
    client: Client, org, admin, admin2
) -> None:
    krmb = org["krmb"]
    assert _login(client, "krmb").status_code == 302
    approval = services.request_password(actor=admin, user=krmb, password=NEW_PASSWORD)
    services.decide(actor=admin2, approval=approval, approve=True)
    assert client.get("/faelle/").status_code == 302  # logged out


# --- roles and administration rights by four eyes -----------------------------------------


def test_a_role_is_given_only_when_a_second_administrator_approves(org, admin, admin2) -> None:
    newcomer = UserFactory(username="neu", jobcenter=org.jobcenter, home_unit=org.t712)
    approval = services.request_role(actor=admin, user=newcomer, role=Role.TL, org_unit=org.t712)
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert access_for(User.objects.get(pk=newcomer.pk)).roles == frozenset()
    with pytest.raises(PermissionDenied):
        services.decide(actor=admin, approval=approval, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide(actor=newcomer, approval=approval, approve=True)  # not an admin
    services.decide(actor=admin2, approval=approval, approve=True)
    assert RoleAssignment.objects.filter(user=newcomer, role=Role.TL, org_unit=org.t712).exists()
    with pytest.raises(ValidationError, match="bereits entschieden"):
        services.decide(actor=admin2, approval=approval, approve=False)
    granted = _log(org, EventType.ROLE_GRANTED)[-1]
    assert granted.actor == admin2 and granted.subject_user == newcomer


def test_approval_in_the_admin_by_the_second_administrator(
    client: Client, org, admin, admin2
) -> None:
    newcomer = UserFactory(username="neu", jobcenter=org.jobcenter)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/approval/add/",
        {"kind": "rolle", "user": newcomer.pk, "role": "mitarbeiter"},
    )
    assert response.status_code == 302
    approval = Approval.objects.get()
    action = {"action": "approve", "_selected_action": [approval.pk]}
    client.post("/admin/accounts/approval/", action)
    assert not RoleAssignment.objects.filter(user=newcomer).exists()  # own request
    client.force_login(admin2)
    client.post("/admin/accounts/approval/", action)
    assert RoleAssignment.objects.filter(user=newcomer, role=Role.MITARBEITER).exists()


def test_a_role_approved_late_is_checked_again(org, admin, admin2) -> None:
    """Between request and approval the account became an administrator: refused."""
    person = UserFactory(username="person", jobcenter=org.jobcenter)
    approval = services.request_role(actor=admin, user=person, role=Role.MITARBEITER)
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    with pytest.raises(ValidationError, match="keine Rolle, die Fälle sieht"):
        services.decide(actor=admin2, approval=approval, approve=True)
    assert not RoleAssignment.objects.filter(user=person).exists()


@pytest.mark.parametrize("role", [Role.KRMB, Role.TL, Role.DSB])
def test_controlling_never_gets_a_case_role(org, admin, role: str) -> None:
    with pytest.raises(ValidationError, match="keine Rolle, die Fälle sieht"):
        services.request_role(
            actor=admin,
            user=org["controlling"],
            role=role,
            org_unit=org.t711 if role == Role.TL else None,
        )


def test_controlling_is_no_deputy(org) -> None:
    today = timezone.localdate()
    absence = Absence(user=org["tl"], start=today, end=today, deputy=org["controlling"])
    with pytest.raises(ValidationError, match="vertreten niemanden"):
        absence.full_clean()


def test_a_case_role_holder_gets_no_administration_rights(org, admin) -> None:
    with pytest.raises(ValidationError, match="eigenes Konto"):
        services.request_admin_rights(actor=admin, user=org["krmb"])


def test_administration_rights_need_a_second_administrator(
    client: Client, org, admin, admin2
) -> None:
    """Otherwise one administrator could create a second account and approve with it."""
    puppet = UserFactory(username="puppet", jobcenter=org.jobcenter)
    client.force_login(admin)
    client.post(
        "/admin/accounts/user/",
        {"action": "request_admin_rights", "_selected_action": [puppet.pk]},
    )
    puppet.refresh_from_db()
    assert not puppet.is_staff
    approval = Approval.objects.get(kind=Approval.Kind.ADMIN_RIGHTS)
    services.decide(actor=admin2, approval=approval, approve=True)
    puppet.refresh_from_db()
    assert puppet.is_staff and not puppet.is_superuser


def test_the_user_form_cannot_set_administration_rights(client: Client, org, admin) -> None:
    person = org["mitarbeiter"]
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    assert page.status_code == 200
    client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "username": person.username,
            "first_name": "Mia",
            "last_name": person.last_name,
            "email": "",
            "jobcenter": org.jobcenter.pk,
            "home_unit": org.t711.pk,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-id": RoleAssignment.objects.get(user=person).pk,
            "role_assignments-0-user": person.pk,
        },
    )
    person.refresh_from_db()
    assert person.first_name == "Mia"  # the form was saved …
    assert not person.is_staff and not person.is_superuser  # … without these


def test_moving_a_role_holder_to_another_jobcenter_is_refused(org) -> None:
    from krm.testing.factories import JobcenterFactory

    person = org["tl"]
    person.jobcenter = JobcenterFactory(name="Mitte", slug="mitte")
    with pytest.raises(ValidationError, match="Rollen"):
        person.full_clean()


# --- everything on record, shown to the DSB and the KRM-B ----------------------------------


def test_every_configuration_change_is_on_record(client: Client, org, admin) -> None:
    client.force_login(admin)
    jobcenter = org.jobcenter
    before = len(_log(org))
    client.post(
        f"/admin/jobcenters/jobcenter/{jobcenter.pk}/change/",
        {
            "name": jobcenter.name,
            "slug": jobcenter.slug,
            "acknowledgement_workdays": 3,
            "completion_workdays": 12,
            "gf_submission_workdays": 1,
            "petition_submission_workdays": 0,
            "abverfuegung_workdays": 1,
            "assignment_workdays": 1,
            "handling_workdays": 7,
            "review_workdays": 1,
            "signature_workdays": 1,
            "archive_answer_months": 12,
            "opinion_card_redaction_days": 90,
            "closure_days-TOTAL_FORMS": "1",
            "closure_days-INITIAL_FORMS": "0",
            "closure_days-MIN_NUM_FORMS": "0",
            "closure_days-MAX_NUM_FORMS": "1000",
            "closure_days-0-date": "2026-12-24",
            "closure_days-0-reason": "Heiligabend",
        },
    )
    today = timezone.localdate()
    client.post(
        "/admin/accounts/absence/add/",
        {
            "user": org["tl"].pk,
            "start": today,
            "end": today + dt.timedelta(days=3),
            "deputy": "",
            "note": "Urlaub",
        },
    )
    role = RoleAssignment.objects.get(user=org["dsb"])
    client.post(
        f"/admin/accounts/user/{org['dsb'].pk}/change/",
        {
            "username": "dsb",
            "first_name": "Test",
            "last_name": org["dsb"].last_name,
            "email": "",
            "jobcenter": org.jobcenter.pk,
            "home_unit": "",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-id": role.pk,
            "role_assignments-0-user": org["dsb"].pk,
            "role_assignments-0-DELETE": "on",
        },
    )
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()
    new = _log(org)[before:]
    assert all(e.actor == admin for e in new)
    by_type = {e.type for e in new}
    assert {
        EventType.CONFIG_CHANGED,
        EventType.ABSENCE_CHANGED,
        EventType.ROLE_REVOKED,
    } <= by_type
    texts = " ".join(str(e.content) for e in new)
    assert "Frist Abschluss (Arbeitstage)" in texts and "'alt': 10, 'neu': 12" in texts
    assert "Heiligabend" in texts and "Urlaub" in texts
    assert list(audit.verify()) == []
    # The DSB and the KRM-B read it; a team lead does not.
    for role_name in ("dsb_kept", "krmb"):
        reader = org["krmb"] if role_name == "krmb" else _another_dsb(org)
        client.force_login(reader)
        page = client.get("/protokoll/sicherheit/").content.decode()
        assert "Rolle entzogen" in page and "Abwesenheit oder Vertretung geändert" in page
        assert "Heiligabend" in page
    client.force_login(org["tl"])
    assert client.get("/protokoll/sicherheit/").status_code == 403


def _another_dsb(org) -> User:
    return UserFactory(username="dsb2", jobcenter=org.jobcenter, roles=[Role.DSB])


def test_no_secret_reaches_the_log(org, admin, admin2) -> None:
    approval = services.request_password(actor=admin, user=org["gf"], password=NEW_PASSWORD)
    services.decide(actor=admin2, approval=approval, approve=True)
    stored = " ".join(str(e.data) + str(e.personal) for e in Event.objects.all())
    assert NEW_PASSWORD not in stored
    assert "argon2" not in stored and "md5$" not in stored and "pbkdf2" not in stored


# --- logging out everywhere -----------------------------------------------------------------


def test_a_user_logs_out_everywhere(org) -> None:
    first, second = Client(), Client()
    for browser in (first, second):
        assert _login(browser, "tl").status_code == 302
    response = first.post("/konto/sitzungen-beenden/")
    assert response.status_code == 302
    assert first.get("/faelle/").status_code == 302
    assert second.get("/faelle/").status_code == 302
    assert _log(org, EventType.ACCOUNT_SESSIONS_ENDED)[-1].actor == org["tl"]
    # A new login works.
    assert _login(second, "tl").status_code == 302
    assert second.get("/faelle/").status_code == 200


def test_the_krmb_logs_someone_out_everywhere(org) -> None:
    laptop, krmb = Client(), Client()
    assert _login(laptop, "mitarbeiter").status_code == 302
    krmb.force_login(org["krmb"])
    page = krmb.get("/konto/").content.decode()
    assert "Sitzungen einer anderen Person beenden" in page
    response = krmb.post("/konto/sitzungen-beenden/", {"user": org["mitarbeiter"].pk})
    assert response.status_code == 302
    assert laptop.get("/faelle/").status_code == 302
    assert krmb.get("/faelle/").status_code == 200
    event = _log(org, EventType.ACCOUNT_SESSIONS_ENDED)[-1]
    assert (event.actor, event.subject_user) == (org["krmb"], org["mitarbeiter"])


@pytest.mark.parametrize("actor", ["tl", "gf", "admin"])
def test_others_cannot_log_someone_out(client: Client, org, actor: str) -> None:
    victim = Client()
    assert _login(victim, "mitarbeiter").status_code == 302
    client.force_login(org[actor])
    response = client.post("/konto/sitzungen-beenden/", {"user": org["mitarbeiter"].pk})
    assert response.status_code == 403
    assert victim.get("/faelle/").status_code == 200


def test_a_fresh_account_cannot_stand_in_for_the_krmb(client: Client, org, admin) -> None:
    """Found by attack: an administrator creates an account, gives it the Jobcenter and makes
    it the KRM-B's deputy. A deputy must hold a case role of their own (given by four eyes)."""
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "schatten",
            "usable_password": "true",
            "password1": "Sehr-geheimes-Pw-2026",
            "password2": "Sehr-geheimes-Pw-2026",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    shadow = User.objects.get(username="schatten")
    shadow.jobcenter = org.jobcenter
    shadow.save()
    today = timezone.localdate()
    response = client.post(
        "/admin/accounts/absence/add/",
        {"user": org["krmb"].pk, "start": today, "end": today, "deputy": shadow.pk, "note": ""},
    )
    assert response.status_code == 200
    assert "Vertreten kann nur, wer selbst eine Rolle mit Fallzugriff hat" in (
        response.content.decode()
    )
    assert not Absence.objects.exists()
    # Written into the database anyway, it opens nothing.
    Absence.objects.create(user=org["krmb"], start=today, end=today, deputy=shadow)
    access = access_for(User.objects.get(pk=shadow.pk))
    assert access.roles == frozenset() and access.acting_for == ()


def test_an_api_key_stays_with_its_user(client: Client, org, admin) -> None:
    from krm.api.models import ApiToken

    token, _key = ApiToken.issue(admin)
    client.force_login(admin)
    response = client.post(f"/admin/api/apitoken/{token.pk}/change/", {"user": org["krmb"].pk})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.user == admin


def test_an_account_an_administrator_creates_must_replace_its_password(
    client: Client, org, admin
) -> None:
    client.force_login(admin)
    client.post(
        "/admin/accounts/user/add/",
        {
            "username": "neuling",
            "usable_password": "true",
            "password1": "Sehr-geheimes-Pw-2026",
            "password2": "Sehr-geheimes-Pw-2026",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert User.objects.get(username="neuling").must_change_password


def test_a_request_for_administration_rights_never_takes_any_away(org, admin, admin2) -> None:
    """Found by review: "erteilen" without "Superuser" demoted a superuser."""
    with pytest.raises(ValidationError, match="hat diese Rechte bereits"):
        services.request_admin_rights(actor=admin, user=admin2, superuser=False)
    with pytest.raises(ValidationError, match="eigene Konto"):
        services.request_admin_rights(actor=admin, user=admin)
    person = UserFactory(username="helfer", jobcenter=org.jobcenter)
    person.is_staff = True
    person.save()
    approval = services.request_admin_rights(actor=admin, user=person, superuser=True)
    services.decide(actor=admin2, approval=approval, approve=True)
    person.refresh_from_db()
    assert person.is_staff and person.is_superuser


def test_the_requester_may_withdraw_but_not_approve(org, admin) -> None:
    person = UserFactory(username="helferin", jobcenter=org.jobcenter)
    approval = services.request_role(actor=admin, user=person, role=Role.MITARBEITER)
    services.decide(actor=admin, approval=approval, approve=False)
    approval.refresh_from_db()
    assert approval.state == Approval.State.REJECTED
    assert not RoleAssignment.objects.filter(user=person).exists()


def test_no_deputy_for_an_account_without_case_roles(org) -> None:
    today = timezone.localdate()
    absence = Absence(user=org["controlling"], start=today, end=today, deputy=org["mitarbeiter"])
    with pytest.raises(ValidationError, match="nichts zu vertreten"):
        absence.full_clean()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/axes/accesslog/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accessfailurelog/",
        "/admin/auth/group/",
    ],
)
def test_login_records_and_groups_are_not_in_the_admin(client: Client, admin, path: str) -> None:
    """Found by attack: login records could be deleted in the admin without a trace, and
    Django's groups were changed unrecorded."""
    client.force_login(admin)
    assert client.get(path).status_code == 404


def test_a_named_deputy_needs_a_second_administrator(client: Client, org, admin, admin2) -> None:
    """Found by attack: one administrator made a Mitarbeiterin the GF's deputy (all cases)."""
    today = timezone.localdate()
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/absence/add/",
        {
            "user": org["gf"].pk,
            "start": today,
            "end": today + dt.timedelta(days=30),
            "deputy": org["mitarbeiter"].pk,
            "note": "",
        },
    )
    assert response.status_code == 302
    assert not Absence.objects.exists()
    assert access_for(User.objects.get(username="mitarbeiter")).acting_for == ()
    approval = Approval.objects.get(kind=Approval.Kind.DEPUTY)
    with pytest.raises(PermissionDenied):
        services.decide(actor=admin, approval=approval, approve=True)
    services.decide(actor=admin2, approval=approval, approve=True)
    absence = Absence.objects.get()
    assert (absence.user, absence.deputy) == (org["gf"], org["mitarbeiter"])
    assert access_for(User.objects.get(username="mitarbeiter")).acting_for
    # Once in force it is ended, not changed (a change would need four eyes again).
    assert client.get(f"/admin/accounts/absence/{absence.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/accounts/absence/{absence.pk}/change/",
        {"user": org["gf"].pk, "start": today, "end": today + dt.timedelta(days=365)},
    )
    assert response.status_code == 403
    absence.refresh_from_db()
    assert absence.end == today + dt.timedelta(days=30)


def test_an_absence_without_a_named_deputy_takes_effect_at_once(client: Client, org, admin):
    today = timezone.localdate()
    client.force_login(admin)
    client.post(
        "/admin/accounts/absence/add/",
        {"user": org["krmb"].pk, "start": today, "end": today, "deputy": "", "note": ""},
    )
    assert Absence.objects.filter(user=org["krmb"], deputy=None).exists()
    assert access_for(User.objects.get(username="vertretung")).acts_as_krmb


def test_approving_administration_rights_checks_the_roles_again(org, admin, admin2) -> None:
    """Found by attack: admin rights and a case role approved one after the other."""
    person = UserFactory(username="doppelt", jobcenter=org.jobcenter)
    rights = services.request_admin_rights(actor=admin, user=person)
    role = services.request_role(actor=admin, user=person, role=Role.KRMB)
    services.decide(actor=admin2, approval=role, approve=True)
    with pytest.raises(ValidationError, match="eigenes Konto"):
        services.decide(actor=admin2, approval=rights, approve=True)
    person.refresh_from_db()
    assert not person.is_staff


def test_a_request_is_void_when_the_person_changed_jobcenter(org, admin, admin2) -> None:
    from krm.testing.factories import JobcenterFactory

    person = UserFactory(username="wechsel", jobcenter=org.jobcenter)
    approval = services.request_role(actor=admin, user=person, role=Role.GF)
    person.jobcenter = JobcenterFactory(name="Mitte", slug="mitte")
    person.save()
    with pytest.raises(ValidationError, match="Jobcenter gewechselt"):
        services.decide(actor=admin2, approval=approval, approve=True)
    assert not RoleAssignment.objects.filter(user=person).exists()
