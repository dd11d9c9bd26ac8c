"""Bracketed keys and text values, as real clients send them in queries and form bodies.

Stripe's SDKs, Rails and the `qs` library write nested values with brackets:
`metadata[plan]=pro`, `items[0][price]=p_1`, `expand[]=customer`, `created[gt]=5`. `decode`
turns such pairs into the nested value (numeric indices and `[]` are arrays, other keys
objects), and `typed` turns each text leaf into what its schema holds (`"5"` for an integer is
5, `"true"` for a boolean is true), looking through `anyOf`/`oneOf`/`allOf`, so that the value
can be checked against the schema like a JSON body. Neither needs a schema `type`: a
parameter declared as `oneOf: [integer, string]` is typed by its options.
"""

from __future__ import annotations

import math

import re
from typing import Any, Iterable, Mapping

MAX_DEPTH = 16  # bracket levels read; deeper ones stay part of the last key (as qs does past its depth)
MAX_INDEX = 10_000  # a larger index is an object key, not an array slot (qs's arrayLimit, more generous)
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def split_key(key: str) -> list[str]:
    """`a[b][0][]` -> `['a', 'b', '0', '']`; a key without well-formed brackets is one segment."""
    start = key.find("[")
    if start <= 0 or not key.endswith("]"):
        return [key]
    segments = [key[:start]]
    position = start
    for match in _SEGMENT.finditer(key, start):
        if match.start() != position:
            return [key]  # `a[b]c[d]`: not bracket notation
        if len(segments) > MAX_DEPTH:
            segments.append(key[position:])  # the rest, as one key
            return segments
        segments.append(match.group(1))
        position = match.end()
    return segments if position == len(key) else [key]


class _Slots(dict):
    """An array while it is being filled: index -> value (indices may come in any order)."""


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The nested value of `(key, text)` pairs. A repeated key is a list of its values."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        _put(root, split_key(key), value)
    return _finish(root)


def decode_under(name: str, suffixes: Iterable[tuple[str, str]]) -> Any:
    """The value of one name from its bracketed suffixes: `('[0][amount]', '5')` under `lines`."""
    return decode((name + suffix, value) for suffix, value in suffixes).get(name)


def _put(node: dict, path: list[str], value: str) -> None:
    for depth, segment in enumerate(path):
        key: Any = segment
        if isinstance(node, _Slots):
            if segment == "":
                key = max(node, default=-1) + 1
            elif segment.isdigit() and int(segment) <= MAX_INDEX:
                key = int(segment)
            else:  # a named key in an array: it becomes an object
                key = segment
        last = depth == len(path) - 1
        if last:
            held = node.get(key)
            if held is None or isinstance(held, dict):
                node[key] = value  # a later plain value replaces nested ones: the last word counts
            elif isinstance(held, list):
                held.append(value)
            else:
                node[key] = [held, value]
            return
        following = path[depth + 1]
        child = node.get(key)
        if not isinstance(child, dict):
            child = _Slots() if following == "" or (following.isdigit() and int(following) <= MAX_INDEX) else {}
            node[key] = child
        node = child


def _finish(node: Any) -> Any:
    if isinstance(node, _Slots):
        if all(isinstance(key, int) for key in node):
            return [_finish(node[key]) for key in sorted(node)]
        return {str(key): _finish(value) for key, value in node.items()}
    if isinstance(node, dict):
        return {key: _finish(value) for key, value in node.items()}
    return node


# --- typing text by a schema -----------------------------------------------------------------------

def _options(schema: Any) -> list[Mapping[str, Any]]:
    """The schema and the alternatives it allows, flattened: itself, then its `anyOf`/`oneOf`
    options and `allOf` parts, in document order."""
    if not isinstance(schema, Mapping):
        return []
    found = [schema]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(keyword) or ():
            found += _options(part)
    return found


_known: dict[int, tuple[Any, list[str]]] = {}  # id(schema) -> (schema, its kinds): schemas live as long as the app
KINDS_KEPT = 4096


def kinds(schema: Any) -> list[str]:
    """The types a value of the schema may have, first declared first (worked out once per
    schema: every request with a query or a form asks again)."""
    entry = _known.get(id(schema))
    if entry is not None and entry[0] is schema:  # holding the schema keeps its id from being reused
        return entry[1]
    found = _kinds(schema)
    if len(_known) >= KINDS_KEPT:
        _known.clear()
    _known[id(schema)] = (schema, found)
    return found


def _kinds(schema: Any) -> list[str]:
    found: list[str] = []
    for option in _options(schema):
        kind = option.get("type")
        if kind is None and ("properties" in option or "additionalProperties" in option):
            kind = "object"
        elif kind is None and "items" in option:
            kind = "array"
        if isinstance(kind, str) and kind not in found:
            found.append(kind)
    return found


def member_schema(schema: Any, name: str) -> Any:
    """The schema of property `name` in an object schema, through its options."""
    extra = None
    for option in _options(schema):
        properties = option.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return properties[name]
        if extra is None and isinstance(option.get("additionalProperties"), Mapping):
            extra = option["additionalProperties"]
    return extra


def property_names(schema: Any) -> list[str]:
    """The properties an object schema names, through its options."""
    names: dict[str, None] = {}
    for option in _options(schema):
        if isinstance(option.get("properties"), Mapping):
            names.update(dict.fromkeys(option["properties"]))
    return list(names)


def _items_schema(schema: Any) -> Any:
    return next((option["items"] for option in _options(schema) if isinstance(option.get("items"), Mapping)), None)


def typed(value: Any, schema: Any) -> Any:
    """`value` (text, lists and objects of text) with each leaf as the schema types it.

    Text that no declared type reads stays text, for validation to refuse; a list where only
    a single value fits is its last value (Rails, connexion); a single value where only an
    array fits is a one-item array.
    """
    declared = kinds(schema)
    if not declared:
        return value
    if isinstance(value, dict):
        return {name: typed(item, member_schema(schema, name)) for name, item in value.items()}
    if isinstance(value, list):
        if "array" not in declared:
            return typed(value[-1], schema) if value else value
        items = _items_schema(schema)
        return [typed(item, items) for item in value]
    if not isinstance(value, str):
        return value
    if declared == ["array"]:
        return [typed(value, _items_schema(schema))]
    return text_as(value, declared)


def text_as(text: str, kinds: list[str]) -> Any:
    """Text as the first of `kinds` that reads it; text when none does (or `string` is declared
    before any that would)."""
    for kind in kinds:
        if kind == "string":
            return text
        if kind == "integer":
            try:
                return int(text)
            except ValueError:
                continue
        if kind == "number":
            try:
                number = float(text)
            except ValueError:
                continue
            if not math.isfinite(number):  # `1e999`: no JSON number, so no value of the schema
                continue
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        if kind == "boolean" and text.lower() in ("true", "false"):  # as connexion reads it
            return text.lower() == "true"
        if kind == "null" and text in ("", "null"):
            return None
    return text
