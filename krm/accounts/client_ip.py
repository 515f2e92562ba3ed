"""The client's address for login throttling (django-axes).

Behind KRM_PROXY_COUNT trusted reverse proxies, the client is the entry that many places
from the right of X-Forwarded-For (each proxy appends the address it saw); without proxies
the header is ignored, since any client can send it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.KRM_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    # Each trusted proxy appended the address it received from; the outermost one appended
    # the client's. Entries further left came from the client and prove nothing.
    if len(forwarded) < proxies:
        return remote  # fewer entries than proxies: misconfigured, trust nothing
    return forwarded[-proxies]
