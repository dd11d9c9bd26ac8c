"""Whether a value generated for a schema can hold a float: where it cannot, the reply builder
may encode it with orjson (http/reply.encode_json_without_floats).

orjson writes some floats unlike Python's json (`1e-05` as `0.00001`, NaN and Infinity as
`null`); with no float in the value, both write the same bytes. So the question is asked the
cautious way: any `number` type, any float written in the schema (an enum, an example, a bound
the generator may draw from), or any schema whose type it cannot tell, answers "it can". A
free-form object (`type: object` without properties) is what the generator fills with strings
and integers (generate/hints.freeform_hint), or after its example, whose floats count (an
example written as a JSON string too, which that maker reads as JSON).
tests/unit/contract/test_floats.py generates for every schema of four documents to hold it to that.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from mockserver.base.pointer import lookup

_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties", "patternProperties")
_SHAPES = frozenset(("properties", "patternProperties", "items", "additionalProperties", *_SCHEMA_LISTS, "enum", "const"))
_TYPED = frozenset(("string", "integer", "boolean", "array", "object", "null"))


def can_hold_floats(document: Mapping[str, Any], schema: Any) -> bool:
    """True unless no value of `schema` (through every `$ref`) can be or hold a float."""
    seen: set[int] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, bool):  # `true` / `false` schemas (3.1): true is any value
            if node:
                return True
            continue
        if not isinstance(node, Mapping):
            return True  # not a schema it can read
        if id(node) in seen:
            continue
        seen.add(id(node))
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                stack.append(lookup(document, ref))
            except Exception:  # noqa: BLE001  a reference it cannot follow: it cannot tell
                return True
            continue
        kind = node.get("type")
        if kind is not None and (not isinstance(kind, str) or kind not in _TYPED):
            return True  # `number`, a list of types, or one it does not know
        if kind is None and not node.keys() & _SHAPES:
            return True  # any value
        subschemas = []
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                subschemas.extend(value.values())
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                subschemas.extend(value)
            elif key == "items":
                subschemas.extend(value if isinstance(value, list) else [value])
            elif key in ("additionalProperties", "not"):
                if isinstance(value, Mapping):
                    subschemas.append(value)
            elif _holds_float(value):  # an enum, an example, a bound: what the generator may draw
                return True
        stack.extend(subschemas)
    return False


def _holds_float(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, float):
            return True
        if isinstance(node, str) and node.lstrip()[:1] in ("{", "["):  # an example a free-form
            try:  # object's maker reads as JSON (generate/hints.freeform_hint) and mimics
                stack.append(json.loads(node))
            except ValueError:
                pass
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return False
