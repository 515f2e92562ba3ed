"""`krm generate-cases N`: N realistic cases in bulk (for benchmarks and load tests)."""

import time

from django.core.management.base import BaseCommand, CommandError

from krm.accounts.models import User
from krm.demo.generator import generate_cases
from krm.demo.organisation import build_demo_organisation
from krm.jobcenters.models import Jobcenter


class Command(BaseCommand):
    help = "Erzeugt N realistische Fälle (Masseneinfügung)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--jobcenter", help="Kurzname des Jobcenters (Standard: das erste)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        count = options["count"]
        if count < 1:
            raise CommandError("N muss mindestens 1 sein.")
        jobcenters = Jobcenter.objects.order_by("pk")
        if options["jobcenter"]:
            jobcenters = jobcenters.filter(slug=options["jobcenter"])
        jobcenter = jobcenters.first()
        if jobcenter is None:
            if options["jobcenter"]:
                raise CommandError(f"Unbekanntes Jobcenter: {options['jobcenter']}")
            # An empty database: set up the demo organisation (users without passwords).
            jobcenter = build_demo_organisation(demo_passwords=False)
        users = list(User.objects.filter(jobcenter=jobcenter, is_active=True)[:20])
        if not users:
            raise CommandError("Das Jobcenter hat keine Benutzer, die Fälle erfassen könnten.")
        started = time.perf_counter()
        created = generate_cases(
            jobcenter=jobcenter, count=count, captured_by=users, seed=options["seed"]
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{created} Fälle erzeugt in {elapsed:.1f} s.")
