"""API errors: German messages (the JSON parser writes its own, krm/api/parsers.py); a
stale edit (version) is a 409."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from krm.cases.services import ConflictError


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Nicht gefunden.")  # one answer, whatever was not found
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "nested"):
            detail = exc.nested
        elif hasattr(exc, "error_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
