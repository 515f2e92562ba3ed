"""Postfach: the Posteingang (cases krm read from the mailboxes, to be completed), the
upload of .eml/.msg files, the quarantine; and the mails of a case on its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from krm.accounts.client_ip import client_ip
from krm.audit.models import ReadEvent
from krm.cases.models import Case
from krm.cases.panels import Panel
from krm.cases.states import Status
from krm.documents import permissions as document_permissions
from krm.documents.inspection import display_name, max_upload_bytes
from krm.documents.views import file_response
from krm.mail.models import MailKind, MailState, OutboundMail

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
    too_large = getattr(request, "upload_too_large", None) is not None
    if too_large:
        messages.error(
            request,
            f"Eine Datei ist größer als {max_upload_bytes() // (1024 * 1024)} MB und wurde "
            "nicht angenommen.",
        )
    if not files:
        if not too_large:
            messages.error(
                request, "Bitte wählen Sie eine oder mehrere E-Mail-Dateien (.eml, .msg)."
            )
        return redirect("mailbox:index")
    from krm.jobcenters.models import Jobcenter

    jobcenter = Jobcenter.objects.get(pk=jobcenter_id)
    results = []
    for upload in files:
        name = display_name(upload.name)
        if not name.lower().endswith((".eml", ".msg")):
            messages.error(
                request,
                f"„{name}“ ist keine E-Mail-Datei: bitte nur .eml- oder .msg-Dateien hochladen "
                "(andere Dateien gehören als Dokument zum Fall).",
            )
            continue
        result = services.import_mail(
            upload.read(),
            jobcenter=jobcenter,
            source=f"hochgeladen: {name}",
            actor=request.user,
            filename=name,
        )
        results.append(result)
        level = messages.warning if result.outcome == "quarantined" else messages.success
        level(request, f"„{name}“: {result.message()}.")
    services.announce(jobcenter, results)
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
    """The original bytes of a message krm kept aside (quarantined, or not filed as a
    document), as a download that nothing renders: for the KRM-B, and, once the message
    belongs to a case, for those who may open the case's documents (read log)."""
    inbound = get_object_or_404(InboundMail.objects.select_related("case"), pk=inbound_id)
    if inbound.case is not None:
        if not document_permissions.may_open(request.user, inbound.case):
            raise Http404
    elif not services.may_handle_mail(request.user) or (
        inbound.jobcenter_id != request.user.jobcenter_id
    ):
        raise Http404
    if not inbound.raw:
        raise Http404
    if inbound.case is not None:
        ReadEvent.objects.create(
            case_id=inbound.case_id,
            user=request.user,
            via=ReadEvent.Via.DOCUMENT,
            address=client_ip(request),
        )
    data = services.read_raw(inbound)
    extension = ".msg" if data[:8] == services.OLE_MAGIC else ".eml"
    return file_response(
        data, filename=f"nachricht-{inbound.pk}{extension}", content_type="application/octet-stream"
    )


def panel(request: HttpRequest, case: Case) -> Panel | None:
    """The mails of a case: its text, and its HTML sanitised (parsing.sanitize_html) as
    markup under the page's strict CSP — no scripts, no remote content, no forms."""
    if not document_permissions.may_open(request.user, case):
        return None
    mails = list(InboundMail.objects.filter(case=case).order_by("read_at", "pk")[:50])
    sent = list(
        OutboundMail.objects.filter(case=case, kind=MailKind.LETTER).order_by("created_at", "pk")[
            :50
        ]
    )
    if not mails and not sent:
        return None
    return Panel(
        "mailbox/_panel.html",
        {
            "case": case,
            "mails": [(m, mark_safe(m.html)) for m in mails],  # noqa: S308 (sanitised on import)
            "sent": sent,
        },
        order=35,
    )
