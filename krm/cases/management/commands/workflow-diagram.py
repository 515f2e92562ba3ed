"""`krm workflow-diagram`: the case state machine as a Mermaid diagram and the table of its
steps (both in docs/workflow.md; a test holds them to workflow.py)."""

from django.core.management.base import BaseCommand

from krm.cases.workflow import mermaid, steps_table


class Command(BaseCommand):
    help = "Gibt den Statusautomaten als Mermaid-Diagramm (oder die Schritte als Tabelle) aus."

    def add_arguments(self, parser):
        parser.add_argument("--table", action="store_true", help="die Schritte als Tabelle")

    def handle(self, *args, **options):
        self.stdout.write(steps_table() if options["table"] else mermaid(), ending="")
