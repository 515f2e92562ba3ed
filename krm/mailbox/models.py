"""The mailboxes krm reads (IMAP with TLS) and every message it read, whatever became of it:
a case, a reply joined to a case, a duplicate, or a quarantined message with its reason and
its raw bytes. Nothing is dropped."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from krm.jobcenters.models import Jobcenter


class Security(models.TextChoices):
    SSL = "ssl", "IMAPS (TLS ab Verbindungsbeginn, Port 993)"
    STARTTLS = "starttls", "STARTTLS (Port 143)"


class Mailbox(models.Model):
    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="mailboxes")
    name = models.CharField("Bezeichnung", max_length=100, help_text="z. B. KRM-Postfach, GF")
    host = models.CharField("IMAP-Server", max_length=200)
    port = models.PositiveIntegerField("Port", default=993)
    security = models.CharField(
        "Verschlüsselung", max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField("Benutzername", max_length=200)
    # Stored for the worker to log in; never shown again (the admin form leaves it empty).
    password = models.CharField("Passwort", max_length=500)
    folder = models.CharField("Ordner", max_length=200, default="INBOX")
    processed_folder = models.CharField(
        "Ordner für verarbeitete Nachrichten",
        max_length=200,
        default="krm-verarbeitet",
        help_text="Nachrichten werden nach dem Import hierhin verschoben, nie gelöscht.",
    )
    is_active = models.BooleanField("aktiv", default=True)
    last_polled_at = models.DateTimeField("zuletzt abgerufen", null=True, blank=True)
    last_error = models.TextField("letzter Fehler", blank=True)

    class Meta:
        verbose_name = "Postfach"
        verbose_name_plural = "Postfächer"
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "name"], name="unique_mailbox_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"


class Outcome(models.TextChoices):
    CASE = "case", "neuer Fall"
    JOINED = "joined", "dem Fall zugeordnet"
    QUARANTINED = "quarantined", "in Quarantäne"
    RELEASED = "released", "von Hand übernommen"


class InboundMail(models.Model):
    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="+")
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    source = models.CharField("Herkunft", max_length=200)  # mailbox, upload, file name
    message_id = models.CharField("Message-ID", max_length=250, blank=True)
    sha256 = models.CharField(max_length=64)
    read_at = models.DateTimeField("gelesen am", auto_now_add=True)
    sent_at = models.DateTimeField("gesendet am", null=True, blank=True)
    from_address = models.CharField("Absender", max_length=320, blank=True)
    subject = models.CharField("Betreff", max_length=300, blank=True)
    size = models.PositiveIntegerField("Größe")
    outcome = models.CharField("Ergebnis", max_length=12, choices=Outcome.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="Fall",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mails",
    )
    # The mail's text and its HTML, sanitised (parsing.sanitize_html): shown on the case page.
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    notes = models.JSONField("Hinweise", default=list, blank=True)
    reason = models.TextField("Grund der Quarantäne", blank=True)
    # The raw bytes in the documents storage, kept while the message is in quarantine or
    # when its original could not be filed as a document.
    raw = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "eingegangene E-Mail"
        verbose_name_plural = "eingegangene E-Mails"
        constraints = [
            models.UniqueConstraint(fields=["jobcenter", "sha256"], name="unique_inbound_bytes"),
            models.UniqueConstraint(
                fields=["jobcenter", "message_id"],
                condition=~Q(message_id=""),
                name="unique_inbound_message_id",
            ),
        ]
        indexes = [
            models.Index(fields=["jobcenter", "outcome", "-read_at"], name="inbound_list_idx"),
            models.Index(fields=["case", "read_at"], name="inbound_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.read_at:%d.%m.%Y %H:%M})" if self.read_at else self.source
