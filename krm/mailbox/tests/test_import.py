"""The import of a mail (R-W3.1): a case in the Posteingang, a reply joined to its case, a
duplicate, or the quarantine; nothing lost, nothing twice."""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from krm.cases.kinds import Channel, Kind
from krm.cases.models import Case, Task
from krm.cases.states import Status
from krm.documents.models import Document, DocumentKind, Origin
from krm.mail import services as mail_services
from krm.mail.models import OutboundMail
from krm.mailbox import services
from krm.mailbox.models import InboundMail, Outcome
from krm.testing.route import step

pytestmark = pytest.mark.django_db


def make_mail(
    subject: str = "Beschwerde über die Wartezeit",
    body: str = "Guten Tag,\nich warte seit Wochen auf meinen Bescheid.\nMaria Beispiel",
    sender: str = "Maria Beispiel <maria@example.net>",
    message_id: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    html: str = "",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "krm@pankow.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="example.net")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def _import(org: Any, raw: bytes, source: str = "Test") -> services.Result:
    return services.import_mail(raw, jobcenter=org.jobcenter, source=source)


def _pdf() -> bytes:
    import pikepdf

    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(out)
    return out.getvalue()


PDF = _pdf()


def test_a_new_mail_becomes_a_case_in_the_posteingang(org: Any) -> None:
    """R-W3.1: registered and stored: the case, its customer, the original and attachments."""
    raw = make_mail(attachments=[("Bescheid.pdf", PDF, "application/pdf")])
    result = _import(org, raw)
    assert result.outcome == "case"
    case = Case.objects.get(aktenzeichen=result.aktenzeichen)
    assert case.status == Status.POSTEINGANG and case.is_open
    assert case.channel == Channel.EMAIL
    assert case.captured_by is None
    assert case.subject == "Beschwerde über die Wartezeit"
    assert "seit Wochen" in case.text
    assert case.customer.name == "Maria Beispiel"
    assert case.customer.email == "maria@example.net"
    kinds = sorted(Document.objects.filter(case=case).values_list("kind", "origin"))
    assert kinds == [(DocumentKind.ANLAGE, Origin.RECEIVED), (DocumentKind.EMAIL, Origin.RECEIVED)]
    # The KRM-B has the task to complete it, and is told once per run (a poll, an upload).
    task = Task.objects.get(case=case, done_at__isnull=True)
    assert task.step == Status.POSTEINGANG and task.role == "krmb"
    assert not OutboundMail.objects.exists()
    second = _import(org, make_mail(subject="Noch eine"))
    services.announce(org.jobcenter, [result, second])
    [note] = OutboundMail.objects.all()
    assert note.to == [org["krmb"].email]
    assert note.subject == "krm: 2 neue E-Mails im Posteingang"
    assert case.aktenzeichen in note.body and second.aktenzeichen in note.body
    assert "Maria" not in note.body and "maria@" not in note.body
    assert result.line("a.eml") == f"a.eml\tcase {case.aktenzeichen}"


def test_the_same_message_is_not_registered_twice(org: Any) -> None:
    message_id = make_msgid(domain="example.net")
    first = _import(org, make_mail(message_id=message_id))
    again = _import(org, make_mail(message_id=message_id))  # same id, other bytes (Date)
    same_bytes = make_mail(subject="Anders", message_id=make_msgid(domain="example.net"))
    other = _import(org, same_bytes)
    repeated = _import(org, same_bytes)
    assert (again.outcome, again.aktenzeichen) == ("duplicate", first.aktenzeichen)
    assert (repeated.outcome, repeated.aktenzeichen) == ("duplicate", other.aktenzeichen)
    assert Case.objects.count() == 2
    assert InboundMail.objects.count() == 2


def test_a_reply_with_the_aktenzeichen_joins_its_case_and_its_holder_is_told(org: Any) -> None:
    case = Case.objects.get(aktenzeichen=_import(org, make_mail()).aktenzeichen)
    case = step(org["krmb"], case, "uebernehmen", kind=Kind.BESCHWERDE, org_unit="711")
    case = step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    case = step(org["krmb"], case, "an_bereich", org_unit="711")
    OutboundMail.objects.all().delete()
    number = case.aktenzeichen.lower().replace("-00", "-")  # any spelling of the number
    reply = make_mail(subject=f"AW: Ihre Nachricht [{number}]", body="Noch eine Frage.")
    result = _import(org, reply)
    assert (result.outcome, result.aktenzeichen) == ("joined", case.aktenzeichen)
    assert Case.objects.count() == 1
    assert InboundMail.objects.get(outcome=Outcome.JOINED).case_id == case.pk
    [told] = OutboundMail.objects.filter(case=case)
    assert told.to == [org["bl"].email]  # the BL holds the open task
    assert "Neue E-Mail zum Fall" in told.subject


def test_a_reply_to_krms_message_id_joins_without_an_aktenzeichen(org: Any) -> None:
    case = Case.objects.get(aktenzeichen=_import(org, make_mail()).aktenzeichen)
    sent = mail_services.queue(
        jobcenter=org.jobcenter,
        key="letter:1",
        to=["maria@example.net"],
        subject="Ihr Anliegen",
        body="…",
        case=case,
    )
    reply = make_mail(subject="Re: Ihr Anliegen", In_Reply_To=f"<{sent.message_id}>")
    result = _import(org, reply)
    assert (result.outcome, result.aktenzeichen) == ("joined", case.aktenzeichen)


def test_an_unknown_aktenzeichen_makes_a_new_case(org: Any) -> None:
    result = _import(org, make_mail(subject="Re: [II-6001-2020-99999] alt"))
    assert result.outcome == "case"


def test_what_cannot_be_read_is_quarantined_with_its_bytes(org: Any, client: Any) -> None:
    raw = b"\x00\x01\x02 this is no mail \xff" * 20
    result = _import(org, raw)
    assert result.outcome == "quarantined" and result.reason
    inbound = InboundMail.objects.get(outcome=Outcome.QUARANTINED)
    assert services.read_raw(inbound) == raw
    assert result.line("x.eml").startswith("x.eml\tquarantined ")
    client.force_login(org["krmb"])
    page = client.get(reverse("mailbox:quarantine")).content.decode()
    assert result.reason in page
    download = client.get(reverse("mailbox:raw", args=[inbound.pk]))
    assert download.content == raw
    assert download["Content-Type"] == "application/octet-stream"
    assert "attachment" in download["Content-Disposition"]
    # Tried again: still unreadable, still there.
    client.post(reverse("mailbox:retry", args=[inbound.pk]))
    assert InboundMail.objects.filter(outcome=Outcome.QUARANTINED).count() == 1
    # Taken over by hand: a case in the Posteingang.
    response = client.post(reverse("mailbox:register", args=[inbound.pk]))
    case = Case.objects.get()
    assert response.url == reverse("cases:detail", args=[case.pk])
    assert case.status == Status.POSTEINGANG
    inbound.refresh_from_db()
    assert inbound.outcome == Outcome.RELEASED and inbound.case_id == case.pk


def test_too_large_mail_is_quarantined(org: Any, settings: Any) -> None:
    settings.KRM_MAIL_MAX_MB = 1
    raw = make_mail(attachments=[("gross.pdf", PDF + b"0" * 1_200_000, "application/pdf")])
    assert _import(org, raw).outcome == "quarantined"


def test_a_dangerous_attachment_is_not_filed_and_the_case_says_so(org: Any) -> None:
    program = b"MZ\x90\x00" + b"\x00" * 200
    raw = make_mail(attachments=[("rechnung.pdf.exe", program, "application/octet-stream")])
    result = _import(org, raw)
    assert result.outcome == "case"
    inbound = InboundMail.objects.get()
    assert not Document.objects.filter(case=result.case, kind=DocumentKind.ANLAGE).exists()
    assert any("Anhang nicht übernommen" in note for note in inbound.notes)
    # The original (which carries the program) is kept aside, not as a document.
    assert not Document.objects.filter(case=result.case, kind=DocumentKind.EMAIL).exists()
    assert services.read_raw(inbound) == raw


def test_a_forwarded_mail_offers_the_original_sender_as_customer(org: Any) -> None:
    body = (
        "Zur Bearbeitung.\n\n"
        "-------- Weitergeleitete Nachricht --------\n"
        "Betreff: Beschwerde\n"
        "Datum: Mon, 30 Nov 2026 09:00:00 +0100\n"
        "Von: Karl Kunde <karl@example.org>\n"
        "An: gf@pankow.example\n\n"
        "Ich beschwere mich.\n"
    )
    raw = make_mail(subject="WG: Beschwerde", body=body, sender="GF <gf@pankow.example>")
    case = _import(org, raw).case
    assert case.customer.email == "karl@example.org"
    assert case.customer.name == "Karl Kunde"


def test_taking_in_completes_kind_unit_and_topics(org: Any) -> None:
    """R-W3.1, R-K10: the KRM-B names the kind (a new plan number means a new Aktenzeichen)."""
    from krm.jobcenters.models import Topic

    topic = Topic.objects.create(jobcenter=org.jobcenter, code="T1", label="Erreichbarkeit")
    case = _import(org, make_mail()).case
    old = case.aktenzeichen
    case = step(org["krmb"], case, "uebernehmen", kind=Kind.LOB, org_unit="711", topics=["T1"])
    assert case.status == Status.EINGEGANGEN
    assert case.kind == Kind.LOB
    assert case.org_unit == org.t711
    assert list(case.topics.all()) == [topic]
    assert case.aktenzeichen != old or case.plan_number == "II-6001"
    assert Case.objects.filter(aktenzeichen=case.aktenzeichen).count() == 1


def test_only_the_krmb_takes_in(org: Any) -> None:
    from django.core.exceptions import PermissionDenied

    case = _import(org, make_mail()).case
    for role in ("gf", "vertretung", "tl", "dsb"):  # the GF sees the case, but does not
        with pytest.raises(PermissionDenied):
            step(org[role], case, "uebernehmen", kind=Kind.BESCHWERDE)


def test_import_mail_command_prints_one_line_per_file(org: Any, tmp_path: Any) -> None:
    first = tmp_path / "eins.eml"
    first.write_bytes(make_mail())
    broken = tmp_path / "kaputt.eml"
    broken.write_bytes(b"\x00\xff" * 100)
    out = io.StringIO()
    call_command("import-mail", str(first), str(first), str(broken), stdout=out)
    lines = out.getvalue().splitlines()
    aktenzeichen = Case.objects.get().aktenzeichen
    assert lines[0] == f"{first}\tcase {aktenzeichen}"
    assert lines[1] == f"{first}\tduplicate {aktenzeichen}"
    assert lines[2].startswith(f"{broken}\tquarantined ")
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "import-mail", str(tmp_path / "fehlt.eml"), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert exit_.value.code == 1


def test_the_krmb_uploads_eml_files_and_others_may_not(org: Any, client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org["tl"])
    upload = SimpleUploadedFile("weitergeleitet.eml", make_mail(), "message/rfc822")
    assert client.post(reverse("mailbox:upload"), {"file": upload}).status_code == 403
    assert client.get(reverse("mailbox:index")).status_code == 403
    client.force_login(org["krmb"])
    upload = SimpleUploadedFile("weitergeleitet.eml", make_mail(), "message/rfc822")
    response = client.post(reverse("mailbox:upload"), {"file": upload}, follow=True)
    case = Case.objects.get()
    assert case.aktenzeichen in response.content.decode()
    index = client.get(reverse("mailbox:index")).content.decode()
    assert case.aktenzeichen in index


def test_html_mail_is_shown_sanitised_on_the_case_page(org: Any, client: Any) -> None:
    html = (
        '<p onclick="alert(1)">Hallo <b>Team</b></p><script>alert(2)</script>'
        '<img src="http://tracker.example/x.png"><a href="javascript:alert(3)">klick</a>'
        '<form action="http://evil.example"><input name="q"></form>'
    )
    case = _import(org, make_mail(html=html)).case
    client.force_login(org["krmb"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "<b>Team</b>" in page
    for bad in (
        "alert(1)",
        "alert(2)",
        "tracker.example",
        "javascript:",
        "evil.example",
        "<form action",
    ):
        assert bad not in page


def test_erasure_reaches_the_mails_of_a_case(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Art. 17 DSGVO: the mail's sender, subject, text, HTML and kept bytes go too."""
    from krm.cases import privacy

    program = b"MZ\x90\x00" + b"\x00" * 200
    raw = make_mail(
        html="<p>Maria Beispiel</p>",
        attachments=[("x.exe", program, "application/octet-stream")],
    )
    case = _import(org, raw).case
    inbound = InboundMail.objects.get(case=case)
    assert inbound.raw
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase(
            actor=org["krmb"],
            case=case,
            expected_version=Case.objects.get(pk=case.pk).version,
            fields={"customer", "subject", "text"},
            reason="Antrag der Kundin",
        )
    kept = inbound.raw
    inbound.refresh_from_db()
    assert (inbound.from_address, inbound.subject, inbound.text, inbound.html) == ("", "", "", "")
    assert inbound.raw == ""
    from krm.documents import blobs

    assert not blobs.storage().exists(kept)


def test_the_original_kept_aside_opens_for_who_may_open_the_documents(
    org: Any, client: Any
) -> None:
    program = b"MZ\x90\x00" + b"\x00" * 200
    raw = make_mail(attachments=[("x.exe", program, "application/octet-stream")])
    case = _import(org, raw).case
    case = step(org["krmb"], case, "uebernehmen", kind=Kind.BESCHWERDE, org_unit="711")
    inbound = InboundMail.objects.get(case=case)
    url = reverse("mailbox:raw", args=[inbound.pk])
    client.force_login(org["krmb"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert url in page and "Original herunterladen" in page
    response = client.get(url)
    assert response.content == raw
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    from krm.audit.models import ReadEvent

    assert ReadEvent.objects.filter(case_id=case.pk, user=org["krmb"]).exists()
    client.force_login(org["tl"])  # the TL of the unit opens the case's documents (R-A3)
    assert client.get(url).status_code == 200
    for role in ("controlling", "admin", "mitarbeiter"):
        client.force_login(org[role])
        assert client.get(url).status_code == 404, role


def test_a_forwarded_mail_brings_the_customers_own_text_into_the_case(org: Any) -> None:
    inner = make_mail(
        subject="Beschwerde",
        body="Mein Antrag liegt seit Wochen.",
        sender="Karl <karl@example.org>",
    )
    message = EmailMessage()
    message["From"] = "GF <gf@pankow.example>"
    message["To"] = "krm@pankow.example"
    message["Subject"] = "WG: Beschwerde"
    message["Message-ID"] = make_msgid(domain="pankow.example")
    message.set_content("Zur Bearbeitung.")
    from email import message_from_bytes

    message.add_attachment(message_from_bytes(inner))
    case = _import(org, message.as_bytes()).case
    assert "Zur Bearbeitung." in case.text
    assert "Mein Antrag liegt seit Wochen." in case.text
    assert case.customer.email == "karl@example.org"


def test_only_mail_files_are_read_as_mail(org: Any, client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org["krmb"])
    note = SimpleUploadedFile("notiz.txt", b"Bitte Frau Meier anrufen.", "text/plain")
    response = client.post(reverse("mailbox:upload"), {"file": note}, follow=True)
    assert "keine E-Mail-Datei" in response.content.decode()
    assert not Case.objects.exists() and not InboundMail.objects.exists()


def test_a_reply_from_a_stranger_is_joined_but_flagged(org: Any) -> None:
    case = _import(org, make_mail()).case
    forged = make_mail(
        subject=f"AW: [{case.aktenzeichen}] Ergänzung", sender="Mallory <mallory@evil.example>"
    )
    result = _import(org, forged)
    assert result.outcome == "joined"
    inbound = InboundMail.objects.get(outcome=Outcome.JOINED)
    assert any("nicht die beim Fall erfasste E-Mail-Adresse" in n for n in inbound.notes)
    genuine = make_mail(subject=f"AW: [{case.aktenzeichen}] Nachtrag", body="Noch etwas.")
    _import(org, genuine)
    latest = InboundMail.objects.filter(outcome=Outcome.JOINED).order_by("-pk").first()
    assert latest.notes == []
