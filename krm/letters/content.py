"""What goes into a letter: the values of the placeholders read from the case, the
recipient, the information block and who signs (R-W2.4, W2.7) — the same for the PDF and
the DOCX."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from krm.accounts.models import RoleAssignment, User
from krm.accounts.roles import Role
from krm.cases.kinds import Kind, Signer
from krm.cases.models import Case

from . import placeholders
from .models import SHEETS, Letterhead, LetterKind, LetterTemplate
from .versions import current_template

PETITION_KINDS = frozenset({Kind.PETITION, Kind.EINGABE})
_SALUTATION = re.compile(r"\s*(sehr geehrte|guten tag|hallo|liebe[rs]?\b)", re.IGNORECASE)
# Who signs, when it is not the Abverfügung's choice (R-W2.4: the KRM-B acknowledges).
KRMB_SIGNS = frozenset(
    {LetterKind.EINGANGSBESTAETIGUNG, LetterKind.ZWISCHENNACHRICHT, LetterKind.WEITERLEITUNG}
)


def german_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    with translation.override("de"):
        return date_format(value, "j. F Y")


@dataclass(frozen=True)
class Signature:
    name: str
    function: str
    im_auftrag: bool
    closing: str = "Mit freundlichen Grüßen"

    def as_line(self) -> str:
        prefix = "Im Auftrag " if self.im_auftrag else ""
        return f"{prefix}{self.name}, {self.function}".strip(", ")


@dataclass(frozen=True)
class Content:
    kind: str
    template: LetterTemplate
    title: str
    subject: str
    body: str  # plain text, paragraphs separated by blank lines
    recipient_lines: list[str]
    info: list[tuple[str, str]]
    signature: Signature | None
    letterhead: dict
    form: str
    aktenzeichen: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # sheets
    signatures: list[str] = field(default_factory=list)  # sheets: lines to sign

    @property
    def is_sheet(self) -> bool:
        return self.kind in SHEETS


def letterhead_of(case: Case) -> tuple[dict, str, str]:
    """(letterhead dict for the templates, form, closing)."""
    head = Letterhead.objects.filter(jobcenter_id=case.jobcenter_id).first()
    if head is None:
        name = case.jobcenter.name
        return (
            {
                "name": name,
                "lines": [],
                "logo_data_uri": None,
                "return_address": name,
                "office_hours": [],
                "contact": [],
                "bank": [],
            },
            "B",
            "Mit freundlichen Grüßen",
        )
    logo = None
    if head.logo:
        with head.logo.open("rb") as handle:
            data = handle.read()
        mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        logo = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    lines = lambda text: [line.strip() for line in text.splitlines() if line.strip()]  # noqa: E731
    return (
        {
            "name": head.name,
            "lines": lines(head.address),
            "logo_data_uri": logo,
            "return_address": head.return_address,
            "office_hours": lines(head.office_hours),
            "contact": lines(head.contact),
            "bank": lines(head.bank),
        },
        head.form,
        head.closing,
    )


def _holder(jobcenter_id: int, role: str, unit_id: int | None = None) -> User | None:
    assignments = RoleAssignment.objects.filter(
        role=role, user__jobcenter_id=jobcenter_id, user__is_active=True
    ).select_related("user")
    if unit_id is not None:
        assignments = assignments.filter(org_unit_id=unit_id)
    first = assignments.order_by("user_id").first()
    return first.user if first else None


def _function(role: str, unit_code: str = "") -> str:
    labels = {
        Role.KRMB: "Kundenreaktionsmanagement",
        Role.VERTRETUNG: "Kundenreaktionsmanagement",
        Role.GF: "Geschäftsführung",
        Role.BL: "Bereichsleitung",
        Role.TL: "Teamleitung",
    }
    return f"{labels.get(role, '')} {unit_code or ''}".strip()


def signature_for(case: Case, kind: str, actor: User, closing: str) -> Signature | None:
    """Who signs (R-W2.4, W2.7): the KRM-B acknowledges, writes the Zwischennachricht and
    forwards; the answer is signed as the Abverfügung orders (TL, BL or GF); the GF signs
    every Stellungnahme. Everyone but the GF signs "Im Auftrag"."""
    from krm.accounts.access import access_for

    if kind in SHEETS:
        return None
    if kind in KRMB_SIGNS:
        access = access_for(actor)
        if access.acts_as_krmb and actor.jobcenter_id == case.jobcenter_id:
            role = Role.KRMB if Role.KRMB in access.roles else Role.VERTRETUNG
            return Signature(str(actor), _function(role), True, closing)
        krmb = _holder(case.jobcenter_id, Role.KRMB)
        return Signature(str(krmb or ""), _function(Role.KRMB), True, closing)
    signer = Signer.GF if kind == LetterKind.STELLUNGNAHME else case.signer
    if case.kind in PETITION_KINDS:
        signer = Signer.GF  # petitions are always answered over the GF's signature (R-W5.3)
    if signer == Signer.GF:
        gf = _holder(case.jobcenter_id, Role.GF)
        return Signature(str(gf or ""), _function(Role.GF), False, closing)
    if signer == Signer.BL and case.bereich_id:
        bl = _holder(case.jobcenter_id, Role.BL, case.bereich_id)
        return Signature(str(bl or ""), _function(Role.BL, case.bereich.code), True, closing)
    if signer == Signer.TL and case.handler_id:
        return Signature(
            str(case.handler),
            _function(Role.TL, case.org_unit.code if case.org_unit_id else ""),
            True,
            closing,
        )
    # No Abverfügung on who signs: whoever writes it, with their function.
    roles = dict(
        RoleAssignment.objects.filter(user=actor)
        .select_related("org_unit")
        .values_list("role", "org_unit__code")
    )
    for role in (Role.GF, Role.BL, Role.TL, Role.KRMB, Role.VERTRETUNG):
        if role in roles:
            return Signature(str(actor), _function(role, roles[role]), role != Role.GF, closing)
    return Signature(str(actor), "", True, closing)


def values(case: Case, *, actor: User, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every placeholder's value for this case (empty where the case has none)."""
    customer = getattr(case, "customer", None)
    name = customer.name if customer else ""
    verfuegung = case.verfuegungen.order_by("-presented_at", "-id").first()
    forwarding = case.forwardings.order_by("-forwarded_at", "-id").first()
    contact = case.contact_person or (str(case.handler) if case.handler_id else "")
    result = {
        "jobcenter.name": case.jobcenter.name,
        "aktenzeichen": case.aktenzeichen,
        "heute": german_date(timezone.localdate()),
        "eingang.datum": german_date(case.received_on),
        "eingangsweg": case.get_channel_display(),
        "art": case.get_kind_display(),
        "betreff": case.subject,
        # A draft that greets the customer itself gets no second salutation.
        "kunde.anrede": ""
        if _SALUTATION.match(case.draft or "")
        else (f"Guten Tag {name}," if name else "Guten Tag,"),
        "kunde.name": name,
        "kunde.strasse": customer.street if customer else "",
        "kunde.plz": customer.postal_code if customer else "",
        "kunde.ort": customer.city if customer else "",
        "kunde.kundennummer": customer.customer_number if customer else "",
        "ansprechperson": contact,
        "einheit": str(case.org_unit) if case.org_unit_id else "",
        "frist.abschluss": german_date(case.completion_due),
        "entwurf": case.draft,
        "ergebnis.massnahme": case.measure,
        "anfragende_stelle": case.requester,
        "deren_zeichen": case.requester_reference,
        "deren_frist": german_date(case.requester_due),
        "weiterleitung.an": forwarding.recipient if forwarding else "",
        "weiterleitung.bemerkung": forwarding.note if forwarding else "",
        "vermerk.text": "",
        "vermerk.wie": "",
        "vermerk.am": "",
        "verfuegung.sachverhalt": verfuegung.summary if verfuegung else "",
        "verfuegung.vorschlag": verfuegung.proposal if verfuegung else "",
        "verfuegung.einheit": str(verfuegung.unit) if verfuegung and verfuegung.unit_id else "",
        "verfuegung.zeichnung": verfuegung.get_signer_display() if verfuegung else "",
        "verfuegung.frist": german_date(verfuegung.due) if verfuegung else "",
        "verfuegung.eingangsbestaetigung": (
            {True: "ja", False: "nein"}.get(verfuegung.acknowledgement, "") if verfuegung else ""
        ),
        "verfuegung.weitere": verfuegung.instruction if verfuegung else "",
        "verfasser.name": str(actor),
    }
    result.update(extra or {})
    return result


def compose(case: Case, kind: str, *, actor: User, extra: dict[str, str] | None = None) -> Content:
    template = current_template(case.jobcenter_id, kind)
    vals = values(case, actor=actor, extra=extra)
    subject = " ".join(placeholders.render(template.subject, vals).split())
    body = placeholders.render(template.body, vals).strip()
    head, form, closing = letterhead_of(case)
    customer = getattr(case, "customer", None)
    if kind == LetterKind.STELLUNGNAHME:
        recipient = [line for line in case.requester.splitlines() if line.strip()]
    elif customer is not None:
        recipient = [
            customer.name,
            customer.street,
            f"{customer.postal_code} {customer.city}".strip(),
        ]
    else:
        recipient = []
    recipient = [line for line in recipient if line][:6]
    label = LetterKind(kind).label
    info = [
        ("Ihr Zeichen", case.requester_reference if kind == LetterKind.STELLUNGNAHME else ""),
        ("Unser Zeichen", case.aktenzeichen),
        ("Ansprechperson", vals["ansprechperson"] if kind not in SHEETS else ""),
        ("Datum", vals["heute"]),
    ]
    fields: list[tuple[str, str]] = []
    signatures: list[str] = []
    if kind == LetterKind.VERFUEGUNGSBLATT:
        fields = [
            ("Aktenzeichen", case.aktenzeichen),
            ("Eingang", f"{vals['eingang.datum']} ({vals['eingangsweg']})"),
            ("Art", vals["art"]),
            ("Kundin / Kunde", vals["kunde.name"] or "anonym"),
            ("Betreff", case.subject),
            ("betroffene Einheit", vals["einheit"]),
            ("Eilt", "ja (Sofortsache)" if case.urgent else "nein"),
            ("Abverfügung: bearbeitet durch", vals["verfuegung.einheit"]),
            ("Abverfügung: zeichnet", vals["verfuegung.zeichnung"] or "☐ TL   ☐ BL   ☐ GF"),
            ("Abverfügung: Frist", vals["verfuegung.frist"]),
            (
                "Abverfügung: Eingangsbestätigung",
                vals["verfuegung.eingangsbestaetigung"] or "☐ ja   ☐ nein",
            ),
            ("weitere Verfügung", vals["verfuegung.weitere"]),
        ]
        signatures = ["Datum, Zeichen KRM-Beauftragte/r", "Datum, Abverfügung Geschäftsführung"]
    elif kind == LetterKind.VERMERK:
        fields = [("Aktenzeichen", case.aktenzeichen), ("Verfasst von", str(actor))]
        signatures = ["Datum, Unterschrift"]
    elif kind == LetterKind.VERZICHT:
        fields = [("Aktenzeichen", case.aktenzeichen), ("Anliegen", case.subject)]
        signatures = ["Ort, Datum, Unterschrift der Kundin / des Kunden", "Aufgenommen von"]
    return Content(
        kind=kind,
        template=template,
        title=f"{label} {case.aktenzeichen}",
        subject=subject,
        body=body,
        recipient_lines=recipient,
        info=info,
        signature=signature_for(case, kind, actor, closing),
        letterhead=head,
        form=form,
        aktenzeichen=case.aktenzeichen,
        fields=fields,
        signatures=signatures,
    )
