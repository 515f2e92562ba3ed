"""REST API v1: the documents and letters of a case (issue 8), under the same rules as the
screens: a case the caller may not see is a 404, a document they may not open a 403 (R-A3)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from krm.cases import permissions as case_permissions
from krm.documents import permissions, services
from krm.documents.forms import UPLOAD_KINDS
from krm.documents.inspection import FileRefused
from krm.documents.models import Document, DocumentKind
from krm.documents.views import file_response, log_document_read
from krm.letters import services as letters
from krm.letters.models import LetterKind

from .serializers import ErrorSerializer, StrictSerializer

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Ungültige Eingabe, je Feld"),
    401: OpenApiResponse(ErrorSerializer, description="Kein oder ungültiger API-Schlüssel"),
    403: OpenApiResponse(ErrorSerializer, description="Keine Berechtigung"),
    404: OpenApiResponse(ErrorSerializer, description="Nicht gefunden"),
}


class DocumentSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "title",
            "filename",
            "content_type",
            "size",
            "sha256",
            "version",
            "created_at",
            "created_by",
        ]

    def get_created_by(self, document: Document) -> str | None:
        return document.created_by.username if document.created_by_id else None


class UploadSerializer(StrictSerializer):
    file = serializers.FileField(
        error_messages={
            "required": "Bitte senden Sie eine Datei im Feld „file“.",
            "empty": "Die Datei ist leer.",
            "invalid": "Im Feld „file“ wurde keine Datei übertragen.",
        }
    )
    kind = serializers.ChoiceField(
        choices=UPLOAD_KINDS, required=False, default=DocumentKind.EINGANG
    )
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class LetterRequestSerializer(StrictSerializer):
    kind = serializers.ChoiceField(
        choices=LetterKind.choices,
        error_messages={"invalid_choice": "Unbekannte Art des Schreibens: „{input}“."},
    )
    format = serializers.ChoiceField(
        choices=[("pdf", "PDF/A"), ("docx", "DOCX")],
        default="pdf",
        error_messages={"invalid_choice": "Format „{input}“ gibt es nicht (pdf oder docx)."},
    )


def _case_with_documents(request: Request, pk: int):
    case = case_permissions.get_case(request.user, pk)
    if not permissions.may_open(request.user, case):
        raise PermissionDenied("Sie dürfen die Dokumente dieses Falls nicht öffnen.")
    return case


def _documents(case_id: int) -> QuerySet[Document]:
    return Document.objects.filter(case_id=case_id).select_related("created_by")


class CaseDocumentsView(generics.GenericAPIView):
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Dokumente eines Falls",
        description="Alle Dokumente mit allen Versionen, älteste zuerst.",
        responses={200: DocumentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        case = _case_with_documents(request, pk)
        documents = _documents(case.pk).order_by("created_at", "id")
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(
        summary="Ein Dokument hochladen",
        description=f"multipart/form-data, Feld `file` (höchstens "
        f"{settings.KRM_MAX_UPLOAD_BYTES // (1024 * 1024)} MB); der Dateityp wird am Inhalt "
        "erkannt. Abgelehnte Dateien: 400 mit dem Grund, nichts wird gespeichert.",
        request={"multipart/form-data": UploadSerializer},
        responses={201: DocumentSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case_with_documents(request, pk)
        if not permissions.may_add(request.user, case):
            raise PermissionDenied("Sie dürfen diesem Fall keine Dokumente hinzufügen.")
        data = request.data  # parsed here: the upload handler notes a file past the limit
        too_large = getattr(request._request, "upload_too_large", None)
        if too_large is not None:
            raise serializers.ValidationError({"file": [services.too_large(too_large)]})
        incoming = UploadSerializer(data=data)
        incoming.is_valid(raise_exception=True)
        try:
            document = services.upload_file(
                case,
                actor=request.user,
                file=incoming.validated_data["file"],
                kind=incoming.validated_data["kind"],
                title=incoming.validated_data["title"],
            )
        except FileRefused as refused:
            raise serializers.ValidationError({"file": [refused.message]}) from None
        document = _documents(case.pk).get(pk=document.pk)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class CaseLettersView(generics.GenericAPIView):
    serializer_class = DocumentSerializer

    @extend_schema(
        summary="Ein Schreiben erstellen",
        description="Erstellt das Schreiben aus der aktuellen Vorlage und legt es als Dokument "
        "im Fall ab (PDF/A oder DOCX).",
        request=LetterRequestSerializer,
        responses={201: DocumentSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case_with_documents(request, pk)
        if not permissions.may_add(request.user, case):
            raise PermissionDenied("Sie dürfen für diesen Fall keine Schreiben erstellen.")
        if request.data is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Es wurden keine Daten übermittelt (ein JSON-Objekt)."]}
            )
        incoming = LetterRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if incoming.validated_data["kind"] not in letters.applicable(case):
            raise serializers.ValidationError(
                {"kind": [f"Dieses Schreiben gibt es für eine {case.get_kind_display()} nicht."]}
            )
        document = letters.generate(
            case,
            incoming.validated_data["kind"],
            actor=request.user,
            fmt=incoming.validated_data["format"],
        )
        document = _documents(case.pk).get(pk=document.pk)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentContentView(generics.GenericAPIView):
    """The file's own bytes whatever the client accepts; its errors always in JSON."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        return renderers.JSONRenderer(), "application/json"

    @extend_schema(
        summary="Inhalt eines Dokuments",
        responses={(200, "*/*"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, pk: int):
        document = permissions.get_document(request.user, pk)
        data = services.read(document)
        log_document_read(request, document)
        return file_response(data, filename=document.filename, content_type=document.content_type)
