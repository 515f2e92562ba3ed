"""Art. 15 GDPR: everything krm holds about a customer, for the customer, as one PDF.

The KRM-B finds the customer's cases (name, e-mail, customer number or Aktenzeichen),
chooses those that are really theirs and gets one PDF/A: each case with its data, its
timeline, its forwardings and linked cases, its documents, and who opened it when (the read
log, by function and unit: the staff's names are theirs). Issuing it is recorded in each
case's timeline and in the read log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone

from krm.accounts.models import RoleAssignment, User
from krm.audit.models import Event, EventType, ReadEvent
from krm.audit.services import log_reads, record
from krm.lib import aktenzeichen as az

from . import permissions, search, timeline
from .models import Case, CaseLink, Customer, Topic
from .selectors import mentions_in

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "krm" / "print" / "disclosure.css"
MAX_CASES = 200


@dataclass(frozen=True)
class Subject:
    """How the KRM-B names the customer."""

    name: str = ""
    email: str = ""
    customer_number: str = ""
    aktenzeichen: str = ""

    def __bool__(self) -> bool:
        return any((self.name, self.email, self.customer_number, self.aktenzeichen))

    def describe(self) -> list[str]:
        labels = {
            "name": "Name",
            "email": "E-Mail",
            "customer_number": "Kundennummer",
            "aktenzeichen": "Aktenzeichen",
        }
        return [
            f"{label}: {getattr(self, key)}" for key, label in labels.items() if getattr(self, key)
        ]


def may_disclose(user: User) -> bool:
    return permissions.can_register(user)  # the acting KRM-B


def find_cases(*, user: User, subject: Subject) -> QuerySet[Case]:
    """The cases the KRM-B may read whose customer matches every given criterion."""
    if not may_disclose(user):
        raise PermissionDenied("Nur die KRM-Beauftragte erteilt Auskunft.")
    cases = permissions.visible_cases(user, contents_only=True)
    if not subject:
        return cases.none()
    customers = Customer.objects.all()
    if subject.name:
        ids = search.matching_ids(subject.name, documents=False)  # indexed; then the name
        customers = customers.filter(case_id__in=ids) if ids is not None else customers.none()
        customers = customers.filter(name__icontains=subject.name.strip())
    if subject.email:
        customers = customers.annotate(email_lower=Lower("email")).filter(
            email_lower=subject.email.strip().lower()
        )
    if subject.customer_number:
        customers = customers.annotate(number_lower=Lower("customer_number")).filter(
            number_lower=subject.customer_number.strip().lower()
        )
    query = Q(pk__in=customers.values("case_id"))
    if subject.aktenzeichen:
        parsed = az.parse(subject.aktenzeichen)
        found = Q(aktenzeichen_records__aktenzeichen=str(parsed)) if parsed else Q(pk__in=[])
        query = (
            found
            if not (subject.name or subject.email or subject.customer_number)
            else query & found
        )
    return (
        cases.filter(query)
        .select_related("customer")
        .order_by("received_at", "id")
        .distinct()[:MAX_CASES]
    )


def _function_of(user: User | None, roles: dict[int, str]) -> str:
    """A member of staff by function and unit, not by name."""
    if user is None:
        return "krm (automatisch)"
    unit = f", {user.home_unit}" if user.home_unit_id else ""
    return f"{roles.get(user.pk, 'Mitarbeiter/in')}{unit}"


def build(
    *, user: User, case_ids: list[int], subject: Subject, address: str | None = None
) -> bytes:
    """The PDF/A of the chosen cases; records the disclosure in each case."""
    from weasyprint import CSS, HTML

    if not may_disclose(user):
        raise PermissionDenied("Nur die KRM-Beauftragte erteilt Auskunft.")
    cases = list(
        permissions.visible_cases(user, contents_only=True)
        .filter(pk__in=case_ids[:MAX_CASES])
        .select_related("org_unit", "customer", "jobcenter")
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.order_by("code")),
            Prefetch(
                "events",
                queryset=Event.objects.select_related("actor", "actor__home_unit").order_by("seq"),
            ),
            "forwardings",
            "aktenzeichen_records",
            "documents",  # krm/documents: listed, by title, date and type
        )
        .order_by("received_at", "id")
    )
    ids = [case.pk for case in cases]
    reads = list(
        ReadEvent.objects.filter(case_id__in=ids)
        .select_related("user", "user__home_unit")
        .order_by("case_id", "at")
    )
    events = [event for case in cases for event in case.events.all()]
    people = {e.actor for e in events if e.actor} | {r.user for r in reads} | {user}
    roles = {
        a.user_id: a.get_role_display()
        for a in RoleAssignment.objects.filter(user__in=people).order_by("role")
    }
    links = list(
        CaseLink.objects.filter(Q(first_id__in=ids) | Q(second_id__in=ids)).select_related(
            "first", "second"
        )
    )
    readable, unmentioned = mentions_in(
        user=user,
        events=events,
        also={link.first_id for link in links} | {link.second_id for link in links},
    )
    linked: dict[int, list[str]] = {}
    for link in links:
        # Only what the KRM-B reads herself: a DAB about her stays out of the answer.
        if link.second_id in readable:
            linked.setdefault(link.first_id, []).append(link.second.aktenzeichen)
        if link.first_id in readable:
            linked.setdefault(link.second_id, []).append(link.first.aktenzeichen)
    names = timeline.Names(user.jobcenter_id, events)

    def lines(event: Event) -> list[str]:
        # Colleagues' names are their personal data, not the customer's: functions only.
        return timeline.describe(event, names, visible_ids=readable, people=False).lines

    entries = [
        {
            "case": case,
            "former": [
                r.aktenzeichen
                for r in case.aktenzeichen_records.all()
                if r.aktenzeichen != case.aktenzeichen
            ],
            "events": [
                (event, _function_of(event.actor, roles), lines(event))
                for event in case.events.all()
                if event.data.get("mit_id") not in unmentioned
            ],
            "linked": linked.get(case.pk, []),
            "reads": [
                (read, _function_of(read.user, roles)) for read in reads if read.case_id == case.pk
            ],
        }
        for case in cases
    ]
    now = timezone.localtime()
    html = render_to_string(
        "cases/disclosure_pdf.html",
        {
            "entries": entries,
            "subject": subject,
            "jobcenter": user.jobcenter,
            "created_at": now,
            "created_by": _function_of(user, roles),
        },
    )
    pdf = HTML(string=html).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET))], pdf_variant="pdf/a-3a"
    )
    with transaction.atomic():
        for case in cases:
            record(
                case=case,
                type=EventType.CASE_DISCLOSED,
                actor=user,
                data={"faelle": len(cases)},
            )
        log_reads(user=user, case_ids=ids, via=ReadEvent.Via.DISCLOSURE, address=address)
    return pdf


def filename(now: dt.datetime | None = None) -> str:
    now = timezone.localtime(now)
    return f"Auskunft-Art15-{now:%Y-%m-%d-%H%M}.pdf"


def subject_from(data: dict[str, Any]) -> Subject:
    return Subject(
        name=(data.get("name") or "").strip(),
        email=(data.get("email") or "").strip(),
        customer_number=(data.get("customer_number") or "").strip(),
        aktenzeichen=(data.get("aktenzeichen") or "").strip(),
    )
