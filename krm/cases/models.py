"""The case (Kundenreaktion) and what belongs to it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from krm.accounts.models import OrgUnit
from krm.jobcenters.models import FilePlanEntry, Jobcenter, Topic

from .kinds import (
    Channel,
    Feedback,
    InformedVia,
    Kind,
    Outcome,
    SenderType,
    Signer,
    WiderspruchOutcome,
)
from .states import OPEN_STATUSES, Status

__all__ = ["FilePlanEntry", "Topic"]  # Jobcenter configuration, used with the cases

MAX_TOPICS = 3
MAX_SUBJECT = 300  # the subject's length: the model, the checks, the forms and the API
INVALID_EMAIL = "Bitte geben Sie eine gültige E-Mail-Adresse ein."


class AktenzeichenCounter(models.Model):
    """The last number given per plan number and year; locked while a number is drawn, so
    the numbers are gap-free (a rolled-back registration rolls the counter back too)."""

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT)
    plan_number = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "plan_number", "year"], name="unique_aktenzeichen_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_number}-{self.year}: {self.last_number}"


def worklist_index(*leading: Any, name: str, condition: Q | None = None) -> models.Index:
    """An index ending in the worklist order: urgent first, then the next deadline (ASC is
    NULLS LAST on PostgreSQL; SQLite cannot declare it in an index), newest first."""
    order = (F("urgent").desc(), F("next_due").asc(), F("id").desc())
    return models.Index(*leading, *order, name=name, condition=condition)


class Case(models.Model):
    """A Kundenreaktion."""

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="cases")
    aktenzeichen = models.CharField("Aktenzeichen", max_length=40)
    plan_number = models.CharField("Aktenplannummer", max_length=20)
    kind = models.CharField("Art", max_length=30, choices=Kind.choices)
    channel = models.CharField("Eingangsweg", max_length=20, choices=Channel.choices)
    status = models.CharField("Status", max_length=20, choices=Status.choices)
    is_open = models.BooleanField(default=True, editable=False)  # derived from status; indexed
    urgent = models.BooleanField("eilig", default=False)

    received_at = models.DateTimeField("Eingang")
    received_on = models.DateField("Eingangstag (Berlin)")
    subject = models.CharField("Betreff", max_length=MAX_SUBJECT)
    text = models.TextField("Inhalt", blank=True)

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="betroffene Einheit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The Bereich of org_unit (itself if it is a Bereich): BL lists and `org_unit=71` filters.
    bereich = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    staff_concerned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="betroffene/r Mitarbeiter/in",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    topics = models.ManyToManyField(Topic, verbose_name="Themen", blank=True, related_name="cases")
    escalation_level = models.PositiveSmallIntegerField(
        "Eskalationsstufe", default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )

    acknowledged_at = models.DateTimeField("Eingangsbestätigung versandt", null=True, blank=True)
    closed_at = models.DateTimeField("abgeschlossen am", null=True, blank=True)
    outcome = models.CharField("Ergebnis", max_length=30, choices=Outcome.choices, blank=True)

    # --- the route (workflow.py): who handles, who signs, what was decided and done ---
    sender_type = models.CharField(
        "Absender", max_length=20, choices=SenderType.choices, default=SenderType.KUNDE
    )
    requires_gf = models.BooleanField("der GF vorzulegen (von Hand)", default=False)
    acknowledgement_waived = models.CharField(
        "ohne Eingangsbestätigung, weil", max_length=300, blank=True
    )
    contact_person = models.CharField("Ansprechperson", max_length=200, blank=True)
    abverfuegt_at = models.DateTimeField("abverfügt am", null=True, blank=True)
    signer = models.CharField("zeichnet", max_length=5, choices=Signer.choices, blank=True)
    # The TL (or, for a DAB, the Führungskraft) who handles and stays responsible (R-O-3),
    # and the staff member they delegated the work to.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="verantwortlich",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="bearbeitet von",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handling_due = models.DateField("Frist Fachbereich", null=True, blank=True)
    step_due = models.DateField("Frist des aktuellen Schritts", null=True, blank=True)
    acting = models.CharField("bei", max_length=200, blank=True)  # who acts now, for lists
    draft = models.TextField("Antwortentwurf / Stellungnahme", blank=True)
    # Petitions and Eingaben (R-W5.2 … W5.5)
    requester = models.CharField("anfragende Stelle", max_length=200, blank=True)
    requester_reference = models.CharField("deren Zeichen", max_length=100, blank=True)
    requester_due = models.DateField("deren Frist", null=True, blank=True)
    ba_competent = models.BooleanField("BA zuständig (§ 44b Abs. 3 SGB II)", default=False)
    aa_agreed_on = models.DateField("abgestimmt mit der Agentur für Arbeit", null=True, blank=True)
    rd_agreed_on = models.DateField("abgestimmt mit der RD", null=True, blank=True)
    copies = models.PositiveSmallIntegerField("Ausfertigungen", null=True, blank=True)
    answer_sent_on = models.DateField("Antwort versandt am", null=True, blank=True)
    # The result (R-W2.9, R-Q4)
    measure = models.TextField("Maßnahme", blank=True)
    informed_via = models.CharField(
        "Kunde informiert per", max_length=20, choices=InformedVia.choices, blank=True
    )
    informed_on = models.DateField("Kunde informiert am", null=True, blank=True)
    widerspruch_outcome = models.CharField(
        "Ergebnis des Widerspruchs", max_length=30, choices=WiderspruchOutcome.choices, blank=True
    )
    # Meinungskarten (R-W6.1)
    rating = models.PositiveSmallIntegerField(
        "Bewertung", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    feedback = models.CharField("Aussage", max_length=20, choices=Feedback.choices, blank=True)
    # The Vorzimmer's answer (R-W1.3): had the Fachbereich dealt with it the same day?
    same_day_handled = models.BooleanField("vom Fachbereich heute bereits befasst", null=True)

    acknowledgement_due = models.DateField("Frist Eingangsbestätigung", null=True, blank=True)
    completion_due = models.DateField("Frist Abschluss", null=True, blank=True)
    # The earliest deadline still running (None when none runs): worklist order and state.
    next_due = models.DateField(null=True, blank=True, editable=False)

    # None: krm registered it itself (a mail read from a mailbox).
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="erfasst von",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="captured_cases",
    )
    created_at = models.DateTimeField("erfasst am", auto_now_add=True)
    updated_at = models.DateTimeField("geändert am", auto_now=True)
    version = models.PositiveIntegerField("Version", default=1)

    class Meta:
        verbose_name = "Kundenreaktion"
        verbose_name_plural = "Kundenreaktionen"
        constraints = [
            # Each Jobcenter numbers its own cases.
            models.UniqueConstraint(
                fields=["jobcenter", "aktenzeichen"], name="unique_case_aktenzeichen"
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=1, escalation_level__lte=3),
                name="case_escalation_level_1_3",
            ),
        ]
        indexes = [
            # Worklists: open cases, urgent first, then by the next deadline; small, as it
            # holds open cases only.
            worklist_index("jobcenter", name="case_worklist_idx", condition=Q(is_open=True)),
            # All cases: open ones first, in the same order.
            worklist_index("jobcenter", F("is_open").desc(), name="case_list_all_idx"),
            models.Index(fields=["jobcenter", "kind"], name="case_kind_idx"),
            models.Index(fields=["jobcenter", "channel"], name="case_channel_idx"),
            models.Index(fields=["jobcenter", "status"], name="case_status_idx"),
            models.Index(fields=["jobcenter", "received_on"], name="case_received_idx"),
            # TL and BL worklists (and the org_unit filter) in worklist order; with the
            # jobcenter, so that counting them needs the index only.
            worklist_index("jobcenter", "org_unit", F("is_open").desc(), name="case_org_unit_idx"),
            worklist_index("jobcenter", "bereich", F("is_open").desc(), name="case_bereich_idx"),
            models.Index(fields=["captured_by", "is_open"], name="case_captured_by_idx"),
            # The DABs about a person (they never see them): a small subquery of every list.
            models.Index(fields=["staff_concerned", "kind"], name="case_staff_concerned_idx"),
            models.Index(fields=["next_due"], name="case_next_due_idx"),
            models.Index(fields=["acknowledgement_due"], name="case_ack_due_idx"),
            models.Index(fields=["completion_due"], name="case_completion_due_idx"),
            models.Index(fields=["jobcenter", "outcome"], name="case_outcome_idx"),
            # Who handles: their cases are visible to them (permissions) wherever they sit.
            models.Index(fields=["handler"], name="case_handler_idx"),
            models.Index(fields=["delegate"], name="case_delegate_idx"),
            # The Ablage by plan number and year (R-A1); retention by closing date (R-A2).
            models.Index(
                fields=["jobcenter", "plan_number", "received_on"], name="case_ablage_idx"
            ),
            models.Index(
                fields=["jobcenter", "closed_at"],
                name="case_closed_idx",
                condition=Q(is_open=False),
            ),
            models.Index(
                fields=["jobcenter", "escalation_level"],
                name="case_escalation_idx",
                condition=Q(escalation_level__gt=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aktenzeichen} {self.subject}"

    @property
    def status_is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def acknowledgement_pending(self) -> bool:
        """An Eingangsbestätigung is due and neither sent nor waived (R-Q1)."""
        return bool(
            self.acknowledgement_due
            and not self.acknowledged_at
            and not self.acknowledgement_waived
        )

    def compute_next_due(self) -> dt.date | None:
        if not self.status_is_open:
            return None
        pending = []
        if self.acknowledgement_pending:
            pending.append(self.acknowledgement_due)
        if self.completion_due and not self.closed_at:
            pending.append(self.completion_due)
        return min(pending, default=None)


class Customer(models.Model):
    """The customer's personal data; absent for an anonymous reaction. Deleted with its case."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="customer"
    )
    name = models.CharField("Name", max_length=200, blank=True)
    street = models.CharField("Straße und Hausnummer", max_length=200, blank=True)
    postal_code = models.CharField("PLZ", max_length=10, blank=True)
    city = models.CharField("Ort", max_length=100, blank=True)
    email = models.EmailField("E-Mail", blank=True, error_messages={"invalid": INVALID_EMAIL})
    phone = models.CharField("Telefon", max_length=50, blank=True)
    customer_number = models.CharField("Kundennummer", max_length=50, blank=True)

    FIELDS = ("name", "street", "postal_code", "city", "email", "phone", "customer_number")

    class Meta:
        verbose_name = "Kunde/Kundin"
        verbose_name_plural = "Kundinnen und Kunden"
        indexes = [
            # Finding a customer's cases for a disclosure (Art. 15 GDPR).
            models.Index(Lower("email"), name="customer_email_lower_idx"),
            models.Index(Lower("customer_number"), name="customer_number_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name or "anonym"

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.FIELDS}


class AktenzeichenRecord(models.Model):
    """Every Aktenzeichen a case has had; the current one and any earlier ones (R-K10)."""

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="aktenzeichen_records")
    aktenzeichen = models.CharField(max_length=40)
    plan_number = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "aktenzeichen"], name="unique_aktenzeichen_record"
            )
        ]
        # Searching an Aktenzeichen however it is spelled: by its number (and year, plan).
        indexes = [models.Index(fields=["number", "year"], name="aktenzeichen_number_idx")]

    def __str__(self) -> str:
        return self.aktenzeichen


class CaseLink(models.Model):
    """Two related cases, e.g. a complaint and a Widerspruch on the same matter (R-K9).
    Stored once, with the smaller id first."""

    first = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    note = models.CharField("Bemerkung", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="unique_case_link"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="case_link_ordered"),
        ]
        indexes = [models.Index(fields=["second"], name="caselink_second_idx")]

    def __str__(self) -> str:
        return f"{self.first_id} ↔ {self.second_id}"

    @classmethod
    def of(cls, case_id: int) -> Q:
        """The links of a case, from either side."""
        return Q(first_id=case_id) | Q(second_id=case_id)

    @classmethod
    def partner_ids(cls, case_id: int) -> set[int]:
        """The ids of the cases linked to this one."""
        pairs = cls.objects.filter(cls.of(case_id)).values_list("first_id", "second_id")
        return {first if second == case_id else second for first, second in pairs}


class Forwarding(models.Model):
    """An out-of-scope reaction handed on: to whom, when, by whom (R-O1 … O4)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="forwardings")
    recipient = models.CharField("an", max_length=200)
    forwarded_at = models.DateTimeField("am")
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("Bemerkung", max_length=300, blank=True)

    class Meta:
        ordering = ["forwarded_at", "id"]

    def __str__(self) -> str:
        return f"an {self.recipient}"


class Verfuegung(models.Model):
    """The Verfügungsblatt the KRM-B puts before the GF (Anlage 1, R-W2.3) and the GF's
    Abverfügung on it: who handles, who signs, the deadline, acknowledgement yes/no."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="verfuegungen")
    summary = models.TextField("Sachverhalt (Zusammenfassung)")
    proposal = models.TextField("Vorschlag")
    presented_at = models.DateTimeField("vorgelegt am")
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("abverfügt am", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="bearbeitet durch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signer = models.CharField("zeichnet", max_length=5, choices=Signer.choices, blank=True)
    due = models.DateField("Frist", null=True, blank=True)
    acknowledgement = models.BooleanField("Eingangsbestätigung", null=True)
    instruction = models.TextField("weitere Verfügung", blank=True)

    class Meta:
        verbose_name = "Verfügungsblatt"
        verbose_name_plural = "Verfügungsblätter"
        ordering = ["presented_at", "id"]

    def __str__(self) -> str:
        return f"Verfügungsblatt {self.case_id} {self.presented_at:%d.%m.%Y}"


class TaskQuerySet(models.QuerySet):
    def open(self) -> TaskQuerySet:
        return self.filter(done_at__isnull=True)


class Task(models.Model):
    """An open step for a named person, or for whoever holds a role (in a unit): "TL of
    711". Action tasks follow the case's state (workflow.STATES); information tasks ("zur
    Kenntnis", a copy) stay until their holder marks them read."""

    class Kind(models.TextChoices):
        AKTION = "aktion", "zu erledigen"
        KENNTNIS = "kenntnis", "zur Kenntnis"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AKTION)
    step = models.CharField("Schritt", max_length=40)  # a state or a task name of workflow.py
    label = models.CharField("Aufgabe", max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=20, blank=True)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    who = models.CharField("bei", max_length=200)  # the assignee as people read it
    round = models.PositiveSmallIntegerField("Eskalationsstufe", default=1)
    created_at = models.DateTimeField("seit")
    due = models.DateField("fällig", null=True, blank=True)
    done_at = models.DateTimeField("erledigt am", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "Aufgabe"
        verbose_name_plural = "Aufgaben"
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=False) | ~Q(role=""), name="task_has_holder"
            )
        ]
        indexes = [
            # Meine Aufgaben: open tasks of a person, of a role (in a unit); small, open only.
            models.Index(
                fields=["assignee", "due"],
                name="task_open_assignee_idx",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["jobcenter", "role", "unit", "due"],
                name="task_open_role_idx",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(fields=["case", "done_at"], name="task_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.who})"


class PresentationCriterion(models.Model):
    """A kind of "vorlagepflichtiger Fall" (Anlage 2, R-W3.2): an e-mail or online reaction
    that matches every field set here goes to the GF before the Bereich."""

    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="+")
    label = models.CharField("Bezeichnung", max_length=200)
    kind = models.CharField("Art", max_length=30, choices=Kind.choices, blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name="Thema",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    bereich = models.ForeignKey(
        OrgUnit,
        verbose_name="Bereich",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "bereich"},
    )
    sender_type = models.CharField(
        "Absender", max_length=20, choices=SenderType.choices, blank=True
    )
    is_active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "Vorlagepflicht (Anlage 2)"
        verbose_name_plural = "Vorlagepflichten (Anlage 2)"
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def matches(self, case: Case, topic_ids: set[int]) -> bool:
        return (
            (not self.kind or self.kind == case.kind)
            and (self.topic_id is None or self.topic_id in topic_ids)
            and (self.bereich_id is None or self.bereich_id == case.bereich_id)
            and (not self.sender_type or self.sender_type == case.sender_type)
        )
