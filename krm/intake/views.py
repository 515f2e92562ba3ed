"""How cases arrive through the UI: quick capture (every staff member) and the full
registration (KRM-B)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from krm.cases import permissions, services

from .forms import CaseForm, QuickCaptureForm, apply_service_errors


def _registered(request: HttpRequest, case: services.Case) -> HttpResponse:
    messages.success(request, f"Die Kundenreaktion ist unter {case.aktenzeichen} erfasst.")
    return redirect("cases:detail", case_id=case.pk)


@login_required
def quick_capture(request: HttpRequest) -> HttpResponse:
    if not permissions.can_capture(request.user):
        raise PermissionDenied("Sie dürfen keine Kundenreaktionen erfassen.")
    form = QuickCaptureForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.register_case(
                actor=request.user,
                quick_capture=True,
                kind=data["kind"],
                channel=data["channel"],
                subject=data["subject"],
                text=data["text"],
                org_unit=data["org_unit"],
                topics=data["topics"],
                customer=form.customer_data(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _registered(request, case)
    return render(request, "intake/quick_capture.html", {"form": form})


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if not permissions.can_register(request.user):
        raise PermissionDenied("Nur die KRM-Beauftragten registrieren Kundenreaktionen.")
    form = CaseForm(request.POST or None, jobcenter=request.user.jobcenter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.register_case(
                actor=request.user,
                kind=data["kind"],
                channel=data["channel"],
                subject=data["subject"],
                text=data["text"],
                received_at=data["received_at"],
                org_unit=data["org_unit"],
                staff_concerned=data["staff_concerned"],
                topics=data["topics"],
                escalation_level=data["escalation_level"],
                customer=form.customer_data(),
                forwarding_recipient=data["forwarding_recipient"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _registered(request, case)
    return render(request, "intake/register.html", {"form": form})
