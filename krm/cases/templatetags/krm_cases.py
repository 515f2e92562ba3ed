from django import template

from krm.cases.deadlines import DeadlineState

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
}


def _show(value: object) -> str:
    if value in (None, "", [], {}):
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items() if v)
    return str(value)


@register.filter
def event_lines(event: object) -> list[str]:
    """Readable lines for an audit event's data: changes as "Feld: alt → neu"."""
    data = getattr(event, "data", {}) or {}
    lines = []
    changes = data.get("aenderungen", {})
    for key, change in changes.items():
        lines.append(
            f"{FIELD_LABELS.get(key, key)}: {_show(change['alt'])} → {_show(change['neu'])}"
        )
    for key, value in data.items():
        if key in ("aenderungen", "fristen", "customer", "text") or key not in FIELD_LABELS:
            continue
        if isinstance(value, dict) and set(value) == {"alt", "neu"}:
            lines.append(f"{FIELD_LABELS[key]}: {_show(value['alt'])} → {_show(value['neu'])}")
        elif value not in (None, ""):
            lines.append(f"{FIELD_LABELS[key]}: {_show(value)}")
    return lines
