"""`krm import-mail FILE…`: import .eml/.msg files through the mailbox's code; one line per
file (FILE<TAB>case|joined|duplicate|quarantined …); exit code 0 unless a file could not be
read at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from krm.jobcenters.models import Jobcenter
from krm.mailbox.services import announce, import_mail


class Command(BaseCommand):
    help = "E-Mail-Dateien (.eml, .msg) einlesen, wie aus dem Postfach."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--jobcenter", help="Kurzname des Jobcenters (nötig, wenn es mehrere gibt)"
        )

    def handle(self, *args: Any, files: list[str], jobcenter: str | None, **options: Any) -> None:
        if jobcenter:
            target = Jobcenter.objects.filter(slug=jobcenter).first()
            if target is None:
                raise CommandError(f"Unbekanntes Jobcenter „{jobcenter}“.")
        else:
            candidates = list(Jobcenter.objects.order_by("pk")[:2])
            if len(candidates) != 1:
                raise CommandError(
                    "Bitte mit --jobcenter angeben, für welches Jobcenter eingelesen wird."
                )
            target = candidates[0]
        unreadable = 0
        results = []
        for name in files:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                self.stderr.write(f"{name}\tunreadable {exc.strerror or exc}")
                unreadable += 1
                continue
            result = import_mail(raw, jobcenter=target, source=f"Datei: {Path(name).name}")
            results.append(result)
            self.stdout.write(result.line(name))
        announce(target, results)
        if unreadable:
            raise SystemExit(1)
