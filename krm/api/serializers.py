"""API v1 input and output shapes. Input is checked for shape here; the domain rules are
the services' (their German errors come back per field)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from krm.cases.deadlines import DeadlineState
from krm.cases.kinds import Channel, Kind, Outcome, SenderType
from krm.cases.models import INVALID_EMAIL, MAX_SUBJECT, MAX_TOPICS, Case
from krm.cases.selectors import STATUS_OPEN
from krm.cases.workflow import FIELD_TYPES, STATES, Status
from krm.lib.workdays import BERLIN

UNKNOWN_FIELD = "Unbekanntes Feld."


# Refuses fields it does not know, instead of ignoring them (no docstring: it would become
# the English description of every request body in the schema).
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        errors = {}
        if isinstance(data, dict):
            errors = {name: [UNKNOWN_FIELD] for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if errors and isinstance(exc.detail, dict):
                exc.detail.update(errors)
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class CustomerSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, error_messages={"invalid": INVALID_EMAIL}
    )
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    customer_number = serializers.CharField(max_length=50, required=False, allow_blank=True)


class BerlinDateTimeField(serializers.DateTimeField):
    """ISO 8601; a time without an offset is Berlin time and must exist there."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if value.year < 1900:  # far outside any plausible receipt; time zones overflow here
            raise serializers.ValidationError("Das Datum liegt außerhalb des gültigen Bereichs.")
        if timezone.is_naive(value):
            berlin = value.replace(tzinfo=BERLIN)
            if berlin.astimezone(dt.UTC).astimezone(BERLIN).replace(tzinfo=None) != value:
                raise serializers.ValidationError(
                    "Diese Uhrzeit gibt es in Berlin wegen der Zeitumstellung nicht."
                )
        return super().enforce_timezone(value)


class CaseCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField(max_length=MAX_SUBJECT)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    received_at = BerlinDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="ISO 8601; ohne Zeitzone = Berliner Zeit; Standard: jetzt; nicht in der "
        "Zukunft und nicht vor dem 1. Januar vor Ablauf der Aufbewahrungsfrist (10 Jahre)",
    )
    org_unit = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="Kennung eines Bereichs (z. B. „71“) oder Teams (z. B. „711“)",
    )
    topics = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        max_length=MAX_TOPICS,
        help_text="bis zu drei Themen-Kennungen",
    )
    customer = CustomerSerializer(
        required=False, allow_null=True, default=None, help_text="fehlt oder null: anonym"
    )
    staff_concerned = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        max_length=150,
        help_text="Benutzername der betroffenen Person (Dienstaufsichtsbeschwerde)",
    )
    sender_type = serializers.ChoiceField(
        choices=SenderType.choices, required=False, default=SenderType.KUNDE
    )


class DeadlinesSerializer(serializers.Serializer):
    eingangsbestaetigung = serializers.DateField(allow_null=True)
    abschluss = serializers.DateField(allow_null=True)


class CustomerOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    customer_number = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    org_unit = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    deadline_state = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    staff_concerned = serializers.SerializerMethodField()
    current_step = serializers.SerializerMethodField()
    assigned_to = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "aktenzeichen",
            "kind",
            "channel",
            "status",
            "urgent",
            "received_at",
            "received_on",
            "subject",
            "text",
            "org_unit",
            "topics",
            "escalation_level",
            "staff_concerned",
            "current_step",
            "assigned_to",
            "customer",
            "acknowledged_at",
            "closed_at",
            "outcome",
            "version",
            "deadline_state",
            "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_org_unit(self, case: Case) -> str | None:
        return case.org_unit.code if case.org_unit_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_topics(self, case: Case) -> list[str]:
        return sorted(t.code for t in case.topics.all())

    @extend_schema_field(CustomerOutSerializer(allow_null=True))
    def get_customer(self, case: Case) -> dict | None:
        customer = getattr(case, "customer", None)
        return customer.as_dict() if customer else None

    @extend_schema_field(serializers.ChoiceField(choices=DeadlineState.choices, allow_null=True))
    def get_deadline_state(self, case: Case) -> str | None:
        return self.context["clock"].state(case.next_due)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_staff_concerned(self, case: Case) -> str | None:
        return case.staff_concerned.username if case.staff_concerned_id else None

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="was jetzt zu tun ist; null: nichts")
    )
    def get_current_step(self, case: Case) -> str | None:
        state = STATES.get(case.status)
        return state.todo_for(case) if state else None

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="Benutzernamen derer, die jetzt handeln"
        )
    )
    def get_assigned_to(self, case: Case) -> list[str]:
        return self.context["assigned"].get(case.pk, [])

    @extend_schema_field(DeadlinesSerializer)
    def get_deadlines(self, case: Case) -> dict:
        return {
            "eingangsbestaetigung": case.acknowledgement_due.isoformat()
            if case.acknowledgement_due
            else None,
            "abschluss": case.completion_due.isoformat() if case.completion_due else None,
        }


class ConfidentialCaseSerializer(StrictSerializer):
    """A Dienstaufsichts- or Datenschutzbeschwerde seen by whoever captured it: only that
    it exists."""

    id = serializers.IntegerField()
    aktenzeichen = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    received_on = serializers.DateField()
    confidential = serializers.BooleanField(
        help_text="immer true: Inhalt und Stand sehen nur die Zuständigen"
    )

    def to_representation(self, case: Case) -> dict:
        return {
            "id": case.pk,
            "aktenzeichen": case.aktenzeichen,
            "kind": case.kind,
            "received_on": case.received_on.isoformat(),
            "confidential": True,
        }


def represent_case(case: Case, context: dict) -> dict:
    """The full case, or only that it exists when the reader may not read its contents."""
    if context["visibility"].sees_contents(case):
        return CaseSerializer(case, context=context).data
    return ConfidentialCaseSerializer(case).data


class CaseListQuerySerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    status = serializers.ChoiceField(
        choices=[(STATUS_OPEN, "alle offenen"), *Status.choices], required=False
    )
    deadline_state = serializers.ChoiceField(choices=DeadlineState.choices, required=False)
    org_unit = serializers.CharField(
        required=False, help_text="ein Bereich schließt seine Teams ein"
    )
    topic = serializers.CharField(required=False)
    received_from = serializers.DateField(required=False)
    received_to = serializers.DateField(required=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Volltext über Betreff, Inhalt, Name; oder Aktenzeichen",
    )
    page = serializers.IntegerField(required=False)
    page_size = serializers.IntegerField(required=False)


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class StepFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=[(t, t) for t in FIELD_TYPES])
    required = serializers.BooleanField()
    help = serializers.CharField()
    choices = ChoiceSerializer(many=True, allow_null=True)


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    confirm = serializers.CharField(help_text="leer, oder die Rückfrage der Oberfläche")
    fields = StepFieldSerializer(many=True)


class StepRequestSerializer(StrictSerializer):
    name = serializers.CharField(max_length=50, help_text="ein Schritt aus GET …/transitions")
    data = serializers.DictField(required=False, default=dict)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class TaskCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    aktenzeichen = serializers.CharField()
    subject = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    urgent = serializers.BooleanField()


class TaskSerializer(serializers.Serializer):
    case = TaskCaseSerializer()
    step = serializers.CharField()
    label = serializers.CharField()
    assigned_to = serializers.CharField(help_text="wer die Aufgabe hat: Person oder Rolle")
    as_deputy = serializers.BooleanField()
    since = serializers.DateTimeField()
    due = serializers.DateField(allow_null=True)


class TaskListQuerySerializer(StrictSerializer):
    page = serializers.IntegerField(required=False)
    page_size = serializers.IntegerField(required=False)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class StrictSerializerSchema(OpenApiSerializerExtension):
    """The schema says what the API does: unknown fields are refused."""

    target_class = "krm.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema
