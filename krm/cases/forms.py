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

from . import privacy
from .deadlines import DeadlineState
from .kinds import Channel, Kind, Outcome
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
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class KindCorrectionForm(VersionForm):
    kind = forms.ChoiceField(label="Neue Art", choices=Kind.choices)
    forwarding_recipient = forms.CharField(
        label="Weitergeleitet an (bei Fällen außerhalb des KRM)", max_length=200, required=False
    )
    note = forms.CharField(label="Begründung", max_length=300, required=False)


class AcknowledgementForm(VersionForm):
    sent_at = forms.DateTimeField(
        label="Versandt am",
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
        required=False,
        help_text="Leer: jetzt",
    )


class CloseForm(VersionForm):
    outcome = forms.ChoiceField(label="Ergebnis", choices=_blank("bitte wählen", Outcome.choices))


class ReopenForm(VersionForm):
    reason = forms.CharField(label="Grund", max_length=300, required=False)


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
