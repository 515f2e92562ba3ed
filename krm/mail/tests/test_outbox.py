"""The transactional outbox against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from krm.audit.models import Event, EventType
from krm.mail import services
from krm.mail.models import MailState, OutboundMail
from krm.testing.factories import JobcenterFactory, make_case

pytestmark = pytest.mark.django_db


def _queue(jobcenter: Any, key: str = "k1", **kwargs: Any) -> OutboundMail:
    data = {
        "jobcenter": jobcenter,
        "key": key,
        "to": ["bl71@jobcenter.example"],
        "subject": "[II-6001-2026-00042] Neue Aufgabe",
        "body": "Guten Tag,\n\nbitte prüfen.\n",
    }
    data.update(kwargs)
    mail = services.queue(**data)
    assert mail is not None
    return mail


def test_a_mail_exists_only_if_its_step_was_recorded(org: Any) -> None:
    """Transactional outbox: the mail is written in the step's transaction."""
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(org.jobcenter)
        raise RuntimeError("the step fails")
    assert not OutboundMail.objects.exists()
    _queue(org.jobcenter)
    assert OutboundMail.objects.count() == 1


def test_the_same_cause_never_queues_a_second_mail(org: Any) -> None:
    _queue(org.jobcenter, key="tasks:1:7")
    assert (
        services.queue(
            jobcenter=org.jobcenter,
            key="tasks:1:7",
            to=["x@jobcenter.example"],
            subject="s",
            body="b",
        )
        is None
    )
    assert OutboundMail.objects.count() == 1


def test_sent_mail_arrives_with_krm_message_id_and_plain_text(org: Any, smtp: Any) -> None:
    org.jobcenter.mail_address = "krm@pankow.example"
    org.jobcenter.save()
    case = make_case(org["krmb"])
    mail = _queue(org.jobcenter, case=case)
    assert services.send_due() == (1, 0)
    [received] = smtp.wait_for(1)
    assert received["Message-ID"] == f"<{mail.message_id}>"
    assert mail.message_id.endswith("@krm.jobcenter.example")
    assert received["Subject"] == "[II-6001-2026-00042] Neue Aufgabe"
    assert "krm@pankow.example" in received["From"]
    assert received.message.get_content_type() == "text/plain"
    assert "bitte prüfen" in received.message.get_content()
    mail.refresh_from_db()
    assert mail.state == MailState.SENT and mail.attempts == 1 and mail.sent_at
    # Sent mail is in the case's timeline.
    assert Event.objects.filter(case_id=case.pk, type=EventType.MAIL_SENT).count() == 1


def test_mail_sent_while_smtp_is_down_arrives_later_exactly_once(org: Any, smtp: Any) -> None:
    mails = [_queue(org.jobcenter, key=f"k{i}") for i in range(3)]
    smtp.stop()
    assert services.send_due() == (0, 3)
    for mail in mails:
        mail.refresh_from_db()
        assert mail.state == MailState.QUEUED
        assert mail.attempts == 1
        assert mail.last_error
        assert mail.next_attempt_at > timezone.now()
    # Not due yet: nothing is tried.
    assert services.send_due() == (0, 0)
    smtp.restart()
    later = timezone.now() + dt.timedelta(minutes=5)
    assert services.send_due(now=later) == (3, 0)
    assert services.send_due(now=later + dt.timedelta(hours=3)) == (0, 0)
    received = smtp.wait_for(3)
    ids = sorted(m["Message-ID"] for m in received)
    assert ids == sorted(f"<{m.message_id}>" for m in mails)
    assert len(smtp.messages) == 3


def test_after_the_last_attempt_a_mail_is_flagged_and_can_be_resent(
    org: Any, smtp: Any, settings: Any, client: Any
) -> None:
    settings.KRM_MAIL_ATTEMPTS = 2
    mail = _queue(org.jobcenter)
    smtp.refuse_with = "451 4.3.0 Bitte später"
    now = timezone.now()
    services.send_due(now=now)
    services.send_due(now=now + dt.timedelta(hours=1))
    mail.refresh_from_db()
    assert mail.state == MailState.FAILED
    assert mail.attempts == 2
    assert "451" in mail.last_error
    assert services.send_due(now=now + dt.timedelta(days=1)) == (0, 0)  # stopped
    # The KRM-B sees it flagged in the Postausgang and sends it again.
    client.force_login(org["krmb"])
    page = client.get(reverse("mail:outbox"))
    assert "gescheitert" in page.content.decode()
    smtp.refuse_with = None
    response = client.post(reverse("mail:resend", args=[mail.pk]))
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.state == MailState.QUEUED and mail.attempts == 0
    assert services.send_due() == (1, 0)
    assert len(smtp.wait_for(1)) == 1


def test_the_password_never_shows(org: Any, smtp: Any, settings: Any, client: Any) -> None:
    # (No user: Django logs in only with both; the server's answer then names the secret.)
    settings.EMAIL_HOST_PASSWORD = "Sehr-Geheim-4711"
    mail = _queue(org.jobcenter)
    smtp.refuse_with = "451 4.3.0 Sehr-Geheim-4711 falsch"
    services.send_due()
    mail.refresh_from_db()
    assert mail.last_error and "Sehr-Geheim-4711" not in mail.last_error
    client.force_login(org["krmb"])
    assert "Sehr-Geheim-4711" not in client.get(reverse("mail:outbox")).content.decode()


@pytest.mark.parametrize(
    "address",
    [
        "bl71@jobcenter.example\r\nBcc: evil@example.net",
        "bl71@jobcenter.example\nBcc: evil@example.net",
        "a@example.net, evil@example.net",
        "Evil <evil@example.net>",
        "kein-at-zeichen",
    ],
)
def test_header_injection_in_an_address_is_refused(org: Any, address: str) -> None:
    with pytest.raises(services.MailRefused):
        _queue(org.jobcenter, to=[address])
    assert not OutboundMail.objects.exists()


def test_line_breaks_in_subjects_and_names_are_removed(org: Any, smtp: Any) -> None:
    org.jobcenter.name = "Jobcenter\r\nBcc: evil@example.net"
    org.jobcenter.save()
    _queue(org.jobcenter, subject="Betreff\r\nBcc: evil@example.net\u2028X")
    services.send_due()
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["bl71@jobcenter.example"]
    assert received["Bcc"] is None
    assert b"\r\nBcc:" not in received.raw
    assert "\n" not in received["Subject"] and "\n" not in received["From"]


def test_two_workers_never_send_the_same_mail(org: Any) -> None:
    mail = _queue(org.jobcenter)
    now = timezone.now()
    assert services._claim(mail.pk, now) is True
    assert services._claim(mail.pk, now) is False
    # A claim whose worker died (older than CLAIM_TIMEOUT) is taken over.
    assert services._claim(mail.pk, now + services.CLAIM_TIMEOUT + dt.timedelta(seconds=1))


def test_postausgang_is_for_the_krmb_and_administrators_of_the_jobcenter(
    org: Any, client: Any
) -> None:
    mail = _queue(org.jobcenter)
    other = _queue(JobcenterFactory(), key="other")
    for role, status in (("krmb", 200), ("admin", 200), ("tl", 403), ("gf", 403), ("dsb", 403)):
        client.force_login(org[role])
        assert client.get(reverse("mail:outbox")).status_code == status, role
    client.force_login(org["krmb"])
    page = client.get(reverse("mail:outbox")).content.decode()
    assert mail.subject in page
    assert client.post(reverse("mail:resend", args=[other.pk])).status_code == 404


def test_postausgang_reads_a_constant_number_of_queries(
    org: Any, client: Any, django_assert_max_num_queries: Any
) -> None:
    """R-speed: the page costs the same with 3 or 30 mails."""
    client.force_login(org["krmb"])
    case = make_case(org["krmb"])
    for i in range(3):
        _queue(org.jobcenter, key=f"a{i}", case=case)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("mail:outbox"))
    for i in range(27):
        _queue(org.jobcenter, key=f"b{i}", case=case)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("mail:outbox"))
    assert len(many) == len(few)


def test_the_postausgang_says_in_german_what_went_wrong(org: Any, smtp: Any) -> None:
    mail = _queue(org.jobcenter)
    smtp.stop()
    services.send_due()
    mail.refresh_from_db()
    assert mail.last_error.startswith("Mailserver nicht erreichbar")
    smtp.restart()
    smtp.refuse_with = "554 5.7.1 Nachricht abgelehnt"
    services.send_due(now=timezone.now() + dt.timedelta(hours=1))
    mail.refresh_from_db()
    assert mail.last_error.startswith("Der Mailserver antwortet 554")
