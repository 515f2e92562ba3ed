"""The placeholders of letter templates, and the check that a template uses only those.

Templates are Django template text restricted to placeholders (`{{ kunde.name }}`), the
`default` filter and `{% if … %} … {% else %} … {% endif %}`; anything else — an unknown
placeholder, another tag or filter — is refused when the template is saved, never found at
print time. Values are plain text; the letter's HTML escapes them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.template import Context, Engine, Library, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaultfilters import default as default_filter
from django.template.defaulttags import IfNode, TemplateLiteral, do_if
from django.template.smartif import TokenBase

# name → what it holds (shown to whoever edits a template)
PLACEHOLDERS: dict[str, str] = {
    "jobcenter.name": "Name des Jobcenters",
    "aktenzeichen": "Aktenzeichen des Falls",
    "heute": "heutiges Datum, z. B. 1. Dezember 2026",
    "eingang.datum": "Tag des Eingangs",
    "eingangsweg": "wie die Kundenreaktion einging (Brief, E-Mail …)",
    "art": "Art der Kundenreaktion (Beschwerde, Lob …)",
    "betreff": "Betreff des Falls",
    "kunde.anrede": "„Guten Tag Frau/Herr …,“ – bei anonymen Fällen „Guten Tag,“",
    "kunde.name": "Name der Kundin / des Kunden",
    "kunde.strasse": "Straße und Hausnummer",
    "kunde.plz": "Postleitzahl",
    "kunde.ort": "Ort",
    "kunde.kundennummer": "Kundennummer",
    "ansprechperson": "Ansprechperson für die Kundin / den Kunden",
    "einheit": "zuständige Einheit",
    "frist.abschluss": "Frist für die Antwort (Datum)",
    "entwurf": "der Antwortentwurf / die Stellungnahme aus dem Fall",
    "ergebnis.massnahme": "die ergriffene Maßnahme",
    "anfragende_stelle": "anfragende Stelle (Petition/Eingabe)",
    "deren_zeichen": "Zeichen der anfragenden Stelle",
    "deren_frist": "Frist der anfragenden Stelle",
    "weiterleitung.an": "an wen weitergeleitet wurde",
    "weiterleitung.bemerkung": "Bemerkung zur Weiterleitung",
    "vermerk.text": "Text des Vermerks",
    "vermerk.wie": "Gespräch: telefonisch / persönlich",
    "vermerk.am": "Tag des Gesprächs",
    "verfuegung.sachverhalt": "Sachverhalt (Verfügungsblatt)",
    "verfuegung.vorschlag": "Vorschlag der KRM-Beauftragten",
    "verfuegung.einheit": "Abverfügung: bearbeitet durch",
    "verfuegung.zeichnung": "Abverfügung: zeichnet",
    "verfuegung.frist": "Abverfügung: Frist",
    "verfuegung.eingangsbestaetigung": "Abverfügung: Eingangsbestätigung ja/nein",
    "verfuegung.weitere": "Abverfügung: weitere Verfügung",
    "verfasser.name": "wer das Schreiben erstellt",
}
FILTERS = frozenset({"default"})
MAX_TAGS = 200  # {% … %} per template: more is no letter, and deep nesting exhausts the parser

_library = Library()
_library.tag("if", do_if)
_library.filter("default", default_filter)
ENGINE = Engine(builtins=[], libraries={}, autoescape=False, debug=True, string_if_invalid="")
ENGINE.template_builtins = [_library]


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Zeile {self.line}: {self.message}" if self.line else self.message


def _names_in(expression: FilterExpression) -> Iterator[tuple[str, list[str]]]:
    var = expression.var
    filters = [
        func.__name__ if func is not default_filter else "default" for func, _ in expression.filters
    ]
    if isinstance(var, Variable) and var.lookups is not None:
        yield var.var, filters
    else:
        yield "", filters
    for _, args in expression.filters:
        for _lookup, arg in args:
            if isinstance(arg, Variable) and arg.lookups is not None:
                yield arg.var, []


def _condition_names(condition: object) -> Iterator[tuple[str, list[str]]]:
    if isinstance(condition, TemplateLiteral):
        yield from _names_in(condition.value)
    elif isinstance(condition, TokenBase):
        for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
            if part is not None:
                yield from _condition_names(part)


def _walk(nodes: Iterable[Node]) -> Iterator[tuple[Node, str, list[str]]]:
    for node in nodes:
        if isinstance(node, VariableNode):
            for name, filters in _names_in(node.filter_expression):
                yield node, name, filters
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                if condition is not None:
                    for name, filters in _condition_names(condition):
                        yield node, name, filters
                yield from _walk(nodelist)
        elif isinstance(node, TextNode):
            if any(mark in node.s for mark in ("{{", "}}", "{%", "%}")):
                yield node, "\0open", []
        else:
            yield node, "\0tag", []


def problems(text: str) -> list[Problem]:
    """What is wrong with a template's text; empty when it may be saved."""
    if text.count("{%") > MAX_TAGS:
        return [Problem(None, f"Die Vorlage enthält mehr als {MAX_TAGS} Bedingungen.")]
    try:
        template = Template(text, engine=ENGINE)
    except RecursionError:
        return [Problem(None, "Die Bedingungen der Vorlage sind zu tief verschachtelt.")]
    except TemplateSyntaxError as exc:
        line = (
            getattr(exc, "template_debug", {}).get("line")
            if hasattr(exc, "template_debug")
            else None
        )
        return [
            Problem(
                line,
                "Die Vorlage lässt sich nicht lesen: "
                f"{_german(str(exc))} Erlaubt sind Platzhalter wie {{{{ kunde.name }}}} und "
                "Bedingungen mit {% if … %} … {% else %} … {% endif %}.",
            )
        ]
    found: list[Problem] = []
    seen: set[str] = set()
    for node, name, filters in _walk(template.nodelist):
        line = node.token.lineno if getattr(node, "token", None) else None
        if name == "\0tag":
            found.append(Problem(line, "Nur Platzhalter und {% if %} … {% endif %} sind erlaubt."))
            continue
        if name == "\0open":
            found.append(
                Problem(
                    line,
                    "Ein Platzhalter oder eine Bedingung ist nicht richtig geöffnet oder "
                    "geschlossen (je zwei Klammern: {{ … }} und {% … %}).",
                )
            )
            continue
        for filter_name in filters:
            if filter_name not in FILTERS:
                found.append(Problem(line, f"Der Filter „{filter_name}“ ist nicht erlaubt."))
        if name and name not in PLACEHOLDERS and name not in seen:
            seen.add(name)
            found.append(
                Problem(
                    line,
                    f"Unbekannter Platzhalter „{{{{ {name} }}}}“. Die verfügbaren Platzhalter "
                    "stehen neben dem Eingabefeld.",
                )
            )
    return found


def _german(message: str) -> str:
    if "Invalid block tag" in message:
        return "Sie enthält einen Befehl, der nicht erlaubt ist oder nicht geschlossen wird."
    if "Unclosed tag" in message:
        return "Ein {% if %} wird nicht mit {% endif %} geschlossen."
    if "Invalid filter" in message:
        return "Sie nutzt einen Filter, der nicht erlaubt ist (erlaubt: default)."
    if "Could not parse" in message:
        return "Ein Platzhalter ist falsch geschrieben."
    return "Sie enthält einen Fehler."


def render(text: str, values: dict[str, str]) -> str:
    """The template's text with the values put in (plain text)."""
    nested: dict[str, object] = {}
    for name, value in values.items():
        head, _, tail = name.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value  # type: ignore[index]
        else:
            nested[head] = value
    return Template(text, engine=ENGINE).render(Context(nested, autoescape=False))
