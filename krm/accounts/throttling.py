"""Login throttling: django-axes, with a limit of its own for each way of counting.

Failed logins are counted three ways (within the cool-off time):
- per username and address: KRM_LOGIN_FAILURE_LIMIT (5): someone's typos lock only them,
  and only from where they typed;
- per username alone, from anywhere: KRM_LOGIN_FAILURE_LIMIT_USER (20): guessing one
  password from many addresses;
- per address alone, whatever the username: KRM_LOGIN_FAILURE_LIMIT_ADDRESS (100): guessing
  many accounts' passwords from one place, set high because an office behind one address
  (terminal server, NAT) types wrong passwords too.
The last two never lock a user out of an address they logged in from successfully within
KRM_LOGIN_KNOWN_DAYS: nobody can keep a known colleague locked out from elsewhere. A
successful login clears the failures of that username only, never those of others from
the same address.
"""

from __future__ import annotations

import datetime as dt
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


def limits() -> tuple[int, int, int]:
    """(per username and address, per username, per address): the order of
    AXES_LOCKOUT_PARAMETERS in the settings."""
    return (
        settings.AXES_FAILURE_LIMIT,
        settings.KRM_LOGIN_FAILURE_LIMIT_USER,
        settings.KRM_LOGIN_FAILURE_LIMIT_ADDRESS,
    )


def cool_off() -> dt.timedelta:
    return dt.timedelta(hours=settings.AXES_COOLOFF_TIME)


class LoginThrottle(AxesDatabaseHandler):
    def _known_here(self, request: HttpRequest, credentials: dict | None) -> bool:
        """The username logged in from this address recently (a place it belongs)."""
        username = get_client_username(request, credentials)
        if not username:
            return False
        since = timezone.now() - dt.timedelta(days=settings.KRM_LOGIN_KNOWN_DAYS)
        return AccessLog.objects.filter(
            username=username, ip_address=request.axes_ip_address, attempt_time__gte=since
        ).exists()

    def _counted(self, request: HttpRequest, credentials: dict | None) -> list[tuple[int, list]]:
        """Per way of counting that applies here: its limit and its attempts (newest
        first), as (failures, attempt time) pairs."""
        attempts = self.get_user_attempts(request, credentials)
        applies = [True, True, True]
        if self._known_here(request, credentials):
            applies[1] = applies[2] = False
        result = []
        for limit, queryset, counted in zip(limits(), attempts, applies, strict=True):
            if counted:
                rows = list(
                    queryset.order_by("-attempt_time").values_list(
                        "failures_since_start", "attempt_time"
                    )
                )
                result.append((limit, rows))
        return result

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """How close the request is to a lockout, on the scale of the first limit: axes
        locks when this reaches AXES_FAILURE_LIMIT, i.e. when any way of counting reaches
        its own limit."""
        first = settings.AXES_FAILURE_LIMIT
        pressure = 0
        for limit, rows in self._counted(request, credentials):
            pressure = max(pressure, sum(f for f, _ in rows) - limit + first)
        return pressure

    def locked_until(self, request: HttpRequest, credentials: dict | None = None) -> dt.datetime:
        """When the lockout of this request ends (now, if there is none)."""
        now = timezone.now()
        until = now
        for limit, rows in self._counted(request, credentials):
            total = 0
            for failures, attempt_time in rows:
                total += failures
                if total >= limit:
                    # Locked until this attempt (and all newer ones) leave the window.
                    until = max(until, attempt_time + cool_off())
                    break
        return until

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A successful login clears the failures of this username, nobody else's."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def wait_minutes(request: HttpRequest, credentials: dict | None) -> int:
    until = LoginThrottle().locked_until(request, credentials)
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
