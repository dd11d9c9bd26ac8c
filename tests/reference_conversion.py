"""The reference Swagger 2.0 -> OpenAPI 3.0 converter (npm `swagger2openapi`), and what of its
output our converter must agree with.

    .venv/bin/python -m tests.reference_conversion tests/data/specs/petstore-2.0.json

installs the package with the machine's npm into `.bench/` (ignored by git) once, converts the
document with both converters and prints every difference that matters to a mock: the
operations, their parameters, request bodies, responses' media types and schemas, the components
and the servers. A few differences are ours on purpose; `differences` folds them away, each with
its reason, and everything else is reported.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from mockserver.base.httpfacts import HTTP_METHODS

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "swagger2openapi@7.0.8"
FOLDER = REPO / ".bench" / "swagger2openapi-7.0.8"


class Unavailable(Exception):
    """Node, npm or the npm registry is missing: the comparison cannot run here."""


def install() -> Path:
    """The `swagger2openapi` command, installed once into `.bench/`."""
    command = FOLDER / "node_modules" / ".bin" / "swagger2openapi"
    if command.exists():
        return command
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise Unavailable("node and npm are needed to run swagger2openapi (apt-get install nodejs npm)")
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / "package.json").write_text('{"name": "reference-conversion", "private": true}')
    installed = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", PACKAGE], cwd=FOLDER,
                               capture_output=True, text=True, timeout=300)
    if installed.returncode != 0 or not command.exists():
        raise Unavailable(f"npm install {PACKAGE} failed (is the npm registry reachable?): {installed.stderr[-500:]}")
    return command


def convert(source: dict[str, Any], folder: Path) -> dict[str, Any]:
    """`source` converted by swagger2openapi, with `--patch` (it repairs what it calls patchable,
    as our converter does) and `--warnOnly` (it warns where we warn)."""
    command = install()
    given, written = folder / "swagger.json", folder / "openapi.json"
    given.write_text(json.dumps(source), encoding="utf-8")
    run = subprocess.run([str(command), "--patch", "--warnOnly", str(given), "-o", str(written)],
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise AssertionError(f"swagger2openapi failed: {run.stderr[-1000:]}")
    return json.loads(written.read_text(encoding="utf-8"))


def _resolve(document: dict[str, Any], node: Any) -> Any:
    for _ in range(20):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
            return node
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _schema(node: Any) -> Any:
    """A schema as both converters must agree on it. The reference drops what stands beside a
    `$ref` (a `description`, an `x-nullable` made `nullable`); we keep it (3.0 ignores it there,
    so the down-conversion that follows wraps it in `allOf`), which is more, not other."""
    if isinstance(node, list):
        return [_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    return {key: _schema(value) for key, value in node.items()}


_STYLE_DEFAULTS = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


def _parameter(document: dict[str, Any], param: Any) -> tuple[str, dict[str, Any]]:
    param = _resolve(document, param)
    style = param.get("style", _STYLE_DEFAULTS.get(param.get("in")))  # 3.0's defaults, said or not
    explode = param.get("explode", style == "form")
    # x-s2o-warning: the reference's note beside what it could not convert; ours are warnings
    kept = {k: v for k, v in param.items() if k not in ("style", "explode", "schema") and not k.startswith("x-s2o-")}
    return f"{param.get('in')} {param.get('name')}", {**kept, "style": style, "explode": explode,
                                                   "schema": _schema(param.get("schema"))}


def _content(document: dict[str, Any], content: Any) -> dict[str, Any]:
    return {media: {"schema": _schema((entry or {}).get("schema")),
                    "examples": (entry or {}).get("examples")}
            for media, entry in (content or {}).items()}


def _operation(document: dict[str, Any], item: dict[str, Any], op: dict[str, Any],
               produces_given: bool) -> dict[str, Any]:
    params = dict(_parameter(document, p) for p in item.get("parameters") or [])
    params.update(_parameter(document, p) for p in op.get("parameters") or [])
    body = _resolve(document, op.get("requestBody"))
    responses = {}
    for code, response in (op.get("responses") or {}).items():
        response = _resolve(document, response) or {}
        content = _content(document, response.get("content"))
        if not produces_given and set(content) == {"*/*"}:
            # Without `produces`, the reference declares `*/*`; we declare application/json, what
            # such a document's clients expect back and what a mock must pick one body for.
            content = {"application/json": content["*/*"]}
        responses[str(code)] = {"content": content, "headers": sorted(response.get("headers") or {})}
    return {
        "parameters": params,
        "requestBody": None if body is None else {"required": bool(body.get("required")),
                                                  "content": _content(document, body.get("content"))},
        "responses": responses,
        "security": op.get("security"),
        "operationId": op.get("operationId"),
    }


def _view(document: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """What of a converted document a mock serves, with references followed."""
    operations = {}
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                given = source["paths"][path][method]
                produces_given = bool(given["produces"] if "produces" in given else source.get("produces"))
                operations[f"{method.upper()} {path}"] = _operation(document, item, item[method], produces_given)
    components = document.get("components") or {}
    return {
        "servers": document.get("servers"),
        "operations": operations,
        "schemas": {name: _schema(schema) for name, schema in (components.get("schemas") or {}).items()},
        "securitySchemes": components.get("securitySchemes"),
        "security": document.get("security"),
    }


def _walk(path: str, ours: Any, theirs: Any, found: list[str]) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in list(dict.fromkeys([*ours, *theirs])):
            if key not in theirs:
                found.append(f"{path}/{key}: only ours: {json.dumps(ours[key])[:200]}")
            elif key not in ours:
                found.append(f"{path}/{key}: only the reference: {json.dumps(theirs[key])[:200]}")
            else:
                _walk(f"{path}/{key}", ours[key], theirs[key], found)
    elif ours != theirs:
        found.append(f"{path}: ours {json.dumps(ours)[:200]}, the reference {json.dumps(theirs)[:200]}")


def differences(source: dict[str, Any], ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Where our conversion of `source` and the reference's differ in what a mock serves."""
    found: list[str] = []
    _walk("", _view(ours, source), _view(reference, source), found)
    return found


def main(argv: list[str]) -> int:
    import tempfile

    from mockserver.normalize.load import load_document
    from mockserver.normalize.upconvert import upconvert

    source = load_document(Path(argv[0])).data
    with tempfile.TemporaryDirectory() as folder:
        reference = convert(copy.deepcopy(source), Path(folder))
    warnings: list[str] = []
    found = differences(source, upconvert(source, argv[0], warnings), reference)
    print("\n".join(warnings))
    print(f"{len(found)} differences")
    print("\n".join(found[:50]))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
