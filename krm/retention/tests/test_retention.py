"""Retention (R-A2, R-W6.1; ArchGB Berlin § 5, § 6): cases of different ages, run day by
day: exactly the right ones are offered, the archive's choice is honoured (take over →
exported, then deleted; destroy or silence → deleted), and a deleted case is gone with its
rows, audit events, files and search entry; a record without personal data remains."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from krm.audit.models import Event, ReadEvent
from krm.cases import search
from krm.cases.models import Case, Customer
from krm.cases.selectors import CaseFilter, case_list
from krm.cases.states import Status
from krm.documents import services as documents
from krm.documents import tasks
from krm.documents.models import Document
from krm.jobcenters.models import FilePlanEntry
from krm.lib.workdays import BERLIN
from krm.retention import services
from krm.retention.models import (
    ArchivePackage,
    Decision,
    DeletionRecord,
    OfferedCase,
    RedactedCard,
)
from krm.testing.factories import make_case

TODAY = dt.date(2027, 1, 4)


def closed_case(org, closed: dt.date, *, kind: str = "beschwerde", subject: str = "", **extra):
    received = dt.datetime(closed.year, 1, 5, 9, 0, tzinfo=BERLIN)
    if closed < received.date():
        received = dt.datetime.combine(closed, dt.time(9, 0), tzinfo=BERLIN)
    case = make_case(
        org["krmb"],
        kind=kind,
        subject=subject or f"Fall von {closed:%Y}",
        customer={"name": "Erika Mustermann", "street": "Hauptstr. 1", "city": "Berlin"},
        **extra,
    )
    # Registered today, then aged (registration refuses a receipt more than ten years ago).
    Case.objects.filter(pk=case.pk).update(
        received_at=received,
        received_on=received.date(),
        status=Status.ABGESCHLOSSEN,
        is_open=False,
        closed_at=dt.datetime.combine(closed, dt.time(15, 0), tzinfo=BERLIN),
    )
    case.refresh_from_db()
    return case


def pdf_bytes(words: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{words}</p>").write_pdf()


def found(org, word: str) -> set[int]:
    return set(
        case_list(user=org["krmb"], filters=CaseFilter(q=word, status="")).values_list(
            "pk", flat=True
        )
    )


@pytest.fixture
def ages(org):
    """Closed 2015 (due: kept to 31.12.2025), 2016 (due on 1.1.2027), 2017 (not yet), an
    open case from 2010, and a Dienstaufsichtsbeschwerde with 15 years closed 2016."""
    FilePlanEntry.objects.filter(jobcenter=org.jobcenter, number="II-6001.1").update(
        retention_years=15
    )
    return {
        "2015": closed_case(org, dt.date(2015, 6, 1)),
        "2016": closed_case(org, dt.date(2016, 12, 31)),
        "2017": closed_case(org, dt.date(2017, 1, 2)),
        "open": make_case(org["krmb"]),
    }


def test_keep_until_is_the_end_of_the_year_of_closing_plus_the_years():
    assert services.keep_until(dt.date(2016, 1, 1), 10) == dt.date(2026, 12, 31)
    assert services.keep_until(dt.date(2016, 12, 31), 10) == dt.date(2026, 12, 31)


def test_exactly_the_expired_closed_cases_are_offered_per_plan_number(org, ages):
    dab = closed_case(org, dt.date(2013, 3, 1), kind="dienstaufsichtsbeschwerde")
    assert dab.plan_number == "II-6001.1"  # 15 years there: kept to 31.12.2028
    card = closed_case(org, dt.date(2012, 3, 1), kind="meinungskarte")
    work = services.run(org.jobcenter, TODAY, dry_run=True)
    assert [c.aktenzeichen for c in work.to_offer] == sorted(
        [ages["2015"].aktenzeichen, ages["2016"].aktenzeichen]
    )
    assert OfferedCase.objects.count() == 0  # a dry run changes nothing
    services.run(org.jobcenter, TODAY)
    offered = set(OfferedCase.objects.values_list("case_id", flat=True))
    assert offered == {ages["2015"].pk, ages["2016"].pk}  # not 2017, not open, not the DAB
    assert card.pk not in offered  # Meinungskarten are never offered
    # A year later the DAB (15 years) is still kept; 2017's case is due.
    services.run(org.jobcenter, dt.date(2028, 1, 3))
    offered = set(OfferedCase.objects.values_list("case_id", flat=True))
    assert ages["2017"].pk in offered and dab.pk not in offered
    services.run(org.jobcenter, dt.date(2027, 12, 31))  # offered once only
    assert OfferedCase.objects.filter(case=ages["2015"]).count() == 1


def test_a_case_is_not_offered_a_day_early(org):
    case = closed_case(org, dt.date(2016, 12, 31))
    assert not services.run(org.jobcenter, dt.date(2026, 12, 31), dry_run=True).to_offer
    assert services.run(org.jobcenter, dt.date(2027, 1, 1), dry_run=True).to_offer == [case]


def test_the_archive_takes_over_one_and_destroys_another(
    org, ages, _documents_in_tmp, django_capture_on_commit_callbacks
):
    keep, drop = ages["2015"], ages["2016"]
    scan = documents.upload(
        keep, actor=org["krmb"], name="brief.pdf", data=pdf_bytes("Widerspruchsbescheid")
    )
    gone = documents.upload(
        drop, actor=org["krmb"], name="scan.pdf", data=pdf_bytes("Mietkostenbescheinigung")
    )
    tasks.set_text(gone.pk, text="Mietkostenbescheinigung", method="text")
    tasks.set_text(scan.pk, text="Widerspruchsbescheid", method="text")
    assert found(org, "Mietkostenbescheinigung") == {drop.pk}
    services.run(org.jobcenter, TODAY)
    by_case = {o.case_id: o for o in OfferedCase.objects.all()}
    services.decide([by_case[keep.pk].pk], Decision.TAKE_OVER, actor=org["krmb"])
    services.decide([by_case[drop.pk].pk], Decision.DESTROY, actor=org["krmb"])
    assert Case.objects.filter(pk__in=[keep.pk, drop.pk]).count() == 2  # carried out at night

    blob_gone = Path(_documents_in_tmp) / gone.blob
    assert blob_gone.exists()
    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        services.run(org.jobcenter, TODAY + dt.timedelta(days=1))

    # Both deleted: rows, events, read log, customer, documents, files, search entries.
    for case in (keep, drop):
        assert not Case.objects.filter(pk=case.pk).exists()
        assert not Event.objects.filter(case_id=case.pk).exists()
        assert not ReadEvent.objects.filter(case_id=case.pk).exists()
        assert not Customer.objects.filter(case_id=case.pk).exists()
        assert not Document.objects.filter(case_id=case.pk).exists()
    assert not blob_gone.exists()
    assert not (Path(_documents_in_tmp) / scan.blob).exists()
    with connection.cursor() as cursor:
        key = "case_id" if connection.vendor == "postgresql" else "rowid"
        sql = f"SELECT count(*) FROM {search.TABLE} WHERE {key} IN (%s, %s)"  # noqa: S608
        cursor.execute(sql, [keep.pk, drop.pk])
        assert cursor.fetchone()[0] == 0
    assert found(org, "Mietkostenbescheinigung") == set()

    # The archive's package holds the one it took over: dossier and metadata.
    package = ArchivePackage.objects.get()
    assert package.cases == 1
    from krm.documents import blobs

    with zipfile.ZipFile(io.BytesIO(blobs.read(package.blob))) as archive:
        names = set(archive.namelist())
        folder = keep.aktenzeichen
        assert {f"{folder}/akte.pdf", f"{folder}/metadaten.xml", "index.xml"} <= names
        assert not any(drop.aktenzeichen in n for n in names)
        metadata = archive.read(f"{folder}/metadaten.xml").decode()
        assert keep.aktenzeichen in metadata and scan.sha256 in metadata
        assert archive.read(f"{folder}/akte.pdf").startswith(b"%PDF")

    # What remains: the deletion records, no personal data, the rule and the decision.
    records = {r.aktenzeichen: r for r in DeletionRecord.objects.all()}
    assert set(records) == {keep.aktenzeichen, drop.aktenzeichen}
    assert records[keep.aktenzeichen].archive_decision == "vom Archiv übernommen"
    assert records[drop.aktenzeichen].archive_decision == "vernichtet (Entscheidung des Archivs)"
    assert records[drop.aktenzeichen].kind == "beschwerde"
    assert records[drop.aktenzeichen].documents == 1
    assert "31.12.2026" in records[drop.aktenzeichen].rule
    for record in records.values():
        values = " ".join(str(v) for v in record.__dict__.values())
        assert "Mustermann" not in values and "Fall von" not in values
    assert OfferedCase.objects.filter(deleted_at__isnull=False).count() == 2


def test_silence_of_the_archive_counts_as_destroy_after_the_answer_period(org):
    case = closed_case(org, dt.date(2015, 6, 1))
    services.run(org.jobcenter, TODAY)
    offered = OfferedCase.objects.get(case=case)
    assert offered.offer.answer_due == dt.date(2028, 1, 4)  # 12 months
    services.run(org.jobcenter, dt.date(2028, 1, 4))  # the last day of the period
    assert Case.objects.filter(pk=case.pk).exists()
    services.run(org.jobcenter, dt.date(2028, 1, 5))
    assert not Case.objects.filter(pk=case.pk).exists()
    offered.refresh_from_db()
    assert (offered.decision, offered.decision_source) == ("vernichten", "fristablauf")
    record = DeletionRecord.objects.get(aktenzeichen=case.aktenzeichen)
    assert "keine Antwort" in record.archive_decision


def test_a_meinungskarte_loses_its_text_after_evaluation_and_keeps_its_counts(org):
    card = closed_case(
        org, dt.date(2026, 9, 1), kind="meinungskarte", subject="Frau Beispiel war sehr nett"
    )
    Case.objects.filter(pk=card.pk).update(rating=5, text="Danke an Frau Beispiel")
    search.reindex([card.pk])
    services.run(org.jobcenter, dt.date(2026, 11, 29))  # 89 days: not yet
    assert not RedactedCard.objects.filter(case=card).exists()
    services.run(org.jobcenter, dt.date(2026, 12, 1))
    card.refresh_from_db()
    assert (card.subject, card.text, card.rating, card.kind) == (
        "Meinungskarte",
        "",
        5,
        "meinungskarte",
    )
    assert not Customer.objects.filter(case=card).exists()
    assert found(org, "Beispiel") == set()
    # Its timeline no longer holds the text; the chain still verifies.
    registered = card.events.order_by("seq").first()
    assert "Beispiel" not in str(registered.content)
    from krm.audit.services import verify

    assert list(verify()) == []
    # After its retention it is deleted without an offer.
    services.run(org.jobcenter, dt.date(2037, 1, 2))
    assert not Case.objects.filter(pk=card.pk).exists()
    record = DeletionRecord.objects.get(aktenzeichen=card.aktenzeichen)
    assert record.archive_decision.startswith("nicht angeboten")
    assert not OfferedCase.objects.exists()


def test_the_command_reports_a_dry_run_and_changes_nothing(org, capsys):
    case = closed_case(org, dt.date(2015, 6, 1))
    call_command("retention", "--dry-run", "--date", "2027-01-04")
    out = capsys.readouterr().out
    assert "Probelauf" in out and "1 Fälle dem Archiv anbieten" in out
    assert case.aktenzeichen in out
    assert not OfferedCase.objects.exists()
    call_command("retention", "--date", "2027-01-04")
    assert OfferedCase.objects.filter(case=case).exists()


def test_offer_lists_as_csv_and_pdf(org, client):
    case = closed_case(org, dt.date(2015, 6, 1))
    services.run(org.jobcenter, TODAY)
    offer = OfferedCase.objects.get(case=case).offer
    csv_text = services.offer_csv(offer).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Aktenzeichen;Art;Betreff;Aktenplan")
    assert (
        f"{case.aktenzeichen};Beschwerde;Fall von 2015;II-6001;05.01.2015;01.06.2015;31.12.2025;"
        in csv_text
    )
    client.force_login(org["krmb"])
    pdf = client.get(f"/aufbewahrung/anbietungen/{offer.pk}/liste.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from krm.testing.pdf import text

    assert case.aktenzeichen in text(pdf.content)
    assert client.get(f"/aufbewahrung/anbietungen/{offer.pk}/liste.exe").status_code == 404
    client.force_login(org["tl"])
    assert client.get(f"/aufbewahrung/anbietungen/{offer.pk}/liste.csv").status_code == 403
    assert client.get("/aufbewahrung/").status_code == 403


def test_the_krmb_records_the_archives_decision_in_the_browser(org, client):
    first = closed_case(org, dt.date(2015, 6, 1))
    second = closed_case(org, dt.date(2015, 7, 1))
    services.run(org.jobcenter, TODAY)
    offer = OfferedCase.objects.get(case=first).offer
    client.force_login(org["krmb"])
    page = client.get(f"/aufbewahrung/anbietungen/{offer.pk}/")
    assert first.aktenzeichen in page.content.decode()
    one = OfferedCase.objects.get(case=first)
    response = client.post(
        f"/aufbewahrung/anbietungen/{offer.pk}/entscheidung/",
        {"entscheidung": "uebernehmen", "fall": [one.pk]},
    )
    assert response.status_code == 302
    response = client.post(
        f"/aufbewahrung/anbietungen/{offer.pk}/entscheidung/",
        {"entscheidung": "vernichten", "alle": "1"},
    )
    decisions = dict(OfferedCase.objects.values_list("case_id", "decision"))
    assert decisions == {first.pk: "uebernehmen", second.pk: "vernichten"}
    bad = client.post(
        f"/aufbewahrung/anbietungen/{offer.pk}/entscheidung/", {"entscheidung": "behalten"}
    )
    assert bad.status_code == 302
    assert dict(OfferedCase.objects.values_list("case_id", "decision")) == decisions


def test_a_file_another_case_shares_stays_when_one_case_is_deleted(
    org, _documents_in_tmp, django_capture_on_commit_callbacks
):
    """The same scan in two cases is stored once; deleting one case keeps it for the other."""
    old = closed_case(org, dt.date(2015, 6, 1))
    new = make_case(org["krmb"])
    data = pdf_bytes("Kontoauszug")
    gone = documents.upload(old, actor=org["krmb"], name="auszug.pdf", data=data)
    kept = documents.upload(new, actor=org["krmb"], name="auszug.pdf", data=data)
    assert gone.blob == kept.blob
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_case(old, rule="Test", archive_decision="vernichtet")
    assert (Path(_documents_in_tmp) / kept.blob).exists()
    assert documents.read(kept) == data


def test_one_case_that_fails_stops_neither_the_others_nor_other_jobcenters(org, monkeypatch):
    """A case whose dossier cannot be made stays (tried again the next night); the other
    cases are exported and deleted; the nightly task ends as failed, naming the case."""
    from krm.ablage import dossier
    from krm.jobcenters.services import create_jobcenter
    from krm.retention import tasks as retention_tasks
    from krm.retention.tasks import RetentionIncomplete

    broken = closed_case(org, dt.date(2015, 6, 1))
    fine = closed_case(org, dt.date(2015, 7, 1))
    services.run(org.jobcenter, TODAY)
    offered = list(OfferedCase.objects.all())
    services.decide([o.pk for o in offered], Decision.TAKE_OVER, actor=org["krmb"])
    real_build = dossier.build

    def build(case, *, user):
        if case.pk == broken.pk:
            raise RuntimeError("kaputt")
        return real_build(case, user=user)

    monkeypatch.setattr(dossier, "build", build)
    work = services.run(org.jobcenter, TODAY + dt.timedelta(days=1))
    assert work.errors == [f"{broken.aktenzeichen}: Export RuntimeError"]
    assert Case.objects.filter(pk=broken.pk).exists()
    assert not Case.objects.filter(pk=fine.pk).exists()
    assert ArchivePackage.objects.get().cases == 1

    other = create_jobcenter(name="Jobcenter Berlin Mitte", slug="mitte")
    ran = []

    def run(jobcenter, today):
        ran.append(jobcenter.pk)
        if jobcenter.pk == org.jobcenter.pk:
            raise RuntimeError("x")
        return services.Plan(jobcenter=jobcenter, today=today)

    monkeypatch.setattr(services, "run", run)
    with pytest.raises(RetentionIncomplete, match="Jobcenter Berlin Pankow: RuntimeError"):
        retention_tasks.daily.call()
    assert ran == sorted([org.jobcenter.pk, other.pk])  # the second ran after the first failed


def test_an_archive_package_leaves_the_storage_after_its_days(org, settings, _documents_in_tmp):
    """The package holds the deleted cases' dossiers: krm keeps it only until the archive
    has it (KRM_ARCHIVE_PACKAGE_DAYS)."""
    from django.utils import timezone

    from krm.documents import blobs
    from krm.retention.models import ArchiveOffer

    settings.KRM_ARCHIVE_PACKAGE_DAYS = 90
    offer = ArchiveOffer.objects.create(
        jobcenter=org.jobcenter, offered_at=timezone.now(), answer_due=TODAY
    )
    sha, name = blobs.store(b"PK\x05\x06" + b"\x00" * 18)
    package = ArchivePackage.objects.create(offer=offer, blob=name, sha256=sha, size=22, cases=1)
    assert services.remove_old_packages(org.jobcenter) == 0  # fresh: kept
    ArchivePackage.objects.filter(pk=package.pk).update(
        created_at=timezone.now() - dt.timedelta(days=91)
    )
    services.run(org.jobcenter, TODAY)
    package.refresh_from_db()
    assert package.removed_at is not None
    assert not (Path(_documents_in_tmp) / name).exists()
