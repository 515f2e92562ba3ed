"""Aktenzeichen format and the default file plan (R-A1)."""

from __future__ import annotations

import pytest

from krm.lib.aktenzeichen import (
    DEFAULT_FILE_PLAN,
    DEFAULT_PLAN_NUMBER,
    Aktenzeichen,
    Fragment,
    parse,
    parse_fragment,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Aktenzeichen("II-6001", 2026, 42), "II-6001-2026-00042"),
        (Aktenzeichen("II-6001", 2026, 1), "II-6001-2026-00001"),
        (Aktenzeichen("II-6001.1", 2025, 7), "II-6001.1-2025-00007"),
        (Aktenzeichen("II-6003", 2027, 99999), "II-6003-2027-99999"),
        (Aktenzeichen("II-6000", 2026, 123456), "II-6000-2026-123456"),  # past 5 digits
    ],
)
def test_aktenzeichen_is_plan_year_and_five_digit_number(value: Aktenzeichen, text: str) -> None:
    assert str(value) == text
    assert parse(text) == value


def test_parse_ignores_surrounding_whitespace() -> None:
    assert parse("  II-6002-2026-00003\n") == Aktenzeichen("II-6002", 2026, 3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Beschwerde",
        "II-6001-2026-0042",  # four digits
        "II-6001-26-00042",  # two-digit year
        "6001-2026-00042",  # no "II-"
        "II-600-2026-00042",
        "II-6001-2026-00042x",
        "II-6001-2026",
        "Fall II-6001-2026-00042",
    ],
)
def test_parse_rejects_what_is_not_an_aktenzeichen(text: str) -> None:
    assert parse(text) is None


def test_default_file_plan_has_the_numbers_of_the_concept() -> None:
    assert [(number, title) for number, title, _ in DEFAULT_FILE_PLAN] == [
        ("II-6000", "Allgemeines"),
        ("II-6001", "Beschwerden"),
        ("II-6001.1", "Dienstaufsichtsbeschwerden"),
        ("II-6002", "Eingaben"),
        ("II-6003", "Petitionen"),
        ("II-6004", "Auswertungen"),
    ]
    assert DEFAULT_PLAN_NUMBER == "II-6000"


def test_default_file_plan_names_each_kind_once() -> None:
    filed = {kind: number for number, _, kinds in DEFAULT_FILE_PLAN for kind in kinds}
    named = [kind for _, _, kinds in DEFAULT_FILE_PLAN for kind in kinds]

    assert len(named) == len(filed)
    assert filed == {
        "beschwerde": "II-6001",
        "datenschutzbeschwerde": "II-6001",
        "dienstaufsichtsbeschwerde": "II-6001.1",
        "eingabe": "II-6002",
        "petition": "II-6003",
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("II-6001-2026-00066", Fragment(66, 2026, "II-6001")),
        ("ii-6001-2026-00066", Fragment(66, 2026, "II-6001")),
        (" 6001-2026-66 ", Fragment(66, 2026, "II-6001")),
        ("6001.1-2026-5", Fragment(5, 2026, "II-6001.1")),
        ("II 6003 2025 7", Fragment(7, 2025, "II-6003")),
        ("00066/2026", Fragment(66, 2026)),
        ("66 / 2026", Fragment(66, 2026)),
        ("2026-00066", Fragment(66, 2026)),
        ("Wartezeit", None),
        ("66", None),
        ("6001-26-66", None),
        ("1" * 50, None),
    ],
)
def test_an_aktenzeichen_is_read_in_the_spellings_people_use(typed, expected):
    assert parse_fragment(typed) == expected
