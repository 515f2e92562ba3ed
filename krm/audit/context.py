"""Who is acting in the current request, for events written where no service names the
actor (changes made in the Django admin, krm/audit/tracking.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

current_actor: ContextVar[Any] = ContextVar("krm_audit_actor", default=None)


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        token = current_actor.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)


class acting:
    """The actor for events written inside, where the service knows who acts."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def __enter__(self) -> None:
        self.token = current_actor.set(self.actor)

    def __exit__(self, *exc: object) -> None:
        current_actor.reset(self.token)
