"""Incoming e-mail read into plain data: `.eml` (RFC 5322, MIME) and Outlook `.msg`.

Pure Python, no Django. Whatever arrives is read as far as it can be: wrong or unknown
charsets, broken base64 and quoted-printable, raw 8-bit headers, Outlook's winmail.dat
(TNEF), forwarded mails (message/rfc822, attached `.eml`/`.msg`). What was repaired is told
in `ParsedMail.notes`, German sentences for the Posteingang. Only bytes that are no mail at
all raise `Unreadable`.

The HTML of a mail is never shown as it came: `sanitize_html` keeps harmless formatting and
links (http, https, mailto) and drops everything else, images included (a remote image is
a read receipt), so the result can be embedded under a strict Content-Security-Policy.

Limits: a MIME tree is read to a depth of `MAX_DEPTH` and up to `MAX_PARTS` parts;
forwarded mails inside forwarded mails are read to `MAX_FORWARD_DEPTH` levels (deeper ones
stay attachments). Attachments have no size limit here: the importer checks sizes. Work
and memory grow linearly with the input (a 30 MB attachment: 1–2 s, peak memory about four
times the mail); headers and HTML built to make parsers quadratic are cut or normalised
first (see `_ReadPolicy` and `html_to_text`).
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import datetime
import email.policy
import email.utils
import html as html_lib
import io
import logging
import mimetypes
import re
import struct
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any, TypeVar

import nh3

logger = logging.getLogger(__name__)

MAX_DEPTH = 20
MAX_PARTS = 500
# HTML beyond this is read as plain text: html5ever's cleaning grows faster than linear on
# deeply nested tag soup (780 KB took two minutes).
MAX_HTML = 100_000
MAX_FORWARD_DEPTH = 3
MAX_REFERENCES = 50
MAX_MESSAGE_ID = 250
MAX_SUBJECT = 300
MAX_NAME = 300
MAX_FILENAME = 150
MAX_ADDRESS = 254
MAX_CONTENT_TYPE = 100
#: winmail.dat with more TNEF objects than this is not unpacked (tnefparse copies the rest
#: of the stream for every object, so very many objects would take quadratic time); nor
#: when objects × size exceeds the copy budget (16 GB of memcpy, about 2 s).
MAX_TNEF_OBJECTS = 2000
_TNEF_COPY_BUDGET = 16 * 10**9
#: RTF bodies (from TNEF) larger than this are attached, not converted (RTFDE is slow).
MAX_RTF_CONVERT = 2 * 1024 * 1024

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"
FORWARD_ATTACHMENT_NAME = "weitergeleitete-nachricht.eml"
FORWARD_MSG_ATTACHMENT_NAME = "weitergeleitete-nachricht.msg"


@dataclass(frozen=True)
class Attachment:
    filename: str  # cleaned (no path, no control/bidi chars, NFC), never empty
    content: bytes
    content_type: str  # as declared (lowercase), "application/octet-stream" if none


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without <>, "" if none or garbage
    references: tuple[str, ...]  # In-Reply-To, then References; without <>; at most 50
    subject: str
    from_name: str
    from_address: str  # lowercased, "" unless syntactically valid
    date: datetime.datetime | None  # aware
    text: str  # the body to show (text/plain, else text from the HTML); "\n" line ends
    html: str  # the HTML body after sanitize_html(), "" if none
    attachments: tuple[Attachment, ...]
    forwarded: ParsedMail | None  # the first forwarded mail inside
    recipient_count: int  # addresses in To and Cc
    notes: tuple[str, ...]  # German sentences: what was repaired
    #: An automatic mail (Auto-Submitted, X-Autoreply, Precedence: bulk/auto_reply, a
    #: delivery report): no Eingangsbestätigung goes back to it.
    auto_submitted: bool = False
    reply_to_address: str = ""  # the first valid Reply-To address, "" if none


class Unreadable(Exception):
    """The bytes are not a mail we can read; .reason is a German sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- public functions ---------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMail:
    """Read a mail: `.eml` (RFC 5322) or Outlook `.msg` (recognised by its OLE signature)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise Unreadable("Die Datei ist keine E-Mail.")
    raw = bytes(raw)
    try:
        return _parse_any(raw, 0)
    except Unreadable:
        raise
    except Exception as exc:  # the last resort: every stage below keeps what it can
        logger.exception("Unexpected error while parsing a mail")
        raise Unreadable("Die E-Mail konnte nicht gelesen werden.") from exc


def _nh3(html: str, **options: Any) -> str | None:
    """nh3.clean with krm's common options; None when nh3 fails (its panics surface as
    BaseException), so that the caller falls back to plain text."""
    try:
        return nh3.clean(
            html, strip_comments=True, clean_content_tags=_DROPPED_WITH_CONTENT, **options
        )
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        logger.exception("nh3 failed; the HTML is read as plain text")
        return None


def _tags_dropped(html: str) -> str:
    return html_lib.unescape(_ANY_TAG.sub(" ", html))


def sanitize_html(html: str) -> str:
    """HTML from outside made harmless: formatting and http(s)/mailto links only."""
    if not html:
        return ""
    html = _SURROGATES.sub("\ufffd", html).replace("\x00", "")
    if len(html) > MAX_HTML:
        return "<pre>" + html_lib.escape(_tags_dropped(html)) + "</pre>"
    cleaned = _nh3(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        url_relative="deny",
        link_rel="noopener noreferrer nofollow",
    )
    if cleaned is None:
        return "<pre>" + html_lib.escape(_tags_dropped(html)) + "</pre>"
    return cleaned.strip()


def original_sender(mail: ParsedMail) -> tuple[str, str]:
    """(name, address) of the customer: the forwarded mail's sender for a forward, else the
    mail's own sender. A forward is a `forwarded` part or a text body that starts with a
    forward header block ("-------- Weitergeleitete Nachricht --------", Outlook's
    "Von: … Gesendet: …") within its first three lines, or anywhere when the subject says
    "WG:"/"Fwd:". A reply ("AW:"/"Re:") quotes our own letter with the same block below its
    text, so there the block never counts."""
    fwd = mail.forwarded
    if fwd is not None and (fwd.from_address or fwd.from_name):
        return fwd.from_name, fwd.from_address
    if not _REPLY_SUBJECT.match(mail.subject):
        anywhere = bool(_FORWARD_SUBJECT.match(mail.subject))
        found = _forward_block_sender(mail.text, anywhere=anywhere)
        if found is not None:
            return found
    return mail.from_name, mail.from_address


def html_to_text(html: str) -> str:
    """Readable text from HTML: tags dropped, block elements as line breaks."""
    if not html:
        return ""
    html = _SURROGATES.sub("\ufffd", html).replace("\x00", "")
    if len(html) > MAX_HTML:
        return _tidy_text(_tags_dropped(html))
    # html5ever (in nh3) first: it reads any tag soup in linear time and writes well-formed
    # HTML; Python's HTMLParser alone is quadratic on some malformed input (60 KB of "<a "
    # took a minute on Python 3.11).
    normalized = _nh3(html, tags=_TEXT_TAGS, attributes={}, link_rel=None)
    if normalized is None:
        return _tidy_text(_tags_dropped(html))
    extractor = _TextExtractor()
    try:
        extractor.feed(normalized)
        extractor.close()
    except Exception:  # never on nh3's well-formed output, but a mail must stay readable
        return _tidy_text(_tags_dropped(html))
    text = "".join(extractor.parts)
    return _tidy_text(text)


_ANY_TAG = re.compile(r"<[^<>]*>")


# --- notes ------------------------------------------------------------------------------


class _Notes:
    def __init__(self) -> None:
        self._items: list[str] = []

    def add(self, sentence: str) -> None:
        sentence = _one_line(sentence, 500)
        if sentence and sentence not in self._items:
            self._items.append(sentence)

    def tuple(self) -> tuple[str, ...]:
        return tuple(self._items)


# --- small text helpers -----------------------------------------------------------------

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069\ufeff]")
_FILENAME_INVISIBLE = re.compile(r"[\u200b-\u200f\u061c\u202a-\u202e\u2060-\u206f\ufeff]")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_T = TypeVar("_T")


def _one_line(value: str, limit: int | None = None) -> str:
    """A single-line field: no surrogates, no control or bidi-override characters, no CR/LF,
    whitespace collapsed."""
    if not value:
        return ""
    value = _SURROGATES.sub("\ufffd", value)
    value = _LINE_CONTROLS.sub(" ", value)
    value = _BIDI_CONTROLS.sub("", value)
    value = " ".join(value.split())
    if limit is not None and len(value) > limit:
        value = value[:limit].rstrip()
    return value


def _tidy_body(text: str) -> str:
    """A body text: "\n" line ends, no control characters but tab and newline."""
    if not text:
        return ""
    text = _SURROGATES.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BODY_CONTROLS.sub("", text)
    return text.strip("\n")


def _tidy_text(text: str) -> str:
    text = text.replace("\xa0", " ")
    lines = [line.strip(" \t\xa0") for line in text.replace("\r", "").split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return _tidy_body(text.strip())


def _safe(fn: Callable[[], _T], default: _T) -> _T:
    try:
        return fn()
    except Exception:
        return default


# --- charsets ---------------------------------------------------------------------------

_CHARSET_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "macintosh": "mac_roman",
    "x-mac-roman": "mac_roman",
    "iso-8859-8-i": "iso8859-8",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "ansi_x3.4-1968": "ascii",
}


_NOT_CHARSETS = {
    "unicode-escape",
    "raw-unicode-escape",
    "idna",
    "punycode",
    "undefined",
    "mbcs",
    "oem",
}


def _codec(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None if unknown (or not a text codec)."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower().split("*", 1)[0].strip()
    if not name or len(name) > 40:
        return None
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None  # base64, rot13, zlib, unicode_escape …: no charset of a mail
    return info.name


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken bytes (rather than text in a one-byte charset)?"""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    good = non_ascii - text.count("\ufffd")
    return good > 0 and good >= bad


def _guess_decode(data: bytes) -> tuple[str, str]:
    """(text, label of the charset used): UTF-8, else Windows-1252, else ISO-8859-1."""
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", "replace"), "UTF-8"
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


_C1_BYTES = re.compile(rb"[\x80-\x9f]")


def decode_bytes(data: bytes, charset: str | None, notes: _Notes | None = None) -> str:
    """Text from bytes in a declared (maybe wrong, maybe unknown) charset; never fails."""
    notes = notes if notes is not None else _Notes()
    if not data:
        return ""
    declared = _one_line(charset or "", 40).strip("\"'")
    codec = _codec(declared) if declared else None
    if declared and codec is None:
        text, used = _guess_decode(data)
        notes.add(f"Unbekannter Zeichensatz „{declared}“: Text als {used} gelesen.")
        return text
    if codec is None:
        text, used = _guess_decode(data)
        if used != "UTF-8":
            notes.add(f"Kein Zeichensatz angegeben: Text als {used} gelesen.")
        return text
    if codec in ("ascii", "iso8859-1"):
        if data.isascii():
            return data.decode("ascii")
        if codec == "iso8859-1" and not _C1_BYTES.search(data):
            return data.decode("latin-1")
        if codec == "ascii":
            text, used = _guess_decode(data)
        else:  # ISO-8859-1 with bytes 0x80–0x9F: Windows-1252 („“ € …) mislabelled
            text, used = _guess_cp1252(data)
        notes.add(f"Zeichensatz „{declared}“ angegeben, Text als {used} gelesen.")
        return text
    with contextlib.suppress(Exception):  # UnicodeDecodeError, or a codec's own error
        return data.decode(codec)
    if codec == "utf-8" and _mostly_utf8(data):
        notes.add("Text mit ungültigen UTF-8-Bytes: diese sind durch „\ufffd“ ersetzt.")
        return data.decode("utf-8", "replace")
    text, used = _guess_decode(data)
    notes.add(f"Zeichensatz „{declared}“ angegeben, Text als {used} gelesen.")
    return text


def _guess_cp1252(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def _fix_8bit(value: str, notes: _Notes) -> str:
    """A header value with raw 8-bit bytes (surrogate-escaped by the parser) decoded."""
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", value)
    text, used = _guess_decode(data)
    if used != "UTF-8":  # raw UTF-8 is allowed (RFC 6532); anything else is a guess
        notes.add(f"Kopfzeile mit 8-Bit-Zeichen ohne Kodierung: als {used} gelesen.")
    return text


# --- RFC 2047 encoded words -------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*)\?=")
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("utf-8", "replace")
    if encoding in "bB":
        return _b64decode(data)[0]
    data = data.replace(b"_", b" ")
    return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def decode_words(value: str, notes: _Notes | None = None) -> str:
    """RFC 2047 decoded: any charset (unknown ones guessed), words split in the middle of a
    character joined, whitespace between adjacent encoded words dropped."""
    notes = notes if notes is not None else _Notes()
    if "=?" not in value:
        return value
    out: list[str] = []
    run_charset: str | None = None
    run: list[bytes] = []
    pos = 0

    def flush() -> None:
        nonlocal run, run_charset
        if run:
            out.append(decode_bytes(b"".join(run), run_charset or "", notes))
        run, run_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()
        adjacent = run and not gap.strip()
        if not (adjacent and charset == run_charset):
            flush()
        if gap and not adjacent:
            out.append(gap)
        run_charset = charset
        run.append(_word_bytes(match.group(2), match.group(3)))
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def _header_text(value: str, notes: _Notes) -> str:
    """A raw header value as text: 8-bit bytes decoded, RFC 2047 decoded, unfolded."""
    return decode_words(_fix_8bit(_unfold(value), notes), notes)


# --- base64 and quoted-printable --------------------------------------------------------

_B64_WHITESPACE = b" \t\r\n\x0b\x0c"
_B64_NOT_ALPHABET = re.compile(rb"[^A-Za-z0-9+/=]")


def _b64decode(data: bytes) -> tuple[bytes, bool]:
    """(decoded bytes, damaged?): invalid characters dropped, padding repaired."""
    compact = data.translate(None, _B64_WHITESPACE)
    try:
        return binascii.a2b_base64(compact, strict_mode=True), False
    except (binascii.Error, ValueError):
        pass
    cleaned = _B64_NOT_ALPHABET.sub(b"", compact)
    del compact
    out: list[bytes] = []
    for chunk in cleaned.split(b"="):
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]
        if not chunk:
            continue
        chunk += b"=" * (-len(chunk) % 4)
        try:
            out.append(binascii.a2b_base64(chunk))
        except (binascii.Error, ValueError):
            continue
    return b"".join(out), True


_QP_TRAILING_SPACE = re.compile(rb"(?<![ \t])[ \t]+(?=\r?\n|\Z)")  # one try per run
_QP_INVALID = re.compile(rb"=(?![0-9A-Fa-f]{2}|\r?\n|\Z)")


def _qpdecode(data: bytes) -> tuple[bytes, bool]:
    """(decoded bytes, damaged?): invalid escapes kept as they are."""
    data = _QP_TRAILING_SPACE.sub(b"", data)  # transport padding, RFC 2045 6.7 (3)
    damaged = _QP_INVALID.search(data) is not None
    return binascii.a2b_qp(data), damaged


# --- addresses, ids, dates --------------------------------------------------------------

_ADDRESS_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f<>()\[\],;:\"\\]")


def clean_address(value: str) -> str:
    """The lowercased addr-spec if it is syntactically valid, else ""."""
    value = (value or "").strip().strip("<>").strip()
    if _SURROGATES.search(value):
        try:
            value = _guess_decode(value.encode("utf-8", "surrogateescape"))[0]
        except UnicodeEncodeError:
            return ""
    if not value or len(value) > MAX_ADDRESS or value.count("@") != 1:
        return ""
    local, domain = value.split("@")
    if not local or not domain or _ADDRESS_FORBIDDEN.search(value):
        return ""
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return ""
    return value.lower()


_MESSAGE_ID_IN_BRACKETS = re.compile(r"<([^<>\s]{1,998})>")
_MESSAGE_ID_OK = re.compile(r"[!-;=?-~]+")  # printable ASCII without space, < and >


def clean_message_id(value: str) -> str:
    value = _unfold(value or "").strip()
    match = _MESSAGE_ID_IN_BRACKETS.search(value)
    candidate = match.group(1) if match else value
    if not candidate or len(candidate) > MAX_MESSAGE_ID:
        return ""
    if not _MESSAGE_ID_OK.fullmatch(candidate):
        return ""
    return candidate


def _message_ids(value: str) -> list[str]:
    value = _unfold(value or "")
    found = _MESSAGE_ID_IN_BRACKETS.findall(value)
    if not found:
        found = [token for token in value.split() if "@" in token]
    ids = []
    for token in found:
        cleaned = clean_message_id(token)
        if cleaned:
            ids.append(cleaned)
    return ids


def _references(in_reply_to: Iterable[str], references: Iterable[str]) -> tuple[str, ...]:
    """In-Reply-To first, then References; deduplicated; at most MAX_REFERENCES. A longer
    References list keeps its first id (the thread's root) and its newest ones."""
    first = _dedupe(id_ for value in in_reply_to for id_ in _message_ids(value))
    refs = _dedupe(id_ for value in references for id_ in _message_ids(value))
    refs = [id_ for id_ in refs if id_ not in first]
    first = first[:MAX_REFERENCES]
    room = MAX_REFERENCES - len(first)
    if len(refs) > room:
        refs = (refs[:1] + refs[len(refs) - room + 1 :]) if room > 1 else refs[:room]
    return tuple(first + refs)


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _parse_date(value: str | None, notes: _Notes) -> datetime.datetime | None:
    if not value:
        return None
    text = _one_line(value, 200)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except Exception:
        parsed = None
    if parsed is None:
        notes.add(f"Datum „{text[:60]}“ nicht lesbar.")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _aware(value: Any) -> datetime.datetime | None:
    if not isinstance(value, datetime.datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


# --- filenames --------------------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


def clean_filename(name: str | None, index: int, content_type: str) -> str:
    """A safe display and storage name: basename only, no control, bidi or invisible
    characters, NFC, at most MAX_FILENAME characters; "Anhang-<index>.<ext>" if empty."""
    name = _SURROGATES.sub("\ufffd", name or "")
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = _LINE_CONTROLS.sub(" ", name)
    name = _FILENAME_INVISIBLE.sub("", name)
    name = _WINDOWS_RESERVED.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: MAX_FILENAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_FILENAME].rstrip(" .")
    if not name:
        ext = _safe(lambda: mimetypes.guess_extension(content_type, strict=False), None)
        name = f"Anhang-{index}{ext or '.bin'}"
    return name


# --- HTML ---------------------------------------------------------------------------------

_ALLOWED_TAGS = {
    "p",
    "br",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "code",
    "hr",
    "a",
}
# A mail's headings would enter the page's outline (WCAG 1.3.1): their text stays, as text.
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
_TEXT_TAGS = (
    _ALLOWED_TAGS
    | _HEADINGS
    | {
        "section",
        "article",
        "header",
        "footer",
        "address",
        "center",
        "dl",
        "dt",
        "dd",
        "tfoot",
        "caption",
    }
)
# Removed together with their content (other unknown tags are dropped, their text kept).
_DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "noframes",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "textarea",
    "select",
    "button",
}

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def _html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


class _TextExtractor(HTMLParser):
    _BLOCK = {
        "p",
        "div",
        "tr",
        "table",
        "blockquote",
        "pre",
        "hr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "center",
        "form",
    }
    _SKIP = {"script", "style", "title", "template", "noscript", "svg", "math", "select", "xmp"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
            return
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
        self.parts.append(data)


# --- forwarded text blocks ----------------------------------------------------------------

_FORWARD_SUBJECT = re.compile(r"\s*(?:wg|fwd?|wtr|wtrlt|tr|weitergeleitet)\s*:", re.I)
_REPLY_SUBJECT = re.compile(r"\s*(?:aw|re|antw|antwort|sv|r)\s*:", re.I)
_FORWARD_MARKERS = re.compile(
    r"^[ \t>]*(?:"
    r"-{2,}\s*(?:weitergeleitete nachricht|forwarded message|original message"
    r"|ursprüngliche nachricht|originalnachricht|weitergeleitete e-mail)\s*-{2,}"
    r"|_{10,}"
    r"|(?:anfang der weitergeleiteten (?:nachricht|e-mail)|begin forwarded message)\s*:"
    r")[ \t]*$",
    re.I | re.M,
)
_FROM_LINE = re.compile(r"^[ \t>]*(?:\*\s*)?(?:von|from|absender)\s*:\s*\**\s*(.+)$", re.I | re.M)
_SENT_LINE = re.compile(
    r"^[ \t>]*(?:\*\s*)?(?:gesendet|sent|datum|date|betreff|subject|an|to)\s*:", re.I | re.M
)
_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]", re.I)
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")
_BARE_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"@]{1,254}@[^\s<>()\[\],;:\"@]{1,254}")


def _forward_block_sender(text: str, *, anywhere: bool) -> tuple[str, str] | None:
    """(name, address) from the "Von:/From:" line of a forward header block in a text."""
    if not text:
        return None
    head = text[:20000] if anywhere else _leading_lines(text, 3)
    marker = _FORWARD_MARKERS.search(head)
    if marker is not None:
        block = text[marker.end() : marker.end() + 2000]
    else:
        # Outlook without a marker line: "Von: …" directly followed by "Gesendet: …".
        from_line = _FROM_LINE.search(head)
        if from_line is None:
            return None
        following = text[from_line.end() : from_line.end() + 1000].lstrip("\r\n")
        if not _SENT_LINE.match(following):
            return None
        block = text[from_line.start() : from_line.start() + 2000]
    lines = block.lstrip("\n").split("\n")[:12]
    block = "\n".join(lines)
    from_line = _FROM_LINE.search(block)
    if from_line is None:
        return None
    return _split_sender(from_line.group(1))


def _leading_lines(text: str, count: int) -> str:
    """The text up to its `count`-th non-empty line (only a short preamble before a block)."""
    seen = 0
    for match in re.finditer(r"[^\n]*\n?", text[:3000]):
        if match.group(0).strip():
            seen += 1
            if seen >= count:
                return text[: match.end()]
    return text[:3000]


def _split_sender(value: str) -> tuple[str, str]:
    value = _MAILTO.sub(r"<\1>", value.strip().strip("*").strip())
    address = ""
    name = value
    angle = _ANGLE_ADDRESS.search(value)
    if angle is not None:
        address = angle.group(1)
        name = value[: angle.start()] + value[angle.end() :]
    else:
        bare = _BARE_ADDRESS.search(value)
        if bare is not None:
            address = bare.group(0)
            name = value[: bare.start()] + value[bare.end() :]
    name = _one_line(name.replace("\t", " "), MAX_NAME).strip(" \"'")
    address = clean_address(address)
    if name.lower() == address:
        name = ""
    return name, address


# --- .eml ---------------------------------------------------------------------------------

_KNOWN_HEADERS = {
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "sender",
    "reply-to",
    "in-reply-to",
    "references",
    "delivered-to",
    "x-mailer",
    "user-agent",
    "content-transfer-encoding",
}
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_CONTENT_TYPE_OK = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_HEADER_LIMIT = 256 * 1024
_CONTENT_HEADER_LIMIT = 16 * 1024
_STRUCTURED_ADDRESS_LIMIT = 2048


class _ReadPolicy(email.policy.Compat32):
    """compat32 with header values cut to a sane length.

    The MIME structure is read with compat32, not with `policy.default`: on Python 3.11
    the default policy's header parser takes quadratic time on a crafted Content-Type
    (8 KB took 3 s, in the parser's own boundary lookup, where no caller can intervene)
    and overflows the recursion limit on nested comments. compat32 keeps header values
    raw; this module decodes them itself (RFC 2047, 8-bit) and parses address headers
    with the default policy's header registry where they are short. Content-* headers
    are cut at 16 KB because compat32's RFC 2231 parameter handling is quadratic too."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        limit = _CONTENT_HEADER_LIMIT if name.lower().startswith("content-") else _HEADER_LIMIT
        return name, value[:limit]


_READ_POLICY = _ReadPolicy()
_GENERATOR_POLICY = email.policy.compat32.clone(linesep="\r\n", max_line_length=0)


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if not sample:
        return False
    return b"\x00" in sample or len(_BINARY_BYTES.findall(sample)) > len(sample) // 50


def _parse_any(raw: bytes, forward_depth: int) -> ParsedMail:
    if raw[:4] == OLE_SIGNATURE:
        return _parse_msg(raw, forward_depth)
    return _parse_eml(raw, forward_depth)


def _parse_bytes(data: bytes) -> Message:
    """BytesParser().parsebytes(), fed in slices: parsebytes() would copy the whole mail
    into a StringIO (4 bytes a character); here memory stays near the input's size."""
    parser = BytesFeedParser(policy=_READ_POLICY)
    view = memoryview(data)
    for start in range(0, len(data), _FEED_CHUNK):
        parser.feed(bytes(view[start : start + _FEED_CHUNK]))
    return parser.close()


_FEED_CHUNK = 1 << 16


def _parse_eml(raw: bytes, forward_depth: int) -> ParsedMail:
    notes = _Notes()
    data = raw
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data[:1] in (b"\r", b"\n", b" ", b"\t"):
        data = data.lstrip(b"\r\n\t ")
    if not data:
        raise Unreadable("Die Datei ist leer.")
    try:
        message = _parse_bytes(data)
    except Exception:
        try:
            message = BytesParser(policy=_READ_POLICY).parsebytes(data, headersonly=True)
        except Exception as exc:
            raise Unreadable("Die Datei ist keine lesbare E-Mail.") from exc
        notes.add("Aufbau der E-Mail nicht lesbar: Kopfzeilen und Rohtext übernommen.")
    headers = {key.lower() for key in _safe(message.keys, [])}
    if not headers & _KNOWN_HEADERS:
        if _looks_binary(data):
            raise Unreadable("Die Datei ist keine E-Mail: sie enthält weder Kopfzeilen noch Text.")
        notes.add("Keine E-Mail-Kopfzeilen gefunden: Inhalt als Text übernommen.")
    mail = _from_message(message, forward_depth, notes)
    if not headers & _KNOWN_HEADERS and not (mail.text or mail.attachments):
        raise Unreadable("Die Datei ist keine E-Mail: sie enthält weder Kopfzeilen noch Text.")
    return mail


def _raw_values(message: Message, name: str) -> list[str]:
    name = name.lower()
    values = []
    for key, value in _safe(message.raw_items, iter(())):
        if key.lower() == name:
            values.append(value if isinstance(value, str) else str(value))
    return values


def _first_raw(message: Message, name: str) -> str | None:
    values = _raw_values(message, name)
    return values[0] if values else None


_ADDRESS_TOKENS = re.compile(
    r'"(?:[^"\\]|\\.)*"?'  # a quoted string (maybe unterminated)
    r"|=\?[^?\s]{1,75}\?[bBqQ]\?[^?]*\?=(?:\s+=\?[^?\s]{1,75}\?[bBqQ]\?[^?]*\?=)*"  # encoded words
    r'|[^"=]+|='
)


def _quoted(text: str) -> str:
    text = _LINE_CONTROLS.sub(" ", text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _decode_address_header(value: str, notes: _Notes) -> str:
    """An address header with its encoded words decoded into quoted strings, before the
    addresses are parsed: a decoded name can hold no comma, "<", ":" or line break that
    would make another address."""
    value = _fix_8bit(_unfold(value), notes)
    if "=?" not in value:
        return value
    out = []
    for match in _ADDRESS_TOKENS.finditer(value):
        token = match.group(0)
        if token.startswith("=?") and len(token) > 2:
            out.append(_quoted(decode_words(token, notes)))
        elif token.startswith('"') and "=?" in token:
            inner = re.sub(r"\\(.)", r"\1", token[1:-1] if token.endswith('"') else token[1:])
            out.append(_quoted(decode_words(inner, notes)))
        else:
            out.append(token)
    return "".join(out)


def _addresses(message: Message, name: str, notes: _Notes) -> list[tuple[str, str]]:
    """(display name, addr-spec) of an address header, groups flattened. Short headers
    are parsed by the default policy's header registry (RFC 5322 with its quirks), long
    ones (many recipients) and those it fails on by a linear splitter."""
    found: list[tuple[str, str]] = []
    for raw in _raw_values(message, name):
        value = _decode_address_header(raw, notes)
        pairs = None
        if len(value) <= _STRUCTURED_ADDRESS_LIMIT:
            with contextlib.suppress(Exception):  # incl. RecursionError on nested comments
                header = email.policy.default.header_factory(name, value)
                pairs = [(a.display_name or "", a.addr_spec or "") for a in header.addresses]
        if pairs is None:
            pairs = _split_addresses(value)
        found.extend((_one_line(n, MAX_NAME), a) for n, a in pairs)
    return found


_ANGLE_ADDR = re.compile(r"<([^<>\s]*)>")
_PLAIN_ADDR = re.compile(r"[^\s<>\"(),;:@]{1,254}@[^\s<>\"(),;:@]{1,254}")


def _split_addresses(value: str) -> list[tuple[str, str]]:
    """A linear splitter for address lists: commas outside quotes, comments and angle
    brackets separate; each piece gives its <addr> or bare addr and the name before."""
    pieces: list[str] = []
    start, depth, quoted, angle, escaped = 0, 0, False, False, False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "<":
            angle = True
        elif char == ">":
            angle = False
        elif char in ",;" and not depth and not angle:
            pieces.append(value[start:index])
            start = index + 1
    pieces.append(value[start:])
    out = []
    for piece in pieces:
        piece = piece.split(":", 1)[-1] if ":" in piece.split("<", 1)[0] else piece  # group
        match = _ANGLE_ADDR.search(piece)
        if match is not None:
            name = piece[: match.start()].strip().strip('"').strip()
            out.append((name, match.group(1)))
            continue
        match = _PLAIN_ADDR.search(piece) if "@" in piece else None
        if match is not None:
            out.append(("", match.group(0)))
    return out


def _is_auto_submitted(message: Message, content_type: str) -> bool:
    auto = (_first_raw(message, "auto-submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if _first_raw(message, "x-autoreply") or _first_raw(message, "x-autorespond"):
        return True
    precedence = (_first_raw(message, "precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return True
    return content_type == "multipart/report"


def _from_message(message: Message, forward_depth: int, notes: _Notes) -> ParsedMail:
    subject_raw = _first_raw(message, "subject") or ""
    subject = _one_line(_header_text(subject_raw, notes), MAX_SUBJECT)

    senders = _addresses(message, "from", notes) or _addresses(message, "sender", notes)
    from_name, from_address = ("", "")
    if senders:
        from_name = senders[0][0]
        from_address = clean_address(senders[0][1])
        if senders[0][1] and not from_address:
            notes.add("Absenderadresse ungültig: nicht übernommen.")
    if not from_name and not from_address:
        # No usable address: at least show what the header says.
        raw_from = _first_raw(message, "from") or ""
        from_name = _one_line(_header_text(raw_from, notes), MAX_NAME)
    reply_to = next(
        (a for a in (clean_address(a) for _, a in _addresses(message, "reply-to", notes)) if a),
        "",
    )
    recipients = _addresses(message, "to", notes) + _addresses(message, "cc", notes)

    message_id_raw = _first_raw(message, "message-id") or ""
    message_id = clean_message_id(message_id_raw)
    if message_id_raw.strip() and not message_id:
        notes.add("Message-ID unbrauchbar: nicht übernommen.")
    references = _references(
        _raw_values(message, "in-reply-to"), _raw_values(message, "references")
    )
    date = _parse_date(_first_raw(message, "date"), notes)

    walker = _Walker(notes, forward_depth)
    walker.walk(message)
    text = _tidy_body("\n\n".join(t for t in walker.texts if t.strip()))
    raw_html = "\n".join(walker.htmls)
    if not text and not raw_html.strip():
        text = _tidy_body(walker.fallback_text)
        raw_html = walker.fallback_html
    if not text and raw_html.strip():
        text = html_to_text(raw_html)
    content_type = _safe(message.get_content_type, "text/plain")
    return ParsedMail(
        message_id=message_id,
        references=references,
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        date=date,
        text=text,
        html=sanitize_html(raw_html) if raw_html.strip() else "",
        attachments=tuple(walker.attachments),
        forwarded=walker.forwarded,
        recipient_count=len(recipients),
        notes=notes.tuple(),
        auto_submitted=_is_auto_submitted(message, content_type),
        reply_to_address=reply_to,
    )


def _unflow(text: str, delsp: bool) -> str:
    """format=flowed (RFC 3676) joined into paragraphs."""
    out: list[str] = []
    buffer = ""
    depth = -1
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        quote = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]
        if buffer and quote != depth:
            out.append(">" * depth + (" " if depth else "") + buffer)
            buffer = ""
        depth = quote
        if stripped.endswith(" ") and stripped != "-- ":
            buffer += stripped[:-1] if delsp else stripped
            continue
        buffer += stripped
        out.append(">" * quote + (" " if quote else "") + buffer)
        buffer = ""
    if buffer:
        out.append(">" * max(depth, 0) + (" " if depth > 0 else "") + buffer)
    return "\n".join(out)


class _Walker:
    """Walks a MIME tree: body texts, HTML, attachments, the first forwarded mail."""

    def __init__(self, notes: _Notes, forward_depth: int) -> None:
        self.notes = notes
        self.forward_depth = forward_depth
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[Attachment] = []
        self.forwarded: ParsedMail | None = None
        self.fallback_text = ""  # from winmail.dat, used when the mail has no body itself
        self.fallback_html = ""
        self.parts = 0
        self._stopped = False
        self._too_deep = False
        self._forward_names = 0

    # -- tree ---------------------------------------------------------------------------

    def walk(self, message: Message) -> None:
        self._walk(message, 0, want_text=True, want_html=True)

    def _walk(self, part: Message, depth: int, *, want_text: bool, want_html: bool) -> None:
        if self._stopped:
            return
        self.parts += 1
        if self.parts > MAX_PARTS:
            self._stopped = True
            self.notes.add(f"Mehr als {MAX_PARTS} Teile: der Rest der E-Mail ist nicht gelesen.")
            return
        if depth > MAX_DEPTH:
            if not self._too_deep:
                self._too_deep = True
                self.notes.add("Zu tief verschachtelte Teile: diese sind nicht gelesen.")
            return
        content_type = _safe(part.get_content_type, "text/plain")
        payload = getattr(part, "_payload", None)  # get_payload() would decode text
        if content_type.startswith("message/") and isinstance(payload, list):
            self._message_part(part, content_type, payload)
            return
        if isinstance(payload, list):
            children = [child for child in payload if isinstance(child, Message)]
            text_index, html_index = 0, 0
            if content_type == "multipart/alternative":
                text_index, html_index = self._alternatives(children)
            for index, child in enumerate(children):
                alternative = content_type == "multipart/alternative"
                self._walk(
                    child,
                    depth + 1,
                    want_text=want_text and (not alternative or index == text_index),
                    want_html=want_html and (not alternative or index == html_index),
                )
            return
        if content_type.startswith("multipart/"):
            self.notes.add("Mehrteilige E-Mail ohne gültige Trennzeilen: Inhalt als Text gelesen.")
            content_type = "text/plain"
        self._leaf(part, content_type, want_text=want_text, want_html=want_html)

    def _alternatives(self, children: list[Message]) -> tuple[int, int]:
        """Index of the plain-text alternative (the first) and of the HTML one (the last)."""
        text_index, html_index = -1, -1
        for index, child in enumerate(children):
            kinds = _body_kinds(child)
            if "text/plain" in kinds and text_index < 0:
                text_index = index
            if "text/html" in kinds:
                html_index = index
        return text_index, html_index

    # -- leaves -------------------------------------------------------------------------

    def _leaf(self, part: Message, content_type: str, *, want_text: bool, want_html: bool) -> None:
        disposition = _safe(part.get_content_disposition, None)
        filename = self._filename(part)
        if content_type == "application/ms-tnef" or (filename or "").lower() == "winmail.dat":
            self._tnef(part, filename)
            return
        if (
            content_type in ("text/plain", "text/html")
            and disposition != "attachment"
            and not filename
        ):
            if content_type == "text/plain" and not want_text:
                return
            if content_type == "text/html" and not want_html:
                return
            data = self._payload(part)
            charset = _safe(part.get_content_charset, None)
            if content_type == "text/html":
                self.htmls.append(decode_bytes(data, charset or _html_charset(data), self.notes))
                return
            text = decode_bytes(data, charset, self.notes)
            fmt = _safe(lambda: part.get_param("format"), None) or ""
            if str(fmt).lower() == "flowed":
                delsp = str(_safe(lambda: part.get_param("delsp"), "") or "")
                text = _unflow(text.replace("\r\n", "\n"), delsp.lower() == "yes")
            self.texts.append(text)
            return
        data = self._payload(part)
        attachment = self._add(filename, data, _declared_content_type(part))
        self._maybe_forwarded(attachment)

    def _filename(self, part: Message) -> str | None:
        """filename (Content-Disposition) or name (Content-Type): RFC 2231 and RFC 2047
        decoded, raw 8-bit bytes too (decoded before the parameters are split)."""
        headers = Message(policy=_READ_POLICY)
        for key in ("content-type", "content-disposition"):
            raw = _first_raw(part, key)
            if raw is not None:
                headers[key] = _fix_8bit(_unfold(raw), self.notes)
        name = _safe(headers.get_filename, None)
        if not name:
            return None
        name = str(name)
        if "=?" in name:
            name = decode_words(name, self.notes)
        return name

    def _payload(self, part: Message) -> bytes:
        # The stored payload itself: get_payload() would decode raw 8-bit text with the
        # declared charset and "replace", losing the bytes.
        payload = getattr(part, "_payload", None)
        if payload is None:
            payload = _safe(part.get_payload, "")
        if isinstance(payload, bytes):
            raw = payload
        elif isinstance(payload, str):
            try:
                raw = payload.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raw = payload.encode("utf-8", "replace")
        else:
            return b""
        del payload
        encoding = (_first_raw(part, "content-transfer-encoding") or "").strip().lower()
        encoding = encoding.split(";", 1)[0].strip().strip("\"'")
        if encoding == "base64":
            data, damaged = _b64decode(raw)
            if damaged:
                self.notes.add("Base64-Inhalt beschädigt: lesbarer Teil übernommen.")
            return data
        if encoding == "quoted-printable":
            data, damaged = _qpdecode(raw)
            if damaged:
                self.notes.add("Quoted-Printable-Inhalt beschädigt: lesbarer Teil übernommen.")
            return data
        if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
            decoded = _safe(lambda: part.get_payload(decode=True), None)
            if isinstance(decoded, bytes):
                return decoded
        elif encoding not in ("", "7bit", "8bit", "binary"):
            self.notes.add(
                f"Unbekannte Übertragungskodierung „{_one_line(encoding, 40)}“: "
                "Inhalt unverändert übernommen."
            )
        return raw

    def _add(self, filename: str | None, data: bytes, content_type: str) -> Attachment:
        index = len(self.attachments) + 1
        attachment = Attachment(
            filename=clean_filename(filename, index, content_type),
            content=data,
            content_type=content_type,
        )
        self.attachments.append(attachment)
        return attachment

    # -- forwarded mails ----------------------------------------------------------------

    def _message_part(self, part: Message, content_type: str, payload: list[Any]) -> None:
        """message/rfc822 (and other message/*): an attachment, and the first one the
        forwarded mail."""
        inner = next((p for p in payload if isinstance(p, Message)), None)
        if inner is None:
            return
        data = _message_bytes(inner)
        encoding = (_first_raw(part, "content-transfer-encoding") or "").strip().lower()
        reparse = False
        if encoding in ("base64", "quoted-printable"):  # not allowed by RFC 2046, but seen
            body = data.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in data else data
            decode = _b64decode if encoding == "base64" else _qpdecode
            data, damaged = decode(body)
            if damaged:
                self.notes.add("Weitergeleitete Nachricht beschädigt: lesbarer Teil übernommen.")
            reparse = True
        is_mail = content_type in ("message/rfc822", "message/global")
        if is_mail:
            self._forward_names += 1
            name = FORWARD_ATTACHMENT_NAME
            if self._forward_names > 1:
                name = name.replace(".eml", f"-{self._forward_names}.eml")
        else:
            name = self._filename(part) or ""
        self._add(name, data, content_type)
        if not is_mail or self.forwarded is not None:
            return
        if self.forward_depth >= MAX_FORWARD_DEPTH:
            self.notes.add("Weitergeleitete Nachricht zu tief verschachtelt: nur als Anhang.")
            return
        try:
            if reparse:
                self.forwarded = _parse_any(data, self.forward_depth + 1)
            else:
                self.forwarded = _from_message(inner, self.forward_depth + 1, _Notes())
        except Unreadable as exc:
            self.notes.add(f"Weitergeleitete Nachricht nicht lesbar: {exc.reason}")
        except Exception:
            logger.exception("Forwarded message part could not be read")
            self.notes.add("Weitergeleitete Nachricht nicht lesbar: nur als Anhang übernommen.")

    def _maybe_forwarded(self, attachment: Attachment) -> None:
        """An attached .eml or .msg becomes the forwarded mail (the first one)."""
        if self.forwarded is not None:
            return
        name = attachment.filename.lower()
        data = attachment.content
        is_msg = data[:4] == OLE_SIGNATURE and (
            name.endswith(".msg") or attachment.content_type == "application/vnd.ms-outlook"
        )
        is_eml = not is_msg and (
            name.endswith(".eml") or attachment.content_type == "message/rfc822"
        )
        if not (is_msg or is_eml):
            return
        if self.forward_depth >= MAX_FORWARD_DEPTH:
            self.notes.add("Weitergeleitete Nachricht zu tief verschachtelt: nur als Anhang.")
            return
        try:
            self.forwarded = _parse_any(data, self.forward_depth + 1)
        except Unreadable as exc:
            self.notes.add(
                f"Angehängte Nachricht „{attachment.filename}“ nicht lesbar: {exc.reason}"
            )
        except Exception:
            logger.exception("Attached message could not be read")
            self.notes.add(f"Angehängte Nachricht „{attachment.filename}“ nicht lesbar.")

    # -- winmail.dat ----------------------------------------------------------------------

    def _tnef(self, part: Message, filename: str | None) -> None:
        data = self._payload(part)
        declared = _declared_content_type(part)
        try:
            unpacked = _unpack_tnef(data)
            if not (unpacked.attachments or unpacked.text or unpacked.html or unpacked.rtf):
                raise ValueError("nothing in it")
        except Exception as exc:
            logger.info("winmail.dat not unpacked: %s", exc)
            self.notes.add("winmail.dat (TNEF) nicht lesbar: als Anhang übernommen.")
            self._add(filename or "winmail.dat", data, declared)
            return
        for name, content, content_type in unpacked.attachments:
            if len(self.attachments) >= MAX_PARTS:
                self.notes.add(f"Mehr als {MAX_PARTS} Anhänge: die übrigen nur im Original.")
                break
            attachment = self._add(name, content, content_type)
            self._maybe_forwarded(attachment)
        if unpacked.text and not self.fallback_text:
            self.fallback_text = decode_bytes(unpacked.text, unpacked.charset, self.notes)
        if unpacked.html and not self.fallback_html:
            self.fallback_html = decode_bytes(
                unpacked.html, unpacked.charset or _html_charset(unpacked.html), self.notes
            )
        if unpacked.rtf:
            self._rtf(unpacked.rtf)
        self.notes.add("winmail.dat (TNEF) entpackt.")

    def _rtf(self, rtf: bytes) -> None:
        """An RTF body (from winmail.dat): its encapsulated HTML or text where that can be
        had, else the RTF as an attachment."""
        if self.fallback_text or self.fallback_html:
            return
        if len(rtf) <= MAX_RTF_CONVERT:
            converted = _safe(lambda: _deencapsulate_rtf(rtf), None)
            if converted is not None:
                kind, content = converted
                if kind == "html":
                    self.fallback_html = content
                else:
                    self.fallback_text = content
                return
        self._add("Nachricht.rtf", rtf, "application/rtf")


def _body_kinds(part: Message, budget: list[int] | None = None) -> set[str]:
    """Which body types (text/plain, text/html) a subtree has, visiting a bounded number
    of parts."""
    budget = budget if budget is not None else [200]
    budget[0] -= 1
    if budget[0] < 0:
        return set()
    content_type = _safe(part.get_content_type, "text/plain")
    payload = getattr(part, "_payload", None)  # get_payload() would decode text
    if isinstance(payload, list):
        if content_type.startswith("message/"):
            return set()
        kinds: set[str] = set()
        for child in payload:
            if isinstance(child, Message):
                kinds |= _body_kinds(child, budget)
        return kinds
    disposition = _safe(part.get_content_disposition, None)
    if content_type in ("text/plain", "text/html") and disposition != "attachment":
        return {content_type}
    return set()


def _declared_content_type(part: Message) -> str:
    raw = _first_raw(part, "content-type")
    if not raw:
        return "application/octet-stream"
    value = _unfold(raw).split(";", 1)[0].strip().strip("\"'").lower()
    if len(value) > MAX_CONTENT_TYPE or not _CONTENT_TYPE_OK.fullmatch(value):
        return "application/octet-stream"
    return value


def _message_bytes(message: Message) -> bytes:
    """A parsed message written back as bytes (headers as they came, CRLF line ends)."""
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=_GENERATOR_POLICY).flatten(message)
    except Exception:
        logger.exception("Forwarded message could not be written back")
        return b""
    return buffer.getvalue()


# --- TNEF ---------------------------------------------------------------------------------


@dataclass
class _Tnef:
    attachments: list[tuple[str, bytes, str]]
    text: bytes
    html: bytes
    rtf: bytes
    charset: str | None


_TNEF_SIGNATURE = 0x223E9F78
_MAPI_ATTACH_LONG_FILENAME = 0x3707
_MAPI_ATTACH_MIME_TAG = 0x370E


def _tnef_object_count(data: bytes, limit: int) -> int:
    """The number of objects in a TNEF stream, counted without copying (up to limit + 1)."""
    offset, count = 6, 0
    while offset + 12 < len(data):
        (length,) = struct.unpack_from("<I", data, offset + 5)
        offset += length + 11
        count += 1
        if count > limit:
            break
    return count


def _as_bytes(value: Any, charset: str | None) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(charset or "utf-8", "replace") if charset else value.encode()
    return b""


def _tnef_text(value: Any, charset: str | None) -> str:
    if isinstance(value, str):
        return value.strip("\x00")
    if isinstance(value, bytes):
        return decode_bytes(value.strip(b"\x00"), charset)
    return ""


def _unpack_tnef(data: bytes) -> _Tnef:
    from tnefparse.tnef import TNEF

    if len(data) < 6 or struct.unpack_from("<I", data)[0] != _TNEF_SIGNATURE:
        raise ValueError("no TNEF signature")
    count = _tnef_object_count(data, MAX_TNEF_OBJECTS)
    if count > MAX_TNEF_OBJECTS or count * len(data) > _TNEF_COPY_BUDGET:
        raise ValueError("too many TNEF objects")
    tnef = TNEF(data, do_checksum=False)
    charset = tnef.codepage if isinstance(tnef.codepage, str) else None
    attachments = []
    for item in tnef.attachments:
        long_name = ""
        mime = ""
        for attr in getattr(item, "mapi_attrs", []):
            if attr.name == _MAPI_ATTACH_LONG_FILENAME:
                long_name = _tnef_text(attr.data, charset)
            elif attr.name == _MAPI_ATTACH_MIME_TAG:
                mime = _tnef_text(attr.data, charset).strip().lower()
        name = long_name or _tnef_text(getattr(item, "_name", b""), charset)
        if not _CONTENT_TYPE_OK.fullmatch(mime or ""):
            mime = "application/octet-stream"
        content = item.data if isinstance(item.data, bytes) else b""
        attachments.append((name, content, mime))
    rtf = b""
    if getattr(tnef, "_rtfbody", None):
        rtf = _safe(lambda: tnef.rtfbody, b"") or b""
        if not isinstance(rtf, bytes) or not rtf.lstrip().startswith(b"{\\rtf"):
            rtf = b""
    return _Tnef(
        attachments=attachments,
        text=_as_bytes(tnef.body, charset).rstrip(b"\x00"),
        html=_as_bytes(tnef.htmlbody, charset).rstrip(b"\x00"),
        rtf=rtf,
        charset=charset,
    )


def _deencapsulate_rtf(rtf: bytes) -> tuple[str, str] | None:
    """("html" or "text", content) from an RTF body that encapsulates one, else None."""
    import RTFDE

    end = rtf.rfind(b"}")
    if end < 0:
        return None
    deencapsulator = RTFDE.DeEncapsulator(rtf[: end + 1])
    deencapsulator.deencapsulate()
    if deencapsulator.content_type == "html" and deencapsulator.html:
        html = deencapsulator.html
        return "html", html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
    if deencapsulator.text:
        text = deencapsulator.text
        return "text", text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return None


# --- Outlook .msg -------------------------------------------------------------------------

_CODEPAGES = {65001: "utf-8", 20127: "ascii", 28591: "iso-8859-1", 28605: "iso-8859-15"}


def _parse_msg(raw: bytes, forward_depth: int) -> ParsedMail:
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    try:
        # A file object, never the bytes: olefile takes short bytes for a file name.
        msg = extract_msg.openMsg(
            io.BytesIO(raw),
            strict=False,
            delayAttachments=False,
            errorBehavior=ErrorBehavior.SUPPRESS_ALL,
        )
    except Exception as exc:
        raise Unreadable("Die Outlook-Datei (.msg) ist nicht lesbar.") from exc
    try:
        return _from_msgfile(msg, forward_depth)
    finally:
        _safe(msg.close, None)


def _msg_string(msg: Any, stream: str) -> str:
    value = _safe(lambda: msg.getStringStream(stream), None)
    return value if isinstance(value, str) else ""


def _from_msgfile(msg: Any, forward_depth: int) -> ParsedMail:
    notes = _Notes()
    subject = _one_line(_safe(lambda: msg.subject, None) or "", MAX_SUBJECT)

    header: Message | None = None
    header_text = _safe(lambda: msg.headerText, None)
    if isinstance(header_text, str) and header_text.strip():
        if header_text.startswith("Microsoft Mail Internet Headers Version 2.0"):
            header_text = header_text[43:].lstrip()
        header = _safe(
            lambda: BytesParser(policy=_READ_POLICY).parsebytes(
                header_text.encode("utf-8", "surrogateescape").strip() + b"\r\n\r\n",
                headersonly=True,
            ),
            None,
        )

    from_name, from_address = "", ""
    if header is not None:
        senders = _addresses(header, "from", notes)
        if senders:
            from_name, from_address = senders[0][0], clean_address(senders[0][1])
    if not from_name and not from_address:
        from_name = _one_line(
            _msg_string(msg, "__substg1.0_0C1A") or _msg_string(msg, "__substg1.0_0042"), MAX_NAME
        )
        for stream in ("__substg1.0_5D01", "__substg1.0_0C1F", "__substg1.0_0065"):
            from_address = clean_address(_msg_string(msg, stream))
            if from_address:
                break

    message_id = clean_message_id(
        (_first_raw(header, "message-id") if header is not None else None)
        or _msg_string(msg, "__substg1.0_1035")
    )
    in_reply_to = _raw_values(header, "in-reply-to") if header is not None else []
    references_raw = _raw_values(header, "references") if header is not None else []
    if in_reply_to or references_raw:
        references = _references(in_reply_to, references_raw)
    else:
        references = _references(
            [_msg_string(msg, "__substg1.0_1042")], [_msg_string(msg, "__substg1.0_1039")]
        )

    date = _aware(_safe(lambda: msg.date, None))
    if date is None and header is not None:
        date = _parse_date(_first_raw(header, "date"), notes)
    if date is None:
        date = _aware(_safe(lambda: msg.receivedTime, None))

    recipients = _safe(lambda: msg.recipients, None)
    if isinstance(recipients, list):
        recipient_count = sum(1 for r in recipients if _safe(lambda r=r: int(r.type), 0) in (1, 2))
    elif header is not None:
        recipient_count = len(_addresses(header, "to", notes) + _addresses(header, "cc", notes))
    else:
        recipient_count = 0

    body = _safe(lambda: msg.body, None)
    text = _tidy_body(body if isinstance(body, str) else "")
    html_bytes = _safe(lambda: msg.getStream("__substg1.0_10130102"), None)
    if not html_bytes:
        html_str = _msg_string(msg, "__substg1.0_1013")
        html_bytes = html_str.encode("utf-8") if html_str else None
        codepage = "utf-8"
    else:
        number = _safe(lambda: int(msg.getPropertyVal("3FDE0003")), 0)
        codepage = _CODEPAGES.get(number, f"cp{number}") if number else None
    if not html_bytes and not text:
        generated = _safe(lambda: msg.htmlBody, None)
        if isinstance(generated, bytes):
            html_bytes, codepage = generated, None
    raw_html = ""
    if isinstance(html_bytes, bytes) and html_bytes.strip():
        raw_html = decode_bytes(
            html_bytes.rstrip(b"\x00"), codepage or _html_charset(html_bytes), notes
        )
    if not text and raw_html:
        text = html_to_text(raw_html)

    attachments: list[Attachment] = []
    forwarded: ParsedMail | None = None
    for att in _safe(lambda: msg.attachments, []) or []:
        if len(attachments) >= MAX_PARTS:
            notes.add(f"Mehr als {MAX_PARTS} Anhänge: die übrigen nur im Original.")
            break
        kind = _safe(lambda att=att: att.type.name, "UNKNOWN")
        if kind == "MSG":
            embedded = _safe(lambda att=att: att.data, None)
            if embedded is None:
                notes.add("Angehängte Outlook-Nachricht nicht lesbar.")
                continue
            content = _safe(lambda embedded=embedded: embedded.exportBytes(allowBadEmbed=True), b"")
            if content:
                attachments.append(
                    Attachment(
                        filename=FORWARD_MSG_ATTACHMENT_NAME,
                        content=content,
                        content_type="application/vnd.ms-outlook",
                    )
                )
            if forwarded is None:
                if forward_depth >= MAX_FORWARD_DEPTH:
                    notes.add("Weitergeleitete Nachricht zu tief verschachtelt: nur als Anhang.")
                else:
                    forwarded = _safe(
                        lambda embedded=embedded: _from_msgfile(embedded, forward_depth + 1), None
                    )
            continue
        if kind not in ("DATA", "SIGNED"):
            label = _one_line(str(_safe(lambda att=att: att.longFilename, None) or ""), 80)
            notes.add(
                f"Anhang „{label}“ nicht lesbar: nicht übernommen."
                if label
                else "Ein Anhang ist nicht lesbar: nicht übernommen."
            )
            continue
        content = _safe(lambda att=att: att.data, None)
        if not isinstance(content, bytes):
            continue
        name = (
            _safe(lambda att=att: att.longFilename, None)
            or _safe(lambda att=att: att.shortFilename, None)
            or _safe(lambda att=att: att.displayName, None)
            or ""
        )
        mime = str(_safe(lambda att=att: att.mimetype, None) or "").strip().lower()
        if not _CONTENT_TYPE_OK.fullmatch(mime):
            mime = "application/octet-stream"
        attachment = Attachment(
            filename=clean_filename(str(name), len(attachments) + 1, mime),
            content=content,
            content_type=mime,
        )
        attachments.append(attachment)
        if forwarded is None and forward_depth < MAX_FORWARD_DEPTH:
            lowered = attachment.filename.lower()
            if lowered.endswith(".eml") or (
                lowered.endswith(".msg") and content[:4] == OLE_SIGNATURE
            ):
                try:
                    forwarded = _parse_any(content, forward_depth + 1)
                except Exception:
                    notes.add(f"Angehängte Nachricht „{attachment.filename}“ nicht lesbar.")

    if not (subject or from_address or from_name or text or raw_html or attachments):
        raise Unreadable("Die Outlook-Datei (.msg) enthält keine lesbare Nachricht.")
    return ParsedMail(
        message_id=message_id,
        references=references,
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        date=date,
        text=text,
        html=sanitize_html(raw_html) if raw_html else "",
        attachments=tuple(attachments),
        forwarded=forwarded,
        recipient_count=recipient_count,
        notes=notes.tuple(),
        auto_submitted=header is not None and _is_auto_submitted(header, ""),
        reply_to_address="",
    )
