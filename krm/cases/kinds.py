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


# How a staff member receives what they capture themselves (R-W1.1).
QUICK_CAPTURE_CHANNELS = (
    Channel.PERSOENLICH,
    Channel.TELEFON,
    Channel.BRIEF,
    Channel.EMAIL,
    Channel.VORZIMMER,
)


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


# Reactions that arrive in writing: only they get an Eingangsbestätigung (R-Q1).
WRITTEN_CHANNELS = frozenset({Channel.BRIEF, Channel.EMAIL, Channel.ONLINE})
# Reactions taken in a conversation: they may be settled at once (R-W1.1).
SPOKEN_CHANNELS = frozenset({Channel.TELEFON, Channel.PERSOENLICH, Channel.VORZIMMER})
# Kinds that are answered and judged (berechtigt …); praise, suggestions and cards are not.
JUDGED = frozenset(
    {
        Kind.BESCHWERDE,
        Kind.PETITION,
        Kind.EINGABE,
        Kind.DIENSTAUFSICHTSBESCHWERDE,
        Kind.DATENSCHUTZBESCHWERDE,
    }
)
# Kinds that may be escalated when the customer is not satisfied (R-W1.2).
ESCALATABLE = frozenset({Kind.BESCHWERDE})
# Kinds that go the general KRM route (letter, e-mail, online form, petition; R-W2 … W5).
KRM_ROUTE = frozenset({Kind.BESCHWERDE, Kind.PETITION, Kind.EINGABE, Kind.LOB, Kind.ANREGUNG})
# Negative reactions: the GF's Vorzimmer takes one only when the Fachbereich already dealt
# with it the same day (R-W1.3).
NEGATIVE = frozenset({Kind.BESCHWERDE, Kind.DIENSTAUFSICHTSBESCHWERDE, Kind.DATENSCHUTZBESCHWERDE})


class Signer(models.TextChoices):
    """Who signs the answer, as the Abverfügung orders (R-W2.7)."""

    TL = "tl", "Teamleitung"
    BL = "bl", "Bereichsleitung"
    GF = "gf", "Geschäftsführung"


class SenderType(models.TextChoices):
    """Who wrote: some senders make a case "vorlagepflichtig" (Anlage 2, R-W3.2)."""

    KUNDE = "kunde", "Kundin/Kunde"
    PRESSE = "presse", "Presse"
    POLITIK = "politik", "Politik"
    ANWALT = "anwalt", "Rechtsanwalt/-anwältin"
    TRAEGER = "traeger", "Träger"
    BEHOERDE = "behoerde", "Behörde"
    SONSTIGE = "sonstige", "Sonstige"


class InformedVia(models.TextChoices):
    """How the customer learned the result (R-Q4)."""

    BRIEF = "brief", "Brief"
    EMAIL = "email", "E-Mail"
    TELEFON = "telefon", "Telefon"
    PERSOENLICH = "persoenlich", "persönlich"


class Feedback(models.TextChoices):
    """What a Meinungskarte says (R-W6.1)."""

    LOB = "lob", "Lob"
    KRITIK = "kritik", "Kritik"
    ANREGUNG = "anregung", "Anregung"


class WiderspruchOutcome(models.TextChoices):
    ABGEHOLFEN = "abgeholfen", "abgeholfen"
    TEILWEISE = "teilweise_abgeholfen", "teilweise abgeholfen"
    ZURUECKGEWIESEN = "zurueckgewiesen", "zurückgewiesen"
    ZURUECKGENOMMEN = "zurueckgenommen", "zurückgenommen"
