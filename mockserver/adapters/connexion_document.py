"""What connexion is handed of a document, at serving and when the normalizer proves that a
document loads (normalize/validate.py): one place, so the check is of what is served.

connexion routes and checks requests; replies are the pipeline's, validated by openapi-core
against the whole document."""

from __future__ import annotations

from typing import Any

from connexion.utils import sort_routes

from mockserver.base import pointer, templates
from mockserver.base.httpfacts import HTTP_METHODS

CONNEXION_RESPONSES = {"default": {"description": "answered by the mock's pipeline (respond.py)"}}
_PRUNED = ("schemas", "responses")  # components connexion gets only where what it is handed reaches them


def for_connexion(document: dict[str, Any]) -> dict[str, Any]:
    """What connexion needs of a document: its paths in route order, each operation's parameters,
    request body and security, and the components those reach, but not the responses.

    connexion routes and checks requests; replies are the pipeline's (`validate_responses` is
    off, and openapi-core validates every reply against the whole document). Its `add_api`
    still validates all it is given against the OpenAPI schema, which on a large document is
    mostly response schemas (0.5 s of a 2 s start on Twilio's): so it is given none. The whole
    document was validated on its way in (documents.py) and is what `openapi.json` serves.

    Templates are rewritten where starlette could not route them as written (templates.py).
    Vendor extensions of the document, its path items and operations are left out: connexion
    follows every `$ref` it is given, and theirs may point at what it is not given
    (GitHub's `x-github-breaking-changes` at `#/components/responses/...`), while the one it
    would act on there, `x-openapi-router-controller`, would rename every operationId."""
    routable = templates.routable(document)
    order = sort_routes(list(routable), key=lambda path: templates.sort_key(document, path, routable[path]))
    paths = {}
    for path in order:
        item = routable[path]
        if isinstance(item, dict):
            item = {key: ({**_no_extensions(value), "responses": CONNEXION_RESPONSES}
                          if key in HTTP_METHODS and isinstance(value, dict) else value)
                    for key, value in item.items() if not key.startswith("x-")}
        paths[path] = item
    lean = {**_no_extensions(document), "paths": paths}
    components = document.get("components")
    if isinstance(components, dict):
        kept = {kind: entries for kind, entries in components.items() if kind not in _PRUNED}
        reached = pointer.local_refs({**lean, "components": kept})
        seen: set[tuple[str, str]] = set()
        todo = list(reached)
        while todo:  # what those reach, through any number of `$ref`s
            kind, name = todo.pop()
            entries = components.get(kind)
            if (kind, name) in seen or not isinstance(entries, dict) or name not in entries:
                continue
            seen.add((kind, name))
            todo.extend(pointer.local_refs(entries[name]) - seen)
        for kind in _PRUNED:
            entries = components.get(kind)
            names = [name for name in entries if (kind, name) in seen] if isinstance(entries, dict) else []
            if names or (isinstance(entries, dict) and kind == "schemas"):
                kept[kind] = {name: entries[name] for name in names}
        lean["components"] = kept
    return _without_ref_properties(lean)


def _without_ref_properties(node: Any) -> Any:
    """The node without schema properties named `$ref` (Kubernetes' `JSONSchemaProps`), which
    connexion's `resolve_refs` would take for a reference: such a property goes unchecked in
    requests (the pipeline still checks every reply against the whole document). Copies only
    what it changes."""
    if isinstance(node, dict):
        changed = {key: _without_ref_properties(value) for key, value in node.items()
                   if key != "$ref" or isinstance(value, str)}
        return node if len(changed) == len(node) and all(changed[k] is node[k] for k in node) else changed
    if isinstance(node, list):
        changed_list = [_without_ref_properties(value) for value in node]
        return node if all(a is b for a, b in zip(changed_list, node)) else changed_list
    return node


def _no_extensions(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if not key.startswith("x-")}
