"""Forms of the case pages: worklist filters and the steps on a case."""

from __future__ import annotations

from typing import Any

from django import forms

from krm.accounts.models import OrgUnit
from krm.intake.forms import (
    DATETIME_FORMATS,
    CustomerFieldsMixin,
    DateTimeLocalInput,
    KeyChoiceField,
    OrgUnitChoiceField,
)

from . import privacy, workflow
from .deadlines import DeadlineState
from .kinds import Channel, Kind
from .models import Topic
from .selectors import STATUS_OPEN, CaseFilter
from .workflow import Status


def _blank(label: str, choices: Any) -> list[tuple[str, str]]:
    return [("", label), *choices]


class WorklistFilterForm(forms.Form):
    q = forms.CharField(
        label="Suche",
        required=False,
        max_length=200,
        help_text="Betreff, Inhalt, Name oder Aktenzeichen",
    )
    kind = forms.ChoiceField(label="Art", required=False, choices=_blank("alle", Kind.choices))
    channel = forms.ChoiceField(
        label="Eingangsweg", required=False, choices=_blank("alle", Channel.choices)
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        initial=STATUS_OPEN,
        choices=[(STATUS_OPEN, "offen"), ("", "alle"), *Status.choices],
    )
    deadline_state = forms.ChoiceField(
        label="Frist", required=False, choices=_blank("alle", DeadlineState.choices)
    )
    received_from = forms.DateField(
        label="Eingang ab", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label="Eingang bis", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    waiting_for_me = forms.BooleanField(label="wartet auf mich", required=False)
    escalation_level = forms.TypedChoiceField(
        label="Eskalationsstufe",
        required=False,
        coerce=int,
        empty_value=None,
        choices=_blank("alle", [("1", "1 (TL)"), ("2", "2 (BL)"), ("3", "3 (GF)")]),
    )
    urgent = forms.TypedChoiceField(
        label="Eilt",
        required=False,
        coerce=lambda v: v == "ja",
        empty_value=None,
        choices=_blank("alle", [("ja", "nur eilige"), ("nein", "nur nicht eilige")]),
    )

    def __init__(self, *args: Any, jobcenter_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"] = OrgUnitChoiceField(
            label="Einheit",
            required=False,
            empty_label="alle",
            queryset=OrgUnit.objects.filter(jobcenter_id=jobcenter_id).order_by("code"),
        )
        self.fields["topic"] = KeyChoiceField(
            label="Thema",
            required=False,
            empty_label="alle",
            queryset=Topic.objects.filter(jobcenter_id=jobcenter_id).order_by("code"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", "Das Ende liegt vor dem Beginn.")
        return data

    def to_filter(self, *, mine: bool) -> CaseFilter:
        if not self.is_bound:
            return CaseFilter(status=STATUS_OPEN, mine=mine)
        self.is_valid()
        data = self.cleaned_data  # the valid fields; an invalid one is reported, not applied
        return CaseFilter(
            kind=data.get("kind", ""),
            channel=data.get("channel", ""),
            status=data.get("status", ""),
            deadline_state=data.get("deadline_state", ""),
            org_unit=data.get("org_unit"),
            topic=data.get("topic"),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            q=data.get("q", ""),
            mine=mine,
            waiting_for_me=bool(data.get("waiting_for_me")),
            escalation_level=data.get("escalation_level"),
            urgent=data.get("urgent"),
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class KindCorrectionForm(VersionForm):
    kind = forms.ChoiceField(label="Neue Art", choices=Kind.choices)
    forwarding_recipient = forms.CharField(
        label="Weitergeleitet an (bei Fällen außerhalb des KRM)", max_length=200, required=False
    )
    note = forms.CharField(label="Begründung", max_length=300, required=False)


class StepForm(forms.Form):
    """The form of one step, built from its fields in workflow.py. It only turns what the
    browser sends into values; whether they are complete and allowed the service decides
    (the same check as for the API), and its messages land on these fields."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, transition: workflow.Transition, case: Any, *args: Any, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", transition.name)
        kwargs.setdefault("initial", {"version": case.version})
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.step_fields = workflow.fields_of(transition, case)
        for spec, choices in self.step_fields:
            self.fields[spec.name] = _form_field(spec, choices)
        if transition.confirm:
            self.fields["confirm"] = forms.BooleanField(
                label=f"Ja: {transition.confirm.rstrip('?')}.",
                required=True,
                error_messages={"required": "Bitte bestätigen Sie diesen Schritt."},
            )

    def step_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {spec.name: data.get(spec.name) for spec, _ in self.step_fields}


def _form_field(spec: workflow.Field, choices: list[tuple[str, str]] | None) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "help_text": spec.help}
    required = spec.required and spec.type != "boolean"
    if spec.type == "string":
        return forms.CharField(
            required=required, max_length=workflow.MAX_STRING, strip=False, **common
        )
    if spec.type == "text":
        return forms.CharField(
            required=required,
            max_length=workflow.MAX_TEXT,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            **common,
        )
    if spec.type == "boolean":
        return forms.BooleanField(required=False, **common)
    if spec.type == "integer":
        return forms.IntegerField(
            required=required, min_value=spec.minimum, max_value=spec.maximum, **common
        )
    if spec.type == "date":
        return forms.DateField(
            required=required, widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    if spec.type == "datetime":
        return forms.DateTimeField(
            required=required,
            input_formats=DATETIME_FORMATS,
            widget=DateTimeLocalInput(),
            **common,
        )
    if spec.type == "multiple_choice":
        return forms.MultipleChoiceField(
            required=required,
            choices=choices or [],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.ChoiceField(
        required=required, choices=_blank("bitte wählen", choices or []), **common
    )


class LinkForm(forms.Form):
    aktenzeichen = forms.CharField(label="Aktenzeichen des anderen Falls", max_length=40)
    note = forms.CharField(label="Bemerkung", max_length=300, required=False)


class RectifyForm(CustomerFieldsMixin, forms.Form):
    """Art. 16: the corrected values; the old ones disappear from the timeline."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label="Betreff", max_length=300)
    text = forms.CharField(label="Inhalt", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    reason = forms.CharField(
        label="Grund der Berichtigung",
        max_length=500,
        help_text="z. B. „Antrag der Kundin vom 02.12.2026: Name falsch geschrieben“",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_customer_fields()
        self.order_fields(["version", "subject", "text", *self.fields])  # reason last
        self.fields["reason"] = self.fields.pop("reason")

    def changes(self) -> dict:
        data = self.cleaned_data
        return {"subject": data["subject"], "text": data["text"], "customer": self.customer_data()}


class EraseForm(forms.Form):
    """Art. 17: which personal data are erased, from the case and its timeline."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    fields = forms.MultipleChoiceField(
        label="Zu löschende Daten",
        choices=list(privacy.ERASABLE.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label="Grund der Löschung",
        max_length=500,
        help_text="z. B. „Löschantrag nach Art. 17 DSGVO vom 02.12.2026“",
    )
    confirm = forms.BooleanField(
        label="Ich weiß: Die Löschung lässt sich nicht rückgängig machen.", required=True
    )


class DisclosureSearchForm(forms.Form):
    """Whose data: at least one of these (Art. 15 GDPR)."""

    name = forms.CharField(label="Name", required=False, max_length=200)
    email = forms.CharField(label="E-Mail", required=False, max_length=254)
    customer_number = forms.CharField(label="Kundennummer", required=False, max_length=50)
    aktenzeichen = forms.CharField(label="Aktenzeichen", required=False, max_length=40)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in self.fields):
            raise forms.ValidationError("Bitte mindestens eine Angabe zur Person machen.")
        return data
