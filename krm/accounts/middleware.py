"""The Django admin's own widgets set inline styles (calendars, filters); allow inline
*styles* there, and only there. Scripts stay `'self'` everywhere."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class AdminInlineStyleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            # Read by django-csp's middleware, which runs after this one on the way out.
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
