"""Letters on the case page (make one, mark it sent), the template editor, and the
readability advice shown while a text is written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from krm.accounts.access import access_for
from krm.cases import permissions as case_permissions
from krm.cases.panels import Panel
from krm.documents import permissions as document_permissions

from . import placeholders, readability, services
from .forms import GenerateForm, SentForm, TemplateForm
from .models import Letter, LetterKind, LetterTemplate


def may_record_sending(user) -> bool:
    access = access_for(user)
    return access.acts_as_krmb or access.office_stands_in


def panel(request: HttpRequest, case) -> Panel | None:
    if not document_permissions.may_open(request.user, case):
        return None
    letters = list(Letter.objects.filter(case=case).select_related("template", "sent_by"))
    may_add = document_permissions.may_add(request.user, case)
    return Panel(
        "letters/_panel.html",
        {
            "case": case,
            "letters": letters,
            "form": GenerateForm(kinds=services.applicable(case), auto_id="letter_%s")
            if may_add
            else None,
            "sent_form": SentForm(auto_id=None) if may_record_sending(request.user) else None,
        },
        order=30,
    )


def _case_anchor(case_id: int) -> str:
    return reverse("cases:detail", args=[case_id]) + "#h-schreiben"


@login_required
@require_POST
def generate(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_permissions.get_case(request.user, case_id)
    if not document_permissions.may_add(request.user, case):
        raise PermissionDenied("Sie dürfen für diesen Fall keine Schreiben erstellen.")
    form = GenerateForm(request.POST, kinds=services.applicable(case))
    if not form.is_valid():
        messages.error(request, "Bitte wählen Sie ein Schreiben und ein Format.")
        return redirect(_case_anchor(case.pk))
    document = services.generate(
        case, form.cleaned_data["kind"], actor=request.user, fmt=form.cleaned_data["format"]
    )
    messages.success(
        request,
        f"„{document.title}“ wurde erstellt und abgelegt (unten unter „Schreiben“ und "
        "„Dokumente“).",
    )
    return redirect("cases:detail", case_id=case.pk)


@login_required
@require_POST
def mark_sent(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = Letter.objects.filter(pk=letter_id).first()
    if letter is None:
        raise Http404("Schreiben nicht gefunden")
    case = case_permissions.get_case(request.user, letter.case_id)
    if not (document_permissions.may_open(request.user, case) and may_record_sending(request.user)):
        raise PermissionDenied("Den Versand vermerken die KRM-Beauftragten.")
    form = SentForm(request.POST)
    if letter.is_sheet:
        messages.error(request, "Eine interne Unterlage wird nicht versandt.")
    elif form.is_valid():
        services.mark_sent(letter, actor=request.user, via=form.cleaned_data["via"])
        messages.success(request, f"{letter.get_kind_display()}: Versand vermerkt.")
    return redirect(_case_anchor(case.pk))


@login_required
@require_POST
def readability_check(request: HttpRequest) -> HttpResponse:
    """The readability advice for a text being written (htmx, while typing)."""
    if not access_for(request.user).roles:
        raise PermissionDenied
    text = ""
    for name in request.POST:
        if name == "body" or name.endswith("-draft"):
            text = request.POST.get(name, "")[:50_000]
            break
    level = request.POST.get("level")
    return render(
        request,
        "letters/_readability.html",
        {
            "assessment": readability.assess(text),
            "level": level if level in ("2", "3", "4") else "3",
        },
    )


def _templates_allowed(request: HttpRequest) -> None:
    if not services.may_edit_templates(request.user):
        raise PermissionDenied("Vorlagen bearbeiten die Administration und die KRM-Beauftragten.")


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    _templates_allowed(request)
    services.ensure_templates(request.user.jobcenter_id)
    latest: dict[str, LetterTemplate] = {}
    for template in LetterTemplate.objects.filter(jobcenter_id=request.user.jobcenter_id).order_by(
        "kind", "-version"
    ):
        latest.setdefault(template.kind, template)
    rows = [latest[k] for k in LetterKind.values if k in latest]
    return render(request, "letters/templates.html", {"templates": rows})


@login_required
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    _templates_allowed(request)
    if kind not in LetterKind.values:
        raise Http404("Unbekannte Vorlage")
    jobcenter_id = request.user.jobcenter_id
    services.ensure_templates(jobcenter_id)
    versions = list(
        LetterTemplate.objects.filter(jobcenter_id=jobcenter_id, kind=kind)
        .select_related("created_by")
        .order_by("-version")
    )
    current = versions[0]
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                saved = services.save_template(
                    actor=request.user,
                    kind=kind,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    note=form.cleaned_data["note"],
                    based_on=form.cleaned_data["based_on"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(None if field == "__all__" else field, error)
            else:
                if saved.version == current.version:
                    messages.info(
                        request, f"Keine Änderung: es bleibt bei Version {saved.version}."
                    )
                else:
                    messages.success(request, f"Version {saved.version} gespeichert.")
                return redirect("letters:template_edit", kind=kind)
        status = 400
    else:
        form = TemplateForm(
            initial={"subject": current.subject, "body": current.body, "based_on": current.version}
        )
    body = form.data.get("body", current.body) if form.is_bound else current.body
    return render(
        request,
        "letters/template_edit.html",
        {
            "kind": LetterKind(kind),
            "form": form,
            "current": current,
            "versions": versions,
            "placeholders": placeholders.PLACEHOLDERS,
            "filters": sorted(placeholders.FILTERS),
            "assessment": readability.assess(body),
        },
        status=status,
    )


@login_required
def template_version(request: HttpRequest, kind: str, version: int) -> HttpResponse:
    _templates_allowed(request)
    template = LetterTemplate.objects.filter(
        jobcenter_id=request.user.jobcenter_id, kind=kind, version=version
    ).first()
    if template is None:
        raise Http404("Diese Version gibt es nicht.")
    return render(request, "letters/template_version.html", {"template": template})
