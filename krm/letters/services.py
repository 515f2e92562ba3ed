"""Writing letters: templates (versioned, checked on save), generating a letter of a case
as PDF/A or DOCX into its documents, recording it as sent; the steps of the route that need
a letter make it (`on_step`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from krm.accounts.access import access_for
from krm.accounts.models import User
from krm.accounts.roles import Role
from krm.audit.models import EventType
from krm.audit.services import record
from krm.cases.kinds import Kind
from krm.cases.models import Case
from krm.documents import permissions as document_permissions
from krm.documents import services as documents
from krm.documents.inspection import safe_filename
from krm.documents.models import Document, Origin

from . import content as letter_content
from . import placeholders, render
from .models import Letter, LetterKind, LetterTemplate
from .versions import ensure_templates

FORMATS = {"pdf": (render.PDF_TYPE, ".pdf"), "docx": (render.DOCX_TYPE, ".docx")}
MAX_SUBJECT = 300
MAX_BODY = 20_000


def may_edit_templates(user: User) -> bool:
    """The administrators and the KRM-B (who owns the KRM's wording) edit templates."""
    access = access_for(user)
    return access.jobcenter_id is not None and access.has(Role.ADMIN, Role.KRMB)


def template_problems(subject: str, body: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = ["Bitte geben Sie einen Betreff ein."]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [f"Der Betreff ist länger als {MAX_SUBJECT} Zeichen."]
    if not body.strip():
        errors["body"] = ["Bitte geben Sie einen Text ein."]
    elif len(body) > MAX_BODY:
        errors["body"] = [f"Der Text ist länger als {MAX_BODY} Zeichen."]
    for name, text in (("subject", subject), ("body", body)):
        if name not in errors:
            found = [str(p) for p in placeholders.problems(text)]
            if found:
                errors[name] = found
    return errors


def save_template(
    *, actor: User, kind: str, subject: str, body: str, note: str = "", based_on: int
) -> LetterTemplate:
    """A new version of the kind's template, if it is valid (ValidationError per field) and
    nobody saved another version meanwhile (`based_on`: the version the editor started
    from; ValidationError otherwise, nothing is overwritten)."""
    if not may_edit_templates(actor):
        raise PermissionDenied("Sie dürfen Vorlagen nicht bearbeiten.")
    if kind not in LetterKind.values:
        raise ValidationError({"kind": ["Unbekannte Art."]})
    errors = template_problems(subject, body)
    if errors:
        raise ValidationError(errors)
    jobcenter_id = actor.jobcenter_id
    ensure_templates(jobcenter_id)
    with transaction.atomic():
        latest = (
            LetterTemplate.objects.select_for_update()
            .filter(jobcenter_id=jobcenter_id, kind=kind)
            .order_by("-version")
            .first()
        )
        if latest.version != based_on:
            raise ValidationError(
                {
                    "__all__": [
                        f"Inzwischen hat jemand Version {latest.version} gespeichert. Ihre "
                        "Änderungen wurden nicht gespeichert; bitte übernehmen Sie sie in "
                        "die neue Version."
                    ]
                }
            )
        if latest.subject == subject and latest.body == body:
            return latest
        template = LetterTemplate.objects.create(
            jobcenter_id=jobcenter_id,
            kind=kind,
            version=latest.version + 1,
            subject=subject,
            body=body,
            note=note[:300],
            created_by=actor,
        )
        record(
            type=EventType.CONFIG_CHANGED,
            actor=actor,
            jobcenter_id=jobcenter_id,
            data={
                "objekt": "Vorlage",
                "art": template.get_kind_display(),
                "version": template.version,
            },
        )
    return template


def applicable(case: Case) -> list[str]:
    """The kinds of letter that make sense for this case (offered on its page)."""
    kinds = [LetterKind.VERMERK]
    if case.kind == Kind.MEINUNGSKARTE:
        return kinds
    kinds = [LetterKind.VERFUEGUNGSBLATT, *kinds]
    if case.kind in letter_content.PETITION_KINDS:
        kinds += [LetterKind.STELLUNGNAHME, LetterKind.VERZICHT]
    kinds += [
        LetterKind.EINGANGSBESTAETIGUNG,
        LetterKind.ZWISCHENNACHRICHT,
        LetterKind.ANTWORT,
        LetterKind.WEITERLEITUNG,
    ]
    return kinds


def generate(
    case: Case,
    kind: str,
    *,
    actor: User,
    fmt: str = "pdf",
    extra: dict[str, str] | None = None,
    check: bool = True,
    renew: Letter | None = None,
) -> Document:
    """Make a letter of this case from the current template into its documents; recorded
    in the timeline with the template version. `renew`: made again, as the next version of
    that letter (its data changed since)."""
    if check and not document_permissions.may_add(actor, case):
        raise PermissionDenied("Sie dürfen für diesen Fall keine Schreiben erstellen.")
    if kind not in LetterKind.values:
        raise ValidationError({"kind": ["Unbekannte Art des Schreibens."]})
    if fmt not in FORMATS:
        raise ValidationError({"format": ["Bitte wählen Sie PDF oder DOCX."]})
    content = letter_content.compose(case, kind, actor=actor, extra=extra)
    data = render.pdf(content) if fmt == "pdf" else render.docx(content)
    content_type, suffix = FORMATS[fmt]
    previous = (
        Document.objects.get(series=renew.series, is_current=True) if renew is not None else None
    )
    signed_as = content.signature.as_line() if content.signature else ""
    with transaction.atomic():
        document = documents.add(
            case,
            actor=actor,
            data=data,
            filename=safe_filename(
                f"{LetterKind(kind).label}_{case.aktenzeichen}".replace(" ", "_").replace("/", "-"),
                suffix,
            ),
            content_type=content_type,
            kind=kind,
            title=f"{LetterKind(kind).label} ({fmt.upper()})",
            origin=Origin.GENERATED,
            previous=previous,
            event_type=EventType.LETTER_CREATED,
            event_data={
                "vorlage": f"{content.template.get_kind_display()}, Version "
                f"{content.template.version}"
            },
        )
        if renew is not None:
            Letter.objects.filter(pk=renew.pk).update(
                template=content.template, signed_as=signed_as
            )
        else:
            Letter.objects.create(
                case=case,
                kind=kind,
                series=document.series,
                template=content.template,
                signed_as=signed_as,
                created_by=actor,
            )
    return document


def mark_sent(
    letter: Letter, *, actor: User, via: str = Letter.Via.POST, at: dt.datetime | None = None
) -> Letter:
    """The letter went out (its newest version), at `at` (default now): recorded once."""
    if via not in Letter.Via.values:
        raise ValidationError({"via": ["Unbekannter Versandweg."]})
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.sent_at is not None:
            return locked
        current = Document.objects.get(series=locked.series, is_current=True)
        locked.sent_at = at or timezone.now()
        locked.sent_via = via
        locked.sent_by = actor
        locked.sent_version = current.version
        locked.save(update_fields=["sent_at", "sent_via", "sent_by", "sent_version"])
        record(
            type=EventType.LETTER_SENT,
            actor=actor,
            case=locked.case,
            data={
                "dokument": locked.get_kind_display(),
                "version": current.version,
                "versandweg": locked.get_sent_via_display(),
                "dokument_id": current.pk,
            },
        )
    return locked


# --- the steps of the route that need a letter ------------------------------------------

# step → the letter it makes (if none of that kind exists yet) and whether taking the step
# means the letter went out.
STEP_LETTERS: dict[str, tuple[str, bool]] = {
    "gf_vorlegen": (LetterKind.VERFUEGUNGSBLATT, False),
    # The answer is made once the KRM-B passed the draft: the signer sees what they sign.
    "pruefung_bestanden": (LetterKind.ANTWORT, False),
    "eingangsbestaetigung": (LetterKind.EINGANGSBESTAETIGUNG, True),
    "zwischennachricht": (LetterKind.ZWISCHENNACHRICHT, True),
    "im_gespraech_erledigt": (LetterKind.VERMERK, False),
    "versenden": (LetterKind.ANTWORT, True),
}


def on_step(*, case: Case, step: str, actor: User, data: dict[str, Any], **kwargs: Any) -> None:
    """Make the letter a step needs (inside the step's transaction), and record the
    sending the step stands for."""
    if step not in STEP_LETTERS:
        return
    kind, sends = STEP_LETTERS[step]
    if kind == LetterKind.ANTWORT and case.kind in letter_content.PETITION_KINDS:
        kind = LetterKind.STELLUNGNAHME
    # The day the letter went out, as the step recorded it: its date and its sending.
    sent_at = _sent_at(data)
    extra: dict[str, str] | None = (
        {"heute": letter_content.german_date(timezone.localtime(sent_at).date())}
        if sends and sent_at is not None
        else None
    )
    if kind == LetterKind.VERMERK:
        from krm.cases.kinds import InformedVia

        extra = {
            **(extra or {}),
            "vermerk.text": str(data.get("vermerk") or ""),
            "vermerk.wie": str(dict(InformedVia.choices).get(data.get("how"), "")),
            "vermerk.am": letter_content.german_date(data.get("on")),
        }
    letter = Letter.objects.filter(case=case, kind=kind).order_by("-created_at", "-id").first()
    if letter is None or letter.sent_at is not None or kind == LetterKind.VERMERK:
        document = generate(case, kind, actor=actor, extra=extra, check=False)
        letter = Letter.objects.get(series=document.series)
    elif _untouched(letter):
        # Made by krm before the step and not edited since: made again with what the step
        # recorded (R-W2.4: the contact person named at the step), as its next version.
        generate(case, kind, actor=actor, extra=extra, check=False, renew=letter)
    # An edited letter (a version uploaded by a user) goes out as edited.
    if sends:
        via = Letter.Via.EMAIL if by_email(case) else Letter.Via.POST
        mark_sent(letter, actor=actor, via=via, at=sent_at)


def by_email(case: Case) -> bool:
    """A customer who wrote by e-mail (or the online form) is answered by e-mail (the mail
    app sends the letter); a petition's Stellungnahme goes to the requesting body."""
    from krm.cases.kinds import Channel

    if case.channel not in (Channel.EMAIL, Channel.ONLINE):
        return False
    if case.kind in letter_content.PETITION_KINDS:
        return False
    customer = getattr(case, "customer", None)
    if customer is None or not customer.email:
        return False
    try:
        validate_email(customer.email)
    except ValidationError:
        return False
    return "\n" not in customer.email and "\r" not in customer.email


def _sent_at(data: dict[str, Any]) -> dt.datetime | None:
    """When the step says the letter went out (a date means that day, now's time)."""
    value = data.get("sent_at") or data.get("sent_on") or data.get("on")
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        if value == timezone.localdate():
            return timezone.now()
        return dt.datetime.combine(value, dt.time(12, 0), tzinfo=timezone.get_current_timezone())
    return None


def _untouched(letter: Letter) -> bool:
    current = Document.objects.get(series=letter.series, is_current=True)
    return current.origin == Origin.GENERATED
