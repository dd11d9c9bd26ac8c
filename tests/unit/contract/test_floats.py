"""contract/floats.can_hold_floats answers "it can" for every schema that can describe a float,
through references, combinators and nesting, and for what it cannot read; and "it cannot" for
the float-free schemas of real documents, whose generated values then hold no float."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.app import build_engine
from mockserver.base.config import ServeConfig
from mockserver.contract.floats import can_hold_floats
from tests.mockserver_process import REPO

DOCUMENT = {"components": {"schemas": {
    "Price": {"type": "number"}, "Name": {"type": "string"},
    "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}, "n": {"type": "integer"}}},
}}}

CAN = [
    {"type": "number"}, {"type": ["string", "null"]}, {}, {"description": "anything"}, {"nullable": True},
    {"type": "integer", "maximum": 1e3}, {"type": "integer", "example": 1.5}, {"type": "string", "default": 0.5},
    {"enum": [1, 2.5]}, {"const": 0.1}, {"type": "object", "properties": {"a": {"type": "number"}}},
    {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Price"}}},
    {"type": "array", "items": {}}, {"type": "array", "items": [{"type": "string"}, {"type": "number"}]},
    {"type": "object", "additionalProperties": {"type": "number"}}, {"type": "object", "additionalProperties": {}},
    {"oneOf": [{"type": "string"}, {"type": "number"}]}, {"allOf": [{"$ref": "#/components/schemas/Price"}]},
    {"type": "object", "patternProperties": {"^x": {"type": "number"}}}, {"$ref": "#/components/schemas/Nowhere"},
    {"$ref": "other.yaml#/Price"}, {"type": "object", "properties": {"a": {"not": {"type": "string"}}}}, True,
    {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"items": {"type": "number"}}}}}},
    {"type": "object", "x-amount": {"example": 2.5}},
    {"type": "object", "example": '{"rate": 1e20}'},  # read as JSON by the free-form object's maker
    {"type": "object", "example": ' {"a": {"b": [0.5]}}'},
]
CANNOT = [
    {"type": "string"}, {"type": "integer", "maximum": 10}, {"type": "boolean"}, {"enum": ["a", 1, None]},
    {"type": "object", "properties": {"a": {"type": "string", "format": "date-time"}, "b": {"type": "integer"}}},
    {"type": "array", "items": {"$ref": "#/components/schemas/Name"}}, {"$ref": "#/components/schemas/Loop"},
    {"type": "object", "additionalProperties": False}, {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"type": "object", "properties": {"type": {"type": "string"}, "properties": {"type": "string"}}},
    # a free-form object: the generator fills it with strings and integers (hints.freeform_hint)
    {"type": "object"}, {"type": "object", "additionalProperties": True},
]


@pytest.mark.parametrize("schema", CAN, ids=repr)
def test_a_schema_that_can_describe_a_float_says_so(schema: Any) -> None:
    assert can_hold_floats(DOCUMENT, schema)


@pytest.mark.parametrize("schema", CANNOT, ids=repr)
def test_a_float_free_schema_says_so(schema: Any) -> None:
    assert not can_hold_floats(DOCUMENT, schema)


def holds_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(holds_float(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_float(item) for item in value)
    return False


@pytest.mark.parametrize("specs", [(), ("stripe.json",), ("twilio-api-v2010.json",), ("petstore-3.0.yaml",)])
def test_nothing_generated_for_a_float_free_schema_holds_a_float(specs: tuple[str, ...]) -> None:
    engine = build_engine(ServeConfig(quiet=True, specs=tuple(REPO / "tests" / "data" / "specs" / s for s in specs)))
    free = floating = 0
    for api in engine.apis:
        for op in api.operations.values():
            for status, declared in op.responses.items():
                for variant in declared.variants:
                    if variant.schema is None:
                        continue
                    values = [engine.responder._generate(op, status, variant, f"id-{n}") for n in range(3)]
                    if can_hold_floats(api.document, variant.schema):
                        floating += any(holds_float(value) for value in values)
                    else:
                        free += 1
                        assert not any(holds_float(value) for value in values), (op.operation_id, status)
    assert free and (floating or not specs or specs == ("petstore-3.0.yaml",))
