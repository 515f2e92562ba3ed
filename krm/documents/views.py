"""Documents of a case: the list on the case page, upload, download (after the permission
check, logged in the read log; never from a public URL)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from krm.accounts.client_ip import client_ip
from krm.audit.models import ReadEvent
from krm.cases import permissions as case_permissions
from krm.cases.panels import Panel

from . import permissions, services
from .forms import UploadForm
from .inspection import FileRefused
from .models import Document
from .uploads import max_upload_bytes


def case_documents(case_id: int) -> list[Document]:
    return list(
        Document.objects.filter(case_id=case_id)
        .select_related("created_by")
        .order_by("created_at", "id")
    )


def panel(request: HttpRequest, case) -> Panel | None:
    """The case page's documents section: only for those who may open them (R-A3)."""
    if not permissions.may_open(request.user, case):
        return None
    documents = case_documents(case.pk)
    may_add = permissions.may_add(request.user, case)
    return Panel(
        "documents/_panel.html",
        {
            "case": case,
            "current": [d for d in documents if d.is_current],
            "older": [d for d in documents if not d.is_current],
            "form": UploadForm(documents=documents, auto_id="doc_%s") if may_add else None,
            "max_mb": max_upload_bytes() // (1024 * 1024),
        },
        order=40,
    )


@login_required
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_permissions.get_case(request.user, case_id)
    if not permissions.may_add(request.user, case):
        raise PermissionDenied("Sie dürfen diesem Fall keine Dokumente hinzufügen.")
    documents = case_documents(case.pk)
    form = UploadForm(request.POST, request.FILES, documents=documents, auto_id="doc_%s")
    too_large = getattr(request, "upload_too_large", None)
    if too_large is not None:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", services.too_large(too_large))
    elif form.is_valid():
        try:
            document = services.upload_file(
                case,
                actor=request.user,
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                previous=form.cleaned_data["previous"],
            )
        except FileRefused as refused:
            form.add_error("file", refused.message)
        else:
            version = f" als Version {document.version}" if document.version > 1 else ""
            messages.success(request, f"„{document.title}“ wurde{version} abgelegt.")
            return redirect(f"{case_url(case.pk)}#h-dokumente")
    return render(
        request,
        "documents/upload.html",
        {"case": case, "form": form, "max_mb": max_upload_bytes() // (1024 * 1024)},
        status=400,
    )


def case_url(case_id: int) -> str:
    from django.urls import reverse

    return reverse("cases:detail", args=[case_id])


def file_response(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """The bytes as a download: never rendered by the browser as a page of krm."""
    response = HttpResponse(data, content_type=content_type)
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Content-Length"] = str(len(data))
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    document = permissions.get_document(request.user, document_id)
    data = services.read(document)
    log_document_read(request, document)
    return file_response(data, filename=document.filename, content_type=document.content_type)


def log_document_read(request: HttpRequest, document: Document) -> None:
    """A document was opened (the read log, with its id): screens and API alike."""
    ReadEvent.objects.create(
        case_id=document.case_id,
        user=request.user,
        via=ReadEvent.Via.DOCUMENT,
        address=client_ip(request),
        document_id=document.pk,
    )
