"""orjson for a value without floats (http/reply.encode_json_without_floats) writes encode_json's
bytes, or fails as it fails: on every kind of value that holds no float, and on the ones orjson
would write otherwise (subclasses, big integers, keys that are not strings, surrogates)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.http.reply import encode_json, encode_json_without_floats


class Text(str):
    pass


class Colour(enum.IntEnum):
    RED = 1


@dataclasses.dataclass
class Point:
    x: int


def outcome(encode: Any, value: Any) -> Any:
    try:
        return encode(value)
    except Exception as failed:  # noqa: BLE001  the same failure, or the same bytes
        return type(failed)


ODD = ["é\n\x01\x1f\x7f\u2028\u2029\"\\/", "\ud800", {"a": "\udfff"}, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63,
       -2 ** 63 - 1, 2 ** 70, {1: "a"}, {None: 1}, {True: 2}, {"a": 1, 1: "b"}, Text("x"), {"a": Text("y")},
       {Text("k"): 1}, Colour.RED, [Colour.RED], (1, (2, "3")), datetime.date(2024, 1, 1),
       datetime.datetime(2024, 1, 1), Point(1), {"deep": [[[[[[1]]]]]]},
       [[]] * 3, {"": ""}, "", None, True, False, 0, -0, {"a": None}]


@pytest.mark.parametrize("value", ODD, ids=repr)
def test_it_writes_what_encode_json_writes(value: Any) -> None:
    assert outcome(encode_json_without_floats, value) == outcome(encode_json, value)


def test_floats_are_what_it_is_not_for() -> None:  # why the caller asks contract/floats.py first
    assert encode_json_without_floats(1e-05) != encode_json(1e-05)
    assert encode_json_without_floats(float("nan")) != encode_json(float("nan"))


def test_nesting_orjson_refuses_is_written_by_encode_json() -> None:
    deep: Any = 1
    for _ in range(300):
        deep = [deep]
    assert encode_json_without_floats(deep) == encode_json(deep)


FLOATLESS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.builds(Text, st.text(max_size=3)),
    lambda children: st.lists(children, max_size=4) | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=4) | st.integers(-3, 3), children, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(FLOATLESS)
def test_any_value_without_floats(value: Any) -> None:
    assert outcome(encode_json_without_floats, value) == outcome(encode_json, value)
