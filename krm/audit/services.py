"""Writing audit events. Called by the services inside their transaction."""

from __future__ import annotations

from typing import Any

from .models import Event


def record(*, case: Any, type: str, actor: Any, data: dict | None = None) -> Event:
    return Event.objects.create(case=case, type=type, actor=actor, data=data or {})


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"alt": old, "neu": new}} for the fields whose value changed."""
    return {
        key: {"alt": old.get(key), "neu": value}
        for key, value in new.items()
        if old.get(key) != value
    }
