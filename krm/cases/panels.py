"""Sections of the case page that other apps add (documents, letters), so that `cases`
imports nothing of theirs: an app registers a provider in its AppConfig.ready; the case page
shows what the providers return, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .models import Case


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


Provider = Callable[[HttpRequest, Case], Panel | None]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def panels_for(request: HttpRequest, case: Case) -> list[Panel]:
    panels = [p for p in (provider(request, case) for provider in _providers.values()) if p]
    return sorted(panels, key=lambda p: p.order)
