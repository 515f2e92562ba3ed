"""The logs, for those who watch over them: the security log (accounts, roles, deputies,
passwords, configuration) for the DSB and the KRM-B; the read log (who opened which case)
for the DSB, per case and per user."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from krm.accounts.access import Access, access_for
from krm.accounts.models import Approval, User
from krm.accounts.roles import Role
from krm.audit import personal
from krm.audit.models import Event, ReadEvent
from krm.cases.kinds import Kind
from krm.cases.models import AktenzeichenRecord
from krm.cases.permissions import never_shown_dabs_about
from krm.lib import aktenzeichen as az

PAGE_SIZE = 50


def _watcher(request: HttpRequest, *, krmb_too: bool) -> Access:
    access = access_for(request.user)
    allowed = access.has(Role.DSB) or (krmb_too and access.acts_as_krmb)
    if access.jobcenter_id is None or not allowed:
        raise PermissionDenied("Nur für die Datenschutzbeauftragte (und die KRM-Beauftragte).")
    return access


def security_lines(event: Event) -> list[str]:
    """An account or configuration event as readable lines."""
    data = personal.join(event.data, event.personal)
    lines = [f"{data.get('was', '')}: {data.get('aktion', '')}".strip(": ")]
    for label, change in (data.get("aenderungen") or {}).items():
        lines.append(f"{label}: {_shown(change.get('alt'))} → {_shown(change.get('neu'))}")
    for label, value in (data.get("werte") or {}).items():
        lines.append(f"{label}: {_shown(value)}")
    if "entscheidung" in data:
        lines.append(f"Entscheidung: {data['entscheidung']}")
    return [line for line in lines if line]


def _param(request: HttpRequest, name: str, limit: int) -> str:
    """A search field from the query string: trimmed, bounded, no control characters (a NUL
    would be refused by PostgreSQL)."""
    value = request.GET.get(name, "").strip()[:limit]
    return "".join(char for char in value if char.isprintable())


def _people(access: Access) -> Q:
    """The accounts of the Jobcenter and those of none (system accounts)."""
    return Q(jobcenter_id=access.jobcenter_id) | Q(jobcenter__isnull=True)


def _shown(value: object) -> str:
    if value is True:
        return "ja"
    if value is False:
        return "nein"
    return "–" if value in (None, "") else str(value)


@login_required
def security_log(request: HttpRequest) -> HttpResponse:
    access = _watcher(request, krmb_too=True)
    # The Jobcenter's log and that of accounts without a Jobcenter (created in the admin,
    # before one is chosen).
    events = (
        Event.objects.filter(chain__in=[f"jc:{access.jobcenter_id}", "system"])
        .select_related("actor", "subject_user")
        .order_by("-created_at", "-id")
    )
    username = _param(request, "benutzer", 150)
    person = None
    if username:
        person = User.objects.filter(_people(access), username=username).first()
        events = events.filter(subject_user=person) if person else events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    open_approvals = (
        Approval.objects.filter(
            Q(user__jobcenter_id=access.jobcenter_id) | Q(user__jobcenter__isnull=True),
            state=Approval.State.OPEN,
        )
        .select_related("user", "org_unit", "requested_by")
        .order_by("-requested_at")[:50]
    )
    return render(
        request,
        "oversight/security_log.html",
        {
            "title": "Sicherheitsprotokoll",
            "page": page,
            "rows": [(event, security_lines(event)) for event in page.object_list],
            "open_approvals": open_approvals,
            "username": username,
            "person": person,
            "querystring": urlencode({"benutzer": username}) if username else "",
        },
    )


@login_required
def read_log(request: HttpRequest) -> HttpResponse:
    """Who opened a case (by Aktenzeichen), or which cases a person opened (by username)."""
    access = _watcher(request, krmb_too=False)
    aktenzeichen = _param(request, "aktenzeichen", 40)
    username = _param(request, "benutzer", 150)
    # Never a DAB about the reader, or about whom the reader stands in for (docs/security.md):
    # as if it did not exist.
    concerned = never_shown_dabs_about(access)
    reads = ReadEvent.objects.exclude(
        case__kind=Kind.DIENSTAUFSICHTSBESCHWERDE, case__staff_concerned_id__in=concerned
    )
    subjects: list[str] = []
    errors: list[str] = []
    if aktenzeichen:
        parsed = az.parse(aktenzeichen)
        record = (
            AktenzeichenRecord.objects.filter(
                jobcenter_id=access.jobcenter_id, aktenzeichen=str(parsed)
            )
            .exclude(
                case__kind=Kind.DIENSTAUFSICHTSBESCHWERDE,
                case__staff_concerned_id__in=concerned,
            )
            .first()
            if parsed
            else None
        )
        if record is None:
            errors.append("Kein Fall mit diesem Aktenzeichen.")
        else:
            reads = reads.filter(case_id=record.case_id)
            subjects.append(f"Fall {parsed}")
    if username:
        person = User.objects.filter(_people(access), username=username).first()
        if person is None:
            errors.append("Keine Person mit diesem Benutzernamen.")
        else:
            reads = reads.filter(user=person)
            subjects.append(f"{person} ({person.username})")
    if errors or not subjects:
        reads = reads.none()
    page = Paginator(
        reads.select_related("user", "case")
        .only(
            "at",
            "via",
            "address",
            "user__username",
            "user__first_name",
            "user__last_name",
            "case__aktenzeichen",
        )
        .order_by("-at", "-id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in (("aktenzeichen", aktenzeichen), ("benutzer", username)) if v}
    )
    return render(
        request,
        "oversight/read_log.html",
        {
            "title": "Lesezugriffe",
            "page": page,
            "subject": " und ".join(subjects) if not errors else "",
            "error": " ".join(errors),
            "aktenzeichen": aktenzeichen,
            "username": username,
            "querystring": query,
        },
    )
