"""The lean copy of a response schema gives openapi-core's validator the same verdicts."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas import oas30_read_schema_validators_factory as factory

from mockserver.app import build_engine
from mockserver.base.config import ServeConfig
from mockserver.contract.leanschema import lean_schema, lean_validators_factory

ENGINE = build_engine(ServeConfig(quiet=True))
BODY_SCHEMAS = [
    (api, op, status)
    for api in ENGINE.apis
    for op in api.operations.values()
    for status, declared in op.responses.items()
    if declared.schema is not None and declared.media_type == "application/json"
]


def verdict(validator: Any, body: Any) -> list[tuple[str, str]]:
    """What the mock reports of a violation: where in the body, and openapi-core's message."""
    return sorted(("/".join(map(str, e.absolute_path)), e.message) for e in validator.validator.iter_errors(body))


def broken_variants(body: Any) -> Iterator[Any]:
    """The body with one thing wrong at a time, at every place in it."""
    stack: list[tuple[list[Any], Any]] = [([], body)]
    while stack:
        path, node = stack.pop()
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if isinstance(node, dict):
            extra = copy.deepcopy(body)
            _at(extra, path)["unexpected_field"] = 1
            yield extra
        for key in keys:
            for replacement in (None, 12345, -1, 1.5, "", "x" * 300, "not-a-date", [], {}, True):
                changed = copy.deepcopy(body)
                _at(changed, path)[key] = replacement
                yield changed
            if isinstance(node, dict):
                removed = copy.deepcopy(body)
                del _at(removed, path)[key]
                yield removed
            stack.append((path + [key], node[key]))


def _at(body: Any, path: list[Any]) -> Any:
    for key in path:
        body = body[key]
    return body


@pytest.mark.parametrize("api,op,status", BODY_SCHEMAS, ids=lambda v: getattr(v, "operation_id", str(v)))
def test_lean_and_original_schema_agree_on_valid_and_broken_bodies(api, op, status) -> None:
    declared = op.responses[status]
    lean = lean_schema(api.document, declared.schema)
    assert lean is not None and "$ref" not in json.dumps(lean)
    spec = SchemaPath.from_dict(api.document)
    original = factory.create(spec, spec / "paths" / op.path / op.method / "responses" / str(status)
                              / "content" / declared.media_type / "schema")
    lean_path = SchemaPath.from_dict(lean)
    leaner = lean_validators_factory.create(lean_path, lean_path)  # as the server builds it
    bodies = [copy.deepcopy(example) for example in declared.examples.values()]
    bodies += [ENGINE.responder._generate(op, status, declared, f"id-{n}") for n in range(5)]
    compared = broken = 0
    for body in bodies:
        assert verdict(original, body) == verdict(leaner, body) == []
        for variant in broken_variants(body):
            expected = verdict(original, variant)
            assert verdict(leaner, variant) == expected, json.dumps(variant)[:300]
            compared += 1
            broken += bool(expected)
    assert broken > compared / 3  # the corpus does break the contract, in many ways


DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Id": {"type": "string", "description": "an id", "example": "a1"},
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}},
            "Pet": {"type": "object", "discriminator": {"propertyName": "kind"}},
            "Secret": {"type": "string", "writeOnly": True},
        }
    }
}


def test_lean_schema_inlines_references_and_drops_annotations_only() -> None:
    schema = {
        "type": "object",
        "description": "dropped",
        "properties": {
            "id": {"$ref": "#/components/schemas/Id"},
            "example": {"type": "integer", "example": 3},  # a property named like an annotation stays
            "parent": {"$ref": "#/components/schemas/Id", "nullable": True},
        },
        "required": ["id"],
        "example": {"id": "a1"},
    }
    assert lean_schema(DOC, schema) == {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "example": {"type": "integer"},
            "parent": {"nullable": True, "allOf": [{"type": "string"}]},  # siblings of $ref still apply
        },
        "required": ["id"],
    }


@pytest.mark.parametrize("schema", [
    {"$ref": "#/components/schemas/Node"},  # recursive
    {"$ref": "#/components/schemas/Pet"},  # discriminator mappings name references
    {"type": "object", "properties": {"s": {"$ref": "#/components/schemas/Secret"}}},  # writeOnly
    {"$ref": "other.yaml#/Thing"},  # not local
    {"$ref": "#/components/schemas/Missing"},
    {"$ref": "#/components/schemas/Id", "allOf": [{"type": "string"}]},
])
def test_lean_schema_leaves_alone_what_could_change_a_verdict(schema: dict[str, Any]) -> None:
    assert lean_schema(DOC, schema) is None


def test_the_server_validates_with_the_lean_schemas() -> None:
    for name, validator in ENGINE.validators.items():
        for key, body_validator in validator._body_validators.items():
            assert "$ref" not in json.dumps(body_validator.validator.schema), (name, key)
