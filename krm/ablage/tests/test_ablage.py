"""The Ablage (R-A1 … A5): who opens it, what it lists, the dossier export, the hand-over to
the E-Akte."""

from __future__ import annotations

import io
import zipfile

import pikepdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from krm.audit.models import EventType
from krm.documents import services as documents
from krm.testing.factories import make_case
from krm.testing.pdf import declares_pdfa, page_count, text


def pdf_bytes(*pages: str) -> bytes:
    from weasyprint import HTML

    body = "".join(f'<p style="page-break-after: always">{p}</p>' for p in pages)
    return HTML(string=body).write_pdf()


def png_bytes() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((20, 20, 380, 180), outline=0, width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Gesprächsnotiz")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def cases(org):
    return {
        "711": make_case(org["krmb"], org_unit=org.t711, subject="Akte im Team 711"),
        "721": make_case(org["krmb"], org_unit=org.t721, subject="Akte im Team 721"),
    }


@pytest.mark.parametrize(
    ("role", "index", "listed", "folder_711", "folder_721"),
    [
        ("krmb", 200, {"711", "721"}, 200, 200),
        ("vertretung", 200, {"711", "721"}, 200, 200),
        ("gf", 200, {"711", "721"}, 200, 200),
        ("lgf", 200, {"711"}, 200, 404),  # Bereich 72 is not the LGF's
        ("bl", 200, {"711"}, 200, 404),
        ("tl", 200, {"711"}, 200, 404),  # a TL of another unit: not there
        ("mitarbeiter", 403, set(), 403, 403),
        ("dsb", 403, set(), 403, 403),
        ("vorzimmer", 403, set(), 403, 403),
        ("controlling", 403, set(), 403, 403),
        ("admin", 403, set(), 403, 403),
    ],
)
def test_who_opens_the_ablage_and_what_they_see(
    org, cases, client, role, index, listed, folder_711, folder_721
):
    """R-A3: only the KRM-B, the Vertretung and the Führungskräfte; each only the cases
    whose documents they may open."""
    client.force_login(org[role])
    response = client.get("/ablage/?plan=II-6001&jahr=2026")
    assert response.status_code == index
    html = response.content.decode()
    shown = {unit for unit, case in cases.items() if case.aktenzeichen in html}
    assert shown == listed
    assert client.get(f"/ablage/faelle/{cases['711'].pk}/").status_code == folder_711
    assert client.get(f"/ablage/faelle/{cases['721'].pk}/").status_code == folder_721
    assert client.get(f"/ablage/faelle/{cases['721'].pk}/akte.pdf").status_code == folder_721


def test_the_index_reads_a_constant_number_of_queries(org, client):
    client.force_login(org["krmb"])
    for _ in range(2):
        case = make_case(org["krmb"], org_unit=org.t711)
        documents.upload(case, actor=org["krmb"], name="a.pdf", data=pdf_bytes("eins"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/ablage/?plan=II-6001&jahr=2026").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(4):
        case = make_case(org["krmb"], org_unit=org.t712)
        documents.upload(case, actor=org["krmb"], name="b.png", data=png_bytes())
    assert count() == few


def test_an_unknown_plan_number_is_a_404(org, client):
    client.force_login(org["krmb"])
    assert client.get("/ablage/?plan=II-9999").status_code == 404
    assert client.get("/ablage/?plan=II-6004&jahr=abc").status_code == 200


def test_the_dossier_holds_the_case_its_timeline_and_every_document(org, cases, client):
    case = cases["711"]
    krmb = org["krmb"]
    documents.upload(case, actor=krmb, name="brief.pdf", data=pdf_bytes("Seite eins", "zwei"))
    documents.upload(case, actor=krmb, name="foto.png", data=png_bytes())
    documents.upload(case, actor=krmb, name="notiz.docx", data=docx_bytes(), kind="vermerk")
    client.force_login(org["tl"])
    response = client.get(f"/ablage/faelle/{case.pk}/akte.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert declares_pdfa(pdf) == "3B"
    content = text(pdf)
    assert case.aktenzeichen in content and "Akte im Team 711" in content
    assert "hat die Kundenreaktion erfasst" in content  # the timeline
    assert "brief.pdf" in content and "foto.png" in content and "notiz.docx" in content
    assert "Dieser Dateityp wird nicht abgebildet" in content  # the DOCX: listed
    # Cover and timeline, then 2 PDF pages, 1 image page, 1 page for the DOCX's entry.
    assert page_count(pdf) >= 5
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert len(opened.attachments) == 3  # the originals, inside the PDF/A-3
    assert case.events.filter(type=EventType.CASE_EXPORTED, actor=org["tl"]).exists()


def test_the_hand_over_to_the_e_akte(org, cases, client):
    """R-A5: chosen documents with a metadata sheet, recorded in the timeline."""
    case = cases["711"]
    first = documents.upload(case, actor=org["krmb"], name="nachweis.pdf", data=pdf_bytes("x"))
    documents.upload(case, actor=org["krmb"], name="foto.png", data=png_bytes())
    url = f"/ablage/faelle/{case.pk}/e-akte/"
    client.force_login(org["tl"])
    assert client.post(url, {"dokument": [first.pk]}).status_code == 403
    client.force_login(org["krmb"])
    nothing = client.post(url, {})
    assert nothing.status_code == 302  # with a message: choose at least one
    response = client.post(url, {"dokument": [first.pk, 999999]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == [
            "01_nachweis.pdf",
            "metadaten.xml",
            "uebergabeblatt.pdf",
        ]
        metadata = archive.read("metadaten.xml").decode()
        assert case.aktenzeichen in metadata and first.sha256 in metadata
        assert archive.read("01_nachweis.pdf") == documents.read(first)
    first.refresh_from_db()
    assert first.handed_over_at is not None
    event = case.events.get(type=EventType.DOCUMENTS_HANDED_OVER)
    assert event.actor == org["krmb"]
    page = client.get(f"/faelle/{case.pk}/").content.decode()
    assert "Dokumente an die E-Akte übergeben" in page


def tiff_bomb() -> bytes:
    """A few KB that decompress to 200 million pixels (review finding)."""
    from PIL import Image

    image = Image.new("1", (20000, 10000), 1)
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", compression="group4")
    return buffer.getvalue()


def giant_page_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14400, 14400))  # 5 m × 5 m
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def test_a_hostile_scan_leaves_the_dossier_whole(org, cases, client):
    """An image that would decompress to absurd sizes is listed and attached, not shown; a
    page of any size is drawn at a bounded size."""
    from PIL import Image

    case = cases["711"]
    wide = io.BytesIO()
    Image.new("L", (3000, 1000), 255).save(wide, "PNG")
    documents.upload(case, actor=org["krmb"], name="panorama.png", data=wide.getvalue())
    documents.upload(case, actor=org["krmb"], name="bombe.tiff", data=tiff_bomb())
    documents.upload(case, actor=org["krmb"], name="riesig.pdf", data=giant_page_pdf())
    client.force_login(org["krmb"])
    response = client.get(f"/ablage/faelle/{case.pk}/akte.pdf")
    assert response.status_code == 200
    content = text(response.content)
    assert "Das Bild ließ sich nicht abbilden" in content
    with pikepdf.open(io.BytesIO(response.content)) as opened:
        sizes = [
            (int(image.Width), int(image.Height))
            for page in opened.pages
            for image in (page.images[name] for name in page.images)
        ]
    assert sizes and max(max(size) for size in sizes) <= 1654
