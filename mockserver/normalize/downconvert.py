"""OpenAPI 3.1 (JSON Schema 2020-12) -> OpenAPI 3.0.3.

connexion 3.3 rejects 3.1 documents and `type` arrays anywhere, and the Lago resolved form
mixes 3.1-style `type: [string, 'null']` into otherwise 3.0 components. Every rule here is
a no-op on valid 3.0, so it runs on every input. What 3.0 cannot express is reported as a
warning naming the JSON pointer, and dropped: a silent change would make the mock lie.
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.base import pointer
from mockserver.normalize.schemas import iter_schema_slots, subschema_slots

Note = Callable[[str, str], None]

# The Schema Object keywords of OpenAPI 3.0.3 (plus `x-` extensions).
KEYWORDS_30 = frozenset(
    {
        "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
        "maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf",
        "anyOf", "not", "items", "properties", "additionalProperties", "description", "format",
        "default", "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
        "example", "deprecated", "$ref",
    }
)


def _replace(schema: dict[str, Any], key: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`schema` with `key` replaced, in place in the key order, by `pairs` (so the output
    reads like the source: `type: string` is followed by its `nullable: true`)."""
    new_keys = {k for k, _ in pairs}
    result: dict[str, Any] = {}
    for k, v in schema.items():
        if k == key:
            result.update(pairs)
        elif k not in new_keys:
            result[k] = v
    return result


def _null_only(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    note(where, "type 'null' alone cannot be expressed in OpenAPI 3.0; written as nullable: true, enum: [null]")
    schema = _replace(schema, "type", [("nullable", True)])
    schema["enum"] = [None]
    return schema


def _type_array(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """`type: [T, 'null']` -> `type: T, nullable: true`; several types -> `anyOf`."""
    types = schema.get("type")
    if types == "null":
        return _null_only(schema, where, note)
    if not isinstance(types, list):
        return schema
    concrete = [t for t in types if t != "null"]
    nullable = [("nullable", True)] if len(concrete) < len(types) else []
    if not concrete:
        return _null_only(schema, where, note)
    if len(concrete) == 1:
        return _replace(schema, "type", [("type", concrete[0]), *nullable])
    branches = [{"type": t, **dict(nullable)} for t in concrete]
    if "anyOf" in schema:  # keep the existing anyOf: both must hold
        return _replace(schema, "type", [("allOf", [*schema.get("allOf", []), {"anyOf": branches}])])
    return _replace(schema, "type", [("anyOf", branches)])


def _const(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """`const: v` -> `enum: [v]` (3.0 has no const)."""
    if "const" not in schema:
        return schema
    value = schema["const"]
    if "enum" in schema and value not in schema["enum"]:
        note(pointer.join(where, "const"), "const is not among the enum values; the enum is replaced by [const]")
    schema = {k: v for k, v in schema.items() if k != "enum"}
    pairs = [("enum", [value])] + ([("nullable", True)] if value is None else [])
    return _replace(schema, "const", pairs)


def _examples(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """Schema `examples: [a, b]` -> `example: a` (3.0 schemas have one example), the whole list
    kept as `x-examples` when it has more than one, so generated records can vary among them."""
    examples = schema.get("examples")
    if not isinstance(examples, list):
        return schema  # not a JSON-schema examples list: reported as inexpressible below
    if not examples or "example" in schema:
        return {k: v for k, v in schema.items() if k != "examples"}
    kept = [("x-examples", examples)] if len(examples) > 1 else []
    return _replace(schema, "examples", [("example", examples[0]), *kept])


def _exclusive_bounds(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """Numeric `exclusiveMinimum: n` -> `minimum: n, exclusiveMinimum: true` (the 3.0
    boolean form); when an inclusive bound is also given, the stricter one wins."""
    for exclusive, inclusive, stricter in (
        ("exclusiveMinimum", "minimum", lambda a, b: a > b),
        ("exclusiveMaximum", "maximum", lambda a, b: a < b),
    ):
        bound = schema.get(exclusive)
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            continue
        other = schema.get(inclusive)
        if isinstance(other, (int, float)) and not isinstance(other, bool) and stricter(other, bound):
            schema = {k: v for k, v in schema.items() if k != exclusive}
        else:
            schema = {k: v for k, v in schema.items() if k != inclusive}
            schema = _replace(schema, exclusive, [(inclusive, bound), (exclusive, True)])
    return schema


def _content_encoding(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """`contentEncoding: base64` -> `format: byte`, the 3.0 spelling of the same thing."""
    if schema.get("contentEncoding") == "base64" and "format" not in schema:
        return _replace(schema, "contentEncoding", [("format", "byte")])
    return schema


def _empty_required(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """3.0 forbids `required: []` (minItems 1); it says nothing, so it goes."""
    if schema.get("required") == []:
        return {k: v for k, v in schema.items() if k != "required"}
    return schema


def _inexpressible(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """Drop, with a warning each, keywords 3.0 does not have (if/then/else, prefixItems,
    $defs, patternProperties, dependentRequired, unevaluatedProperties, contentMediaType ...)."""
    kept = {}
    for key, value in schema.items():
        if key in KEYWORDS_30 or key.startswith("x-"):
            kept[key] = value
        else:
            note(pointer.join(where, key), f"'{key}' cannot be expressed in OpenAPI 3.0; dropped")
    return kept


def _ref_siblings(schema: dict[str, Any], where: str, note: Note) -> dict[str, Any]:
    """`$ref` with siblings -> `allOf: [{$ref}]` plus the siblings: in 3.0 a `$ref`'s
    siblings are ignored, so an `example` or `description` beside it would be lost."""
    if "$ref" not in schema or len(schema) == 1:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
    return {"allOf": [{"$ref": schema["$ref"]}, *schema.get("allOf", [])], **rest}


_RULES = (_type_array, _const, _examples, _exclusive_bounds, _content_encoding, _empty_required, _inexpressible, _ref_siblings)


def convert_schema(schema: Any, where: str, note: Note) -> Any:
    """One schema and everything nested in it, converted to 3.0."""
    if isinstance(schema, bool):  # 3.0 has no boolean schemas
        return {} if schema else {"not": {}}
    if not isinstance(schema, dict):
        return schema
    for container, key, here in list(subschema_slots(schema, where)):
        container[key] = convert_schema(container[key], here, note)
    for rule in _RULES:
        schema = rule(schema, where, note)
    return schema


WEBHOOKS = "x-webhooks"  # where a 3.1 document's `webhooks` live in the 3.0 output (contract/webhooks.py)


def _keep_webhooks(doc: dict[str, Any]) -> None:
    """3.1 `webhooks` move under `x-webhooks`: 3.0 has no such field, but the mock sends them
    (docs/events.md). A webhook that is a `$ref` to `components/pathItems` (3.1 only, dropped
    below) is copied in first; its schemas are converted with the paths' (schemas.py)."""
    webhooks = doc.pop("webhooks", None)
    if not isinstance(webhooks, dict) or not webhooks:
        return
    items = ((doc.get("components") or {}).get("pathItems") or {}) if isinstance(doc.get("components"), dict) else {}
    kept: dict[str, Any] = {}
    for name, item in webhooks.items():
        ref = item.get("$ref") if isinstance(item, dict) else None
        if isinstance(ref, str) and ref.startswith("#/components/pathItems/"):
            item = items.get(pointer.unescape(ref.rsplit("/", 1)[1]), item) if isinstance(items, dict) else item
        kept[name] = item
    doc[WEBHOOKS] = {**(doc.get(WEBHOOKS) or {}), **kept}


def _document(doc: dict[str, Any], note: Note) -> None:
    """Document-level 3.1 features that 3.0 lacks."""
    root = pointer.ROOT
    _keep_webhooks(doc)
    for key in ("jsonSchemaDialect",):
        if key in doc:
            note(pointer.join(root, key), f"'{key}' cannot be expressed in OpenAPI 3.0; dropped")
            del doc[key]
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    if "summary" in info:
        note(pointer.join(root, "info", "summary"), "info.summary cannot be expressed in OpenAPI 3.0; dropped")
        del info["summary"]
    license_ = info.get("license") if isinstance(info.get("license"), dict) else {}
    if "identifier" in license_:
        note(pointer.join(root, "info", "license", "identifier"), "license identifier cannot be expressed in OpenAPI 3.0; dropped")
        del license_["identifier"]
    components = doc.get("components") if isinstance(doc.get("components"), dict) else {}
    if "pathItems" in components:
        note(pointer.join(root, "components", "pathItems"), "components.pathItems cannot be expressed in OpenAPI 3.0; dropped")
        del components["pathItems"]
    schemes = components.get("securitySchemes") or {}
    for name in [n for n, s in schemes.items() if isinstance(s, dict) and s.get("type") == "mutualTLS"]:
        note(pointer.join(root, "components", "securitySchemes", name), "mutualTLS cannot be expressed in OpenAPI 3.0; dropped")
        del schemes[name]
    doc.setdefault("paths", {})  # optional in 3.1, required in 3.0


def downconvert(doc: dict[str, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """Convert `doc` in place to OpenAPI 3.0.3; warnings are `<source>: <pointer>: <what>`."""

    def note(where: str, message: str) -> None:
        warnings.append(f"{source}: {where}: {message}")

    _document(doc, note)
    for container, key, here in list(iter_schema_slots(doc)):
        container[key] = convert_schema(container[key], here, note)
    doc["openapi"] = "3.0.3"
    return doc
