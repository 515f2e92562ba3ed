"""The logs for the DSB and the KRM-B: the security log and the read log."""

from __future__ import annotations

from django.test import Client

from krm.testing.factories import make_case


def test_the_security_log_filters_by_person(client: Client, org) -> None:
    client.force_login(org["dsb"])
    page = client.get("/protokoll/sicherheit/", {"benutzer": "tl"}).content.decode()
    assert "betrifft" in page and "(tl)" in page and "(gf)" not in page
    page = client.get("/protokoll/sicherheit/", {"benutzer": "gibt-es-nicht"}).content.decode()
    assert "Keine Person mit diesem Benutzernamen." in page


def test_read_log_shows_who_opened_a_case(client: Client, org) -> None:
    case = make_case(org["krmb"], org_unit=org.t711)
    for role in ("tl", "bl", "tl"):
        client.force_login(org[role])
        assert client.get(f"/faelle/{case.pk}/").status_code == 200
    client.force_login(org["dsb"])
    page = client.get("/protokoll/lesezugriffe/", {"aktenzeichen": case.aktenzeichen})
    html = page.content.decode()
    assert f"Fall {case.aktenzeichen}: 3 Lesezugriffe" in html
    assert html.count("<td>Fallseite</td>") == 3
    html = client.get("/protokoll/lesezugriffe/", {"benutzer": "tl"}).content.decode()
    assert ": 2 Lesezugriffe" in html and case.aktenzeichen in html
    # Only the DSB.
    for role in ("krmb", "tl", "admin"):
        client.force_login(org[role])
        assert client.get("/protokoll/lesezugriffe/").status_code == 403


def test_the_log_searches_take_odd_input_without_error(client: Client, org) -> None:
    """Found by attack: a NUL in a search field gave a 500 on PostgreSQL."""
    client.force_login(org["dsb"])
    for path in ("/protokoll/sicherheit/", "/protokoll/lesezugriffe/"):
        for value in ("\x00", "a\x00b", "x" * 5000, "II-6001-2026-" + "9" * 400):
            response = client.get(path, {"benutzer": value, "aktenzeichen": value})
            assert response.status_code == 200, (path, value[:10])


def test_the_read_log_hides_a_dab_about_the_dsb(client: Client, org) -> None:
    """Found by attack: the read log named a DAB about the DSB reading it."""
    dab = make_case(
        org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["dsb"], subject="DSB"
    )
    client.force_login(org["krmb"])
    client.get(f"/faelle/{dab.pk}/")
    client.force_login(org["dsb"])
    html = client.get("/protokoll/lesezugriffe/", {"benutzer": "krmb"}).content.decode()
    assert dab.aktenzeichen not in html and ": 0 Lesezugriffe" in html
    html = client.get("/protokoll/lesezugriffe/", {"aktenzeichen": dab.aktenzeichen})
    assert "Kein Fall mit diesem Aktenzeichen." in html.content.decode()


def test_both_fields_narrow_the_read_log(client: Client, org) -> None:
    first, second = make_case(org["krmb"]), make_case(org["krmb"])
    for user in ("krmb", "gf"):
        client.force_login(org[user])
        client.get(f"/faelle/{first.pk}/")
        client.get(f"/faelle/{second.pk}/")
    client.force_login(org["dsb"])
    html = client.get(
        "/protokoll/lesezugriffe/", {"aktenzeichen": first.aktenzeichen, "benutzer": "gf"}
    ).content.decode()
    assert ": 1 Lesezugriffe" in html


def test_accounts_without_a_jobcenter_are_in_the_security_log(client: Client, org) -> None:
    """Found by review: an account created in the admin had no Jobcenter yet and its
    creation showed in no Jobcenter's log."""
    from krm.testing.factories import UserFactory

    UserFactory(username="systemkonto", jobcenter=None)
    client.force_login(org["dsb"])
    html = client.get("/protokoll/sicherheit/", {"benutzer": "systemkonto"}).content.decode()
    assert "Benutzerkonto angelegt" in html


def test_the_read_log_hides_a_dab_about_whom_the_reader_stands_in_for(client: Client, org) -> None:
    """Found by attack: the TL standing in for the absent DSB saw a DAB about the DSB."""
    from django.utils import timezone

    from krm.accounts.models import Absence

    dab = make_case(
        org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["dsb"], subject="DSB"
    )
    client.force_login(org["krmb"])
    client.get(f"/faelle/{dab.pk}/")
    today = timezone.localdate()
    Absence.objects.create(user=org["dsb"], start=today, end=today, deputy=org["tl"])
    client.force_login(org["tl"])
    html = client.get("/protokoll/lesezugriffe/", {"benutzer": "krmb"}).content.decode()
    assert dab.aktenzeichen not in html
    html = client.get("/protokoll/lesezugriffe/", {"aktenzeichen": dab.aktenzeichen})
    assert "Kein Fall mit diesem Aktenzeichen." in html.content.decode()
