"""Sessions that end: when the browser closes (a session cookie), after an idle time, at a
fixed time after the login, when the user's privileges change (a new session id), and
everywhere at once on request (issue 6, finding 6; ASVS 3.3, 3.2.1)."""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest

from .access import access_for

LOGIN_AT = "krm_login_at"
SEEN_AT = "krm_seen_at"
PRIVILEGES = "krm_privileges"
# How often the last activity is written back (a session write is a query).
SEEN_RESOLUTION = 60

IDLE = "idle"
EXPIRED = "expired"


def start(request: HttpRequest, user) -> None:
    """At login (Django has already given the session a new id)."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[PRIVILEGES] = access_for(user).fingerprint


def check(request: HttpRequest) -> str | None:
    """End the session if it idled or lived too long (returns why); give it a new id if
    the user's privileges changed since the last request."""
    session = request.session
    now = int(time.time())
    seen = session.get(SEEN_AT)
    login_at = session.get(LOGIN_AT)
    if seen is None or login_at is None:
        start(request, request.user)  # a session from before these rules
        return None
    if now - seen > settings.KRM_SESSION_IDLE_MINUTES * 60:
        logout(request)
        return IDLE
    if now - login_at > settings.SESSION_COOKIE_AGE:
        logout(request)
        return EXPIRED
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN_AT] = now
    fingerprint = access_for(request.user).fingerprint
    if session.get(PRIVILEGES) != fingerprint:
        # A deputyship began or ended: the old session id must not carry the new rights.
        session.cycle_key()
        session[PRIVILEGES] = fingerprint
    return None


def new_session_epoch() -> str:
    return secrets.token_hex(16)
