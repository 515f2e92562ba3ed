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
    match = PATTERN.match(value.strip())
    if not match:
        return None
    return Aktenzeichen(match["plan"], int(match["year"]), int(match["number"]))
