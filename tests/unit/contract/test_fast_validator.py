"""The compiled judge (leanschema.judge, jsonschema-rs) never passes a body openapi-core's
validator would fail: every "valid" it gives must be the lean validator's verdict too.

Checked on crafted values for each known trap, and on every JSON response schema of the bundled
documents and of tests/data/specs/, with bodies the mock generates and mutations of them.
The other way round (the judge fails a valid body) costs speed only: openapi-core decides.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema_path import SchemaPath

from mockserver.app import build_engine
from mockserver.base.config import ServeConfig
from mockserver.contract.leanschema import judge, lean_schema, lean_validators_factory
from mockserver.http.reply import encode_json

SPECS = Path(__file__).parents[2] / "data" / "specs"


def errors(schema: dict[str, Any], value: Any) -> list[str]:
    """The lean validator's violations (openapi-core's validator, as the server builds it)."""
    return [e.message for e in _validator(json.dumps(schema)).iter_errors(value)]


@functools.cache
def _validator(schema: str) -> Any:
    path = SchemaPath.from_dict(json.loads(schema))
    return lean_validators_factory.create(path, path).validator


def judged(check: Any, value: Any) -> bool:
    try:
        return bool(check(value))
    except Exception:  # not judged: the caller validates with openapi-core
        return False


DATE_TIMES = ["2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z", "2023-04-31T10:00:00Z", "0000-01-01T00:00:00Z",
              "2023-01-01t10:00:00z", "2023-01-01T10:00:00", "2023-01-01T24:00:00Z", "2023-01-01T10:00:00.5+02:00",
              "2023-01-01T10:00:00Z\n", "2023-01-01", "٢٠٢٣-01-01T10:00:00Z", "2023-13-01T10:00:00Z", ""]
UUIDS = ["bdc0eda6-ea52-4f72-a46a-94f47a89b546", "BDC0EDA6-EA52-4F72-A46A-94F47A89B546",
         "bdc0eda6ea524f72a46a94f47a89b546", "{bdc0eda6-ea52-4f72-a46a-94f47a89b546}",
         "urn:uuid:bdc0eda6-ea52-4f72-a46a-94f47a89b546", "bdc0eda6-ea52-4f72-a46a-94f47a89b54",
         "bdc0eda6-ea52-4f72-a46a-94f47a89b546\n", "gdc0eda6-ea52-4f72-a46a-94f47a89b546"]
NUMBERS = [0, 1, -1, 1.0, 1.5, True, False, 7.5, 4.0, (1 << 31) - 1, 1 << 31, -(1 << 31), -(1 << 31) - 1,
           (1 << 63) - 1, 1 << 63, -(1 << 63), -(1 << 63) - 1, 1 << 70, 1e300, -0.0, 2.0 ** 63, 1 << 60,
           2.0 ** 60, (1 << 60) + 255, 2.0 ** 60 + 256, (1 << 64) + 1, 2.0 ** 64]
OTHERS = [None, "", "a", "b", "x", "a@b", "ab", "x" * 11, "😀" * 10, "😀" * 11, [], [1], [1, 1.0], [True, 1], [0, False],
          [[1], [1.0]], [{"a": 1}, {"a": 1.0}], {}, {"a": 1}, {"a": None}, {"b": "x"}]

TRAPS: list[dict[str, Any]] = [
    {"type": "integer"}, {"type": "number"}, {"type": "boolean"}, {"type": "string"}, {"type": "array"},
    {"type": "object"}, {"type": "integer", "nullable": True}, {"type": "string", "nullable": False},
    {"nullable": True}, {"type": "string", "nullable": True, "enum": ["a", "b"]},
    {"type": "string", "nullable": True, "enum": ["a", None]}, {"enum": [1, "a", None]}, {"enum": [1.0, False]},
    {"type": "string", "format": "date-time"}, {"format": "date-time", "nullable": True}, {"format": "date"},
    {"format": "uuid"}, {"format": "email"}, {"format": "byte"}, {"format": "ipv4"}, {"format": "ipv6"},
    {"format": "int32"}, {"format": "int64"}, {"type": "integer", "format": "int32"}, {"format": "float"},
    {"format": "double"}, {"format": "binary"}, {"format": "password"}, {"format": "time"}, {"format": "regex"},
    {"pattern": "^[a-z]+$"}, {"pattern": "b"}, {"pattern": "\\d"}, {"pattern": "^x$", "format": "email"},
    {"maxLength": 10}, {"minLength": 2}, {"maxItems": 1}, {"minItems": 1}, {"uniqueItems": False},
    {"maxProperties": 0}, {"minProperties": 1}, {"maximum": 1}, {"maximum": 1, "exclusiveMaximum": True},
    {"minimum": 1.5, "exclusiveMinimum": True}, {"minimum": -1}, {"multipleOf": 2}, {"multipleOf": 3},
    {"maximum": (1 << 60) + 255}, {"maximum": (1 << 60) + 255, "exclusiveMaximum": True}, {"minimum": -(1 << 63)},
    {"maximum": 2.0 ** 62}, {"enum": [1, [2, 3.5], {"a": 1}]},
    {"type": "object", "required": ["a"]}, {"required": ["a"], "properties": {"a": {"type": "integer"}}},
    {"properties": {"a": {"type": "integer"}}, "additionalProperties": False},
    {"additionalProperties": {"type": "integer"}}, {"items": {"type": "integer"}},
    {"allOf": [{"type": "integer"}, {"minimum": 0}]}, {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    {"oneOf": [{"type": "number"}, {"type": "integer"}]}, {"not": {"type": "string"}},
    {"type": "array", "items": {"type": "object", "properties": {"a": {"format": "uuid"}}, "required": ["a"]}},
    # under `not` and `oneOf` a stricter subschema passes more: there the judge must be exact
    {"not": {"format": "int32"}}, {"not": {"format": "int64"}}, {"not": {"format": "date-time"}},
    {"not": {"format": "uuid"}}, {"not": {"pattern": "^[a-z]+$"}}, {"not": {"type": "integer", "nullable": True}},
    {"not": {"enum": [1, "a", None]}}, {"not": {"maximum": 5}}, {"not": {"minLength": 2}},
    {"oneOf": [{"format": "int32"}, {"type": "number"}]}, {"oneOf": [{"format": "uuid"}, {"type": "string"}]},
    {"oneOf": [{"format": "date"}, {"pattern": "^2"}]},
    {"properties": {"a": {"pattern": "^[0-9]+$", "format": "date"}, "b": {"pattern": "^[a-z]+$"}},
     "additionalProperties": {"pattern": "@", "format": "date"}},
]


@pytest.mark.parametrize("schema", TRAPS, ids=lambda s: json.dumps(s)[:60])
def test_the_judge_passes_nothing_the_validator_fails(schema: dict[str, Any]) -> None:
    check = judge(schema)
    assert check is not None
    values = [*NUMBERS, *OTHERS, *DATE_TIMES, *UUIDS, *[{"a": v} for v in NUMBERS + UUIDS + [None, "x"]],
              *[[v] for v in DATE_TIMES + UUIDS], *[[v, v] for v in NUMBERS], *[[v, w] for v in NUMBERS for w in NUMBERS]]
    passed = 0
    for value in values:
        if judged(check, value):
            assert errors(schema, value) == [], (schema, value)
            passed += 1
    assert passed  # it does judge


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
    | st.sampled_from(DATE_TIMES + UUIDS + ["a", "b", "a@b"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3),
    max_leaves=12)
CHECKS = [(schema, judge(schema)) for schema in TRAPS]


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_the_judge_passes_no_random_value_the_validator_fails(value: Any) -> None:
    for schema, check in CHECKS:
        if judged(check, value):
            assert errors(schema, value) == [], (schema, value)


@pytest.mark.parametrize("schema", [
    True,
    {"properties": {"a": True}},
    {"multipleOf": 0.1},
    {"uniqueItems": True},  # jsonschema-rs finds [2**60, 2.0**60] unique
    {"maximum": 2.0 ** 64},  # 2**64 + 1, rounded to a float, passes it
    {"maximum": 1 << 70},
    {"enum": [1 << 60]},
    {"multipleOf": 1 << 64},
    {"not": {"multipleOf": 2}},  # a float, 4.0, fails the judge's multipleOf: stricter
    {"oneOf": [{"multipleOf": 2}, {"type": "number"}]},
    {"properties": {"a": {"not": {"items": {"multipleOf": 2}}}}},
    {"anyOf": [{"not": {"multipleOf": 2}}, {"type": "string"}]},
    {"not": {"not": {"multipleOf": 2}}},
    {"patternProperties": {"^a": {"type": "string"}}, "additionalProperties": False},
    {"type": "null"},
    {"type": ["string", "null"]},
    {"format": "unknown-to-the-checker"},
    {"items": [{"type": "string"}]},
    {"$ref": "#/components/schemas/A"},
])
def test_no_judge_where_no_plain_schema_is_as_strict(schema: Any) -> None:
    assert judge(schema) is None


def test_a_judge_keeps_a_required_name_draft_4_would_refuse() -> None:
    check = judge({"required": ["a", "a"]})
    assert check is not None and not check({}) and check({"a": 1})
    assert judge({"required": []}) is not None


# --- every response schema of the bundled and public documents --------------------------------

DOCUMENTS = ["bundled", "petstore-3.0.yaml", "museum-3.1.yaml", "twilio-api-v2010.json", "stripe.json"]
BAD = [None, True, 1.0, 1.5, -1, 12345, 1 << 40, "", "x" * 5000, "not-a-date", "2023-02-30T00:00:00Z",
       "bdc0eda6ea524f72a46a94f47a89b546", "zz", [], {}, [1, 1], {"unexpected_field": 1}]


def mutations(body: Any, limit: int) -> Iterator[Any]:
    """The body with one thing wrong at a time, at every place in it (up to `limit`)."""
    made = 0
    stack: list[tuple[list[Any], Any]] = [([], body)]
    while stack and made < limit:
        path, node = stack.pop()
        if isinstance(node, dict):
            extra = copy.deepcopy(body)
            _at(extra, path)["unexpected_field"] = 1
            made += 1
            yield extra
            keys: list[Any] = list(node)
        elif isinstance(node, list):
            keys = list(range(len(node)))
            if node:
                doubled = copy.deepcopy(body)
                _at(doubled, path).append(copy.deepcopy(node[0]))
                yield doubled
        else:
            keys = []
        for key in keys:
            old = node[key]
            replacements = list(BAD)
            if isinstance(old, str):
                replacements += [old + "!", old[:-1], old.upper(), old * 3, old + "\n"]
            if isinstance(old, int) and not isinstance(old, bool):
                replacements += [float(old), old + 1, -old, old * (1 << 33)]
            for replacement in replacements:
                changed = copy.deepcopy(body)
                _at(changed, path)[key] = replacement
                made += 1
                yield changed
            if isinstance(node, dict):
                removed = copy.deepcopy(body)
                del _at(removed, path)[key]
                yield removed
            stack.append((path + [key], old))


def _at(body: Any, path: list[Any]) -> Any:
    for key in path:
        body = body[key]
    return body


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_judge_agrees_with_openapi_core_on_every_response_schema(document: str) -> None:
    config = ServeConfig(quiet=True) if document == "bundled" else ServeConfig(quiet=True, specs=(SPECS / document,))
    engine = build_engine(config)
    schemas = judged_schemas = compared = passed = referring = 0
    for api in engine.apis:
        validator = engine.validators[api.name]
        for op in api.operations.values():
            for status, declared in op.responses.items():
                for variant in declared.variants:
                    if not variant.json or variant.schema is None:
                        continue
                    body_validator = validator._body_validator(op, variant.doc_key, variant.media_type)
                    if body_validator is None:
                        continue
                    schemas += 1
                    if body_validator.judge is None:
                        lean = lean_schema(api.document, variant.schema)
                        assert lean is None or judge(lean) is None
                        continue
                    judged_schemas += 1
                    # a schema that refers to itself (judge_with_references) is slow to validate
                    # with openapi-core (Stripe's: 2 ms a body, 20 ms with every error listed):
                    # one in forty of them, with two mutations (test_reference_judge.py has more)
                    inlined = lean_schema(api.document, variant.schema) is not None
                    referring += not inlined
                    if not inlined and referring % 40:
                        continue
                    for n in range(2 if inlined else 1):
                        body = json.loads(encode_json(engine.responder._generate(op, status, variant, f"id-{n}")))
                        for value in [body, *mutations(body, 80 if inlined else 2)]:
                            value = json.loads(json.dumps(value))
                            compared += 1
                            if judged(body_validator.judge, value):
                                passed += 1
                                found = list(body_validator.validator.iter_errors(value))
                                assert not found, (op.operation_id, status, json.dumps(value)[:300], found[0].message)
    print(f"{document}: {judged_schemas} of {schemas} response schemas judged")
    assert judged_schemas
    assert passed < compared


@pytest.mark.parametrize("raw", [b'{"n": Infinity}', b'{"n": -Infinity, "s": "x"}', b'{"s": "\\ud800"}', b'{"n": 9}'])
def test_a_body_the_judge_cannot_take_is_left_to_openapi_core(raw: bytes) -> None:
    from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

    from mockserver.contract.validation import BodyValidator

    schema = {"properties": {"n": {"maximum": 5, "minimum": -5}, "s": {"maxLength": 0}}}
    path = SchemaPath.from_dict(schema)
    validator = BodyValidator(lean_validators_factory.create(path, path), judge(schema))
    with pytest.raises(InvalidSchemaValue):
        validator.validate_json(raw)


def test_each_pattern_of_a_schema_keeps_its_own_check() -> None:
    schema = {"properties": {"a": {"pattern": "^a"}, "b": {"format": "date-time"}, "c": {"pattern": "^c"},
                             "d": {"format": "date-time"}, "e": {"pattern": "^e"}}}
    check = judge(schema)
    assert check is not None and check({"a": "a", "c": "c", "e": "e"})
    assert not any(check({key: "x"}) for key in "ace")
