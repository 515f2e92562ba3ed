"""`krm retention [--dry-run] [--date YYYY-MM-DD]`: one day's retention work (R-A2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from krm.jobcenters.models import Jobcenter
from krm.retention import services


class Command(BaseCommand):
    help = (
        "Aufbewahrung: fällige Fälle dem Archiv anbieten, Entscheidungen ausführen "
        "(exportieren, löschen), Meinungskarten bereinigen."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="nur anzeigen, was geschähe; nichts ändern"
        )
        parser.add_argument("--date", help="als ob heute dieser Tag wäre (JJJJ-MM-TT)")
        parser.add_argument("--jobcenter", help="nur dieses Jobcenter (Kurzname)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date: bitte als JJJJ-MM-TT angeben") from None
        jobcenters = Jobcenter.objects.order_by("pk")
        if options["jobcenter"]:
            jobcenters = jobcenters.filter(slug=options["jobcenter"])
            if not jobcenters.exists():
                raise CommandError(f"Jobcenter „{options['jobcenter']}“ gibt es nicht.")
        prefix = "Probelauf, nichts geändert – " if options["dry_run"] else ""
        for jobcenter in jobcenters:
            work = services.run(jobcenter, today, dry_run=options["dry_run"])
            for line in work.lines():
                self.stdout.write(prefix + line)
