"""Applying OpenAPI Overlay 1.0 documents: reviewable corrections beside the vendor's text.

Where the real service differs from its docs (see VENDOR-NOTES), the fix lives in
`openapi/overlays/<vendor>.yaml`, each action citing its evidence, never in the generated
output. Targets are RFC 9535 JSONPath, evaluated by python-jsonpath in strict mode.

Semantics (Overlay 1.0.0, "Action Object"):
- `update` on an object merges recursively: objects merge key by key, arrays are
  concatenated, anything else is replaced; `update` on an array appends the value to it.
- `remove: true` deletes each matched node from the object or array that holds it (and
  wins over `update`, as the specification says).
- An action whose target matches nothing is an error: it would otherwise rot silently when
  the vendor's document changes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from jsonpath import JSONPathEnvironment, JSONPathError

from mockserver.base.user_errors import UserError
from mockserver.normalize.load import display_path, parse_yaml, read_text

_JSONPATH = JSONPathEnvironment(strict=True)


def _merge(target: Any, update: Any) -> Any:
    """`update` merged into `target` (mutating `target` where it is an object)."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list) and isinstance(update, list):
        return target + copy.deepcopy(update)
    return copy.deepcopy(update)


def load_overlay(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """Read and check an Overlay 1.0 document; returns (source name, actions)."""
    source = display_path(path)
    data = parse_yaml(read_text(path), source)
    if not isinstance(data, dict):
        raise UserError(source, "not an Overlay document: expected a mapping")
    version = str(data.get("overlay", ""))
    if not version.startswith("1.0"):
        raise UserError(source, f"unsupported Overlay version {data.get('overlay')!r} (expected 'overlay: 1.0.0')")
    info = data.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        raise UserError(source, "info.title and info.version are required (Overlay 1.0)")
    actions = data.get("actions")
    if actions is None:
        actions = []
    if not isinstance(actions, list):
        raise UserError(source, "actions must be a list")
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str) or not action["target"]:
            raise UserError(source, f"{where}: needs a 'target' JSONPath string")
        if "remove" in action and not isinstance(action["remove"], bool):
            raise UserError(source, f"{where}: 'remove' must be true or false")
        if not action.get("remove") and "update" not in action:
            raise UserError(source, f"{where} (target {action['target']}): needs 'update' or 'remove: true'")
    return source, actions


def apply_actions(doc: dict[str, Any], source: str, actions: list[dict[str, Any]]) -> None:
    """Apply the actions in order to `doc`, in place."""
    for index, action in enumerate(actions):
        target = action["target"]
        where = f"actions[{index}] (target {target})"
        try:
            matches = list(_JSONPATH.finditer(target, doc))
        except JSONPathError as exc:
            raise UserError(source, f"{where}: invalid JSONPath: {str(exc).splitlines()[0]}") from None
        if not matches:
            raise UserError(source, f"{where}: matches nothing in the document")
        if action.get("remove"):
            if any(not m.parts for m in matches):
                raise UserError(source, f"{where}: cannot remove the document root")
            # Highest array index first, so removing several items of one array keeps the
            # others' places; the parent is held by reference, so nested matches are safe.
            for match in sorted(matches, key=lambda m: m.parts[-1] if isinstance(m.parts[-1], int) else -1, reverse=True):
                del match.parent.obj[match.parts[-1]]
            continue
        update = action["update"]
        for match in matches:
            node = match.obj
            if isinstance(node, list):
                node.append(copy.deepcopy(update))
            elif isinstance(node, dict) and isinstance(update, dict):
                _merge(node, update)
            else:
                kind = "an object" if isinstance(node, dict) else "a scalar"
                raise UserError(source, f"{where}: 'update' needs an object target with an object value, or an array target; matched {kind} at {match.path}")


def apply_overlay(doc: dict[str, Any], path: Path) -> None:
    """Load the overlay at `path` and apply it to `doc`."""
    source, actions = load_overlay(path)
    apply_actions(doc, source, actions)
