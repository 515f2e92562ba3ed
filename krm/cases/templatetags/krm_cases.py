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
