"""The documents of a case: scans, e-mails, office files, the letters krm writes (R-A1, A4).

A document's bytes live in the `documents` storage under their SHA-256 (`blobs.py`); a row
names them. Nothing is overwritten: an edited letter or a corrected scan is the next version
of the same series (`series`, `version`), and only the newest version is `is_current`.
The text of a document (extracted or OCR'd in the background, `tasks.py`) feeds the case's
full-text search.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class DocumentKind(models.TextChoices):
    EINGANG = "eingang", "Eingang (Schreiben, Scan)"
    EMAIL = "email", "E-Mail"
    ANLAGE = "anlage", "Anlage"
    VERFUEGUNGSBLATT = "verfuegungsblatt", "Verfügungsblatt"
    EINGANGSBESTAETIGUNG = "eingangsbestaetigung", "Eingangsbestätigung"
    ZWISCHENNACHRICHT = "zwischennachricht", "Zwischennachricht"
    ANTWORT = "antwort", "Antwortschreiben"
    STELLUNGNAHME = "stellungnahme", "Stellungnahme (Petition/Eingabe)"
    VERMERK = "vermerk", "Vermerk"
    WEITERLEITUNG = "weiterleitung", "Weiterleitungsschreiben"
    VERZICHT = "verzicht", "Verzichtserklärung"
    SONSTIGES = "sonstiges", "Sonstiges"


# What a user may upload as a new document (the letters krm makes are not uploaded as new
# ones; an edited letter comes in as the next version of its own kind).
UPLOAD_KINDS = [
    (kind.value, kind.label)
    for kind in (
        DocumentKind.EINGANG,
        DocumentKind.EMAIL,
        DocumentKind.ANLAGE,
        DocumentKind.VERMERK,
        DocumentKind.VERZICHT,
        DocumentKind.ANTWORT,
        DocumentKind.STELLUNGNAHME,
        DocumentKind.SONSTIGES,
    )
]


class TextStatus(models.TextChoices):
    PENDING = "wartet", "wird gelesen …"
    DONE = "fertig", "durchsuchbar"
    NONE = "ohne", "kein Text gefunden"
    FAILED = "fehler", "nicht lesbar"


class Origin(models.TextChoices):
    UPLOADED = "hochgeladen", "hochgeladen"
    GENERATED = "erzeugt", "von krm erzeugt"
    RECEIVED = "empfangen", "per E-Mail eingegangen"


class Document(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("Art", max_length=30, choices=DocumentKind.choices)
    title = models.CharField("Bezeichnung", max_length=200)
    filename = models.CharField("Dateiname", max_length=160)
    content_type = models.CharField("Dateityp", max_length=120)
    size = models.PositiveBigIntegerField("Größe (Bytes)")
    sha256 = models.CharField("SHA-256", max_length=64)
    blob = models.CharField(max_length=200, editable=False)  # name in the documents storage
    origin = models.CharField("Herkunft", max_length=20, choices=Origin.choices)

    series = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField("Version", default=1)
    is_current = models.BooleanField("aktuelle Version", default=True)

    text = models.TextField("Text", blank=True, editable=False)
    text_status = models.CharField(
        "Text", max_length=10, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    text_method = models.CharField(max_length=10, blank=True, editable=False)

    created_at = models.DateTimeField("erstellt am", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    handed_over_at = models.DateTimeField("an die E-Akte übergeben am", null=True, blank=True)

    class Meta:
        verbose_name = "Dokument"
        verbose_name_plural = "Dokumente"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="document_series_version"),
            models.UniqueConstraint(
                fields=["series"], condition=Q(is_current=True), name="document_one_current"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "is_current", "created_at"], name="document_case_idx"),
            models.Index(fields=["sha256"], name="document_sha256_idx"),
            models.Index(
                fields=["text_status"],
                name="document_text_pending_idx",
                condition=Q(text_status="wartet"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_docx(self) -> bool:
        return self.content_type == DOCX


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
