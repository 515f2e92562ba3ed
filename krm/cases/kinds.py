"""Kinds of customer reaction (R-K1 … K8, R-O1 … O4) and channels (R-C)."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    BESCHWERDE = "beschwerde", "Beschwerde"
    PETITION = "petition", "Petition"
    EINGABE = "eingabe", "Eingabe"
    LOB = "lob", "Lob"
    ANREGUNG = "anregung", "Anregung"
    MEINUNGSKARTE = "meinungskarte", "Meinungskarte"
    DIENSTAUFSICHTSBESCHWERDE = "dienstaufsichtsbeschwerde", "Dienstaufsichtsbeschwerde"
    DATENSCHUTZBESCHWERDE = "datenschutzbeschwerde", "Datenschutzbeschwerde"
    # Not KRM: registered only as a forwarding (R-O1 … O4).
    FACHLICHE_ANFRAGE = "fachliche_anfrage", "Fachliche Anfrage (kein KRM)"
    WIDERSPRUCH = "widerspruch", "Widerspruch (kein KRM)"
    WIDERSPRUCHSBESCHEID = (
        "widerspruchsbescheid",
        "Beschwerde gegen Widerspruchsbescheid (kein KRM)",
    )
    TRAEGERVERSAMMLUNG = "traegerversammlung", "Petition/Eingabe nach § 44c SGB II (kein KRM)"


OUT_OF_SCOPE = frozenset(
    {Kind.FACHLICHE_ANFRAGE, Kind.WIDERSPRUCH, Kind.WIDERSPRUCHSBESCHEID, Kind.TRAEGERVERSAMMLUNG}
)
URGENT = frozenset({Kind.PETITION, Kind.EINGABE})
QUICK_CAPTURE_KINDS = (Kind.BESCHWERDE, Kind.LOB, Kind.ANREGUNG)  # R-W5.1: always "Sofortsache"

# Where an out-of-scope reaction goes (R-O1 … O4); the form pre-fills it.
DEFAULT_FORWARDING_RECIPIENT = {
    Kind.FACHLICHE_ANFRAGE: "zuständiger Fachbereich",
    Kind.WIDERSPRUCH: "Rechtsbehelfsstelle (791/792)",
    Kind.WIDERSPRUCHSBESCHEID: "SGG-Stelle",
    Kind.TRAEGERVERSAMMLUNG: "Fachexperte BGF (Trägerversammlung)",
}


class Channel(models.TextChoices):
    BRIEF = "brief", "Brief"
    EMAIL = "email", "E-Mail"
    ONLINE = "online", "Onlineformular"
    TELEFON = "telefon", "Telefon"
    PERSOENLICH = "persoenlich", "persönlich"
    MEINUNGSKARTE = "meinungskarte", "Meinungskarte"
    VORZIMMER = "vorzimmer", "Vorzimmer GF"


class Outcome(models.TextChoices):
    BERECHTIGT = "berechtigt", "berechtigt"
    TEILWEISE_BERECHTIGT = "teilweise_berechtigt", "teilweise berechtigt"
    NICHT_BERECHTIGT = "nicht_berechtigt", "nicht berechtigt"
    KEINE = "keine", "ohne Bewertung"


def is_in_scope(kind: str) -> bool:
    return kind not in OUT_OF_SCOPE


def has_deadlines(kind: str, channel: str) -> bool:
    """Meinungskarten and out-of-scope kinds carry no deadlines (R-Q1, Q2, W6.1)."""
    return is_in_scope(kind) and Kind.MEINUNGSKARTE not in (kind, channel)


# Whoever captured one of these sees afterwards only that it exists (issue 6, finding 3).
CONFIDENTIAL = frozenset({Kind.DIENSTAUFSICHTSBESCHWERDE, Kind.DATENSCHUTZBESCHWERDE})
