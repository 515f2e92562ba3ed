"""The README's configuration table names exactly the KRM_* variables krm reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_krm_reads_is_documented_and_nothing_else() -> None:
    settings = (ROOT / "krm" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\("(KRM_\w+)"', settings))
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `(KRM_\w+)` \|", readme, flags=re.MULTILINE))
    assert read == table, {"undocumented": read - table, "not read": table - read}


def test_the_commands_the_docs_name_exist() -> None:
    from django.core.management import get_commands

    commands = set(get_commands())
    docs = "".join(p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    named = set(re.findall(r"`krm ([a-z][a-z_-]+)", docs))
    assert named, "no commands found"
    assert named <= commands, named - commands
