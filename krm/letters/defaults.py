# ruff: noqa: E501 (the templates' paragraphs are one line each, as users edit them)
"""The templates every Jobcenter starts with (version 1 of each kind), in plain, friendly
German (R-Q5): short sentences, "Sie", no office words. The administrators change them in
krm (Vorlagen); every change is a new version."""

from __future__ import annotations

from .models import LetterKind

DEFAULTS: dict[str, tuple[str, str]] = {
    LetterKind.EINGANGSBESTAETIGUNG: (
        "Ihr Schreiben vom {{ eingang.datum }}",
        """{{ kunde.anrede }}

vielen Dank für Ihr Schreiben. Es ist am {{ eingang.datum }} bei uns angekommen.

Wir prüfen Ihr Anliegen jetzt.{% if ansprechperson %} Ihre Ansprechperson ist {{ ansprechperson }}.{% endif %} Sie bekommen von uns eine Antwort{% if frist.abschluss %} bis zum {{ frist.abschluss }}{% endif %}. Wenn es länger dauert, sagen wir Ihnen Bescheid.

Bitte nennen Sie bei Fragen unser Zeichen: {{ aktenzeichen }}.""",
    ),
    LetterKind.ZWISCHENNACHRICHT: (
        "Ihr Anliegen vom {{ eingang.datum }}: Zwischennachricht",
        """{{ kunde.anrede }}

wir arbeiten noch an Ihrem Anliegen. Leider brauchen wir dafür mehr Zeit als geplant, denn wir möchten alles gründlich prüfen.

Sie bekommen unsere Antwort{% if frist.abschluss %} bis zum {{ frist.abschluss }}{% else %} so bald wie möglich{% endif %}.

Danke für Ihre Geduld.{% if ansprechperson %} Bei Fragen hilft Ihnen {{ ansprechperson }} gern weiter.{% endif %}""",
    ),
    LetterKind.ANTWORT: (
        "Ihr Anliegen vom {{ eingang.datum }}",
        """{{ kunde.anrede }}

{{ entwurf|default:"[Hier steht Ihre Antwort.]" }}

Haben Sie noch Fragen? Dann melden Sie sich gern bei uns und nennen Sie unser Zeichen {{ aktenzeichen }}.""",
    ),
    LetterKind.STELLUNGNAHME: (
        "Stellungnahme zur Petition/Eingabe{% if deren_zeichen %}, Ihr Zeichen {{ deren_zeichen }}{% endif %}",
        """Sehr geehrte Damen und Herren,

Sie haben uns um eine Stellungnahme zum Anliegen von {{ kunde.name|default:"einer Kundin oder einem Kunden" }} gebeten. Dazu teilen wir Ihnen Folgendes mit:

{{ entwurf|default:"[Hier steht die Stellungnahme.]" }}""",
    ),
    LetterKind.WEITERLEITUNG: (
        "Ihr Anliegen vom {{ eingang.datum }}: Weiterleitung",
        """{{ kunde.anrede }}

vielen Dank für Ihr Schreiben. Für Ihr Anliegen ist nicht das Jobcenter zuständig, sondern {{ weiterleitung.an|default:"eine andere Stelle" }}. Wir haben Ihr Schreiben deshalb dorthin weitergegeben. Von dort bekommen Sie auch die Antwort.

Sie müssen nichts weiter tun.""",
    ),
    LetterKind.VERFUEGUNGSBLATT: (
        "Verfügungsblatt",
        """Sachverhalt:
{{ verfuegung.sachverhalt|default:betreff }}

Vorschlag der KRM-Beauftragten:
{{ verfuegung.vorschlag }}""",
    ),
    LetterKind.VERMERK: (
        "Vermerk",
        """Gespräch{% if vermerk.wie %} ({{ vermerk.wie }}){% endif %}{% if vermerk.am %} am {{ vermerk.am }}{% endif %} mit {{ kunde.name|default:"der Kundin / dem Kunden" }} zum Anliegen „{{ betreff }}“.

{{ vermerk.text }}""",
    ),
    LetterKind.VERZICHT: (
        "Erklärung: Ich brauche keine schriftliche Antwort",
        """Ich, {{ kunde.name|default:"………………………………" }}, habe mit dem Jobcenter über mein Anliegen „{{ betreff }}“ gesprochen (Zeichen {{ aktenzeichen }}).

Mein Anliegen ist damit erledigt. Ich verzichte auf eine schriftliche Antwort.

Meine Gründe:""",
    ),
}
