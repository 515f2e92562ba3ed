"""Every model change has its migration (a label or a choice too: it reaches the database's
checks and the admin)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exc:  # makemigrations --check exits 1 when something is missing
        pytest.fail(f"makemigrations --check: a migration is missing (exit {exc.code})")
