"""The documents and letters of a case through the REST API v1 (issue 8):
`GET/POST /api/v1/cases/{id}/documents`, `GET /api/v1/documents/{id}/content`,
`POST /api/v1/cases/{id}/letters`. 404 for a case the caller may not see, 403 for documents
they may not open (R-A3); every JSON answer checked against the served OpenAPI schema."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.test import Client

from krm.api.models import ApiToken
from krm.audit.models import ReadEvent
from krm.documents import services as documents
from krm.documents.models import Document
from krm.letters.models import Letter
from krm.testing.factories import make_case
from krm.testing.pdf import text

from .openapi_check import served_contract

DOCUMENTS = "/api/v1/cases/{id}/documents"
LETTERS = "/api/v1/cases/{id}/letters"
CONTENT = "/api/v1/documents/{id}/content"
KEYS = (
    "id",
    "kind",
    "title",
    "filename",
    "content_type",
    "size",
    "sha256",
    "version",
    "created_at",
    "created_by",
)


def pdf_bytes(words: str = "Ein Schreiben") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{words}</p>").write_pdf()


@pytest.fixture
def api(org: Any, client: Client):
    contract = served_contract()
    keys = {
        name: ApiToken.issue(org[name])[1]
        for name in ("krmb", "tl", "mitarbeiter", "controlling", "bl")
    }

    def call(who: str, method: str, template: str, pk: int, check: bool = True, **kwargs: Any):
        url = template.format(id=pk)
        response = getattr(client, method)(url, HTTP_AUTHORIZATION=f"Token {keys[who]}", **kwargs)
        if check and response["Content-Type"].startswith("application/json"):
            contract.check(response, template)
        return response

    return call


@pytest.fixture
def case(org: Any):
    case = make_case(org["krmb"], org_unit=org.t711, customer={"name": "Erika Mustermann"})
    # Captured by the staff member (who may read it, but not its documents).
    return case


def test_list_upload_and_read_a_document(api, org, case):
    data = pdf_bytes()
    response = api(
        "krmb",
        "post",
        DOCUMENTS,
        case.pk,
        data={"file": io.BytesIO(data), "kind": "eingang", "title": "Brief der Kundin"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert tuple(body) == KEYS
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["kind"], body["title"], body["version"], body["created_by"]) == (
        "eingang",
        "Brief der Kundin",
        1,
        "krmb",
    )
    assert body["content_type"] == "application/pdf" and body["size"] == len(data)
    listed = api("tl", "get", DOCUMENTS, case.pk)
    assert listed.status_code == 200 and listed.json() == [body]
    content = api("tl", "get", CONTENT, body["id"], HTTP_ACCEPT="application/pdf")
    assert content.status_code == 200
    assert content["Content-Type"] == "application/pdf"
    assert content.content == data
    assert ReadEvent.objects.filter(
        case=case, user=org["tl"], via="dokument", document_id=body["id"]
    ).exists()


def test_a_refused_file_is_a_400_in_german_and_nothing_is_stored(api, case):
    before = Document.objects.count()
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    response = api("krmb", "post", DOCUMENTS, case.pk, data={"file": io.BytesIO(html)})
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert "nicht gespeichert" in message or "nicht angenommen" in message or "Webseite" in message
    missing = api("krmb", "post", DOCUMENTS, case.pk, data={"kind": "eingang"})
    assert missing.status_code == 400 and "file" in missing.json()
    unknown = api(
        "krmb", "post", DOCUMENTS, case.pk, data={"file": io.BytesIO(pdf_bytes()), "x": "1"}
    )
    assert unknown.status_code == 400 and unknown.json()["x"] == ["Unbekanntes Feld."]
    assert Document.objects.count() == before


def test_a_file_past_the_limit_is_refused(api, case, settings):
    settings.KRM_MAX_UPLOAD_BYTES = 1000
    response = api(
        "krmb", "post", DOCUMENTS, case.pk, data={"file": io.BytesIO(pdf_bytes("x" * 3000))}
    )
    assert response.status_code == 400
    assert "größer als" in response.json()["file"][0]
    assert not Document.objects.exists()


def test_who_gets_what(api, org, case):
    """404 for a case the caller may not see; 403 for documents they may not open."""
    document = documents.upload(case, actor=org["krmb"], name="a.pdf", data=pdf_bytes())
    other = make_case(org["krmb"], org_unit=org.t721)
    foreign = documents.upload(other, actor=org["krmb"], name="b.pdf", data=pdf_bytes())
    # The TL of 711 opens 711's documents, never 721's (a case they cannot see: 404).
    assert api("tl", "get", DOCUMENTS, other.pk).status_code == 404
    assert api("tl", "get", CONTENT, foreign.pk, check=False).status_code == 404
    # Controlling sees no case at all.
    assert api("controlling", "get", DOCUMENTS, case.pk).status_code == 404
    assert api("controlling", "get", CONTENT, document.pk, check=False).status_code == 404
    # The staff member who captured a case reads it, but not its documents.
    captured = make_case(org["mitarbeiter"], quick_capture=True, kind="beschwerde")
    scan = documents.upload(captured, actor=org["krmb"], name="c.pdf", data=pdf_bytes())
    assert api("mitarbeiter", "get", DOCUMENTS, captured.pk).status_code == 403
    assert api("mitarbeiter", "get", CONTENT, scan.pk, check=False).status_code == 403
    assert (
        api(
            "mitarbeiter", "post", DOCUMENTS, captured.pk, data={"file": io.BytesIO(pdf_bytes())}
        ).status_code
        == 403
    )
    assert api("krmb", "get", CONTENT, 999999, check=False).status_code == 404


def test_letters_through_the_api(api, org, case):
    response = api(
        "krmb",
        "post",
        LETTERS,
        case.pk,
        data={"kind": "eingangsbestaetigung", "format": "pdf"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "eingangsbestaetigung" and body["content_type"] == "application/pdf"
    content = api("krmb", "get", CONTENT, body["id"], check=False)
    assert case.aktenzeichen in text(content.content)
    assert "Mustermann" in text(content.content)
    letter = Letter.objects.get(case=case)
    assert letter.template.version == 1
    docx = api(
        "krmb",
        "post",
        LETTERS,
        case.pk,
        data={"kind": "antwort", "format": "docx"},
        content_type="application/json",
    )
    assert docx.status_code == 201
    assert docx.json()["filename"].endswith(".docx")
    bad = api(
        "krmb",
        "post",
        LETTERS,
        case.pk,
        data={"kind": "liebesbrief", "format": "odt"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "liebesbrief" in bad.json()["kind"][0] and "odt" in bad.json()["format"][0]
    assert (
        api(
            "tl",
            "post",
            LETTERS,
            make_case(org["krmb"], org_unit=org.t721).pk,
            data={"kind": "vermerk"},
            content_type="application/json",
        ).status_code
        == 404
    )
