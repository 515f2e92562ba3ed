"""Row ids as they come from forms and URLs."""

from __future__ import annotations

from typing import Any

# The largest primary key a database holds (64 bit); a larger number names no row (SQLite
# would raise OverflowError in the lookup, and `int()` refuses over 4,300 digits).
MAX_KEY = 2**63 - 1


def is_key(value: Any) -> bool:
    """A plausible row id: ASCII digits only, within 64 bit."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_KEY


def ids_from(values: Any, limit: int = 1000) -> set[int]:
    """The plausible row ids among `values` (e.g. checked boxes), at most `limit` of them."""
    return {int(str(v).strip()) for v in list(values)[:limit] if is_key(v)}
