"""The letter and sheet templates, printed by WeasyPrint to PDF/A, measured on the page.

DIN 5008 states its rules in millimetres from the sheet's top-left corner; the words'
boxes come from pdftotext (krm.testing.pdf) in the same terms, so each rule is checked as
written, within ±1.5 mm. The PDFs are rendered once per module (a render takes ~0.2 s).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from krm.testing.pdf import (
    Box,
    Word,
    bounds,
    declares_pdfa,
    find,
    ink_lines,
    page_count,
    text,
    within,
    words,
)

PRINT = Path(__file__).resolve().parents[2] / "static" / "krm" / "print"
TOL = 1.5  # mm

# Per form: the Anschriftzone, the Zusatz- und Vermerkzone's top line, the first line of the
# information block, the lower edge of the address field and the fold marks (DIN 5008).
GEOMETRY = {
    "B": {
        "anschriftzone": Box(20, 62.7, 105, 90),
        "return_line": Box(20, 45, 105, 51),
        "info_top": 50.8,
        "field_bottom": 90,
        "letterhead_bottom": 45,
        "marks": [105, 148.5, 210],
    },
    "A": {
        "anschriftzone": Box(20, 44.7, 105, 72),
        "return_line": Box(20, 27, 105, 33),
        "info_top": 33.9,
        "field_bottom": 72,
        "letterhead_bottom": 27,
        "marks": [87, 148.5, 192],
    },
}
LEFT_EDGE_STRIP = Box(3, 60, 16, 260)  # where fold and hole marks are drawn, and nothing else

REFERENCE = "II-6001-2026-00066"
RECIPIENT = [
    "Frau",
    "Erika Mustermann",
    "c/o <b>Muster & Co</b>",
    "Heidestraße 17",
    "Hinterhaus",
    "10557 Berlin",
]
RETURN_ADDRESS = "Jobcenter Berlin Pankow · Storkower Str. 133a · 10407 Berlin"
SUBJECT = "Ihre Beschwerde vom 20. November 2026"
LOGO = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="120" height="40" fill="#c00"/></svg>'
).decode("ascii")
PARAGRAPH = (
    "Absatz {n}: Wir haben Ihre Beschwerde erhalten und prüfen sie sorgfältig. Dazu holen"
    " wir die Stellungnahme des zuständigen Teams ein und sehen uns Ihre Akte an. Wir melden"
    " uns, sobald wir die Angelegenheit geklärt haben, spätestens aber in vier Wochen."
)


def letter_context(
    *, form: str = "B", paragraphs: int = 2, im_auftrag: bool = True
) -> dict[str, Any]:
    body = "<p>Sehr geehrte Frau Mustermann,</p>" + "".join(
        f"<p>{PARAGRAPH.format(n=n + 1)}</p>" for n in range(paragraphs)
    )
    return {
        "form": form,
        "letterhead": {
            "name": "Jobcenter Berlin Pankow",
            "lines": ["Storkower Straße 133a", "10407 Berlin"],
            "logo_data_uri": LOGO,
            "return_address": RETURN_ADDRESS,
            "office_hours": ["Mo, Di, Fr 8–12 Uhr", "Do 14–18 Uhr"],
            "contact": ["Telefon 030 5555 0", "www.jobcenter-berlin-pankow.de"],
            "bank": [],
        },
        "recipient_lines": RECIPIENT,
        "info": [
            ("Ihr Zeichen", ""),
            ("Unser Zeichen", REFERENCE),
            ("Ansprechperson", "Erika Muster"),
            ("Telefon", "030 5555 1234"),
            ("E-Mail", "krm@jobcenter-ge.de"),
            ("Datum", "1. Dezember 2026"),
        ],
        "subject": SUBJECT,
        "body_html": mark_safe(body),  # noqa: S308 - fixed test text
        "signature": {
            "closing": "Mit freundlichen Grüßen",
            "im_auftrag": im_auftrag,
            "name": "Erika Muster",
            "function": "Kundenreaktionsmanagement",
        },
        "footer_lines": ["Barrierefreier Zugang über Eingang B"],
        "title": f"Eingangsbestätigung {REFERENCE}",
    }


SHEET = {
    "title": "Verfügungsblatt",
    "letterhead": {"name": "Jobcenter Berlin Pankow", "logo_data_uri": LOGO},
    "aktenzeichen": REFERENCE,
    "fields": [
        ("Eingang", "20.11.2026"),
        ("Art", "Beschwerde"),
        ("Zuständig", "Team 711\nBereich 71"),
        ("Frist", ""),
    ],
    "sections": [
        (f"Verfügung {n}", "Bitte Stellungnahme <b>einholen</b>.\n\n" + "Begründung " * 80)
        for n in range(1, 5)
    ],
    "signatures": ["Datum, Unterschrift Sachbearbeitung", "Datum, Unterschrift KRM-B"],
}


def render(template: str, context: dict[str, Any], stylesheet: str) -> tuple[str, bytes]:
    html = render_to_string(template, context)
    pdf = weasyprint.HTML(string=html, base_url=str(PRINT)).write_pdf(
        stylesheets=[weasyprint.CSS(filename=str(PRINT / stylesheet))], pdf_variant="pdf/a-3b"
    )
    return html, pdf


class Rendered:
    def __init__(self, template: str, context: dict[str, Any], stylesheet: str) -> None:
        self.context = context
        self.html, self.pdf = render(template, context, stylesheet)
        self.words = words(self.pdf)

    def phrase(self, phrase: str, page: int = 1) -> list[Word]:
        hits = find(self.words, phrase, page=page)
        assert hits, f"{phrase!r} not on page {page}"
        return hits[0]


@pytest.fixture(scope="module")
def letters() -> dict[str, Rendered]:
    return {
        "B": Rendered("letters/letter.html", letter_context(form="B"), "letter.css"),
        "A": Rendered(
            "letters/letter.html", letter_context(form="A", im_auftrag=False), "letter.css"
        ),
        "long": Rendered("letters/letter.html", letter_context(paragraphs=24), "letter.css"),
    }


@pytest.fixture(scope="module")
def sheet() -> Rendered:
    return Rendered("letters/sheet.html", SHEET, "sheet.css")


forms = pytest.mark.parametrize("form", ["B", "A"])


@forms
def test_the_recipient_fills_the_anschriftzone_from_the_top(
    letters: dict[str, Rendered], form: str
) -> None:
    letter, zone = letters[form], GEOMETRY[form]["anschriftzone"]
    lines = [letter.phrase(line) for line in RECIPIENT]
    for line, found in zip(RECIPIENT, lines, strict=True):
        assert within(found, zone, tolerance_mm=TOL), (line, bounds(found))
        assert bounds(found).left == pytest.approx(25, abs=TOL)  # 5 mm inside the field
    assert bounds(lines[0]).top == pytest.approx(zone.top, abs=TOL)
    tops = [bounds(found).top for found in lines]
    assert tops == sorted(tops)  # one line under the other, in order


@forms
def test_the_return_address_is_the_small_top_line_of_the_address_field(
    letters: dict[str, Rendered], form: str
) -> None:
    found = letters[form].phrase(RETURN_ADDRESS)
    assert within(found, GEOMETRY[form]["return_line"], tolerance_mm=TOL), bounds(found)
    assert all(word.height_mm < 3.5 for word in found)  # 8 pt, not the 10 pt of the address
    assert all(word.height_mm > 3.5 for word in letters[form].phrase("Erika Mustermann"))


@forms
def test_the_information_block_starts_at_125_mm(letters: dict[str, Rendered], form: str) -> None:
    letter = letters[form]
    first = letter.phrase("Unser Zeichen")  # "Ihr Zeichen" is empty: skipped
    assert bounds(first).top == pytest.approx(GEOMETRY[form]["info_top"], abs=TOL)
    assert bounds(first).left == pytest.approx(125, abs=TOL)
    assert not find(letter.words, "Ihr Zeichen")
    for label, value in letter.context["info"]:
        if value:
            found = letter.phrase(label) + letter.phrase(value)
            assert within(found, Box(125, 0, 200, 110), tolerance_mm=TOL), (label, bounds(found))
    # the value beside its label, on the same line
    assert bounds(letter.phrase(REFERENCE)).top == pytest.approx(bounds(first).top, abs=0.5)


@forms
def test_the_letterhead_stays_above_the_address_field(
    letters: dict[str, Rendered], form: str
) -> None:
    letter = letters[form]
    found = letter.phrase("Jobcenter Berlin Pankow") + letter.phrase("Storkower Straße 133a")
    assert bounds(found).bottom <= GEOMETRY[form]["letterhead_bottom"] + TOL


@forms
def test_subject_and_body_follow_the_address_field_at_the_text_margin(
    letters: dict[str, Rendered], form: str
) -> None:
    letter = letters[form]
    subject = bounds(letter.phrase(SUBJECT))
    bottom = GEOMETRY[form]["field_bottom"]
    assert subject.top > bottom
    assert subject.top == pytest.approx(bottom + 8.5, abs=TOL)  # two blank lines below it
    assert subject.left == pytest.approx(25, abs=TOL)
    assert '<h1 class="subject">' in letter.html
    body = [w for w in letter.words if w.page == 1 and w.y_mm > subject.bottom]
    assert min(w.x_mm for w in body) == pytest.approx(25, abs=TOL)
    assert max(w.right_mm for w in body) <= 190 + TOL  # right margin 20 mm
    assert bounds(letter.phrase("Sehr geehrte Frau Mustermann,")).top > subject.bottom


@forms
def test_fold_and_hole_marks_on_the_first_page_only(
    letters: dict[str, Rendered], form: str
) -> None:
    marks = ink_lines(letters[form].pdf, LEFT_EDGE_STRIP)
    assert marks == pytest.approx(GEOMETRY[form]["marks"], abs=TOL)
    long = letters["long"].pdf
    assert ink_lines(long, LEFT_EDGE_STRIP, page=2) == []


def test_a_long_letter_numbers_its_pages_from_the_second(letters: dict[str, Rendered]) -> None:
    letter = letters["long"]
    assert page_count(letter.pdf) == 3
    assert not [w for w in letter.words if w.page == 1 and w.text == "Seite"]
    for page in (2, 3):
        number = letter.phrase(f"Seite {page} von 3", page=page)
        assert bounds(number).top > 270  # in the footer
        assert bounds(number).right == pytest.approx(190, abs=TOL)
        # the following pages' header: the Jobcenter and Unser Zeichen, above the text
        header = letter.phrase(f"Unser Zeichen: {REFERENCE}", page=page)
        assert bounds(header).bottom < 25
        body = [w for w in letter.words if w.page == page and w.y_mm > 25]
        assert min(w.x_mm for w in body) == pytest.approx(25, abs=TOL)
    # the letterhead's window belongs to page 1 alone
    assert not [w for w in letter.words if w.page > 1 and w.text == "Mustermann"]
    assert "Seite" not in text(letter.pdf).split("\f")[0]


def test_a_one_page_letter_has_no_page_number(letters: dict[str, Rendered]) -> None:
    for form in ("B", "A"):
        assert page_count(letters[form].pdf) == 1
        assert not [w for w in letters[form].words if w.text == "Seite"]


def test_im_auftrag_only_when_signing_on_behalf(letters: dict[str, Rendered]) -> None:
    signed = letters["B"]  # im_auftrag=True
    closing = bounds(signed.phrase("Mit freundlichen Grüßen"))
    on_behalf = bounds(signed.phrase("Im Auftrag"))
    name = bounds(signed.phrase("Erika Muster Kundenreaktionsmanagement"))
    assert closing.bottom <= on_behalf.top < name.top - 10  # room to sign
    assert closing.left == on_behalf.left == pytest.approx(25, abs=TOL)
    assert not find(letters["A"].words, "Im Auftrag")  # im_auftrag=False
    assert find(letters["A"].words, "Mit freundlichen Grüßen")


def test_pdfa_and_title_are_declared(letters: dict[str, Rendered], sheet: Rendered) -> None:
    assert declares_pdfa(letters["B"].pdf) == "3B"
    assert declares_pdfa(sheet.pdf) == "3B"
    assert declares_pdfa(weasyprint.HTML(string="<p>x</p>").write_pdf()) is None
    assert f"<title>Eingangsbestätigung {REFERENCE}</title>" in letters["B"].html
    assert '<html lang="de">' in letters["B"].html


def test_the_context_is_escaped_and_nothing_is_fetched(letters: dict[str, Rendered]) -> None:
    html = letters["B"].html
    assert "c/o &lt;b&gt;Muster &amp; Co&lt;/b&gt;" in html
    assert letters["B"].phrase("c/o <b>Muster & Co</b>")  # printed as text, not as markup
    assert "<script" not in html
    assert all(url.startswith("data:") for url in re.findall(r'(?:src|href)="([^"]*)"', html))
    assert "<p>Sehr geehrte Frau Mustermann,</p>" in html  # body_html is already safe


def test_the_sheet_has_its_header_on_every_page(sheet: Rendered) -> None:
    pages = page_count(sheet.pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        header = sheet.phrase(f"Aktenzeichen {REFERENCE}", page=page)
        assert bounds(header).bottom < 25  # in the top margin
        assert bounds(header).right == pytest.approx(190, abs=TOL)
        assert bounds(sheet.phrase("Jobcenter Berlin Pankow", page=page)).left == pytest.approx(
            25, abs=TOL
        )
        assert sheet.phrase(f"Seite {page} von {pages}", page=page)
    assert declares_pdfa(sheet.pdf) == "3B"


def test_the_sheet_lays_out_fields_sections_and_signatures(sheet: Rendered) -> None:
    title = bounds(sheet.phrase("Verfügungsblatt"))
    assert title.left == pytest.approx(25, abs=TOL)
    assert title.top < 40  # no address window: the title comes first
    label, value = bounds(sheet.phrase("Zuständig")), bounds(sheet.phrase("Team 711"))
    assert value.top == pytest.approx(label.top, abs=0.5) and value.left > label.right
    assert bounds(sheet.phrase("Bereich 71")).top > value.bottom - 0.5  # the line break kept
    frist = bounds(sheet.phrase("Frist"))
    dash = [w for w in sheet.words if w.text == "–" and abs(w.y_mm - frist.top) < 1]
    assert dash, "an empty value prints as –"
    assert sheet.phrase("Bitte Stellungnahme <b>einholen</b>.")  # escaped, as text
    last = page_count(sheet.pdf)
    final_section = bounds(sheet.phrase("Verfügung 4", page=last))
    for label in SHEET["signatures"]:
        line = bounds(sheet.phrase(label, page=last))
        assert line.top > final_section.bottom + 15  # room to sign above the label
