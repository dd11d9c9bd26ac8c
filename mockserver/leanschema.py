"""A response schema with the same verdicts and less for the validator to walk.

openapi-core's schema validator (openapi-schema-validator's OAS 3.0 read validator, on
jsonschema) spends about half of a new-id request. Three things in the contract cost it work
and change no verdict:

- `$ref`s: every one is resolved again on every validation through `referencing`. A local,
  non-recursive reference is replaced by what it points to; siblings of a `$ref` (which this
  validator applies too) stay beside it, the target moving into an `allOf`.
- annotations: `example`, `xml`, `externalDocs` and `deprecated` are registered as keywords
  that check nothing, and are still called for every instance; `description`, `title` and
  `examples` are skipped one by one. They are left out.
- an `allOf` of one schema and nothing beside it (how a `$ref` gets wrapped): that schema.

Measured with callgrind on Lago's activity log: 856k instructions per validation before,
701k after inlining and stripping. Anything whose verdict could change is left alone (None): `discriminator`
(its mapping names `$ref`s), `readOnly`/`writeOnly` (the read validator looks them up on the
property schema as written, `$ref` or not), recursive or non-local references.
tests/test_leanschema.py compares both validators on valid and broken bodies.
"""

from __future__ import annotations

from typing import Any, Mapping

from mockserver.pointer import resolve

# Keywords that annotate and check nothing (jsonschema Draft 4 and the OAS 3.0 validator alike).
ANNOTATIONS = frozenset({"example", "examples", "xml", "externalDocs", "deprecated", "description", "title"})
UNSAFE = frozenset({"discriminator", "readOnly", "writeOnly"})
ONE_SCHEMA = frozenset({"items", "additionalProperties", "not"})
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
MAX_DEPTH = 64


class _Unsafe(Exception):
    """The schema uses something whose verdict inlining or stripping could change."""


def lean_schema(document: Mapping[str, Any], schema: Any) -> dict[str, Any] | None:
    """`schema` without references or annotations, or None where that could change a verdict."""
    try:
        lean = _lean(document, schema, (), 0)
    except _Unsafe:
        return None
    return lean if isinstance(lean, dict) else None


def _lean(document: Mapping[str, Any], node: Any, refs: tuple[str, ...], depth: int) -> Any:
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping) or depth > MAX_DEPTH or UNSAFE & node.keys():
        raise _Unsafe()
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in refs:
            raise _Unsafe()
        try:
            target = _lean(document, resolve(document, {"$ref": ref}), refs + (ref,), depth + 1)
        except KeyError:
            raise _Unsafe() from None
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if not siblings.keys() - ANNOTATIONS:
            return target
        if "allOf" in siblings:
            raise _Unsafe()
        return {**_lean(document, siblings, refs, depth), "allOf": [target]}
    lean: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS:
            continue
        if key == "properties" and isinstance(value, Mapping):
            lean[key] = {name: _lean(document, sub, refs, depth + 1) for name, sub in value.items()}
        elif key in ONE_SCHEMA:
            lean[key] = _lean(document, value, refs, depth + 1)
        elif key in SCHEMA_LISTS and isinstance(value, list):
            lean[key] = [_lean(document, sub, refs, depth + 1) for sub in value]
        else:
            lean[key] = value  # a value, not a schema: enum, required, type, format, ...
    if lean.keys() == {"allOf"} and isinstance(lean["allOf"], list) and len(lean["allOf"]) == 1:
        return lean["allOf"][0]  # all of one schema is that schema (a wrapped `$ref`, usually)
    return lean
