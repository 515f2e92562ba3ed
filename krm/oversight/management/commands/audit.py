"""`krm audit verify`: check the audit trail's chains (edited, deleted, reordered events)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from krm.accounts.models import User
from krm.audit.services import verify
from krm.cases.models import AktenzeichenRecord, Case
from krm.jobcenters.models import Jobcenter
from krm.lib import aktenzeichen as az


class Command(BaseCommand):
    help = "Prüft den Prüfpfad: veränderte, gelöschte oder umgestellte Ereignisse."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="alle Ketten prüfen (oder die genannten)")
        check.add_argument("--chain", action="append", help="z. B. case:42 oder jc:1")
        check.add_argument("--aktenzeichen", action="append", help="die Kette dieses Falls")

    def handle(self, *args: Any, **options: Any) -> None:
        chains = list(options.get("chain") or [])
        for value in options.get("aktenzeichen") or []:
            chains.append(self._case_chain(value))
        problems = 0
        checked = "alle Ketten" if not chains else ", ".join(chains)
        # Every case and every Jobcenter has a chain: one deleted whole is found too.
        expected = [] if chains else self._expected()
        for problem in verify(chains=chains or None, expected=expected):
            problems += 1
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"Prüfpfad: {problems} Befund(e) in {checked}.")
        self.stdout.write(f"Prüfpfad in Ordnung ({checked}).")

    def _expected(self) -> list[str]:
        cases = Case.objects.values_list("pk", flat=True).iterator(chunk_size=10_000)
        expected = [f"case:{pk}" for pk in cases] + [
            f"jc:{pk}" for pk in Jobcenter.objects.values_list("pk", flat=True)
        ]
        if User.objects.filter(jobcenter__isnull=True).exists():
            expected.append("system")  # the log of accounts without a Jobcenter
        return expected

    def _case_chain(self, value: str) -> str:
        parsed = az.parse(value)
        record = (
            AktenzeichenRecord.objects.filter(aktenzeichen=str(parsed)).first() if parsed else None
        )
        if record is None:
            raise CommandError(f"Kein Fall mit dem Aktenzeichen {value}.")
        return f"case:{record.case_id}"
