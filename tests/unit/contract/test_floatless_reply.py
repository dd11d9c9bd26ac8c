"""A reply encoded without floats (Reply.floatless) is judged without scanning its bytes for NaN
and Infinity: only a float writes them, so where they stand in a string the judge decides, and
openapi-core's validator runs only on a fault; the verdicts stay those of the bytes."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

from mockserver.contract.leanschema import judge, lean_validators_factory
from mockserver.contract.validation import BodyValidator
from mockserver.http.reply import Reply, encode_json_without_floats

SCHEMA = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}, "n": {"type": "integer"}},
          "required": ["name"]}


class Counted:
    """openapi-core's validator, counting the values it is asked about."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.asked = 0

    def validate(self, value: Any) -> None:
        self.asked += 1
        self.inner.validate(value)


def validator() -> tuple[BodyValidator, Counted]:
    path = SchemaPath.from_dict(SCHEMA)
    counted = Counted(lean_validators_factory.create(path, path))
    return BodyValidator(counted, judge(SCHEMA)), counted


def verdict(check: BodyValidator, raw: bytes, value: Any, floatless: bool) -> list[str]:
    try:
        check.validate_json(raw, value, floatless)
    except InvalidSchemaValue as invalid:
        return sorted(error.message for error in invalid.schema_errors)
    return []


@pytest.mark.parametrize("value", [{"name": "NaN"}, {"name": "Infinity", "n": 3}, {"name": "no NaN here"},
                                   {"name": "Infinity and NaN, too long"}, {"n": 1}, {"name": "x", "n": "NaN"}],
                         ids=repr)
def test_a_floatless_reply_gets_the_verdict_its_bytes_get(value: Any) -> None:
    raw = encode_json_without_floats(value)
    scanned, _ = validator()
    trusted, _ = validator()
    assert verdict(trusted, raw, value, floatless=True) == verdict(scanned, raw, value, floatless=False)


def test_a_valid_floatless_reply_with_nan_in_a_string_is_left_to_the_judge() -> None:
    value = {"name": "NaN", "n": 1}
    raw = encode_json_without_floats(value)
    scanned, asked_scanned = validator()
    scanned.validate_json(raw, value)
    assert asked_scanned.asked == 1  # the bytes hold "NaN": openapi-core's validator decides
    trusted, asked_trusted = validator()
    trusted.validate_json(raw, value, floatless=True)
    assert asked_trusted.asked == 0


def test_the_mark_needs_the_value_and_stays_out_of_what_the_reply_is() -> None:
    check, asked = validator()
    check.validate_json(b'{"name": "NaN"}', None, floatless=True)  # decoded from the bytes: scanned as ever
    assert asked.asked == 1
    body = b'{"name":"x"}'
    marked = Reply(200, "application/json", body, contract=True, value={"name": "x"}, floatless=True)
    assert marked == Reply(200, "application/json", body, contract=True)
    assert marked.with_header("x-a", "b").floatless
