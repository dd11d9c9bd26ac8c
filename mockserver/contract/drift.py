"""What an upstream reply does differently from its contract, each difference with the Overlay
1.0 action that would make the contract accept it (`/__mock/drift?format=overlay`).

validation.py says whether a reply breaks the contract, in openapi-core's words; this walks the
reply beside the schema that describes it (following `$ref` and `allOf`, so each difference
is pinned to the node of the document that says otherwise) and names, per JSON pointer of the
body: a type that differs (`type`), a `null` where none is allowed (`nullable`), a value its
`enum` lacks (`enum`), a required property missing (`required`) and a property the schema
does not list (`property-added`: no violation unless `additionalProperties: false`, but a
change of the vendor's all the same). A violation the walk cannot pin (a `oneOf`, a format)
is kept in openapi-core's words, without an action. Plain functions of the document: no state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.base.names import credential_field
from mockserver.base.pointer import escape, unescape
from mockserver.contract.operations import Operation

_ELEMENTS_WALKED = 20  # items of one array compared with its `items` (the first ones; a list repeats one shape)
_DEPTH = 32  # nesting walked; deeper bodies are left to validation.py's verdict
_SHOWN = 80  # characters of a value quoted in `actual`
@dataclass(frozen=True)
class Finding:
    pointer: str  # JSON pointer in the reply body ("" the whole body)
    kind: str  # type, nullable, enum, required, property-added, status, content-type, schema
    expected: str  # what the contract says
    actual: str  # what the upstream sent
    target: str = ""  # JSON pointer of the document node the actions change ("" none)
    actions: tuple[Mapping[str, Any], ...] = ()  # Overlay 1.0 actions that make the contract accept it

    @property
    def key(self) -> tuple[str, str, str]:
        """Distinct drifts: the same difference in every item of a list is one (indices as `*`)."""
        generic = "/".join("*" if token.isdigit() else token for token in self.pointer.split("/"))
        return generic, self.kind, self.target

    def said(self) -> str:
        return f"{self.pointer or '/'}: {self.kind}: expected {self.expected}, got {self.actual}"


def redacted(value: Any, depth: int = 0) -> Any:
    """The value with every property named like a credential replaced (for samples)."""
    if depth > _DEPTH:
        return "[cut]"
    if isinstance(value, dict):
        return {k: "[redacted]" if credential_field(str(k)) else redacted(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, depth + 1) for v in value]
    return value


def jsonpath(pointer: str, document: Any = None) -> str:
    """The RFC 9535 normalized path of a document node named by its JSON pointer: an array's
    items by index (`[1]`), anything else by name (`['200']`), as `document` holds them."""
    path, node = "$", document
    for token in pointer.split("/")[1:] if pointer else []:
        if isinstance(node, list) and token.isdigit():
            path, node = path + f"[{token}]", node[int(token)] if int(token) < len(node) else None
            continue
        part = unescape(token)
        path += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
        node = node.get(part) if isinstance(node, dict) else None
    return path


def type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _matches(declared: str, value: Any) -> bool:
    actual = type_of(value)
    return actual == declared or (declared == "number" and actual == "integer")


def inferred(value: Any, depth: int = 0) -> dict[str, Any]:
    """A schema that accepts `value` (the property an overlay adds)."""
    kind = type_of(value)
    if kind == "null":
        return {"nullable": True}
    if kind == "array":
        return {"type": "array", "items": inferred(value[0], depth + 1) if value and depth < 3 else {}}
    if kind == "object":
        if depth >= 3:
            return {"type": "object"}
        return {"type": "object", "properties": {str(k): inferred(v, depth + 1) for k, v in value.items()}}
    return {"type": kind}


def shown(value: Any, name: str = "") -> str:
    if name and credential_field(name):
        return f"{type_of(value)} [redacted]"
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return f"{type_of(value)} {text if len(text) <= _SHOWN else text[:_SHOWN] + '...'}"


class Walk:
    """One reply body beside the document's schema for it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.found: list[Finding] = []

    def node(self, pointer: str) -> tuple[str, Any]:
        """The node at `pointer`, its local `$ref`s followed: (its own pointer, the node)."""
        seen = set()
        node = self.at(pointer)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
            if pointer in seen:
                return pointer, None
            seen.add(pointer)
            pointer = node["$ref"][1:]
            node = self.at(pointer)
        return pointer, node

    def at(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.split("/")[1:] if pointer else []:
            if isinstance(node, dict):
                node = node.get(unescape(token))
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node

    def members(self, at: str, schema: Mapping[str, Any], depth: int = 0) -> list[tuple[str, Mapping[str, Any]]]:
        """The schema and every `allOf` member, each with its pointer (an object's parts)."""
        found = [(at, schema)]
        if depth < 8:
            for index, _ in enumerate(schema.get("allOf") or ()):
                member_at, member = self.node(f"{at}/allOf/{index}")
                if isinstance(member, dict):
                    found += self.members(member_at, member, depth + 1)
        return found

    def walk(self, at: str, value: Any, pointer: str = "", name: str = "", depth: int = 0) -> None:
        at, schema = self.node(at)
        if not isinstance(schema, dict) or depth > _DEPTH:
            return
        target = jsonpath(at, self.document)
        if value is None:
            if not schema.get("nullable") and (schema.get("type") or schema.get("properties")):
                self.found.append(Finding(pointer, "nullable", f"{schema.get('type', 'a value')}, not null", "null",
                                          at, ({"target": target, "update": {"nullable": True},
                                                "description": f"the vendor sends null at {pointer or '/'}"},)))
            return
        declared = schema.get("type")
        if isinstance(declared, str) and not _matches(declared, value):
            actual = type_of(value)
            if declared == "integer" and actual == "number":
                actions: tuple[Mapping[str, Any], ...] = ({"target": target, "update": {"type": "number"},
                                                          "description": f"the vendor sends a number at {pointer or '/'}"},)
            else:
                actions = ({"target": f"{target}['type']", "remove": True,
                            "description": f"the vendor sends {actual} at {pointer or '/'}, not only {declared}"},
                           {"target": target, "update": {"anyOf": [{"type": declared}, inferred(value)]}})
            self.found.append(Finding(pointer, "type", declared, shown(value, name), at, actions))
            return
        enum = schema.get("enum")
        if isinstance(enum, list) and value not in enum:
            self.found.append(Finding(pointer, "enum", "one of " + ", ".join(json.dumps(v) for v in enum[:10]),
                                      shown(value, name), f"{at}/enum",
                                      ({"target": f"{target}['enum']", "update": value,
                                        "description": f"the vendor sends {json.dumps(value)} at {pointer or '/'}"},)))
        if isinstance(value, dict):
            self.walk_object(at, schema, value, pointer, depth)
        elif isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value[:_ELEMENTS_WALKED]):
                self.walk(f"{at}/items", item, f"{pointer}/{index}", name, depth + 1)

    @staticmethod
    def owner(parts: list[tuple[str, Mapping[str, Any]]], at: str) -> str:
        """Where a property the schema lacks is added: the part that refuses it
        (`additionalProperties: false`), else the last part that lists properties (in an
        `allOf`, the schema's own part after the shared ones)."""
        listing = [(part_at, part) for part_at, part in parts if isinstance(part.get("properties"), dict)]
        refusing = [part_at for part_at, part in listing if part.get("additionalProperties") is False]
        return refusing[0] if refusing else listing[-1][0] if listing else at

    def walk_object(self, at: str, schema: Mapping[str, Any], value: dict, pointer: str, depth: int) -> None:
        parts = self.members(at, schema)
        properties: dict[str, str] = {}  # name -> pointer of its schema
        listed = False
        for part_at, part in parts:
            if isinstance(part.get("properties"), dict):
                listed = True
                for prop in part["properties"]:
                    properties.setdefault(prop, f"{part_at}/properties/{escape(prop)}")
            required = part.get("required")
            for prop in required if isinstance(required, list) else ():
                if prop not in value:
                    self.found.append(Finding(f"{pointer}/{escape(prop)}", "required", "present (required)", "absent",
                                              f"{part_at}/required",
                                              ({"target": f"{jsonpath(part_at, self.document)}['required']", "remove-item": prop,
                                                "description": f"the vendor leaves out {prop} at {pointer or '/'}"},)))
        extra = schema.get("additionalProperties")
        for prop, item in value.items():
            if prop in properties:
                self.walk(properties[prop], item, f"{pointer}/{escape(prop)}", prop, depth + 1)
            elif isinstance(extra, dict):
                self.walk(f"{at}/additionalProperties", item, f"{pointer}/{escape(prop)}", prop, depth + 1)
            elif listed and extra is not True:
                owner = self.owner(parts, at)
                self.found.append(Finding(
                    f"{pointer}/{escape(prop)}", "property-added", "no such property", shown(item, prop),
                    f"{owner}/properties",
                    ({"target": f"{jsonpath(owner, self.document)}['properties']", "update": {prop: inferred(item)},
                      "description": f"the vendor sends {prop} at {pointer or '/'}"},)))


def findings(document: Mapping[str, Any], op: Operation, status: int, media_type: str | None, body: bytes,
             violations: tuple[str, ...]) -> list[Finding]:
    """Every difference of one upstream reply from the contract (empty: none)."""
    declared = op.declared(status)
    operation_at = f"/paths/{escape(op.path)}/{op.method}"
    if declared is None:
        return [Finding("", "status", f"one of {op.declared_statuses()}", str(status), f"{operation_at}/responses",
                        _new_response(jsonpath(operation_at, document), status, media_type, body))]
    variant = declared.variant(media_type) if media_type else declared
    found: list[Finding] = []
    if variant is not None and variant.media_type is not None and variant.schema is not None and _is_json(media_type):
        try:
            value = json.loads(body)
        except ValueError:
            value = ...
        if value is not ...:
            walk = Walk(document)
            response_at, _ = walk.node(f"{operation_at}/responses/{escape(declared.doc_key)}")
            walk.walk(f"{response_at}/content/{escape(variant.media_type)}/schema", value)
            found = walk.found
    if violations and all(f.kind == "property-added" for f in found):  # what the walk could not pin
        for violation in violations:
            pointer, sep, message = violation.partition(": ")
            if not sep or not pointer.startswith("/"):
                pointer, message = "", violation
            found.append(Finding("" if pointer == "/" else pointer, "content-type" if "content type" in message
                                 else "schema", "what the contract declares", message[:200]))
    return found


def _is_json(media_type: str | None) -> bool:
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _new_response(operation_path: str, status: int, media_type: str | None, body: bytes) -> tuple[Mapping[str, Any], ...]:
    response: dict[str, Any] = {"description": "Seen from the vendor (mockserver drift)"}
    if body and _is_json(media_type):
        try:
            response["content"] = {"application/json": {"schema": inferred(json.loads(body))}}
        except ValueError:
            pass
    return ({"target": f"{operation_path}['responses']", "update": {str(status): response},
             "description": f"the vendor answers {status}"},)


def overlay(document: Mapping[str, Any], title: str, found: list[Finding]) -> dict[str, Any]:
    """An Overlay 1.0 document whose actions, applied to `document`, make it accept what the
    upstream sent: each action once, in the order found; required properties the vendor
    leaves out are taken out of their `required` list (the whole list when it would be empty,
    which OpenAPI 3.0 does not allow)."""
    actions: list[dict[str, Any]] = []
    seen: set[str] = set()
    dropped: dict[str, list[str]] = {}  # document pointer of a `required` list -> names taken out
    for finding in found:
        for action in finding.actions:
            if "remove-item" in action:
                names = dropped.setdefault(finding.target, [])
                if action["remove-item"] not in names:
                    names.append(action["remove-item"])
                continue
            key = json.dumps({k: v for k, v in action.items() if k != "description"}, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                actions.append(dict(action))
    walk = Walk(document)
    for at, names in dropped.items():
        _, listed = walk.node(at)
        target = jsonpath(at, document)
        if isinstance(listed, list) and set(listed) <= set(names):
            actions.append({"target": target, "remove": True,
                            "description": f"the vendor leaves out {', '.join(names)}: none stays required"})
            continue
        for name in names:
            quoted = name.replace("\\", "\\\\").replace("'", "\\'")
            actions.append({"target": f"{target}[?@ == '{quoted}']", "remove": True,
                            "description": f"the vendor leaves out {name}"})
    return {"overlay": "1.0.0", "info": {"title": title, "version": "1.0.0"}, "actions": actions}
