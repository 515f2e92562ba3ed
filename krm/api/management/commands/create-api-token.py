"""`krm create-api-token USERNAME`: prints a new API key (only the key, on stdout)."""

import sys

from django.core.management.base import BaseCommand

from krm.accounts.models import User
from krm.api.models import ApiToken


class Command(BaseCommand):
    help = "Erzeugt einen API-Schlüssel für BENUTZER und gibt nur den Schlüssel aus."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            self.stderr.write(f"Unbekannte/r oder inaktive/r Benutzer/in: {options['username']}")
            sys.exit(1)
        _token, key = ApiToken.issue(user)
        self.stdout.write(key)
