"""API tokens: the key is shown once; only its SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Person",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("Anfang des Schlüssels", max_length=8)
    created_at = models.DateTimeField("angelegt am", auto_now_add=True)
    last_used_at = models.DateTimeField("zuletzt benutzt", null=True, blank=True)

    class Meta:
        verbose_name = "API-Schlüssel"
        verbose_name_plural = "API-Schlüssel"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user) -> tuple[ApiToken, str]:
        """Create a token for `user`; returns it with the clear key (shown only once)."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=hash_key(key), prefix=key[:8])
        return token, key
