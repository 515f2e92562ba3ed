"""Checks of case input shared by the services: German messages per field, nested for the
customer ({"customer": {"email": […]}}), raised together as one InvalidInput."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from krm.accounts.models import OrgUnit, User
from krm.jobcenters.models import Jobcenter
from krm.lib.workdays import as_berlin

from .kinds import (
    NEGATIVE,
    QUICK_CAPTURE_CHANNELS,
    QUICK_CAPTURE_KINDS,
    Channel,
    Kind,
    SenderType,
)
from .models import MAX_SUBJECT, MAX_TOPICS, Customer, Topic

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


RETENTION_YEARS = 10


MAX_TEXT = 50_000


class InvalidInput(ValidationError):
    """Errors per field, German, nested for the customer: {"customer": {"email": […]}}."""

    def __init__(self, errors: dict[str, Any]) -> None:
        self.nested = errors
        flat = {
            field: [f"{sub}: {m}" for sub, ms in messages.items() for m in ms]
            if isinstance(messages, dict)
            else messages
            for field, messages in errors.items()
        }
        super().__init__(flat)


def clean_received_at(value: dt.datetime | None, errors: dict) -> dt.datetime:
    now = timezone.now()
    if value is None:
        return now
    # Nothing older than the retention period (R-A2) can be an open file; the year check
    # comes first, before any time zone arithmetic could overflow on a year like 0001.
    earliest = dt.date(timezone.localdate().year - RETENTION_YEARS, 1, 1)
    if value.year < earliest.year:
        errors["received_at"] = [f"Der Eingang darf nicht vor dem {earliest:%d.%m.%Y} liegen."]
        return now
    value = as_berlin(value)
    if value > now + FUTURE_TOLERANCE:
        errors["received_at"] = ["Der Eingang darf nicht in der Zukunft liegen."]
    return value


def same_minute(value: dt.datetime | None, stored: dt.datetime) -> bool:
    """Forms show the time of receipt to the minute: the same minute keeps the stored time
    (with its seconds) instead of moving it."""
    if value is None:
        return True
    return as_berlin(value).replace(second=0, microsecond=0) == as_berlin(stored).replace(
        second=0, microsecond=0
    )


def clean_texts(subject: str | None, text: str | None, errors: dict) -> tuple[str, str]:
    subject, text = (subject or "").strip(), (text or "").strip()
    if not subject:
        errors["subject"] = ["Bitte einen Betreff angeben."]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [f"Der Betreff darf höchstens {MAX_SUBJECT} Zeichen lang sein."]
    if len(text) > MAX_TEXT:
        errors["text"] = [
            f"Der Inhalt darf höchstens {MAX_TEXT:,} Zeichen lang sein; längere "
            "Schreiben gehören als Dokument zum Fall.".replace(",", ".")
        ]
    return subject, text


def clean_refs(
    *,
    jobcenter: Jobcenter,
    org_unit: OrgUnit | None,
    staff_concerned: User | None,
    topics: Iterable[Topic],
    escalation_level: int,
    errors: dict,
    keep_unit: OrgUnit | None = None,
    keep_topics: Iterable[Topic] = (),
) -> list[Topic]:
    """References of a case; inactive units and topics only where the case already has
    them (`keep_*`): they take no new cases."""
    topics = list(dict.fromkeys(topics))
    kept_topics = {t.pk for t in keep_topics}
    if org_unit is not None and org_unit.jobcenter_id != jobcenter.pk:
        errors["org_unit"] = ["Unbekannte Organisationseinheit."]
    elif org_unit is not None and not org_unit.is_active and org_unit != keep_unit:
        errors["org_unit"] = ["Diese Einheit ist nicht mehr aktiv und nimmt keine Fälle an."]
    if staff_concerned is not None and staff_concerned.jobcenter_id != jobcenter.pk:
        errors["staff_concerned"] = ["Unbekannte/r Mitarbeiter/in."]
    if len(topics) > MAX_TOPICS:
        errors["topics"] = [f"Bitte höchstens {MAX_TOPICS} Themen angeben."]
    elif any(t.jobcenter_id != jobcenter.pk for t in topics):
        errors["topics"] = ["Unbekanntes Thema."]
    elif any(not t.is_active and t.pk not in kept_topics for t in topics):
        errors["topics"] = ["Ein gewähltes Thema ist nicht mehr aktiv."]
    if escalation_level not in (1, 2, 3):
        errors["escalation_level"] = ["Die Eskalationsstufe ist 1, 2 oder 3."]
    return topics


def clean_customer(data: Mapping[str, Any] | None, errors: dict) -> dict[str, str] | None:
    """Customer data or None for an anonymous reaction (every field optional)."""
    if not data:
        return None
    unknown = set(data) - set(Customer.FIELDS)
    if unknown:
        errors["customer"] = {name: ["Unbekanntes Feld."] for name in sorted(unknown)}
        return None
    cleaned = {name: (data.get(name) or "").strip() for name in Customer.FIELDS}
    if not any(cleaned.values()):
        return None
    try:
        Customer(**cleaned).full_clean(exclude=["case"])
    except ValidationError as exc:
        errors["customer"] = exc.message_dict
    return cleaned


def check_quick_capture(
    kind: str,
    channel: str,
    received_at: Any,
    staff_concerned: Any,
    escalation_level: int,
    errors: dict,
) -> None:
    """What a staff member takes at the counter (R-W1.1): a complaint, praise or a
    suggestion, now; everything else is the KRM-B's registration."""
    if kind not in QUICK_CAPTURE_KINDS:
        errors["kind"] = ["In der Schnellerfassung nur Beschwerde, Lob oder Anregung."]
    if channel not in QUICK_CAPTURE_CHANNELS:
        errors["channel"] = [
            "In der Schnellerfassung nur persönlich, Telefon, Brief, E-Mail oder Vorzimmer."
        ]
    if received_at is not None or staff_concerned is not None or escalation_level != 1:
        raise PermissionDenied(
            "Eingang, betroffene Person und Eskalationsstufe legt die KRM-Beauftragte fest."
        )


def check_choices(kind: str | None, channel: str | None, errors: dict) -> None:
    if kind is not None and kind not in Kind.values:
        errors["kind"] = ["Unbekannte Art."]
    if channel is not None and channel not in Channel.values:
        errors["channel"] = ["Unbekannter Eingangsweg."]


def check_registration_rules(
    *,
    kind: str,
    channel: str,
    escalation_level: int,
    sender_type: str,
    same_day_handled: bool | None,
    errors: dict,
) -> None:
    """Rules of a new reaction that no form repeats."""
    if escalation_level == 3:
        # R-W1.2: TL, then BL, then GF; a reaction never starts at the GF.
        errors["escalation_level"] = [
            "Eine Reaktion wird nie direkt auf Stufe 3 (GF) erfasst; sie steigt Stufe für Stufe."
        ]
    if sender_type not in SenderType.values:
        errors["sender_type"] = ["Unbekannter Absender."]
    if channel == Channel.VORZIMMER and kind in NEGATIVE:
        # R-W1.3: the Vorzimmer takes a negative reaction only when the Fachbereich already
        # dealt with it the same day.
        if same_day_handled is None:
            errors["same_day_handled"] = [
                "Bitte angeben, ob sich der Fachbereich heute bereits damit befasst hat."
            ]
        elif not same_day_handled:
            errors["same_day_handled"] = [
                "Das Vorzimmer nimmt eine negative Reaktion nur an, wenn sich der Fachbereich "
                "heute bereits damit befasst hat. Bitte verweisen Sie an den Fachbereich."
            ]
