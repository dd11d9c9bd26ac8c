"""JSON pointers (RFC 6901): naming a place in a document, and following local `$ref`s.

Path keys such as `/activity_logs/{activity_id}` contain `/`, so tokens must be escaped
or a pointer would name the wrong place. Every `$ref` the contract, the generator and the
normalizer follow is followed here, so they agree on what a reference points at.
"""

from __future__ import annotations

from typing import Any, Mapping

ROOT = "#"


def escape(token: object) -> str:
    """Escape one reference token: `~` -> `~0`, `/` -> `~1`."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(base: str, *tokens: object) -> str:
    """Extend `base` (e.g. `#/paths`) by the escaped `tokens`."""
    return base + "".join("/" + escape(token) for token in tokens)


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class RefError(KeyError, ValueError):
    """A `$ref` that cannot be followed: not local, pointing at nothing, or circular."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def lookup(document: Any, ref: str) -> Any:
    """What a local `$ref` ('#/components/schemas/X') points at."""
    if not ref.startswith("#/"):
        raise RefError(f"only local $refs are supported, got {ref!r}")
    node = document
    for token in ref[2:].split("/"):
        try:
            node = node[int(token)] if isinstance(node, list) else node[unescape(token)]
        except (KeyError, IndexError, TypeError, ValueError):
            raise RefError(f"$ref {ref!r} points at nothing") from None
    return node


def resolve(document: Any, node: Any) -> Any:
    """Follow `$ref`s until a node that is not a reference (siblings of a `$ref` are ignored,
    as OpenAPI 3.0 says)."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise RefError(f"circular $ref {ref!r}")
        seen.add(ref)
        node = lookup(document, ref)
    return node


def schema_required(document: Mapping[str, Any], schema: Any) -> list[str]:
    """The properties a schema requires, looking through `$ref` and `allOf`."""
    schema = resolve(document, schema)
    if not isinstance(schema, Mapping):
        return []
    required = [name for name in schema.get("required") or () if isinstance(name, str)]
    for part in schema.get("allOf") or ():
        required += [name for name in schema_required(document, part) if name not in required]
    return required


def schema_properties(document: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """The properties a schema declares, looking through `$ref` and `allOf`."""
    schema = resolve(document, schema)
    if not isinstance(schema, Mapping):
        return {}
    properties = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        for name, sub in schema_properties(document, part).items():
            properties.setdefault(name, sub)
    return properties


def local_refs(node: Any) -> set[tuple[str, str]]:
    """Every (kind, name) of `#/components/KIND/NAME` a part of a document refers to, names
    unescaped (the keys they name)."""
    found: set[tuple[str, str]] = set()
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                parts = ref[len("#/components/"):].split("/")
                if len(parts) >= 2:
                    found.add((parts[0], unescape(parts[1])))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found
