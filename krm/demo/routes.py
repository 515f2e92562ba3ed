"""The route history of a generated case: which steps of workflow.py it has taken, when and
by whom, where it stands now and which tasks it had (done) and has (open). Closed cases went
the whole way; open ones part of it, the older the further."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from krm.cases.kinds import SPOKEN_CHANNELS, URGENT, Channel, Kind, Signer, is_in_scope
from krm.cases.workflow import STATES, Status

# (step, status after it or None, who takes it)
LETTER = [
    ("gf_vorlegen", Status.BEI_GF, "krmb"),
    ("abverfuegen", Status.ABVERFUEGT, "gf"),
    ("an_bereich", Status.BEI_BL, "krmb"),
    ("tl_zuweisen", Status.IN_BEARBEITUNG, "bl"),
    ("entwurf", None, "handler"),
    ("vorlegen", Status.IN_PRUEFUNG, "handler"),
    ("pruefung_bestanden", Status.ZUR_ZEICHNUNG, "krmb"),
    ("zeichnen", Status.ZUM_VERSAND, "signer"),
    ("versenden", Status.BEANTWORTET, "krmb"),
    ("abschliessen", Status.ABGESCHLOSSEN, "krmb"),
]
ELECTRONIC = LETTER[2:]
ANSWER = LETTER[4:]
DAB = [("an_fuehrungskraft", Status.IN_BEARBEITUNG, "krmb"), *ANSWER]
DATA_PROTECTION = [("an_dsb", Status.IN_BEARBEITUNG, "krmb"), *ANSWER]
AT_ONCE = [("abschliessen", Status.ABGESCHLOSSEN, "krmb")]
CARD = [("auswerten", Status.ABGESCHLOSSEN, "krmb")]
TYPICAL_DAYS = 14  # how long a case takes, for how far an open one has come


def route_for(kind: str, channel: str) -> list[tuple[str, str | None, str]]:
    if kind == Kind.MEINUNGSKARTE:
        return CARD
    if kind == Kind.DIENSTAUFSICHTSBESCHWERDE:
        return DAB
    if kind == Kind.DATENSCHUTZBESCHWERDE:
        return DATA_PROTECTION
    if kind == Kind.LOB or (channel in SPOKEN_CHANNELS and kind != Kind.PETITION):
        return AT_ONCE
    if kind in URGENT or channel == Channel.BRIEF:
        return LETTER
    return ELECTRONIC


@dataclass
class History:
    status: str
    steps: list[tuple[str, str, str, dt.datetime, str]] = field(default_factory=list)
    # (state, entered, left or None): one task per state the case was in
    states: list[tuple[str, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    signer: str = ""
    abverfuegt_at: dt.datetime | None = None
    drafted: bool = False


def history(
    rng: random.Random,
    *,
    kind: str,
    channel: str,
    received_at: dt.datetime,
    closed_at: dt.datetime | None,
    now: dt.datetime,
) -> History:
    if not is_in_scope(kind):
        return History(Status.WEITERGELEITET)
    route = route_for(kind, channel)
    if closed_at is not None:
        taken, end = len(route), closed_at
    else:
        progress = min(0.95, (now - received_at).days / TYPICAL_DAYS) * rng.random()
        taken, end = int(progress * (len(route) - 1)), now - dt.timedelta(minutes=5)
    span = max((end - received_at).total_seconds(), 60.0)
    moments = sorted(
        received_at + dt.timedelta(seconds=span * rng.uniform(0.05, 1.0)) for _ in range(taken)
    )
    if closed_at is not None and moments:
        moments[-1] = closed_at
    result = History(Status.EINGEGANGEN)
    result.signer = Signer.GF if kind in URGENT or route in (DAB, DATA_PROTECTION) else Signer.TL
    entered = received_at
    for (name, target, actor), moment in zip(route[:taken], moments, strict=True):
        old = result.status
        result.steps.append((name, old, target or old, moment, actor))
        if name == "abverfuegen":
            result.abverfuegt_at = moment
        if name == "entwurf":
            result.drafted = True
        if target is not None:
            result.states.append((old, entered, moment))
            result.status, entered = target, moment
    if result.status in STATES:
        result.states.append((result.status, entered, None))
    return result
