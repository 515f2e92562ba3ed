"""Decide from its bytes whether an uploaded file may be stored in a case's file store.

Citizens and staff upload scans, e-mails and office documents; the same files are later
opened by staff on Jobcenter workstations. Filenames and browser content types are chosen by
whoever uploads, so this module trusts neither: it sniffs the bytes (libmagic plus structural
checks with pikepdf, zipfile and olefile/oletools), accepts a short list of document types and
refuses everything that can carry active content (HTML, SVG, scripts, programs, archives,
macros, PDF JavaScript or embedded files) with a German sentence for the user. `inspect` only
decides; it stores nothing.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Any, NamedTuple

import magic
import olefile
import pikepdf
from defusedxml import ElementTree as DefusedET
from django.conf import settings

with warnings.catch_warnings():
    # oletools 0.60 still calls pyparsing's camelCase API, which warns (or fails under -W error)
    # on import.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser


def max_upload_bytes() -> int:
    """The largest file accepted (settings.KRM_MAX_UPLOAD_BYTES), read on every call."""
    return getattr(settings, "KRM_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)


# How much libmagic sees; it has its own internal limit, but we never hand it more.
SNIFF_BYTES = 1024 * 1024
# Zip bombs: office zips may expand to at most this multiple of the upload limit ...
ZIP_MAX_EXPANSION = 20
# ... and may have at most this many entries (both read from the central directory).
ZIP_MAX_ENTRIES = 10_000
# Small zip members we read ourselves ([Content_Types].xml, ODF `mimetype`).
_ZIP_MEMBER_READ_LIMIT = 1024 * 1024

MAX_FILENAME_LENGTH = 120
_FALLBACK_STEM = "Dokument"

ALLOWED_SUMMARY = (
    "PDF, Bilder (TIFF, JPEG, PNG), E-Mails (.eml, .msg), Office-Dokumente (Word, Excel, "
    "PowerPoint, OpenDocument) und Textdateien (.txt)"
)


class FileRefused(Exception):
    """The file must not be stored; `message` is a clear German sentence for the user
    (why, what to do)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Inspected:
    content_type: str  # canonical MIME type, e.g. "application/pdf"
    extension: str  # canonical extension incl. dot, e.g. ".pdf"
    filename: str  # the sanitised filename to show/download, with the canonical extension
    category: str  # one of "pdf", "image", "email", "office", "text"


class _Kind(NamedTuple):
    content_type: str
    extension: str
    category: str


PDF = _Kind("application/pdf", ".pdf", "pdf")
JPEG = _Kind("image/jpeg", ".jpg", "image")
PNG = _Kind("image/png", ".png", "image")
TIFF = _Kind("image/tiff", ".tiff", "image")
EML = _Kind("message/rfc822", ".eml", "email")
MSG = _Kind("application/vnd.ms-outlook", ".msg", "email")
DOCX = _Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "office"
)
XLSX = _Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "office")
PPTX = _Kind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", "office"
)
ODT = _Kind("application/vnd.oasis.opendocument.text", ".odt", "office")
ODS = _Kind("application/vnd.oasis.opendocument.spreadsheet", ".ods", "office")
ODP = _Kind("application/vnd.oasis.opendocument.presentation", ".odp", "office")
DOC = _Kind("application/msword", ".doc", "office")
XLS = _Kind("application/vnd.ms-excel", ".xls", "office")
PPT = _Kind("application/vnd.ms-powerpoint", ".ppt", "office")
TXT = _Kind("text/plain", ".txt", "text")

_IMAGES = {"image/jpeg": JPEG, "image/png": PNG, "image/tiff": TIFF}
_OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF_TYPES = {kind.content_type: kind for kind in (ODT, ODS, ODP)}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"
_MACHO_MAGICS = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # universal binary (also Java class files)
)

_EMAIL_MIMES = {"message/rfc822", "message/news", "application/mbox"}
_HTML_MIMES = {"text/html", "application/xhtml+xml"}
_XML_MIMES = {"text/xml", "application/xml"}
_JS_MIMES = {
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/ecmascript",
    "application/ecmascript",
}
_SCRIPT_MIMES = {
    "text/x-shellscript",
    "application/x-shellscript",
    "text/x-python",
    "text/x-script.python",
    "text/x-perl",
    "text/x-ruby",
    "text/x-php",
    "application/x-php",
    "text/x-tcl",
    "text/x-lua",
    "text/x-awk",
    "text/x-msdos-batch",
    "application/x-bat",
    "text/x-powershell",
}
_EXECUTABLE_MIMES = {
    "application/x-dosexec",
    "application/x-msdownload",
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-elf",
    "application/x-object",
    "application/x-coredump",
    "application/vnd.microsoft.portable-executable",
    "application/x-java-applet",
    "application/java-archive",
    "application/x-msi",
}
_ARCHIVE_WORDS = (
    "zip",
    "rar",
    "7z",
    "gzip",
    "bzip",
    "xz",
    "tar",
    "zstd",
    "lzma",
    "lzip",
    "lz4",
    "cab",
    "cpio",
    "iso9660",
    "archive",
    "compress",
    "arj",
    "lha",
    "lzh",
    "stuffit",
    "diskimage",
)

_JS_EXTENSIONS = {".js", ".mjs", ".cjs", ".jse"}
_SCRIPT_EXTENSIONS = {
    ".sh",
    ".bash",
    ".zsh",
    ".py",
    ".pl",
    ".rb",
    ".php",
    ".ps1",
    ".psm1",
    ".bat",
    ".cmd",
    ".vbs",
    ".vbe",
    ".wsf",
    ".wsh",
}
_HTML_EXTENSIONS = {".html", ".htm", ".xhtml", ".xht", ".hta", ".shtml", ".mht", ".mhtml"}

# PDF: dictionary entries that make a PDF "active".
_PDF_REASONS = {
    "javascript": "JavaScript",
    "launch": "Programmaufrufe",
    "remote": "Verweise auf andere Dateien",
    "submit": "Formular-Datenübertragungen",
    "xfa": "XFA-Formularskripte",
    "auto": "automatisch ausgelöste Aktionen",
}
_PDF_ACTION_REASONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/SubmitForm": "submit",
    "/ImportData": "submit",
    "/GoToE": "embedded",
    "/GoToR": "remote",
}
# Open actions that merely show a page are harmless; anything else runs on opening.
_PDF_HARMLESS_OPEN_ACTIONS = {"/GoTo", "/Named"}

_FORBIDDEN_FILENAME_CHARS = set('<>:"/\\|?*')
_EXTENSION_RE = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}$")
_HEADER_LINE_RE = re.compile(rb"^(From |[!-9;-~]+:)")
_MARKUP_START_RE = re.compile(rb"^<[a-z!?]")
_BINARY_CONTROL_RE = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def inspect(name: str, data: bytes) -> Inspected:
    """Return what `data` (uploaded as `name`) really is, or raise `FileRefused`.

    The type comes from the bytes only; a misleading but harmless name is corrected (a PNG
    named `scan.jpg` becomes `scan.png`), a harmless-looking name on refused bytes changes
    nothing. What a file carries inside (an e-mail's attachments, an office file's embedded
    objects and links) must pass too.
    """
    return _inspect(name, data, depth=0)


def _inspect(name: str, data: bytes, *, depth: int) -> Inspected:
    shown = _display_name(name)
    if not data:
        raise FileRefused(
            f"Die Datei „{shown}“ ist leer (0 Byte). Bitte wählen Sie die richtige Datei aus "
            "und laden Sie sie erneut hoch."
        )
    limit = max_upload_bytes()
    if len(data) > limit:
        raise FileRefused(
            f"Die Datei „{shown}“ ist {_megabytes(len(data))} groß und damit größer als die "
            f"erlaubten {_megabytes(limit)}. Bitte verkleinern Sie sie (z. B. einen Scan mit "
            "geringerer Auflösung) oder teilen Sie sie auf mehrere Dateien auf."
        )
    _refuse_programs(shown, data)
    if data.startswith(_OLE_MAGIC):
        kind = _inspect_ole(name, shown, data)
    elif data.startswith(_ZIP_MAGIC):
        kind = _inspect_zip(shown, data, limit)
    else:
        mime = magic.from_buffer(data[:SNIFF_BYTES], mime=True).lower()
        kind = _inspect_by_mime(name, shown, data, mime)
    if kind in (EML, MSG):
        if depth >= _EMBEDDED_DEPTH:
            raise FileRefused(
                f"Die Datei „{shown}“ enthält E-Mails in E-Mails zu tief verschachtelt. Bitte "
                "laden Sie die Anhänge einzeln hoch."
            )
        try:
            attachments = _eml_attachments(data) if kind == EML else _msg_attachments(data)
        except FileRefused:
            raise
        except Exception:  # a part that cannot be decoded cannot be checked
            raise _damaged(shown) from None
        _check_attachments(shown, attachments, depth)
    return Inspected(
        content_type=kind.content_type,
        extension=kind.extension,
        filename=safe_filename(name, kind.extension),
        category=kind.category,
    )


def safe_filename(name: str, extension: str) -> str:
    """A filename safe to show and offer for download: last path component only, NFC, no
    control or reserved characters, at most 120 characters, ending in `extension`."""
    if extension and not extension.startswith("."):
        extension = "." + extension
    stem = _EXTENSION_RE.sub("", _clean_name(name)).rstrip(". ")
    stem = stem[: max(MAX_FILENAME_LENGTH - len(extension), 1)].rstrip(". ")
    return (stem or _FALLBACK_STEM) + extension


# --------------------------------------------------------------------------------------------
# Filenames
# --------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    """Everything safe_filename does except handling the extension."""
    name = re.split(r"[\\/]", name)[-1]
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"\s+", " ", name)  # tabs and newlines become spaces before controls go
    name = "".join(
        ch
        for ch in name
        if ch not in _FORBIDDEN_FILENAME_CHARS and not unicodedata.category(ch).startswith("C")
    )
    return " ".join(name.split()).lstrip(". ")


def display_name(name: str) -> str:
    """A file name from outside, cleaned for messages and records."""
    return _display_name(name)


def _display_name(name: str) -> str:
    """The uploaded name as it may appear in a message (sanitised, original extension)."""
    cleaned = _clean_name(name)
    if len(cleaned) > MAX_FILENAME_LENGTH:
        match = _EXTENSION_RE.search(cleaned)
        suffix = match.group(0) if match else ""
        cleaned = cleaned[: MAX_FILENAME_LENGTH - len(suffix)].rstrip(". ") + suffix
    return cleaned or _FALLBACK_STEM


def _name_extension(name: str) -> str:
    match = _EXTENSION_RE.search(_clean_name(name))
    return match.group(0).lower() if match else ""


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return text.replace(".", ",") + " MB"


# --------------------------------------------------------------------------------------------
# Refusal messages
# --------------------------------------------------------------------------------------------


def _executable(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist ein ausführbares Programm und wird aus Sicherheitsgründen "
        f"nicht gespeichert. Bitte laden Sie nur Dokumente hoch: {ALLOWED_SUMMARY}."
    )


def _script(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist ein Skript (ausführbarer Programmcode) und wird aus "
        f"Sicherheitsgründen nicht gespeichert. Bitte laden Sie nur Dokumente hoch: "
        f"{ALLOWED_SUMMARY}."
    )


def _javascript(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ enthält JavaScript-Programmcode und wird aus Sicherheitsgründen "
        "nicht gespeichert. Bitte laden Sie den Inhalt als PDF oder Textdatei (.txt) hoch."
    )


def _html(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist eine HTML-Seite (Webseite). HTML-Dateien können Skripte "
        "enthalten und werden aus Sicherheitsgründen nicht gespeichert. Bitte speichern oder "
        "drucken Sie die Seite als PDF und laden Sie das PDF hoch."
    )


def _svg(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist eine SVG-Grafik. SVG-Dateien können Skripte enthalten und "
        "werden aus Sicherheitsgründen nicht gespeichert. Bilder müssen als PDF, TIFF, JPEG "
        "oder PNG hochgeladen werden."
    )


def _xml(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist eine XML-Datei. XML-Dateien werden nicht gespeichert. Bitte "
        "laden Sie das Dokument als PDF hoch."
    )


def _archive(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist ein Archiv (z. B. ZIP, RAR, 7z oder GZ). Archive werden nicht "
        "gespeichert, weil ihr Inhalt nicht geprüft werden kann. Bitte entpacken Sie das "
        "Archiv und laden Sie die Dokumente einzeln hoch."
    )


def _unknown(shown: str) -> FileRefused:
    return FileRefused(
        f"Das Dateiformat von „{shown}“ wird nicht angenommen. Erlaubt sind {ALLOWED_SUMMARY}. "
        "Bitte speichern Sie das Dokument in einem dieser Formate, am besten als PDF."
    )


def _damaged(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist beschädigt oder unvollständig und kann deshalb nicht geprüft "
        "werden. Bitte speichern Sie sie neu und laden Sie sie erneut hoch."
    )


def _encrypted(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ ist verschlüsselt bzw. kennwortgeschützt und kann deshalb nicht "
        "auf schädliche Inhalte geprüft werden. Bitte laden Sie eine Fassung ohne "
        "Kennwortschutz hoch."
    )


def _macros(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ enthält Makros und wird aus Sicherheitsgründen nicht gespeichert. "
        "Bitte speichern Sie das Dokument ohne Makros (z. B. als .docx, .xlsx oder PDF) und "
        "laden Sie es erneut hoch."
    )


def _zip_bomb(shown: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ würde entpackt ungewöhnlich groß werden oder besteht aus "
        "ungewöhnlich vielen Teilen und wird aus Sicherheitsgründen nicht gespeichert. Bitte "
        "speichern Sie das Dokument als PDF und laden Sie es erneut hoch."
    )


# --------------------------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------------------------


def _refuse_programs(shown: str, data: bytes) -> None:
    """Refuse native programs and `#!` scripts before anything else looks at the bytes."""
    if data.startswith(b"\x7fELF") or data.startswith(_MACHO_MAGICS) or _is_pe(data):
        raise _executable(shown)
    if data.removeprefix(_UTF8_BOM).startswith(b"#!"):
        raise _script(shown)


def _is_pe(data: bytes) -> bool:
    """MZ header whose e_lfanew points at a PE signature, or a plain DOS program."""
    if not data.startswith(b"MZ") or len(data) < 64:
        return False
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_offset : pe_offset + 4] == b"PE\0\0":
        return True
    return magic.from_buffer(data[:SNIFF_BYTES], mime=True) in _EXECUTABLE_MIMES


# --------------------------------------------------------------------------------------------
# Dispatch by libmagic's verdict (everything that is neither OLE nor zip)
# --------------------------------------------------------------------------------------------


def _inspect_by_mime(name: str, shown: str, data: bytes, mime: str) -> _Kind:
    if mime == "application/pdf":
        _check_pdf(shown, data)
        return PDF
    if mime in _IMAGES:
        return _IMAGES[mime]
    if mime == "image/svg+xml":
        raise _svg(shown)
    if mime.startswith("image/"):
        raise FileRefused(
            f"Das Bildformat von „{shown}“ wird nicht angenommen. Bitte laden Sie Bilder als "
            "PDF, TIFF, JPEG oder PNG hoch."
        )
    if mime in _HTML_MIMES:
        raise _html(shown)
    if mime in _XML_MIMES:
        raise _markup_refusal(shown, data) or _xml(shown)
    if mime in _JS_MIMES:
        raise _javascript(shown)
    if mime in _SCRIPT_MIMES or mime.startswith("text/x-script"):
        raise _script(shown)
    if mime in _EXECUTABLE_MIMES:
        raise _executable(shown)
    if mime in _EMAIL_MIMES or mime in {"text/plain", "text/csv"} or mime.startswith("text/x-"):
        return _inspect_text_or_email(name, shown, data, mime)
    if any(word in mime for word in _ARCHIVE_WORDS):
        raise _archive(shown)
    raise _unknown(shown)


def _markup_refusal(shown: str, data: bytes) -> FileRefused | None:
    """HTML, SVG or XML that libmagic called text: refuse by what the markup is."""
    head = data[:4096].removeprefix(_UTF8_BOM).lstrip().lower()
    if not _MARKUP_START_RE.match(head):
        return None
    if b"<svg" in head or b"http://www.w3.org/2000/svg" in head:  # also <x:svg xmlns:x=...>
        return _svg(shown)
    if b"<html" in head or b"<!doctype html" in head or b"http://www.w3.org/1999/xhtml" in head:
        return _html(shown)
    if head.startswith((b"<?xml", b"<!doctype")):
        return _xml(shown)
    return _html(shown)


def _inspect_text_or_email(name: str, shown: str, data: bytes, mime: str) -> _Kind:
    markup = _markup_refusal(shown, data)
    if markup:
        raise markup
    extension = _name_extension(name)
    if mime in _EMAIL_MIMES or extension == ".eml":
        if _looks_like_email(data):
            return EML
        raise FileRefused(
            f"Die Datei „{shown}“ ist keine gültige E-Mail (es fehlen Absender, Datum oder "
            "Betreff). Bitte speichern Sie die E-Mail erneut aus Ihrem E-Mail-Programm oder "
            "laden Sie sie als PDF hoch."
        )
    if extension != ".txt":
        if _looks_like_email(data):
            return EML
        if extension in _JS_EXTENSIONS:
            raise _javascript(shown)
        if extension in _SCRIPT_EXTENSIONS:
            raise _script(shown)
        if extension in _HTML_EXTENSIONS:
            raise _html(shown)
        if extension == ".svg":
            raise _svg(shown)
        if extension == ".xml":
            raise _xml(shown)
        raise FileRefused(
            f"Die Datei „{shown}“ ist eine Textdatei ohne die Endung .txt. Textdateien werden "
            "nur mit der Endung .txt angenommen. Bitte speichern Sie den Text als .txt-Datei "
            "oder als PDF."
        )
    if not _is_readable_text(data):
        raise FileRefused(
            f"Die Datei „{shown}“ ist keine lesbare Textdatei (erwartet wird UTF-8 oder "
            "Latin-1). Bitte speichern Sie den Text als PDF oder als UTF-8-Textdatei."
        )
    return TXT


def _looks_like_email(data: bytes) -> bool:
    """True when the bytes parse as an RFC 5322 message with a real header block: the first
    line is a header (or an mbox `From ` line) and there is a From plus a Date or Subject."""
    if not _HEADER_LINE_RE.match(data):
        return False
    message = BytesHeaderParser().parsebytes(data)
    return bool(message["From"]) and bool(message["Date"] or message["Subject"])


def _is_readable_text(data: bytes) -> bool:
    """UTF-8 or Latin-1/Windows-1252 text: no binary control bytes (tab, line breaks, form
    feed and the DOS end-of-file mark are fine). Multi-byte UTF-8 never uses bytes below 0x80,
    and every byte sequence decodes as Latin-1, so checking the bytes is enough."""
    return _BINARY_CONTROL_RE.search(data) is None


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _check_pdf(shown: str, data: bytes) -> None:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise _encrypted(shown) from None
    except Exception:  # any parse failure: qpdf could not make sense of it
        raise _damaged(shown) from None
    with pdf:
        if pdf.is_encrypted:
            raise _encrypted(shown)
        try:
            findings = _pdf_findings(pdf)
        except pikepdf.PdfError:
            raise _damaged(shown) from None
    active = [label for key, label in _PDF_REASONS.items() if key in findings]
    if active:
        raise FileRefused(
            f"Die Datei „{shown}“ enthält aktive Inhalte ({', '.join(active)}) und wird aus "
            "Sicherheitsgründen nicht gespeichert. Bitte drucken Sie sie als PDF neu oder "
            "scannen Sie sie ein."
        )
    if "embedded" in findings:
        raise FileRefused(
            f"Die Datei „{shown}“ enthält eingebettete Dateien (Anhänge im PDF) und wird aus "
            "Sicherheitsgründen nicht gespeichert. Bitte laden Sie die Anhänge einzeln hoch "
            "und das PDF ohne eingebettete Dateien."
        )


def _pdf_findings(pdf: pikepdf.Pdf) -> set[str]:
    """Walk every indirect object (and the direct objects nested in it) once.

    pikepdf has already parsed the file, so obfuscated names such as /J#61vaScript arrive as
    /JavaScript and objects inside compressed object streams are included. Indirect children
    are skipped while walking because `pdf.objects` visits each of them anyway.
    """
    findings: set[str] = set()
    containers = (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)
    stack: list[pikepdf.Object] = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Array):
            children = list(obj)
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            children = []
            for key in obj.keys():  # noqa: SIM118 - pikepdf objects are not plain dicts
                value = obj.get(key)
                _check_pdf_entry(key, value, findings)
                children.append(value)
        else:
            continue
        stack.extend(
            child for child in children if isinstance(child, containers) and not child.is_indirect
        )
    return findings


def _check_pdf_entry(key: str, value: object, findings: set[str]) -> None:
    name = str(value) if isinstance(value, pikepdf.Name) else None
    if key in ("/JS", "/JavaScript", "/OnInstantiate"):  # 3D annotations run scripts too
        findings.add("javascript")
    elif key == "/S" and name in _PDF_ACTION_REASONS:
        findings.add(_PDF_ACTION_REASONS[name])
    elif key == "/AA" and isinstance(value, pikepdf.Dictionary) and len(value.keys()) > 0:
        findings.add("auto")
    elif key == "/OpenAction" and isinstance(value, pikepdf.Dictionary):
        action = value.get("/S")
        if str(action) not in _PDF_HARMLESS_OPEN_ACTIONS:
            findings.add("auto")
    elif key in ("/EmbeddedFiles", "/EF") or (
        (key, name) in {("/Type", "/EmbeddedFile"), ("/Subtype", "/FileAttachment")}
    ):
        findings.add("embedded")
    elif key == "/XFA":
        findings.add("xfa")


# --------------------------------------------------------------------------------------------
# Zip containers: OOXML and OpenDocument
# --------------------------------------------------------------------------------------------


def _inspect_zip(shown: str, data: bytes, limit: int) -> _Kind:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _damaged(shown) from None
    with archive:
        infos = archive.infolist()  # the central directory; nothing is decompressed
        if len(infos) > ZIP_MAX_ENTRIES or (
            sum(info.file_size for info in infos) > ZIP_MAX_EXPANSION * limit
        ):
            raise _zip_bomb(shown)
        members = {info.filename: info for info in infos}
        if "[Content_Types].xml" in members:
            return _check_ooxml(shown, archive, members)
        if "mimetype" in members:
            return _check_odf(shown, archive, members)
    raise _archive(shown)


def _read_member(shown: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _ZIP_MEMBER_READ_LIMIT:
        raise _damaged(shown)
    try:
        # ZipExtFile stops at the declared size, so this read is bounded.
        return archive.read(info)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise _damaged(shown) from None


def _check_ooxml(
    shown: str, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]
) -> _Kind:
    raw = _read_member(shown, archive, members["[Content_Types].xml"])
    content_types = {
        (element.get("ContentType") or "").strip().lower() for element in _xml_elements(shown, raw)
    }
    has_vba = any(name.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for name in members)
    macro_types = any(
        marker in content_type
        for content_type in content_types
        for marker in ("macroenabled", "vbaproject", "macrosheet")
    )
    if has_vba or macro_types:
        raise _macros(shown)
    _check_relationships(shown, archive, members)
    _check_parts(shown, archive, members, embedded_under="/embeddings/")
    for main_type, kind in _OOXML_MAIN_TYPES.items():
        if main_type in content_types:
            return kind
    raise _unknown(shown)


def _check_odf(shown: str, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> _Kind:
    if any(name.lower().startswith(("basic/", "scripts/")) for name in members):
        raise _macros(shown)
    _check_parts(shown, archive, members, embedded_under="object")
    mimetype = _read_member(shown, archive, members["mimetype"]).decode("ascii", "replace")
    kind = _ODF_TYPES.get(mimetype.strip())
    if kind is None:
        raise _unknown(shown)
    return kind


# Relationships that make Word or Excel fetch content from elsewhere when the file is opened
# (a remote template is a known way to load macros into a harmless-looking document).
_REMOTE_RELATIONSHIPS = ("attachedtemplate", "oleobject", "frame", "subdocument", "package")
_PROGRAM_EXTENSIONS = frozenset(
    {
        ".exe",
        ".dll",
        ".com",
        ".scr",
        ".bat",
        ".cmd",
        ".ps1",
        ".vbs",
        ".vbe",
        ".js",
        ".jse",
        ".wsf",
        ".hta",
        ".jar",
        ".msi",
        ".lnk",
        ".sh",
    }
)
_EMBEDDED_DEPTH = 2


def _xml_elements(shown: str, raw: bytes) -> list[Any]:
    """The elements of an XML part (entities resolved as XML does; no DTDs allowed)."""
    try:
        root = DefusedET.fromstring(raw)
    except Exception:  # defusedxml refuses DTDs and entity tricks; anything else is broken
        raise _damaged(shown) from None
    return list(root.iter())


def _check_relationships(
    shown: str, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]
) -> None:
    for name, info in members.items():
        if not name.lower().endswith(".rels"):
            continue
        for element in _xml_elements(shown, _read_member(shown, archive, info)):
            external = (element.get("TargetMode") or "").lower() == "external"
            kind = (element.get("Type") or "").rsplit("/", 1)[-1].lower()
            if external and kind in _REMOTE_RELATIONSHIPS:
                raise FileRefused(
                    f"Die Datei „{shown}“ lädt beim Öffnen Inhalte von außerhalb nach (eine "
                    "externe Vorlage oder ein verknüpftes Objekt) und wird aus "
                    "Sicherheitsgründen nicht gespeichert. Bitte speichern Sie sie als PDF."
                )


def _check_parts(
    shown: str,
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    *,
    embedded_under: str,
) -> None:
    """Programs hidden in an office file, and embedded objects, which must pass themselves."""
    for name, info in members.items():
        lower = name.lower()
        if _name_extension(lower) in _PROGRAM_EXTENSIONS:
            raise _embedded_program(shown, name.rsplit("/", 1)[-1])
        if embedded_under not in lower or info.is_dir():
            continue
        data = _read_member(shown, archive, info)
        if data.startswith(b"\xd0\xcf\x11\xe0") and _ole_packages_a_file(data):
            raise _embedded_program(shown, name.rsplit("/", 1)[-1])
        if _is_pe(data) or data.startswith((b"\x7fELF", b"#!")):
            raise _embedded_program(shown, name.rsplit("/", 1)[-1])


def _ole_packages_a_file(data: bytes) -> bool:
    """An OLE "Package" object (Ole10Native) carries any file, programs included."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return any(
                path[-1].lower().endswith("ole10native")
                for path in ole.listdir(streams=True, storages=False)
            )
    except Exception:
        return True  # cannot be looked into: not accepted


def _embedded_program(shown: str, inner: str) -> FileRefused:
    return FileRefused(
        f"Die Datei „{shown}“ enthält eine eingebettete Datei („{_display_name(inner)}“), die "
        "ein Programm sein kann, und wird aus Sicherheitsgründen nicht gespeichert. Bitte "
        "speichern Sie das Dokument ohne eingebettete Objekte oder als PDF."
    )


def _check_attachments(shown: str, attachments: Iterable[tuple[str, bytes]], depth: int) -> None:
    """Each attachment of an e-mail must be a file krm would accept on its own."""
    for name, data in attachments:
        try:
            _inspect(name or "Anhang", data, depth=depth + 1)
        except FileRefused as refused:
            raise FileRefused(
                f"Die E-Mail „{shown}“ hat einen Anhang, der nicht angenommen wird: "
                f"{refused.message} Bitte laden Sie die E-Mail ohne diesen Anhang hoch (z. B. "
                "als PDF) und die übrigen Anhänge einzeln."
            ) from None


def _eml_attachments(data: bytes) -> list[tuple[str, bytes]]:
    # compat32: the default policy's header parser is quadratic on crafted Content-Type
    # parameters (a 1 MB mail took minutes); the attachments' names and bytes are the same.
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_disposition() != "attachment":
            continue  # the body itself (text or HTML), not an attachment
        payload = part.get_payload(decode=True) or b""
        found.append((filename or "Anhang", payload))
    return found


def _msg_attachments(data: bytes) -> list[tuple[str, bytes]]:
    """An Outlook message's attachments, read from its compound file: each attachment is a
    storage `__attach_version1.0_#…` with its bytes in the property stream 0x3701 (binary)
    and its name in 0x3707 / 0x3704 (Unicode). An attached message (0x3701 as an object)
    cannot be checked here and is refused."""
    found = []
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        storages = {
            path[0]
            for path in ole.listdir(streams=True, storages=True)
            if path[0].lower().startswith("__attach_version1.0_")
        }
        for storage in sorted(storages):
            if ole.exists(f"{storage}/__substg1.0_3701000D"):
                raise FileRefused(
                    "Die Outlook-E-Mail enthält eine weitere E-Mail als Anhang, die krm nicht "
                    "prüfen kann. Bitte speichern Sie die angehängte E-Mail einzeln und "
                    "laden Sie beide getrennt hoch."
                )
            name = ""
            for prop in ("__substg1.0_3707001F", "__substg1.0_3704001F"):
                if ole.exists(f"{storage}/{prop}"):
                    name = ole.openstream(f"{storage}/{prop}").read().decode("utf-16-le", "replace")
                    name = name.rstrip("\x00")
                    break
            stream = f"{storage}/__substg1.0_37010102"
            payload = ole.openstream(stream).read() if ole.exists(stream) else b""
            if payload:
                found.append((name or "Anhang", payload))
    return found


# --------------------------------------------------------------------------------------------
# OLE compound files: Outlook .msg and legacy Office
# --------------------------------------------------------------------------------------------


def _inspect_ole(name: str, shown: str, data: bytes) -> _Kind:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            paths = ole.listdir(streams=True, storages=True)
    except Exception:  # olefile raises assorted errors on malformed files
        raise _damaged(shown) from None
    top = {path[0].lower() for path in paths}
    if {"encryptioninfo", "encryptedpackage"} <= top:  # password-protected OOXML
        raise _encrypted(shown)
    if "__properties_version1.0" in top and any(n.startswith("__substg1.0_") for n in top):
        return MSG
    if "worddocument" in top:
        kind = DOC
    elif "workbook" in top or "book" in top:
        kind = XLS
    elif "powerpoint document" in top:
        kind = PPT
    else:
        raise _unknown(shown)
    if _ole_has_macros(name, shown, data):
        raise _macros(shown)
    return kind


def _ole_has_macros(name: str, shown: str, data: bytes) -> bool:
    try:
        parser = VBA_Parser(filename=name or "upload", data=data)
    except Exception:  # cannot be parsed, so it cannot be cleared either
        raise _damaged(shown) from None
    try:
        return bool(parser.detect_vba_macros() or parser.detect_xlm_macros())
    except Exception:
        raise _damaged(shown) from None
    finally:
        parser.close()
