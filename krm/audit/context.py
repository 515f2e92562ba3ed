"""Who is acting in the current request, for events written where no service names the
actor (changes made in the Django admin, krm/audit/tracking.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

# A function giving the actor, asked only when an event is written: a request whose user is
# never needed (an API call with a key) costs no session lookup.
_actor: ContextVar[Callable[[], Any]] = ContextVar("krm_audit_actor", default=lambda: None)


def current_actor() -> Any:
    return _actor.get()()


def _user_of(request: HttpRequest) -> Callable[[], Any]:
    def user() -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    return user


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _actor.set(_user_of(request))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


class acting:
    """The actor for events written inside, where the service knows who acts."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def __enter__(self) -> None:
        actor = self.actor
        self.token = _actor.set(lambda: actor)

    def __exit__(self, *exc: object) -> None:
        _actor.reset(self.token)
