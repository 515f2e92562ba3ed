"""What users do with cases. Each service checks the permission, runs in one transaction,
writes its audit event and keeps the search index current. Views, API and commands call
these; none of them repeats their rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from krm.accounts.access import access_for
from krm.accounts.models import OrgUnit, User
from krm.audit.models import EventType
from krm.audit.services import diff, record
from krm.jobcenters.models import Jobcenter
from krm.lib import aktenzeichen as az
from krm.lib.workdays import WorkdayCalendar, as_berlin, berlin_date

from . import deadlines, permissions, search, workflow
from .kinds import (
    DEFAULT_FORWARDING_RECIPIENT,
    QUICK_CAPTURE_KINDS,
    URGENT,
    Channel,
    Kind,
    Outcome,
    is_in_scope,
)
from .models import (
    MAX_TOPICS,
    AktenzeichenCounter,
    AktenzeichenRecord,
    Case,
    CaseLink,
    Customer,
    FilePlanEntry,
    Forwarding,
    Topic,
)

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
RETENTION_YEARS = 10
MAX_SUBJECT = 300
MAX_TEXT = 50_000


class ConflictError(Exception):
    """The case changed since the user loaded it; their edit is refused, not applied."""

    def __init__(self, case: Case | None = None) -> None:
        super().__init__(
            "Der Fall wurde inzwischen von jemand anderem geändert. Bitte laden Sie ihn neu "
            "und wiederholen Sie Ihre Änderung."
        )
        self.case = case


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


# --- building blocks ------------------------------------------------------------------


def plan_number_for(jobcenter: Jobcenter, kind: str) -> str:
    """The file plan number a kind is filed under (R-A1), from the Jobcenter's plan."""
    entries = list(
        FilePlanEntry.objects.filter(jobcenter=jobcenter).values("number", "kinds", "is_default")
    )
    if not entries:
        entries = [
            {"number": number, "kinds": kinds, "is_default": number == az.DEFAULT_PLAN_NUMBER}
            for number, _title, kinds in az.DEFAULT_FILE_PLAN
        ]
    for entry in entries:
        if kind in (entry["kinds"] or []):
            return entry["number"]
    for entry in entries:
        if entry["is_default"]:
            return entry["number"]
    return az.DEFAULT_PLAN_NUMBER


def draw_aktenzeichen(*, jobcenter: Jobcenter, plan_number: str, year: int) -> az.Aktenzeichen:
    """The next number for plan number and year: gap-free, safe under concurrency.

    The counter row is updated in the caller's transaction, so it stays locked until
    commit and a rollback returns the number. Must run inside transaction.atomic().
    """
    counters = AktenzeichenCounter.objects.filter(
        jobcenter=jobcenter, plan_number=plan_number, year=year
    )
    if not counters.update(last_number=F("last_number") + 1):
        # First number of the year: create the row; a concurrent creator wins, we wait.
        AktenzeichenCounter.objects.bulk_create(
            [AktenzeichenCounter(jobcenter=jobcenter, plan_number=plan_number, year=year)],
            ignore_conflicts=True,
        )
        counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return az.Aktenzeichen(plan_number, year, number)


def _assign_aktenzeichen(case: Case) -> str:
    plan = plan_number_for(case.jobcenter, case.kind)
    value = draw_aktenzeichen(
        jobcenter=case.jobcenter, plan_number=plan, year=case.received_on.year
    )
    case.aktenzeichen = str(value)
    case.plan_number = plan
    return case.aktenzeichen


def _record_aktenzeichen(case: Case) -> None:
    parsed = az.parse(case.aktenzeichen)
    assert parsed is not None
    AktenzeichenRecord.objects.create(
        jobcenter_id=case.jobcenter_id,
        case=case,
        aktenzeichen=case.aktenzeichen,
        plan_number=parsed.plan,
        year=parsed.year,
        number=parsed.number,
    )


def _apply_deadlines(case: Case, calendar: WorkdayCalendar | None = None) -> None:
    jobcenter = case.jobcenter
    result = deadlines.compute(
        kind=case.kind,
        channel=case.channel,
        received_on=case.received_on,
        calendar=calendar or jobcenter.workday_calendar(),
        acknowledgement_workdays=jobcenter.acknowledgement_workdays,
        completion_workdays=jobcenter.completion_workdays,
    )
    case.acknowledgement_due = result.acknowledgement
    case.completion_due = result.completion
    case.next_due = case.compute_next_due()


def _set_status(case: Case, status: str) -> None:
    case.status = status
    case.is_open = status in workflow.OPEN_STATUSES
    case.next_due = case.compute_next_due()


def _transition(case: Case, name: str, *, actor: User, data: dict | None = None) -> None:
    transition = workflow.TRANSITIONS[name]
    try:
        workflow.check(transition, case, access_for(actor))
    except PermissionError:
        raise PermissionDenied("Sie dürfen diesen Schritt nicht ausführen.") from None
    except workflow.TransitionNotAllowed as exc:
        raise ValidationError(str(exc)) from None
    old = case.status
    _set_status(case, transition.target)
    record(
        case=case,
        type=EventType.CASE_TRANSITION,
        actor=actor,
        data={"transition": name, "status": {"alt": old, "neu": case.status}, **(data or {})},
    )


def snapshot(case: Case) -> dict[str, Any]:
    """The user-editable data of a case, for change records."""
    customer = getattr(case, "customer", None) if case.pk else None
    return {
        "kind": case.kind,
        "channel": case.channel,
        "received_at": case.received_at.isoformat() if case.received_at else None,
        "subject": case.subject,
        "text": case.text,
        "org_unit": case.org_unit.code if case.org_unit_id else None,
        "staff_concerned": case.staff_concerned.username if case.staff_concerned_id else None,
        "topics": sorted(t.code for t in case.topics.all()) if case.pk else [],
        "escalation_level": case.escalation_level,
        "customer": customer.as_dict() if customer else None,
    }


# --- validation ------------------------------------------------------------------------


def _clean_received_at(value: dt.datetime | None, errors: dict) -> dt.datetime:
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


def _clean_texts(subject: str | None, text: str | None, errors: dict) -> tuple[str, str]:
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


def _clean_refs(
    *,
    jobcenter: Jobcenter,
    org_unit: OrgUnit | None,
    staff_concerned: User | None,
    topics: Iterable[Topic],
    escalation_level: int,
    errors: dict,
) -> list[Topic]:
    topics = list(dict.fromkeys(topics))
    if org_unit is not None and org_unit.jobcenter_id != jobcenter.pk:
        errors["org_unit"] = ["Unbekannte Organisationseinheit."]
    if staff_concerned is not None and staff_concerned.jobcenter_id != jobcenter.pk:
        errors["staff_concerned"] = ["Unbekannte/r Mitarbeiter/in."]
    if len(topics) > MAX_TOPICS:
        errors["topics"] = [f"Bitte höchstens {MAX_TOPICS} Themen angeben."]
    elif any(t.jobcenter_id != jobcenter.pk for t in topics):
        errors["topics"] = ["Unbekanntes Thema."]
    if escalation_level not in (1, 2, 3):
        errors["escalation_level"] = ["Die Eskalationsstufe ist 1, 2 oder 3."]
    return topics


def _clean_customer(data: Mapping[str, Any] | None, errors: dict) -> dict[str, str] | None:
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


def _check_quick_capture(
    kind: str, received_at: Any, staff_concerned: Any, escalation_level: int, errors: dict
) -> None:
    """What a staff member takes at the counter (R-W1.1): a complaint, praise or a
    suggestion, now; everything else is the KRM-B's registration."""
    if kind not in QUICK_CAPTURE_KINDS:
        errors["kind"] = ["In der Schnellerfassung nur Beschwerde, Lob oder Anregung."]
    if received_at is not None or staff_concerned is not None or escalation_level != 1:
        raise PermissionDenied(
            "Eingang, betroffene Person und Eskalationsstufe legt die KRM-Beauftragte fest."
        )


def _check_choices(kind: str | None, channel: str | None, errors: dict) -> None:
    if kind is not None and kind not in Kind.values:
        errors["kind"] = ["Unbekannte Art."]
    if channel is not None and channel not in Channel.values:
        errors["channel"] = ["Unbekannter Eingangsweg."]


# --- services ----------------------------------------------------------------------------


def register_case(
    *,
    actor: User,
    kind: str,
    channel: str,
    subject: str,
    text: str = "",
    received_at: dt.datetime | None = None,
    org_unit: OrgUnit | None = None,
    staff_concerned: User | None = None,
    topics: Iterable[Topic] = (),
    customer: Mapping[str, Any] | None = None,
    escalation_level: int = 1,
    forwarding_recipient: str = "",
    forwarding_note: str = "",
    quick_capture: bool = False,
) -> Case:
    """Register a customer reaction (R-W1.1, R-W2.1, R-A1, R-O1 … O4).

    Quick capture is open to every staff member; the full registration to the KRM-B.
    Out-of-scope kinds are registered as a forwarding so that nothing is lost.
    """
    allowed = permissions.can_capture(actor) if quick_capture else permissions.can_register(actor)
    if not allowed:
        raise PermissionDenied("Sie dürfen keine Kundenreaktionen erfassen.")
    jobcenter = actor.jobcenter
    errors: dict[str, Any] = {}
    _check_choices(kind, channel, errors)
    if quick_capture:
        _check_quick_capture(kind, received_at, staff_concerned, escalation_level, errors)
    subject, text = _clean_texts(subject, text, errors)
    received_at = _clean_received_at(received_at, errors)
    topic_list = _clean_refs(
        jobcenter=jobcenter,
        org_unit=org_unit,
        staff_concerned=staff_concerned,
        topics=topics,
        escalation_level=escalation_level,
        errors=errors,
    )
    customer_data = _clean_customer(customer, errors)
    forwarding_recipient = (forwarding_recipient or "").strip()
    if kind in Kind.values and not is_in_scope(kind) and not forwarding_recipient:
        forwarding_recipient = DEFAULT_FORWARDING_RECIPIENT[Kind(kind)]
    if errors:
        raise InvalidInput(errors)

    with transaction.atomic():
        case = Case(
            jobcenter=jobcenter,
            kind=kind,
            channel=channel,
            urgent=kind in URGENT,
            received_at=received_at,
            received_on=berlin_date(received_at),
            subject=subject,
            text=text,
            org_unit=org_unit,
            bereich=org_unit.bereich if org_unit else None,
            staff_concerned=staff_concerned,
            escalation_level=escalation_level,
            captured_by=actor,
        )
        _set_status(case, workflow.initial_status(kind))
        _apply_deadlines(case)
        _assign_aktenzeichen(case)
        case.save()
        case.topics.set(topic_list)
        if customer_data:
            Customer.objects.create(case=case, **customer_data)
        _record_aktenzeichen(case)
        record(
            case=case,
            type=EventType.CASE_REGISTERED,
            actor=actor,
            data={
                "aktenzeichen": case.aktenzeichen,
                "status": case.status,
                "erfassung": "Schnellerfassung" if quick_capture else "Registrierung",
                "fristen": {
                    "eingangsbestaetigung": case.acknowledgement_due,
                    "abschluss": case.completion_due,
                },
                **snapshot(case),
            },
        )
        if not is_in_scope(kind):
            _forward(case, actor=actor, recipient=forwarding_recipient, note=forwarding_note)
        search.reindex([case.pk])
    return case


def _forward(case: Case, *, actor: User, recipient: str, note: str) -> Forwarding:
    forwarding = Forwarding.objects.create(
        case=case,
        recipient=recipient,
        forwarded_at=timezone.now(),
        forwarded_by=actor,
        note=note,
    )
    record(
        case=case,
        type=EventType.CASE_FORWARDED,
        actor=actor,
        data={"an": recipient, "bemerkung": note},
    )
    return forwarding


def _lock(case: Case, expected_version: int) -> Case:
    """Re-read the case under a row lock and refuse a stale edit."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("jobcenter", "org_unit", "staff_concerned")
        .get(pk=case.pk)
    )
    if locked.version != expected_version:
        raise ConflictError(locked)
    return locked


class _NothingChanged(Exception):
    """Rolls back an edit that changed nothing."""


def _lock_free(case_id: int) -> Case:
    return Case.objects.select_related("jobcenter").get(pk=case_id)


def _save(case: Case) -> None:
    case.version += 1
    case.save()


# What update_case changes: these fields as they are, plus received_at, topics, customer.
PLAIN_FIELDS = ("channel", "subject", "text", "org_unit", "staff_concerned", "escalation_level")
UPDATABLE = frozenset({*PLAIN_FIELDS, "received_at", "topics", "customer"})


def update_case(
    *, actor: User, case: Case, expected_version: int, changes: Mapping[str, Any]
) -> Case:
    """Change a case's data; refused when someone else changed it meanwhile (version)."""
    if not permissions.can_change(actor, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    try:
        with transaction.atomic():
            case = _lock(case, expected_version)
            before = snapshot(case)
            errors: dict[str, Any] = {}
            _check_choices(None, changes.get("channel"), errors)
            _clean_texts(
                changes.get("subject", case.subject), changes.get("text", case.text), errors
            )
            level = changes.get("escalation_level", case.escalation_level)
            if isinstance(level, int) and level > case.escalation_level + 1:
                # R-W1.2: TL, then BL, then GF; a case never jumps straight to the GF.
                errors["escalation_level"] = ["Die Eskalationsstufe steigt nur um eine Stufe."]
            received_at = case.received_at
            if "received_at" in changes:
                received_at = _clean_received_at(changes["received_at"] or case.received_at, errors)
            topic_list = _clean_refs(
                jobcenter=case.jobcenter,
                org_unit=changes.get("org_unit", case.org_unit),
                staff_concerned=changes.get("staff_concerned", case.staff_concerned),
                topics=changes.get("topics", case.topics.all()),
                escalation_level=changes.get("escalation_level", case.escalation_level),
                errors=errors,
            )
            customer_data = (
                _clean_customer(changes["customer"], errors) if "customer" in changes else None
            )
            if errors:
                raise InvalidInput(errors)

            for name in PLAIN_FIELDS:
                if name in changes:
                    value = changes[name]
                    setattr(case, name, value.strip() if isinstance(value, str) else value)
            case.bereich = case.org_unit.bereich if case.org_unit else None
            old_year, old_aktenzeichen = case.received_on.year, case.aktenzeichen
            case.received_at = received_at
            case.received_on = berlin_date(received_at)
            _apply_deadlines(case)
            renumbered = case.received_on.year != old_year
            if renumbered:
                _assign_aktenzeichen(case)
            _save(case)
            if "topics" in changes:
                case.topics.set(topic_list)
            if "customer" in changes:
                if customer_data:
                    Customer.objects.update_or_create(case=case, defaults=customer_data)
                else:
                    Customer.objects.filter(case=case).delete()
                case._state.fields_cache.pop("customer", None)  # re-read for the record
            if renumbered:
                _record_aktenzeichen(case)
            changed = diff(before, snapshot(case))
            if not changed:
                raise _NothingChanged
            data: dict[str, Any] = {"aenderungen": changed}
            if renumbered:
                data["aktenzeichen"] = {"alt": old_aktenzeichen, "neu": case.aktenzeichen}
            record(case=case, type=EventType.CASE_UPDATED, actor=actor, data=data)
            search.reindex([case.pk])
    except _NothingChanged:
        # Nothing to record: the version stays, so that no one else's edit is refused.
        return _lock_free(case.pk)
    return case


def correct_kind(
    *,
    actor: User,
    case: Case,
    expected_version: int,
    kind: str,
    forwarding_recipient: str = "",
    note: str = "",
) -> Case:
    """Correct the kind (R-K10): the case moves to the plan number of its new kind with a
    new Aktenzeichen (the old one stays in the history and in search); a kind outside the
    KRM forwards the case, one inside takes it back."""
    if not permissions.can_change(actor, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    errors: dict[str, Any] = {}
    _check_choices(kind, None, errors)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        case = _lock(case, expected_version)
        if kind == case.kind:
            raise ValidationError({"kind": ["Der Fall hat bereits diese Art."]})
        if case.status == workflow.Status.ABGESCHLOSSEN:
            raise ValidationError(
                {"kind": ["Ein abgeschlossener Fall muss erst wieder eröffnet werden."]}
            )
        old_kind, old_aktenzeichen = case.kind, case.aktenzeichen
        case.kind = kind
        case.urgent = kind in URGENT
        new_plan = plan_number_for(case.jobcenter, kind)
        if new_plan != case.plan_number:
            _assign_aktenzeichen(case)
        _apply_deadlines(case)
        was_in_scope = is_in_scope(old_kind)
        if was_in_scope and not is_in_scope(kind):
            _transition(case, "weiterleiten", actor=actor)
        elif not was_in_scope and is_in_scope(kind):
            _transition(case, "wiedereroeffnen", actor=actor)
        _save(case)
        if case.aktenzeichen != old_aktenzeichen:
            _record_aktenzeichen(case)
        record(
            case=case,
            type=EventType.CASE_KIND_CORRECTED,
            actor=actor,
            data={
                "kind": {"alt": old_kind, "neu": kind},
                "aktenzeichen": {"alt": old_aktenzeichen, "neu": case.aktenzeichen},
                "bemerkung": note,
            },
        )
        if was_in_scope and not is_in_scope(kind):
            recipient = forwarding_recipient.strip() or DEFAULT_FORWARDING_RECIPIENT[Kind(kind)]
            _forward(case, actor=actor, recipient=recipient, note=note)
        search.reindex([case.pk])
    return case


def record_acknowledgement(
    *, actor: User, case: Case, expected_version: int, sent_at: dt.datetime | None = None
) -> Case:
    """Record that the Eingangsbestätigung went out (R-W2.4); its deadline stops."""
    if not permissions.can_change(actor, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    errors: dict[str, Any] = {}
    sent_at = _clean_received_at(sent_at, errors)
    if errors:
        raise ValidationError({"sent_at": errors["received_at"]})
    with transaction.atomic():
        case = _lock(case, expected_version)
        if not is_in_scope(case.kind):
            raise ValidationError("Für Fälle außerhalb des KRM gibt es keine Eingangsbestätigung.")
        if case.acknowledged_at:
            raise ValidationError("Die Eingangsbestätigung ist bereits erfasst.")
        if sent_at < case.received_at - FUTURE_TOLERANCE:
            raise ValidationError(
                {"sent_at": ["Die Bestätigung kann nicht vor dem Eingang versandt sein."]}
            )
        case.acknowledged_at = sent_at
        case.next_due = case.compute_next_due()
        _save(case)
        record(case=case, type=EventType.CASE_ACKNOWLEDGED, actor=actor, data={"versandt": sent_at})
    return case


def close_case(
    *,
    actor: User,
    case: Case,
    expected_version: int,
    outcome: str,
    closed_at: dt.datetime | None = None,
) -> Case:
    """Record the outcome and close the case ("austragen", R-W2.9); deadlines stop."""
    if not permissions.can_change(actor, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": ["Bitte ein Ergebnis wählen."]})
    with transaction.atomic():
        case = _lock(case, expected_version)
        case.closed_at = closed_at or timezone.now()
        case.outcome = outcome
        _transition(case, "abschliessen", actor=actor, data={"ergebnis": outcome})
        _save(case)
    return case


def reopen_case(*, actor: User, case: Case, expected_version: int, reason: str = "") -> Case:
    """Take a closed case up again: outcome and closing date are cleared, deadlines run."""
    if not permissions.can_change(actor, case):
        raise PermissionDenied("Sie dürfen diesen Fall nicht ändern.")
    with transaction.atomic():
        case = _lock(case, expected_version)
        previous = {"ergebnis": case.outcome, "abgeschlossen": case.closed_at}
        case.closed_at = None
        case.outcome = ""
        _transition(case, "wiedereroeffnen", actor=actor, data={"grund": reason, **previous})
        _save(case)
    return case


def link_cases(*, actor: User, case: Case, other: Case, note: str = "") -> CaseLink:
    """Link two cases that belong together, e.g. a complaint and a Widerspruch (R-K9)."""
    if not (permissions.can_change(actor, case) and permissions.can_change(actor, other)):
        raise PermissionDenied("Sie dürfen diese Fälle nicht verknüpfen.")
    if case.pk == other.pk:
        raise ValidationError({"other": ["Ein Fall kann nicht mit sich selbst verknüpft werden."]})
    first, second = sorted((case, other), key=lambda c: c.pk)
    with transaction.atomic():
        link, created = CaseLink.objects.get_or_create(
            first=first, second=second, defaults={"note": note.strip(), "created_by": actor}
        )
        if not created:
            raise ValidationError({"other": ["Die Fälle sind bereits verknüpft."]})
        for a, b in ((case, other), (other, case)):
            record(
                case=a,
                type=EventType.CASE_LINKED,
                actor=actor,
                data={"mit": b.aktenzeichen, "mit_id": b.pk, "bemerkung": note},
            )
    return link


def unlink_cases(*, actor: User, link: CaseLink) -> None:
    if not (
        permissions.can_change(actor, link.first) and permissions.can_change(actor, link.second)
    ):
        raise PermissionDenied("Sie dürfen diese Verknüpfung nicht lösen.")
    with transaction.atomic():
        for a, b in ((link.first, link.second), (link.second, link.first)):
            record(
                case=a,
                type=EventType.CASE_UNLINKED,
                actor=actor,
                data={"mit": b.aktenzeichen, "mit_id": b.pk},
            )
        link.delete()


def recompute_deadlines(*, actor: User, jobcenter: Jobcenter, reason: str) -> int:
    """After closure days or deadline lengths changed (R-Q6): the open cases' deadlines
    anew, each change recorded. Returns how many cases changed."""
    calendar = jobcenter.workday_calendar()
    changed = 0
    with transaction.atomic():
        open_cases = Case.objects.select_for_update(of=("self",)).filter(
            jobcenter=jobcenter, is_open=True
        )
        for case in open_cases.iterator(chunk_size=2000):
            case.jobcenter = jobcenter
            before = {
                "eingangsbestaetigung": case.acknowledgement_due,
                "abschluss": case.completion_due,
            }
            _apply_deadlines(case, calendar)
            after = {
                "eingangsbestaetigung": case.acknowledgement_due,
                "abschluss": case.completion_due,
            }
            if after == before:
                continue
            case.version += 1
            case.save(
                update_fields=[
                    "acknowledgement_due",
                    "completion_due",
                    "next_due",
                    "version",
                    "updated_at",
                ]
            )
            record(
                case=case,
                type=EventType.CASE_DEADLINES_RECOMPUTED,
                actor=actor,
                data={"grund": reason, "fristen": diff(before, after)},
            )
            changed += 1
    return changed
