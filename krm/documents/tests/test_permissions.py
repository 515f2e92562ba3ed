"""Who may open and add the documents of a case (R-A3, R-A4; krm/documents/permissions.py,
`cases.permissions.documents_visibility`): the documents' own matrix.

One test per role walks a set of cases and, on each, downloads a document, uploads a file,
makes a letter (a Vermerk as PDF) and opens the case page. A case the user may not read is
a 404 everywhere; a readable case whose documents they may not open (what a colleague only
captured) is a 403; a refused request stores nothing: no Document, no Letter, no file in
the documents storage, no audit event, no read-log entry.

The letters' PDF renderer is replaced by a fixed small PDF here (each render costs ~0.3 s;
what a letter looks like is krm/letters/tests' business).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from krm.accounts.models import Absence, User
from krm.accounts.roles import Role
from krm.audit.models import Event, ReadEvent
from krm.cases import services as case_services
from krm.cases.models import Case
from krm.documents import blobs, services
from krm.documents.models import Document
from krm.letters import render
from krm.letters.models import Letter
from krm.lib.workdays import BERLIN
from krm.testing import route
from krm.testing.factories import UserFactory, make_case

pytestmark = pytest.mark.usefixtures("document_storage")

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)

# key: (who captures it, quick capture?, org unit attribute of `org`, kind, staff concerned)
# A quick capture is a Beschwerde; a confidential kind there is the KRM-B's later correction.
CASES = {
    "c711": ("krmb", False, "t711", "beschwerde", None),
    "c721": ("krmb", False, "t721", "beschwerde", None),  # Bereich 72: not the LGF's
    "dsb721": ("krmb", False, "t721", "datenschutzbeschwerde", None),
    "dab_ma": ("krmb", False, "t711", "dienstaufsichtsbeschwerde", "mitarbeiter"),
    "quick_ma": ("mitarbeiter", True, "t721", "beschwerde", None),  # captured by staff of 711
    "dab_by_ma": ("mitarbeiter", True, "t712", "dienstaufsichtsbeschwerde", "vorzimmer"),
    "assigned": ("krmb", False, "t721", "beschwerde", None),  # handler TL 712, delegate ma712
}

# D: opens and adds documents; C: reads the case (they captured it), not its documents;
# E: may only know the case exists (they captured a DAB): the case page shows its
# Aktenzeichen, everything else is a 404; -: may not see the case at all.
# tl712: TL of Team 712, the handler of "assigned" (a unit not their own);
# delegate: staff of 712 the case "assigned" was delegated to;
# vorzimmer_office: the Vorzimmer while the KRM-B is absent (R-O-4).
# fmt: off
MATRIX = {
    # cases in the order of CASES: c711 c721 dsb721 dab_ma quick_ma dab_by_ma assigned
    "krmb":             "D D D D D D D",
    "vertretung":       "D D D D D D D",
    "gf":               "D D D D D D D",
    "lgf":              "D - - D - D -",
    "bl":               "D - - D - D -",
    "tl":               "D - - D - - -",
    "mitarbeiter":      "- - - - C E -",  # dab_ma is about them; they captured the others
    "dsb":              "- - D - - - -",
    "vorzimmer":        "- - - - - - -",  # the KRM-B is present: no stand-in
    "vorzimmer_office": "D D D D D - D",  # dab_by_ma is about them
    "controlling":      "- - - - - - -",
    "admin":            "- - - - - - -",
    "tl712":            "- - - - - D D",
    "delegate":         "- - - - - - D",
}
# mark → download, upload, letter, case page
CODES = {
    "D": (200, 302, 302, 200),
    "C": (403, 403, 403, 200),
    "E": (404, 404, 404, 200),
    "-": (404, 404, 404, 404),
}
# fmt: on


@pytest.fixture(autouse=True)
def _fixed_now(pin_now: Any) -> None:
    pin_now(NOW)


@pytest.fixture(autouse=True)
def _quick_letters(monkeypatch: pytest.MonkeyPatch, make_pdf: Any) -> None:
    """A fixed small PDF instead of WeasyPrint's rendering of each letter."""
    monkeypatch.setattr(render, "pdf", lambda content: make_pdf(tag=content.title))


def _people(org) -> dict[str, User]:
    people = {role: org[role] for role in MATRIX if role in org.users}
    people["tl712"] = UserFactory(
        username="tl712", jobcenter=org.jobcenter, home_unit=org.t712, roles=[(Role.TL, org.t712)]
    )
    people["delegate"] = UserFactory(
        username="ma712", jobcenter=org.jobcenter, home_unit=org.t712, roles=[Role.MITARBEITER]
    )
    people["vorzimmer_office"] = org["vorzimmer"]
    return people


def _make_cases(org, people: dict[str, User]) -> dict[str, Case]:
    cases = {}
    for key, (captor, quick, unit, kind, concerned) in CASES.items():
        case = make_case(
            org[captor],
            quick_capture=quick,
            kind="beschwerde" if quick else kind,
            org_unit=getattr(org, unit),
            subject=f"Betreff {key}",
            customer={"name": f"Kundin {key.replace('_', '')}"},
            **({"staff_concerned": org[concerned]} if concerned and not quick else {}),
        )
        if quick and kind != "beschwerde":
            case = case_services.correct_kind(
                actor=org["krmb"], case=case, expected_version=case.version, kind=kind
            )
        if quick and concerned:
            case = case_services.update_case(
                actor=org["krmb"],
                case=case,
                expected_version=case.version,
                changes={"staff_concerned": org[concerned]},
            )
        cases[key] = case
    # What the BL's "tl_zuweisen" and the TL's "delegieren" record: a TL from another unit
    # handles the case of Team 721, and delegated it to a member of their team.
    Case.objects.filter(pk=cases["assigned"].pk).update(
        handler=people["tl712"], delegate=people["delegate"]
    )
    cases["assigned"].refresh_from_db()
    return cases


def _file_in_each(org, cases: dict[str, Case], make_pdf: Any) -> dict[str, Document]:
    """One scan in each case, uploaded by the KRM-B."""
    return {
        key: services.upload(
            case, actor=org["krmb"], name=f"Eingang {key}.pdf", data=make_pdf(tag=f"eingang-{key}")
        )
        for key, case in cases.items()
    }


def _row(role: str) -> dict[str, str]:
    marks = MATRIX[role].split()
    assert len(marks) == len(CASES)
    return dict(zip(CASES, marks, strict=True))


def _state(stored_files: Any) -> tuple:
    """Everything a request could have stored."""
    return (
        Document.objects.count(),
        Letter.objects.count(),
        Event.objects.count(),
        ReadEvent.objects.count(),
        frozenset(stored_files()),
    )


def _upload(client: Client, case: Case, data: bytes, **extra: Any):
    return client.post(
        reverse("documents:upload", kwargs={"case_id": case.pk}),
        {
            "file": SimpleUploadedFile("Nachreichung.pdf", data, "application/pdf"),
            "kind": "anlage",
            "title": "",
            "previous": "",
            **extra,
        },
    )


def _generate(client: Client, case: Case):
    return client.post(
        reverse("letters:generate", kwargs={"case_id": case.pk}),
        {"kind": "vermerk", "format": "pdf"},
    )


@pytest.mark.parametrize("role", list(MATRIX))
def test_documents_matrix(client: Client, org, role: str, make_pdf: Any, stored_files: Any) -> None:
    """R-A3, R-A4: download, upload, letter and the case page's sections, per role × case."""
    people = _people(org)
    cases = _make_cases(org, people)
    documents = _file_in_each(org, cases, make_pdf)
    user = people[role]
    if role == "vorzimmer_office":
        today = timezone.localdate()
        Absence.objects.create(user=org["krmb"], start=today, end=today)
    client.force_login(user)

    for key, mark in _row(role).items():
        case, document = cases[key], documents[key]
        download_code, upload_code, letter_code, page_code = CODES[mark]
        where = (role, key)

        # (a) the download of the document already in the case
        before = _state(stored_files)
        response = client.get(reverse("documents:download", kwargs={"document_id": document.pk}))
        assert response.status_code == download_code, where
        if download_code == 200:
            assert response.content == services.read(document)
            read = ReadEvent.objects.order_by("-pk").first()
            assert (read.user_id, read.case_id, read.via, read.document_id) == (
                user.pk,
                case.pk,
                ReadEvent.Via.DOCUMENT,
                document.pk,
            )
        else:
            assert response.content != services.read(document)
            assert _state(stored_files) == before, where
            assert case.aktenzeichen not in response.content.decode(), where

        # (b) an upload
        data = make_pdf(tag=f"upload-{role}-{key}")
        sha = hashlib.sha256(data).hexdigest()
        before = _state(stored_files)
        response = _upload(client, case, data)
        assert response.status_code == upload_code, where
        if upload_code == 302:
            added = Document.objects.get(sha256=sha)
            assert (added.case_id, added.created_by_id) == (case.pk, user.pk)
            assert blobs.name_for(sha) in stored_files()
        else:
            assert _state(stored_files) == before, where
            assert not Document.objects.filter(sha256=sha).exists()

        # (c) a letter: a Vermerk as PDF
        before = _state(stored_files)
        letters = Letter.objects.filter(case=case).count()
        response = _generate(client, case)
        assert response.status_code == letter_code, where
        if letter_code == 302:
            assert Letter.objects.filter(case=case).count() == letters + 1
            made = Letter.objects.filter(case=case).latest("pk")
            assert (made.kind, made.created_by_id) == ("vermerk", user.pk)
        else:
            assert _state(stored_files) == before, where

        # the case page: the sections "Dokumente" and "Schreiben" only with the documents
        response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
        assert response.status_code == page_code, where
        if page_code == 200:
            html = response.content.decode()
            assert case.aktenzeichen in html
            if mark == "E":
                assert case.subject not in html, where
            assert ('id="h-dokumente"' in html) == (mark == "D"), where
            assert ('id="h-schreiben"' in html) == (mark == "D"), where
            download_url = reverse("documents:download", kwargs={"document_id": document.pk})
            assert (download_url in html) == (mark == "D"), where


def test_the_timeline_names_no_document_to_whom_may_not_open_them(
    client: Client, org, make_pdf: Any
) -> None:
    """R-A3: the colleague who captured a complaint reads the case but not its documents;
    what the documents are called (often a name, a diagnosis: "Attest Erika Mustermann")
    is part of them. The entry may say that a document was filed, not which."""
    case = make_case(org["mitarbeiter"], quick_capture=True, org_unit=org.t721, subject="Wartezeit")
    services.upload(
        case, actor=org["krmb"], name="Attest Erika Mustermann.pdf", data=make_pdf(tag="attest")
    )
    client.force_login(org["mitarbeiter"])
    html = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert "Wartezeit" in html  # the case itself is readable
    assert "hat ein Dokument abgelegt" in html  # that a document came is no secret …
    assert "Attest" not in html  # … what it is, is


def test_a_refused_upload_of_a_file_already_stored_elsewhere_leaves_it_alone(
    client: Client, org, make_pdf: Any, stored_files: Any
) -> None:
    """The same bytes are in a case of 711; the TL of 711 sends them to a case of 721 they
    may not see: 404, and the other case's document and its file stay as they were."""
    mine = make_case(org["krmb"], org_unit=org.t711)
    theirs = make_case(org["krmb"], org_unit=org.t721)
    data = make_pdf(tag="geteilt")
    document = services.upload(mine, actor=org["krmb"], name="Scan.pdf", data=data)
    client.force_login(org["tl"])
    before = _state(stored_files)
    assert _upload(client, theirs, data).status_code == 404
    assert _state(stored_files) == before
    assert list(Document.objects.filter(sha256=document.sha256)) == [document]
    assert blobs.read(document.blob) == data


def test_a_new_version_of_a_document_of_another_case_is_refused(
    client: Client, org, make_pdf: Any, stored_files: Any
) -> None:
    """The form offers only the case's own documents as "neue Version von": the id of
    another case's document is refused (400) and stores nothing."""
    mine = make_case(org["krmb"], org_unit=org.t711)
    other = make_case(org["krmb"], org_unit=org.t721)
    foreign = services.upload(other, actor=org["krmb"], name="Fremd.pdf", data=make_pdf(tag="x"))
    client.force_login(org["krmb"])
    before = _state(stored_files)
    response = _upload(client, mine, make_pdf(tag="neu"), previous=str(foreign.pk))
    assert response.status_code == 400
    assert _state(stored_files) == before
    foreign.refresh_from_db()
    assert (foreign.is_current, foreign.version) == (True, 1)


# --- a closed case: only the acting KRM-B adds documents ------------------------------------

# role → download, upload, letter, upload form on the case page
# fmt: off
CLOSED = {
    "krmb":              (200, 302, 302, True),
    "vertretung_acting": (200, 302, 302, True),  # the KRM-B is absent (R-O-4)
    "vertretung":        (200, 403, 403, False),
    "gf":                (200, 403, 403, False),
    "lgf":               (200, 403, 403, False),
    "bl":                (200, 403, 403, False),
    "tl":                (200, 403, 403, False),
    "dsb":               (404, 404, 404, False),
    "mitarbeiter":       (404, 404, 404, False),
}
# fmt: on


@pytest.mark.parametrize("role", list(CLOSED))
def test_only_the_acting_krmb_adds_documents_to_a_closed_case(
    client: Client, org, role: str, make_pdf: Any, stored_files: Any
) -> None:
    """R-A3: a closed case's documents are still read by those who may open them, but a
    late scan or a correction is filed only by the acting KRM-B."""
    case = route.close(
        make_case(org["krmb"], org_unit=org.t711, customer={"name": "Erika Mustermann"}), org
    )
    assert not case.is_open
    document = services.upload(
        case, actor=org["krmb"], name="Nachtrag.pdf", data=make_pdf(tag="nachtrag")
    )
    if role == "vertretung_acting":
        today = timezone.localdate()
        Absence.objects.create(user=org["krmb"], start=today, end=today)
        user = org["vertretung"]
    else:
        user = org[role]
    download_code, upload_code, letter_code, form_shown = CLOSED[role]
    client.force_login(user)

    before = _state(stored_files)
    response = client.get(reverse("documents:download", kwargs={"document_id": document.pk}))
    assert response.status_code == download_code
    if download_code != 200:
        assert _state(stored_files) == before

    data = make_pdf(tag=f"spaet-{role}")
    before = _state(stored_files)
    response = _upload(client, case, data)
    assert response.status_code == upload_code
    if upload_code == 302:
        assert Document.objects.get(sha256=hashlib.sha256(data).hexdigest()).case_id == case.pk
    else:
        assert _state(stored_files) == before

    before = _state(stored_files)
    letters = Letter.objects.filter(case=case).count()
    response = _generate(client, case)
    assert response.status_code == letter_code
    if letter_code == 302:
        assert Letter.objects.filter(case=case).count() == letters + 1
    else:
        assert _state(stored_files) == before

    page = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    if download_code == 200:
        html = page.content.decode()
        upload_url = reverse("documents:upload", kwargs={"case_id": case.pk})
        generate_url = reverse("letters:generate", kwargs={"case_id": case.pk})
        assert ('id="h-dokumente"' in html) and ('id="h-schreiben"' in html)
        assert (f'action="{upload_url}"' in html) == form_shown
        assert (f'action="{generate_url}"' in html) == form_shown
    else:
        assert page.status_code == 404
