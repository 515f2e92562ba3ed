"""Each user chooses per kind: at once, or in the daily digest."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from krm.audit.models import Event, EventType
from krm.mail.models import Delivery, NotificationKind, NotificationSetting

pytestmark = pytest.mark.django_db


def test_a_user_chooses_per_kind_and_the_change_is_recorded(org: Any, client: Any) -> None:
    client.force_login(org["tl"])
    page = client.get(reverse("mail:settings"))
    assert page.status_code == 200
    data = dict.fromkeys(NotificationKind.values, Delivery.AT_ONCE)
    data[NotificationKind.KENNTNIS] = Delivery.DIGEST
    response = client.post(reverse("mail:settings"), data)
    assert response.status_code == 302
    assert list(NotificationSetting.objects.values_list("user__username", "kind", "delivery")) == [
        ("tl", NotificationKind.KENNTNIS, Delivery.DIGEST)
    ]
    assert Event.objects.filter(type=EventType.ACCOUNT_CHANGED, subject_user=org["tl"]).count() == 1
    # A bad value changes nothing.
    data[NotificationKind.AUFGABE] = "immer"
    assert client.post(reverse("mail:settings"), data).status_code == 200
    assert NotificationSetting.objects.count() == 1


def test_the_settings_page_needs_a_login(client: Any) -> None:
    response = client.get(reverse("mail:settings"))
    assert response.status_code == 302 and "/anmelden/" in response.url
