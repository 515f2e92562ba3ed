import datetime as dt

from django import template
from django.utils import timezone

from krm.cases import privacy
from krm.cases.deadlines import DeadlineState
from krm.cases.kinds import Channel, Kind, Outcome
from krm.cases.workflow import Status

register = template.Library()

_SYMBOL = {
    DeadlineState.UEBERFAELLIG: "⚠",
    DeadlineState.BALD_FAELLIG: "◔",
    DeadlineState.FRISTGERECHT: "✓",
}


@register.inclusion_tag("cases/_deadline_state.html")
def deadline_state(state: str | None) -> dict:
    """The deadline state as a text badge: symbol and words, never colour alone."""
    if not state:
        return {"state": None}
    return {"state": state, "label": DeadlineState(state).label, "symbol": _SYMBOL[state]}


FIELD_LABELS = {
    "kind": "Art",
    "channel": "Eingangsweg",
    "received_at": "Eingang",
    "subject": "Betreff",
    "text": "Inhalt",
    "org_unit": "Einheit",
    "staff_concerned": "betroffene/r Mitarbeiter/in",
    "topics": "Themen",
    "escalation_level": "Eskalationsstufe",
    "customer": "Kundendaten",
    "aktenzeichen": "Aktenzeichen",
    "status": "Status",
    "ergebnis": "Ergebnis",
    "an": "an",
    "mit": "mit",
    "bemerkung": "Bemerkung",
    "grund": "Grund",
    "versandt": "versandt",
    "transition": "Schritt",
    "erfassung": "Erfassung",
    "felder": "betrifft",
}


_CHOICES = {"kind": Kind, "channel": Channel, "status": Status, "ergebnis": Outcome}


_MOMENTS = {"received_at", "versandt", "abgeschlossen"}


def _show(value: object, key: str = "") -> str:
    if key == "felder" and isinstance(value, list):
        return ", ".join(privacy.labels(value))
    if key in _CHOICES and isinstance(value, str) and value in _CHOICES[key].values:
        return str(_CHOICES[key](value).label)
    if key in _MOMENTS and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{timezone.localtime(moment):%d.%m.%Y %H:%M} Uhr"
    if value in (None, "", [], {}):
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items() if v)
    return str(value)


HIDDEN_CASE = "ein Fall, den Sie nicht einsehen dürfen"


@register.simple_tag
def event_lines(event: object, visible_ids: frozenset[int] = frozenset()) -> list[str]:
    """Readable lines for an audit event's data: changes as "Feld: alt → neu". Another
    case named in the event shows its Aktenzeichen only if the reader may see that case."""
    data = dict(getattr(event, "content", {}) or {})
    if "mit_id" in data and data["mit_id"] not in visible_ids:
        data["mit"] = HIDDEN_CASE
        data.pop("bemerkung", None)  # a note about a case one may not see says too much
    lines = []
    changes = data.get("aenderungen", {})
    for key, change in changes.items():
        old, new = _show(change["alt"], key), _show(change["neu"], key)
        lines.append(f"{FIELD_LABELS.get(key, key)}: {old} → {new}")
    for key, value in data.items():
        if key in ("aenderungen", "fristen", "customer", "text") or key not in FIELD_LABELS:
            continue
        if isinstance(value, dict) and set(value) == {"alt", "neu"}:
            old, new = _show(value["alt"], key), _show(value["neu"], key)
            lines.append(f"{FIELD_LABELS[key]}: {old} → {new}")
        elif value not in (None, ""):
            lines.append(f"{FIELD_LABELS[key]}: {_show(value, key)}")
    return lines
