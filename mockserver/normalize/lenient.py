"""Lenient where it is harmless: small violations users and other mocks shrug at, repaired with
one warning each instead of refusing the document.

Tried as a new user would with a dozen tiny hand-written documents, more than half were refused
for a response without a `description`, a parameter without a `schema`, a path parameter without
`required: true`, or a stray key. Each has one obvious reading, so the document is repaired the
way its author meant it, and the warning says where. What cannot be served stays an error.
"""

from __future__ import annotations

from typing import Any

from mockserver.base import pointer
from mockserver.base.httpfacts import HTTP_METHODS

# The fields OpenAPI 3.0 allows on each object; anything else but `x-` extensions is a stray key.
_OPERATION_KEYS = {"tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody",
                   "responses", "callbacks", "deprecated", "security", "servers"}
_PATH_ITEM_KEYS = {"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}
_PARAMETER_KEYS = {"name", "in", "description", "required", "deprecated", "allowEmptyValue", "style", "explode",
                   "allowReserved", "schema", "example", "examples", "content", "$ref"}
_RESPONSE_KEYS = {"description", "headers", "content", "links", "$ref"}


def repair(doc: dict[str, Any], source: str, warnings: list[str]) -> None:
    """Repair, in place, what has one obvious reading; warn once per repair."""
    def warn(where: str, what: str) -> None:
        warnings.append(f"{source}: {where}: {what}")

    if not isinstance(doc.get("paths"), dict):
        doc["paths"] = {}
        warn("#/paths", "missing; the document serves no operation")
    for path, item in doc["paths"].items():
        if not isinstance(item, dict):
            continue
        here = pointer.join(pointer.ROOT, "paths", path)
        _drop_strays(item, _PATH_ITEM_KEYS, here, warn)
        _repair_parameters(item.get("parameters"), pointer.join(here, "parameters"), warn)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            at = pointer.join(here, method)
            _drop_strays(operation, _OPERATION_KEYS, at, warn)
            _repair_parameters(operation.get("parameters"), pointer.join(at, "parameters"), warn)
            responses = operation.get("responses")
            if not isinstance(responses, dict) or not responses:
                operation["responses"] = {"default": {"description": ""}}
                warn(at, "no responses; taken as a bodiless default response")
                continue
            for code, response in responses.items():
                _repair_response(response, pointer.join(at, "responses", code), warn)
    components = doc.get("components") or {}
    for name, parameter in (components.get("parameters") or {}).items():
        _repair_parameter(parameter, pointer.join(pointer.ROOT, "components", "parameters", name), warn)
    for name, response in (components.get("responses") or {}).items():
        _repair_response(response, pointer.join(pointer.ROOT, "components", "responses", name), warn)


def _drop_strays(node: dict[str, Any], allowed: set[str], where: str, warn) -> None:
    for key in [k for k in node if isinstance(k, str) and not k.startswith("x-") and k not in allowed]:
        del node[key]
        warn(pointer.join(where, key), "not an OpenAPI 3.0 field here; ignored")


def _repair_parameters(parameters: Any, where: str, warn) -> None:
    for index, parameter in enumerate(parameters if isinstance(parameters, list) else ()):
        _repair_parameter(parameter, pointer.join(where, index), warn)


def _repair_parameter(parameter: Any, where: str, warn) -> None:
    if not isinstance(parameter, dict) or "$ref" in parameter:
        return  # a referenced parameter is repaired where it is defined
    _drop_strays(parameter, _PARAMETER_KEYS, where, warn)
    if parameter.get("in") == "path" and parameter.get("required") is not True:
        parameter["required"] = True
        warn(where, f"path parameter {parameter.get('name')!r} lacks required: true; taken as required")
    if "schema" not in parameter and "content" not in parameter:
        parameter["schema"] = {"type": "string"}
        warn(where, f"parameter {parameter.get('name')!r} has no schema; taken as a string")


def _repair_response(response: Any, where: str, warn) -> None:
    if not isinstance(response, dict) or "$ref" in response:
        return
    _drop_strays(response, _RESPONSE_KEYS, where, warn)
    if not isinstance(response.get("description"), str):
        response["description"] = ""
        warn(where, "a response without a description; an empty one is assumed")
