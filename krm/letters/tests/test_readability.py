"""Readability advice for letters (R-Q5): score, sentences, long sentences, office words."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from krm.letters.readability import (
    LONG_SENTENCE_WORDS,
    MIN_WORDS,
    OFFICE_WORDS,
    Assessment,
    LongSentence,
    OfficeWord,
    assess,
    label_for,
)

PLAIN_LETTER = """Sehr geehrte Frau Muster,

vielen Dank für Ihren Brief vom 3. März 2026. Sie haben recht: Wir haben Ihren Antrag zu
spät bearbeitet. Das tut uns leid. Ihr Geld für März ist jetzt auf Ihrem Konto. Wir haben
auch die Miete für April bezahlt. Bitte schicken Sie uns bis zum 30. April Ihre
Kontoauszüge. Sie können die Auszüge per Post schicken oder im Jobcenter abgeben. Haben Sie
noch Fragen? Dann rufen Sie uns an. Wir helfen Ihnen gern.

Mit freundlichen Grüßen
Ihr Jobcenter Berlin Pankow"""

OFFICE_LETTER = """Sehr geehrte Frau Muster,

unter Bezugnahme auf Ihr Schreiben vom 03.03.2026 teilen wir Ihnen hiermit mit, dass die
Bearbeitung Ihres Antrags auf Leistungen zur Sicherung des Lebensunterhalts nach dem
Zweiten Buch Sozialgesetzbuch aufgrund einer vorübergehenden Arbeitsüberlastung der
zuständigen Organisationseinheit nicht fristgerecht erfolgen konnte. Diesbezüglich wird um
Entschuldigung gebeten. Die Nachzahlung der Ihnen zustehenden Leistungen wurde
zwischenzeitlich veranlasst. Zwecks abschließender Prüfung des Sachverhalts ersuchen wir
Sie, die Beibringung der erforderlichen Kontoauszüge unverzüglich, spätestens jedoch bis zum
30.04.2026, vorzunehmen. Die Nachreichung kann gegebenenfalls auch im Rahmen einer
persönlichen Vorsprache erfolgen.

Mit freundlichen Grüßen
Im Auftrag"""


def words(count: int) -> str:
    """`count` plain one-syllable words without punctuation."""
    return " ".join(["Wir"] * count)


def office(text: str) -> dict[str, tuple[str, int]]:
    """Office words found: plainer alternative -> (spelling, count)."""
    return {found.plainer: (found.word, found.count) for found in assess(text).office_words}


# --- Score ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (100, "sehr leicht"),
        (80, "sehr leicht"),
        (79.9, "leicht"),
        (70, "leicht"),
        (69.9, "mittel"),
        (60, "mittel"),
        (59.9, "etwas schwer"),
        (50, "etwas schwer"),
        (49.9, "schwer"),
        (30, "schwer"),
        (29.9, "sehr schwer"),
        (0, "sehr schwer"),
    ],
)
def test_band_boundaries(score: float, label: str) -> None:
    assert label_for(score) == label


def test_score_is_flesch_amstad() -> None:
    # 4 sentences × 5 words, 8 syllables each (Wir ha-ben heu-te kei-ne Zeit):
    # 180 − 5 − 58.5 × 1.6 = 81.4
    result = assess(" ".join(["Wir haben heute keine Zeit."] * 4))
    assert (result.words, result.sentences) == (20, 4)
    assert result.score == 81.4
    assert result.label == "sehr leicht"


def test_score_is_clamped_to_0_and_100() -> None:
    easy = assess(" ".join(["Der Hund ist sehr alt."] * 4))  # 180 − 5 − 58.5 = 116.5
    assert (easy.score, easy.label) == (100.0, "sehr leicht")
    hard = assess(" ".join(["Arbeitslosengeldberechnungsverordnung"] * MIN_WORDS) + ".")
    assert (hard.score, hard.label) == (0.0, "sehr schwer")


def test_plain_letter_reads_easier_than_office_letter() -> None:
    plain, stilted = assess(PLAIN_LETTER), assess(OFFICE_LETTER)
    assert 75 <= plain.words <= 95 and 75 <= stilted.words <= 100
    assert plain.score is not None and stilted.score is not None
    assert plain.score >= 60 > stilted.score
    assert plain.score - stilted.score > 30
    assert plain.office_words == ()
    assert len(stilted.office_words) >= 10


def test_no_score_under_min_words() -> None:
    short = assess(words(MIN_WORDS - 1) + ".")
    assert (short.words, short.sentences, short.score, short.label) == (19, 1, None, "")
    assert assess(words(MIN_WORDS) + ".").score is not None


@pytest.mark.parametrize("text", ["", "   ", "\n\n \t\n", "– … ?"])
def test_empty_text(text: str) -> None:
    assert assess(text) == Assessment(
        words=0, sentences=0, score=None, label="", long_sentences=(), office_words=()
    )


def test_numbers_are_one_word_of_one_syllable() -> None:
    with_numbers = assess(
        "Wir zahlen 1.250,00 Euro am 12.03.2026 für 44b Monate und 7 Tage. " + words(12) + "."
    )
    spelled = assess("Wir zahlen Wir Euro am Wir für Wir Monate und Wir Tage. " + words(12) + ".")
    assert with_numbers.words == spelled.words == 24
    assert with_numbers.score == spelled.score


# --- Sentences ------------------------------------------------------------------------------


def test_abbreviations_do_not_split_sentences() -> None:
    text = (
        "Bitte schicken Sie uns z. B. Kontoauszüge, d. h. die Auszüge der letzten drei "
        "Monate. Dazu gehören u. a. Lohnzettel bzw. Nachweise über ca. 300 Euro. Fragen Sie "
        "Dr. Meier, Fr. Schulz oder Hr. Yilmaz, vgl. Nr. 3 der Anlage auf S. 2. Wir helfen "
        "gem. Ihrem Wunsch ggf. auch beim Ausfüllen usw. Sie bekommen Post, Akten etc. "
        "Wir melden uns.\nMit freundlichen Grüßen\ni. V. Max Mustermann, i. A. Erika Muster"
    )
    # Four sentences, the closing and the signature; "usw." and "etc." at a sentence end
    # merge with the next sentence (accepted).
    assert assess(text).sentences == 6


def test_dates_and_legal_references_do_not_split_sentences() -> None:
    text = (
        "Der Bescheid vom 12.03.2026 gilt ab dem 1. Dezember 2026 nach § 44b Abs. 3 SGB II. "
        "Die 2. Mahnung kam am 3. Werktag. Ihr Termin ist am 12. 3. 2026 in der Hauptstr. 5. "
        "Wir schreiben Ihnen am 12.03.2026. Bitte lesen Sie Art. 3 GG."
    )
    assert assess(text).sentences == 5


def test_sentence_ends_after_date_roman_book_and_marks() -> None:
    text = (
        "Ihr Brief kam am 12.03.2026. Wir prüfen ihn nach § 44 SGB X. Das dauert. "
        "Geht das? Ja! „Gut“, sagt sie. 3 Wochen sind lang. Es ist wirklich so… Wirklich."
    )
    assert assess(text).sentences == 8


def test_lowercase_after_full_stop_does_not_split() -> None:
    assert assess("Das ist gut. und das auch. oder nicht?").sentences == 1


def test_list_numbers_do_not_split() -> None:
    text = "Es fehlen:\n1. Kontoauszüge\n2. Mietvertrag\n3. Lohnzettel"
    assert assess(text).sentences == 1


def test_salutation_closing_and_paragraphs_are_sentences_of_their_own() -> None:
    text = (
        "Sehr geehrte Frau Muster,\nvielen Dank für Ihren Brief\n\nWir melden uns bald\n"
        "Mit freundlichen Grüßen\nIhr Jobcenter"
    )
    assert assess(text).sentences == 5
    # A line break inside a paragraph is no sentence end.
    assert assess("Vielen Dank für\nIhren Brief vom\n3. März 2026.").sentences == 1


def test_placeholders_are_one_word_and_do_not_split_sentences() -> None:
    text = (
        "{{ kunde.anrede }},\n"
        'Ihre Frist endet am {{ frist|date:"d.m.Y" }}. Bitte schicken Sie {{ unterlagen }} an '
        "{% if team %}{{ team.name }}{% else %}uns{% endif %}. {{ kunde.name }} bekommt Post.\n"
        "{% if zusatz %}\nAuch {{ zusatz. Text }} kommt.\n{% endif %}"
    )
    result = assess(text)
    # Salutation, three sentences, one more in the {% if %} block; tags are not words.
    assert result.sentences == 5
    assert result.words == 1 + 5 + 6 + 3 + 3 + 1


def test_placeholders_count_like_a_word() -> None:
    assert assess("{{ a }} {{ b.c }} {{ d|date:'j. F Y' }}.").words == 3


# --- Long sentences -------------------------------------------------------------------------


def test_long_sentence_threshold() -> None:
    assert LONG_SENTENCE_WORDS == 25
    at_limit = words(LONG_SENTENCE_WORDS) + "."
    over = words(LONG_SENTENCE_WORDS + 1) + "."
    result = assess(f"{at_limit} {over} {at_limit}")
    assert result.sentences == 3
    assert result.long_sentences == (LongSentence(excerpt=over, words=26),)


def test_long_sentence_excerpt_is_cut_and_shows_placeholders() -> None:
    sentence = (
        "Wir haben Ihren Antrag vom {{ datum }} auf Leistungen\nzur Sicherung des "
        "Lebensunterhalts geprüft und festgestellt, dass noch einige Unterlagen fehlen, die "
        "wir für die Entscheidung brauchen."
    )
    (found,) = assess(sentence).long_sentences
    assert found.words == 26
    assert found.excerpt.startswith("Wir haben Ihren Antrag vom {{ datum }} auf Leistungen zur")
    assert found.excerpt.endswith("…")
    assert len(found.excerpt) <= 121
    assert "\n" not in found.excerpt


# --- Office words ---------------------------------------------------------------------------


def test_office_word_list() -> None:
    assert len(OFFICE_WORDS) >= 40
    assert len({pattern for pattern, _ in OFFICE_WORDS}) == len(OFFICE_WORDS)


def test_office_words_counted_case_insensitively_with_first_spelling() -> None:
    text = "Diesbezüglich melden wir uns. Wir haben diesbezüglich noch eine Frage. Hiermit Ende."
    assert assess(text).office_words == (
        OfficeWord(word="Diesbezüglich", plainer="dazu", count=2),
        OfficeWord(word="Hiermit", plainer="(weglassen)", count=1),
    )


def test_office_words_in_inflected_forms() -> None:
    text = (
        "Wir bitten um unverzügliche Rückäußerungen, danach um eine Rückäußerung. "
        "Die Inaugenscheinnahme erachtet das Amt als nötig. Das obliegt uns; "
        "der Sachverhalt und die Sachverhalte sind klar. Ggf. reicht eine zeitnahe Antwort."
    )
    assert office(text) == {
        "sofort": ("unverzügliche", 1),
        "Antwort": ("Rückäußerungen", 2),
        "Besichtigung": ("Inaugenscheinnahme", 1),
        "halten für": ("erachtet", 1),
        "zuständig sein": ("obliegt", 1),
        "was geschehen ist": ("Sachverhalt", 2),
        "wenn nötig": ("Ggf.", 1),
        "bald / bis zum …": ("zeitnahe", 1),
    }


def test_office_words_in_order_of_first_occurrence() -> None:
    text = "Anbei die Liste. Seitens des Amtes gilt: fernmündlich, anbei, seitens."
    assert [found.plainer for found in assess(text).office_words] == [
        "mit diesem Brief",
        "von",
        "telefonisch",
    ]


def test_office_phrases_match_across_one_line_break_only() -> None:
    text = "Unter Bezugnahme\nauf Ihr\nSchreiben setzen wir Sie in  Kenntnis\ngesetzt."
    assert office(text) == {
        "zu Ihrem Brief vom …": ("Unter Bezugnahme auf", 1),
        "Ihr Brief": ("Ihr Schreiben", 1),
        "informieren / sagen": ("in Kenntnis gesetzt", 1),
    }
    assert office("Bitte nehmen Sie das zur\u00a0Kenntnis.") == {
        "lesen / wissen": ("zur Kenntnis", 1)
    }
    assert office("Wir nehmen das zur\n\nKenntnis.") == {}


def test_office_words_only_on_word_boundaries() -> None:
    text = (
        "Wir verbleiben mit Grüßen. Den Anbeißer und die Zustellungsurkunde haben wir. "
        "Die Ergehensweise ist neu. Bezüglich des Antrags: diesbezüglich."
    )
    assert office(text) == {"zu / über": ("Bezüglich", 1), "dazu": ("diesbezüglich", 1)}


def test_office_words_not_found_inside_placeholders_or_tags() -> None:
    text = "Wir schreiben am {{ zustellung.datum }}. {% if hiermit %}Ja{% endif %}"
    assert assess(text).office_words == ()


# --- Template -------------------------------------------------------------------------------


def render(assessment: Assessment) -> str:
    return render_to_string("letters/_readability.html", {"assessment": assessment})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_template_shows_score_with_decimal_comma_and_findings() -> None:
    assessment = Assessment(
        words=120,
        sentences=8,
        score=64.5,
        label="mittel",
        long_sentences=(LongSentence(excerpt="Unter Bezugnahme auf …", words=31),),
        office_words=(OfficeWord(word="diesbezüglich", plainer="dazu", count=2),),
    )
    with translation.override("en"):  # the box is German whatever the active language
        html = render(assessment)
    text = text_of(html)
    assert "Lesbarkeit nach Flesch-Amstad: 64,5 – mittel" in text
    assert "Ziel für Briefe an Kundinnen und Kunden: 60 oder mehr" in text
    assert "Satz mit 31 Wörtern: „Unter Bezugnahme auf …“" in text
    assert "„diesbezüglich“ (2×) → einfacher: „dazu“" in text
    assert "Keine Auffälligkeiten." not in text
    assert '<section class="readability" aria-labelledby="h-lesbarkeit">' in html
    assert '<h3 id="h-lesbarkeit">Lesbarkeit</h3>' in html
    assert "style" not in html and "<script" not in html


def test_template_without_findings() -> None:
    text = text_of(render(assess(PLAIN_LETTER)))
    assert re.search(r"Flesch-Amstad: \d+,\d – ", text)
    assert "Keine Auffälligkeiten." in text


def test_template_for_too_little_text() -> None:
    text = text_of(render(assess("Ihr Schreiben ist da.")))
    assert "Zu wenig Text für eine Bewertung." in text
    assert "Flesch-Amstad" not in text and "Keine Auffälligkeiten." not in text
    assert "„Ihr Schreiben“ (1×) → einfacher: „Ihr Brief“" in text


def test_template_heading_id_can_be_set() -> None:
    html = render_to_string(
        "letters/_readability.html",
        {"assessment": assess(""), "readability_id": "h-lesbarkeit-vorlage"},
    )
    assert 'aria-labelledby="h-lesbarkeit-vorlage"' in html
    assert 'id="h-lesbarkeit-vorlage"' in html
