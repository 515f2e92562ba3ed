"""Plausible German case contents for the demo data and `krm generate-cases`.

Made up; any resemblance to real persons is coincidental.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = [
    "Anna",
    "Birgit",
    "Claudia",
    "Doris",
    "Elif",
    "Fatma",
    "Gabriele",
    "Heike",
    "Ines",
    "Jana",
    "Katrin",
    "Lena",
    "Maria",
    "Nadine",
    "Olga",
    "Petra",
    "Renate",
    "Sabine",
    "Tanja",
    "Ursula",
    "Ahmet",
    "Bernd",
    "Christian",
    "Dirk",
    "Erik",
    "Frank",
    "Günter",
    "Hans",
    "Igor",
    "Jürgen",
    "Karl",
    "Lukas",
    "Mehmet",
    "Norbert",
    "Oliver",
    "Paul",
    "Ralf",
    "Stefan",
    "Thomas",
    "Uwe",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Popescu",
    "Nguyen",
    "Öztürk",
    "Günther",
    "Jäger",
    "Weiß",
]
STREETS = [
    "Berliner Straße",
    "Schönhauser Allee",
    "Breite Straße",
    "Florastraße",
    "Wollankstraße",
    "Prenzlauer Promenade",
    "Greifswalder Straße",
    "Dietzgenstraße",
    "Mühlenstraße",
    "Kastanienallee",
    "Hadlichstraße",
    "Romain-Rolland-Straße",
    "Wisbyer Straße",
]
POSTAL_CODES = [
    "10405",
    "10435",
    "10437",
    "10439",
    "13086",
    "13088",
    "13125",
    "13156",
    "13158",
    "13187",
    "13189",
]

# Per topic: subjects and a few sentences for the text.
COMPLAINTS: dict[str, tuple[list[str], list[str]]] = {
    "T01": (
        [
            "Telefonisch nicht erreichbar",
            "Keine Antwort auf E-Mails",
            "Rückruf wurde zugesagt, kam aber nicht",
            "Lange Wartezeit in der Eingangszone",
        ],
        [
            "Ich versuche seit zwei Wochen, meine Sachbearbeitung telefonisch zu erreichen.",
            "Die Hotline verbindet mich immer wieder weiter, am Ende legt niemand ab.",
            "Auf meine drei E-Mails habe ich keine Antwort bekommen.",
            "Ich habe heute zweieinhalb Stunden in der Eingangszone gewartet.",
        ],
    ),
    "T02": (
        [
            "Weiterbewilligungsantrag seit Wochen unbearbeitet",
            "Bearbeitung dauert zu lange",
            "Keine Entscheidung über meinen Antrag",
            "Antrag auf Erstausstattung liegt seit Monaten",
        ],
        [
            "Meinen Weiterbewilligungsantrag habe ich fristgerecht eingereicht.",
            "Bis heute habe ich keinen Bescheid und weiß nicht, wovon ich die Miete zahlen soll.",
            "Mir wurde mehrfach gesagt, der Antrag sei in Bearbeitung.",
            "Ich bitte dringend um eine Entscheidung.",
        ],
    ),
    "T03": (
        [
            "Fehlerhafte Berechnung im Bewilligungsbescheid",
            "Mehrbedarf nicht berücksichtigt",
            "Regelbedarf für mein Kind falsch berechnet",
        ],
        [
            "Im Bescheid ist der Mehrbedarf für Alleinerziehende nicht berücksichtigt.",
            "Die Berechnung ist für mich nicht nachvollziehbar.",
            "Ich bitte um Überprüfung und eine verständliche Erklärung.",
        ],
    ),
    "T04": (
        ["Bescheid ist unverständlich", "Widersprüchliche Auskünfte", "Keine Beratung erhalten"],
        [
            "Den Bescheid verstehe ich nicht, niemand konnte ihn mir erklären.",
            "Von zwei Mitarbeitenden habe ich zwei verschiedene Auskünfte bekommen.",
            "Ich wünsche mir eine Beratung in einfacher Sprache.",
        ],
    ),
    "T05": (
        ["Zahlung ist nicht eingegangen", "Vorschuss abgelehnt", "Geld kam zu spät"],
        [
            "Zum Monatsanfang ist kein Geld auf meinem Konto eingegangen.",
            "Ich habe deshalb meine Miete nicht zahlen können und eine Mahnung erhalten.",
            "Einen Vorschuss hat man mir am Schalter verweigert.",
        ],
    ),
    "T06": (
        [
            "Heizkostennachzahlung nicht übernommen",
            "Umzug nicht genehmigt",
            "Aufforderung zur Senkung der Unterkunftskosten",
        ],
        [
            "Die Nachzahlung aus der Heizkostenabrechnung wurde nicht übernommen.",
            "Die Wohnung ist für die Familie zu klein, der Umzug wird nicht zugesichert.",
            "Ich finde in Pankow keine günstigere Wohnung.",
        ],
    ),
    "T07": (
        ["Einkommen falsch angerechnet", "Abrechnung für Selbständige dauert zu lange"],
        [
            "Mein Nebeneinkommen wurde doppelt angerechnet.",
            "Die abschließende Entscheidung über mein Einkommen aus Selbständigkeit fehlt noch.",
        ],
    ),
    "T08": (
        [
            "Unterlagen verloren gegangen",
            "Eingereichte Nachweise nicht auffindbar",
            "Posteingang nicht bestätigt",
        ],
        [
            "Ich habe die Kontoauszüge nun schon zum dritten Mal eingereicht.",
            "Angeblich kamen meine Unterlagen nie an, obwohl ich eine Eingangsbestätigung habe.",
            "Bitte bestätigen Sie mir den Eingang schriftlich.",
        ],
    ),
    "T09": (
        [
            "Unfreundliche Behandlung am Schalter",
            "Respektloser Umgangston",
            "Beschwerde über das Verhalten meiner Ansprechpartnerin",
        ],
        [
            "Ich bin im Gespräch angeschrien und vor anderen Kunden bloßgestellt worden.",
            "Der Mitarbeiter hat mir nicht zugehört und das Gespräch abgebrochen.",
            "So möchte ich nicht behandelt werden.",
        ],
    ),
    "T10": (
        [
            "Weiterbildung abgelehnt",
            "Maßnahme passt nicht zu meiner Qualifikation",
            "Bildungsgutschein nicht ausgestellt",
        ],
        [
            "Ich möchte eine Umschulung zur Pflegefachkraft machen, das wurde abgelehnt.",
            "Die zugewiesene Maßnahme wiederholt, was ich schon kann.",
            "Ich bitte um ein Gespräch über meine berufliche Zukunft.",
        ],
    ),
    "T11": (
        ["Einladung zu spät erhalten", "Termin kurzfristig abgesagt", "Meldeversäumnis zu Unrecht"],
        [
            "Die Einladung kam erst nach dem Termin bei mir an.",
            "Mein Termin wurde zweimal kurzfristig verschoben.",
            "Ich war krank und hatte eine Arbeitsunfähigkeitsbescheinigung eingereicht.",
        ],
    ),
    "T12": (
        ["Leistungsminderung nicht nachvollziehbar", "Sanktion trotz Krankmeldung"],
        [
            "Mir wurden die Leistungen gemindert, obwohl ich den Termin abgesagt hatte.",
            "Ich bitte um Überprüfung der Minderung.",
        ],
    ),
    "T13": (
        ["Widerspruch seit Monaten unbearbeitet", "Keine Entscheidung über meinen Widerspruch"],
        [
            "Meinen Widerspruch habe ich vor vier Monaten eingelegt.",
            "Eine Eingangsbestätigung habe ich bekommen, sonst nichts.",
        ],
    ),
    "T14": (
        [
            "Unterlagen an falsche Person geschickt",
            "Auskunft über meine Daten an Dritte",
            "Vermieter über Leistungsbezug informiert",
        ],
        [
            "Ich habe einen Brief mit den Daten einer anderen Person bekommen.",
            "Meine Vermieterin wurde ohne meine Zustimmung angerufen.",
            "Ich bitte um Auskunft, welche Daten weitergegeben wurden.",
        ],
    ),
    "T15": (
        ["Online-Postfach funktioniert nicht", "Upload von Dokumenten nicht möglich"],
        [
            "Beim Hochladen der Nachweise erscheint immer eine Fehlermeldung.",
            "Ich habe keinen Zugang zu jobcenter.digital bekommen.",
        ],
    ),
    "T16": (
        ["Kein Dolmetscher zum Termin", "Eingang nicht barrierefrei", "Schreiben nur auf Deutsch"],
        [
            "Meine Mutter spricht wenig Deutsch, ein Dolmetscher wurde abgelehnt.",
            "Mit dem Rollstuhl komme ich nicht in den Wartebereich.",
            "Ich bitte um Unterlagen in Leichter Sprache.",
        ],
    ),
    "T99": (
        ["Allgemeine Beschwerde", "Unzufrieden mit dem Jobcenter"],
        [
            "Ich bin mit der Arbeit des Jobcenters insgesamt unzufrieden.",
            "Ich bitte um Rückmeldung.",
        ],
    ),
}

PRAISE = (
    [
        "Dank an meine Arbeitsvermittlerin",
        "Sehr freundliche Beratung",
        "Schnelle Hilfe",
        "Lob für das Team der Eingangszone",
    ],
    [
        "Ich möchte mich ausdrücklich für die freundliche und kompetente Beratung bedanken.",
        "Mein Antrag wurde innerhalb weniger Tage bearbeitet, vielen Dank.",
        "Frau Weber hat sich viel Zeit genommen und mir geholfen, eine Stelle zu finden.",
        "So einen Service hatte ich nicht erwartet.",
    ],
)
SUGGESTIONS = (
    [
        "Vorschlag: Terminvergabe online",
        "Anregung zur Wartezone",
        "Mehr Sitzplätze im Wartebereich",
        "Formulare in einfacher Sprache",
    ],
    [
        "Es wäre schön, wenn man Termine online buchen könnte.",
        "Im Wartebereich fehlt eine Spielecke für Kinder.",
        "Die Formulare sollten einfacher formuliert sein.",
    ],
)
CARDS = (
    [
        "Meinungskarte: Wartezeit",
        "Meinungskarte: freundliches Personal",
        "Meinungskarte: Sauberkeit",
        "Meinungskarte: Öffnungszeiten",
    ],
    [
        "Die Wartezeit war heute viel zu lang.",
        "Sehr nettes Personal am Empfang!",
        "Die Toiletten im Erdgeschoss waren nicht sauber.",
        "Bitte längere Öffnungszeiten am Donnerstag.",
    ],
)
PETITIONS = (
    [
        "Petition an das Abgeordnetenhaus: Kosten der Unterkunft",
        "Petition an den Deutschen Bundestag: Bearbeitungsdauer",
        "Petition: Ablehnung einer Weiterbildung",
    ],
    [
        "Der Petitionsausschuss bittet um Stellungnahme zu der beigefügten Petition.",
        "Die Petentin trägt vor, ihr Antrag sei seit Monaten nicht entschieden.",
        "Um Stellungnahme binnen vier Wochen wird gebeten.",
    ],
)
EINGABEN = (
    [
        "Eingabe beim BMAS: Zahlungsverzug",
        "Eingabe beim Regierenden Bürgermeister",
        "Eingabe an die Senatsverwaltung: Umzug",
    ],
    [
        "Das Ministerium bittet um Prüfung und Bericht.",
        "Der Bürger wendet sich wegen ausbleibender Zahlungen an die Senatskanzlei.",
    ],
)
DAB = (
    [
        "Dienstaufsichtsbeschwerde gegen einen Sachbearbeiter",
        "Dienstaufsichtsbeschwerde wegen Beleidigung",
    ],
    [
        "Ich erhebe Dienstaufsichtsbeschwerde gegen Herrn K. wegen seines Verhaltens im Termin.",
        "Der Mitarbeiter hat mich beleidigt und mir mit Konsequenzen gedroht.",
    ],
)
OUT_OF_SCOPE = {
    "fachliche_anfrage": (
        ["Frage zur Anrechnung von Kindergeld", "Anfrage zum Bildungspaket"],
        [
            "Wie wird das Kindergeld angerechnet?",
            "Welche Unterlagen brauche ich für das Bildungspaket?",
        ],
    ),
    "widerspruch": (
        ["Widerspruch gegen Bescheid vom Vormonat", "Beschwerde gegen Aufhebungsbescheid"],
        [
            "Ich lege gegen den Bescheid Widerspruch ein.",
            "Der Aufhebungsbescheid ist falsch, ich bin damit nicht einverstanden.",
        ],
    ),
    "widerspruchsbescheid": (
        ["Beschwerde über Widerspruchsbescheid"],
        ["Mit dem Widerspruchsbescheid bin ich nicht einverstanden."],
    ),
    "traegerversammlung": (
        ["Eingabe zur Personalausstattung"],
        ["Die Eingabe betrifft die Personalausstattung des Jobcenters."],
    ),
}


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    topics: list[str]


def content_for(kind: str, rng: random.Random) -> Content:
    """A subject, a text and topic codes that fit the kind."""
    if kind in ("beschwerde", "datenschutzbeschwerde"):
        topic = (
            "T14"
            if kind == "datenschutzbeschwerde"
            else rng.choice([t for t in COMPLAINTS if t != "T14"])
        )
        subjects, sentences = COMPLAINTS[topic]
        extra = rng.sample(sorted(COMPLAINTS), k=rng.choice([0, 0, 1, 2]))
        topics = list(dict.fromkeys([topic, *extra]))[:3]
    else:
        pool = {
            "lob": PRAISE,
            "anregung": SUGGESTIONS,
            "meinungskarte": CARDS,
            "petition": PETITIONS,
            "eingabe": EINGABEN,
            "dienstaufsichtsbeschwerde": DAB,
        }.get(kind) or OUT_OF_SCOPE[kind]
        subjects, sentences = pool
        topics = {
            "dienstaufsichtsbeschwerde": ["T09"],
            "petition": ["T02"],
            "eingabe": ["T05"],
        }.get(kind, [])
    text = " ".join(rng.sample(sentences, k=min(len(sentences), rng.randint(2, 3))))
    return Content(subject=rng.choice(subjects), text=text, topics=topics)


def customer_for(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email_name = (
        f"{first}.{last}".lower()
        .replace("ü", "ue")
        .replace("ö", "oe")
        .replace("ä", "ae")
        .replace("ß", "ss")
        .replace("ı", "i")
    )
    return {
        "name": f"{first} {last}",
        "street": f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
        "postal_code": rng.choice(POSTAL_CODES),
        "city": "Berlin",
        "email": f"{email_name}@example.org" if rng.random() < 0.6 else "",
        "phone": f"030 {rng.randint(4000000, 9999999)}" if rng.random() < 0.5 else "",
        "customer_number": f"962D{rng.randint(100000, 999999)}" if rng.random() < 0.7 else "",
    }
