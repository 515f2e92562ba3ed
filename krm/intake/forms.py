"""Forms through which cases arrive: quick capture (every staff member); the full
registration is the case form of `krm.cases.forms`."""

from __future__ import annotations

from typing import Any

from django import forms

from krm.accounts.access import access_for
from krm.accounts.models import User
from krm.accounts.roles import Role
from krm.cases.forms import (
    BaseCaseForm,
    CaseForm,
    OrgUnitChoiceField,
    TopicsField,
    apply_service_errors,
    org_units,
    topics_of,
)
from krm.cases.kinds import QUICK_CAPTURE_CHANNELS, QUICK_CAPTURE_KINDS, Channel, Kind

__all__ = ["BaseCaseForm", "CaseForm", "QuickCaptureForm", "apply_service_errors"]


class QuickCaptureForm(BaseCaseForm):
    """R-W1.1: a reaction taken at the counter or on the phone, by any staff member."""

    KINDS = [(k.value, k.label) for k in QUICK_CAPTURE_KINDS]
    CHANNELS = [(c.value, c.label) for c in QUICK_CAPTURE_CHANNELS]
    customer_field_names = ("name", "phone", "email", "customer_number")

    kind = forms.ChoiceField(label="Art", choices=KINDS, initial=Kind.BESCHWERDE)
    channel = forms.ChoiceField(label="Eingangsweg", choices=CHANNELS, initial=Channel.PERSOENLICH)
    same_day_handled = forms.TypedChoiceField(
        label="Hat sich der Fachbereich heute bereits damit befasst?",
        required=False,
        coerce=lambda value: value == "ja",
        empty_value=None,
        choices=[("", "– nur im Vorzimmer gefragt –"), ("ja", "ja"), ("nein", "nein")],
        help_text="Nur für den Eingangsweg Vorzimmer GF: eine Beschwerde nimmt das Vorzimmer "
        "nur an, wenn sich der Fachbereich heute bereits damit befasst hat.",
    )
    field_order = ["kind", "channel", "same_day_handled", "org_unit", "subject", "text"]

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
