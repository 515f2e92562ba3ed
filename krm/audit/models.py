"""The append-only audit trail: every change of a case, and every change to accounts,
roles, deputies, passwords and configuration (the security log).

Events are never updated, except that a personal value in `personal` may be erased
(GDPR art. 16, 17); they go only together with their case (retention, a later issue). On
PostgreSQL a trigger refuses every other UPDATE and every DELETE (django-pgtrigger). Each
event's MAC chains it to the one before (krm/audit/chain.py); `krm audit verify` checks.
They are the source of the case timeline.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from . import personal


class EventType(models.TextChoices):
    CASE_REGISTERED = "case.registered", "Fall erfasst"
    CASE_UPDATED = "case.updated", "Daten geändert"
    CASE_KIND_CORRECTED = "case.kind_corrected", "Art korrigiert"
    CASE_TRANSITION = "case.transition", "Status geändert"
    CASE_STEP = "case.step", "Schritt"
    TASK_DONE = "case.task_done", "Zur Kenntnis genommen"
    CASE_FORWARDED = "case.forwarded", "Weitergeleitet"
    CASE_LINKED = "case.linked", "Verknüpft"
    CASE_UNLINKED = "case.unlinked", "Verknüpfung gelöst"
    CASE_ACKNOWLEDGED = "case.acknowledged", "Eingangsbestätigung versandt"
    CASE_DEADLINES_RECOMPUTED = "case.deadlines_recomputed", "Fristen neu berechnet"
    CASE_RECTIFIED = "case.rectified", "Daten berichtigt (Art. 16 DSGVO)"
    CASE_ERASED = "case.erased", "Personenbezogene Daten gelöscht (Art. 17 DSGVO)"
    CASE_DISCLOSED = "case.disclosed", "Auskunft erteilt (Art. 15 DSGVO)"
    DOCUMENT_ADDED = "document.added", "Dokument hinzugefügt"
    LETTER_CREATED = "letter.created", "Schreiben erstellt"
    LETTER_SENT = "letter.sent", "Schreiben versandt"
    DOCUMENTS_HANDED_OVER = "document.handed_over", "An die E-Akte übergeben"
    CASE_EXPORTED = "case.exported", "Akte exportiert"
    MAIL_SENT = "mail.sent", "E-Mail versandt"
    MAIL_RESENT = "mail.resent", "E-Mail erneut in den Versand gegeben"
    MAIL_RECEIVED = "mail.received", "E-Mail eingegangen"
    MAIL_QUARANTINED = "mail.quarantined", "E-Mail in Quarantäne"
    MAIL_RELEASED = "mail.released", "E-Mail aus der Quarantäne übernommen"
    # The security log: accounts, roles, deputies, passwords, sessions, configuration.
    ACCOUNT_CREATED = "account.created", "Benutzerkonto angelegt"
    ACCOUNT_CHANGED = "account.changed", "Benutzerkonto oder API-Schlüssel geändert"
    ACCOUNT_PASSWORD = "account.password", "Passwort gesetzt"
    ACCOUNT_SESSIONS_ENDED = "account.sessions_ended", "Alle Sitzungen beendet"
    ROLE_REQUESTED = "role.requested", "Freigabe beantragt (Vier-Augen-Prinzip)"
    ROLE_GRANTED = "role.granted", "Rolle erteilt"
    ROLE_REVOKED = "role.revoked", "Rolle entzogen"
    APPROVAL_DECIDED = "approval.decided", "Freigabe entschieden"
    ABSENCE_CHANGED = "absence.changed", "Abwesenheit oder Vertretung geändert"
    CONFIG_CHANGED = "config.changed", "Konfiguration geändert"
    ARCHIVE_DOWNLOADED = "archive.downloaded", "Archivpaket heruntergeladen"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        if set(kwargs) != {"personal"}:
            raise PermissionError("audit events are append-only")
        return super().update(**kwargs)


class Event(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    # Security-log events: the Jobcenter whose log they belong to, and the person concerned.
    jobcenter = models.ForeignKey(
        "jobcenters.Jobcenter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # Personal values by slot; an erased one is null. Their digests are part of the MAC.
    personal = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    digests = models.JSONField(default=dict)
    chain = models.CharField(max_length=40)
    seq = models.PositiveIntegerField()
    mac = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "Ereignis"
        verbose_name_plural = "Ereignisse"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="event_case_time_idx"),
            models.Index(fields=["jobcenter", "-created_at"], name="event_security_log_idx"),
            models.Index(fields=["subject_user", "-created_at"], name="event_subject_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="unique_event_chain_seq")
        ]
        triggers = [
            # Only a personal value may change (its erasure); nothing else, ever.
            pgtrigger.ReadOnly(name="append_only_update", exclude=["personal"]),
            # Deleted only with their case (retention), which says so explicitly.
            pgtrigger.Protect(name="append_only_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.created_at:%d.%m.%Y %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    @property
    def content(self) -> dict:
        """The data as written, personal values in place (erased ones as ERASED)."""
        return personal.join(self.data, self.personal)


class ChainHead(models.Model):
    """The last event of each chain: locked while an event is appended."""

    key = models.CharField(max_length=40, unique=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    seq = models.PositiveIntegerField(default=0)
    mac = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.key} #{self.seq}"


class ReadEvent(models.Model):
    """Who opened which case, when, from where, how (ASVS 8.3.5): the read log, kept for
    KRM_READ_LOG_DAYS and shown to the DSB."""

    class Via(models.TextChoices):
        PAGE = "seite", "Fallseite"
        API = "api", "API (Fall)"
        API_LIST = "api_liste", "API (Liste)"
        LIST = "liste", "Liste (Meine Aufgaben, Vorschläge)"
        DOCUMENT = "dokument", "Dokument"
        DISCLOSURE = "auskunft", "Auskunft (Art. 15 DSGVO)"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=12, choices=Via.choices)
    address = models.GenericIPAddressField(null=True, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "Lesezugriff"
        verbose_name_plural = "Lesezugriffe"
        indexes = [
            models.Index(fields=["case", "-at"], name="read_case_idx"),
            models.Index(fields=["user", "-at"], name="read_user_idx"),
            models.Index(fields=["at"], name="read_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id} {self.at:%d.%m.%Y %H:%M}"
