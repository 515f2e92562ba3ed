"""`krm workflow-diagram`: the case state machine as a Mermaid diagram (docs/workflow.md)."""

from django.core.management.base import BaseCommand

from krm.cases.workflow import mermaid


class Command(BaseCommand):
    help = "Gibt den Statusautomaten der Fälle als Mermaid-Diagramm aus."

    def handle(self, *args, **options):
        self.stdout.write(mermaid(), ending="")
