"""The Jobcenter record: everything configurable hangs under it (R-O-1, R-Q6)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from krm.lib.workdays import WorkdayCalendar


class Jobcenter(models.Model):
    name = models.CharField("Name", max_length=200)
    slug = models.SlugField("Kurzname", unique=True)
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
