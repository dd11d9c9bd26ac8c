"""The validate stage may judge a JSON reply by the value it was encoded from (Reply.value)
instead of decoding its bytes again: the verdict must be the one the bytes get, for every value
http/reply.encode_json accepts, including those that do not come back as they went in (tuples,
keys that are not strings, subclasses of str, int and float)."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

from mockserver.app import build_engine
from mockserver.base.config import ServeConfig
from mockserver.contract.leanschema import judge, lean_validators_factory
from mockserver.contract.validation import BodyValidator
from mockserver.http.reply import encode_json
from tests.unit.contract.test_fast_validator import NUMBERS, OTHERS, TRAPS, UUIDS, mutations


class Text(str):
    pass


class Count(int):
    pass


class Colour(enum.IntEnum):
    RED = 1


ODD = [(1, 2), ("a", (1.0, None)), {1: "a"}, {"a": {2: 3}}, {True: 1}, {None: 1}, {1.5: "x"}, Text("a"),
       {"a": Text("x")}, [Text("b")], Count(3), {"a": Count(7)}, Colour.RED, [Colour.RED], 2.0 ** 70, 1e-05,
       {"a": ()}, {"a": (Text("x"), Count(2))}, {"1": 1, 1: 2}]
SCHEMAS = [*TRAPS, {"type": "object", "properties": {"a": {"type": "string"}}}, {"additionalProperties": False},
           {"properties": {"1": {"type": "string"}}, "required": ["1"]}, {"items": {"type": "string"}},
           {"type": "array", "maxItems": 1}, {"properties": {"a": {"type": "array", "minItems": 1}}}]


def validator_for(schema: dict[str, Any]) -> BodyValidator:
    path = SchemaPath.from_dict(schema)
    return BodyValidator(lean_validators_factory.create(path, path), judge(schema))


def verdict(validator: BodyValidator, raw: bytes, encoded: Any = None) -> list[str]:
    try:
        validator.validate_json(raw, encoded)
    except InvalidSchemaValue as invalid:
        return sorted(error.message for error in invalid.schema_errors) or [str(invalid)]
    except ValueError as failed:  # openapi-core's format checks raise some (the validate stage reports them)
        return [f"{type(failed).__name__}: {failed}"]
    return []


VALIDATORS = [(schema, validator_for(schema)) for schema in SCHEMAS]


def same_verdicts(value: Any) -> int:
    raw = encode_json(value)
    judged = 0
    for schema, validator in VALIDATORS:
        assert verdict(validator, raw, value) == verdict(validator, raw), (schema, value)
        judged += validator.judge is not None
    return judged


@pytest.mark.parametrize("value", ODD + NUMBERS + OTHERS + UUIDS, ids=repr)
def test_the_encoded_value_gets_the_verdict_its_bytes_get(value: Any) -> None:
    assert same_verdicts(value)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
    | st.builds(Text, st.text(max_size=3)) | st.builds(Count, st.integers(-5, 5)),
    lambda children: st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.sampled_from(["a", "b", "1"]) | st.integers(0, 2), children, max_size=3),
    max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(JSONISH)
def test_any_encodable_value_gets_the_verdict_its_bytes_get(value: Any) -> None:
    same_verdicts(value)


def test_generated_replies_and_their_mutations_get_the_verdict_their_bytes_get() -> None:
    engine = build_engine(ServeConfig(quiet=True))
    compared = 0
    for api in engine.apis:
        validators = engine.validators[api.name]
        for op in api.operations.values():
            for status, declared in op.responses.items():
                for variant in declared.variants:
                    body_validator = validators._body_validator(op, variant.doc_key, variant.media_type) \
                        if variant.json and variant.schema is not None else None
                    if body_validator is None or body_validator.judge is None:
                        continue
                    body = engine.responder._generate(op, status, variant, "id-1")
                    for value in [body, *mutations(body, 60)]:
                        raw = encode_json(value)
                        assert verdict(body_validator, raw, value) == verdict(body_validator, raw), op.operation_id
                        compared += 1
    assert compared > 100
