"""Path templates as connexion's router can route them, and the names it routes them by.

connexion turns each OpenAPI path template into a starlette route (`starlettify_path`: `-`
becomes `_`, a `format: path` string becomes `{name:path}`, which spans segments), and
starlette takes a parameter only when its name is an identifier: `{label.name}` would be
literal text. connexion's `sort_routes`, which orders the routes, appends `/{path:path}` to
every template, so a parameter named `path` is a duplicate there (GitHub's
`/repos/{owner}/{repo}/contents/{path}`, Kubernetes' `.../proxy/{path}`). So the templates
connexion is handed are rewritten where they need it, and only there:

- a parameter named `path`, or one whose name starlette cannot take, is routed under a name
  of the mock's, its own name kept beside it in `x-mock-name`; the pipeline's route maps the
  routed values back (`original_names`), so every stage reads a parameter by its own name
  (with `-` as `_`, as connexion routes every name);
- a value that spans segments gets `format: path`, connexion's own way to route one: a
  parameter or schema marked `x-multi-segment: true` (how GitHub marks git refs such as
  `heads/main` and file paths), and a `{path}` that ends its template (Kubernetes' proxies);
- a path the document writes percent-encoded (`/caf%C3%A9`) is decoded, as starlette matches
  the decoded request path.

The contract, the document served (`openapi.json`) and every message keep the template as
the document writes it. A segment that mixes literals and parameters (`/{name}.{ext}`,
`/{resource}:{action}`, `/{base}...{head}`) needs nothing: starlette routes it as it is.
"""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import unquote

from mockserver.base.httpfacts import HTTP_METHODS
from mockserver.base.pointer import resolve

ORIGINAL = "x-mock-name"  # beside a renamed path parameter: the name the document gives it
MULTI_SEGMENT = "x-multi-segment"
_PARAM = re.compile(r"(\{[^{}]*\})")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def routed_name(name: str) -> str:
    """A parameter's key among the routed path parameters: connexion routes `-` as `_`."""
    return name.replace("-", "_")


def routable(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document's paths with each template as connexion's router can take it (a path item
    that needs nothing is the document's own object)."""
    paths: dict[str, Any] = {}
    for template, item in (document.get("paths") or {}).items():
        routed, item = _routable(document, template, item)
        paths.setdefault(routed, item)
    return paths


def original_names(operation_parameters: list[Mapping[str, Any]]) -> dict[str, str]:
    """{routed name: the parameter's own routed name} for the parameters renamed here."""
    return {param["name"]: routed_name(param[ORIGINAL]) for param in operation_parameters
            if param.get("in") == "path" and ORIGINAL in param}


def sort_key(document: Mapping[str, Any], template: str, item: Any) -> str:
    """A routable template as starlette will see it, for connexion's `sort_routes`: a value that
    spans segments is `{name:path}`, so `/git/ref/{ref}/status` is tried before `/git/ref/{ref}`."""
    multi = set()
    if isinstance(item, Mapping):
        for param in _path_parameters(document, item):
            schema = resolve(document, param.get("schema") or {})
            if isinstance(schema, Mapping) and schema.get("format") == "path":
                multi.add(param.get("name"))
    return _PARAM.sub(lambda m: m.group(0)[:-1] + ":path}" if m.group(0)[1:-1] in multi else m.group(0), template)


def _routable(document: Mapping[str, Any], template: str, item: Any) -> tuple[str, Any]:
    if not isinstance(item, Mapping):
        return template, item
    params = _path_parameters(document, item)
    names = [part[1:-1] for part in _PARAM.split(template) if part.startswith("{")]
    multi = {name for name in names
             if any(_spans_segments(document, param) for param in params if param.get("name") == name)}
    if template.endswith("/{path}"):
        multi.add("path")
    renames = _renames(names)
    decoded = "".join(part if part.startswith("{") else unquote(part) for part in _PARAM.split(template))
    if not multi and not renames:
        return decoded, item

    def rewrite(param: Any) -> Any:
        resolved = resolve(document, param)
        if not isinstance(resolved, Mapping) or resolved.get("in") != "path":
            return param
        name = resolved.get("name")
        if name not in renames and name not in multi:
            return param
        changed = dict(resolved)
        if name in renames:
            changed["name"], changed[ORIGINAL] = renames[name], name
        schema = resolve(document, resolved.get("schema") or {})
        if name in multi and isinstance(schema, Mapping) and schema.get("type", "string") == "string":
            changed["schema"] = {**schema, "type": "string", "format": "path"}
        return changed

    rewritten = dict(item)
    for key, value in item.items():
        if key == "parameters" and isinstance(value, list):
            rewritten[key] = [rewrite(param) for param in value]
        elif key in HTTP_METHODS and isinstance(value, Mapping) and isinstance(value.get("parameters"), list):
            rewritten[key] = {**value, "parameters": [rewrite(param) for param in value["parameters"]]}
    routed = "".join("{" + renames.get(part[1:-1], part[1:-1]) + "}" if part.startswith("{") else part
                     for part in _PARAM.split(decoded))
    return routed, rewritten


def _path_parameters(document: Mapping[str, Any], item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    for params in [item.get("parameters"), *((op or {}).get("parameters") for key, op in item.items()
                                              if key in HTTP_METHODS and isinstance(op, Mapping))]:
        for param in params or ():
            param = resolve(document, param)
            if isinstance(param, Mapping) and param.get("in") == "path":
                found.append(param)
    return found


def _spans_segments(document: Mapping[str, Any], param: Mapping[str, Any]) -> bool:
    schema = resolve(document, param.get("schema") or {})
    return bool(param.get(MULTI_SEGMENT)) or (isinstance(schema, Mapping) and bool(schema.get(MULTI_SEGMENT)))


def _renames(names: list[str]) -> dict[str, str]:
    """A routable name for each parameter starlette (or connexion's sort) cannot route by its own."""
    taken = {routed_name(name) for name in names}
    renames = {}
    for name in names:
        if name != "path" and _IDENTIFIER.fullmatch(routed_name(name)):
            continue
        new = "p_" + re.sub(r"\W", "_", name)
        while new in taken:
            new += "_"
        taken.add(new)
        renames[name] = new
    return renames
