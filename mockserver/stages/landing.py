"""What a person who opens the mock in a browser, or mistypes a path, is shown.

`GET /` (when no document serves `/` itself) is a small HTML page: every API with its base URL,
its operations, its Swagger UI, and the control API's links. A path nothing serves gets a 404
problem that names the closest routes the mock does serve. The page is plain HTML with no
script and no external asset, so it works offline.
"""

from __future__ import annotations

import difflib
import json
import shlex
from html import escape
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote, urlencode

from mockserver.base.config import Credentials
from mockserver.base.httpfacts import is_json
from mockserver.base.pointer import resolve
from mockserver.contract.operations import Api, Operation
from mockserver.base.defaults import CONTROL_PREFIX
from mockserver.generate import RecordGenerator
from mockserver.http.reply import Reply

SWAGGER_UI = "/ui/"  # connexion's default Swagger UI path under each API's base path


def closest_routes(apis: list[Api], method: str, path: str, count: int = 3) -> list[str]:
    """The served routes most like the request, `GET /api/v1/activity_logs/{activity_id}`-style."""
    routes = [f"{op.method.upper()} {op.base_path}{op.path}" for api in apis for op in api.operations.values()]
    templates = {route.split(" ", 1)[1]: route for route in routes}
    near = difflib.get_close_matches(path, list(templates), n=count, cutoff=0.3)
    return [templates[template] for template in near]


PLACEHOLDER_KEY = "key"  # any non-empty bearer token or API key is accepted without --api-key (security.py)
PLACEHOLDER_BASIC = ("user", "pass")  # any user:pass pair is accepted without --basic-auth


StoredIds = Callable[[Operation], Iterable[str]]  # the ids of the records a read of `op` answers from


def runnable_curl(op: Operation, api: Api, base_url: str, credentials: Credentials = Credentials(),
                  seed: int = 0, stored: StoredIds | None = None) -> str:
    """A curl that answers a declared 2xx when pasted into a shell, as shown.

    A placeholder would not: `/pet/petId` names no record, `{...}` is no JSON, and `Bearer key`
    is a 401 once `--api-key` is set. So every value is a real one. An id is the parameter's
    documented example (it answers a record under any `--unknown-ids`), else a record the
    session holds (seeded or created: it answers under `--unknown-ids 404` too), else one the
    mock's own generator draws; the body is generated from the request schema; the credentials
    are the ones the server was started with. Deterministic for a given state of the records.
    """
    generator = _generator(api, seed)
    raw = (api.document.get("paths") or {}).get(op.path, {})
    params = {(p.get("in"), p.get("name")): p for p in
              (resolve(api.document, p) for p in [*(raw.get("parameters") or []),
                                                  *(raw.get(op.method, {}).get("parameters") or [])])}
    path, query, flags = op.base_path + op.path, [], []
    for (where, name), param in params.items():
        if where == "path":
            value = _path_value(op, api, generator, param, stored)
            path = path.replace("{" + name + "}", quote(value, safe=""))
        elif param.get("required") and where in ("query", "header", "cookie"):
            if where == "query":
                query += _query_pairs(name, _param_raw(op, api, generator, param), param)
                continue
            value = _param_value(op, api, generator, param)
            if where == "header":
                flags += ["-H", f"{name}: {value}"]
            else:
                flags += ["-b", f"{name}={value}"]
    flags += _auth_flags(op, credentials, query)
    flags += _body_flags(op, api, generator)
    url = base_url + path + ("?" + urlencode(query) if query else "")
    sends_body = "--data-binary" in flags or "-F" in flags  # curl then sends a POST unless told
    method = [] if op.method == "get" and not sends_body else ["-X", op.method.upper()]
    return shlex.join(["curl", "-i", *method, *flags, url])


_GENERATORS: dict[int, tuple[Api, int, RecordGenerator]] = {}


def _generator(api: Api, seed: int) -> RecordGenerator:
    """One generator per document (its plans are compiled once), kept with the API it serves."""
    kept = _GENERATORS.get(id(api))
    if kept is None or kept[0] is not api or kept[1] != seed:
        kept = _GENERATORS[id(api)] = (api, seed, RecordGenerator(api.document, seed=seed))
    return kept[2]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _param_raw(op: Operation, api: Api, generator: RecordGenerator, param: Mapping[str, Any]) -> Any:
    """The parameter's documented example, else one drawn from its schema."""
    schema = resolve(api.document, param.get("schema") or {})
    for example in (param.get("example"), schema.get("example") if isinstance(schema, Mapping) else None,
                    *[resolve(api.document, ex).get("value") for ex in (param.get("examples") or {}).values()]):
        if example is not None:
            return example
    return generator.generate(schema if isinstance(schema, dict) else {}, key=("curl", op.operation_id, param["name"]))


def _param_value(op: Operation, api: Api, generator: RecordGenerator, param: Mapping[str, Any]) -> str:
    return _text(_param_raw(op, api, generator, param))


def _query_pairs(name: str, value: Any, param: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A query parameter as OpenAPI serializes it: `deepObject` as `name[key]=v`, an exploded
    object (the default) as its own properties, an exploded array as the name repeated."""
    style, explode = param.get("style", "form"), param.get("explode", param.get("style", "form") == "form")
    if style == "deepObject" or (isinstance(value, dict) and not explode):
        return _bracketed(name, value) if style == "deepObject" else [(name, ",".join(
            f"{key},{_text(item)}" for key, item in value.items()))]
    if isinstance(value, dict):
        return [(key, _text(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [(name, _text(item)) for item in value] if explode else [(name, ",".join(map(_text, value)))]
    return [(name, _text(value))]


def _bracketed(name: str, value: Any) -> list[tuple[str, str]]:
    """`name[key][0]=v`: nested values of a form or a deepObject, as Rails, PHP and Stripe read them."""
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _bracketed(f"{name}[{key}]", item)]
    if isinstance(value, list):
        return [pair for index, item in enumerate(value) for pair in _bracketed(f"{name}[{index}]", item)]
    return [(name, _text(value))]


def _path_value(op: Operation, api: Api, generator: RecordGenerator, param: Mapping[str, Any],
                stored: StoredIds | None) -> str:
    """The record id a read of it answers: a documented example id, else a generated one the
    record's id field can hold (else the mock would rightly answer 404)."""
    binding = op.binding
    if binding is not None and binding.param == param["name"]:
        if op.example_ids:
            return sorted(op.example_ids)[0]
        kept = sorted(stored(op)) if stored is not None else []
        if kept:
            return kept[0]
        value = _param_value(op, api, generator, param)
        if binding.holds(value):
            return value
        if op.success is not None and op.success.schema is not None:
            record = generator.generate(op.success.schema, key=("curl", op.operation_id))
            found = binding.record_id(record)
            if found is not None and binding.holds(found):
                return found
        return value
    return _param_value(op, api, generator, param)


def _auth_flags(op: Operation, credentials: Credentials, query: list[tuple[str, str]]) -> list[str]:
    """The first security requirement the operation takes, met with the configured credentials
    (the placeholders any value of which the mock accepts, when none are configured)."""
    key = min(credentials.api_keys) if credentials.api_keys else PLACEHOLDER_KEY
    user, password = min(credentials.basic) if credentials.basic else PLACEHOLDER_BASIC
    for requirement in op.security:
        flags: list[str] = []
        for _name, scheme in requirement:
            kind, word = scheme.get("type"), str(scheme.get("scheme", "")).lower()
            if kind == "http" and word == "basic":
                flags += ["-u", f"{user}:{password}"]
            elif kind in ("oauth2", "openIdConnect") or (kind == "http" and word == "bearer"):
                flags += ["-H", f"Authorization: Bearer {key}"]
            elif kind == "http" and word:
                flags += ["-H", f"Authorization: {word.capitalize()} {key}"]
            elif kind == "apiKey" and scheme.get("in") == "header":
                flags += ["-H", f"{scheme.get('name')}: {key}"]
            elif kind == "apiKey" and scheme.get("in") == "query":
                query.append((str(scheme.get("name")), key))
            elif kind == "apiKey" and scheme.get("in") == "cookie":
                flags += ["-b", f"{scheme.get('name')}={key}"]
        return flags
    return []


def _body_flags(op: Operation, api: Api, generator: RecordGenerator) -> list[str]:
    """A body generated from the request schema, in the first media type the mock can send as
    written: JSON first, then a form, then anything else as its own bytes."""
    if not op.takes_body:
        return []
    body = resolve(api.document, api.document["paths"][op.path][op.method].get("requestBody") or {})
    content = body.get("content") or {}
    if not content or (op.method in ("get", "head", "delete") and not body.get("required")):
        return []  # curl would send a GET with a body as a POST; an optional one is left out
    order = sorted(content, key=lambda media: (not is_json(media), media != "application/x-www-form-urlencoded",
                                              media != "multipart/form-data"))
    media = order[0]
    schema = resolve(api.document, (content[media] or {}).get("schema") or {})
    example = (content[media] or {}).get("example")
    value = example if example is not None else generator.generate(
        schema if isinstance(schema, dict) else {}, key=("curl", op.operation_id, "body"))
    if is_json(media):
        return ["-H", f"Content-Type: {media}", "--data-binary", json.dumps(value, ensure_ascii=False)]
    if media == "application/x-www-form-urlencoded" and isinstance(value, dict):
        encoding = (content[media] or {}).get("encoding") or {}
        pairs = [pair for name, item in value.items() for pair in (
            _bracketed(name, item) if (encoding.get(name) or {}).get("style") == "deepObject" or isinstance(item, dict)
            else _query_pairs(name, item, encoding.get(name) or {}))]
        return ["-H", f"Content-Type: {media}", "--data-binary", urlencode(pairs)]
    if media == "multipart/form-data" and isinstance(value, dict):
        return [flag for name, item in value.items() for flag in ("-F", f"{name}={_text(item)}")]
    return ["-H", f"Content-Type: {media}", "--data-binary", _text(value) if value not in (None, "") else "x"]


def page(apis: list[Api], base_url: str, control: bool, credentials: Credentials = Credentials(),
         seed: int = 0, stored: StoredIds | None = None) -> Reply:
    """base_url: where the page was opened, with its `/__session/NAME` prefix if any."""
    sections = []
    for api in apis:
        rows = "".join(
            f"<tr><td><code>{escape(op.method.upper())}</code></td><td><code>{escape(op.base_path + op.path)}</code></td>"
            f"<td>{escape(op.operation_id)}</td>"
            f"<td><code>{escape(runnable_curl(op, api, base_url, credentials, seed, stored))}</code></td></tr>"
            for op in api.operations.values())
        title = escape(str((api.document.get("info") or {}).get("title") or api.name))
        sections.append(
            f"<section><h2>{title} <small>({escape(api.name)})</small></h2>"
            f"<p>Base URL: <code>{escape(base_url + api.base_path)}/</code> · "
            f"<a href=\"{escape(api.base_path + SWAGGER_UI)}\">Swagger UI</a></p>"
            f"<table><tr><th>method</th><th>path</th><th>operation</th><th>try</th></tr>{rows}</table></section>")
    links = "".join(
        f"<li><a href=\"{CONTROL_PREFIX}/{name}\"><code>{CONTROL_PREFIX}/{name}</code></a> {what}</li>"
        for name, what in (("health", "is the mock up"), ("routes", "every operation, declared statuses, examples"),
                           ("requests", "the request journal"), ("scenarios", "forced responses")))
    control_part = (f"<h2>Control API</h2><p><a href=\"{CONTROL_PREFIX}/\">The dashboard</a>: live requests, "
                    f"scenarios and records, in this browser.</p><ul>{links}</ul>") if control else ""
    html = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mockserver</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
            "table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;border-bottom:1px solid #ddd}"
            "</style></head><body><h1>mockserver</h1>"
            f"<p>{len(apis)} API{'' if len(apis) == 1 else 's'}, every reply validated against its contract.</p>"
            + "".join(sections) + control_part + "</body></html>")
    return Reply(200, "text/html; charset=utf-8", html.encode("utf-8"))


FOR_SWAGGER_UI = "swagger-ui"  # the query string of the document Swagger UI loads


def document(api: Api, kind: str, for_swagger_ui: bool = False) -> Reply:
    """The document the mock serves for `api`, at `{base}/openapi.json` (and `.yaml`).

    Served here rather than by connexion's Swagger UI layer, which serves the document with
    every `$ref` resolved into Python objects: a recursive schema (a tree node whose children
    are nodes) cannot be written as JSON from that, and the reply was a 500. This is the
    document as written, normalized, with what the mock adds (the 401s it enforces), mounted
    where the mock serves it.
    """
    served = dict(api.document)
    served["servers"] = [{"url": api.base_path or "/"}]
    if for_swagger_ui:
        served = _with_prefer(api, served)
    text = json.dumps(served, ensure_ascii=False, default=str)  # YAML dates as their text
    if kind == "yaml":
        import yaml

        return Reply(200, "text/yaml", yaml.safe_dump(json.loads(text), sort_keys=False, allow_unicode=True).encode("utf-8"))
    return Reply(200, "application/json", text.encode("utf-8"))


def _with_prefer(api: Api, served: dict) -> dict:
    """Swagger UI's copy: every operation also takes a `Prefer` header, a list of what it
    declares (`code=404`, `example=NAME`, `dynamic=true`), so the page can ask for any
    declared response. Only the page's copy: the document itself is the contract."""
    served = dict(served)
    paths = {path: dict(item) for path, item in (served.get("paths") or {}).items()}
    for op in api.operations.values():
        choices = [f"code={status}" for status in op.declared_statuses()]
        choices += [f"code={status}, example={name}" for status in op.declared_statuses()
                    for name in op.declared_examples(status)]
        if op.binding is not None:
            choices.append("dynamic=true")
        raw = dict(paths[op.path][op.method])
        raw["parameters"] = [*(raw.get("parameters") or []), {
            "name": "Prefer", "in": "header", "required": False,
            "description": "mockserver: answer with this declared response instead (not part of the contract)",
            "schema": {"type": "string", "enum": choices},
        }]
        paths[op.path][op.method] = raw
    served["paths"] = paths
    return served
