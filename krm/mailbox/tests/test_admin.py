"""The mailbox configuration in the admin: the password is written, never shown again;
changes are in the security log."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from krm.audit.models import Event, EventType
from krm.mailbox.models import Mailbox

pytestmark = pytest.mark.django_db


def _form(org: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "jobcenter": org.jobcenter.pk,
        "name": "KRM-Postfach",
        "host": "imap.pankow.example",
        "port": 993,
        "security": "ssl",
        "username": "krm",
        "password": "Postfach-Geheim-1",
        "folder": "INBOX",
        "processed_folder": "krm-verarbeitet",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_the_password_is_kept_and_never_shown_again(org: Any, client: Any) -> None:
    admin = org["admin"]
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(reverse("admin:mailbox_mailbox_add"), _form(org))
    assert response.status_code == 302, response.content.decode()[:2000]
    box = Mailbox.objects.get()
    assert box.password == "Postfach-Geheim-1"
    page = client.get(reverse("admin:mailbox_mailbox_change", args=[box.pk])).content.decode()
    assert "Postfach-Geheim-1" not in page
    # Saved again with the field left empty: the password stays.
    client.post(reverse("admin:mailbox_mailbox_change", args=[box.pk]), _form(org, password=""))
    box.refresh_from_db()
    assert box.password == "Postfach-Geheim-1"
    events = Event.objects.filter(type=EventType.CONFIG_CHANGED, jobcenter_id=org.jobcenter.pk)
    assert events.exists()
    assert all("Postfach-Geheim-1" not in str(e.data) for e in events)


def test_line_breaks_in_the_configuration_are_refused(org: Any, client: Any) -> None:
    admin = org["admin"]
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(
        reverse("admin:mailbox_mailbox_add"), _form(org, folder="INBOX\r\nA1 DELETE x")
    )
    assert response.status_code == 200
    assert "Zeilenumbrüche" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_moving_the_mailbox_to_another_server_needs_the_password_again(
    org: Any, client: Any
) -> None:
    """Else whoever may edit the configuration could send the stored password elsewhere."""
    admin = org["admin"]
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    client.post(reverse("admin:mailbox_mailbox_add"), _form(org))
    box = Mailbox.objects.get()
    url = reverse("admin:mailbox_mailbox_change", args=[box.pk])
    response = client.post(url, _form(org, host="imap.evil.example", password=""))
    assert response.status_code == 200
    assert "Passwort erneut eingeben" in response.content.decode()
    box.refresh_from_db()
    assert box.host == "imap.pankow.example"
