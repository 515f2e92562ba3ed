"""Plain text from stored documents, for the full-text search.

``extract_text`` reads embedded text where a file has some (PDF, Office, OpenDocument,
e-mail, plain text) and OCRs scans (images, image-only PDFs) in German with Tesseract.
It runs in a background worker: every external tool call is limited to ``TOOL_TIMEOUT``
seconds, at most ``MAX_OCR_PAGES`` pages are OCR'd, and the text is cut at
``MAX_TEXT_CHARS``, so one document costs at most 2 + 2 × ``MAX_OCR_PAGES`` tool calls.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.policy
import email.utils
import math
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element  # types only; parsing goes through defusedxml
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as SafeET
import lxml.html
from lxml import etree as lxml_etree

MAX_TEXT_CHARS = 1_000_000
MAX_OCR_PAGES = 50
TOOL_TIMEOUT = 120  # seconds per external call

OCR_DPI = 300
MAX_OCR_PIXELS = 40_000_000  # a page larger than ~A2 at 300 dpi is rendered at a lower dpi
MIN_LETTERS_PER_PAGE = 20  # below this on average, a PDF is treated as a scan
MAX_XML_BYTES = 200 * 1024 * 1024  # uncompressed size of one XML part of an Office file
DOCX_TREE_BYTES = 16 * 1024 * 1024  # a larger Word body is read as a stream
_STDERR_TAIL = 500


@dataclass(frozen=True)
class Extracted:
    text: str  # normalised plain text, at most MAX_TEXT_CHARS
    method: str  # "text" (embedded text), "ocr", or "none" (nothing to read)
    pages: int  # pages read (0 where not applicable)


class ExtractionError(Exception):
    """A tool failed or timed out, or the file could not be parsed; the caller retries later."""


NONE = Extracted("", "none", 0)

PDF = "application/pdf"
IMAGES = frozenset({"image/tiff", "image/jpeg", "image/png"})
EML = "message/rfc822"
MSG = "application/vnd.ms-outlook"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
LEGACY_OFFICE = frozenset(
    {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"}
)
TEXT = "text/plain"


def extract_text(path: Path, content_type: str) -> Extracted:
    """Return the plain text of the file at ``path``, read as ``content_type``.

    Per type:

    * PDF: the embedded text (``pdftotext``). If it averages fewer than
      ``MIN_LETTERS_PER_PAGE`` letters per page, the PDF is taken for a scan and its
      first ``MAX_OCR_PAGES`` pages are rendered at 300 dpi and OCR'd (method "ocr");
      later pages are silently left out, the text does not mention them.
    * TIFF/JPEG/PNG: OCR. Of a multi-page TIFF, only the first ``MAX_OCR_PAGES``
      pages are read, again without a note in the text.
    * DOCX: paragraphs, tables, text boxes, headers and footers (python-docx).
      XLSX: the text cells of all sheets; PPTX: the text of all slides;
      ODT/ODS/ODP: all text of ``content.xml``.
    * Legacy DOC/XLS/PPT: not read (method "none"); there is no converter installed.
    * E-mail (.eml, Outlook .msg): From, To, Date, Subject, the body (text, else the
      HTML body as text) and the names of the attachments. Attachments are not read.
    * text/plain: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252/Latin-1.
    * Anything else: ``Extracted("", "none", 0)``.

    ``pages`` is the number of PDF pages read, of images/TIFF pages OCR'd, of slides
    of a PPTX; 0 for the other types. An empty document gives method "text" or "ocr"
    with an empty text; "none" means the type is not read at all.

    Raises ExtractionError when a tool fails or times out, or the file is damaged
    (a damaged file fails again on retry; the caller should give up after a few tries).
    """
    kind = content_type.split(";", 1)[0].strip().lower()
    handler = _HANDLERS.get(kind)
    if handler is None:
        return NONE
    try:
        return handler(path, content_type)
    except ExtractionError:
        raise
    except Exception as exc:  # parsers of damaged files raise all kinds of errors
        raise ExtractionError(f"{kind}: cannot read {path.name}: {exc!r}") from exc


# --- normalisation -----------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")  # soft hyphen, zero widths
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")  # C0/C1 but tab, LF, FF, CR
_HSPACE = re.compile(r"[^\S\n]+")  # whitespace except newline
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """NFC; line breaks kept, blank-line runs cut to one; other whitespace runs → one space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\f", "\n\n").replace("\u2029", "\n\n")  # page, paragraph
    text = _CONTROLS.sub(" ", _INVISIBLE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    text = _HSPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text[:MAX_TEXT_CHARS].rstrip()


class _Collector:
    """Text pieces in order; stops taking more once well beyond MAX_TEXT_CHARS."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        # Normalisation shrinks whitespace, so keep some slack before cutting.
        return self.size > 2 * MAX_TEXT_CHARS

    def add(self, text: str | None) -> None:
        if text and not self.full:
            self.parts.append(text)
            self.size += len(text)

    def line(self, text: str | None) -> None:
        self.add(text)
        self.add("\n")

    def text(self) -> str:
        return normalise("".join(self.parts))


# --- external tools ----------------------------------------------------------------------


def _run(tool: str, *args: str, env: dict[str, str] | None = None) -> bytes:
    """Run ``tool`` with ``args`` (no shell) within TOOL_TIMEOUT; return its stdout."""
    executable = shutil.which(tool)
    if executable is None:
        raise ExtractionError(f"{tool} is not installed")
    try:
        # Arguments are a list (no shell); file arguments are absolute paths.
        proc = subprocess.run(  # noqa: S603
            [executable, *args],
            capture_output=True,
            timeout=TOOL_TIMEOUT,
            check=False,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            f"{tool} timed out after {TOOL_TIMEOUT} s: {_tail(exc.stderr)}"
        ) from exc
    except OSError as exc:
        raise ExtractionError(f"{tool} could not be started: {exc}") from exc
    if proc.returncode != 0:
        raise ExtractionError(f"{tool} exited with {proc.returncode}: {_tail(proc.stderr)}")
    return proc.stdout


def _tail(stderr: bytes | str | None) -> str:
    if not stderr:
        return "(no error output)"
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    return stderr.strip()[-_STDERR_TAIL:]


def _tesseract(image: Path) -> str:
    out = _run(
        "tesseract",
        str(image),
        "-",
        "-l",
        "deu",
        "--psm",
        "3",
        env={"OMP_THREAD_LIMIT": "1"},  # two cores, shared with the web server
    )
    return out.decode("utf-8", "replace")


# --- PDF ---------------------------------------------------------------------------------

_PAGES = re.compile(r"^Pages:\s+(\d+)\s*$", re.MULTILINE)
_PAGE_SIZE = re.compile(r"^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", re.MULTILINE)


def _pdf(path: Path, _content_type: str) -> Extracted:
    file = str(path.absolute())
    info = _run("pdfinfo", "-f", "1", "-l", str(MAX_OCR_PAGES), file).decode("utf-8", "replace")
    match = _PAGES.search(info)
    pages = int(match.group(1)) if match else 0
    if pages == 0:
        return Extracted("", "text", 0)
    text = _run("pdftotext", "-enc", "UTF-8", "-q", file, "-").decode("utf-8", "replace")
    letters = sum(1 for char in text if char.isalpha())
    if letters / pages >= MIN_LETTERS_PER_PAGE:
        return Extracted(normalise(text), "text", pages)

    # A scan: OCR the first MAX_OCR_PAGES pages, one page at a time so that each
    # rendering and each OCR run stays within TOOL_TIMEOUT and the disk holds one image.
    sizes = {int(n): (float(w), float(h)) for n, w, h in _PAGE_SIZE.findall(info)}
    ocr_pages = min(pages, MAX_OCR_PAGES)
    out = _Collector()
    with tempfile.TemporaryDirectory(prefix="krm-ocr-") as tmp:
        root = Path(tmp) / "page"
        for number in range(1, ocr_pages + 1):
            dpi = _dpi(*sizes.get(number, (0.0, 0.0)))
            page = str(number)
            render = ["-r", str(dpi), "-gray", "-png", "-f", page, "-l", page, "-singlefile"]
            _run("pdftoppm", *render, file, str(root))
            image = root.with_suffix(".png")
            out.add(_tesseract(image))
            out.add("\n\n")
            image.unlink(missing_ok=True)
            if out.full:
                break
    return Extracted(out.text(), "ocr", ocr_pages)


def _dpi(width_pt: float, height_pt: float) -> int:
    """OCR_DPI, lowered for pages so large that the image would exceed MAX_OCR_PIXELS."""
    area_in2 = (width_pt / 72) * (height_pt / 72)
    if area_in2 <= 0:
        return OCR_DPI
    return max(72, min(OCR_DPI, math.floor(math.sqrt(MAX_OCR_PIXELS / area_in2))))


# --- images ------------------------------------------------------------------------------


def _image(path: Path, content_type: str) -> Extracted:
    frames = _tiff_frames(path) if content_type.startswith("image/tiff") else 1
    if frames <= 1:
        return Extracted(normalise(_tesseract(path.absolute())), "ocr", 1)
    # Multi-page TIFF: split the first MAX_OCR_PAGES pages, one OCR call each.
    from PIL import Image

    pages = min(frames, MAX_OCR_PAGES)
    out = _Collector()
    with tempfile.TemporaryDirectory(prefix="krm-ocr-") as tmp, Image.open(path) as tiff:
        image = Path(tmp) / "page.png"
        for index in range(pages):
            tiff.seek(index)
            frame = tiff if tiff.mode in _PNG_MODES else tiff.convert("RGB")  # e.g. CMYK
            frame.save(image, "PNG", dpi=tiff.info.get("dpi", (300, 300)))
            out.add(_tesseract(image))
            out.add("\n\n")
            if out.full:
                break
    return Extracted(out.text(), "ocr", pages)


_PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})


def _tiff_frames(path: Path) -> int:
    """Number of pages of a TIFF; 1 if Pillow cannot tell (Tesseract then reads it all)."""
    try:
        from PIL import Image

        with Image.open(path) as tiff:
            return int(getattr(tiff, "n_frames", 1))
    except Exception:  # Pillow may not know a TIFF variant that Leptonica reads
        return 1


# --- Office Open XML and OpenDocument ------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _docx(path: Path, _content_type: str) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_zip(path)
    with zipfile.ZipFile(path) as archive:
        body = archive.getinfo("word/document.xml").file_size
    if body > DOCX_TREE_BYTES:
        return _docx_streamed(path)
    document = docx.Document(str(path))
    out = _Collector()

    def blocks(items: Iterable[Paragraph | Table]) -> None:
        for item in items:
            if out.full:
                return
            if isinstance(item, Paragraph):
                out.line(item.text)
                continue
            seen: set[object] = set()  # merged cells repeat in row.cells
            for row in item.rows:
                for cell in row.cells:
                    if cell._tc not in seen:  # lxml elements compare by identity
                        seen.add(cell._tc)
                        blocks(cell.iter_inner_content())
                out.add("\n")

    for section in document.sections:
        for part in (section.first_page_header, section.even_page_header, section.header):
            if not part.is_linked_to_previous:
                blocks(part.iter_inner_content())
    blocks(document.iter_inner_content())
    # Text boxes (w:txbxContent); the VML fallback copy of each box is skipped.
    for box in document.element.body.iter(f"{_W}txbxContent"):
        if not any(parent.tag == _MC_FALLBACK for parent in box.iterancestors()):
            for p in box.iter(f"{_W}p"):
                out.line(Paragraph(p, document).text)
    for section in document.sections:
        for footer in (section.first_page_footer, section.even_page_footer, section.footer):
            if not footer.is_linked_to_previous:
                blocks(footer.iter_inner_content())
    return Extracted(out.text(), "text", 0)


def _docx_streamed(path: Path) -> Extracted:
    """A very large Word body, read paragraph by paragraph (python-docx would hold the whole
    tree: a 450 MB body took 7.5 GB)."""
    out = _Collector()
    with zipfile.ZipFile(path) as archive, _open_xml(archive, "word/document.xml") as source:
        for paragraph, _ in _iterparse(source, [f"{_W}p"]):
            if out.full:
                break
            out.line("".join(t.text or "" for t in paragraph.iter(f"{_W}t")))
    return Extracted(out.text(), "text", 0)


def _check_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > 4 * MAX_XML_BYTES:
        raise ExtractionError(f"{path.name}: unpacks to {total} bytes, too large")


def _zip_members(archive: zipfile.ZipFile, pattern: str) -> list[str]:
    """Names matching ``pattern`` (with one number group), in numeric order."""
    regex = re.compile(pattern)
    found = [(int(m.group(1)), name) for name in archive.namelist() if (m := regex.fullmatch(name))]
    return [name for _, name in sorted(found)]


def _open_xml(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_BYTES:
        raise ExtractionError(f"{name} unpacks to {info.file_size} bytes, too large")
    # zipfile never yields more than the declared size (a lie fails the CRC check).
    return archive.open(info)


def _iterparse(source: IO[bytes], tags: Iterable[str]) -> Iterator[tuple[Element, list[Element]]]:
    """Each complete element with a tag in ``tags``, with its open ancestors.

    Memory stays flat: elements that are read, and those outside the wanted ones, are
    dropped from the tree as soon as they end. defusedxml refuses entity declarations.
    """
    wanted = frozenset(tags)
    path: list[Element] = []
    inside = 0  # open wanted elements
    for event, element in SafeET.iterparse(source, events=("start", "end")):
        if event == "start":
            path.append(element)
            inside += element.tag in wanted
            continue
        path.pop()
        if element.tag in wanted:
            inside -= 1
            yield element, path
        if path and not inside:
            path[-1].remove(element)  # the parent holds at most this one child


def _xlsx(path: Path, _content_type: str) -> Extracted:
    out = _Collector()
    with zipfile.ZipFile(path) as archive:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            with _open_xml(archive, "xl/sharedStrings.xml") as source:
                shared.extend(_xlsx_string(si) for si, _ in _iterparse(source, [f"{_S}si"]))
        for name in _zip_members(archive, r"xl/worksheets/sheet(\d+)\.xml"):
            with _open_xml(archive, name) as source:
                for element, _ in _iterparse(source, [f"{_S}c", f"{_S}row"]):
                    if element.tag == f"{_S}row":
                        out.add("\n")
                    else:
                        out.add(_xlsx_cell(element, shared))
                        out.add("\t")
                    if out.full:
                        break
            out.add("\n\n")
            if out.full:
                break
    return Extracted(out.text(), "text", 0)


def _xlsx_string(si: Element) -> str:
    """Text of a shared or inline string: t, or the t of each run r; phonetic runs skipped."""
    parts = [si.findtext(f"{_S}t") or ""]
    parts += [r.findtext(f"{_S}t") or "" for r in si.findall(f"{_S}r")]
    return "".join(parts)


def _xlsx_cell(cell: Element, shared: list[str]) -> str:
    """Text cells only: numbers and dates are left out."""
    kind = cell.get("t")
    if kind == "s":
        try:
            return shared[int(cell.findtext(f"{_S}v") or "")]
        except (ValueError, IndexError):
            return ""
    if kind == "inlineStr":
        inline = cell.find(f"{_S}is")
        return _xlsx_string(inline) if inline is not None else ""
    if kind == "str":  # result of a formula
        return cell.findtext(f"{_S}v") or ""
    return ""


def _pptx(path: Path, _content_type: str) -> Extracted:
    out = _Collector()
    with zipfile.ZipFile(path) as archive:
        slides = _zip_members(archive, r"ppt/slides/slide(\d+)\.xml")
        for name in slides:
            with _open_xml(archive, name) as source:
                for paragraph, _ in _iterparse(source, [f"{_A}p"]):
                    for element in paragraph.iter():
                        if element.tag == f"{_A}t":
                            out.add(element.text)
                        elif element.tag == f"{_A}br":
                            out.add("\n")
                    out.add("\n")
            out.add("\n\n")
    return Extracted(out.text(), "text", len(slides))


def _odf(path: Path, _content_type: str) -> Extracted:
    """All text of content.xml; it all sits in paragraphs and headings (text:p, text:h)."""
    out = _Collector()
    with zipfile.ZipFile(path) as archive, _open_xml(archive, "content.xml") as source:
        for paragraph, ancestors in _iterparse(source, _ODF_PARAGRAPHS):
            # Deleted text of tracked changes is left out.
            if not any(element.tag == _ODF_TRACKED_CHANGES for element in ancestors):
                out.line(_odf_paragraph(paragraph))
            paragraph.clear()  # a nested paragraph (in a note, a frame) is read only once
            if out.full:
                break
    return Extracted(out.text(), "text", 0)


_ODF_PARAGRAPHS = frozenset({f"{_TEXT_NS}p", f"{_TEXT_NS}h"})
_ODF_TRACKED_CHANGES = f"{_TEXT_NS}tracked-changes"


def _odf_paragraph(paragraph: Element) -> str:
    """Text of one paragraph in document order, iteratively (nesting depth is no problem)."""
    parts: list[str] = []
    stack: list[Element | str] = [paragraph]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.tag == f"{_TEXT_NS}s":  # a run of spaces
            parts.append(" " * min(int(item.get(f"{_TEXT_NS}c") or 1), 100))
        elif item.tag == f"{_TEXT_NS}tab":
            parts.append("\t")
        elif item.tag == f"{_TEXT_NS}line-break":
            parts.append("\n")
        parts.append(item.text or "")
        if item is not paragraph and item.tail:
            stack.append(item.tail)  # popped after the children
        stack.extend(reversed(list(item)))
    return "".join(parts)


# --- e-mail ------------------------------------------------------------------------------

# fmt: off
_HTML_BLOCKS = (
    "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "ul", "ol", "hr", "section", "article", "address",
)
# fmt: on


def html_to_text(markup: str | bytes) -> str:
    """Visible text of an HTML document, one line per block element.

    ``bytes`` are decoded as the document declares (meta charset), ``str`` is taken as is.
    """
    if not markup.strip():
        return ""
    if isinstance(markup, str):
        data, parser = markup.encode("utf-8"), lxml.html.HTMLParser(encoding="utf-8")
    else:
        data, parser = markup, lxml.html.HTMLParser()
    try:
        document = lxml.html.document_fromstring(data, parser=parser)
    except lxml_etree.ParserError:  # no content at all
        return ""
    for element in list(document.iter("script", "style", "head", "template", "noscript")):
        element.drop_tree()
    for element in document.iter(*_HTML_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return str(document.text_content())


def _eml(path: Path, _content_type: str) -> Extracted:
    with path.open("rb") as file:
        message = email.message_from_binary_file(file, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # guaranteed by policy.default
    out = _Collector()
    for label, header in _HEADERS:
        _header_line(out, label, _optional(lambda header=header: message.get(header)))
    out.add("\n")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = _part_text(body)
        out.line(html_to_text(content) if body.get_content_subtype() == "html" else content)
    names = [
        name
        for part in message.walk()
        if part is not body and not part.is_multipart() and (name := part.get_filename())
    ]
    _attachments_line(out, names)
    return Extracted(out.text(), "text", 0)


_BERLIN = ZoneInfo("Europe/Berlin")
_HEADERS = (("Von", "From"), ("An", "To"), ("Datum", "Date"), ("Betreff", "Subject"))
_MSG_FIELDS = (("Von", "sender"), ("An", "to"), ("Datum", "date"), ("Betreff", "subject"))


def _header_line(out: _Collector, label: str, value: object) -> None:
    if isinstance(value, dt.datetime):  # .msg: as in an e-mail header, in German time
        value = email.utils.format_datetime(value.astimezone(_BERLIN) if value.tzinfo else value)
    if value is not None and str(value).strip():
        out.line(f"{label}: {value}")


def _attachments_line(out: _Collector, names: list[str]) -> None:
    if names:
        out.line("\nAnhänge: " + ", ".join(names))


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):  # unknown or wrong charset
        payload = part.get_payload(decode=True)
        content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _msg(path: Path, _content_type: str) -> Extracted:
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    message: Any = extract_msg.openMsg(
        str(path), errorBehavior=ErrorBehavior.ATTACH_SUPPRESS_ALL | ErrorBehavior.RTFDE
    )
    try:
        out = _Collector()
        # Not every Outlook item (contacts, tasks …) has all of these.
        for label, attribute in _MSG_FIELDS:
            _header_line(out, label, _optional(lambda a=attribute: getattr(message, a)))
        out.add("\n")
        body = _optional(lambda: message.body)
        if isinstance(body, str) and body.strip():
            out.line(body)
        else:
            html_body = _optional(lambda: message.htmlBody)
            if isinstance(html_body, bytes):
                out.line(html_to_text(html_body))
        attachments = _optional(lambda: message.attachments) or []
        _attachments_line(out, [str(a.name) for a in attachments if getattr(a, "name", None)])
        return Extracted(out.text(), "text", 0)
    finally:
        message.close()


def _optional(get: Callable[[], Any]) -> Any:
    """A header or property; None if missing or malformed, so one bad field costs only itself."""
    try:
        return get()
    except Exception:
        return None


# --- plain text --------------------------------------------------------------------------


def _plain(path: Path, content_type: str) -> Extracted:
    limit = 4 * MAX_TEXT_CHARS  # UTF-8 needs at most four bytes a character
    with path.open("rb") as file:
        data = file.read(limit + 1)
    truncated = len(data) > limit
    return Extracted(normalise(decode_text(data[:limit], content_type, truncated)), "text", 0)


_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)


def decode_text(data: bytes, content_type: str = "", truncated: bool = False) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, a declared charset, else Windows-1252/Latin-1.

    ``truncated``: ``data`` is the start of a longer file; a character cut in two at its
    end is dropped.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")("replace").decode(data, final=not truncated)
    candidates = ["utf-8-sig"]
    if match := _CHARSET.search(content_type):
        candidates.append(match.group(1))
    candidates.append("cp1252")  # German Windows files: Latin-1 plus „“–€
    for encoding in candidates:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final=not truncated)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")  # cannot fail


_HANDLERS: dict[str, Callable[[Path, str], Extracted]] = {
    PDF: _pdf,
    **dict.fromkeys(IMAGES, _image),
    EML: _eml,
    MSG: _msg,
    DOCX: _docx,
    XLSX: _xlsx,
    PPTX: _pptx,
    **dict.fromkeys(ODF, _odf),
    **dict.fromkeys(LEGACY_OFFICE, lambda _path, _type: NONE),
    TEXT: _plain,
}
