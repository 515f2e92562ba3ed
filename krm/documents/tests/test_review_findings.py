"""Findings of the attack review of issue 8, each kept as a test."""

from __future__ import annotations

import pytest

from krm.audit.models import Event, EventType, ReadEvent
from krm.documents import services
from krm.documents.services import clean_title
from krm.letters.placeholders import problems
from krm.lib.keys import ids_from
from krm.testing.factories import make_case


def test_titles_lose_control_characters_and_direction_overrides() -> None:
    assert clean_title("Attest\x01 \u202efdp.exe") == "Attest fdp.exe"
    assert clean_title("  \n ") == "Dokument"
    assert len(clean_title("x" * 500)) == 200


def test_ids_from_forms_are_plausible_keys_only() -> None:
    assert ids_from(["3", "²", "9" * 5000, "99999999999999999999999", " 7 ", "-1"]) == {3, 7}
    assert len(ids_from([str(n) for n in range(1, 5000)])) == 1000


def test_a_template_of_deeply_nested_conditions_is_refused_not_a_crash() -> None:
    deep = "{% if art %}" * 700 + "x" + "{% endif %}" * 700
    assert "mehr als" in str(problems(deep)[0])
    nested = "{% if art %}" * 99 + "x" + "{% endif %}" * 99
    assert problems(nested) == []


@pytest.mark.parametrize("value", ["²", "9" * 5000, "99999999999999999999999"])
def test_odd_ids_in_the_hand_over_are_no_500(client, org, value) -> None:
    case = make_case(org["krmb"])
    client.force_login(org["krmb"])
    response = client.post(f"/ablage/faelle/{case.pk}/e-akte/", {"dokument": [value]})
    assert response.status_code == 302


def test_the_hand_over_is_in_the_read_log(client, org) -> None:
    from weasyprint import HTML

    case = make_case(org["krmb"])
    document = services.upload(
        case, actor=org["krmb"], name="a.pdf", data=HTML(string="<p>x</p>").write_pdf()
    )
    client.force_login(org["krmb"])
    assert (
        client.post(f"/ablage/faelle/{case.pk}/e-akte/", {"dokument": [document.pk]}).status_code
        == 200
    )
    assert ReadEvent.objects.filter(case=case, document_id=document.pk, via="dokument").exists()


def test_the_api_makes_only_the_letters_a_case_has(client, org) -> None:
    from krm.api.models import ApiToken

    case = make_case(org["krmb"])  # a Beschwerde: no Stellungnahme to a petitions committee
    _token, key = ApiToken.issue(org["krmb"])
    response = client.post(
        f"/api/v1/cases/{case.pk}/letters",
        {"kind": "stellungnahme"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 400
    assert "Beschwerde" in response.json()["kind"][0]


def test_an_archive_package_download_is_on_record(client, org) -> None:
    from krm.documents import blobs
    from krm.retention.models import ArchiveOffer, ArchivePackage

    offer = ArchiveOffer.objects.create(
        jobcenter=org.jobcenter, offered_at="2027-01-04T10:00:00+01:00", answer_due="2028-01-04"
    )
    sha, name = blobs.store(b"PK\x05\x06" + b"\x00" * 18)
    package = ArchivePackage.objects.create(offer=offer, blob=name, sha256=sha, size=22, cases=3)
    client.force_login(org["krmb"])
    assert client.get(f"/aufbewahrung/pakete/{package.pk}/").status_code == 200
    event = Event.objects.get(type=EventType.ARCHIVE_DOWNLOADED)
    assert (event.actor, event.jobcenter_id, event.data["faelle"]) == (
        org["krmb"],
        org.jobcenter.pk,
        3,
    )
