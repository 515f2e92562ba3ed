"""`krm load-demo`: the demo organisation, users and about 300 cases, once.

Only in demo mode (KRM_DEMO=1), and only into a database without users, so that a second
`make run` keeps what was entered.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from krm.accounts.models import User
from krm.demo import mail, paperwork
from krm.demo.generator import generate_cases
from krm.demo.organisation import DEMO_PASSWORD, DEMO_USERS, build_demo_organisation


class Command(BaseCommand):
    help = "Lädt die Demodaten (nur mit KRM_DEMO=1 und nur in eine Datenbank ohne Benutzer)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument("--port", type=int, default=8000, help="für den Hinweis am Ende")

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("Demodaten nur im Demomodus (KRM_DEMO=1).")
        if User.objects.exists():
            self.stdout.write("Die Datenbank enthält schon Benutzer: keine Demodaten geladen.")
        else:
            jobcenter = build_demo_organisation(demo_passwords=True)
            users = {u.username: u for u in User.objects.filter(jobcenter=jobcenter)}
            # Most cases are registered by the KRM office; some are captured at the counter.
            capturers = [users["krmb"]] * 8 + [
                users[name]
                for name in (
                    "vertretung",
                    "vorzimmer",
                    "mitarbeiter",
                    "mitarbeiter",
                    "ma712",
                    "ma771",
                    "tl",
                )
            ]
            count = generate_cases(
                jobcenter=jobcenter, count=options["cases"], captured_by=capturers, seed=2019
            )
            papers = paperwork.add(jobcenter, users["krmb"])
            mails = mail.add(jobcenter)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demodaten geladen: {count} Fälle, Schreiben und Scans zu {papers} davon "
                    f"(der Worker liest die Scans), {mails} E-Mails im Postfach."
                )
            )
        self.stdout.write("")
        self.stdout.write(f"Demo-Anmeldungen (Passwort jeweils „{DEMO_PASSWORD}“):")
        for spec in DEMO_USERS[:12]:
            roles = ", ".join(role.label for role, _ in spec.roles)
            self.stdout.write(f"  {spec.username:<12} {roles}")
        self.stdout.write("")
        self.stdout.write(f"krm läuft gleich unter http://127.0.0.1:{options['port']}/")
