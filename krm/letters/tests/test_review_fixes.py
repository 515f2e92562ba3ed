"""Findings of the role walk of issue 8, each kept as a test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from krm.documents import services as documents
from krm.documents.models import Document
from krm.letters import services
from krm.letters.models import Letter, LetterKind
from krm.letters.placeholders import problems
from krm.lib.workdays import BERLIN
from krm.testing.factories import make_case
from krm.testing.pdf import text
from krm.testing.route import step


def test_an_unclosed_placeholder_is_refused_on_save(org) -> None:
    assert problems("Guten Tag {{ kunde.name }")
    assert problems("{% if art } x")
    with pytest.raises(ValidationError, match="nicht richtig geöffnet oder geschlossen"):
        services.save_template(
            actor=org["krmb"],
            kind=LetterKind.VERMERK,
            subject="Vermerk",
            body="Gespräch mit {{ kunde.name }",
            based_on=1,
        )


def test_the_eingangsbestaetigung_is_dated_and_sent_on_the_day_the_step_records(org) -> None:
    case = make_case(org["krmb"], customer={"name": "Erika Mustermann"})
    sent = dt.datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN)
    step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster", sent_at=sent)
    letter = Letter.objects.get(case=case, kind=LetterKind.EINGANGSBESTAETIGUNG)
    assert letter.sent_at == sent
    current = Document.objects.get(series=letter.series, is_current=True)
    assert "27. November 2026" in text(documents.read(current))


def test_a_draft_that_greets_the_customer_gets_no_second_salutation(org) -> None:
    case = make_case(org["krmb"], customer={"name": "Erika Mustermann"})
    case.draft = "Sehr geehrte Frau Mustermann,\n\nIhr Bescheid ist unterwegs."
    case.save(update_fields=["draft"])
    document = services.generate(case, LetterKind.ANTWORT, actor=org["krmb"])
    content = text(documents.read(document))
    assert "Sehr geehrte Frau Mustermann" in content
    assert "Guten Tag" not in content


def test_the_case_page_says_when_letters_would_have_no_address(client, org) -> None:
    """An anonymous case or one without a full address: the letters section says so."""
    client.force_login(org["krmb"])
    anonymous = make_case(org["krmb"])
    addressed = make_case(
        org["krmb"],
        customer={"name": "Erika Mustermann", "street": "Hauptstr. 1", "city": "Berlin"},
    )
    note = "keine vollständige Anschrift erfasst"
    assert note in client.get(f"/faelle/{anonymous.pk}/").content.decode()
    assert note not in client.get(f"/faelle/{addressed.pk}/").content.decode()
