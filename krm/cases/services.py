"""What users do with cases. Each service checks the permission, runs in one transaction,
writes its audit event and keeps the search index current. Views, API and commands call
these; none of them repeats their rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from krm.accounts.access import Access, access_for
from krm.accounts.models import OrgUnit, User
from krm.audit.models import EventType
from krm.audit.personal import Personal
from krm.audit.services import diff, record
from krm.jobcenters.models import Jobcenter
from krm.lib.workdays import WorkdayCalendar, berlin_date

from . import deadlines, numbering, permissions, search, validation, workflow
from .kinds import (
    DEFAULT_FORWARDING_RECIPIENT,
    URGENT,
    Channel,
    Kind,
    SenderType,
    is_in_scope,
)
from .models import (
    Case,
    CaseLink,
    Customer,
    Forwarding,
    Task,
    Topic,
)
from .signals import step_taken, tasks_created


class ConflictError(Exception):
    """The case changed since the user loaded it; their edit is refused, not applied."""

    def __init__(self, case: Case | None = None) -> None:
        super().__init__(
            "Der Fall wurde inzwischen von jemand anderem geändert. Bitte laden Sie ihn neu "
            "und wiederholen Sie Ihre Änderung."
        )
        self.case = case


# --- building blocks ------------------------------------------------------------------


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


def _renumber(case: Case) -> None:
    """After a change of kind: the plan number (and Aktenzeichen) and deadlines of the new
    kind (R-K10); the caller records the new Aktenzeichen once the case is saved."""
    case.urgent = case.kind in URGENT
    if numbering.plan_number_for(case.jobcenter, case.kind) != case.plan_number:
        numbering.assign_aktenzeichen(case)
    _apply_deadlines(case)


def _set_status(case: Case, status: str) -> None:
    case.status = status
    case.is_open = status in workflow.OPEN_STATUSES
    case.next_due = case.compute_next_due()


def _internal_transition(case: Case, name: str, *, actor: User, data: dict | None = None) -> None:
    """A status change another service makes (kind correction), checked by the table."""
    transition = workflow.TRANSITIONS[name]
    access = access_for(actor)
    try:
        workflow.check(transition, case, access)
    except PermissionError:
        raise PermissionDenied("Sie dürfen diesen Schritt nicht ausführen.") from None
    except workflow.TransitionNotAllowed as exc:
        raise ValidationError(str(exc)) from None
    old = case.status
    _set_status(case, transition.target)
    _sync_tasks(case, _step_for(case, actor, access, transition), state_changed=True)
    record(
        case=case,
        type=EventType.CASE_TRANSITION,
        actor=actor,
        data={"transition": name, "status": {"alt": old, "neu": case.status}, **(data or {})},
    )


def _step_for(
    case: Case,
    actor: User,
    access: Access,
    transition: workflow.Transition | None,
    data: dict | None = None,
) -> workflow.Step:
    return workflow.Step(
        transition=transition,
        case=case,
        actor=actor,
        access=access,
        data=data or {},
        today=timezone.localdate(),
        calendar=case.jobcenter.workday_calendar(),
    )


def _task(case: Case, holder: workflow.Holder, **fields: Any) -> Task:
    return Task(
        case=case,
        jobcenter_id=case.jobcenter_id,
        assignee=holder.user,
        role=holder.role,
        unit=holder.unit,
        who=holder.who,
        round=case.escalation_level,
        created_at=timezone.now(),
        **fields,
    )


def _sync_tasks(case: Case, step: workflow.Step, *, state_changed: bool) -> None:
    """The case's tasks after a step: the state's task anew when the state (or who acts in
    it) changed; the step's copies and extra tasks; none left open on a closed case."""
    now = timezone.now()
    open_tasks = Task.objects.open().filter(case=case, kind=Task.Kind.AKTION)
    new: list[Task] = []
    if state_changed or step.refresh_tasks:
        open_tasks.filter(step__in=workflow.Status.values).update(done_at=now, done_by=step.actor)
        state = workflow.STATES.get(case.status)
        if state is None:
            case.step_due, case.acting = None, ""
        else:
            holders = state.holders(case)
            case.step_due = state.due(step)
            case.acting = ", ".join(h.who for h in holders)[:200]
            new += [
                _task(case, h, step=case.status, label=state.todo_for(case), due=case.step_due)
                for h in holders
            ]
    if case.status in workflow.CLOSED_STATUSES:
        open_tasks.update(done_at=now, done_by=step.actor)
    elif step.completes:
        open_tasks.filter(step__in=step.completes).update(done_at=now, done_by=step.actor)
    new += [
        _task(case, holder, kind=Task.Kind.KENNTNIS, step="kenntnis", label=label[:200])
        for holder, label in step.informs
    ]
    if case.status not in workflow.CLOSED_STATUSES:
        new += [
            _task(case, holder, step=name, label=label, due=due)
            for holder, name, label, due in step.extra_tasks
        ]
    Task.objects.bulk_create(new)
    if new:
        tasks_created.send(sender=Case, case=case, tasks=new, actor=step.actor)


class StepRefused(Exception):
    """Not possible in the case's state, or its guard refuses (HTTP 409)."""


def take_step(
    *,
    actor: User,
    case: Case,
    name: str,
    data: Mapping[str, Any] | None = None,
    expected_version: int,
) -> Case:
    """Take a step of the route (workflow.TRANSITIONS) for the UI, the API and commands
    alike: lock the case; refuse whom the table does not allow (PermissionDenied), a stale
    version (ConflictError), a step the state or its guard refuses (StepRefused) and bad
    data (workflow.StepDataError, per field); then apply its effect, move the status, renew
    the tasks and record the step. Whatever is refused changes nothing."""
    transition = workflow.TRANSITIONS.get(name) if isinstance(name, str) else None
    if transition is None or not transition.offered:
        raise workflow.StepDataError({"name": ["Unbekannter Schritt."]})
    access = access_for(actor)
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related(
                "jobcenter", "org_unit", "bereich", "staff_concerned", "handler", "delegate"
            )
            .filter(pk=case.pk)
            .first()
        )
        if locked is None or not permissions.visibility_for(access).sees_contents(locked):
            raise PermissionDenied("Sie dürfen diesen Fall nicht bearbeiten.")
        try:
            workflow.check(transition, locked, access)
        except PermissionError:
            raise PermissionDenied("Sie dürfen diesen Schritt nicht ausführen.") from None
        except workflow.TransitionNotAllowed as exc:
            if locked.version != expected_version:
                raise ConflictError(locked) from None
            raise StepRefused(str(exc)) from None
        if locked.version != expected_version:
            raise ConflictError(locked)
        cleaned = workflow.clean(transition, locked, data if data is not None else {})
        step = _step_for(locked, actor, access, transition, cleaned)
        old = locked.status
        try:
            transition.effect(step)
        except workflow.DataError as exc:
            raise workflow.StepDataError({exc.field: [exc.message]}) from None
        except workflow.Refused as exc:
            raise StepRefused(str(exc)) from None
        old_aktenzeichen = locked.aktenzeichen
        if step.kind_changed:
            _renumber(locked)
        if transition.target is not None:
            _set_status(locked, transition.target)
        _sync_tasks(locked, step, state_changed=transition.target is not None)
        locked.next_due = locked.compute_next_due()
        _save(locked)
        if locked.aktenzeichen != old_aktenzeichen:
            numbering.record_aktenzeichen(locked)
            step.record["aktenzeichen"] = {"alt": old_aktenzeichen, "neu": locked.aktenzeichen}
        event: dict[str, Any] = {"schritt": transition.name}
        if old != locked.status:
            event["status"] = {"alt": old, "neu": locked.status}
        record(
            case=locked,
            type=transition.event or EventType.CASE_STEP,
            actor=actor,
            data={**event, **step.record},
        )
        step_taken.send(sender=Case, case=locked, step=transition.name, actor=actor, data=cleaned)
    return locked


def mark_read(*, actor: User, task: Task) -> None:
    """A task "zur Kenntnis" is done with one click by the person (or role) it is for."""
    access = access_for(actor)
    held = workflow.holds(access, user_id=task.assignee_id, role=task.role, unit_id=task.unit_id)
    if task.kind != Task.Kind.KENNTNIS or not held:
        raise PermissionDenied("Diese Aufgabe ist nicht für Sie.")
    with transaction.atomic():
        updated = (
            Task.objects.open().filter(pk=task.pk).update(done_at=timezone.now(), done_by=actor)
        )
        if updated:
            record(
                case=task.case,
                type=EventType.TASK_DONE,
                actor=actor,
                data={"aufgabe": task.label},
            )


def snapshot(case: Case) -> dict[str, Any]:
    """The user-editable data of a case, for change records; personal values marked, so
    that they can be erased from the record later (GDPR art. 16, 17)."""
    customer = getattr(case, "customer", None) if case.pk else None
    return {
        "kind": case.kind,
        "channel": case.channel,
        "received_at": case.received_at.isoformat() if case.received_at else None,
        "subject": Personal(case.subject, "subject"),
        "text": Personal(case.text, "text"),
        "org_unit": case.org_unit.code if case.org_unit_id else None,
        "staff_concerned": case.staff_concerned.username if case.staff_concerned_id else None,
        "topics": sorted(t.code for t in case.topics.all()) if case.pk else [],
        "escalation_level": case.escalation_level,
        "customer": {
            name: Personal(value, f"customer.{name}") for name, value in customer.as_dict().items()
        }
        if customer
        else None,
    }


def personal_note(text: str) -> Personal:
    """Free text on a step (a note, a reason): it may name people."""
    return Personal(text, "notes")


# --- validation ------------------------------------------------------------------------


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
    sender_type: str = SenderType.KUNDE,
    requires_gf: bool = False,
    same_day_handled: bool | None = None,
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
    validation.check_choices(kind, channel, errors)
    if quick_capture:
        validation.check_quick_capture(
            kind, channel, received_at, staff_concerned, escalation_level, errors
        )
    subject, text = validation.clean_texts(subject, text, errors)
    received_at = validation.clean_received_at(received_at, errors)
    topic_list = validation.clean_refs(
        jobcenter=jobcenter,
        org_unit=org_unit,
        staff_concerned=staff_concerned,
        topics=topics,
        escalation_level=escalation_level,
        errors=errors,
    )
    customer_data = validation.clean_customer(customer, errors)
    validation.check_registration_rules(
        kind=kind,
        channel=channel,
        escalation_level=escalation_level,
        sender_type=sender_type,
        same_day_handled=same_day_handled,
        errors=errors,
    )
    forwarding_recipient = (forwarding_recipient or "").strip()
    if kind in Kind.values and not is_in_scope(kind) and not forwarding_recipient:
        forwarding_recipient = DEFAULT_FORWARDING_RECIPIENT[Kind(kind)]
    if errors:
        raise validation.InvalidInput(errors)

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
            sender_type=sender_type,
            requires_gf=requires_gf,
            same_day_handled=same_day_handled if channel == Channel.VORZIMMER else None,
        )
        _set_status(case, workflow.initial_status(kind))
        _apply_deadlines(case)
        numbering.assign_aktenzeichen(case)
        case.save()
        case.topics.set(topic_list)
        if customer_data:
            Customer.objects.create(case=case, **customer_data)
        numbering.record_aktenzeichen(case)
        _sync_tasks(case, _step_for(case, actor, access_for(actor), None), state_changed=True)
        case.save(update_fields=["step_due", "acting"])
        record(
            case=case,
            type=EventType.CASE_REGISTERED,
            actor=actor,
            starts_chain=True,
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


def register_incoming(
    *,
    jobcenter: Jobcenter,
    subject: str,
    text: str,
    received_at: dt.datetime,
    customer: Mapping[str, Any] | None = None,
    channel: str = Channel.EMAIL,
    source: str = "",
) -> Case:
    """A reaction krm read itself (a mail from a mailbox, R-W3.1): registered without a
    staff member, in the Posteingang, where the KRM-B completes it. Never refused: what
    does not fit is cut to fit (the original stays with the case as a document)."""
    subject = " ".join((subject or "").split())
    if len(subject) > validation.MAX_SUBJECT:
        subject = subject[: validation.MAX_SUBJECT - 1] + "…"
    text = (text or "").replace("\x00", "").strip()
    if len(text) > validation.MAX_TEXT:
        text = text[: validation.MAX_TEXT - 80] + "\n\n[… gekürzt; vollständig im Original]"
    customer_data = _fitting_customer(customer)
    received_at = min(received_at, timezone.now())
    with transaction.atomic():
        case = Case(
            jobcenter=jobcenter,
            kind=Kind.BESCHWERDE,
            channel=channel,
            received_at=received_at,
            received_on=berlin_date(received_at),
            subject=subject or "(ohne Betreff)",
            text=text,
            captured_by=None,
        )
        _set_status(case, workflow.Status.POSTEINGANG)
        _apply_deadlines(case)
        numbering.assign_aktenzeichen(case)
        case.save()
        if customer_data:
            Customer.objects.create(case=case, **customer_data)
        numbering.record_aktenzeichen(case)
        step = workflow.Step(
            transition=None,
            case=case,
            actor=None,  # type: ignore[arg-type]
            access=None,  # type: ignore[arg-type]
            data={},
            today=timezone.localdate(),
            calendar=jobcenter.workday_calendar(),
        )
        _sync_tasks(case, step, state_changed=True)
        case.save(update_fields=["step_due", "acting"])
        record(
            case=case,
            type=EventType.CASE_REGISTERED,
            actor=None,
            starts_chain=True,
            data={
                "aktenzeichen": case.aktenzeichen,
                "status": case.status,
                "erfassung": source or "Postfach",
                "fristen": {
                    "eingangsbestaetigung": case.acknowledgement_due,
                    "abschluss": case.completion_due,
                },
                **snapshot(case),
            },
        )
        search.reindex([case.pk])
    return case


def _fitting_customer(data: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Customer data from outside (a mail's sender): each field kept only if it is valid,
    cut to its length; None if nothing is left."""
    cleaned: dict[str, str] = {}
    for name, value in (data or {}).items():
        if name not in Customer.FIELDS or not isinstance(value, str):
            continue
        value = " ".join(value.split())[: Customer._meta.get_field(name).max_length]
        try:
            Customer._meta.get_field(name).clean(value, None)
        except ValidationError:
            continue
        cleaned[name] = value
    return cleaned if any(cleaned.values()) else None


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
        data={"an": recipient, "bemerkung": personal_note(note)},
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
            validation.check_choices(None, changes.get("channel"), errors)
            validation.clean_texts(
                changes.get("subject", case.subject), changes.get("text", case.text), errors
            )
            level = changes.get("escalation_level", case.escalation_level)
            if isinstance(level, int) and level > case.escalation_level + 1:
                # R-W1.2: TL, then BL, then GF; a case never jumps straight to the GF.
                errors["escalation_level"] = ["Die Eskalationsstufe steigt nur um eine Stufe."]
            received_at = case.received_at
            if "received_at" in changes and not validation.same_minute(
                changes["received_at"], case.received_at
            ):
                received_at = validation.clean_received_at(
                    changes["received_at"] or case.received_at, errors
                )
            topic_list = validation.clean_refs(
                jobcenter=case.jobcenter,
                org_unit=changes.get("org_unit", case.org_unit),
                staff_concerned=changes.get("staff_concerned", case.staff_concerned),
                topics=changes.get("topics", case.topics.all()),
                escalation_level=changes.get("escalation_level", case.escalation_level),
                errors=errors,
                keep_unit=case.org_unit,
                keep_topics=case.topics.all(),
            )
            customer_data = (
                validation.clean_customer(changes["customer"], errors)
                if "customer" in changes
                else None
            )
            concerned = changes.get("staff_concerned", case.staff_concerned)
            if (
                case.kind == Kind.DIENSTAUFSICHTSBESCHWERDE
                and concerned is not None
                and concerned.pk in (case.handler_id, case.delegate_id)
            ):
                # R-K7: whoever handles a DAB is never the person it is about.
                errors["staff_concerned"] = [
                    "Wer die Dienstaufsichtsbeschwerde bearbeitet, kann nicht die betroffene "
                    "Person sein."
                ]
            if errors:
                raise validation.InvalidInput(errors)

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
                numbering.assign_aktenzeichen(case)
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
                numbering.record_aktenzeichen(case)
            changed = diff(before, snapshot(case))
            if not changed:
                raise _NothingChanged
            if case.is_open and {"org_unit", "staff_concerned"} & set(changed):
                # Who acts may change with the unit: the state's task goes to them.
                step = _step_for(case, actor, access_for(actor), None)
                step.refresh_tasks = True
                _sync_tasks(case, step, state_changed=False)
                case.save(update_fields=["acting", "step_due"])
            data: dict[str, Any] = {"aenderungen": changed}
            if renumbered:
                data["aktenzeichen"] = {"alt": old_aktenzeichen, "neu": case.aktenzeichen}
            record(case=case, type=EventType.CASE_UPDATED, actor=actor, data=data)
            search.reindex([case.pk])
    except _NothingChanged:
        # Nothing to record: the version stays, so that no one else's edit is refused.
        return _lock_free(case.pk)
    return case


@dataclass(frozen=True)
class Merge:
    """An edit made on an old version, merged with what a colleague saved meanwhile."""

    values: dict[str, Any]  # what to save: theirs where the user changed nothing
    theirs_changed: tuple[str, ...]  # the fields the colleague changed
    both_changed: tuple[str, ...]  # changed by both, differently: the user chooses


def merge_edit(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> Merge:
    """Three-way merge of an edit (issue 7): `base` what the user loaded, `mine` what they
    saved, `theirs` the case now. A field the user did not change keeps the colleague's
    value; one only the user changed takes the user's; one both changed differently is
    left for the user to choose (their value stays in `values` until they do)."""
    values: dict[str, Any] = {}
    theirs_changed, both = [], []
    for name, my_value in mine.items():
        old, their_value = base.get(name), theirs.get(name)
        if their_value != old:
            theirs_changed.append(name)
        if my_value == old:
            values[name] = their_value
        else:
            values[name] = my_value
            if their_value not in (old, my_value):
                both.append(name)
    return Merge(values, tuple(theirs_changed), tuple(both))


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
    validation.check_choices(kind, None, errors)
    if errors:
        raise validation.InvalidInput(errors)
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
        _renumber(case)
        was_in_scope = is_in_scope(old_kind)
        if was_in_scope and not is_in_scope(kind):
            _internal_transition(case, "weiterleiten", actor=actor)
        elif not was_in_scope and is_in_scope(kind):
            _internal_transition(case, "wiedereroeffnen", actor=actor)
        _save(case)
        if case.aktenzeichen != old_aktenzeichen:
            numbering.record_aktenzeichen(case)
        record(
            case=case,
            type=EventType.CASE_KIND_CORRECTED,
            actor=actor,
            data={
                "kind": {"alt": old_kind, "neu": kind},
                "aktenzeichen": {"alt": old_aktenzeichen, "neu": case.aktenzeichen},
                "bemerkung": personal_note(note),
            },
        )
        if was_in_scope and not is_in_scope(kind):
            recipient = forwarding_recipient.strip() or DEFAULT_FORWARDING_RECIPIENT[Kind(kind)]
            _forward(case, actor=actor, recipient=recipient, note=note)
        search.reindex([case.pk])
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
                data={"mit": b.aktenzeichen, "mit_id": b.pk, "bemerkung": personal_note(note)},
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
