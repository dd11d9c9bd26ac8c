"""What a person who opens the mock in a browser, or mistypes a path, is shown.

`GET /` (when no document serves `/` itself) is a small HTML page: every API with its base URL,
its operations, its Swagger UI, and the control API's links. A path nothing serves gets a 404
problem that names the closest routes the mock does serve. The page is plain HTML with no
script and no external asset, so it works offline.
"""

from __future__ import annotations

import difflib
import json
from html import escape

from mockserver.contract.operations import Api, example_curl
from mockserver.base.defaults import CONTROL_PREFIX
from mockserver.http.reply import Reply

SWAGGER_UI = "/ui/"  # connexion's default Swagger UI path under each API's base path


def closest_routes(apis: list[Api], method: str, path: str, count: int = 3) -> list[str]:
    """The served routes most like the request, `GET /api/v1/activity_logs/{activity_id}`-style."""
    routes = [f"{op.method.upper()} {op.base_path}{op.path}" for api in apis for op in api.operations.values()]
    templates = {route.split(" ", 1)[1]: route for route in routes}
    near = difflib.get_close_matches(path, list(templates), n=count, cutoff=0.3)
    return [templates[template] for template in near]


def page(apis: list[Api], base_url: str, control: bool) -> Reply:
    sections = []
    for api in apis:
        rows = "".join(
            f"<tr><td><code>{escape(op.method.upper())}</code></td><td><code>{escape(op.base_path + op.path)}</code></td>"
            f"<td>{escape(op.operation_id)}</td><td><code>{escape(example_curl(op, base_url))}</code></td></tr>"
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
            f"<p>{len(apis)} API(s), every reply validated against its contract.</p>"
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
