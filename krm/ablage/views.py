"""The Ablage (R-A1 … A5): the file store by plan number and year, a case's folder with
every document and version, the dossier export, the hand-over to the E-Akte. Only the
KRM-B, the Vertretung and the Führungskräfte open it (R-A3), each only the cases whose
documents they may open."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from krm.accounts.access import Access, access_for
from krm.accounts.client_ip import client_ip
from krm.accounts.roles import Role
from krm.audit.models import EventType, ReadEvent
from krm.audit.services import log_reads, record
from krm.cases import permissions as case_permissions
from krm.cases.models import Case
from krm.documents.models import Document
from krm.documents.views import file_response
from krm.jobcenters.models import FilePlanEntry
from krm.lib.keys import ids_from

from . import dossier, handover

ABLAGE_ROLES = (Role.KRMB, Role.VERTRETUNG, Role.GF, Role.LGF, Role.BL, Role.TL)
PAGE_SIZE = 25
REPORTS_PLAN = "II-6004"


def _access(request: HttpRequest) -> Access:
    access = access_for(request.user)
    if access.jobcenter_id is None or not access.has(*ABLAGE_ROLES):
        raise PermissionDenied(
            "Die Ablage öffnen nur die KRM-Beauftragten, ihre Vertretung und die Führungskräfte."
        )
    return access


def _case(request: HttpRequest, case_id: int) -> Case:
    access = _access(request)
    rule = case_permissions.documents_visibility(access).q(contents_only=True)
    case = (
        Case.objects.filter(rule, pk=case_id)
        .select_related("jobcenter", "org_unit", "customer")
        .first()
        if rule is not None
        else None
    )
    if case is None:
        raise Http404("Fall nicht gefunden")
    return case


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    plans = list(FilePlanEntry.objects.filter(jobcenter_id=access.jobcenter_id).order_by("number"))
    numbers = [p.number for p in plans]
    plan = request.GET.get("plan") or (numbers[1] if len(numbers) > 1 else numbers[0])
    if plan not in numbers:
        raise Http404("Diese Aktenplannummer gibt es nicht.")
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("jahr") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year)
    rule = case_permissions.documents_visibility(access).q(contents_only=True)
    cases = (
        Case.objects.filter(rule, plan_number=plan, received_on__year=year)
        .select_related("org_unit")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.filter(is_current=True).order_by("created_at", "id"),
            )
        )
        .order_by("aktenzeichen")
        if rule is not None
        else Case.objects.none()
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ablage/index.html",
        {
            "plans": plans,
            "plan": plan,
            "year": year,
            "years": list(range(this_year, this_year - 12, -1)),
            "page": page,
            "reports_plan": plan == REPORTS_PLAN,
            "querystring": urlencode({"plan": plan, "jahr": year}),
        },
    )


@login_required
def folder(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    log_reads(
        user=request.user, case_ids=[case.pk], via=ReadEvent.Via.PAGE, address=client_ip(request)
    )
    documents = list(
        Document.objects.filter(case=case).select_related("created_by").order_by("created_at", "id")
    )
    return render(
        request,
        "ablage/folder.html",
        {
            "case": case,
            "current": [d for d in documents if d.is_current],
            "older": [d for d in documents if not d.is_current],
            "may_hand_over": access_for(request.user).acts_as_krmb,
        },
    )


@login_required
def export(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    data = dossier.build(dossier.load(case.pk), user=request.user)
    record(type=EventType.CASE_EXPORTED, actor=request.user, case=case, data={})
    ReadEvent.objects.create(
        case=case, user=request.user, via=ReadEvent.Via.DOCUMENT, address=client_ip(request)
    )
    stamp = timezone.localdate().isoformat()
    return file_response(
        data, filename=f"Akte_{case.aktenzeichen}_{stamp}.pdf", content_type="application/pdf"
    )


@login_required
@require_POST
def hand_over(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    if not access_for(request.user).acts_as_krmb:
        raise PermissionDenied("Die Übergabe an die E-Akte veranlassen die KRM-Beauftragten.")
    ids = ids_from(request.POST.getlist("dokument"))
    documents = list(
        Document.objects.filter(case=case, pk__in=ids, is_current=True).order_by("created_at", "id")
    )
    if not documents:
        messages.error(request, "Bitte wählen Sie mindestens ein Dokument für die E-Akte aus.")
        return redirect("ablage:folder", case_id=case.pk)
    data = handover.hand_over(case, documents, actor=request.user)
    ReadEvent.objects.bulk_create(
        ReadEvent(
            case=case,
            user=request.user,
            via=ReadEvent.Via.DOCUMENT,
            address=client_ip(request),
            document_id=document.pk,
        )
        for document in documents
    )
    return file_response(
        data,
        filename=f"E-Akte_{case.aktenzeichen}.zip",
        content_type="application/zip",
    )
