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
