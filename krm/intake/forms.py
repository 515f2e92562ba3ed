"""Forms through which cases arrive: quick capture and the full registration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from krm.accounts.access import access_for
from krm.accounts.models import OrgUnit, User
from krm.accounts.roles import Role
from krm.cases.kinds import DEFAULT_FORWARDING_RECIPIENT, QUICK_CAPTURE_KINDS, Channel, Kind
from krm.cases.models import MAX_TOPICS, Case, Customer, Topic
from krm.jobcenters.models import Jobcenter
from krm.lib.keys import is_key

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


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
    subject = forms.CharField(label="Betreff", max_length=300)
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


class QuickCaptureForm(BaseCaseForm):
    """R-W1.1: a reaction taken at the counter or on the phone, by any staff member."""

    KINDS = [(k.value, k.label) for k in QUICK_CAPTURE_KINDS]
    CHANNELS = [
        (c.value, c.label)
        for c in (
            Channel.PERSOENLICH,
            Channel.TELEFON,
            Channel.BRIEF,
            Channel.EMAIL,
            Channel.VORZIMMER,
        )
    ]
    customer_field_names = ("name", "phone", "email", "customer_number")

    kind = forms.ChoiceField(label="Art", choices=KINDS, initial=Kind.BESCHWERDE)
    channel = forms.ChoiceField(label="Eingangsweg", choices=CHANNELS, initial=Channel.PERSOENLICH)
    field_order = ["kind", "channel", "org_unit", "subject", "text"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, jobcenter=user.jobcenter, **kwargs)
        self.fields["org_unit"] = OrgUnitChoiceField(
            label="Zuständiges Team",
            queryset=org_units(self.jobcenter),
            initial=user.home_unit_id,
            help_text="Das Team, das sich um das Anliegen kümmern soll.",
        )
        self.fields["topics"] = TopicsField(
            label="Themen (höchstens 3)", queryset=topics_of(self.jobcenter), required=False
        )
        self.add_customer_fields()
        self.order_fields(self.field_order)
        if Role.VORZIMMER in access_for(user).roles:
            self.fields["channel"].initial = Channel.VORZIMMER


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
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = [
        "kind",
        "channel",
        "received_at",
        "subject",
        "text",
        "org_unit",
        "staff_concerned",
        "topics",
        "escalation_level",
    ]

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
            # The kind is corrected through its own step (new Aktenzeichen, R-K10).
            del self.fields["kind"]
            del self.fields["forwarding_recipient"]
        self.order_fields(self.field_order)
