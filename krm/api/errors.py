"""API errors: German messages (the JSON parser writes its own, krm/api/parsers.py); a
stale edit (version) is a 409."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from krm.cases.services import ConflictError, StepRefused
from krm.cases.workflow import StepDataError


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Nicht gefunden.")  # one answer, whatever was not found
    if isinstance(exc, ConflictError):
        body = {"detail": str(exc)}
        if exc.case is not None:
            body["version"] = exc.case.version
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StepRefused):  # not possible in the case's state
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StepDataError):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "nested"):
            detail = exc.nested
        elif hasattr(exc, "error_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
