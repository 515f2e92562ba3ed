"""Who is told what (R-W2.2, W2.5, W3.2): the mails the workflow's steps queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from krm.accounts.models import Absence
from krm.accounts.roles import Role
from krm.cases.kinds import Kind
from krm.mail import digest
from krm.mail.models import (
    Delivery,
    MailKind,
    NotificationKind,
    NotificationSetting,
    OutboundMail,
    PendingNotification,
)
from krm.testing.factories import UserFactory, make_case
from krm.testing.route import step

pytestmark = pytest.mark.django_db

CUSTOMER = {"name": "Maria Beispiel", "email": "maria@example.net", "street": "Hauptstr. 1"}


def _mails(to: str = "", **filters: Any) -> list[OutboundMail]:
    mails = OutboundMail.objects.filter(**filters).order_by("pk")
    return [m for m in mails if not to or to in m.to]


def _bl72(org: Any) -> Any:
    return UserFactory(username="bl72", jobcenter=org.jobcenter, roles=[(Role.BL, org.b72)])


def _email_case(org: Any, **extra: Any) -> Any:
    data = {"channel": "email", "customer": CUSTOMER}
    data.update(extra)
    return make_case(org["krmb"], **data)


def _to_bereich(org: Any, case: Any, unit: str) -> Any:
    case = step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    return step(org["krmb"], case, "an_bereich", org_unit=unit)


def test_abverfuegung_goes_to_the_bl_with_its_deadline_and_the_lgf_in_copy(org: Any) -> None:
    """R-W2.5, R-W3.1: to the BL with a deadline; the LGF in Cc for the LGF's Bereiche."""
    case = _email_case(org)
    case = _to_bereich(org, case, "711")
    [mail] = _mails(case=case, subject__contains="Abverfügung")
    assert mail.to == [org["bl"].email]
    assert mail.cc == [org["lgf"].email]
    assert mail.subject.startswith(f"[{case.aktenzeichen}] Abverfügung: ")
    assert (
        f"{case.handling_due:%d.%m.%Y}" in mail.subject
        or f"{case.step_due:%d.%m.%Y}" in mail.subject
    )
    assert f"/faelle/{case.pk}/" in mail.body


def test_no_lgf_copy_outside_the_lgfs_bereiche(org: Any) -> None:
    bl72 = _bl72(org)
    case = _email_case(org)
    _to_bereich(org, case, "721")
    mails = _mails(case=case, subject__contains="Abverfügung")
    assert len(mails) == 1
    assert mails[0].to == [bl72.email]
    assert mails[0].cc == []
    assert org["lgf"].email not in mails[0].to


def test_a_letter_goes_to_the_gf_and_the_bl_is_informed_in_copy(org: Any) -> None:
    """R-W2.2, R-W2.3: the Verfügungsblatt to the GF; the BL informed with a link."""
    case = make_case(org["krmb"], channel="brief")
    step(org["krmb"], case, "gf_vorlegen", summary="S", proposal="P", org_unit="711")
    [mail] = _mails(case=case, subject__contains="Vorlage an die GF")
    assert mail.to == [org["gf"].email]
    assert mail.cc == [org["bl"].email]
    assert "Zur Kenntnis" in mail.body


def test_staff_mails_carry_no_customer_data(org: Any) -> None:
    case = _email_case(org, text="Ich, Maria Beispiel, wohne in der Hauptstr. 1.")
    _to_bereich(org, case, "711")
    for mail in _mails(case=case, kind=MailKind.NOTIFICATION):
        text = mail.subject + mail.body
        assert "Maria" not in text and "maria@example.net" not in text
        assert "Hauptstr" not in text
        assert case.aktenzeichen in text


def test_the_actor_is_not_told_of_their_own_step(org: Any) -> None:
    case = _email_case(org)
    recipients = {a for m in _mails(case=case) for a in [*m.to, *m.cc]}
    assert org["krmb"].email not in recipients


def test_a_deputy_is_told_while_the_holder_is_absent(org: Any) -> None:
    """R-O-4: the BL is away; their named deputy gets the Abverfügung."""
    deputy = UserFactory(
        username="bl-vertretung", jobcenter=org.jobcenter, roles=[(Role.TL, org.t712)]
    )
    today = timezone.localdate()
    Absence.objects.create(user=org["bl"], start=today, end=today, deputy=deputy)
    case = _email_case(org)
    _to_bereich(org, case, "711")
    [mail] = _mails(case=case, subject__contains="Abverfügung")
    assert mail.to == [deputy.email]


def test_the_person_a_dab_is_about_is_never_told(org: Any) -> None:
    case = make_case(
        org["krmb"],
        kind=Kind.DIENSTAUFSICHTSBESCHWERDE,
        channel="email",
        staff_concerned=org["bl"],
        org_unit=org.b71,
    )
    step(org["krmb"], case, "an_fuehrungskraft", handler=org["gf"].username)
    recipients = {a for m in _mails(case=case) for a in [*m.to, *m.cc]}
    assert org["bl"].email not in recipients


def test_a_task_for_the_role_of_the_person_a_dab_is_about_does_not_reach_them(org: Any) -> None:
    """R-K7, defence in depth: even a task for their role (BL 71) does not tell them."""
    from krm.cases.models import Task
    from krm.mail.notifications import on_tasks_created

    case = make_case(
        org["krmb"],
        kind=Kind.DIENSTAUFSICHTSBESCHWERDE,
        channel="email",
        staff_concerned=org["bl"],
        org_unit=org.b71,
    )
    OutboundMail.objects.all().delete()
    task = Task.objects.create(
        case=case,
        jobcenter=org.jobcenter,
        step="bei_bl",
        label="Teamleitung zuweisen",
        role=Role.BL,
        unit=org.b71,
        who="BL 71",
        created_at=timezone.now(),
    )
    on_tasks_created(case=case, tasks=[task], actor=None)
    recipients = {a for m in _mails() for a in [*m.to, *m.cc]}
    assert org["bl"].email not in recipients


def test_who_chose_the_digest_gets_the_line_there_once(org: Any) -> None:
    bl72 = _bl72(org)
    NotificationSetting.objects.create(
        user=bl72, kind=NotificationKind.AUFGABE, delivery=Delivery.DIGEST
    )
    case = _email_case(org)
    _to_bereich(org, case, "721")  # no LGF copy: nobody at once
    assert not _mails(case=case, subject__contains="Abverfügung")
    assert PendingNotification.objects.filter(user=bl72, case=case).count() == 1
    day = _next_workday(org)
    assert digest.send_digests(day) >= 1
    [mail] = _mails(kind=MailKind.DIGEST, to=bl72.email)
    assert case.aktenzeichen in mail.body
    assert not PendingNotification.objects.filter(user=bl72).exists()
    assert digest.send_digests(day) == 0  # run twice on a day: nothing new


def test_the_digest_lists_overdue_tasks_to_their_holder_and_the_krmb(org: Any) -> None:
    case = _email_case(org)
    case = _to_bereich(org, case, "711")
    day = _next_workday(org, after=case.step_due + dt.timedelta(days=3))
    digest.send_digests(day)
    bl_mail = _mails(kind=MailKind.DIGEST, to=org["bl"].email)
    krmb_mail = _mails(kind=MailKind.DIGEST, to=org["krmb"].email)
    assert len(bl_mail) == 1 and len(krmb_mail) == 1
    assert "Überfällig" in bl_mail[0].body and case.aktenzeichen in bl_mail[0].body
    assert case.aktenzeichen in krmb_mail[0].body
    tl_mail = _mails(kind=MailKind.DIGEST, to=org["tl"].email)
    assert not tl_mail  # nothing of theirs is due


def test_no_digest_on_a_holiday(org: Any) -> None:
    _email_case(org)
    assert digest.send_digests(dt.date(2026, 12, 25)) == 0


def _next_workday(org: Any, after: dt.date | None = None) -> dt.date:
    calendar = org.jobcenter.workday_calendar()
    day = after or timezone.localdate()
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def test_a_customer_who_wrote_by_email_gets_the_letter_by_email(org: Any) -> None:
    """Letters go out by e-mail, the PDF attached, from the KRM mailbox, filed as sent."""
    from krm.letters.models import Letter, LetterKind

    org.jobcenter.mail_address = "krm@pankow.example"
    org.jobcenter.save()
    case = _email_case(org)
    step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    [mail] = _mails(case=case, kind=MailKind.LETTER)
    assert mail.to == ["maria@example.net"]
    assert "krm@pankow.example" in mail.from_address
    assert mail.subject.startswith(f"[{case.aktenzeichen}] ")
    [attachment] = mail.attachments.all()
    assert attachment.content_type == "application/pdf"
    letter = Letter.objects.get(case=case, kind=LetterKind.EINGANGSBESTAETIGUNG)
    assert letter.sent_via == Letter.Via.EMAIL and letter.sent_at is not None
    assert mail.letter_id == letter.pk


def test_a_customer_who_wrote_a_letter_gets_paper(org: Any) -> None:
    from krm.letters.models import Letter

    case = make_case(org["krmb"], channel="brief", customer=CUSTOMER)
    step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    assert not _mails(case=case, kind=MailKind.LETTER)
    assert Letter.objects.get(case=case).sent_via == Letter.Via.POST


def test_the_krmbs_digest_leaves_out_a_dab_about_them(org: Any) -> None:
    """R-K7: the whole Jobcenter's list, but never a DAB about the reader."""
    case = make_case(
        org["krmb"],
        kind=Kind.DIENSTAUFSICHTSBESCHWERDE,
        channel="email",
        staff_concerned=org["krmb"],
    )
    other = _email_case(org)
    day = _next_workday(org, after=max(case.step_due, other.step_due) + dt.timedelta(days=3))
    digest.send_digests(day)
    [mail] = _mails(kind=MailKind.DIGEST, to=org["krmb"].email)
    assert other.aktenzeichen in mail.body
    assert case.aktenzeichen not in mail.body


def test_administrators_see_no_letters_to_customers_in_the_postausgang(
    org: Any, client: Any
) -> None:
    from django.urls import reverse

    org.jobcenter.mail_address = "krm@pankow.example"
    org.jobcenter.save()
    case = _email_case(org)
    step(org["krmb"], case, "eingangsbestaetigung", contact_person="Frau Muster")
    [letter] = _mails(case=case, kind=MailKind.LETTER)
    client.force_login(org["admin"])
    page = client.get(reverse("mail:outbox")).content.decode()
    assert "maria@example.net" not in page and letter.subject not in page
    assert client.post(reverse("mail:resend", args=[letter.pk])).status_code == 404
    client.force_login(org["krmb"])
    assert "maria@example.net" in client.get(reverse("mail:outbox")).content.decode()
