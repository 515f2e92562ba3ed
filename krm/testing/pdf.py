"""Reading PDFs in tests: the words with their positions, the text, the pages, PDF/A.

The positions come from poppler's ``pdftotext -bbox`` and are given in millimetres from the
top-left corner of the page (1 pt = 25.4/72 mm), so a test can state a DIN 5008 rule as it
is written ("the address zone starts 62.7 mm from the top"). A word's box is its glyphs'
font box (ascent to descent), not the ink: a 10 pt word is about 4.1 mm high, an 8 pt word
about 3.3 mm.

    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    date = find(words(pdf), "1. Dezember 2026")[0]
    assert within(date, Box(125, 50, 200, 100))
    assert declares_pdfa(pdf) == "3B"
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

MM_PER_PT = 25.4 / 72

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
    re.DOTALL,
)


@dataclass(frozen=True)
class Word:
    """One word as pdftotext sees it: its text, its page (from 1) and its box in mm.

    ``x_mm``/``y_mm`` are the left and top edges, ``right_mm``/``bottom_mm`` the right and
    bottom edges, all measured from the top-left corner of the page.
    """

    text: str
    page: int
    x_mm: float
    y_mm: float
    right_mm: float
    bottom_mm: float

    @property
    def height_mm(self) -> float:
        """The height of the font box: about 1.16 × the font size for DejaVu Sans."""
        return self.bottom_mm - self.y_mm

    @property
    def width_mm(self) -> float:
        return self.right_mm - self.x_mm


class Box(NamedTuple):
    """A rectangle on the page in mm from the top-left corner: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float


def _run(tool: str, pdf: bytes, *args: str, to_stdout: bool = True) -> bytes:
    """Runs a poppler tool on the PDF (through a temporary file) and returns its stdout.

    ``to_stdout`` passes "-" as the output file (pdftotext); pdfinfo and pdftoppm take none.
    """
    executable = shutil.which(tool)
    if executable is None:  # pragma: no cover - poppler-utils is a test dependency
        raise RuntimeError(f"{tool} not found: install poppler-utils")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "document.pdf"
        path.write_bytes(pdf)
        return subprocess.run(  # noqa: S603 - a fixed tool on our own file
            [executable, *args, str(path), *(["-"] if to_stdout else [])],
            capture_output=True,
            check=True,
        ).stdout


def _poppler(tool: str, pdf: bytes, *args: str, to_stdout: bool = True) -> str:
    return _run(tool, pdf, *args, to_stdout=to_stdout).decode("utf-8")


def words(pdf: bytes) -> list[Word]:
    """Every word of the PDF with its page and box (in mm), in pdftotext's reading order."""
    found: list[Word] = []
    output = _poppler("pdftotext", pdf, "-bbox", "-enc", "UTF-8")
    # Pages follow each other; a word belongs to the last page opened before it.
    starts = [match.start() for match in _PAGE.finditer(output)]
    for match in _WORD.finditer(output):
        page = sum(1 for start in starts if start < match.start())
        x_min, y_min, x_max, y_max = (float(value) * MM_PER_PT for value in match.groups()[:4])
        found.append(Word(html.unescape(match.group(5)), page, x_min, y_min, x_max, y_max))
    return found


def text(pdf: bytes) -> str:
    """The text of the PDF as ``pdftotext -layout`` lays it out; pages are split by form feeds."""
    return _poppler("pdftotext", pdf, "-layout", "-enc", "UTF-8")


def page_texts(pdf: bytes) -> list[str]:
    """The layout text of each page, first page first."""
    pages = text(pdf).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def page_count(pdf: bytes) -> int:
    """The number of pages, as pdfinfo reports it."""
    info = _poppler("pdfinfo", pdf, to_stdout=False)
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    if match is None:  # pragma: no cover - pdfinfo always reports the pages
        raise ValueError("pdfinfo reported no page count")
    return int(match.group(1))


def declares_pdfa(pdf: bytes) -> str | None:
    """The PDF/A part and conformance the XMP metadata declares, e.g. ``"3B"``, else None.

    This reads the declaration (``pdfaid:part``, ``pdfaid:conformance``); it does not
    validate the file against the standard (that needs veraPDF).
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        if "/Metadata" not in document.Root:
            return None
        metadata = document.open_metadata()
        part = metadata.get("pdfaid:part")
        conformance = metadata.get("pdfaid:conformance")
    if not part:
        return None
    return f"{part}{conformance or ''}".upper()


def find(found: Iterable[Word], phrase: str, *, page: int | None = None) -> list[list[Word]]:
    """Every occurrence of the phrase as consecutive words (split at whitespace).

    Each occurrence is the list of its words; a phrase is matched within one page only.
    """
    wanted = phrase.split()
    if not wanted:
        raise ValueError("empty phrase")
    candidates = [word for word in found if page is None or word.page == page]
    hits: list[list[Word]] = []
    for start in range(len(candidates) - len(wanted) + 1):
        window = candidates[start : start + len(wanted)]
        if [word.text for word in window] == wanted and len({w.page for w in window}) == 1:
            hits.append(window)
    return hits


def bounds(selected: Word | Iterable[Word]) -> Box:
    """The smallest box around a word or words."""
    chosen = [selected] if isinstance(selected, Word) else list(selected)
    if not chosen:
        raise ValueError("no words")
    return Box(
        min(word.x_mm for word in chosen),
        min(word.y_mm for word in chosen),
        max(word.right_mm for word in chosen),
        max(word.bottom_mm for word in chosen),
    )


def within(
    selected: Word | Iterable[Word],
    box_mm: Box | tuple[float, float, float, float],
    *,
    tolerance_mm: float = 0.0,
) -> bool:
    """Whether every given word lies inside the box (left, top, right, bottom in mm).

    ``tolerance_mm`` widens the box on every side. An empty selection is not within anything.
    """
    chosen = [selected] if isinstance(selected, Word) else list(selected)
    if not chosen:
        return False
    left, top, right, bottom = box_mm
    return all(
        word.x_mm >= left - tolerance_mm
        and word.y_mm >= top - tolerance_mm
        and word.right_mm <= right + tolerance_mm
        and word.bottom_mm <= bottom + tolerance_mm
        for word in chosen
    )


def ink_lines(
    pdf: bytes,
    box_mm: Box | tuple[float, float, float, float],
    *,
    page: int = 1,
    dpi: int = 150,
    threshold: int = 160,
) -> list[float]:
    """Where the box holds ink: the y (mm, centre) of each horizontal band of dark pixels.

    The page is rasterised in grey (``pdftoppm``); a pixel row counts when one of its pixels
    in the box is darker than ``threshold`` (0 black … 255 white), and adjacent rows make
    one band. This sees what text extraction cannot: rules, fold and hole marks.
    """
    left, top, right, bottom = box_mm
    scale = dpi / 25.4  # pixels per mm
    x, y = int(left * scale), int(top * scale)
    width, height = max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale))
    image = _run(
        "pdftoppm",
        pdf,
        "-gray",
        "-r", str(dpi),
        "-f", str(page),
        "-l", str(page),
        "-x", str(x),
        "-y", str(y),
        "-W", str(width),
        "-H", str(height),
        to_stdout=False,
    )  # fmt: skip
    # A binary PGM: "P5", width, height, maxval (whitespace-separated), then the pixels.
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", image)
    if header is None:  # pragma: no cover - pdftoppm -gray writes PGM
        raise ValueError("pdftoppm wrote no PGM")
    columns, rows = int(header.group(1)), int(header.group(2))
    pixels = image[header.end() :]
    inked = [
        row for row in range(rows) if min(pixels[row * columns : (row + 1) * columns]) < threshold
    ]
    bands: list[list[int]] = []
    for row in inked:
        if bands and row == bands[-1][-1] + 1:
            bands[-1].append(row)
        else:
            bands.append([row])
    return [(y + (band[0] + band[-1]) / 2 + 0.5) / scale for band in bands]
