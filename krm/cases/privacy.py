"""The data subject's rights on a case (GDPR art. 16, 17): rectification and erasure, steps
of the KRM-B. Old or erased values disappear from the case, its search entry and every
event of its timeline; what remains records what was rectified or erased, when, by whom
and why, and the audit chain stays verifiable (krm/audit/chain.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from krm.accounts.models import User
from krm.audit import services as audit
from krm.audit.models import EventType

from . import permissions, search, validation
from .models import Case, CaseLink, Customer, Forwarding
from .services import _lock, _save
from .signals import personal_data_erased

CUSTOMER_LABELS = {
    "name": "Name",
    "street": "Straße und Hausnummer",
    "postal_code": "PLZ",
    "city": "Ort",
    "email": "E-Mail",
    "phone": "Telefon",
    "customer_number": "Kundennummer",
}
# What can be erased, in the words of the form and the timeline.
ERASABLE = {
    "customer": "alle Kundendaten",
    **{f"customer.{name}": f"Kundendaten: {label}" for name, label in CUSTOMER_LABELS.items()},
    "subject": "Betreff",
    "text": "Inhalt",
    "notes": "Bemerkungen und Begründungen",
}
ERASED_SUBJECT = "[Betreff gelöscht]"


def _check(actor: User, case: Case, reason: str) -> str:
    if not permissions.can_change(actor, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Bitte den Grund angeben (z. B. Antrag vom …)."]})
    if len(reason) > 500:
        raise ValidationError({"reason": ["Der Grund darf höchstens 500 Zeichen lang sein."]})
    return reason


def labels(fields: list[str]) -> list[str]:
    return [ERASABLE.get(field, field) for field in fields]


def rectify(
    *, actor: User, case: Case, expected_version: int, changes: Mapping[str, Any], reason: str
) -> Case:
    """Correct subject, text or customer data (art. 16): the new values replace the old
    ones on the case, and the old ones are erased from its timeline."""
    reason = _check(actor, case, reason)
    unknown = set(changes) - {"subject", "text", "customer"}
    if unknown:
        raise ValueError(f"not rectifiable: {sorted(unknown)}")
    with transaction.atomic():
        case = _lock(case, expected_version)
        errors: dict[str, Any] = {}
        subject, text = validation.clean_texts(
            changes.get("subject", case.subject), changes.get("text", case.text), errors
        )
        old_customer = Customer.objects.filter(case=case).first()
        before = old_customer.as_dict() if old_customer else dict.fromkeys(Customer.FIELDS, "")
        after = before
        if "customer" in changes:
            after = validation.clean_customer(changes["customer"], errors) or dict.fromkeys(
                Customer.FIELDS, ""
            )
        if errors:
            raise validation.InvalidInput(errors)
        fields = [f"customer.{name}" for name in Customer.FIELDS if before[name] != after[name]]
        if subject != case.subject:
            fields.insert(0, "subject")
        if text != case.text:
            fields.insert(1 if "subject" in fields else 0, "text")
        if not fields:
            raise ValidationError({"__all__": ["Es wurde nichts berichtigt."]})
        case.subject, case.text = subject, text
        _save(case)
        if any(after.values()):
            Customer.objects.update_or_create(case=case, defaults=after)
        else:
            Customer.objects.filter(case=case).delete()
        audit.erase(case.events.all(), set(fields))
        audit.record(
            case=case,
            type=EventType.CASE_RECTIFIED,
            actor=actor,
            data={"felder": fields, "grund": reason},
        )
        search.reindex([case.pk])
    return case


def erase(*, actor: User, case: Case, expected_version: int, fields: set[str], reason: str) -> Case:
    """Erase personal data (art. 17): from the case (customer data emptied, the subject
    replaced, text and notes emptied) and from every event of its timeline."""
    reason = _check(actor, case, reason)
    unknown = set(fields) - set(ERASABLE)
    if unknown or not fields:
        raise ValidationError({"fields": ["Bitte angeben, welche Daten gelöscht werden."]})
    with transaction.atomic():
        case = _lock(case, expected_version)
        customer = Customer.objects.filter(case=case).first()
        if customer is not None:
            names = [
                name
                for name in Customer.FIELDS
                if "customer" in fields or f"customer.{name}" in fields
            ]
            for name in names:
                setattr(customer, name, "")
            if any(customer.as_dict().values()):
                customer.save(update_fields=names)
            else:
                customer.delete()
        if "subject" in fields:
            case.subject = ERASED_SUBJECT
        if "text" in fields:
            case.text = ""
        if "notes" in fields:
            Forwarding.objects.filter(case=case).update(note="")
            CaseLink.objects.filter(first=case).update(note="")
            CaseLink.objects.filter(second=case).update(note="")
        _save(case)
        audit.erase(case.events.all(), set(fields))
        audit.record(
            case=case,
            type=EventType.CASE_ERASED,
            actor=actor,
            data={"felder": sorted(fields, key=list(ERASABLE).index), "grund": reason},
        )
        if "notes" in fields:
            _erase_link_notes_elsewhere(actor, case)
        personal_data_erased.send(sender=Case, case=case, fields=set(fields))
        search.reindex([case.pk])
    return case


def _erase_link_notes_elsewhere(actor: User, case: Case) -> None:
    """A link's note stands in the other case's timeline too: erase it there, recorded."""
    from krm.audit.models import Event

    others: dict[int, list[Event]] = {}
    for event in Event.objects.filter(data__mit_id=case.pk).exclude(case=case):
        others.setdefault(event.case_id, []).append(event)
    for other in Case.objects.filter(pk__in=others):
        if audit.erase(others[other.pk], {"notes"}):
            audit.record(
                case=other,
                type=EventType.CASE_ERASED,
                actor=actor,
                # Named like a link, so that who may not see `case` does not learn of it.
                data={
                    "felder": ["notes"],
                    "grund": "Löschung im verknüpften Fall",
                    "mit": case.aktenzeichen,
                    "mit_id": case.pk,
                },
            )
