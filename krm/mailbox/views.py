"""Postfach: the Posteingang (cases krm read from the mailboxes, to be completed), the
upload of .eml/.msg files, the quarantine; and the mails of a case on its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from krm.cases.models import Case
from krm.cases.panels import Panel
from krm.cases.states import Status
from krm.documents import permissions as document_permissions
from krm.documents.inspection import display_name, max_upload_bytes
from krm.mail.models import MailState, OutboundMail

from . import services
from .models import InboundMail, Mailbox, Outcome

PAGE = 50


def _jobcenter_id(request: HttpRequest) -> int:
    if not services.may_handle_mail(request.user):
        raise PermissionDenied("Das Postfach bearbeiten die KRM-Beauftragten.")
    return request.user.jobcenter_id


@login_required
def index(request: HttpRequest) -> HttpResponse:
    jobcenter_id = _jobcenter_id(request)
    inbox = Paginator(
        Case.objects.filter(jobcenter_id=jobcenter_id, status=Status.POSTEINGANG)
        .select_related("customer")
        .order_by("received_at", "pk"),
        PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "mailbox/index.html",
        {
            "inbox": inbox,
            "mailboxes": list(Mailbox.objects.filter(jobcenter_id=jobcenter_id).order_by("name")),
            "quarantined": InboundMail.objects.filter(
                jobcenter_id=jobcenter_id, outcome=Outcome.QUARANTINED
            ).count(),
            "flagged": OutboundMail.objects.filter(
                jobcenter_id=jobcenter_id, state=MailState.FAILED
            ).count(),
            "max_mb": max_upload_bytes() // (1024 * 1024),
        },
    )


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    jobcenter_id = _jobcenter_id(request)
    files = request.FILES.getlist("file")
    if getattr(request, "upload_too_large", None) is not None:
        messages.error(
            request,
            f"Eine Datei ist größer als {max_upload_bytes() // (1024 * 1024)} MB und wurde "
            "nicht angenommen.",
        )
    if not files:
        messages.error(request, "Bitte wählen Sie eine oder mehrere E-Mail-Dateien (.eml, .msg).")
        return redirect("mailbox:index")
    from krm.jobcenters.models import Jobcenter

    jobcenter = Jobcenter.objects.get(pk=jobcenter_id)
    for upload in files:
        name = display_name(upload.name)
        result = services.import_mail(
            upload.read(), jobcenter=jobcenter, source=f"hochgeladen: {name}", actor=request.user
        )
        level = messages.warning if result.outcome == "quarantined" else messages.success
        level(request, f"„{name}“: {result.message()}.")
    return redirect("mailbox:index")


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    jobcenter_id = _jobcenter_id(request)
    page = Paginator(
        InboundMail.objects.filter(jobcenter_id=jobcenter_id, outcome=Outcome.QUARANTINED).order_by(
            "-read_at", "-pk"
        ),
        PAGE,
    ).get_page(request.GET.get("page"))
    return render(request, "mailbox/quarantine.html", {"page": page})


def _inbound(request: HttpRequest, inbound_id: int) -> InboundMail:
    jobcenter_id = _jobcenter_id(request)
    return get_object_or_404(InboundMail, pk=inbound_id, jobcenter_id=jobcenter_id)


@login_required
@require_POST
def retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = _inbound(request, inbound_id)
    result = services.retry(actor=request.user, inbound=inbound)
    if result.outcome == "quarantined":
        messages.warning(request, f"Weiterhin nicht lesbar: {result.reason}")
    else:
        messages.success(request, f"Die Nachricht ist {result.message()}.")
    return redirect("mailbox:quarantine")


@login_required
@require_POST
def register_by_hand(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = _inbound(request, inbound_id)
    case = services.register_by_hand(actor=request.user, inbound=inbound)
    messages.success(request, f"Die Nachricht ist als {case.aktenzeichen} im Posteingang.")
    return redirect("cases:detail", case_id=case.pk)


@login_required
def raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """The raw bytes of a quarantined message, as a download that nothing renders."""
    inbound = _inbound(request, inbound_id)
    if not inbound.raw:
        raise PermissionDenied("Von dieser Nachricht ist kein Original gespeichert.")
    response = HttpResponse(services.read_raw(inbound), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="nachricht-{inbound.pk}.eml.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def panel(request: HttpRequest, case: Case) -> Panel | None:
    """The mails of a case: its text, and its HTML sanitised (parsing.sanitize_html) as
    markup under the page's strict CSP — no scripts, no remote content, no forms."""
    if not document_permissions.may_open(request.user, case):
        return None
    mails = list(InboundMail.objects.filter(case=case).order_by("read_at", "pk")[:50])
    if not mails:
        return None
    return Panel(
        "mailbox/_panel.html",
        {"case": case, "mails": [(m, mark_safe(m.html)) for m in mails]},  # noqa: S308 (sanitised on import)
        order=35,
    )
