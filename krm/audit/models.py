"""The append-only event log: every create, change and state change of a case.

Events are never updated; they go only together with their case (retention, a later issue).
They are the source of the case timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    CASE_REGISTERED = "case.registered", "Fall erfasst"
    CASE_UPDATED = "case.updated", "Daten geändert"
    CASE_KIND_CORRECTED = "case.kind_corrected", "Art korrigiert"
    CASE_TRANSITION = "case.transition", "Status geändert"
    CASE_FORWARDED = "case.forwarded", "Weitergeleitet"
    CASE_LINKED = "case.linked", "Verknüpft"
    CASE_UNLINKED = "case.unlinked", "Verknüpfung gelöst"
    CASE_ACKNOWLEDGED = "case.acknowledged", "Eingangsbestätigung versandt"
    CASE_DEADLINES_RECOMPUTED = "case.deadlines_recomputed", "Fristen neu berechnet"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")


class Event(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "Ereignis"
        verbose_name_plural = "Ereignisse"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.created_at:%d.%m.%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)
