"""The judge of a schema that refers to itself (leanschema.judge_with_references) never passes a
value openapi-core's validator fails: on crafted recursive schemas with the judge's traps inside
them, on random values, and (test_fast_validator.py) on Stripe's expandable fields."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas import oas30_read_schema_validators_factory

from mockserver.contract.leanschema import judge_with_references, lean_schema

NODE = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "maxLength": 3},
    "size": {"type": "integer", "format": "int32", "nullable": True},
    "when": {"type": "string", "format": "date-time"},
    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
    "parent": {"nullable": True, "anyOf": [{"type": "string", "pattern": "^n_"}, {"$ref": "#/components/schemas/Node"}]},
}}
DOCUMENT = {"openapi": "3.0.3", "components": {"schemas": {
    "Node": NODE,
    "Either": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "string", "enum": ["x"]}]},
    "Negated": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Negated"},
                                                  "n": {"not": {"$ref": "#/components/schemas/Small"}}}},
    "Small": {"type": "integer", "maximum": 3},
    "Wrapped": {"$ref": "#/components/schemas/Node", "nullable": True, "description": "a sibling"},
    "Shared": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Node"},
                                                "b": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "boolean"}]}}},
    "Even": {"type": "integer", "multipleOf": 2},
    "NotEven": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/NotEven"},
                                                 "n": {"not": {"$ref": "#/components/schemas/Even"}}}},
    "Unsafe": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Unsafe"},
                                                "odd": {"multipleOf": 2}}, "discriminator": {"propertyName": "x"}},
}}}
NAMES = ["Node", "Either", "Negated", "Wrapped", "Shared"]


def validator(name: str) -> Any:
    spec = SchemaPath.from_dict(DOCUMENT)
    return oas30_read_schema_validators_factory.create(spec, spec / "components" / "schemas" / name).validator


VALIDATORS = {name: (validator(name), judge_with_references(DOCUMENT, {"$ref": f"#/components/schemas/{name}"}))
              for name in NAMES}
VALUES = [None, "x", "y", 1, 4, 2.5, True, {}, {"name": "abc"}, {"name": "abcd"}, {"name": 1},
          {"name": "a", "children": [{"name": "b", "children": [{"name": "toolong"}]}]},
          {"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]},
          {"name": "a", "size": None, "when": "2024-02-30T00:00:00Z"}, {"name": "a", "when": "2024-02-28T00:00:00Z"},
          {"name": "a", "size": 1 << 31}, {"name": "a", "parent": "n_1"}, {"name": "a", "parent": "m_1"},
          {"name": "a", "parent": {"name": "b", "parent": {"name": "long!"}}}, {"name": "a", "parent": None},
          {"next": {"next": {"n": 2}}}, {"next": {"next": {"n": 5}}}, {"n": 3.5},
          {"a": {"name": "a"}, "b": True}, {"a": {"name": "abcd"}}, {"b": {"name": "a"}}, {"b": {"name": 2}}]


def test_the_recursive_schemas_get_a_judge_and_lean_schema_none() -> None:
    for name in NAMES:
        assert lean_schema(DOCUMENT, {"$ref": f"#/components/schemas/{name}"}) is None or name == "Wrapped"
        assert VALIDATORS[name][1] is not None, name
    assert judge_with_references(DOCUMENT, {"$ref": "#/components/schemas/Unsafe"}) is None
    # a multipleOf is stricter than openapi-core's (it fails 4.0): never where stricter passes more
    assert judge_with_references(DOCUMENT, {"$ref": "#/components/schemas/NotEven"}) is None
    assert judge_with_references(DOCUMENT, {"$ref": "#/components/schemas/Even"}) is not None


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_judge_agrees_with_openapi_core(value: Any) -> None:
    for name, (core, judged) in VALIDATORS.items():
        errors = [error.message for error in core.iter_errors(value)]
        if judged(value):
            assert errors == [], (name, value)


def test_it_judges_both_ways() -> None:
    core, judged = VALIDATORS["Node"]
    assert judged({"name": "a", "children": [{"name": "b"}]})
    assert not judged({"name": "a", "children": [{"name": "b", "children": [{"name": "toolong"}]}]})
    assert list(core.iter_errors({"name": "a", "children": [{"name": "b", "children": [{"name": "toolong"}]}]}))


TREES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 1 << 32) | st.sampled_from(["a", "abcd", "n_1", "x", "2024-01-01T00:00:00Z"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "size", "when", "children", "parent", "next", "n", "a", "b"]),
                      children, max_size=4),
    max_leaves=14)


@settings(max_examples=300, deadline=None)
@given(TREES)
def test_no_random_value_passes_the_judge_and_fails_openapi_core(value: Any) -> None:
    for name, (core, judged) in VALIDATORS.items():
        if judged(value):
            assert not list(core.iter_errors(value)), (name, value)


def test_a_schema_jsonschema_rs_will_not_compile_judges_nothing_valid_and_compiles_once() -> None:
    from mockserver.contract import leanschema

    judged = leanschema._Compiled({"type": 5}, {})
    assert judged({"name": "a"}) is False
    assert judged.is_valid is leanschema._not_judged  # not compiled again on the next reply
