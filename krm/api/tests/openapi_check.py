"""Checks API responses against the OpenAPI 3.1 document the API serves at /api/v1/openapi.json.

OpenAPI 3.1 component schemas are JSON Schema 2020-12, so a response body is validated with
`Draft202012Validator`; the whole document sits in a `referencing.Registry` so that
`#/components/schemas/...` references resolve. Schemas are looked up by path template,
method and status code, e.g. `contract.check(response, "/api/v1/cases/{id}")`.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.test import Client
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_URL = "/api/v1/openapi.json"
DOCUMENT_URI = "urn:krm:openapi"


def _pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) to `parts`, quoted for use in a URI fragment."""
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return quote("/" + "/".join(escaped), safe="/~")


class OpenApiContract:
    """The served OpenAPI document, answering "is this response what the schema promises?"."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(DOCUMENT_URI, resource)

    def component(self, name: str) -> dict[str, Any]:
        return self.document["components"]["schemas"][name]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """`schema`, or the component it references."""
        ref = schema.get("$ref", "")
        prefix = "#/components/schemas/"
        return self.component(ref.removeprefix(prefix)) if ref.startswith(prefix) else schema

    def operation(self, path: str, method: str) -> dict[str, Any]:
        paths = self.document["paths"]
        assert path in paths, f"schema has no path {path!r} (has {sorted(paths)})"
        operations = paths[path]
        assert method.lower() in operations, f"schema has no {method.upper()} {path}"
        return operations[method.lower()]

    def validator(self, path: str, method: str, status: int) -> Draft202012Validator:
        """A validator for the JSON body of `method path` answering `status`."""
        responses = self.operation(path, method)["responses"]
        assert str(status) in responses, (
            f"schema documents no {status} for {method.upper()} {path} "
            f"(documents {sorted(responses)})"
        )
        content = responses[str(status)].get("content", {})
        assert "application/json" in content, (
            f"schema documents no JSON body for {status} of {method.upper()} {path}"
        )
        pointer = _pointer(
            "paths",
            path,
            method.lower(),
            "responses",
            str(status),
            "content",
            "application/json",
            "schema",
        )
        return Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{pointer}"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def component_validator(self, name: str) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{_pointer('components', 'schemas', name)}"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def errors(self, body: Any, path: str, method: str, status: int) -> list[str]:
        return _messages(self.validator(path, method, status), body)

    def component_errors(self, body: Any, name: str) -> list[str]:
        return _messages(self.component_validator(name), body)

    def check(self, response: HttpResponse, path: str, method: str | None = None) -> Any:
        """Assert the response body matches the schema of `path` for the response's method
        and status code; returns the parsed body."""
        method = method or response.request["REQUEST_METHOD"]
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        body = response.json()
        problems = self.errors(body, path, method, response.status_code)
        assert not problems, (
            f"{method.upper()} {path} → {response.status_code} does not match the schema:\n"
            + "\n".join(problems)
        )
        return body


def _messages(validator: Draft202012Validator, body: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


@functools.cache
def served_document() -> dict[str, Any]:
    """The document as /api/v1/openapi.json serves it (fetched once; it needs no database)."""
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def served_contract() -> OpenApiContract:
    return OpenApiContract(served_document())
