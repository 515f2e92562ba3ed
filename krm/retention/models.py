"""Retention (R-A2, R-W6.1; ArchGB Berlin § 5, § 6): the offers to the archive, the
archive's decision per case, the packages handed over, and what remains of a deleted case
(a record without personal data; its counts survive for the reports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from krm.cases.kinds import Kind


class Decision(models.TextChoices):
    TAKE_OVER = "uebernehmen", "übernehmen (archivwürdig)"
    DESTROY = "vernichten", "vernichten"


class ArchiveOffer(models.Model):
    """An Anbietung: the cases due, offered to the archive on one day."""

    jobcenter = models.ForeignKey(
        "jobcenters.Jobcenter", on_delete=models.PROTECT, related_name="archive_offers"
    )
    offered_at = models.DateTimeField("angeboten am")
    answer_due = models.DateField("Antwort des Archivs bis")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "Anbietung"
        verbose_name_plural = "Anbietungen"
        ordering = ["-offered_at"]

    def __str__(self) -> str:
        return f"Anbietung vom {self.offered_at:%d.%m.%Y}"


class OfferedCase(models.Model):
    """A case on an offer list, and what became of it. Its data are copied: the row stays
    (without personal data) after the case is deleted."""

    class Source(models.TextChoices):
        ARCHIVE = "archiv", "Entscheidung des Archivs"
        SILENCE = "fristablauf", "keine Antwort in der Frist (§ 6 Abs. 1 ArchGB)"

    offer = models.ForeignKey(ArchiveOffer, on_delete=models.PROTECT, related_name="cases")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    aktenzeichen = models.CharField("Aktenzeichen", max_length=40)
    kind = models.CharField("Art", max_length=30, choices=Kind.choices)
    plan_number = models.CharField("Aktenplannummer", max_length=20)
    received_on = models.DateField("Eingang")
    closed_on = models.DateField("abgeschlossen")
    keep_until = models.DateField("aufzubewahren bis")
    decision = models.CharField("Entscheidung", max_length=20, choices=Decision.choices, blank=True)
    decision_source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exported_at = models.DateTimeField("an das Archiv exportiert", null=True, blank=True)
    deleted_at = models.DateTimeField("gelöscht am", null=True, blank=True)

    class Meta:
        verbose_name = "angebotener Fall"
        verbose_name_plural = "angebotene Fälle"
        ordering = ["aktenzeichen"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(deleted_at__isnull=True, case__isnull=False),
                name="offered_once",
            )
        ]
        indexes = [models.Index(fields=["offer", "decision"], name="offered_decision_idx")]

    def __str__(self) -> str:
        return self.aktenzeichen


class ArchivePackage(models.Model):
    """The cases the archive takes over, exported (PDF/A dossier and XML metadata per case)."""

    offer = models.ForeignKey(ArchiveOffer, on_delete=models.PROTECT, related_name="packages")
    created_at = models.DateTimeField("erstellt am", auto_now_add=True)
    blob = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    cases = models.PositiveIntegerField("Fälle")
    removed_at = models.DateTimeField("entfernt am", null=True, blank=True)

    class Meta:
        verbose_name = "Archivpaket"
        verbose_name_plural = "Archivpakete"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Archivpaket {self.created_at:%d.%m.%Y} ({self.cases} Fälle)"


class DeletionRecord(models.Model):
    """What remains of a deleted case: no personal data; enough to count it in reports and
    to show which rule deleted it and what the archive decided."""

    jobcenter = models.ForeignKey(
        "jobcenters.Jobcenter", on_delete=models.PROTECT, related_name="deletion_records"
    )
    aktenzeichen = models.CharField("Aktenzeichen", max_length=40)
    kind = models.CharField("Art", max_length=30, choices=Kind.choices)
    channel = models.CharField("Eingangsweg", max_length=20)
    plan_number = models.CharField("Aktenplannummer", max_length=20)
    bereich = models.CharField("Bereich", max_length=20, blank=True)
    topics = models.JSONField("Themen", default=list)
    outcome = models.CharField("Ergebnis", max_length=30, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=1)
    received_on = models.DateField("Eingang")
    closed_on = models.DateField("abgeschlossen", null=True)
    deleted_at = models.DateTimeField("gelöscht am")
    rule = models.CharField("Regel", max_length=200)
    archive_decision = models.CharField("Archiv", max_length=100)
    documents = models.PositiveIntegerField("Dokumente", default=0)

    class Meta:
        verbose_name = "Löschnachweis"
        verbose_name_plural = "Löschnachweise"
        ordering = ["-deleted_at"]
        indexes = [models.Index(fields=["jobcenter", "received_on"], name="deletion_received_idx")]

    def __str__(self) -> str:
        return f"{self.aktenzeichen} gelöscht {self.deleted_at:%d.%m.%Y}"


class RedactedCard(models.Model):
    """A Meinungskarte whose free text and personal data were removed (R-W6.1)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    redacted_at = models.DateTimeField()

    class Meta:
        verbose_name = "bereinigte Meinungskarte"
        verbose_name_plural = "bereinigte Meinungskarten"

    def __str__(self) -> str:
        return str(self.case_id)
