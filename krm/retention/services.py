"""Retention (R-A2, R-W6.1; ArchGB Berlin § 5, § 6).

A closed case is kept for its plan number's years after the end of the year it was closed
(FilePlanEntry.retention_years, 10 by default). Then krm offers it to the archive (an
Anbietung, as a list in PDF and CSV), records the archive's decision per case — take over
or destroy; no answer within Jobcenter.archive_answer_months counts as destroy (§ 6 Abs. 1
ArchGB) — exports what the archive takes over (a PDF/A dossier and an XML metadata file per
case) and then deletes: the case's rows, its audit events, its files and its search entry.
A deletion record without personal data remains, and the counts for the reports with it.

Meinungskarten are not offered: their free text and personal data are removed
Jobcenter.opinion_card_redaction_days after their evaluation; the anonymous card (kind,
dates, rating) stays for the counts until its retention ends, then it is deleted.

`run` does all of this for one day; `krm retention [--dry-run]` and the worker's daily job
call it. Decisions are carried out by the next run (the night), so a wrong click can be
corrected the same day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from krm.accounts.models import User
from krm.audit.models import Event, EventType
from krm.audit.services import erase, record, retention_deletion
from krm.cases import search
from krm.cases.kinds import Kind
from krm.cases.models import Case
from krm.documents import blobs
from krm.documents.models import Document
from krm.jobcenters.models import FilePlanEntry, Jobcenter
from krm.lib.workdays import BERLIN
from krm.mailbox.models import InboundMail
from krm.mailbox.services import release_raw

from .models import (
    ArchiveOffer,
    ArchivePackage,
    Decision,
    DeletionRecord,
    OfferedCase,
    RedactedCard,
)

logger = logging.getLogger(__name__)
DEFAULT_YEARS = 10
CARD = Kind.MEINUNGSKARTE


def _year_start(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=BERLIN)


def _years(jobcenter_id: int) -> dict[str, int]:
    return dict(
        FilePlanEntry.objects.filter(jobcenter_id=jobcenter_id).values_list(
            "number", "retention_years"
        )
    )


def keep_until(closed_on: dt.date, years: int) -> dt.date:
    """The last day a case closed on `closed_on` is kept."""
    return dt.date(closed_on.year + years, 12, 31)


def expired(jobcenter_id: int, today: dt.date) -> Q:
    """Closed cases whose retention ended before `today` (per plan number)."""
    years = _years(jobcenter_id)
    q = Q(pk__in=[])
    for number, count in years.items():
        q |= Q(plan_number=number, closed_at__lt=_year_start(today.year - count))
    q |= ~Q(plan_number__in=list(years)) & Q(closed_at__lt=_year_start(today.year - DEFAULT_YEARS))
    return Q(jobcenter_id=jobcenter_id, is_open=False, closed_at__isnull=False) & q


def due_for_offer(jobcenter_id: int, today: dt.date) -> QuerySet[Case]:
    """Expired cases not offered yet (Meinungskarten are never offered)."""
    offered = OfferedCase.objects.filter(case__isnull=False, deleted_at__isnull=True)
    return (
        Case.objects.filter(expired(jobcenter_id, today))
        .exclude(kind=CARD)
        .exclude(pk__in=offered.values("case_id"))
        .order_by("aktenzeichen")
    )


def cards_to_redact(jobcenter: Jobcenter, today: dt.date) -> QuerySet[Case]:
    boundary = dt.datetime.combine(
        today - dt.timedelta(days=jobcenter.opinion_card_redaction_days),
        dt.time(0, 0),
        tzinfo=BERLIN,
    )
    return (
        Case.objects.filter(jobcenter=jobcenter, kind=CARD, is_open=False, closed_at__lt=boundary)
        .exclude(pk__in=RedactedCard.objects.values("case_id"))
        .order_by("pk")
    )


def _closed_on(case: Case) -> dt.date:
    return timezone.localtime(case.closed_at, BERLIN).date()


@dataclass
class Plan:
    """What a run does (or, dry, would do) for one Jobcenter."""

    jobcenter: Jobcenter
    today: dt.date
    cards: list[Case] = field(default_factory=list)
    to_offer: list[Case] = field(default_factory=list)
    silent: list[OfferedCase] = field(default_factory=list)  # no answer: destroy
    to_export: list[OfferedCase] = field(default_factory=list)
    to_delete: list[OfferedCase] = field(default_factory=list)
    expired_cards: list[Case] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what failed (tried again next night)

    def lines(self) -> list[str]:
        name = self.jobcenter.name
        return [
            f"{name}: {len(self.cards)} Meinungskarten bereinigen",
            f"{name}: {len(self.to_offer)} Fälle dem Archiv anbieten"
            + (
                f" ({', '.join(c.aktenzeichen for c in self.to_offer[:20])})"
                if self.to_offer
                else ""
            ),
            f"{name}: {len(self.silent)} Fälle ohne Antwort des Archivs: vernichten",
            f"{name}: {len(self.to_export)} Fälle für das Archiv exportieren",
            f"{name}: {len(self.to_delete)} Fälle löschen"
            + (
                f" ({', '.join(o.aktenzeichen for o in self.to_delete[:20])})"
                if self.to_delete
                else ""
            ),
            f"{name}: {len(self.expired_cards)} Meinungskarten nach Ablauf löschen",
            *(f"{name}: FEHLER {error}" for error in self.errors),
        ]


def plan(jobcenter: Jobcenter, today: dt.date) -> Plan:
    undecided = OfferedCase.objects.filter(
        offer__jobcenter=jobcenter, decision="", deleted_at__isnull=True
    )
    silent = list(undecided.filter(offer__answer_due__lt=today).select_related("offer"))
    pending = OfferedCase.objects.filter(
        offer__jobcenter=jobcenter, deleted_at__isnull=True, case__isnull=False
    )
    to_export = list(pending.filter(decision=Decision.TAKE_OVER, exported_at__isnull=True))
    to_delete = list(
        pending.filter(
            Q(decision=Decision.DESTROY) | Q(decision=Decision.TAKE_OVER, exported_at__isnull=False)
        )
    )
    return Plan(
        jobcenter=jobcenter,
        today=today,
        cards=list(cards_to_redact(jobcenter, today)),
        to_offer=list(due_for_offer(jobcenter.pk, today)),
        silent=silent,
        to_export=to_export,
        to_delete=to_delete + [o for o in silent if o.case_id],  # silence: destroy
        expired_cards=list(
            Case.objects.filter(expired(jobcenter.pk, today), kind=CARD).order_by("pk")
        ),
    )


def run(jobcenter: Jobcenter, today: dt.date, *, dry_run: bool = False) -> Plan:
    """One day's retention work for a Jobcenter (see the module's docstring)."""
    work = plan(jobcenter, today)
    if dry_run:
        return work
    for case in work.cards:
        _each(work, case.aktenzeichen, lambda case=case: redact_card(case))
    if work.to_offer:
        offer(jobcenter, work.to_offer, actor=None, today=today)
    now = timezone.now()
    OfferedCase.objects.filter(pk__in=[o.pk for o in work.silent]).update(
        decision=Decision.DESTROY, decision_source=OfferedCase.Source.SILENCE, decided_at=now
    )
    exports: dict[int, list[OfferedCase]] = {}
    for offered in work.to_export:
        exports.setdefault(offered.offer_id, []).append(offered)
    for offer_id, offered_cases in exports.items():
        export_package(ArchiveOffer.objects.get(pk=offer_id), offered_cases, errors=work.errors)
    # What was exported just now is deleted too (the package holds it).
    deletable = OfferedCase.objects.filter(
        Q(decision=Decision.DESTROY) | Q(decision=Decision.TAKE_OVER, exported_at__isnull=False),
        offer__jobcenter=jobcenter,
        deleted_at__isnull=True,
        case__isnull=False,
    ).select_related("offer")
    for offered in deletable:
        label = (
            "vom Archiv übernommen"
            if offered.decision == Decision.TAKE_OVER
            else "vernichtet (keine Antwort des Archivs in der Frist)"
            if offered.decision_source == OfferedCase.Source.SILENCE
            else "vernichtet (Entscheidung des Archivs)"
        )
        _each(
            work,
            offered.aktenzeichen,
            lambda o=offered, label=label: delete_case(
                o.case, rule=_rule(o), archive_decision=label, offered=o
            ),
        )
    _each(work, "Archivpakete", lambda: remove_old_packages(jobcenter))
    years = _years(jobcenter.pk)
    for card in work.expired_cards:
        _each(
            work,
            card.aktenzeichen,
            lambda card=card: delete_case(
                card,
                rule=f"{years.get(card.plan_number, DEFAULT_YEARS)} Jahre nach Ende "
                f"{_closed_on(card).year}, {card.plan_number}",
                archive_decision="nicht angeboten (Meinungskarte, R-W6.1)",
            ),
        )
    return work


def _each(work: Plan, aktenzeichen: str, action: Callable[[], object]) -> None:
    """One case's step; a failure is logged and noted, the others go on (the case stays as
    it was and is tried again the next night)."""
    try:
        action()
    except Exception as exc:
        logger.exception("Retention: %s failed", aktenzeichen)
        work.errors.append(f"{aktenzeichen}: {type(exc).__name__}")


def remove_old_packages(jobcenter: Jobcenter) -> int:
    """Archive packages older than KRM_ARCHIVE_PACKAGE_DAYS leave the storage (they hold the
    deleted cases' dossiers; the archive has them by then)."""
    from django.conf import settings

    boundary = timezone.now() - dt.timedelta(days=settings.KRM_ARCHIVE_PACKAGE_DAYS)
    old = list(
        ArchivePackage.objects.filter(
            offer__jobcenter=jobcenter, created_at__lt=boundary, removed_at__isnull=True
        )
    )
    for package in old:
        blobs.release([package.blob])
        ArchivePackage.objects.filter(pk=package.pk).update(removed_at=timezone.now())
    return len(old)


def _rule(offered: OfferedCase) -> str:
    return (
        f"aufzubewahren bis {offered.keep_until:%d.%m.%Y} ({offered.plan_number}), "
        f"angeboten am {offered.offer.offered_at:%d.%m.%Y}"
    )


def offer(
    jobcenter: Jobcenter, cases: list[Case], *, actor: User | None, today: dt.date
) -> ArchiveOffer:
    years = _years(jobcenter.pk)
    months = jobcenter.archive_answer_months
    due_month = today.month - 1 + months
    answer_due = _add_months(today, months) if due_month >= 0 else today
    with transaction.atomic():
        archive_offer = ArchiveOffer.objects.create(
            jobcenter=jobcenter, offered_at=timezone.now(), answer_due=answer_due, offered_by=actor
        )
        OfferedCase.objects.bulk_create(
            [
                OfferedCase(
                    offer=archive_offer,
                    case=case,
                    aktenzeichen=case.aktenzeichen,
                    kind=case.kind,
                    plan_number=case.plan_number,
                    received_on=case.received_on,
                    closed_on=_closed_on(case),
                    keep_until=keep_until(
                        _closed_on(case), years.get(case.plan_number, DEFAULT_YEARS)
                    ),
                )
                for case in cases
            ]
        )
    return archive_offer


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def decide(offered_ids: list[int], decision: str, *, actor: User) -> int:
    """The archive's decision for these offered cases (until they are carried out)."""
    if decision not in Decision.values:
        raise ValueError(decision)
    return OfferedCase.objects.filter(
        pk__in=offered_ids,
        offer__jobcenter_id=actor.jobcenter_id,
        deleted_at__isnull=True,
        exported_at__isnull=True,
    ).update(
        decision=decision,
        decision_source=OfferedCase.Source.ARCHIVE,
        decided_at=timezone.now(),
        decided_by=actor,
    )


def offer_csv(archive_offer: ArchiveOffer) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "Aktenzeichen",
            "Art",
            "Betreff",
            "Aktenplan",
            "Eingang",
            "abgeschlossen",
            "aufzubewahren bis",
            "Entscheidung",
        ]
    )
    for offered in archive_offer.cases.select_related("case"):
        writer.writerow(
            [
                offered.aktenzeichen,
                offered.get_kind_display(),
                offered.case.subject if offered.case_id else "",
                offered.plan_number,
                f"{offered.received_on:%d.%m.%Y}",
                f"{offered.closed_on:%d.%m.%Y}",
                f"{offered.keep_until:%d.%m.%Y}",
                offered.get_decision_display(),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # Excel reads the BOM as UTF-8


def offer_pdf(archive_offer: ArchiveOffer) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    from krm.letters.render import PRINT

    rows = "\n".join(
        f"{o.aktenzeichen} – {o.get_kind_display()}"
        f"{': ' + o.case.subject if o.case_id else ''}, Eingang "
        f"{o.received_on:%d.%m.%Y}, abgeschlossen {o.closed_on:%d.%m.%Y}, aufzubewahren bis "
        f"{o.keep_until:%d.%m.%Y}"
        for o in archive_offer.cases.select_related("case")
    )
    html = render_to_string(
        "letters/sheet.html",
        {
            "title": "Anbietungsliste",
            "letterhead": {"name": archive_offer.jobcenter.name},
            "aktenzeichen": "II-6000",
            "fields": [
                ("Angeboten am", f"{archive_offer.offered_at:%d.%m.%Y}"),
                ("Antwort erbeten bis", f"{archive_offer.answer_due:%d.%m.%Y}"),
                ("Fälle", str(archive_offer.cases.count())),
                (
                    "Hinweis",
                    "Ohne Antwort in der Frist dürfen die Unterlagen vernichtet werden "
                    "(§ 6 Abs. 1 ArchGB Berlin).",
                ),
            ],
            "sections": [("Angebotene Fälle", rows or "keine")],
            "signatures": ["Datum, Unterschrift KRM-Beauftragte/r"],
        },
    )
    return HTML(string=html).write_pdf(
        stylesheets=[CSS(filename=str(PRINT / "sheet.css"))], pdf_variant="pdf/a-3b"
    )


def _metadata(case: Case, documents: list[Document]) -> bytes:
    root = ET.Element("akte", {"version": "1"})
    for tag, value in (
        ("aktenzeichen", case.aktenzeichen),
        ("stelle", case.jobcenter.name),
        ("aktenplan", case.plan_number),
        ("art", case.get_kind_display()),
        ("eingangsweg", case.get_channel_display()),
        ("betreff", case.subject),
        ("eingang", timezone.localtime(case.received_at).isoformat()),
        ("abgeschlossen", timezone.localtime(case.closed_at).isoformat() if case.closed_at else ""),
        ("ergebnis", case.get_outcome_display() if case.outcome else ""),
    ):
        ET.SubElement(root, tag).text = value
    files = ET.SubElement(root, "dokumente")
    for document in documents:
        ET.SubElement(
            files,
            "dokument",
            {
                "titel": document.title,
                "datei": document.filename,
                "version": str(document.version),
                "typ": document.content_type,
                "sha256": document.sha256,
                "abgelegt": timezone.localtime(document.created_at).isoformat(),
            },
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def export_package(
    archive_offer: ArchiveOffer,
    offered_cases: list[OfferedCase],
    *,
    errors: list[str] | None = None,
) -> ArchivePackage | None:
    """The archive package of the cases taken over: per case its PDF/A dossier (the original
    files attached) and an XML metadata file; stored for the KRM-B to hand over."""
    from krm.ablage import dossier

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        index = ET.Element("anbietung", {"angeboten": archive_offer.offered_at.isoformat()})
        exported = []
        for offered in offered_cases:
            folder = offered.aktenzeichen.replace("/", "-")
            try:
                case = dossier.load(offered.case_id)
                documents = list(Document.objects.filter(case=case).order_by("created_at", "id"))
                files = {
                    f"{folder}/akte.pdf": dossier.build(case, user=None),
                    f"{folder}/metadaten.xml": _metadata(case, documents),
                }
            except Exception as exc:  # this case waits for the next night; the others go
                logger.exception("Archive export of %s failed", offered.aktenzeichen)
                if errors is not None:
                    errors.append(f"{offered.aktenzeichen}: Export {type(exc).__name__}")
                continue
            for member, content in files.items():
                archive.writestr(member, content)
            ET.SubElement(index, "akte", {"aktenzeichen": offered.aktenzeichen, "ordner": folder})
            exported.append(offered)
        ET.indent(index)
        archive.writestr("index.xml", ET.tostring(index, encoding="utf-8", xml_declaration=True))
    if not exported:
        return None
    data = buffer.getvalue()
    sha256, name = blobs.store(data)
    with transaction.atomic():
        package = ArchivePackage.objects.create(
            offer=archive_offer, blob=name, sha256=sha256, size=len(data), cases=len(exported)
        )
        OfferedCase.objects.filter(pk__in=[o.pk for o in exported]).update(
            exported_at=timezone.now()
        )
    return package


def delete_case(
    case: Case, *, rule: str, archive_decision: str, offered: OfferedCase | None = None
) -> DeletionRecord:
    """Delete a case for good: its rows (customer, tasks, letters, documents, links …), its
    audit events and read log, its files (those no other document shares) and its search
    entry. What remains is a record without personal data."""
    case = Case.objects.select_related("bereich").prefetch_related("topics").get(pk=case.pk)
    names = list(Document.objects.filter(case=case).values_list("blob", flat=True))
    raw = list(InboundMail.objects.filter(case=case).exclude(raw="").values_list("raw", flat=True))
    now = timezone.now()
    with transaction.atomic():
        record = DeletionRecord.objects.create(
            jobcenter_id=case.jobcenter_id,
            aktenzeichen=case.aktenzeichen,
            kind=case.kind,
            channel=case.channel,
            plan_number=case.plan_number,
            bereich=case.bereich.code if case.bereich_id else "",
            topics=sorted(t.code for t in case.topics.all()),
            outcome=case.outcome,
            escalation_level=case.escalation_level,
            received_on=case.received_on,
            closed_on=_closed_on(case) if case.closed_at else None,
            deleted_at=now,
            rule=rule[:200],
            archive_decision=archive_decision[:100],
            documents=len(names),
        )
        if offered is not None:
            OfferedCase.objects.filter(pk=offered.pk).update(deleted_at=now)
        with retention_deletion():
            case.delete()
        transaction.on_commit(lambda: blobs.release(names))
        transaction.on_commit(lambda: release_raw(raw))
    return record


def redact_card(case: Case) -> None:
    """R-W6.1: a Meinungskarte's free text and personal data go; kind, dates, rating and
    feedback stay for the counts. Its documents (the scanned card) go with their files."""
    from krm.cases.models import Customer

    names = list(Document.objects.filter(case=case).values_list("blob", flat=True))
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(subject="Meinungskarte", text="", draft="")
        Customer.objects.filter(case_id=case.pk).delete()
        Document.objects.filter(case=case).delete()
        fields = ["customer", "subject", "text", "notes", "draft", "document"]
        erase(Event.objects.filter(case=case).order_by("seq"), set(fields))
        record(
            case=case,
            type=EventType.CASE_ERASED,
            actor=None,
            data={
                "felder": fields,
                "grund": "Meinungskarte ausgewertet: Freitext und personenbezogene Daten "
                "entfernt (R-W6.1)",
            },
        )
        RedactedCard.objects.create(case=case, redacted_at=timezone.now())
        search.reindex([case.pk])
        transaction.on_commit(lambda: blobs.release(names))
