from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
