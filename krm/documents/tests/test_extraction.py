"""Tests of krm.documents.extraction; every fixture file is built here, none is committed."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import struct
import subprocess
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from krm.documents import extraction
from krm.documents.extraction import (
    DOCX,
    MSG,
    PPTX,
    XLSX,
    Extracted,
    ExtractionError,
    extract_text,
    normalise,
)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
SCAN_LINES = (
    "Widerspruch gegen den Bescheid vom 3. März 2025",
    "Kündigung der Mietwohnung und Überweisung der Kaution",
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def scan(lines: tuple[str, ...] = SCAN_LINES) -> Image.Image:
    """A clean 'scanned' page: black DejaVu text, 48 px (≈ 11.5 pt at 300 dpi), on white."""
    font = ImageFont.truetype(FONT, 48)
    image = Image.new("L", (2480, 200 + 120 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((150, 100 + number * 120), line, font=font, fill=0)
    return image


def assert_scan_read(result: Extracted, pages: int = 1) -> None:
    assert result.method == "ocr"
    assert result.pages == pages
    text = result.text.lower()
    # Long words, which OCR of clean 48 px text gets right.
    for word in ("widerspruch", "kündigung", "mietwohnung", "überweisung"):
        assert word in text


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_with_embedded_text(tmp_path: Path) -> None:
    import weasyprint

    html = """<p>Bitte bestätigen Sie die Überweisung der Miete.</p>
        <p style="break-before: page">Die Mietkostenbescheinigung liegt bei.</p>"""
    path = write(tmp_path, "brief.pdf", weasyprint.HTML(string=html).write_pdf())

    result = extract_text(path, "application/pdf")

    assert result.method == "text"
    assert result.pages == 2
    assert "Überweisung" in result.text
    assert "Mietkostenbescheinigung" in result.text
    assert "\n\n" in result.text  # the page break is a paragraph break


def test_image_only_pdf_is_ocrd(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    scan().save(path, "PDF", resolution=300)

    assert_scan_read(extract_text(path, "application/pdf"))


def test_pdf_with_a_scan_and_a_few_embedded_letters_is_ocrd(tmp_path: Path) -> None:
    """A scanner's PDF with a stamped page number still counts as a scan."""
    import weasyprint

    png = io.BytesIO()
    scan().save(png, "PNG")
    src = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    html = f'<img src="{src}" style="width: 100%"><p>Seite 1</p>'
    path = write(tmp_path, "scan.pdf", weasyprint.HTML(string=html).write_pdf())

    assert_scan_read(extract_text(path, "application/pdf"))


def test_pdf_ocr_stops_after_max_ocr_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "MAX_OCR_PAGES", 1)
    path = tmp_path / "scan.pdf"
    scan().save(path, "PDF", resolution=300, save_all=True, append_images=[scan(("Zweite",))])

    result = extract_text(path, "application/pdf")

    assert_scan_read(result, pages=1)
    assert "zweite" not in result.text.lower()


def test_broken_pdf_raises(tmp_path: Path) -> None:
    path = write(tmp_path, "kaputt.pdf", os.urandom(4096))

    with pytest.raises(ExtractionError, match="pdfinfo"):
        extract_text(path, "application/pdf")


# --- images ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("TIFF", "image/tiff"), ("JPEG", "image/jpeg")],
)
def test_image_is_ocrd(tmp_path: Path, fmt: str, content_type: str) -> None:
    path = tmp_path / f"scan.{fmt.lower()}"
    scan().save(path, fmt, dpi=(300, 300))

    assert_scan_read(extract_text(path, content_type))


def test_multipage_tiff_reads_every_page_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "scan.tiff"
    second = scan(("Eingangsbestätigung",))
    scan().save(path, "TIFF", save_all=True, append_images=[second, second])
    monkeypatch.setattr(extraction, "MAX_OCR_PAGES", 2)

    result = extract_text(path, "image/tiff")

    assert_scan_read(result, pages=2)
    assert result.text.lower().count("eingangsbestätigung") == 1


def test_tesseract_runs_single_threaded_without_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real_run = subprocess.run

    def spy(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append({"args": args, **kwargs})
        return real_run(args, **kwargs)

    monkeypatch.setattr(extraction.subprocess, "run", spy)
    path = tmp_path / "scan.png"
    scan(("Widerspruch",)).save(path)

    extract_text(path, "image/png")

    (call,) = calls
    assert isinstance(call["args"], list)
    assert call["args"][-5:] == ["-", "-l", "deu", "--psm", "3"]
    assert not call.get("shell")
    assert call["timeout"] == extraction.TOOL_TIMEOUT
    assert call["env"]["OMP_THREAD_LIMIT"] == "1"


def test_tool_timeout_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "TOOL_TIMEOUT", 0.2)

    with pytest.raises(ExtractionError, match="sleep timed out"):
        extraction._run("sleep", "5")


def test_missing_tool_raises() -> None:
    with pytest.raises(ExtractionError, match="not installed"):
        extraction._run("krm-no-such-tool")


# --- Office ------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def test_docx(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Kopfzeile Jobcenter Pankow"
    document.sections[0].footer.paragraphs[0].text = "Fußzeile Seite"
    document.add_paragraph("Sehr geehrte Damen und Herren, hiermit lege ich Widerspruch ein.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Bedarfsgemeinschaft"
    table.cell(1, 0).text = "Regelbedarf"
    table.cell(1, 1).text = "Unterkunftskosten"
    # A text box as Word writes it: the same box once as DrawingML, once as VML fallback.
    box = "<w:txbxContent><w:p><w:r><w:t>Eingangsstempel</w:t></w:r></w:p></w:txbxContent>"
    document.add_paragraph()._p.append(
        parse_xml(
            f'<w:r xmlns:w="{W}" xmlns:mc="{MC}"><mc:AlternateContent>'
            f'<mc:Choice Requires="wps"><w:drawing>{box}</w:drawing></mc:Choice>'
            f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )
    )
    path = tmp_path / "brief.docx"
    document.save(str(path))

    result = extract_text(path, DOCX)

    assert result == Extracted(result.text, "text", 0)
    expected = [
        "Kopfzeile Jobcenter Pankow",
        "Widerspruch ein.",
        "Regelbedarf",
        "Unterkunftskosten",
    ]
    for text in [*expected, "Fußzeile Seite"]:
        assert text in result.text
    assert result.text.count("Bedarfsgemeinschaft") == 1  # merged cell read once
    assert result.text.count("Eingangsstempel") == 1  # fallback copy skipped


def test_broken_docx_raises(tmp_path: Path) -> None:
    path = write(tmp_path, "kaputt.docx", b"PK\x03\x04" + os.urandom(500))

    with pytest.raises(ExtractionError):
        extract_text(path, DOCX)


S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def zip_file(tmp_path: Path, name: str, members: dict[str, str]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return path


def test_xlsx(tmp_path: Path) -> None:
    shared = f"""<?xml version="1.0" encoding="UTF-8"?>
        <sst xmlns="{S}" count="2" uniqueCount="2">
          <si><t>Kundennummer</t></si>
          <si><r><t>Miet</t></r><r><rPr><b/></rPr><t>zuschuss</t></r><rPh><t>FURIGANA</t></rPh></si>
        </sst>"""
    sheet = f"""<?xml version="1.0" encoding="UTF-8"?>
        <worksheet xmlns="{S}"><sheetData>
          <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
          <row r="2"><c r="A2"><v>4711.5</v></c>
            <c r="B2" t="inlineStr"><is><t>Schöneberg</t></is></c>
            <c r="C2" t="str"><f>A1</f><v>Formelergebnis</v></c></row>
        </sheetData></worksheet>"""
    sheet2 = f'<worksheet xmlns="{S}"><sheetData><row><c t="s"><v>0</v></c></row></sheetData>'
    sheet2 += "</worksheet>"
    path = zip_file(
        tmp_path,
        "liste.xlsx",
        {
            "xl/sharedStrings.xml": shared,
            "xl/worksheets/sheet1.xml": sheet,
            "xl/worksheets/sheet2.xml": sheet2,
        },
    )

    result = extract_text(path, XLSX)

    assert result.method == "text"
    assert result.text.split("\n")[:2] == ["Kundennummer Mietzuschuss", "Schöneberg Formelergebnis"]
    assert "4711" not in result.text  # numbers are not text
    assert "FURIGANA" not in result.text
    assert result.text.count("Kundennummer") == 2


A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def slide(*paragraphs: str) -> str:
    body = "".join(f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p>" for text in paragraphs)
    return (
        f'<p:sld xmlns:a="{A}" xmlns:p="{P}"><p:cSld><p:spTree><p:sp><p:txBody>'
        f"{body}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    )


def test_pptx_reads_slides_in_order(tmp_path: Path) -> None:
    numbers = (10, 2, 1)
    members = {f"ppt/slides/slide{n}.xml": slide(f"Folie {n}", "Statistik") for n in numbers}
    members["ppt/slides/_rels/slide1.xml.rels"] = "<Relationships/>"
    path = zip_file(tmp_path, "vortrag.pptx", members)

    result = extract_text(path, PPTX)

    assert result.method == "text"
    assert result.pages == 3
    assert [line for line in result.text.split("\n") if line.startswith("Folie")] == [
        "Folie 1",
        "Folie 2",
        "Folie 10",
    ]


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def test_odt(tmp_path: Path) -> None:
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
        <office:document-content {ODF_NS}><office:body><office:text>
          <text:tracked-changes><text:changed-region><text:deletion>
            <text:p>Gelöschter Entwurf</text:p>
          </text:deletion></text:changed-region></text:tracked-changes>
          <text:h>Beschwerde</text:h>
          <text:p>Sehr<text:s text:c="3"/>geehrte <text:span>Damen</text:span> und Herren,<!--
            --><text:line-break/>die Straße ist<text:tab/>gesperrt<!--
            --><text:note><text:note-body><text:p>Fußnote</text:p></text:note-body></text:note>.<!--
          --></text:p>
        </office:text></office:body></office:document-content>"""
    path = zip_file(tmp_path, "brief.odt", {"mimetype": ODT, "content.xml": content})

    result = extract_text(path, ODT)

    assert result == Extracted(
        "Beschwerde\nFußnote\nSehr geehrte Damen und Herren,\ndie Straße ist gesperrt.", "text", 0
    )


def test_ods(tmp_path: Path) -> None:
    content = f"""<office:document-content {ODF_NS}><office:body><office:spreadsheet>
        <table:table><table:table-row>
          <table:table-cell><text:p>Sachbearbeitung</text:p></table:table-cell>
          <table:table-cell table:number-columns-repeated="1000000"/>
          <table:table-cell><text:p>Leistungsabteilung</text:p></table:table-cell>
        </table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"""
    path = zip_file(tmp_path, "liste.ods", {"content.xml": content})

    assert extract_text(path, ODS).text == "Sachbearbeitung\nLeistungsabteilung"


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    content = """<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">
        <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>"""
    path = zip_file(tmp_path, "bombe.odt", {"content.xml": content})

    with pytest.raises(ExtractionError, match="Entities"):
        extract_text(path, ODT)


@pytest.mark.parametrize(
    "content_type",
    ["application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"],
)
def test_legacy_office_is_not_read(tmp_path: Path, content_type: str) -> None:
    path = write(tmp_path, "alt.doc", b"\xd0\xcf\x11\xe0" + bytes(508))

    assert extract_text(path, content_type) == Extracted("", "none", 0)


# --- e-mail ------------------------------------------------------------------------------


def eml(tmp_path: Path, message: EmailMessage) -> Path:
    return write(tmp_path, "mail.eml", bytes(message))


def test_eml_plain(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "Jörg Müller <joerg@example.org>"
    message["To"] = "post@jobcenter.example"
    message["Date"] = "Tue, 04 Mar 2025 10:15:00 +0100"
    message["Subject"] = "Beschwerde über die Wartezeit"
    message.set_content("Sehr geehrte Damen und Herren,\n\nich warte seit Wochen.\n")

    result = extract_text(eml(tmp_path, message), "message/rfc822")

    assert result == Extracted(
        "Von: Jörg Müller <joerg@example.org>\n"
        "An: post@jobcenter.example\n"
        "Datum: Tue, 04 Mar 2025 10:15:00 +0100\n"
        "Betreff: Beschwerde über die Wartezeit\n\n"
        "Sehr geehrte Damen und Herren,\n\nich warte seit Wochen.",
        "text",
        0,
    )


def test_eml_html_only_with_attachment(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "kunde@example.org"
    message["Subject"] = "=?utf-8?q?K=C3=BCndigung?="
    message.set_content(
        "<html><head><style>p { color: red }</style></head><body>"
        "<p>Die K&uuml;ndigung&nbsp;liegt bei.</p><script>alert('x')</script>"
        "<div>Mit freundlichen Gr&uuml;&szlig;en</div></body></html>",
        subtype="html",
    )
    name = "Kündigungsschreiben.pdf"
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=name)

    result = extract_text(eml(tmp_path, message), "message/rfc822")

    assert "Betreff: Kündigung" in result.text
    assert "Die Kündigung liegt bei.\nMit freundlichen Grüßen" in result.text
    assert "color" not in result.text
    assert "alert" not in result.text
    assert result.text.endswith("Anhänge: Kündigungsschreiben.pdf")


def outlook_msg(path: Path, html: bytes | None = None) -> None:
    """A minimal Outlook .msg (an OLE compound file), written with extract_msg's OleWriter."""
    from extract_msg.ole_writer import OleWriter

    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    def prop(tag: int, value: int) -> bytes:  # a fixed-size property entry, readable+writable
        return struct.pack("<IIQ", tag, 6, value)

    sent = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC) - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
    filetime = int(sent.total_seconds()) * 10_000_000
    writer = OleWriter()
    header = struct.pack("<8xIIII8x", 1, 1, 1, 1)  # next recipient/attachment id, counts
    writer.addEntry(
        "__properties_version1.0",
        header + prop(0x00390040, filetime) + prop(0x0E070003, 1),  # submit time; flags: read
    )
    writer.addEntry("__substg1.0_001A001F", utf16("IPM.Note"))
    writer.addEntry("__substg1.0_0037001F", utf16("Widerspruch gegen Sanktion"))
    writer.addEntry("__substg1.0_0C1A001F", utf16("Erika Mustermann"))
    if html is None:
        writer.addEntry("__substg1.0_1000001F", utf16("Sehr geehrte Damen und Herren,\r\nanbei."))
    else:
        writer.addEntry("__substg1.0_10130102", html)
    recipient = "__recip_version1.0_#00000000"
    writer.addEntry(recipient, storage=True)
    writer.addEntry(f"{recipient}/__properties_version1.0", bytes(8) + prop(0x0C150003, 1))
    writer.addEntry(f"{recipient}/__substg1.0_3001001F", utf16("Jobcenter Pankow"))
    writer.addEntry(f"{recipient}/__substg1.0_39FE001F", utf16("post@jobcenter.example"))
    attachment = "__attach_version1.0_#00000000"
    writer.addEntry(attachment, storage=True)
    writer.addEntry(f"{attachment}/__properties_version1.0", bytes(8) + prop(0x37050003, 1))
    writer.addEntry(f"{attachment}/__substg1.0_3707001F", utf16("Bescheid.pdf"))
    writer.addEntry(f"{attachment}/__substg1.0_37010102", b"%PDF-1.4")
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    writer.write(str(path))


def test_outlook_msg(tmp_path: Path) -> None:
    path = tmp_path / "mail.msg"
    outlook_msg(path)

    result = extract_text(path, MSG)

    assert result == Extracted(
        "Von: Erika Mustermann\n"
        "An: Jobcenter Pankow <post@jobcenter.example>\n"
        "Datum: Tue, 04 Mar 2025 10:30:00 +0100\n"
        "Betreff: Widerspruch gegen Sanktion\n\n"
        "Sehr geehrte Damen und Herren,\nanbei.\n\n"
        "Anhänge: Bescheid.pdf",
        "text",
        0,
    )


def test_outlook_msg_with_html_body_only(tmp_path: Path) -> None:
    path = tmp_path / "mail.msg"
    html = '<html><head><meta charset="windows-1252"></head><body><p>Grüße</p>aus Pankow'
    outlook_msg(path, html=html.encode("cp1252"))

    result = extract_text(path, MSG)

    assert "Betreff: Widerspruch gegen Sanktion\n\nGrüße\naus Pankow\n\nAnhänge" in result.text


def test_broken_msg_raises(tmp_path: Path) -> None:
    path = write(tmp_path, "kaputt.msg", os.urandom(2048))

    with pytest.raises(ExtractionError):
        extract_text(path, MSG)


# --- plain text, limits, normalisation ----------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "Kündigung – Straße\r\n".encode(),
        "\ufeffKündigung – Straße\n".encode(),
        "Kündigung – Straße\n".encode("utf-16"),
        "Kündigung – Straße\n".encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "cp1252"],
)
def test_text_plain_encodings(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "notiz.txt", data)

    assert extract_text(path, "text/plain") == Extracted("Kündigung – Straße", "text", 0)


def test_text_plain_latin1(tmp_path: Path) -> None:
    path = write(
        tmp_path, "notiz.txt", "Größe: 3 Zimmer, Ärger mit dem Vermieter".encode("latin-1")
    )

    result = extract_text(path, "text/plain; charset=iso-8859-1")

    assert result.text == "Größe: 3 Zimmer, Ärger mit dem Vermieter"


def test_unknown_type_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, "film.mp4", os.urandom(100))

    assert extract_text(path, "video/mp4") == Extracted("", "none", 0)


def test_text_is_cut_at_max_text_chars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "MAX_TEXT_CHARS", 50)
    path = write(tmp_path, "lang.txt", ("Widerspruch " * 1000).encode())

    result = extract_text(path, "text/plain")

    assert 0 < len(result.text) <= 50
    assert result.text.startswith("Widerspruch Widerspruch")


def test_normalise() -> None:
    decomposed = "Ku\u0308ndigung"  # "ü" as u + combining diaeresis
    text = f"  {decomposed}\t\t der   Woh\u00adnung \u00a0\r\n\r\n\r\n\n zum\fEnde\x00 "

    assert normalise(text) == "Kündigung der Wohnung\n\nzum\n\nEnde"
