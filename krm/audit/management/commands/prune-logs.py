"""`krm prune-logs`: delete log entries past their retention (run it daily, e.g. by cron).

The read log after KRM_READ_LOG_DAYS, logins and failed logins after KRM_LOGIN_LOG_DAYS,
expired sessions. The audit trail itself is not touched: it goes with its case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.utils import timezone

from krm.audit.models import ReadEvent


class Command(BaseCommand):
    help = "Löscht Protokolleinträge nach Ablauf ihrer Aufbewahrungsfrist."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        reads = now - dt.timedelta(days=settings.KRM_READ_LOG_DAYS)
        logins = now - dt.timedelta(days=settings.KRM_LOGIN_LOG_DAYS)
        counts = {
            "Lesezugriffe": ReadEvent.objects.filter(at__lt=reads).delete()[0],
            "Anmeldungen": AccessLog.objects.filter(attempt_time__lt=logins).delete()[0],
            "Fehlversuche": AccessFailureLog.objects.filter(attempt_time__lt=logins).delete()[0],
            "Sitzungen": Session.objects.filter(expire_date__lt=now).delete()[0],
        }
        self.stdout.write(
            "Gelöscht: " + ", ".join(f"{count} {what}" for what, count in counts.items())
        )
