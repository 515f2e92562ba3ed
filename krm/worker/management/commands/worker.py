"""`krm worker`: runs krm's background tasks (text extraction and OCR, mail, retention), on
the database backend (runner.py) or on RQ (rq_engine.py), whichever KRM_TASK_BACKEND selects."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from krm.worker import rq_engine
from krm.worker.runner import KrmWorker


class Command(BaseCommand):
    help = "Führt die Hintergrundaufgaben aus (Texterkennung, E-Mail, Löschfristen)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Sekunden zwischen Abfragen"
        )
        parser.add_argument(
            "--batch", action="store_true", help="alle wartenden Aufgaben ausführen, dann enden"
        )
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        import logging

        # The records go to the root logger's handler (settings.LOGGING).
        level = logging.INFO if options["verbosity"] else logging.WARNING
        for name in ("krm.worker", "django_tasks_db", "django_tasks"):
            logging.getLogger(name).setLevel(level)
        worker_id = options["worker_id"] or get_random_string(32)
        if rq_engine.selected():
            # RQ's worker (it waits on Redis: no --interval) with krm's heartbeat thread.
            rq_engine.RQEngine(worker_id).run(
                burst=options["batch"],
                max_jobs=options["max_tasks"],
                level=logging.getLevelName(level),
            )
            return
        worker = KrmWorker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
