"""Case pages: worklists, the case page and the steps on a case. Thin: fetch through the
permission helpers, validate with a form, call a service, redirect."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from krm.accounts.access import access_for
from krm.accounts.client_ip import client_ip
from krm.audit.models import ReadEvent
from krm.audit.services import log_reads
from krm.lib.keys import is_key

from . import disclosure as disclosure_service
from . import panels, permissions, privacy, selectors, services, timeline, workflow
from .deadlines import Clock
from .forms import (
    EDIT_FIELDS,
    CaseForm,
    DisclosureSearchForm,
    EraseForm,
    KindCorrectionForm,
    LinkForm,
    RectifyForm,
    StepForm,
    WorklistFilterForm,
    apply_service_errors,
    edit_values,
    merge_token,
    posted_values,
    put,
    read_merge_token,
    shown,
)
from .models import CaseLink, Task

PAGE_SIZE = 25
CONFIDENTIAL_SHOWN = 50


@login_required
def worklist(request: HttpRequest, mine: bool = False) -> HttpResponse:
    access = access_for(request.user)
    # Only filter parameters bind the form: "?page=2" alone keeps the default (open cases).
    filtering = set(request.GET) - {"page"}
    form = WorklistFilterForm(request.GET if filtering else None, jobcenter_id=access.jobcenter_id)
    clock = Clock.for_jobcenter(access.jobcenter_id or 0)
    qs = selectors.case_list(user=request.user, filters=form.to_filter(mine=mine), clock=clock)
    page = Paginator(selectors.with_list_data(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    visibility = permissions.visibility_for(access)
    rows = [
        (case, clock.state(case.next_due), visibility.sees_contents(case))
        for case in page.object_list
    ]
    return render(
        request,
        "cases/worklist.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "mine": mine,
            "querystring": query.urlencode(),
            "title": "Meine Fälle" if mine else "Arbeitsliste",
            # Filters other than the search and the default status: unfold them.
            "filtering": bool(
                {k for k, v in request.GET.items() if v} - {"q", "page", "status"}
                or request.GET.get("status", "offen") != "offen"
            ),
            # Only that they exist: apart from the list, whose order would tell their state.
            "confidential": selectors.confidential_captures(user=request.user)[:CONFIDENTIAL_SHOWN]
            if mine
            else (),
        },
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    return worklist(request, mine=True)


def _log_opening(request: HttpRequest, case: Any) -> None:
    """A page that shows a case's contents was opened (the read log, ASVS 8.3.5)."""
    log_reads(
        user=request.user, case_ids=[case.pk], via=ReadEvent.Via.PAGE, address=client_ip(request)
    )


@login_required
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_detail(user=request.user, case_id=case_id)
    _log_opening(request, case)
    if not case.contents_visible:
        # Captured by this user, but confidential: only that it exists.
        return render(request, "cases/detail_confidential.html", {"case": case})
    access = access_for(request.user)
    clock = Clock.for_jobcenter(case.jobcenter_id)
    can_change = permissions.can_change(request.user, case)
    visible_ids, unmentioned_ids = selectors.mentions_in(
        user=request.user, events=case.events.all()
    )
    links = selectors.linked_cases(user=request.user, case=case)
    # The linked Widersprüche (R-K9), for the closing step: from the links just read.
    case._widersprueche = [
        item.case for item in links if item.case and item.case.kind == "widerspruch"
    ]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "deadline_state": clock.state(case.next_due),
            "links": links,
            "can_change": can_change,
            "timeline": timeline.entries(
                case.events.all(),
                jobcenter_id=case.jobcenter_id,
                visible_ids=visible_ids,
                unmentioned_ids=unmentioned_ids,
                documents=permissions.documents_visibility(access).sees_contents(case),
            ),
            "steps": [StepForm(t, case) for t in workflow.available(case, access)],
            "open_tasks": [t for t in case.open_tasks if t.kind == Task.Kind.AKTION],
            "notices": [
                (t, workflow.holds(access, user_id=t.assignee_id, role=t.role, unit_id=t.unit_id))
                for t in case.open_tasks
                if t.kind == Task.Kind.KENNTNIS
            ],
            "verfuegung": ([None, *case.verfuegungen.all()])[-1],
            "link_form": LinkForm(
                auto_id="link_%s", suggest_url=reverse("cases:link_suggestions", args=[case.pk])
            ),
            "former_aktenzeichen": [
                r.aktenzeichen
                for r in case.aktenzeichen_records.all()
                if r.aktenzeichen != case.aktenzeichen
            ],
            "panels": panels.panels_for(request, case),
        },
    )


def _conflict(request: HttpRequest, case_id: int, exc: services.ConflictError) -> HttpResponse:
    messages.error(request, str(exc))
    return redirect("cases:detail", case_id=case_id)


MINE, THEIRS = "mine", "theirs"


@login_required
def edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """The KRM-B edits a case's data. A save made on an old version is merged with what a
    colleague saved meanwhile (services.merge_edit): the page shows their changes beside
    the user's, keeps their values where the user changed nothing, and asks where both
    changed the same field."""
    case = selectors.case_detail(user=request.user, case_id=case_id, change=True)
    conflict: list[dict[str, Any]] = []
    token = merge_token(edit_values(case), case.version)
    if request.method == "POST":
        state = read_merge_token(request.POST.get("merge"), request.POST.get("version"))
        if state is None:
            # Without the state the form was made with, nothing is known of what the user
            # changed: every field where their input differs from the case is theirs to
            # decide (nothing of theirs is lost, nothing of a colleague's overwritten).
            theirs, mine = edit_values(case), posted_values(request.POST)
            differ = [name for name in EDIT_FIELDS if mine.get(name) != theirs.get(name)]
            data = request.POST.copy()
            data["version"] = str(case.version)
            form = CaseForm(data, jobcenter=case.jobcenter, case=case)
            form.add_error(
                None,
                "Das Formular ist veraltet oder unvollständig. Bitte wählen Sie bei jedem "
                "abweichenden Feld, welcher Wert gilt, und speichern Sie erneut.",
            )
            return render(
                request,
                "cases/edit.html",
                {
                    "case": case,
                    "form": form,
                    "merge": merge_token(theirs, case.version, differ),
                    "conflict": _conflict_rows(form, {"base": theirs}, mine, set(differ)),
                },
            )
        data = request.POST.copy()
        undecided = []
        for name in state.get("choose", []):
            choice = data.get(f"resolve_{name}")
            if choice == THEIRS and name in EDIT_FIELDS:
                put(data, name, state["base"].get(name))
            elif choice != MINE:
                undecided.append(name)
        form = CaseForm(data, jobcenter=case.jobcenter, case=case)
        if undecided:
            form.is_valid()
            form.add_error(
                None, "Bitte wählen Sie bei jedem doppelt geänderten Feld, welcher Wert gilt."
            )
            token = request.POST.get("merge", token)
            conflict = _conflict_rows(form, state, posted_values(data), set(undecided))
        elif form.is_valid():
            cleaned = form.cleaned_data
            changes: dict[str, Any] = {name: cleaned[name] for name in services.PLAIN_FIELDS}
            changes["topics"] = list(cleaned["topics"])
            changes["customer"] = form.customer_data()
            if cleaned.get("received_at"):
                changes["received_at"] = cleaned["received_at"]
            try:
                services.update_case(
                    actor=request.user,
                    case=case,
                    expected_version=cleaned["version"] or 0,
                    changes=changes,
                )
            except services.ConflictError:
                current = selectors.case_detail(user=request.user, case_id=case.pk, change=True)
                theirs = edit_values(current)
                mine = posted_values(data)
                merge = services.merge_edit(state["base"], mine, theirs)
                merged = data.copy()
                for name, value in merge.values.items():
                    put(merged, name, value)
                merged["version"] = str(current.version)
                for name in merge.both_changed:
                    merged.pop(f"resolve_{name}", None)
                form = CaseForm(merged, jobcenter=case.jobcenter, case=case)
                last = current.events.select_related("actor").order_by("-seq").first()
                by = (
                    f" (zuletzt von {last.actor}, "
                    f"{timezone.localtime(last.created_at):%d.%m.%Y %H:%M} Uhr)"
                    if last is not None and last.actor is not None
                    else ""
                )
                form.add_error(
                    None,
                    f"Der Fall wurde inzwischen von jemand anderem geändert{by}. Unten stehen "
                    "die Änderungen neben Ihren; wo Sie nichts geändert haben, gilt die "
                    "gespeicherte Fassung. Bitte prüfen Sie und speichern Sie erneut.",
                )
                token = merge_token(theirs, current.version, merge.both_changed)
                conflict = _conflict_rows(
                    form,
                    {"base": theirs},
                    mine,
                    set(merge.both_changed),
                    only=merge.theirs_changed,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
                token = request.POST.get("merge", token)
            else:
                messages.success(request, "Die Änderungen sind gespeichert.")
                return redirect("cases:detail", case_id=case.pk)
        else:
            token = request.POST.get("merge", token)
    else:
        _log_opening(request, case)
        initial = {**edit_values(case), "version": case.version}
        form = CaseForm(initial=initial, jobcenter=case.jobcenter, case=case)
    return render(
        request,
        "cases/edit.html",
        {"case": case, "form": form, "merge": token, "conflict": conflict},
    )


def _conflict_rows(
    form: CaseForm,
    state: dict[str, Any] | None,
    mine: dict[str, Any],
    choose: set[str],
    only: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The fields a colleague changed: theirs beside the user's; a choice where both did."""
    theirs = (state or {}).get("base", {})
    names = list(only) if only is not None else sorted(choose)
    return [
        {
            "name": name,
            "label": form.fields[name].label if name in form.fields else name,
            "theirs": shown(form, name, theirs.get(name)),
            "mine": shown(form, name, mine.get(name)),
            "choose": name in choose,
        }
        for name in names
    ]


@login_required
def correct_kind(request: HttpRequest, case_id: int) -> HttpResponse:
    case = permissions.get_case(request.user, case_id, change=True)
    form = KindCorrectionForm(
        request.POST or None, initial={"version": case.version, "kind": case.kind}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correct_kind(
                actor=request.user,
                case=case,
                expected_version=data["version"],
                kind=data["kind"],
                forwarding_recipient=data["forwarding_recipient"],
                note=data["note"],
            )
        except services.ConflictError as exc:
            return _conflict(request, case.pk, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Die Art ist korrigiert.")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/correct_kind.html", {"case": case, "form": form})


def _step(
    request: HttpRequest, case_id: int, form_class: type, action: Any, success: str
) -> HttpResponse:
    """A POST-only step on a case: validate, call the service, report, back to the case."""
    case = permissions.get_case(request.user, case_id, change=True)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("cases:detail", case_id=case.pk)
    try:
        action(case, form.cleaned_data)
    except services.ConflictError as exc:
        return _conflict(request, case.pk, exc)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("cases:detail", case_id=case.pk)


@login_required
def step(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    """One step of the route (workflow.TRANSITIONS): its form alone (GET), or taken (POST)."""
    case = selectors.case_detail(user=request.user, case_id=case_id, contents=True)
    transition = workflow.TRANSITIONS.get(name)
    if transition is None or not transition.offered:
        raise Http404("Unbekannter Schritt")
    access = access_for(request.user)
    try:
        workflow.check(transition, case, access)
    except PermissionError:
        raise PermissionDenied("Sie dürfen diesen Schritt nicht ausführen.") from None
    except workflow.TransitionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("cases:detail", case_id=case.pk)
    form = StepForm(transition, case, request.POST if request.method == "POST" else None)
    if request.method != "POST":
        _log_opening(request, case)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.take_step(
                    actor=request.user,
                    case=case,
                    name=name,
                    data=form.step_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except services.ConflictError as exc:
                return _conflict(request, case.pk, exc)
            except services.StepRefused as exc:
                messages.error(request, str(exc))
                return redirect("cases:detail", case_id=case.pk)
            except workflow.StepDataError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, f"Erledigt: {transition.label}.")
                return redirect("cases:detail", case_id=case.pk)
        status = 400
    return render(
        request,
        "cases/step.html",
        {"case": case, "form": form, "transition": transition},
        status=status,
    )


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """The start page: Meine Aufgaben for everyone who has tasks, else the worklist."""
    # Only tasks on cases one may read count (a task on a hidden DAB tells nothing).
    has_tasks = selectors.my_tasks(user=request.user).exists()
    return redirect("cases:tasks" if has_tasks else "cases:worklist")


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Meine Aufgaben: the open tasks of the user, and of those they stand in for."""
    access = access_for(request.user)
    clock = Clock.for_jobcenter(access.jobcenter_id or 0)
    page = Paginator(selectors.my_tasks(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        (task, clock.state(task.due), selectors.held_as_deputy(task, access))
        for task in page.object_list
    ]
    log_reads(  # the list shows each task's case (Aktenzeichen, subject)
        user=request.user,
        case_ids=sorted({task.case_id for task, _state, _deputy in rows}),
        via=ReadEvent.Via.LIST,
        address=client_ip(request),
    )
    return render(
        request,
        "cases/my_tasks.html",
        {"page": page, "rows": rows, "title": "Meine Aufgaben", "querystring": ""},
    )


@login_required
@require_POST
def task_read(request: HttpRequest, task_id: int) -> HttpResponse:
    """A task "zur Kenntnis" done with one click."""
    if not is_key(str(task_id)):
        raise Http404("Aufgabe nicht gefunden")
    task = get_object_or_404(
        Task.objects.open().select_related("case"),
        pk=task_id,
        jobcenter_id=access_for(request.user).jobcenter_id,
    )
    if not permissions.sees_contents(request.user, task.case):
        raise Http404("Aufgabe nicht gefunden")
    services.mark_read(actor=request.user, task=task)
    messages.success(request, "Zur Kenntnis genommen.")
    if request.POST.get("next") == "case":
        return redirect("cases:detail", case_id=task.case_id)
    return redirect("cases:tasks")


@login_required
@require_POST
def link(request: HttpRequest, case_id: int) -> HttpResponse:
    def action(case: Any, data: dict) -> None:
        found = selectors.find_cases(user=request.user, aktenzeichen=data["aktenzeichen"])
        found = [other for other in found if other.pk != case.pk] or found
        if not found:
            raise ValidationError("Kein Fall mit diesem Aktenzeichen gefunden.")
        if len(found) > 1:
            names = ", ".join(other.aktenzeichen for other in found)
            raise ValidationError(
                f"Mehrere Fälle passen ({names}). Bitte das vollständige Aktenzeichen angeben."
            )
        services.link_cases(actor=request.user, case=case, other=found[0], note=data["note"])

    return _step(request, case_id, LinkForm, action, "Die Fälle sind verknüpft.")


@login_required
def link_suggestions(request: HttpRequest, case_id: int) -> HttpResponse:
    """The cases matching what is typed in the link form (by Aktenzeichen in any spelling,
    or by words), offered as buttons that link them."""
    case = permissions.get_case(request.user, case_id, change=True)
    typed = (request.GET.get("aktenzeichen") or "").strip()[:200]
    found = selectors.link_candidates(user=request.user, case=case, typed=typed)
    log_reads(
        user=request.user,
        case_ids=[other.pk for other in found],
        via=ReadEvent.Via.LIST,
        address=client_ip(request),
    )
    return render(
        request, "cases/_link_suggestions.html", {"case": case, "found": found, "typed": typed}
    )


@login_required
@require_POST
def unlink(request: HttpRequest, case_id: int, link_id: int) -> HttpResponse:
    case = permissions.get_case(request.user, case_id, change=True)
    link_obj = get_object_or_404(
        CaseLink.objects.select_related("first", "second"),
        CaseLink.of(case.pk),
        pk=link_id,
    )
    other = link_obj.second if link_obj.first_id == case.pk else link_obj.first
    if not permissions.can_change(request.user, other):
        raise Http404("Verknüpfung nicht gefunden")  # as if there were none (a hidden DAB)
    services.unlink_cases(actor=request.user, link=link_obj)
    messages.success(request, "Die Verknüpfung ist gelöst.")
    return redirect("cases:detail", case_id=case.pk)


@login_required
def privacy_steps(request: HttpRequest, case_id: int) -> HttpResponse:
    """Rectify or erase personal data of a case (GDPR art. 16, 17): the acting KRM-B."""
    case = selectors.case_detail(user=request.user, case_id=case_id, change=True)
    if request.method != "POST":
        _log_opening(request, case)
    customer = getattr(case, "customer", None)
    rectify_form = RectifyForm(
        initial={
            "version": case.version,
            "subject": case.subject,
            "text": case.text,
            **({f"customer_{k}": v for k, v in customer.as_dict().items()} if customer else {}),
        },
        auto_id="rectify_%s",
    )
    erase_form = EraseForm(initial={"version": case.version}, auto_id="erase_%s")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "berichtigen":
                rectify_form = RectifyForm(request.POST, auto_id="rectify_%s")
                if rectify_form.is_valid():
                    data = rectify_form.cleaned_data
                    privacy.rectify(
                        actor=request.user,
                        case=case,
                        expected_version=data["version"],
                        changes=rectify_form.changes(),
                        reason=data["reason"],
                    )
                    messages.success(request, "Die Daten sind berichtigt.")
                    return redirect("cases:detail", case_id=case.pk)
            elif action == "loeschen":
                erase_form = EraseForm(request.POST, auto_id="erase_%s")
                if erase_form.is_valid():
                    data = erase_form.cleaned_data
                    privacy.erase(
                        actor=request.user,
                        case=case,
                        expected_version=data["version"],
                        fields=set(data["fields"]),
                        reason=data["reason"],
                    )
                    messages.success(request, "Die Daten sind gelöscht.")
                    return redirect("cases:detail", case_id=case.pk)
        except services.ConflictError as exc:
            return _conflict(request, case.pk, exc)
        except ValidationError as exc:
            form = rectify_form if action == "berichtigen" else erase_form
            apply_service_errors(form, exc)
    return render(
        request,
        "cases/privacy.html",
        {"case": case, "rectify_form": rectify_form, "erase_form": erase_form},
    )


@login_required
def disclosure(request: HttpRequest) -> HttpResponse:
    """Art. 15 GDPR: find a customer's cases, choose, download one PDF (the KRM-B)."""
    if not disclosure_service.may_disclose(request.user):
        raise PermissionDenied("Nur die KRM-Beauftragte erteilt Auskunft.")
    # Searched by POST: a customer's name or e-mail never stands in a URL (or a server log).
    form = DisclosureSearchForm(request.POST if request.method == "POST" else None)
    cases: list = []
    if form.is_bound and form.is_valid():
        subject = disclosure_service.subject_from(form.cleaned_data)
        cases = list(disclosure_service.find_cases(user=request.user, subject=subject))
        if request.POST.get("action") == "pdf":
            allowed = {case.pk for case in cases}
            chosen = [int(v) for v in request.POST.getlist("case") if is_key(v)]
            chosen = [pk for pk in chosen if pk in allowed]
            if not chosen:
                messages.error(request, "Bitte mindestens einen Fall auswählen.")
            else:
                pdf = disclosure_service.build(
                    user=request.user, case_ids=chosen, subject=subject, address=client_ip(request)
                )
                response = HttpResponse(pdf, content_type="application/pdf")
                name = disclosure_service.filename()
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
    return render(
        request,
        "cases/disclosure.html",
        {
            "title": "Auskunft nach Art. 15 DSGVO",
            "form": form,
            "cases": cases,
            "limit": disclosure_service.MAX_CASES,
        },
    )
