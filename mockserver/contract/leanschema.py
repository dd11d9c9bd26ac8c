"""A response schema with the same verdicts and less for the validator to walk.

openapi-core's schema validator (openapi-schema-validator's OAS 3.0 read validator, on
jsonschema) spends about half of a new-id request. Four things in the contract cost it work
and change no verdict:

- `$ref`s: every one is resolved again on every validation through `referencing`. A local,
  non-recursive reference is replaced by what it points to; siblings of a `$ref` (which this
  validator applies too) stay beside it, the target moving into an `allOf`.
- annotations: `example`, `xml`, `externalDocs` and `deprecated` are registered as keywords
  that check nothing, and are still called for every instance; `description`, `title` and
  `examples` are skipped one by one. They are left out.
- a `format` the validator has no check for (`format: object`): called, checks nothing.
- an `allOf` of one schema and nothing beside it (how a `$ref` gets wrapped): that schema.

Measured with callgrind on Lago's activity log: 856k instructions per validation before,
701k after inlining and stripping. Anything whose verdict could change is left alone (None): `discriminator`
(its mapping names `$ref`s), `readOnly`/`writeOnly` (the read validator looks them up on the
property schema as written, `$ref` or not), recursive or non-local references.
tests/test_leanschema.py compares both validators on valid and broken bodies.

The validator that walks a lean schema (`lean_validators_factory`) is openapi-core's own
(openapi-schema-validator's OAS 3.0 read validator, its keywords, its format checker) with one
thing kept instead of rebuilt: jsonschema's `descend` makes a new validator for every
subschema of every instance (an attrs object, a `referencing` resource and a resolver), which
was half the cost of validating a Lago activity log. A lean schema has no `$ref`, so the
validator for a subschema is the same every time; it is built once, as `descend` builds it,
and kept beside the schema it is for; and the type checks are read from a plain dict. The
keywords, their checks and their messages are untouched.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Mapping

import referencing
import referencing.jsonschema
from jsonschema import exceptions
from jsonschema.validators import extend
from openapi_core.validation.schemas import SchemaValidatorsFactory
from openapi_schema_validator import OAS30ReadValidator

from mockserver.adapters.jsonschema import kept_descend, type_checks
from mockserver.base.pointer import resolve

# Keywords that annotate and check nothing (jsonschema Draft 4 and the OAS 3.0 validator alike).
ANNOTATIONS = frozenset({"example", "examples", "xml", "externalDocs", "deprecated", "description", "title"})
# Formats the validator checks; any other (Lago's `format: object`) is called and checks nothing.
CHECKED_FORMATS = frozenset(OAS30ReadValidator.FORMAT_CHECKER.checkers)
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
        if key in ANNOTATIONS or (key == "format" and value not in CHECKED_FORMATS):
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


# (id(parent validator), id(subschema)) -> (parent, subschema, its validator). Only lean
# schemas are walked with it: no `$ref`, so every validator in it is itself one kept here and
# the map holds one entry per subschema of the contract's response schemas (bounded).
_KEPT: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


LeanValidator = extend(OAS30ReadValidator)  # a class of our own: the same keywords and checker
# the specification jsonschema's `create` gives the class's resources (by its meta-schema)
LeanValidator.RESOLVER_SPECIFICATION = referencing.jsonschema.specification_with(
    dialect_id=LeanValidator.ID_OF(LeanValidator.META_SCHEMA) or "urn:unknown-dialect",
    default=referencing.Specification.OPAQUE)
LeanValidator.descend = kept_descend(_KEPT)  # jsonschema's own, each subschema's validator kept

# The type checks, in a dict: jsonschema keeps them in an immutable map (rpds) that is slower to
# read, and reads it for every `type` of every instance.
_TYPE_CHECKS = type_checks(LeanValidator.TYPE_CHECKER)


def _is_type(self: Any, instance: Any, type: str) -> bool:
    """jsonschema's `Validator.is_type` (4.26), reading the same checks from a dict."""
    check = _TYPE_CHECKS.get(type)
    if check is None:
        raise exceptions.UnknownType(type, instance, self.schema)
    return check(self.TYPE_CHECKER, instance)


LeanValidator.is_type = _is_type

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_FORMAT_CHECKER = copy.deepcopy(OAS30ReadValidator.FORMAT_CHECKER)
_is_uuid, _uuid_raises = _FORMAT_CHECKER.checkers["uuid"]


def _is_canonical_or_uuid(instance: object) -> bool:
    """jsonschema's `uuid` check, which builds a `uuid.UUID` for every value (two per activity
    log), answered by a regex for the canonical form: every string it matches passes the
    original too; anything else still goes through the original, with its own verdict."""
    if isinstance(instance, str) and _CANONICAL_UUID.fullmatch(instance):
        return True
    return _is_uuid(instance)


_FORMAT_CHECKER.checkers["uuid"] = (_is_canonical_or_uuid, _uuid_raises)
lean_validators_factory = SchemaValidatorsFactory(LeanValidator, _FORMAT_CHECKER)
