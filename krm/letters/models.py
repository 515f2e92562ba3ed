"""Letters krm writes: the Jobcenter's letterhead, versioned templates, and each letter made
(which template version, which document series, whether and how it was sent).

The kinds (R-W2.3, W2.4, W2.8, W5.3, W5.6, Q3, Q4, O1 … O4) share their slugs with the
document kinds; three of them are internal sheets rather than letters to a customer."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models


class LetterKind(models.TextChoices):
    EINGANGSBESTAETIGUNG = "eingangsbestaetigung", "Eingangsbestätigung"
    ZWISCHENNACHRICHT = "zwischennachricht", "Zwischennachricht"
    ANTWORT = "antwort", "Antwortschreiben"
    STELLUNGNAHME = "stellungnahme", "Stellungnahme (Petition/Eingabe)"
    VERFUEGUNGSBLATT = "verfuegungsblatt", "Verfügungsblatt"
    VERMERK = "vermerk", "Vermerk"
    WEITERLEITUNG = "weiterleitung", "Weiterleitungsschreiben"
    VERZICHT = "verzicht", "Verzichtserklärung"


# Internal sheets: no address window, no letterhead block for a recipient.
SHEETS = frozenset({LetterKind.VERFUEGUNGSBLATT, LetterKind.VERMERK, LetterKind.VERZICHT})


class LetterForm(models.TextChoices):
    B = "B", "DIN 5008 Form B (tiefgestelltes Anschriftfeld, üblich)"
    A = "A", "DIN 5008 Form A (hochgestelltes Anschriftfeld)"


def _documents_storage():
    return storages["documents"]


class Letterhead(models.Model):
    """How the Jobcenter's letters look and whom they name as sender: set once."""

    jobcenter = models.OneToOneField(
        "jobcenters.Jobcenter", on_delete=models.CASCADE, related_name="letterhead"
    )
    name = models.CharField("Name im Briefkopf", max_length=200)
    address = models.TextField("Anschrift", help_text="eine Zeile je Zeile")
    return_address = models.CharField(
        "Rücksendeangabe",
        max_length=120,
        help_text="eine Zeile über der Anschrift im Fenster, z. B. "
        "„Jobcenter Berlin Pankow · Storkower Str. 133a · 10407 Berlin“",
    )
    office_hours = models.TextField("Öffnungszeiten", blank=True)
    contact = models.TextField("Kontakt", blank=True, help_text="Telefon, E-Mail, Internet")
    bank = models.TextField("Bankverbindung", blank=True, help_text="leer: keine")
    logo = models.FileField(
        "Logo (PNG oder JPEG)", upload_to="letterhead/", storage=_documents_storage, blank=True
    )
    form = models.CharField("Briefform", max_length=1, choices=LetterForm.choices, default="B")
    closing = models.CharField("Grußformel", max_length=100, default="Mit freundlichen Grüßen")

    class Meta:
        verbose_name = "Briefkopf"
        verbose_name_plural = "Briefköpfe"

    def __str__(self) -> str:
        return self.name


class LetterTemplate(models.Model):
    """One version of a kind's template. Saving a change adds a version; versions are
    never changed or deleted, so every letter names the exact text it was made from."""

    jobcenter = models.ForeignKey(
        "jobcenters.Jobcenter", on_delete=models.PROTECT, related_name="letter_templates"
    )
    kind = models.CharField("Art", max_length=30, choices=LetterKind.choices)
    version = models.PositiveIntegerField("Version")
    subject = models.CharField("Betreff", max_length=300)
    body = models.TextField("Text")
    note = models.CharField("Änderungsnotiz", max_length=300, blank=True)
    created_at = models.DateTimeField("angelegt am", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "Vorlage"
        verbose_name_plural = "Vorlagen"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "kind", "version"], name="letter_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (Version {self.version})"


class Letter(models.Model):
    """A letter krm made for a case: its document series (the generated file and every
    edited version after it), the template version, and its sending."""

    class Via(models.TextChoices):
        POST = "post", "per Post"
        EMAIL = "email", "per E-Mail"
        HAND = "hand", "persönlich übergeben"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField("Art", max_length=30, choices=LetterKind.choices)
    series = models.UUIDField(unique=True)  # documents.Document.series
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.PROTECT, related_name="letters", verbose_name="Vorlage"
    )
    signed_as = models.CharField("Zeichnung", max_length=200, blank=True)
    created_at = models.DateTimeField("erstellt am", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_at = models.DateTimeField("versandt am", null=True, blank=True)
    sent_via = models.CharField("Versand", max_length=10, choices=Via.choices, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_version = models.PositiveIntegerField("versandte Version", null=True, blank=True)

    class Meta:
        verbose_name = "Schreiben"
        verbose_name_plural = "Schreiben"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "kind"], name="letter_case_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%d.%m.%Y}"

    @property
    def is_sheet(self) -> bool:
        """An internal sheet (Verfügungsblatt, Vermerk, Verzicht): never "sent"."""
        return self.kind in SHEETS
