"""Postausgang (KRM-B and administrators of the Jobcenter) and each user's notification
settings."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from krm.audit.models import EventType
from krm.audit.services import record

from . import services
from .models import (
    Delivery,
    MailState,
    NotificationKind,
    NotificationSetting,
)

PAGE = 50


def _outbox_jobcenter(request: HttpRequest) -> int:
    if not services.may_see_outbox(request.user):
        raise PermissionDenied("Den Postausgang sehen die KRM-Beauftragten und die Administration.")
    return request.user.jobcenter_id


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _outbox_jobcenter(request)
    state = request.GET.get("stand", "")
    visible = services.visible_mails(request.user)
    mails = visible
    if state in MailState.values:
        mails = mails.filter(state=state)
    page = Paginator(mails.select_related("case").order_by("-created_at", "-pk"), PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mail/outbox.html",
        {
            "page": page,
            "state": state,
            "states": MailState.choices,
            "flagged": visible.filter(state=MailState.FAILED).count(),
            "querystring": urlencode({"stand": state}) if state in MailState.values else "",
        },
    )


@login_required
@require_POST
def resend(request: HttpRequest, mail_id: int) -> HttpResponse:
    _outbox_jobcenter(request)
    mail = get_object_or_404(services.visible_mails(request.user), pk=mail_id)
    try:
        services.resend(actor=request.user, mail=mail)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"„{mail.subject}“ wird erneut gesendet.")
    return redirect("mail:outbox")


class SettingsForm(forms.Form):
    def __init__(self, *args: object, current: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                initial=current.get(kind, Delivery.AT_ONCE),
            )


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = dict(NotificationSetting.objects.filter(user=user).values_list("kind", "delivery"))
    form = SettingsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        changed = {
            k: v for k, v in form.cleaned_data.items() if current.get(k, Delivery.AT_ONCE) != v
        }
        with transaction.atomic():
            for kind, delivery in changed.items():
                NotificationSetting.objects.update_or_create(
                    user=user, kind=kind, defaults={"delivery": delivery}
                )
            if changed:
                record(
                    type=EventType.ACCOUNT_CHANGED,
                    actor=user,
                    jobcenter_id=user.jobcenter_id,
                    subject_user=user,
                    data={"benachrichtigungen": changed},
                )
        messages.success(request, "Ihre Benachrichtigungen sind gespeichert.")
        return redirect("mail:settings")
    return render(request, "mail/settings.html", {"form": form, "has_email": bool(user.email)})
