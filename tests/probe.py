"""Send one GET per operation of a document to the mock, in-process, and say what came back.

Used by the large-document tests, and from the command line while working on a document:

    .venv/bin/python -m tests.probe tests/data/specs/stripe.json [--accept TYPE] [--show N]

A path parameter gets its example, else the first enum value, else a value made for its
schema's type and pattern, so each request reaches the operation rather than the path guard.
A write gets the smallest body its operation takes (`body_for`).
"""

from __future__ import annotations

import argparse
import base64
import asyncio
import collections
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from mockserver.app import create_app
from mockserver.base.config import ServeConfig

_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass
class Outcome:
    method: str
    template: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Probe:
    document: dict[str, Any]
    outcomes: list[Outcome] = field(default_factory=list)
    startup_s: float = 0.0

    def statuses(self) -> collections.Counter:
        return collections.Counter(o.status for o in self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status >= 500]


def _resolve(document: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 20:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def value_for(document: dict[str, Any], parameter: dict[str, Any]) -> str:
    """A path value the parameter's schema accepts, as a client would send one."""
    schema = _resolve(document, parameter.get("schema") or parameter)  # Swagger 2.0: on the parameter
    if "example" in parameter:
        return str(parameter["example"])
    if isinstance(schema, dict):
        for option in schema.get("anyOf") or schema.get("oneOf") or []:
            schema = _resolve(document, option)
            break
        if "example" in schema:
            return str(schema["example"])
        if schema.get("enum"):
            return str(schema["enum"][0])
        if schema.get("type") in ("integer", "number"):
            return str(max(1, int(schema.get("minimum", 1))))
        if schema.get("type") == "boolean":
            return "true"
        if schema.get("format") == "uuid":
            return "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        if schema.get("format") == "date":
            return "2024-01-31"
        if schema.get("format") == "date-time":
            return "2024-01-31T10:00:00Z"
        if schema.get("pattern"):
            import random

            from mockserver.generate.pattern import generate  # the generator's own pattern reader

            made = generate(schema["pattern"], random.Random(1))
            if made is not None and re.search(schema["pattern"], made):
                return made
    return "abc123"


def requests_for(document: dict[str, Any], method: str = "get") -> list[tuple[str, str, dict[str, str]]]:
    """(template, concrete path, credentials) for every operation of `method` (every GET),
    parameters filled from their schemas."""
    base = str(document.get("basePath") or "").rstrip("/")  # Swagger 2.0
    servers = document.get("servers") or []
    if servers and isinstance(servers[0], dict):
        base = re.sub(r"^[a-z]+://[^/]*", "", str(servers[0].get("url", ""))).rstrip("/")
        base = "" if "{" in base else base
    found = []
    for template, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict) or method not in item:
            continue
        params = {}
        for parameter in [*(item.get("parameters") or []), *(item[method].get("parameters") or [])]:
            parameter = _resolve(document, parameter)
            if parameter.get("in") == "path":
                params[parameter["name"]] = value_for(document, parameter)
        path = _PARAM.sub(lambda m: quote(params.get(m.group(1), "abc123"), safe=""), template)
        found.append((template, base + path, credentials_for(document, item[method])))
    return found


def body_for(document: dict[str, Any], operation: dict[str, Any]) -> tuple[dict[str, str], bytes | None]:
    """The smallest request body a client may send: the declared required fields only, as a
    form (bracketed keys, as Stripe's SDKs send them) or as JSON, whichever the operation
    takes; with its content type."""
    content = (_resolve(document, operation.get("requestBody") or {}) or {}).get("content") or {}
    if "application/x-www-form-urlencoded" in content:
        pairs: list[tuple[str, str]] = []
        _flatten("", minimal_value(document, content["application/x-www-form-urlencoded"].get("schema")), pairs)
        return {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(pairs).encode()
    kind = next((kind for kind in content if kind == "application/json" or kind.endswith("+json")), None)
    if kind is None:
        return {}, None
    return {"Content-Type": kind}, json.dumps(minimal_value(document, content[kind].get("schema"))).encode()


def minimal_value(document: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """A value of `schema` with nothing it does not require: an object's required properties,
    an array's fewest items, an enum's first value, the first branch of a choice."""
    schema = _resolve(document, schema)
    if not isinstance(schema, dict) or depth > 12:
        return "x"
    if schema.get("enum"):
        return schema["enum"][0]
    for choice in ("anyOf", "oneOf"):
        if schema.get(choice):
            return minimal_value(document, schema[choice][0], depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            made = minimal_value(document, part, depth + 1)
            merged.update(made if isinstance(made, dict) else {})
        return merged
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "array":
        return [minimal_value(document, schema.get("items"), depth + 1)] * max(1, int(schema.get("minItems", 1)))
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {name: minimal_value(document, properties.get(name), depth + 1) for name in schema.get("required") or ()}
    made = {"email": "a@example.com", "date-time": "2024-01-31T10:00:00Z", "date": "2024-01-31",
            "uri": "https://example.com", "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}.get(schema.get("format"))
    return made or "x" * max(1, int(schema.get("minLength", 1)))


def _flatten(prefix: str, value: Any, pairs: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}[{key}]" if prefix else key, inner, pairs)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(f"{prefix}[{index}]", inner, pairs)
    else:
        pairs.append((prefix, str(value).lower() if isinstance(value, bool) else str(value)))


async def sweep(client: httpx.AsyncClient, document: dict[str, Any], headers: dict[str, str]) -> list[Outcome]:
    """One GET per operation through `client` (in-process or over a socket), with `headers` and
    the operation's credentials."""
    outcomes = []
    for template, path, credentials in requests_for(document):
        response = await client.get(path, headers={**credentials, **headers})
        outcomes.append(Outcome("get", template, path, response.status_code,
                                response.headers.get("content-type", ""), response.content))
    return outcomes


def credentials_for(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, str]:
    """Headers that satisfy the operation's first security requirement (an unrestricted mock
    accepts any well-formed credential), so a read reaches its operation instead of a 401."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    requirements = operation.get("security", document.get("security")) or [{}]
    headers: dict[str, str] = {}
    for name in requirements[0] or {}:
        scheme = _resolve(document, schemes.get(name) or {})
        kind, how = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "http" and how == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(b"user:secret").decode()
        elif kind in ("http", "oauth2", "openIdConnect"):
            headers["Authorization"] = "Bearer sk_test_123"
        elif kind == "apiKey" and scheme.get("in") == "header":
            headers[scheme["name"]] = "sk_test_123"
    return headers


def probe(spec: Path, accept: str = "application/json", **config: Any) -> Probe:
    """The document served in this process (the app `serve` builds), swept once."""
    started = time.perf_counter()
    app = create_app(ServeConfig(specs=(spec,), quiet=True, **config))
    result = Probe(app.engine.apis[0].document)
    result.startup_s = time.perf_counter() - started

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            result.outcomes = await sweep(client, result.document, {"Accept": accept})
    asyncio.run(go())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.probe", description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--accept", default="application/json")
    parser.add_argument("--show", type=int, default=10, help="how many failures to print")
    args = parser.parse_args(argv)
    result = probe(args.spec, args.accept)
    print(f"start-up {result.startup_s:.2f} s; {len(result.outcomes)} GETs: "
          + ", ".join(f"{status} x{count}" for status, count in sorted(result.statuses().items())))
    for outcome in result.failures()[: args.show]:
        detail = outcome.body.decode("utf-8", "replace")
        try:
            detail = json.dumps(json.loads(detail).get("detail", detail))[:400]
        except (ValueError, AttributeError):
            detail = detail[:400]
        print(f"  {outcome.status} {outcome.template}: {detail}")
    return 1 if result.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
