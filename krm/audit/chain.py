"""The tamper evidence of the audit trail, as pure functions (ASVS 7.3.3).

Every event belongs to a chain (one per case, one per Jobcenter for account and
configuration changes) and carries its position `seq` and a MAC: an HMAC-SHA256, keyed with
KRM_AUDIT_KEY, over the event's content and the MAC of the event before it. Editing,
removing or reordering an event breaks the chain; without the key, which lives in the
application's environment and not in the database, nobody can compute a new one.

Personal values (a customer's name, a complaint's text) are not part of the MAC; their
keyed digests are. Erasing a value (GDPR art. 17) keeps its digest, so the chain stays
verifiable and the value is gone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64


def canonical_value(value: Any) -> Any:
    """The value as the database gives it back: JSON types only, dates as ISO 8601."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces."""
    return json.dumps(
        canonical_value(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _hmac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def digest(key: bytes, *, chain: str, seq: int, slot: str, value: Any) -> str:
    """The keyed digest of one personal value, bound to its place in the chain."""
    return _hmac(key, canonical(["personal", chain, seq, slot, value]))


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_mac(
    key: bytes,
    *,
    chain: str,
    seq: int,
    prev: str,
    type: str,
    case_id: int | None,
    actor_id: int | None,
    subject_user_id: int | None,
    created_at: dt.datetime,
    data: dict,
    digests: dict,
) -> str:
    return _hmac(
        key,
        canonical(
            {
                "chain": chain,
                "seq": seq,
                "prev": prev,
                "type": type,
                "case": case_id,
                "actor": actor_id,
                "subject_user": subject_user_id,
                "at": timestamp(created_at),
                "data": data,
                "digests": digests,
            }
        ),
    )
