"""Middleware of the accounts app: headers and session rules for every request."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from . import sessions


class AdminInlineStyleMiddleware:
    """The Django admin's own widgets set inline styles (calendars, filters); allow inline
    *styles* there, and only there. Scripts stay `'self'` everywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            # Read by django-csp's middleware, which runs after this one on the way out.
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response


class CrossOriginResourcePolicyMiddleware:
    """Nothing of krm, static files included, may be embedded by another site."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class NoStoreMiddleware:
    """Nothing krm answers may be kept by a browser or proxy cache: its pages and API
    answers carry personal data (static files are served before this, by WhiteNoise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private
        return response


ENDED = {
    sessions.IDLE: "Sie wurden nach längerer Inaktivität abgemeldet. Bitte melden Sie sich "
    "erneut an.",
    sessions.EXPIRED: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
}


class SessionGuardMiddleware:
    """Idle time, maximum age and privilege changes of logged-in sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API authenticates each request by its key and ignores sessions.
        if not request.path.startswith("/api/") and request.user.is_authenticated:
            ended = sessions.check(request)
            if ended:
                messages.info(request, ENDED[ended])
                return redirect_to_login(request.get_full_path())
            if request.user.must_change_password and request.path not in PASSWORD_PATHS:
                # A password administrators set is replaced before anything else.
                messages.info(request, "Bitte vergeben Sie zuerst ein eigenes Passwort.")
                return redirect("accounts:password_change")
        return self.get_response(request)


PASSWORD_PATHS = {"/konto/passwort/", "/abmelden/"}


class DemoErrorPagesMiddleware:
    """The demo runs with DEBUG on, where Django answers a missing page or a crash with its
    technical pages (English, with internals). There krm shows its own German pages, as in
    production; only in the demo (KRM_DEMO=1) — a developer's DEBUG keeps the tracebacks."""

    PAGES = {400: "400.html", 404: "404.html", 500: "500.html"}
    API_DETAIL = {400: "Ungültige Anfrage.", 404: "Nicht gefunden.", 500: "Interner Fehler."}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _technical(response: HttpResponse) -> bool:
        """Django's debug pages (they ask robots to keep away), or its plain-text ones; never
        krm's own pages, e.g. a refused upload with its German reason (400)."""
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False):
            return False
        if content_type.startswith("text/plain"):
            return True
        return content_type.startswith("text/html") and b"NONE,NOARCHIVE" in response.content

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        template = self.PAGES.get(response.status_code)
        if template is None or not self._technical(response) or request.path.startswith("/static/"):
            return response
        if request.path.startswith("/api/"):
            # The API answers in JSON, also where Django's debug pages would.
            return JsonResponse(
                {"detail": self.API_DETAIL[response.status_code]}, status=response.status_code
            )
        if response.status_code == 500:
            # Nothing of the request's state: whatever failed may fail again.
            return HttpResponseServerError(render_to_string(template))
        try:
            return render(request, template, status=response.status_code)
        except Exception:  # a request Django refused (e.g. a bad host) may not render in full
            return HttpResponse(render_to_string(template), status=response.status_code)
