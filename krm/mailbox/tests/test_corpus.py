"""The corpus of real-world and hostile mails (tests/corpus.py) through the real IMAP server:
every message ends as a case, a joined reply, a duplicate or a quarantined message;
nothing is lost, nothing is registered twice (R-W3.1)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from krm.cases.models import Case
from krm.documents.models import Document
from krm.mailbox import imap
from krm.mailbox.models import InboundMail, Outcome
from krm.mailbox.tests.corpus import big_attachment_mail, corpus
from krm.mailbox.tests.test_imap import _mailbox
from krm.mailbox.tests.test_import import make_mail

pytestmark = pytest.mark.django_db

# Not mails an IMAP server holds: an empty message and an Outlook file (they come as files).
FILES_ONLY = {"empty", "outlook_msg"}


def test_the_corpus_through_imap_ends_complete(org: Any, imap_mailbox: Any, settings: Any) -> None:
    box = _mailbox(org, imap_mailbox, settings)
    first = make_mail(subject="Meine Beschwerde")
    imap_mailbox.append(first)
    [opened] = imap.poll(box).results
    mails = {name: raw for name, raw in corpus().items() if name not in FILES_ONLY}
    mails["big_attachment_30mb"] = big_attachment_mail(30)
    mails["reply_to_existing"] = make_mail(
        subject=f"AW: Ihre Nachricht [{opened.aktenzeichen}]", body="Noch etwas."
    )
    mails["duplicate"] = first
    for raw in mails.values():
        imap_mailbox.append(raw)
    delivered = imap_mailbox.count("INBOX")
    assert delivered == len(mails)

    results = []
    while True:
        batch = imap.poll(box).results
        if not batch:
            break
        results += batch
    outcomes = [r.outcome for r in results]
    assert len(results) == delivered  # each message accounted for, once
    assert set(outcomes) <= {"case", "joined", "duplicate", "quarantined"}
    by_name = dict(zip(mails, results, strict=True))
    assert by_name["reply_to_existing"].outcome == "joined"
    assert by_name["reply_to_existing"].aktenzeichen == opened.aktenzeichen
    assert by_name["duplicate"].outcome == "duplicate"
    assert by_name["garbage"].outcome == "quarantined"
    assert by_name["html_hostile"].outcome == "case"
    assert by_name["tnef"].outcome == "case"
    assert by_name["forwarded_msg"].outcome == "case"
    assert by_name["many_recipients"].outcome == "case"
    assert by_name["no_body"].outcome == "case"
    # The 30 MB attachment is over the upload limit: the case exists, the case says why.
    big = InboundMail.objects.get(pk=by_name["big_attachment_30mb"].inbound.pk)
    assert big.outcome == Outcome.CASE
    assert any("nicht übernommen" in note or "nicht als Dokument" in note for note in big.notes)
    # Nothing lost on the server: all moved, none deleted.
    assert imap_mailbox.count("INBOX") == 0
    assert imap_mailbox.count("krm-verarbeitet") == delivered + 1
    # Every message krm read is on record once (duplicates point to the first).
    assert InboundMail.objects.count() == delivered + 1 - outcomes.count("duplicate")
    assert Case.objects.count() == 1 + outcomes.count("case")
    # Nothing executable was filed, and nothing of the HTML runs (see the browser test).
    for inbound in InboundMail.objects.exclude(html=""):
        lowered = inbound.html.lower()
        for bad in ("<script", "onerror", "onclick", "javascript:", "<img", "<iframe", "<form"):
            assert bad not in lowered, (inbound.subject, bad)
    assert not Document.objects.filter(content_type__in=["text/html", "image/svg+xml"]).exists()


def test_outlook_files_and_empty_files_through_import_mail(org: Any, tmp_path: Any) -> None:
    names = {}
    for name in ("outlook_msg", "empty", "forwarded_msg", "tnef_broken"):
        path = tmp_path / f"{name}.{'msg' if name == 'outlook_msg' else 'eml'}"
        path.write_bytes(corpus()[name])
        names[name] = path
    out = io.StringIO()
    call_command("import-mail", *map(str, names.values()), stdout=out)
    lines = dict(line.split("\t", 1) for line in out.getvalue().splitlines())
    assert lines[str(names["outlook_msg"])].startswith("case II-")
    assert lines[str(names["empty"])].startswith("quarantined ")
    assert lines[str(names["forwarded_msg"])].startswith("case II-")
    assert lines[str(names["tnef_broken"])].startswith(("case II-", "quarantined "))
