"""An error body that says what is wrong: a generated 4xx body's error fields, filled from the
request's violations, in the document's own error shape.

A generated error body is otherwise a made-up sentence ("A new author was created") beside a
made-up field name, and the real reason lives only in a header a client rarely reads. So the
body keeps its generated shape and only the fields an error body uses to say what went wrong
are set: a message-like string gets the reason, a field-like one the field's name or JSON
pointer, and an array of error objects holds one item per violation.

Every value set is checked against the property's own schema first (type, enum, const,
pattern, length); a value the schema would refuse leaves the generated one, so the body still
validates against the document.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from mockserver.base.pointer import RefError, join, resolve, schema_properties

# Names, lower-cased without `_` and `-`, of the properties an error body says things in.
_MESSAGE = frozenset(("message", "msg", "detail", "details", "error", "errormessage", "errordescription",
                      "title", "description", "reason"))
_POINTER = frozenset(("pointer", "jsonpointer", "source"))
_FIELD = frozenset(("field", "fieldname", "path", "param", "parameter", "name", "loc", "attribute", "property"))
# Outside an item, `name` is the error's own (a JS error's "ValidationError") and `path` the
# request's (Spring's), so neither names the field there.
_NOT_A_FIELD_OUTSIDE_ITEMS = frozenset(("name", "path"))
_DEPTH = 4  # error objects nest (`error.details[].source.pointer`); deeper is not an error's shape


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a request: where (`pointer`, RFC 6901, "" for the whole body; `name`,
    what a field-like property says; `location`: body, query, path, header or cookie) and why
    (`message`, about the field alone; `summary`, which also says where)."""

    pointer: str
    message: str
    name: str = ""
    location: str = "body"
    summary: str = ""

    @property
    def said(self) -> str:
        return self.summary or self.message


def body_violation(error: Any) -> Violation:
    """A jsonschema `ValidationError` on a request body as a violation. A missing property is
    reported on its object; the violation names the property itself."""
    tokens = [str(part) for part in error.absolute_path]
    where = join("", *tokens)
    message = str(error.message)
    if error.validator == "required" and isinstance(error.validator_value, (list, tuple)):
        missing = next((name for name in error.validator_value if f"{name!r} is a required property" == message), None)
        if isinstance(missing, str):
            tokens.append(missing)
    pointer = join("", *tokens)
    summary = message if not where else f"{message} at {where}"
    return Violation(pointer, message, ".".join(tokens), "body", summary)


_PARAMETER = re.compile(r"^(Invalid|Missing) (\w+) parameter '([^']*)'(?:: (.*))?$", re.S)


def parameter_violation(reason: str) -> Violation | None:
    """A parameter refusal (request_validation's `NamingParameterValidator` wording) as a violation."""
    found = _PARAMETER.match(reason)
    if found is None:
        return None
    kind, location, name, why = found.groups()
    message = why if kind == "Invalid" and why else f"{name!r} is a required {location} parameter"
    return Violation(join("", name), message, name, location, reason)


def fill_error_fields(generator: Any, schema: Any, value: Any, violations: Sequence[Violation],
                      key: tuple[str, ...]) -> Any:
    """`value`, generated from `schema`, with its error fields saying `violations` (the first
    outside arrays, one item each in an array of errors). `generator` makes an item where the
    generated array is empty."""
    if not violations:
        return value
    return _Filler(generator, key).object(schema, value, violations[0], list(violations), 0)


class _Filler:
    def __init__(self, generator: Any, key: tuple[str, ...]) -> None:
        self.generator = generator
        self.document = generator.document
        self.key = key

    def object(self, schema: Any, value: Any, violation: Violation, violations: list[Violation] | None,
               depth: int) -> Any:
        """An object's error fields; `violations` is None inside an item (one violation each)."""
        if not isinstance(value, dict) or depth > _DEPTH:
            return value
        try:
            properties = schema_properties(self.document, schema)
        except RefError:
            return value
        top = violations is not None
        has_field = any(_plain(name) in _FIELD | _POINTER and not (top and _plain(name) in _NOT_A_FIELD_OUTSIDE_ITEMS)
                        for name in properties)
        filled = dict(value)
        for name, sub in properties.items():
            try:
                sub = resolve(self.document, sub)
            except RefError:
                continue
            if not isinstance(sub, Mapping):
                continue
            word = _plain(name)
            if word in _MESSAGE and _string(sub):
                candidate: Any = violation.message if has_field else violation.said
            elif word in _POINTER and _string(sub):
                candidate = violation.pointer
            elif word in _FIELD and not (top and word in _NOT_A_FIELD_OUTSIDE_ITEMS):
                candidate = self.field(sub, violation)
            elif name in filled and _kind(sub) == "array" and violations is not None:
                candidate = self.items(sub, filled[name], violations, depth)
            elif name in filled and _kind(sub) == "object":
                filled[name] = self.object(sub, filled[name], violation, violations, depth + 1)
                continue
            else:
                continue
            # a declared error field the generator left out is set too: the body must say what is wrong
            if candidate is not None and (name in filled or not isinstance(candidate, list)) and self.fits(sub, candidate):
                filled[name] = candidate
        return filled

    def field(self, schema: Mapping[str, Any], violation: Violation) -> Any:
        if _string(schema):
            return violation.name
        if _kind(schema) == "array":  # FastAPI's `loc`: ["body", "author", "email"]
            return [violation.location, *[part for part in violation.pointer.split("/")[1:] if part]]
        return None

    def items(self, schema: Mapping[str, Any], value: Any, violations: list[Violation], depth: int) -> Any:
        """One item per violation, each a generated item with its error fields set."""
        if not isinstance(value, list):
            return None
        try:
            item_schema = resolve(self.document, schema.get("items") or {})
        except RefError:
            return None
        if not isinstance(item_schema, Mapping):
            return None
        if _string(item_schema):
            items: list[Any] = [v.said for v in violations]
        elif _kind(item_schema) == "object" and _named(_MESSAGE | _FIELD | _POINTER,
                                                       schema_properties(self.document, item_schema)):
            items = []
            for index, violation in enumerate(violations):
                base = value[index] if index < len(value) else (value[0] if value else self.generator.generate(
                    item_schema, key=(*self.key, "error", str(index))))
                items.append(self.object(item_schema, copy.deepcopy(base), violation, None, depth + 1))
        else:
            return None
        most = schema.get("maxItems")
        if isinstance(most, int):
            items = items[:most]
        least = schema.get("minItems")
        if isinstance(least, int) and len(items) < least:
            items += value[len(items):least]
        return items

    def fits(self, schema: Mapping[str, Any], candidate: Any) -> bool:
        """Whether the schema takes `candidate` (kept to what filling sets: strings and string lists)."""
        if "const" in schema:
            return schema["const"] == candidate
        if "enum" in schema:
            return candidate in (schema.get("enum") or ())
        for word, enough in (("anyOf", lambda n: n >= 1), ("oneOf", lambda n: n == 1)):
            if isinstance(schema.get(word), list) and not schema.keys() & {"type", "allOf", "not"}:
                try:
                    branches = [resolve(self.document, branch) for branch in schema[word]]
                except RefError:
                    return False
                return enough(sum(isinstance(b, Mapping) and self.fits(b, candidate) for b in branches))
        if schema.keys() & {"oneOf", "anyOf", "allOf", "not", "$ref"}:
            return False
        if isinstance(candidate, list):
            if _kind(schema) != "array" or (schema.get("uniqueItems") and len(set(map(str, candidate))) < len(candidate)):
                return False
            if isinstance(schema.get("maxItems"), int) and len(candidate) > schema["maxItems"]:
                return False
            if isinstance(schema.get("minItems"), int) and len(candidate) < schema["minItems"]:
                return False
            try:
                items = resolve(self.document, schema.get("items") or {})
            except RefError:
                return False
            return all(isinstance(item, dict) or (isinstance(items, Mapping) and self.fits(items, item)) for item in candidate)
        if not isinstance(candidate, str) or not _string(schema) or schema.get("format"):
            return False
        if isinstance(schema.get("maxLength"), int) and len(candidate) > schema["maxLength"]:
            return False
        if isinstance(schema.get("minLength"), int) and len(candidate) < schema["minLength"]:
            return False
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                return re.search(pattern, candidate) is not None
            except re.error:
                return False
        return True


def _plain(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _named(words: frozenset[str], properties: Mapping[str, Any]) -> set[str]:
    return {name for name in properties if _plain(name) in words}


def _kind(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else None
    if kind is None and "properties" in schema:
        return "object"
    if kind is None and "items" in schema:
        return "array"
    return kind if isinstance(kind, str) else None


def _string(schema: Mapping[str, Any]) -> bool:
    return _kind(schema) == "string"
