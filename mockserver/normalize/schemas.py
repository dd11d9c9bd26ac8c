"""Where the Schema Objects of an OpenAPI document live.

JSON Schema keywords (`examples`, `const`, `type` arrays ...) mean something else, or
nothing, outside a schema: a media type's `examples` is a map of Example Objects, not a
list. So conversions must only touch real schemas; this module finds them.
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.base import pointer
from mockserver.normalize.operations import HTTP_METHODS

# (container, key or index, JSON pointer of container[key]): assign container[key] to replace it
Slot = tuple[Any, Any, str]


def _media_map(content: Any, where: str) -> Iterator[Slot]:
    for media_type, media in (content or {}).items() if isinstance(content, dict) else ():
        if isinstance(media, dict) and "schema" in media:
            yield media, "schema", pointer.join(where, media_type, "schema")


def _parameter(param: Any, where: str) -> Iterator[Slot]:
    """Parameter and Header Objects: a `schema`, or a `content` map."""
    if not isinstance(param, dict):
        return
    if "schema" in param:
        yield param, "schema", pointer.join(where, "schema")
    yield from _media_map(param.get("content"), pointer.join(where, "content"))


def _response(response: Any, where: str) -> Iterator[Slot]:
    if not isinstance(response, dict):
        return
    yield from _media_map(response.get("content"), pointer.join(where, "content"))
    for name, header in (response.get("headers") or {}).items():
        yield from _parameter(header, pointer.join(where, "headers", name))


def _path_item(item: Any, where: str) -> Iterator[Slot]:
    if not isinstance(item, dict):
        return
    for index, param in enumerate(item.get("parameters") or []):
        yield from _parameter(param, pointer.join(where, "parameters", index))
    for method in HTTP_METHODS:
        operation = item.get(method)
        if isinstance(operation, dict):
            yield from _operation(operation, pointer.join(where, method))


def _operation(operation: dict[str, Any], where: str) -> Iterator[Slot]:
    for index, param in enumerate(operation.get("parameters") or []):
        yield from _parameter(param, pointer.join(where, "parameters", index))
    body = operation.get("requestBody")
    if isinstance(body, dict):
        yield from _media_map(body.get("content"), pointer.join(where, "requestBody", "content"))
    for code, response in (operation.get("responses") or {}).items():
        yield from _response(response, pointer.join(where, "responses", code))
    for name, callback in (operation.get("callbacks") or {}).items():
        for expression, item in (callback or {}).items():
            yield from _path_item(item, pointer.join(where, "callbacks", name, expression))


def iter_schema_slots(doc: dict[str, Any]) -> Iterator[Slot]:
    """Every place that holds a root Schema Object (nested schemas are the caller's to walk)."""
    root = pointer.ROOT
    for path, item in (doc.get("paths") or {}).items():
        yield from _path_item(item, pointer.join(root, "paths", path))
    components = doc.get("components") or {}
    where = pointer.join(root, "components")
    for name in (components.get("schemas") or {}):
        yield components["schemas"], name, pointer.join(where, "schemas", name)
    for name, param in (components.get("parameters") or {}).items():
        yield from _parameter(param, pointer.join(where, "parameters", name))
    for name, header in (components.get("headers") or {}).items():
        yield from _parameter(header, pointer.join(where, "headers", name))
    for name, response in (components.get("responses") or {}).items():
        yield from _response(response, pointer.join(where, "responses", name))
    for name, body in (components.get("requestBodies") or {}).items():
        if isinstance(body, dict):
            yield from _media_map(body.get("content"), pointer.join(where, "requestBodies", name, "content"))
    webhooks = doc.get("x-webhooks")
    for name, item in (webhooks.items() if isinstance(webhooks, dict) else ()):  # 3.1 webhooks, kept (downconvert.py)
        if isinstance(item, dict):
            yield from _path_item(item, pointer.join(root, "x-webhooks", name))
    for name, callback in (components.get("callbacks") or {}).items():
        for expression, item in (callback or {}).items():
            yield from _path_item(item, pointer.join(where, "callbacks", name, expression))


def subschema_slots(schema: dict[str, Any], where: str) -> Iterator[Slot]:
    """The schemas directly inside `schema` through keywords OpenAPI 3.0 also has."""
    properties = schema.get("properties")
    for name in list(properties) if isinstance(properties, dict) else ():
        yield properties, name, pointer.join(where, "properties", name)
    for key in ("items", "additionalProperties", "not"):
        value = schema.get(key)
        # `additionalProperties: false` is 3.0 too; a boolean `items`/`not` is a 3.1 schema
        if isinstance(value, dict) or (isinstance(value, bool) and key != "additionalProperties"):
            yield schema, key, pointer.join(where, key)
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            for index in range(len(schema[key])):
                yield schema[key], index, pointer.join(where, key, index)
