"""`krm prune-logs`: the read log and the login logs are kept for their configured time."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.core.management import call_command
from django.utils import timezone

from krm.audit.models import Event, ReadEvent
from krm.testing.factories import make_case


def test_logs_older_than_their_retention_are_deleted(org, settings, capsys) -> None:
    case = make_case(org["krmb"])
    now = timezone.now()
    settings.KRM_READ_LOG_DAYS = 30
    settings.KRM_LOGIN_LOG_DAYS = 60
    old_read = ReadEvent.objects.create(
        case=case, user=org["tl"], via="seite", at=now - dt.timedelta(days=31)
    )
    kept_read = ReadEvent.objects.create(
        case=case, user=org["tl"], via="seite", at=now - dt.timedelta(days=29)
    )
    for days in (61, 59):
        moment = now - dt.timedelta(days=days)
        log = AccessLog.objects.create(username="tl", ip_address="10.0.0.1")
        failure = AccessFailureLog.objects.create(
            username="tl", ip_address="10.0.0.1", locked_out=False
        )
        # attempt_time is set on creation; age them.
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=moment)
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=moment)
    events = Event.objects.count()
    call_command("prune-logs")
    assert "Gelöscht: 1 Lesezugriffe, 1 Anmeldungen, 1 Fehlversuche" in capsys.readouterr().out
    assert list(ReadEvent.objects.all()) == [kept_read]
    assert not ReadEvent.objects.filter(pk=old_read.pk).exists()
    assert AccessLog.objects.count() == AccessFailureLog.objects.count() == 1
    assert Event.objects.count() == events  # the audit trail stays
