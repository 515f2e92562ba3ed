"""Forms of cases: the case form (registration and the KRM-B's edit), worklist filters, the
steps on a case; and the form helpers the intake forms share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from krm.accounts.models import OrgUnit, User
from krm.jobcenters.models import Jobcenter
from krm.lib.keys import is_key

from . import privacy, workflow
from .deadlines import DeadlineState
from .kinds import DEFAULT_FORWARDING_RECIPIENT, Channel, Kind, SenderType
from .models import MAX_SUBJECT, MAX_TOPICS, Case, Customer, Topic
from .selectors import STATUS_OPEN, CaseFilter
from .workflow import Status

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    """A date picker: the browser takes only ISO dates in it (a German "01.12.2026" would
    show as empty, and a prefilled date would be lost)."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class KeyChoiceField(forms.ModelChoiceField):
    """A choice of a row by its id; anything but a plausible id is an invalid choice."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not is_key(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class OrgUnitChoiceField(KeyChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        indent = "\u2003" if obj.level == OrgUnit.Level.TEAM else ""
        return f"{indent}{obj.code} – {obj.name}"


class TopicsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value: Any) -> Any:
        for item in value:
            if not is_key(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(item)[:20]},
                )
        return super()._check_values(value)

    def clean(self, value: Any) -> Any:
        topics = super().clean(value)
        if topics is not None and len(topics) > MAX_TOPICS:
            raise ValidationError(f"Bitte höchstens {MAX_TOPICS} Themen angeben.")
        return topics


def org_units(jobcenter: Jobcenter, keep: Any = None) -> Any:
    """Active units, and `keep` (a case's current unit) even if it is no longer active."""
    active = Q(is_active=True) | Q(pk=keep.pk if keep else None)
    return OrgUnit.objects.filter(active, jobcenter=jobcenter).order_by("code")


def topics_of(jobcenter: Jobcenter, keep: Any = ()) -> Any:
    active = Q(is_active=True) | Q(pk__in=[t.pk for t in keep])
    return Topic.objects.filter(active, jobcenter=jobcenter).order_by("code")


class CustomerFieldsMixin:
    """The customer's fields, prefixed `customer_`; all optional (anonymous is allowed)."""

    def add_customer_fields(self) -> None:
        for name in self.customer_field_names:
            model_field = Customer._meta.get_field(name)
            field = model_field.formfield(required=False)
            field.error_messages.update(model_field.error_messages)
            # The customer's data, not the staff member's: no browser autofill.
            field.widget.attrs["autocomplete"] = "off"
            self.fields[f"customer_{name}"] = field

    customer_field_names: tuple[str, ...] = Customer.FIELDS

    def customer_data(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(f"customer_{name}", "") or ""
            for name in self.customer_field_names
        }


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put the service's field errors on the form's fields (customer.* on customer_*)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in getattr(error, "nested", error.message_dict).items():
        if field == "customer" and isinstance(messages, dict):
            for sub, sub_messages in messages.items():
                target = f"customer_{sub}"
                form.add_error(target if target in form.fields else None, sub_messages)
            continue
        form.add_error(field if field in form.fields else None, messages)


class BaseCaseForm(CustomerFieldsMixin, forms.Form):
    subject = forms.CharField(label="Betreff", max_length=MAX_SUBJECT)
    text = forms.CharField(label="Inhalt", widget=forms.Textarea(attrs={"rows": 6}), required=False)

    def __init__(self, *args: Any, jobcenter: Jobcenter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobcenter = jobcenter

    def registration(self) -> dict[str, Any]:
        """The cleaned data as arguments of services.register_case."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith("customer_") and name != "version"
        }
        return {**data, "customer": self.customer_data()}


# The case's own fields, in the order the case form shows them (the kind comes first).
CASE_FIELDS = (
    "channel",
    "received_at",
    "subject",
    "text",
    "org_unit",
    "staff_concerned",
    "topics",
    "escalation_level",
)


class CaseForm(BaseCaseForm):
    """The full registration and the edit form of the KRM-B."""

    kind = forms.ChoiceField(label="Art", choices=Kind.choices)
    channel = forms.ChoiceField(label="Eingangsweg", choices=Channel.choices)
    received_at = forms.DateTimeField(
        label="Eingang (Datum und Uhrzeit)",
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
        required=False,
        help_text="Leer: jetzt. Angaben ohne Zeitzone gelten als Berliner Zeit.",
    )
    escalation_level = forms.TypedChoiceField(
        label="Eskalationsstufe",
        coerce=int,
        initial=1,
        choices=[(1, "1 – Teamleitung"), (2, "2 – Bereichsleitung"), (3, "3 – Geschäftsführung")],
    )
    forwarding_recipient = forms.CharField(
        label="Weitergeleitet an (nur bei Fällen außerhalb des KRM)",
        max_length=200,
        required=False,
        help_text="; ".join(
            f"{Kind(k).label}: {v}" for k, v in DEFAULT_FORWARDING_RECIPIENT.items()
        ),
    )
    sender_type = forms.ChoiceField(
        label="Absender", choices=SenderType.choices, initial=SenderType.KUNDE, required=False
    )
    requires_gf = forms.BooleanField(
        label="der GF vorlegen (vorlagepflichtig)",
        required=False,
        help_text="Briefe, Petitionen und Eingaben gehen ohnehin zuerst an die GF.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = ["kind", *CASE_FIELDS]

    def clean_sender_type(self) -> str:
        return self.cleaned_data.get("sender_type") or SenderType.KUNDE

    def __init__(
        self, *args: Any, jobcenter: Jobcenter, case: Case | None = None, **kwargs: Any
    ) -> None:
        """Without `case` the registration form; with it, the edit form of that case, which
        keeps the case's values selectable even where they are no longer active."""
        super().__init__(*args, jobcenter=jobcenter, **kwargs)
        self.fields["org_unit"] = OrgUnitChoiceField(
            label="Betroffene Einheit (Bereich oder Team)",
            queryset=org_units(jobcenter, keep=case.org_unit if case else None),
            required=False,
        )
        staff = Q(is_active=True) | Q(pk=case.staff_concerned_id if case else None)
        self.fields["staff_concerned"] = KeyChoiceField(
            label="Betroffene/r Mitarbeiter/in",
            required=False,
            queryset=User.objects.filter(staff, jobcenter=jobcenter).order_by(
                "last_name", "first_name", "username"
            ),
        )
        self.fields["topics"] = TopicsField(
            label="Themen (höchstens 3)",
            queryset=topics_of(jobcenter, keep=case.topics.all() if case else ()),
            required=False,
        )
        self.add_customer_fields()
        if case is not None:
            # The kind is corrected through its own step (new Aktenzeichen, R-K10); the
            # route's flags are set when the case is registered.
            for name in ("kind", "forwarding_recipient", "sender_type", "requires_gf"):
                del self.fields[name]
        self.order_fields(self.field_order)


def _blank(label: str, choices: Any) -> list[tuple[str, str]]:
    return [("", label), *choices]


class WorklistFilterForm(forms.Form):
    q = forms.CharField(
        label="Suche",
        required=False,
        max_length=200,
        help_text="Betreff, Inhalt, Name, Aktenzeichen oder ein Wort aus den Dokumenten",
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
    received_from = forms.DateField(label="Eingang ab", required=False, widget=DateInput())
    received_to = forms.DateField(label="Eingang bis", required=False, widget=DateInput())
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
        self.step_fields = workflow.fields_of(transition, case)
        initial = {"version": case.version}
        for spec, _choices in self.step_fields:
            if spec.initial is not None:
                initial[spec.name] = spec.initial(case)
        kwargs.setdefault("prefix", transition.name)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.transition = transition
        for spec, choices in self.step_fields:
            self.fields[spec.name] = _form_field(spec, choices)
        if "draft" in self.fields:
            # While an answer is written, advice on how easy it is to read (R-Q5).
            self.fields["draft"].widget.attrs.update(
                {
                    "rows": 12,
                    "hx-post": reverse("letters:readability"),
                    "hx-trigger": "input changed delay:800ms",
                    "hx-target": f"#readability-{transition.name}",
                    "hx-vals": '{"level": "4"}',
                }
            )
        if transition.confirm:
            self.fields["confirm"] = forms.BooleanField(
                label=f"Ja: {transition.confirm.rstrip('?')}",
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
        return forms.DateField(required=required, widget=DateInput(), **common)
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
    aktenzeichen = forms.CharField(
        label="Anderer Fall",
        max_length=200,
        help_text="Aktenzeichen in jeder Schreibweise (z. B. 6001-2026-66 oder 00066/2026) "
        "oder Stichworte; passende Fälle erscheinen beim Tippen.",
    )
    note = forms.CharField(label="Bemerkung", max_length=300, required=False)

    def __init__(self, *args: Any, suggest_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if suggest_url:
            # htmx: the matching cases as the KRM-B types (a list of buttons that link).
            self.fields["aktenzeichen"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "hx-get": suggest_url,
                    "hx-trigger": "input changed delay:300ms, search",
                    "hx-target": "#link-suggestions",
                    "aria-controls": "link-suggestions",
                }
            )


class RectifyForm(CustomerFieldsMixin, forms.Form):
    """Art. 16: the corrected values; the old ones disappear from the timeline."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label="Betreff", max_length=MAX_SUBJECT)
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


# --- merging an edit made on an old version (issue 7) ----------------------------------------

MERGE_SALT = "krm.cases.edit-merge"
EDIT_FIELDS = (*CASE_FIELDS, *(f"customer_{name}" for name in Customer.FIELDS))


def edit_values(case: Case) -> dict[str, Any]:
    """The case's editable values as the edit form sends them (strings, topic ids sorted)."""
    customer = getattr(case, "customer", None)
    values: dict[str, Any] = {
        "channel": case.channel,
        "received_at": timezone.localtime(case.received_at).strftime("%Y-%m-%dT%H:%M"),
        "subject": case.subject,
        "text": case.text,
        "org_unit": str(case.org_unit_id or ""),
        "staff_concerned": str(case.staff_concerned_id or ""),
        "topics": sorted(str(t.pk) for t in case.topics.all()),
        "escalation_level": str(case.escalation_level),
    }
    for name in Customer.FIELDS:
        values[f"customer_{name}"] = getattr(customer, name) if customer else ""
    return values


def posted_values(data: Any) -> dict[str, Any]:
    """What the edit form sent, in the same shape as `edit_values`."""
    values = {name: (data.get(name) or "").strip() for name in EDIT_FIELDS if name != "topics"}
    values["topics"] = sorted(data.getlist("topics")) if hasattr(data, "getlist") else []
    return values


MERGE_MAX_AGE = 12 * 3600  # seconds: an edit page older than a working day is loaded anew


def merge_token(base: dict[str, Any], version: int, choose: Iterable[str] = ()) -> str:
    """What the user loaded, at which version, and the fields they must decide: signed into
    the form (the page shows the same values)."""
    state = {"base": base, "version": version, "choose": list(choose)}
    return signing.dumps(state, salt=MERGE_SALT, compress=True)


def read_merge_token(token: str | None, version: Any) -> dict[str, Any] | None:
    """The state the form was made with; None if absent, forged, stale or made for another
    version than the one sent (the save is then refused: nothing is overwritten blindly)."""
    if not token:
        return None
    try:
        state = signing.loads(token, salt=MERGE_SALT, max_age=MERGE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("base"), dict):
        return None
    return state if str(state.get("version")) == str(version) else None


def shown(form: forms.Form, name: str, value: Any) -> str:
    """A sent value as people read it (the label of a choice, dates as dates)."""
    field = form.fields.get(name)
    if value in ("", None, []):
        return "–"
    if name == "received_at":
        day, _, time = str(value).partition("T")
        parts = day.split("-")
        return f"{parts[2]}.{parts[1]}.{parts[0]} {time}" if len(parts) == 3 else str(value)
    if field is not None and hasattr(field, "choices"):
        labels = {str(getattr(k, "value", k)): str(v) for k, v in field.choices}
        if isinstance(value, list):
            return ", ".join(labels.get(v, v) for v in value)
        return labels.get(str(value), str(value))
    return str(value)


def put(data: Any, name: str, value: Any) -> None:
    """Set a value in a form's (mutable) data, a list as several values."""
    if isinstance(value, list):
        data.setlist(name, value)
    else:
        data[name] = value
