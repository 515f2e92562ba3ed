"""JSON request bodies, bounded: a body over KRM_API_MAX_BODY_BYTES is a 413 before it is
read in full, and a body too deeply nested to parse a 400, never a 500 (issue 6, finding 7)."""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

# JSON nested deeper than this is refused before parsing (no request of the API needs
# more than three levels).
MAX_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        limit = settings.KRM_API_MAX_BODY_BYTES
        super().__init__(f"Die Anfrage ist zu groß (höchstens {limit:,} Bytes).".replace(",", "."))


def _too_deep(text: str) -> bool:
    """Brackets nested deeper than MAX_DEPTH outside strings."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None):
        parser_context = parser_context or {}
        limit = settings.KRM_API_MAX_BODY_BYTES
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            if declared and int(declared) > limit:
                raise RequestTooLarge
        except ValueError:
            raise exceptions.ParseError("Ungültige Inhaltslänge.") from None
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError("Der Inhalt ist kein gültiges JSON.") from None
        if _too_deep(text):
            raise exceptions.ParseError("Der Inhalt ist zu tief verschachtelt.")
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
        except (ValueError, RecursionError):
            raise exceptions.ParseError("Der Inhalt ist kein gültiges JSON.") from None
        try:
            # "\ud800" is valid JSON but no character: nothing could store or show it.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "Der Inhalt enthält ungültige Zeichen (einzelne Ersatzzeichen)."
            ) from None
        return data


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range")  # 1e999 would be infinity
    return value
