from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from krm.lib.keys import is_key

from . import services
from .access import access_for
from .models import RoleAssignment, User
from .throttling import wait_minutes


def locked_out_message(minutes: int) -> str:
    wait = "einer Minute" if minutes == 1 else f"{minutes} Minuten"
    return f"Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in {wait} erneut."


class LoginForm(AuthenticationForm):
    error_messages = {
        # The same answer whether or not the username exists.
        "invalid_login": "Benutzername oder Passwort ist falsch.",
        "inactive": "Benutzername oder Passwort ist falsch.",
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def lockout_response(request: HttpRequest, credentials: dict | None = None) -> HttpResponse:
    """django-axes: what a throttled login gets, for known and unknown usernames alike."""
    form = LoginForm(request)
    message = locked_out_message(wait_minutes(request, credentials))
    return render(request, "accounts/login.html", {"form": form, "locked_out": message}, status=429)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Mein Konto: roles, password, logging out everywhere; for the KRM-B also ending the
    sessions of someone else of the Jobcenter (a lost laptop)."""
    access = access_for(request.user)
    colleagues = (
        User.objects.filter(jobcenter_id=access.jobcenter_id, is_active=True)
        .exclude(pk=request.user.pk)
        .order_by("last_name", "first_name", "username")
        .only("username", "first_name", "last_name")
        if access.acts_as_krmb
        else User.objects.none()
    )
    roles = RoleAssignment.objects.filter(user=request.user).select_related("org_unit")
    return render(
        request,
        "accounts/account.html",
        {"title": "Mein Konto", "roles": roles, "colleagues": colleagues},
    )


@login_required
@require_POST
def end_sessions(request: HttpRequest) -> HttpResponse:
    """Log a user out everywhere: oneself, or (the acting KRM-B) someone of the Jobcenter."""
    raw = request.POST.get("user", "")
    target = request.user
    if raw and not is_key(raw):
        raise PermissionDenied("Sie dürfen die Sitzungen dieser Person nicht beenden.")
    if raw and int(raw) != request.user.pk:
        target = User.objects.filter(
            pk=int(raw), jobcenter_id=access_for(request.user).jobcenter_id
        ).first()
        if target is None:
            raise PermissionDenied("Sie dürfen die Sitzungen dieser Person nicht beenden.")
    services.end_all_sessions(actor=request.user, user=target)
    if target.pk == request.user.pk:
        logout(request)
        messages.info(request, "Sie sind auf allen Geräten abgemeldet.")
        return redirect("accounts:login")
    messages.success(request, f"Alle Sitzungen von {target} sind beendet.")
    return redirect("accounts:account")


class NewPasswordForm(PasswordChangeForm):
    def clean_new_password1(self) -> str:
        new = self.cleaned_data["new_password1"]
        if self.user.check_password(new):
            raise ValidationError("Bitte ein neues Passwort wählen, nicht das bisherige.")
        return new


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("cases:worklist")

    def form_valid(self, form: Any) -> HttpResponse:
        form.user.must_change_password = False
        response = super().form_valid(form)  # saves the user, keeps this session
        messages.success(self.request, "Ihr Passwort ist geändert.")
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (the session ended, the page was too old): a
    German page in krm's layout that says how not to lose what was typed."""
    return render(request, "403_csrf.html", status=403)
