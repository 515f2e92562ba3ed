"""The timeline of a case as people read it: one German sentence per event, with names and
labels (never codes or field keys), and lines for what it recorded. Technical details (the
version, how a demo case was generated) stay out.

Names are looked up once per page: the Jobcenter's units and topics, and the people the
events name (three queries, whatever the number of events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from krm.accounts.models import OrgUnit, User
from krm.audit.models import Event, EventType
from krm.audit.personal import ERASED

from . import privacy
from .kinds import (
    Channel,
    Feedback,
    InformedVia,
    Kind,
    Outcome,
    SenderType,
    Signer,
    WiderspruchOutcome,
)
from .models import Topic
from .workflow import Status

HIDDEN_CASE = "ein Fall, den Sie nicht einsehen dürfen"

# What each step did, as the end of a sentence "<Name> hat …".
DONE = {
    "gf_vorlegen": "das Verfügungsblatt der GF vorgelegt",
    "abverfuegen": "abverfügt",
    "eingangsbestaetigung": "die Eingangsbestätigung erfasst",
    "keine_eingangsbestaetigung": "entschieden, keine Eingangsbestätigung zu senden",
    "an_bereich": "den Fall an die Bereichsleitung gegeben",
    "tl_zuweisen": "die Teamleitung zugewiesen",
    "delegieren": "die Bearbeitung delegiert",
    "entwurf": "den Antwortentwurf gespeichert",
    "vorlegen": "den Entwurf zur Prüfung vorgelegt",
    "im_gespraech_erledigt": "den Fall im Gespräch erledigt",
    "pruefung_bestanden": "die Stellungnahme geprüft und zur Zeichnung gegeben",
    "zurueckgeben": "den Entwurf zur Überarbeitung zurückgegeben",
    "zeichnen": "die Antwort gezeichnet",
    "zeichnen_abstimmung": "die Antwort gezeichnet (Abstimmung mit der BA folgt)",
    "abstimmung_aa": "die Abstimmung mit der Agentur für Arbeit erfasst",
    "abstimmung_rd": "die Abstimmung mit der RD erfasst",
    "versenden": "den Versand erfasst",
    "abschliessen": "das Ergebnis erfasst und den Fall ausgetragen",
    "auswerten": "die Meinungskarte ausgewertet",
    "an_fuehrungskraft": "die DAB an die Führungskraft gegeben",
    "an_vorgesetzte_der_gf": "die DAB an die vorgesetzte Stelle der GF weitergeleitet",
    "an_dsb": "den Fall an die/den DSB und die Teamleitung gegeben",
    "verzicht": "den Verzicht des Kunden erfasst",
    "frist_gefaehrdet": "gemeldet, dass die Frist nicht einzuhalten ist",
    "zwischennachricht": "die Zwischennachricht erfasst",
    "eskalieren": "den Fall eskaliert",
    "widerspruch_ergebnis": "das Ergebnis des Widerspruchs erfasst",
    "notiz": "eine Notiz hinzugefügt",
    "weiterleiten": "den Fall weitergeleitet (kein KRM)",
    "wiedereroeffnen": "den Fall wieder eröffnet",
}

DONE_BY_TYPE = {
    EventType.CASE_REGISTERED: "die Kundenreaktion erfasst",
    EventType.CASE_UPDATED: "die Daten geändert",
    EventType.CASE_KIND_CORRECTED: "die Art korrigiert",
    EventType.CASE_FORWARDED: "den Fall weitergeleitet",
    EventType.CASE_LINKED: "den Fall verknüpft",
    EventType.CASE_UNLINKED: "eine Verknüpfung gelöst",
    EventType.CASE_ACKNOWLEDGED: "die Eingangsbestätigung erfasst",
    EventType.CASE_DEADLINES_RECOMPUTED: "die Fristen neu berechnet",
    EventType.CASE_RECTIFIED: "Daten berichtigt (Art. 16 DSGVO)",
    EventType.CASE_ERASED: "personenbezogene Daten gelöscht (Art. 17 DSGVO)",
    EventType.CASE_DISCLOSED: "Auskunft erteilt (Art. 15 DSGVO)",
    EventType.TASK_DONE: "zur Kenntnis genommen",
    EventType.DOCUMENT_ADDED: "ein Dokument abgelegt",
    EventType.LETTER_CREATED: "ein Schreiben erstellt",
    EventType.LETTER_SENT: "ein Schreiben als versandt vermerkt",
    EventType.DOCUMENTS_HANDED_OVER: "Dokumente an die E-Akte übergeben",
    EventType.CASE_EXPORTED: "die Akte exportiert",
    EventType.MAIL_SENT: "eine E-Mail versandt",
    EventType.MAIL_RESENT: "eine E-Mail erneut in den Versand gegeben",
    EventType.MAIL_RECEIVED: "eine E-Mail zum Fall empfangen",
    EventType.MAIL_RELEASED: "eine E-Mail aus der Quarantäne übernommen",
}

LABELS = {
    "kind": "Art",
    "channel": "Eingangsweg",
    "received_at": "Eingang",
    "subject": "Betreff",
    "text": "Inhalt",
    "org_unit": "Einheit",
    "einheit": "Einheit",
    "staff_concerned": "betroffene/r Mitarbeiter/in",
    "topics": "Themen",
    "escalation_level": "Eskalationsstufe",
    "stufe": "Eskalationsstufe",
    "aktenzeichen": "Aktenzeichen",
    "status": "Status",
    "ergebnis": "Ergebnis",
    "an": "an",
    "mit": "mit",
    "bemerkung": "Bemerkung",
    "grund": "Grund",
    "gruende": "Gründe",
    "versandt": "versandt",
    "felder": "betrifft",
    "zeichnung": "zeichnet",
    "frist": "Frist",
    "eingangsbestaetigung": "Eingangsbestätigung",
    "verfuegung": "weitere Verfügung",
    "verantwortlich": "verantwortlich",
    "bearbeitet_von": "bearbeitet von",
    "fuehrungskraft": "Führungskraft",
    "gezeichnet_von": "gezeichnet von",
    "ansprechperson": "Ansprechperson",
    "anfragende_stelle": "anfragende Stelle",
    "pruefung": "Prüfung",
    "notiz": "Text",
    "vermerk": "Vermerk",
    "wie": "Gespräch",
    "am": "am",
    "informiert": "Kunde informiert per",
    "massnahme": "Maßnahme",
    "eingang": "Eingang",
    "abgestimmt_am": "abgestimmt am",
    "ausfertigungen": "Ausfertigungen",
    "bewertung": "Bewertung",
    "aussage": "Aussage",
    "widerspruch": "Ergebnis des Widerspruchs",
    "abschluss": "Abschlussfrist",
    "vorgeschlagene_frist": "vorgeschlagene Frist",
    "erklaert_am": "erklärt am",
    "aufgabe": "Aufgabe",
    "abgeschlossen": "abgeschlossen am",
    "sender_type": "Absender",
    "dokument": "Dokument",
    "datei": "Datei",
    "version": "Version",
    "vorlage": "Vorlage",
    "versandweg": "Versand",
    "dokumente": "Dokumente",
    "betreff": "Betreff",
    "empfaenger": "Empfänger",
    "absender": "Absender",
    "mailart": "Art",
}
# Keys that name a colleague: not in a customer's Auskunft (staff appear by function there).
PERSON_KEYS = frozenset(
    {"staff_concerned", "verantwortlich", "bearbeitet_von", "fuehrungskraft", "gezeichnet_von"}
)
# What names a document (its title, its file): only for who may open the documents (R-A3).
DOCUMENT_KEYS = frozenset({"dokument", "datei", "dokumente", "vorlage"})
# Recorded for the chain, the search or the reports, not for reading.
HIDDEN_KEYS = frozenset(
    {
        "schritt",
        "transition",
        "mit_id",
        "erfassung",
        "text",
        "subject",
        "art",
        "entwurf",
        "tl_befragt",
        "bl_befragt",
        "fristen",
        "customer",
        "message_id",
    }
)
CHOICES: dict[str, Any] = {
    "kind": Kind,
    "channel": Channel,
    "status": Status,
    "ergebnis": Outcome,
    "zeichnung": Signer,
    "informiert": InformedVia,
    "wie": InformedVia,
    "aussage": Feedback,
    "widerspruch": WiderspruchOutcome,
    "sender_type": SenderType,
}
MOMENTS = frozenset({"received_at", "versandt", "abgeschlossen", "eingang"})
CUSTOMER_PARTS = {
    "name": "Name",
    "street": "Anschrift",
    "postal_code": "Anschrift",
    "city": "Anschrift",
    "email": "E-Mail",
    "phone": "Telefon",
    "customer_number": "Kundennummer",
}


@dataclass(frozen=True)
class Entry:
    event: Event
    headline: str
    lines: list[str]


class Names:
    """Units, topics and people of a Jobcenter, looked up once for a whole timeline."""

    def __init__(self, jobcenter_id: int | None, events: Iterable[Event]) -> None:
        self.units = {
            u.code: f"{u.code} {u.name}"
            for u in OrgUnit.objects.filter(jobcenter_id=jobcenter_id).only("code", "name")
        }
        self.topics = dict(
            Topic.objects.filter(jobcenter_id=jobcenter_id).values_list("code", "label")
        )
        usernames = set()
        for event in events:
            for value in _staff_values(event.data):
                usernames.add(value)
        self.people = {
            u.username: str(u)
            for u in User.objects.filter(jobcenter_id=jobcenter_id, username__in=usernames)
        }


def _staff_values(data: dict) -> Iterable[str]:
    value = data.get("staff_concerned")
    if isinstance(value, str):
        yield value
    change = (data.get("aenderungen") or {}).get("staff_concerned")
    if isinstance(change, dict):
        yield from (v for v in (change.get("alt"), change.get("neu")) if isinstance(v, str))


def actor_name(event: Event) -> str:
    if event.actor is None:
        return "krm"
    return str(event.actor)


def show(value: Any, key: str, names: Names) -> str:
    """A recorded value as people read it."""
    if value is ERASED or value == "ERASED":
        return "[gelöscht]"
    if value in (None, "", [], {}):
        return "–"
    if key == "felder" and isinstance(value, list):
        return ", ".join(privacy.labels(value))
    if key in ("org_unit",) and isinstance(value, str):
        return names.units.get(value, value)
    if key == "topics" and isinstance(value, list):
        return ", ".join(names.topics.get(code, code) for code in value) or "–"
    if key == "staff_concerned" and isinstance(value, str):
        return names.people.get(value, value)
    if key in CHOICES and isinstance(value, str):
        enum = CHOICES[key]
        return str(enum(value).label) if value in enum.values else value
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if key in MOMENTS and isinstance(value, str) and "T" in value:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_naive(moment):
            return f"{moment:%d.%m.%Y %H:%M} Uhr"
        return f"{timezone.localtime(moment):%d.%m.%Y %H:%M} Uhr"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{dt.date.fromisoformat(value):%d.%m.%Y}"
        except ValueError:
            return value
    if key == "pruefung" and isinstance(value, dict):
        return ", ".join(f"{label} {'✓' if ok else '✗'}" for label, ok in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show(v, k, names)}" for k, v in value.items() if v)
    return str(value)


def _change_lines(changes: dict, names: Names, people: bool) -> list[str]:
    lines = []
    for key, change in changes.items():
        if key == "customer":
            parts = _customer_parts(change)
            if parts:
                lines.append(f"Kundendaten geändert: {', '.join(parts)}")
            continue
        if key in PERSON_KEYS and not people:
            continue
        if key in ("subject", "text"):
            lines.append(f"{LABELS[key]} geändert")
            continue
        label = LABELS.get(key, key)
        lines.append(
            f"{label}: {show(change['alt'], key, names)} → {show(change['neu'], key, names)}"
        )
    return lines


def _customer_parts(change: dict) -> list[str]:
    old, new = change.get("alt") or {}, change.get("neu") or {}
    # An erased value cannot be compared: it counts as changed.
    changed = [
        CUSTOMER_PARTS[name]
        for name in CUSTOMER_PARTS
        if old.get(name) != new.get(name) or ERASED in (old.get(name), new.get(name))
    ]
    return list(dict.fromkeys(changed))


def describe(
    event: Event,
    names: Names,
    *,
    visible_ids: frozenset[int] = frozenset(),
    people: bool = True,
    documents: bool = True,
) -> Entry:
    data = dict(getattr(event, "content", None) or event.data or {})
    if "mit_id" in data and data["mit_id"] not in visible_ids:
        data["mit"] = HIDDEN_CASE
        data.pop("bemerkung", None)  # a note about a case one may not see says too much
    step = data.get("schritt") or data.get("transition")
    what = DONE.get(step) or DONE_BY_TYPE.get(event.type, event.get_type_display())
    headline = f"{actor_name(event)} hat {what}."
    if event.type == EventType.CASE_REGISTERED and data.get("erfassung") == "Schnellerfassung":
        headline = f"{actor_name(event)} hat die Kundenreaktion in der Schnellerfassung erfasst."
    lines = _change_lines(data.get("aenderungen") or {}, names, people)
    if event.type == EventType.CASE_REGISTERED:
        fristen = data.get("fristen") or {}
        if fristen.get("eingangsbestaetigung"):
            lines.append(
                f"Eingangsbestätigung bis {show(fristen['eingangsbestaetigung'], 'frist', names)}"
            )
        if fristen.get("abschluss"):
            lines.append(f"Abschluss bis {show(fristen['abschluss'], 'frist', names)}")
    for key, value in data.items():
        if key in HIDDEN_KEYS or key == "aenderungen" or key.startswith("_"):
            continue
        if key in PERSON_KEYS and not people:
            continue
        if key in DOCUMENT_KEYS and not documents:
            continue
        if key == "customer" or value in (None, "", [], {}):
            continue
        if key == "notiz":
            lines.append(f"{data.get('art', 'Notiz')}: {show(value, key, names)}")
            continue
        label = LABELS.get(key)
        if label is None:
            continue  # a technical key: never shown raw
        if isinstance(value, dict) and set(value) == {"alt", "neu"}:
            lines.append(
                f"{label}: {show(value['alt'], key, names)} → {show(value['neu'], key, names)}"
            )
        elif key == "status" and event.type == EventType.CASE_REGISTERED:
            lines.append(f"Status: {show(value, key, names)}")
        else:
            lines.append(f"{label}: {show(value, key, names)}")
    if data.get("entwurf") not in (None, ""):
        lines.append("Antwortentwurf gespeichert (siehe oben)")
    return Entry(event, headline, lines)


def entries(
    events: Iterable[Event],
    *,
    jobcenter_id: int | None,
    visible_ids: frozenset[int] = frozenset(),
    unmentioned_ids: frozenset[int] = frozenset(),
    people: bool = True,
    documents: bool = True,
) -> list[Entry]:
    """The timeline: events naming a case the reader may not even know of are left out;
    `documents=False`: that documents were filed, not which (R-A3)."""
    events = [e for e in events if e.data.get("mit_id") not in unmentioned_ids]
    names = Names(jobcenter_id, events)
    return [
        describe(e, names, visible_ids=visible_ids, people=people, documents=documents)
        for e in events
    ]
