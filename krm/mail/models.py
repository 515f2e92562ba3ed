"""The outbox: every mail krm sends is first a row here, written in the transaction of the
step that causes it, then sent by the worker (retries, backoff; flagged after
KRM_MAIL_ATTEMPTS). Notification settings per user and kind, and the notifications kept for
the daily digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from krm.jobcenters.models import Jobcenter


class MailState(models.TextChoices):
    QUEUED = "queued", "wartet auf Versand"
    SENDING = "sending", "wird gesendet"
    SENT = "sent", "gesendet"
    FAILED = "failed", "gescheitert – bitte prüfen"


class MailKind(models.TextChoices):
    NOTIFICATION = "notification", "Benachrichtigung"
    DIGEST = "digest", "tägliche Übersicht"
    LETTER = "letter", "Schreiben an Kunden"


class OutboundMail(models.Model):
    jobcenter = models.ForeignKey(Jobcenter, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="Fall",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_mails",
    )
    kind = models.CharField("Art", max_length=20, choices=MailKind.choices)
    # What caused it, unique: the same cause never queues a second mail (a task run twice).
    key = models.CharField(max_length=200, unique=True)
    message_id = models.CharField("Message-ID", max_length=250, unique=True)
    from_address = models.CharField("Absender", max_length=320)
    to = models.JSONField("An", default=list)
    cc = models.JSONField("Kopie an", default=list, blank=True)
    subject = models.CharField("Betreff", max_length=300)
    body = models.TextField("Text")
    # A letter's file (documents.Document) sent as attachment.
    attachments = models.ManyToManyField(
        "documents.Document", verbose_name="Anhänge", blank=True, related_name="+"
    )
    letter = models.ForeignKey(
        "letters.Letter", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        "Stand", max_length=10, choices=MailState.choices, default=MailState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("Versuche", default=0)
    next_attempt_at = models.DateTimeField("nächster Versuch", null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField("letzter Fehler", blank=True)
    created_at = models.DateTimeField("erstellt", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField("gesendet am", null=True, blank=True)

    class Meta:
        verbose_name = "ausgehende E-Mail"
        verbose_name_plural = "Postausgang"
        indexes = [
            # The sender's queue: small, unsent mails only.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=Q(state__in=["queued", "sending"]),
            ),
            models.Index(fields=["jobcenter", "state", "-created_at"], name="outbox_list_idx"),
            models.Index(fields=["jobcenter", "-created_at"], name="outbox_all_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationKind(models.TextChoices):
    AUFGABE = "aufgabe", "Neue Aufgabe für mich (auch Abverfügung, Vorlage an die GF)"
    KENNTNIS = "kenntnis", "Zur Kenntnis und in Kopie (z. B. neuer Fall im Bereich)"
    ANTWORT = "antwort", "Neue Nachricht zu einem meiner Fälle"


class Delivery(models.TextChoices):
    AT_ONCE = "sofort", "sofort per E-Mail"
    DIGEST = "uebersicht", "in der täglichen Übersicht"


class NotificationSetting(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=20, choices=Delivery.choices)

    class Meta:
        verbose_name = "Benachrichtigungseinstellung"
        verbose_name_plural = "Benachrichtigungseinstellungen"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_setting")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_delivery_display()}"


class PendingNotification(models.Model):
    """A notification its recipient wants in the daily digest, until the digest sends it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    line = models.CharField(max_length=500)  # Aktenzeichen, what, due: no customer data
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="pending_notification_idx")]

    def __str__(self) -> str:
        return self.line
