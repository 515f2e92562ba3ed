"""Retention for the KRM-B: the offers to the archive with their lists (PDF, CSV), the
archive's decisions, the packages, the deletion records."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from krm.accounts.access import access_for
from krm.audit.models import EventType
from krm.audit.services import record
from krm.documents import blobs
from krm.documents.views import file_response
from krm.lib.keys import ids_from

from . import services
from .models import ArchiveOffer, ArchivePackage, Decision, DeletionRecord, OfferedCase


def _krmb(request: HttpRequest) -> int:
    access = access_for(request.user)
    if access.jobcenter_id is None or not access.acts_as_krmb:
        raise PermissionDenied("Die Aufbewahrung verwalten die KRM-Beauftragten.")
    return access.jobcenter_id


def _offer(request: HttpRequest, offer_id: int) -> ArchiveOffer:
    jobcenter_id = _krmb(request)
    offer = ArchiveOffer.objects.filter(pk=offer_id, jobcenter_id=jobcenter_id).first()
    if offer is None:
        raise Http404("Anbietung nicht gefunden")
    return offer


@login_required
def index(request: HttpRequest) -> HttpResponse:
    jobcenter_id = _krmb(request)
    from krm.jobcenters.models import Jobcenter

    jobcenter = Jobcenter.objects.get(pk=jobcenter_id)
    work = services.plan(jobcenter, timezone.localdate())
    offers = list(ArchiveOffer.objects.filter(jobcenter_id=jobcenter_id)[:20])
    deletions = Paginator(DeletionRecord.objects.filter(jobcenter_id=jobcenter_id), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "retention/index.html",
        {"work": work, "offers": offers, "deletions": deletions, "jobcenter": jobcenter},
    )


@login_required
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = _offer(request, offer_id)
    cases = Paginator(offer.cases.select_related("case"), 100).get_page(request.GET.get("page"))
    packages = list(ArchivePackage.objects.filter(offer=offer))
    return render(
        request,
        "retention/offer.html",
        {
            "offer": offer,
            "cases": cases,
            "packages": packages,
            "decisions": Decision.choices,
            "package_days": settings.KRM_ARCHIVE_PACKAGE_DAYS,
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = _offer(request, offer_id)
    decision = request.POST.get("entscheidung", "")
    if decision not in Decision.values:
        messages.error(request, "Bitte wählen Sie „übernehmen“ oder „vernichten“.")
        return redirect("retention:offer", offer_id=offer.pk)
    if request.POST.get("alle") == "1":
        ids = list(
            OfferedCase.objects.filter(offer=offer, decision="").values_list("pk", flat=True)
        )
    else:
        ids = sorted(ids_from(request.POST.getlist("fall")))
    ids = list(OfferedCase.objects.filter(offer=offer, pk__in=ids).values_list("pk", flat=True))
    if not ids:
        messages.error(request, "Bitte wählen Sie mindestens einen Fall aus.")
        return redirect("retention:offer", offer_id=offer.pk)
    count = services.decide(ids, decision, actor=request.user)
    messages.success(
        request,
        f"{count} Fälle: {Decision(decision).label}. krm führt die Entscheidung in der "
        "nächsten Nacht aus; bis dahin können Sie sie noch ändern.",
    )
    return redirect("retention:offer", offer_id=offer.pk)


@login_required
def offer_list(request: HttpRequest, offer_id: int, fmt: str) -> HttpResponse:
    offer = _offer(request, offer_id)
    if fmt not in ("csv", "pdf"):
        raise Http404("Nur als PDF oder CSV.")
    stamp = f"{offer.offered_at:%Y-%m-%d}"
    if fmt == "csv":
        return file_response(
            services.offer_csv(offer),
            filename=f"Anbietungsliste_{stamp}.csv",
            content_type="text/csv; charset=utf-8",
        )
    return file_response(
        services.offer_pdf(offer),
        filename=f"Anbietungsliste_{stamp}.pdf",
        content_type="application/pdf",
    )


@login_required
def package(request: HttpRequest, package_id: int) -> HttpResponse:
    jobcenter_id = _krmb(request)
    package = ArchivePackage.objects.filter(
        pk=package_id, offer__jobcenter_id=jobcenter_id, removed_at__isnull=True
    ).first()
    if package is None:
        raise Http404("Archivpaket nicht gefunden")
    # Its cases may be deleted already: the download is on record in the security log.
    record(
        type=EventType.ARCHIVE_DOWNLOADED,
        actor=request.user,
        jobcenter_id=jobcenter_id,
        data={"paket": package.pk, "faelle": package.cases},
    )
    return file_response(
        blobs.read(package.blob),
        filename=f"Archivpaket_{package.created_at:%Y-%m-%d}_{package.pk}.zip",
        content_type="application/zip",
    )
