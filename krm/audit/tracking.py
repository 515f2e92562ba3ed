"""The security log of configuration: every change to accounts, roles, deputies,
absences, passwords and the Jobcenter's configuration becomes an event in the Jobcenter's
chain, whoever makes it and however (admin, shell, command). Each app registers its
models with `track`; the actor is the request's user (krm/audit/context.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from .context import current_actor
from .models import EventType

# Never written into the log: secrets and bookkeeping (a form saving `date_joined` again
# only rounds it).
SECRET_FIELDS = {"password", "last_login", "session_epoch", "key_hash", "prefix", "date_joined"}


@dataclass(frozen=True)
class Tracked:
    model: type[models.Model]
    jobcenter_of: Callable[[Any], int | None]
    subject_of: Callable[[Any], Any] = lambda obj: None
    created: str = EventType.CONFIG_CHANGED
    deleted: str = EventType.CONFIG_CHANGED


def _value(obj: Any, field: models.Field) -> Any:
    """A field's value as people read it: names, labels, German dates."""
    value = getattr(obj, field.attname)
    if field.is_relation and value is not None:
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else value
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    return value


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if not f.primary_key and f.name not in SECRET_FIELDS
    ]


def _describe(obj: Any) -> str:
    return f"{obj._meta.verbose_name} „{obj}“"


def track(spec: Tracked, changed: str = EventType.CONFIG_CHANGED) -> None:
    """Record creation, every change (old → new, per field) and deletion of `spec.model`."""
    from .services import record

    model = spec.model
    uid = f"krm.audit.tracking.{model._meta.label}"

    def before(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw or instance.pk is None:
            instance._krm_before = None
            return
        old = sender.objects.filter(pk=instance.pk).first()
        instance._krm_before = (
            None
            if old is None
            else {
                "values": {f.name: _value(old, f) for f in _fields(sender)},
                "password": getattr(old, "password", None),
            }
        )

    def after(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any):
        if raw:
            return
        now = {f.name: _value(instance, f) for f in _fields(sender)}
        labels = {f.name: str(f.verbose_name) for f in _fields(sender)}
        before_state = getattr(instance, "_krm_before", None)
        common = {
            "actor": current_actor(),
            "jobcenter_id": spec.jobcenter_of(instance),
            "subject_user": spec.subject_of(instance),
        }
        if created or before_state is None:
            record(
                type=spec.created,
                data={
                    "was": _describe(instance),
                    "aktion": "angelegt",
                    "werte": _shown(now, labels),
                },
                **common,
            )
            return
        changes = {
            labels[name]: {"alt": before_state["values"].get(name), "neu": value}
            for name, value in now.items()
            if before_state["values"].get(name) != value
        }
        if changes:
            record(
                type=changed,
                data={"was": _describe(instance), "aktion": "geändert", "aenderungen": changes},
                **common,
            )
        if (
            before_state["password"] is not None
            and getattr(instance, "password", None) != (before_state["password"])
        ):
            record(
                type=EventType.ACCOUNT_PASSWORD,
                data={"was": _describe(instance), "aktion": "Passwort geändert"},
                **common,
            )

    def gone(sender: Any, instance: Any, **kwargs: Any) -> None:
        record(
            type=spec.deleted,
            data={"was": _describe(instance), "aktion": "gelöscht"},
            actor=current_actor(),
            jobcenter_id=spec.jobcenter_of(instance),
            subject_user=spec.subject_of(instance),
        )

    pre_save.connect(before, sender=model, dispatch_uid=f"{uid}.pre", weak=False)
    post_save.connect(after, sender=model, dispatch_uid=f"{uid}.post", weak=False)
    post_delete.connect(gone, sender=model, dispatch_uid=f"{uid}.delete", weak=False)


def _shown(values: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return {labels[name]: value for name, value in values.items() if value not in (None, "")}


def track_all(specs: Iterable[tuple[Tracked, str]]) -> None:
    for spec, changed in specs:
        track(spec, changed)
