"""Personal values in audit events: marked where the event is written, stored apart from
the event's data so that they can be erased (GDPR art. 16, 17) while the event stays.

A service writes `Personal(value, "customer.name")` into an event's data; `split` moves
each such value into the event's `personal` map under a slot ("3:customer.name") and leaves
`{"$p": slot}` in its place. Reading puts the value back, or `ERASED` once it is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REF = "$p"


@dataclass(frozen=True)
class Personal:
    value: Any
    field: str  # what it is: "customer.name", "subject", "text", "notes"


class _Erased:
    def __str__(self) -> str:
        return "[gelöscht]"

    def __repr__(self) -> str:
        return "ERASED"


ERASED = _Erased()


def field_of(slot: str) -> str:
    return slot.split(":", 1)[1]


def split(data: Any) -> tuple[Any, dict[str, Any]]:
    """(data with references, {slot: value})."""
    values: dict[str, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, Personal):
            if node.value in (None, ""):
                return node.value  # nothing personal in an empty value
            slot = f"{len(values) + 1}:{node.field}"
            values[slot] = node.value
            return {REF: slot}
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list | tuple):
            return [walk(value) for value in node]
        return node

    return walk(data), values


def is_ref(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {REF}


def join(data: Any, values: dict[str, Any]) -> Any:
    """Data with each reference replaced by its value, or ERASED."""
    if is_ref(data):
        value = values.get(data[REF])
        return ERASED if value is None else value
    if isinstance(data, dict):
        return {key: join(value, values) for key, value in data.items()}
    if isinstance(data, list):
        return [join(value, values) for value in data]
    return data


def matches(slot: str, fields: set[str]) -> bool:
    """Whether a slot holds one of `fields` ("customer" covers every customer.* field)."""
    field = field_of(slot)
    return field in fields or field.split(".", 1)[0] in fields
