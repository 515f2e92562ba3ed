"""The Jobcenter record and its configuration: deadlines, closure days, the topic list and
the file plan (R-O-1, R-Q6, R-A1)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from krm.lib.workdays import WorkdayCalendar


class Jobcenter(models.Model):
    name = models.CharField("Name", max_length=200)
    slug = models.SlugField("Kurzname", unique=True)
    # The functional KRM mailbox: sender of krm's mails, replies come back to it.
    mail_address = models.EmailField(
        "Adresse des KRM-Postfachs",
        blank=True,
        help_text="Absender der E-Mails von krm (leer: KRM_MAIL_FROM)",
    )
    acknowledgement_workdays = models.PositiveSmallIntegerField(
        "Frist Eingangsbestätigung (Arbeitstage)",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    completion_workdays = models.PositiveSmallIntegerField(
        "Frist Abschluss (Arbeitstage)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )

    # Deadlines of the steps of a case (R-Q6), in working days; an Abverfügung's own
    # deadline overrides the Fachbereich's.
    gf_submission_workdays = models.PositiveSmallIntegerField(
        "Frist Vorlage an die GF (Arbeitstage nach Eingang)",
        default=1,
        validators=[MaxValueValidator(30)],
    )
    petition_submission_workdays = models.PositiveSmallIntegerField(
        "Frist Vorlage an die GF bei Petitionen (0 = am Eingangstag)",
        default=0,
        validators=[MaxValueValidator(30)],
    )
    abverfuegung_workdays = models.PositiveSmallIntegerField(
        "Frist Abverfügung durch die GF (Arbeitstage)",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    assignment_workdays = models.PositiveSmallIntegerField(
        "Frist Zuweisung durch die BL (Arbeitstage)",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    handling_workdays = models.PositiveSmallIntegerField(
        "Frist Fachbereich (Arbeitstage nach Eingang)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    review_workdays = models.PositiveSmallIntegerField(
        "Frist Prüfung durch die KRM-B (Arbeitstage)",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    signature_workdays = models.PositiveSmallIntegerField(
        "Frist Zeichnung (Arbeitstage)",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )

    # Retention (R-A2, ArchGB Berlin § 5, § 6): how long the archive has to answer an offer
    # (then its silence counts as "destroy"), and when a Meinungskarte's text is removed.
    archive_answer_months = models.PositiveSmallIntegerField(
        "Antwortfrist des Archivs (Monate)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Nach § 6 Abs. 1 ArchGB Berlin: 12 Monate",
    )
    opinion_card_redaction_days = models.PositiveSmallIntegerField(
        "Meinungskarten: Freitext entfernen nach (Tagen ab Auswertung)",
        default=90,
        validators=[MaxValueValidator(3650)],
    )

    class Meta:
        verbose_name = "Jobcenter"
        verbose_name_plural = "Jobcenter"

    def __str__(self) -> str:
        return self.name

    def workday_calendar(self) -> WorkdayCalendar:
        """The working-day calendar: Berlin holidays plus this Jobcenter's closure days."""
        return WorkdayCalendar(self.closure_days.values_list("date", flat=True))


class ClosureDay(models.Model):
    """A day the Jobcenter is closed (e.g. 24 and 31 December): not a working day."""

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.CASCADE, related_name="closure_days")
    date = models.DateField("Datum")
    reason = models.CharField("Anlass", max_length=200, blank=True)

    class Meta:
        verbose_name = "Schließtag"
        verbose_name_plural = "Schließtage"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "date"], name="unique_closure_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.reason}".strip()


class Topic(models.Model):
    """A topic of the Jobcenter's taxonomy (domain notes § 1); 1–3 per case."""

    jobcenter = models.ForeignKey("Jobcenter", on_delete=models.PROTECT, related_name="topics")
    code = models.CharField("Kennung", max_length=20)
    label = models.CharField("Bezeichnung", max_length=200)
    is_active = models.BooleanField("aktiv", default=True)

    class Meta:
        db_table = "cases_topic"  # moved from the cases app; the table kept its name
        verbose_name = "Thema"
        verbose_name_plural = "Themen"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "code"], name="unique_topic_code")
        ]

    def __str__(self) -> str:
        return self.label


class FilePlanEntry(models.Model):
    """A plan number of the file plan (R-A1) and the kinds filed under it."""

    jobcenter = models.ForeignKey(
        "Jobcenter", on_delete=models.PROTECT, related_name="file_plan_entries"
    )
    number = models.CharField("Aktenplannummer", max_length=20)
    title = models.CharField("Bezeichnung", max_length=200)
    kinds = models.JSONField(
        "Arten", default=list, blank=True, help_text='Slugs der Arten, z. B. ["beschwerde"]'
    )
    is_default = models.BooleanField(
        "für alle übrigen Arten", default=False, help_text="Genau ein Eintrag je Jobcenter"
    )
    retention_years = models.PositiveSmallIntegerField(
        "Aufbewahrung (Jahre nach Ende des Abschlussjahres)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        db_table = "cases_fileplanentry"
        verbose_name = "Aktenplan-Eintrag"
        verbose_name_plural = "Aktenplan"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "number"], name="unique_plan_number"),
            models.UniqueConstraint(
                fields=["jobcenter"], condition=Q(is_default=True), name="one_default_plan_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
