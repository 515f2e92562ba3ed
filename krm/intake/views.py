"""How cases arrive through the UI: quick capture (every staff member) and the full
registration (KRM-B)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from krm.cases import permissions, services

from .forms import BaseCaseForm, CaseForm, QuickCaptureForm, apply_service_errors


def _intake(request: HttpRequest, form: BaseCaseForm, template: str, **extra: bool) -> HttpResponse:
    """Validate the form, register through the service, show its errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            case = services.register_case(actor=request.user, **form.registration(), **extra)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Die Kundenreaktion ist unter {case.aktenzeichen} erfasst.")
            if not permissions.visibility_of(request.user).sees(case):
                # A Dienstaufsichtsbeschwerde about the person who registered it.
                messages.info(request, "Diesen Fall sehen Sie nicht: er betrifft Sie selbst.")
                return redirect("cases:worklist")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, template, {"form": form})


@login_required
def quick_capture(request: HttpRequest) -> HttpResponse:
    if not permissions.can_capture(request.user):
        raise PermissionDenied("Sie dürfen keine Kundenreaktionen erfassen.")
    form = QuickCaptureForm(request.POST or None, user=request.user)
    return _intake(request, form, "intake/quick_capture.html", quick_capture=True)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if not permissions.can_register(request.user):
        raise PermissionDenied("Nur die KRM-Beauftragten registrieren Kundenreaktionen.")
    form = CaseForm(request.POST or None, jobcenter=request.user.jobcenter)
    return _intake(request, form, "intake/register.html")
