"""The case's states and the transitions between them: the only place a status changes.

A transition has a name, its source states, its target, who may take it (a predicate over
the user's effective access), a guard over the case and an effect. The workflow issue
extends the table (routes of the concept, Abverfügung, escalation …); today it holds the
steps of the foundation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

from krm.accounts.access import Access

from .kinds import is_in_scope

if TYPE_CHECKING:
    from .models import Case


class Status(models.TextChoices):
    EINGEGANGEN = "eingegangen", "eingegangen"
    ABGESCHLOSSEN = "abgeschlossen", "abgeschlossen"
    WEITERGELEITET = "weitergeleitet", "weitergeleitet (kein KRM)"


# Statuses in which deadlines run and the case is in the worklists.
OPEN_STATUSES = frozenset({Status.EINGEGANGEN})


def acts_as_krmb(access: Access) -> bool:
    return access.acts_as_krmb


def _always(case: Case) -> str | None:
    return None


def _in_scope(case: Case) -> str | None:
    return None if is_in_scope(case.kind) else "Der Fall ist kein KRM-Fall."


def _out_of_scope(case: Case) -> str | None:
    return "Nur Fälle außerhalb des KRM werden weitergeleitet." if is_in_scope(case.kind) else None


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    allowed: Callable[[Access], bool]
    guard: Callable[[Case], str | None] = _always  # a German reason why not, or None


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # R-W2.9: the KRM-B records the result and closes ("austragen") the case.
        Transition(
            "abschliessen",
            "Abschließen (austragen)",
            frozenset({Status.EINGEGANGEN}),
            Status.ABGESCHLOSSEN,
            acts_as_krmb,
            _in_scope,
        ),
        # R-K10 / R-O1 … O4: a kind corrected to an out-of-scope kind is forwarded.
        Transition(
            "weiterleiten",
            "Weiterleiten (kein KRM)",
            frozenset({Status.EINGEGANGEN}),
            Status.WEITERGELEITET,
            acts_as_krmb,
            _out_of_scope,
        ),
        # A kind corrected back into the KRM, or a closed case taken up again.
        Transition(
            "wiedereroeffnen",
            "Wieder eröffnen",
            frozenset({Status.ABGESCHLOSSEN, Status.WEITERGELEITET}),
            Status.EINGEGANGEN,
            acts_as_krmb,
            _in_scope,
        ),
    ]
}


class TransitionNotAllowed(Exception):
    """Raised with a German message for the user."""


def check(transition: Transition, case: Case, access: Access) -> None:
    if case.status not in transition.sources:
        raise TransitionNotAllowed(
            f"„{transition.label}“ ist im Status „{case.get_status_display()}“ nicht möglich."
        )
    if not transition.allowed(access):
        raise PermissionError(transition.name)
    reason = transition.guard(case)
    if reason:
        raise TransitionNotAllowed(reason)


def available(case: Case, access: Access) -> list[Transition]:
    """The transitions this user may take on this case now (for buttons)."""
    result = []
    for transition in TRANSITIONS.values():
        try:
            check(transition, case, access)
        except (TransitionNotAllowed, PermissionError):
            continue
        result.append(transition)
    return result


def initial_status(kind: str) -> str:
    return Status.EINGEGANGEN if is_in_scope(kind) else Status.WEITERGELEITET


def mermaid() -> str:
    """The state machine as a Mermaid diagram, for docs/workflow.md."""
    lines = ["stateDiagram-v2"]
    lines.append(f"    [*] --> {Status.EINGEGANGEN}: registrieren (KRM-Fall)")
    lines.append(f"    [*] --> {Status.WEITERGELEITET}: registrieren (kein KRM)")
    for transition in TRANSITIONS.values():
        for source in sorted(transition.sources):
            lines.append(f"    {source} --> {transition.target}: {transition.label}")
    return "\n".join(lines) + "\n"
