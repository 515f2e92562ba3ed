"""The versions of the letter templates: every Jobcenter starts with the defaults (version 1
of each kind); the newest version of a kind is the one letters are made from."""

from __future__ import annotations

from .defaults import DEFAULTS
from .models import LetterTemplate


def ensure_templates(jobcenter_id: int) -> None:
    """Version 1 of every kind that has no template yet (the defaults)."""
    have = set(
        LetterTemplate.objects.filter(jobcenter_id=jobcenter_id).values_list("kind", flat=True)
    )
    LetterTemplate.objects.bulk_create(
        [
            LetterTemplate(jobcenter_id=jobcenter_id, kind=kind, version=1, subject=s, body=b)
            for kind, (s, b) in DEFAULTS.items()
            if kind not in have
        ],
        ignore_conflicts=True,
    )


def current_template(jobcenter_id: int, kind: str) -> LetterTemplate:
    template = (
        LetterTemplate.objects.filter(jobcenter_id=jobcenter_id, kind=kind)
        .order_by("-version")
        .first()
    )
    if template is None:
        ensure_templates(jobcenter_id)
        template = LetterTemplate.objects.get(jobcenter_id=jobcenter_id, kind=kind, version=1)
    return template
