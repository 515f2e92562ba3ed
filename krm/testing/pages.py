"""Helpers for tests that post the screens' forms as a browser would."""

from __future__ import annotations

import re
from typing import Any

from krm.cases.models import Case


def edit_state(client: Any, case: Case) -> dict[str, str]:
    """The hidden state of the edit form as loaded now: the merge token and the version."""
    html = client.get(f"/faelle/{case.pk}/bearbeiten/").content.decode()
    token = re.search(r'name="merge" value="([^"]*)"', html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {"merge": token, "version": version}
