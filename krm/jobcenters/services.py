"""Setting up a Jobcenter with the defaults of the KRM concept."""

from __future__ import annotations

from django.db import transaction

from krm.lib.aktenzeichen import DEFAULT_FILE_PLAN, DEFAULT_PLAN_NUMBER

from .models import FilePlanEntry, Jobcenter, Topic
from .taxonomy import DEFAULT_TOPICS


@transaction.atomic
def create_jobcenter(*, name: str, slug: str) -> Jobcenter:
    """A new Jobcenter with the concept's file plan (R-A1) and the default topic list."""
    jobcenter = Jobcenter.objects.create(name=name, slug=slug)
    FilePlanEntry.objects.bulk_create(
        FilePlanEntry(
            jobcenter=jobcenter,
            number=number,
            title=title,
            kinds=kinds,
            is_default=number == DEFAULT_PLAN_NUMBER,
        )
        for number, title, kinds in DEFAULT_FILE_PLAN
    )
    Topic.objects.bulk_create(
        Topic(jobcenter=jobcenter, code=code, label=label) for code, label in DEFAULT_TOPICS
    )
    return jobcenter
