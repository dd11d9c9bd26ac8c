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

Before that validator, a judge (`judge`): the lean schema translated to plain JSON Schema draft 4
and compiled once by jsonschema-rs, asked only whether a body is valid. It must never pass
what the lean validator fails, so each keyword keeps its OAS 3.0 meaning or the schema gets no
judge: `nullable` is `null` in `type`; a format or `pattern` is a custom format calling the
very check openapi-schema-validator uses (for date, date-time, uuid and email after a pattern
jsonschema-rs matches itself, narrower than the check); `int32`/`int64` are bounds on
integers; an int `multipleOf` holds integers alone (stricter: so never under a `not` or a
`oneOf`, where a stricter subschema passes more); keywords the validator does not check are
left out, and anything else (a boolean subschema, a float `multipleOf`, `patternProperties`,
`uniqueItems`, a bound beyond 64 bits) means no judge. When the judge says invalid, or cannot
take the value, the lean validator decides and words the violations, as before.
tests/unit/contract/test_fast_validator.py compares the two.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any, Callable, Mapping

import jsonschema_rs

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


def _lean(document: Mapping[str, Any], node: Any, refs: tuple[str, ...], depth: int,
          kept: dict[str, Any] | None = None) -> Any:
    """`kept`: keep every `$ref` as a reference (`{"$ref": ...}`), noting its target in `kept`,
    instead of inlining it (judge_with_references makes the targets lean on their own)."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping) or depth > MAX_DEPTH or UNSAFE & node.keys():
        raise _Unsafe()
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in refs:
            raise _Unsafe()
        try:
            if kept is None:
                target = _lean(document, resolve(document, {"$ref": ref}), refs + (ref,), depth + 1)
            else:
                kept.setdefault(ref, resolve(document, {"$ref": ref}))
                target = {"$ref": ref}
        except KeyError:
            raise _Unsafe() from None
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if not siblings.keys() - ANNOTATIONS:
            return target
        if "allOf" in siblings:
            raise _Unsafe()
        return {**_lean(document, siblings, refs, depth, kept), "allOf": [target]}
    lean: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS or (key == "format" and value not in CHECKED_FORMATS):
            continue
        if key == "properties" and isinstance(value, Mapping):
            lean[key] = {name: _lean(document, sub, refs, depth + 1, kept) for name, sub in value.items()}
        elif key in ONE_SCHEMA:
            lean[key] = _lean(document, value, refs, depth + 1, kept)
        elif key in SCHEMA_LISTS and isinstance(value, list):
            lean[key] = [_lean(document, sub, refs, depth + 1, kept) for sub in value]
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


# --- The compiled judge: a lean schema as plain JSON Schema draft 4, for jsonschema-rs ---------

# Formats whose check passes every JSON value (`float`, `double`: every number is an int or a
# float; `binary`, `password`: anything), and the integer ranges of `int32` and `int64`.
NO_CHECK_ON_JSON = frozenset({"binary", "double", "float", "password"})
INTEGER_RANGES = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}
# The others check strings only (any other value conforms: jsonschema-rs calls a format on
# strings alone); a format that turned out otherwise would not be judged.
_NOT_STRINGS = (0, -1, 1 << 40, 1.5, True, False, [], {}, [1], {"a": 1})
STRING_FORMATS = frozenset(
    name for name in CHECKED_FORMATS - NO_CHECK_ON_JSON - INTEGER_RANGES.keys()
    if all(_FORMAT_CHECKER.conforms(value, name) for value in _NOT_STRINGS))
# For the formats most replies carry, a pattern jsonschema-rs matches itself, tried before the
# Python check: every string it matches passes that check (days up to 28, years from 1000, the
# canonical uuid, any `@` for an email); one it misses is still given to the check.
_YEAR_MONTH_DAY = "[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
_HEX = "[0-9a-fA-F]"
NATIVE_PATTERNS = {
    "date": f"^{_YEAR_MONTH_DAY}$",
    "date-time": f"^{_YEAR_MONTH_DAY}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?"
                 "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$",
    "uuid": f"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$",
    "email": "@",
}
CHECK_NOTHING = ANNOTATIONS | {"xml", "externalDocs", "example", "deprecated"}  # registered, no check
TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
COUNTS = frozenset({"maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties"})
_PATTERN = LeanValidator.VALIDATORS["pattern"]  # openapi-schema-validator's (ECMA regex with `regress`)
_STRINGS = LeanValidator({})


def judge_with_references(document: Mapping[str, Any], schema: Any,
                          shared: References | None = None) -> Callable[[Any], bool] | None:
    """`judge` for a schema that refers to itself (Stripe's expandable fields), which
    `lean_schema` cannot inline: every `$ref` kept as a reference to a definition of the
    compiled schema, its target made lean and translated as `judge` translates a lean schema
    (twice where it is needed both as it is and `exact`), so the verdicts are those of the
    inlined schema unrolled as deep as a value goes; None where `judge` would give None for any
    part it reaches. `shared`: the document's references, made lean and translated once for
    every schema of the document that reaches them (References)."""
    shared = shared if shared is not None else References(document)
    try:
        root = _lean(document, schema, (), 0, {})
        plain, reached = shared.translate(root, False)
    except _Unsafe:
        return None
    return _Compiled({"allOf": [plain], "definitions": {name: shared.plain[name] for name in reached}},
                     shared.formats)


class _Compiled:
    """A judge compiled on its first use: a schema reaching a document's references compiles
    them all (Stripe's: ~500, 10-20 ms), and most of a large document's schemas (its errors')
    are never asked. One that does not compile judges nothing valid: openapi-core decides
    (contract/validation.BodyValidator)."""

    __slots__ = ("schema", "formats", "is_valid")

    def __init__(self, schema: dict[str, Any], formats: dict[str, Callable[[str], bool]]) -> None:
        self.schema = schema
        self.formats = formats
        self.is_valid: Callable[[Any], bool] = self._compile

    def __call__(self, value: Any) -> bool:
        return self.is_valid(value)

    def _compile(self, value: Any) -> bool:
        try:
            self.is_valid = _compiled(self.schema, self.formats)
        except (ValueError, jsonschema_rs.ValidationError):
            self.is_valid = _not_judged  # once: openapi-core decides, from now on without a try
        return self.is_valid(value)


def _not_judged(_value: Any) -> bool:
    return False


def _compiled(plain: dict[str, Any], formats: dict[str, Callable[[str], bool]]) -> Callable[[Any], bool]:
    """jsonschema-rs's check of a translated schema, its formats the custom ones `_plain` named."""
    return jsonschema_rs.Draft4Validator(plain, formats=formats, validate_formats=True,
                                         ignore_unknown_formats=False).is_valid


class References:
    """One document's references as definitions for jsonschema-rs: each target made lean once
    (`$ref`s kept), each (reference, exact) translated once under one name (`d0`, `d1`...), with
    the names it points to, so a schema's judge takes the definitions it reaches and no more."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.formats: dict[str, Callable[[str], bool]] = {}
        self.plain: dict[str, Any] = {}  # name -> its translation
        self._lean: dict[str, Any] = {}  # reference -> its target made lean, or _UNSAFE
        self._names: dict[tuple[str, bool], str] = {}
        self._points: dict[str, frozenset[str]] = {}  # name -> the names its translation points to
        self._unsafe: set[str] = set()  # names whose translation (or target's leaning) gave none
        self._pointed: list[str] | None = None  # while translating: the names pointed to so far

    def translate(self, lean: Any, exact: bool) -> tuple[dict[str, Any], set[str]]:
        """`lean` translated, and every name it reaches; _Unsafe where one of them has no translation."""
        plain, pointed = self._translate(lean, exact)
        reached: set[str] = set()
        stack = list(pointed)
        while stack:
            name = stack.pop()
            if name in reached:
                continue
            if name in self._unsafe:
                raise _Unsafe()
            reached.add(name)
            stack.extend(self._points[name])
        return plain, reached

    def pointer(self, ref: str, exact: bool) -> str:
        """Where `_plain` points a kept reference: its definition's name, translated first if new."""
        name = self._names.get((ref, exact))
        if name is None:
            name = self._names[(ref, exact)] = f"d{len(self._names)}"
            self._points[name] = frozenset()  # (a reference to itself, met while translating it)
            target = self._target(ref)
            try:
                if target is _UNSAFE:
                    raise _Unsafe()
                self.plain[name], self._points[name] = self._translate(target, exact)
            except _Unsafe:
                self._unsafe.add(name)
        assert self._pointed is not None
        self._pointed.append(name)
        return f"#/definitions/{name}"

    def _translate(self, lean: Any, exact: bool) -> tuple[dict[str, Any], frozenset[str]]:
        outer, self._pointed = self._pointed, []
        try:
            plain = _plain(lean, self.formats, exact, self)
            return plain, frozenset(self._pointed)
        finally:
            self._pointed = outer

    def _target(self, ref: str) -> Any:
        target = self._lean.get(ref)
        if target is None:
            try:
                target = _lean(self.document, resolve(self.document, {"$ref": ref}), (), 0, {})
            except (_Unsafe, KeyError):
                target = _UNSAFE
            self._lean[ref] = target
        return target


_UNSAFE = object()  # References: a target that cannot be made lean


def judge(lean: dict[str, Any]) -> Callable[[Any], bool] | None:
    """A compiled check of `lean` (jsonschema-rs): True only where the lean validator finds no
    violation, for a value as `json.loads` reads it (no NaN nor Infinity: jsonschema-rs types
    them as nothing, and skips its number checks); None where no plain schema is as strict.

    The translation keeps each keyword openapi-schema-validator's OAS 3.0 read validator checks,
    with its meaning: `nullable` becomes `null` in `type` (the only way a None passes a `type`),
    formats and `pattern` become custom formats that call the very same checks, `int32`/`int64`
    become bounds; keywords it does not check are left out. Anything whose meaning could differ
    (a boolean subschema, `multipleOf` a float, `patternProperties` that `additionalProperties`
    reads, `uniqueItems`, numbers a float cannot hold exactly, an unknown format or type) gives
    None: the lean validator alone decides there."""
    formats: dict[str, Callable[[str], bool]] = {}
    try:
        return _compiled(_plain(lean, formats), formats)
    except (_Unsafe, ValueError, jsonschema_rs.ValidationError):
        return None


def _plain(node: Any, formats: dict[str, Callable[[str], bool]], exact: bool = False,
           definitions: References | None = None) -> dict[str, Any]:
    """`node` as plain JSON Schema: as strict as the lean validator; as strict and no stricter
    (`exact`) under a `not` or a `oneOf`, where a stricter subschema passes more. `definitions`:
    where a kept reference (`{"$ref": ...}`, judge_with_references) points, else none is taken."""
    if not isinstance(node, dict):
        raise _Unsafe()  # a boolean subschema: draft 4 has none
    if definitions is not None and "$ref" in node:
        if node.keys() != {"$ref"}:
            raise _Unsafe()  # (_lean moves a kept reference's siblings into an allOf)
        return {"$ref": definitions.pointer(node["$ref"], exact)}
    plain: dict[str, Any] = {}
    more: list[dict[str, Any]] = []  # what one keyword becomes beside the others, in an allOf
    for key, value in node.items():
        if key == "type":
            if not isinstance(value, str) or value not in TYPES:
                raise _Unsafe()
            plain[key] = [value, "null"] if node.get("nullable") is True else value
        elif key == "properties":
            if not isinstance(value, dict) or "patternProperties" in node:
                raise _Unsafe()
            plain[key] = {name: _plain(sub, formats, exact, definitions) for name, sub in value.items()}
        elif key == "additionalProperties":
            if "patternProperties" in node:
                raise _Unsafe()
            plain[key] = value if isinstance(value, bool) else _plain(value, formats, exact, definitions)
        elif key in ("items", "not"):
            plain[key] = _plain(value, formats, exact or key == "not", definitions)
        elif key in SCHEMA_LISTS:
            if not isinstance(value, list) or not value:
                raise _Unsafe()
            plain[key] = [_plain(sub, formats, exact or key == "oneOf", definitions) for sub in value]
        elif key == "enum":
            if not isinstance(value, list) or not value or not _exact(value):
                raise _Unsafe()
            plain[key] = value
        elif key == "required":
            if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
                raise _Unsafe()
            if value:  # draft 4 has no empty `required`; it requires nothing
                plain[key] = list(dict.fromkeys(value))  # nor a repeated name
        elif key in ("maximum", "minimum"):
            if not _is_number(value):
                raise _Unsafe()
            plain[key] = value
            exclusive = "exclusiveMaximum" if key == "maximum" else "exclusiveMinimum"
            if exclusive in node:
                if not isinstance(node[exclusive], bool):
                    raise _Unsafe()
                plain[exclusive] = node[exclusive]
        elif key in COUNTS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _Unsafe()
            plain[key] = value
        elif key == "uniqueItems":
            if value is not False:  # jsonschema-rs tells 2**60 from 2.0**60 in an array; Python does not
                raise _Unsafe()
        elif key == "multipleOf":
            # an int divisor: Python's `%` is exact on ints; a float (7.5, 1e300) goes to the lean validator
            if not isinstance(value, int) or not _is_number(value) or value <= 0 or exact:
                raise _Unsafe()  # (it fails every float, where Python's `%` passes 4.0)
            more.append({"anyOf": [{"not": {"type": "number"}}, {"type": "integer", "multipleOf": value}]})
        elif key == "pattern":
            if not isinstance(value, str):
                raise _Unsafe()
            name = f"mockserver-pattern:{value}"  # one name for one pattern
            formats[name] = _pattern_check(value)
            more.append({"format": name})
        elif key == "format":
            if not isinstance(value, str):
                raise _Unsafe()
            if value in INTEGER_RANGES:
                low, high = INTEGER_RANGES[value]  # on ints alone: draft 4's integer is no float
                more.append({"anyOf": [{"not": {"type": "integer"}}, {"minimum": low, "maximum": high}]})
            elif value in STRING_FORMATS:
                name = f"mockserver-format-{value}"
                formats[name] = _format_check(value)
                native = NATIVE_PATTERNS.get(value)
                more.append({"anyOf": [{"pattern": native}, {"format": name}]} if native else {"format": name})
            elif value not in NO_CHECK_ON_JSON:
                raise _Unsafe()
        elif key in LeanValidator.VALIDATORS and key not in CHECK_NOTHING:
            raise _Unsafe()  # a keyword the validator checks that is not translated ($ref, discriminator, ...)
        # anything else is checked by neither: `nullable` alone, `default`, `x-...`, exclusive* read above
    if more:
        plain["allOf"] = [*plain.get("allOf", ()), *more]
    return plain


def _is_number(value: Any) -> bool:
    """A bound jsonschema-rs compares exactly with any int or float (an int beyond 64 bits it
    rounds to a float: that keeps its order against a bound of less than 2**63)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and -(1 << 63) <= value < (1 << 63))


def _exact(value: Any) -> bool:
    """No number in `value` that a float holds inexactly (jsonschema-rs compares enum members
    with floats)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return math.isfinite(value) and abs(value) < (1 << 53)
    if isinstance(value, list):
        return all(_exact(item) for item in value)
    if isinstance(value, dict):
        return all(_exact(item) for item in value.values())
    return True


def _format_check(name: str) -> Callable[[str], bool]:
    conforms = _FORMAT_CHECKER.conforms
    return lambda instance: conforms(instance, name)


def _pattern_check(pattern: str) -> Callable[[str], bool]:
    def matches(instance: str) -> bool:
        for _ in _PATTERN(_STRINGS, pattern, instance, {}):
            return False
        return True
    return matches
