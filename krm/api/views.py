"""REST API v1: thin views over the case services and selectors, with the UI's permissions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from krm.accounts.access import access_for
from krm.accounts.client_ip import client_ip
from krm.accounts.models import OrgUnit, User
from krm.audit.models import ReadEvent
from krm.audit.services import log_reads
from krm.cases import permissions, selectors, services, workflow
from krm.cases.deadlines import Clock
from krm.cases.models import Case, Topic

from .serializers import (
    CaseCreateSerializer,
    CaseListQuerySerializer,
    CaseSerializer,
    ConfidentialCaseSerializer,
    ErrorSerializer,
    StepRequestSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
    TransitionSerializer,
    represent_case,
)

ERRORS = {
    406: OpenApiResponse(ErrorSerializer, description="Nur application/json"),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Ungültige Eingabe, je Feld"),
    401: OpenApiResponse(ErrorSerializer, description="Kein oder ungültiger API-Schlüssel"),
    403: OpenApiResponse(ErrorSerializer, description="Keine Berechtigung"),
}


def CASE_OR_CONFIDENTIAL(many: bool | None = None) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="CaseOrConfidential",
        serializers=[CaseSerializer, ConfidentialCaseSerializer],
        resource_type_field_name=None,
        many=many,
    )


NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Nicht gefunden")}


class CasePagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict) -> dict:
        result = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):  # OpenAPI 3.1 knows no "nullable"
            result["properties"][link].pop("nullable", None)
            result["properties"][link]["type"] = ["string", "null"]
        return result


def _unit(jobcenter_id: int | None, code: str | None, field: str) -> OrgUnit | None:
    """The unit with this code (whether it still takes cases, the service decides)."""
    if not code:
        return None
    unit = OrgUnit.objects.filter(jobcenter_id=jobcenter_id, code=code).first()
    if unit is None:
        raise serializers.ValidationError({field: [f"Unbekannte Organisationseinheit „{code}“."]})
    return unit


def _topics(jobcenter_id: int | None, codes: list[str], field: str) -> list[Topic]:
    topics = Topic.objects.filter(jobcenter_id=jobcenter_id, code__in=codes)
    found = {t.code: t for t in topics}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(
            {field: [f"Unbekanntes Thema „{code}“." for code in unknown]}
        )
    return [found[code] for code in codes]


def _person(jobcenter_id: int | None, username: str | None, field: str) -> User | None:
    if not username:
        return None
    person = User.objects.filter(
        jobcenter_id=jobcenter_id, username=username, is_active=True
    ).first()
    if person is None:
        raise serializers.ValidationError({field: ["Unbekannte/r Mitarbeiter/in."]})
    return person


def _represent(request: Request, case: Case) -> dict:
    access = access_for(request.user)
    context = {
        "clock": Clock.for_jobcenter(case.jobcenter_id),
        "request": request,
        "visibility": permissions.visibility_for(access),
        "assigned": selectors.assigned_usernames([case.pk]),
    }
    return represent_case(case, context)


class CaseListCreateView(generics.GenericAPIView):
    pagination_class = CasePagination
    serializer_class = CaseSerializer

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        access = access_for(self.request.user)
        context["clock"] = Clock.for_jobcenter(access.jobcenter_id or 0)
        context["visibility"] = permissions.visibility_for(access)
        return context

    @extend_schema(
        summary="Fälle auflisten",
        description="Die Fälle, die der Benutzer sehen darf: eilige zuerst, dann nach Fälligkeit.",
        parameters=[CaseListQuerySerializer],
        responses={200: CASE_OR_CONFIDENTIAL(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        repeated = sorted(k for k, values in request.query_params.lists() if len(values) > 1)
        if repeated:
            raise serializers.ValidationError(
                {key: ["Bitte nur einen Wert angeben."] for key in repeated}
            )
        query = CaseListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        jobcenter_id = access_for(request.user).jobcenter_id
        context = self.get_serializer_context()
        filters = selectors.CaseFilter(
            kind=data.get("kind", ""),
            channel=data.get("channel", ""),
            status=data.get("status", ""),
            deadline_state=data.get("deadline_state", ""),
            org_unit=_unit(jobcenter_id, data.get("org_unit"), "org_unit"),
            topic=(
                _topics(jobcenter_id, [data["topic"]], "topic")[0] if data.get("topic") else None
            ),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            q=data.get("q", ""),
        )
        qs = selectors.with_list_data(
            selectors.case_list(user=request.user, filters=filters, clock=context["clock"])
        )
        page = self.paginate_queryset(qs)
        context["assigned"] = selectors.assigned_usernames(case.pk for case in page)
        log_reads(
            user=request.user,
            case_ids=[case.pk for case in page],
            via=ReadEvent.Via.API_LIST,
            address=client_ip(request),
        )
        return self.get_paginated_response([represent_case(case, context) for case in page])

    @extend_schema(
        summary="Fall registrieren",
        request=CaseCreateSerializer,
        responses={
            201: CASE_OR_CONFIDENTIAL(),
            **ERRORS,
            413: OpenApiResponse(ErrorSerializer, description="Anfrage zu groß"),
            415: OpenApiResponse(ErrorSerializer, description="Nur JSON (application/json)"),
        },
    )
    def post(self, request: Request) -> Response:
        if not permissions.can_register(request.user):
            self.permission_denied(request, message="Sie dürfen keine Fälle registrieren.")
        if request.data is None:  # a JSON null; DRF would answer in English
            raise serializers.ValidationError(
                {"non_field_errors": ["Es wurden keine Daten übermittelt (ein JSON-Objekt)."]}
            )
        incoming = CaseCreateSerializer(data=request.data)
        shape_ok = incoming.is_valid()
        errors: dict = {} if shape_ok else dict(incoming.errors)
        data = incoming.validated_data if shape_ok else {}
        raw = request.data if isinstance(request.data, dict) else {}
        # Report unknown codes together with the shape errors, not one round later.
        references: dict = {}
        for field, lookup, kind in (
            ("org_unit", _unit, str),
            ("topics", _topics, list),
            ("staff_concerned", _person, str),
        ):
            value = data.get(field) if shape_ok else raw.get(field)
            if field in errors or (value is not None and not isinstance(value, kind)):
                continue
            if kind is list and not all(isinstance(code, str) for code in value or ()):
                continue
            try:
                references[field] = lookup(
                    request.user.jobcenter_id,
                    value or ([] if kind is list else None),
                    field,
                )
            except serializers.ValidationError as exc:
                errors.update(exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        case = services.register_case(
            actor=request.user,
            kind=data["kind"],
            channel=data["channel"],
            subject=data["subject"],
            text=data["text"],
            received_at=data["received_at"],
            org_unit=references["org_unit"],
            topics=references["topics"],
            customer=data["customer"],
            staff_concerned=references["staff_concerned"],
            sender_type=data["sender_type"],
        )
        # Its creator reads the case, or sees only that it exists (a confidential kind about
        # themselves).
        case = selectors.with_list_data(Case.objects.all()).get(pk=case.pk)
        context = self.get_serializer_context()
        context["assigned"] = selectors.assigned_usernames([case.pk])
        body = represent_case(case, context)
        return Response(body, status=status.HTTP_201_CREATED)


class CaseDetailView(generics.GenericAPIView):
    serializer_class = CaseSerializer

    @extend_schema(
        summary="Einen Fall abrufen",
        responses={200: CASE_OR_CONFIDENTIAL(), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        case = permissions.get_case(
            request.user,
            pk,
            queryset=selectors.with_list_data(Case.objects.all()),
            existence_only_ok=True,
        )
        log_reads(
            user=request.user, case_ids=[case.pk], via=ReadEvent.Via.API, address=client_ip(request)
        )
        return Response(_represent(request, case))


@csrf_exempt  # API clients send no CSRF cookie: an unknown path is a JSON 404 for every method
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    return JsonResponse({"detail": "Nicht gefunden."}, status=404)


class SchemaView(SpectacularJSONAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


class CaseTransitionsView(generics.GenericAPIView):
    serializer_class = TransitionSerializer

    @extend_schema(
        summary="Mögliche Schritte",
        description="Die Schritte, die der Aufrufer jetzt nehmen darf, mit ihren Feldern; "
        "eine leere Liste, wenn es keine gibt.",
        responses={200: TransitionSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        case = permissions.get_case(request.user, pk, queryset=_step_queryset())
        access = access_for(request.user)
        return Response([workflow.describe(t, case) for t in workflow.available(case, access)])

    @extend_schema(
        summary="Einen Schritt nehmen",
        request=StepRequestSerializer,
        responses={
            200: CaseSerializer,
            **ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="Im Status des Falls nicht möglich, oder die Version ist veraltet "
                "(dann mit der aktuellen `version`)",
            ),
            413: OpenApiResponse(ErrorSerializer, description="Anfrage zu groß"),
            415: OpenApiResponse(ErrorSerializer, description="Nur JSON (application/json)"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        case = permissions.get_case(request.user, pk, queryset=_step_queryset())
        if request.data is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Es wurden keine Daten übermittelt (ein JSON-Objekt)."]}
            )
        incoming = StepRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.take_step(
            actor=request.user,
            case=case,
            name=data["name"],
            data=data["data"],
            expected_version=data["version"],
        )
        case = selectors.with_list_data(Case.objects.all()).get(pk=case.pk)
        return Response(_represent(request, case))


def _step_queryset() -> QuerySet[Case]:
    return Case.objects.select_related(
        "jobcenter", "org_unit", "bereich", "staff_concerned", "handler", "delegate"
    )


class TaskPagination(CasePagination):
    pass


class TaskListView(generics.GenericAPIView):
    pagination_class = TaskPagination
    serializer_class = TaskSerializer

    @extend_schema(
        summary="Meine Aufgaben",
        description="Die offenen Aufgaben des Aufrufers und derer, die er vertritt: "
        "überfällige zuerst, dann nach Fälligkeit.",
        parameters=[TaskListQuerySerializer],
        responses={200: TaskSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        repeated = sorted(k for k, values in request.query_params.lists() if len(values) > 1)
        if repeated:
            raise serializers.ValidationError(
                {key: ["Bitte nur einen Wert angeben."] for key in repeated}
            )
        query = TaskListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        access = access_for(request.user)
        page = self.paginate_queryset(selectors.my_tasks(user=request.user))
        log_reads(
            user=request.user,
            case_ids=sorted({task.case_id for task in page}),
            via=ReadEvent.Via.API_LIST,
            address=client_ip(request),
        )
        return self.get_paginated_response(
            [
                {
                    "case": {
                        "id": task.case.pk,
                        "aktenzeichen": task.case.aktenzeichen,
                        "subject": task.case.subject,
                        "kind": task.case.kind,
                        "urgent": task.case.urgent,
                    },
                    "step": task.step,
                    "label": task.label,
                    "assigned_to": task.who,
                    "as_deputy": selectors.held_as_deputy(task, access),
                    "since": task.created_at.isoformat(),
                    "due": task.due.isoformat() if task.due else None,
                }
                for task in page
            ]
        )
