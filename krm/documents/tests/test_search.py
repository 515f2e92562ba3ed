"""The text of documents in the full-text search only for who may open the documents
(R-A3): the colleague who captured a complaint finds it by its subject, never by a word
that stands only in a document of it (review finding: a prefix search read documents
letter by letter)."""

from __future__ import annotations

import pytest

from krm.cases.selectors import CaseFilter, case_list, link_candidates
from krm.documents import services, tasks
from krm.testing.factories import make_case


def found(user, query: str) -> set[int]:
    return set(
        case_list(user=user, filters=CaseFilter(q=query, status="")).values_list("pk", flat=True)
    )


@pytest.fixture
def captured(org):
    case = make_case(
        org["mitarbeiter"], quick_capture=True, org_unit=org.t711, subject="Wartezeit am Schalter"
    )
    document = services.add(
        case,
        actor=org["krmb"],
        data=b"%PDF-1.4 placeholder",
        filename="attest.pdf",
        content_type="application/pdf",
        kind="anlage",
        title="Attest",
        origin="hochgeladen",
    )
    tasks.set_text(document.pk, text="Diagnose Xylophonkrokodilitis", method="text")
    return case


@pytest.mark.parametrize(
    ("role", "by_document"),
    [("krmb", True), ("tl", True), ("bl", True), ("mitarbeiter", False), ("controlling", False)],
)
def test_document_words_find_the_case_only_for_who_opens_its_documents(
    org, captured, role, by_document
):
    user = org[role]
    assert (captured.pk in found(user, "Xylophonkrok")) == by_document
    assert (captured.pk in found(user, "Xylophonkrokodilitis Wartezeit")) == by_document
    # The case's own words: for everyone who reads the case.
    assert (captured.pk in found(user, "Schalter")) == (role != "controlling")


def test_link_suggestions_follow_the_same_rule(org, captured):
    other = make_case(org["mitarbeiter"], quick_capture=True, org_unit=org.t711)
    suggestions = link_candidates(user=org["mitarbeiter"], case=other, typed="Xylophon")
    assert captured.pk not in {c.pk for c in suggestions}
