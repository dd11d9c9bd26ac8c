"""`mockserver drift --against URL`: the drift check as one CI step.

It builds the mock in this process with `--proxy URL` (no port, no server), replays a list of
requests through it, prints each distinct drift on one line and exits 1 when there is any, 0
when there is none, 2 when the check could not be made (a bad list, an upstream away). The
list is a file of `METHOD PATH` lines, a JSON list (of such strings, or of objects with
method, path, query, body, headers), or the journal `GET /__mock/requests` exports (its
redacted credentials are not replayed: name them with `--header`); without one, every GET
of the served documents whose path takes no parameter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mockserver.adapters.argparse import SubParsers
from mockserver.base import defaults
from mockserver.base.config import ServeConfig
from mockserver.base.user_errors import UserError
from mockserver.http.upstream import check_base_url

_NOT_REPLAYED = frozenset({"host", "content-length", "connection", "transfer-encoding", "authorization", "cookie"})
_MAX_REQUESTS = 10_000  # a list longer than this is a mistake (a journal holds at most --journal-size)


def _header(value: str) -> tuple[str, str]:
    name, sep, text = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError("expected 'Name: value', e.g. 'Authorization: Bearer $LAGO_API_KEY'")
    return name.strip().lower(), text.strip()


def add_drift_parser(sub: SubParsers) -> None:
    drift = sub.add_parser(
        "drift", help="check a real API's replies against the contract (exit 1 on drift)",
        description="Replay requests through an in-process proxy to the real API and report every reply that "
                    "differs from the contract.")
    drift.add_argument("--against", required=True, metavar="URL",
                       help="the real API's base URL, e.g. https://api.getlago.com/api/v1")
    drift.add_argument("--spec", action="append", default=[], metavar="FILE",
                       help="document the API should follow (repeatable; default: every *.yaml in --specs-dir)")
    drift.add_argument("--specs-dir", metavar="DIR", help="folder of documents (default: the bundled contracts)")
    drift.add_argument("--requests", metavar="FILE",
                       help="requests to replay: `METHOD PATH` lines, a JSON list, or a /__mock/requests journal "
                            "(default: every GET without path parameters)")
    drift.add_argument("--header", action="append", type=_header, default=[], metavar="'NAME: VALUE'",
                       help="add this header to every request, e.g. credentials (repeatable)")
    drift.add_argument("--junit", metavar="FILE", help="also write the JUnit XML report here")
    drift.add_argument("--overlay", metavar="FILE",
                       help="also write the Overlay 1.0 document that makes the contract accept the replies")
    drift.add_argument("--proxy-insecure", action="store_true", help="do not verify the API's TLS certificate")
    drift.add_argument("--proxy-timeout", type=float, default=defaults.PROXY_TIMEOUT_S, metavar="SECONDS",
                       help=f"give up on a reply after this long (default: {defaults.PROXY_TIMEOUT_S})")
    drift.set_defaults(func=run)


def read_requests(path: Path) -> list[dict[str, Any]]:
    """The requests of a list file, each {method, path, query, body, headers}."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(str(path), f"cannot read: {exc}") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UserError(str(path), f"not JSON: {exc}") from None
        items = data.get("requests") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise UserError(str(path), "expected a JSON list of requests, or a journal with a `requests` list")
        return [_request(item, str(path), index) for index, item in enumerate(items[:_MAX_REQUESTS])]
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            found.append(_request(line, f"{path}:{number}", number))
    return found[:_MAX_REQUESTS]


def _request(item: Any, where: str, index: int) -> dict[str, Any]:
    if isinstance(item, str):
        method, _, target = item.strip().partition(" ")
        path, _, query = target.strip().partition("?")
        item = {"method": method, "path": path, "query": query}
    if not isinstance(item, dict) or not isinstance(item.get("method"), str) or not isinstance(item.get("path"), str) \
            or not item["path"].startswith("/"):
        raise UserError(where, f"request {index}: expected `METHOD /path` or an object with method and path")
    query = item.get("query") or ""
    if isinstance(query, dict):
        query = urlencode(query)
    body = item.get("body")
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    headers = item.get("headers") if isinstance(item.get("headers"), dict) else {}
    kept = {str(k).lower(): str(v) for k, v in headers.items()
            if str(k).lower() not in _NOT_REPLAYED and not str(k).lower().startswith("x-mock-") and v != "[redacted]"}
    return {"method": item["method"].upper(), "path": item["path"], "query": str(query),
            "body": (body or "").encode("utf-8"), "headers": kept}


def run(args: argparse.Namespace) -> int:
    try:
        url = check_base_url(args.against)
    except ValueError as exc:
        raise UserError(f"--against {args.against}", str(exc)) from None
    if not 0 < args.proxy_timeout <= 3600:
        raise UserError("--proxy-timeout", "expected seconds, more than 0 and at most 3600")
    if args.specs_dir is not None and not Path(args.specs_dir).is_dir():
        raise UserError(f"--specs-dir {args.specs_dir}", "no such folder")
    folders = {"specs_dir": Path(args.specs_dir)} if args.specs_dir else {}
    config = ServeConfig(specs=tuple(Path(p) for p in args.spec), **folders, quiet=True, proxies={"": url},
                         proxy_insecure=args.proxy_insecure, proxy_timeout_s=args.proxy_timeout)
    requests = read_requests(Path(args.requests)) if args.requests else None
    from mockserver.launch.serve import build_app

    logging.getLogger("mockserver").addHandler(logging.NullHandler())  # each 502 is said once, below
    app = build_app(config)
    if requests is None:
        requests = [{"method": "GET", "path": op.base_path + op.path, "query": "", "body": b"", "headers": {}}
                    for op in app.engine.operations() if op.method == "get" and "{" not in op.path]
    unavailable = asyncio.run(_replay(app, requests, dict(args.header)))
    upstreams = app.engine.upstreams
    drifts = upstreams.drifts.list()
    for drift in drifts:
        print(f"drift: {drift.method.upper()} {drift.path} ({drift.operation}) {drift.status} "
              f"{drift.finding.said()} [{drift.count}x]")
    if args.junit:
        from mockserver.state.drift import junit

        Path(args.junit).write_bytes(junit(drifts, upstreams.proxied()))
    if args.overlay:
        import yaml

        from mockserver.contract.drift import overlay

        names = sorted({d.api for d in drifts}) or sorted(upstreams.documents)
        doc = overlay(upstreams.documents[names[0]], f"Drift of {names[0]} (mockserver drift --against {url})",
                      [d.finding for d in drifts if d.api == names[0]])
        Path(args.overlay).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    print(f"{len(requests)} requests replayed against {url}: {len(drifts)} drifts"
          + (f", {unavailable} without a reply (502)" if unavailable else ""), file=sys.stderr)
    if unavailable:
        return 2
    return 1 if drifts else 0


async def _replay(app: Any, requests: list[dict[str, Any]], headers: dict[str, str]) -> int:
    """Each request through the app in order; how many got no upstream reply."""
    import httpx

    unavailable = 0
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mockserver.drift") as client:
        for request in requests:
            target = request["path"] + (f"?{request['query']}" if request["query"] else "")
            reply = await client.request(request["method"], target, headers={**request["headers"], **headers},
                                         content=request["body"] or None)
            if reply.status_code == 502 and reply.headers.get("content-type") == defaults.PROBLEM_JSON:
                unavailable += 1
                print(f"error: {request['method']} {target}: {reply.json().get('detail')}", file=sys.stderr)
            elif reply.headers.get("x-mock-source") != "upstream":
                print(f"note: {request['method']} {target}: answered by the mock, not forwarded "
                      f"({reply.status_code}: no operation of the documents serves it as sent)", file=sys.stderr)
    return unavailable
