"""Aktenzeichen (file numbers) of the KRM file plan (R-A1): `II-6001-2026-00042`."""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = re.compile(r"^(?P<plan>II-\d{4}(?:\.\d{1,3})?)-(?P<year>\d{4})-(?P<number>\d{5,9})$")

# The file plan of the KRM concept [4.8]; a Jobcenter's own plan is data (FilePlanEntry),
# seeded from this.
DEFAULT_FILE_PLAN: list[tuple[str, str, list[str]]] = [
    ("II-6000", "Allgemeines", []),
    ("II-6001", "Beschwerden", ["beschwerde", "datenschutzbeschwerde"]),
    ("II-6001.1", "Dienstaufsichtsbeschwerden", ["dienstaufsichtsbeschwerde"]),
    ("II-6002", "Eingaben", ["eingabe"]),
    ("II-6003", "Petitionen", ["petition"]),
    ("II-6004", "Auswertungen", []),
]
DEFAULT_PLAN_NUMBER = "II-6000"  # every kind the plan does not name


@dataclass(frozen=True)
class Aktenzeichen:
    plan: str
    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.plan}-{self.year:04d}-{self.number:05d}"


def parse(value: str) -> Aktenzeichen | None:
    """A full Aktenzeichen (any letter case); None if the text is not one."""
    match = PATTERN.match(value.strip().upper())
    if not match:
        return None
    return Aktenzeichen(match["plan"], int(match["year"]), int(match["number"]))


@dataclass(frozen=True)
class Fragment:
    """A part of an Aktenzeichen someone typed: the number, with year and plan if given."""

    number: int
    year: int | None = None
    plan: str | None = None


# `II-6001-2026-00066`, `ii 6001 2026 66`, `6001-2026-66`, `6001.1-2026-5`: plan, year, number.
_WITH_PLAN = re.compile(
    r"^(?:ii[-\s]*)?(?P<plan>\d{4}(?:\.\d{1,3})?)[-\s/]+(?P<year>\d{4})[-\s/]+(?P<number>\d{1,9})$"
)
# `00066/2026`, `66/2026`: number and year, as on letters.
_NUMBER_YEAR = re.compile(r"^(?P<number>\d{1,9})\s*/\s*(?P<year>\d{4})$")
# `2026-00066`: year and number.
_YEAR_NUMBER = re.compile(r"^(?P<year>(?:19|20)\d{2})[-\s](?P<number>\d{1,9})$")


def parse_fragment(value: str) -> Fragment | None:
    """An Aktenzeichen in any of the spellings people use; None if it is not one."""
    text = value.strip().lower()
    if len(text) > 40:
        return None
    if match := _WITH_PLAN.match(text):
        plan = f"II-{match['plan']}"
        return Fragment(int(match["number"]), int(match["year"]), plan)
    if match := _NUMBER_YEAR.match(text) or _YEAR_NUMBER.match(text):
        return Fragment(int(match["number"]), int(match["year"]))
    return None
