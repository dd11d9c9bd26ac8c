"""The bytes the mock answers, as digests: run it on two trees and diff, to see that a speed-up
changed no reply ("byte-identical to today's", issue 27).

    .venv/bin/python tests/benchmark/golden.py [--ids 3] > before.txt   # on the old tree
    .venv/bin/python tests/benchmark/golden.py [--ids 3] > after.txt    # on the new tree
    diff before.txt after.txt && echo same

In-process (the ASGI app called directly, as inprocess.py does), with the mock's clock frozen,
so that the figures do not depend on when it runs. For the bundled contracts (Lago, Sequence)
and the public documents in tests/data/specs/ (each served alone), every GET operation with a
path template is asked for `--ids` ids (twice each: the second answer is the replayed one), with
a bearer token and without credentials; every other GET once. One line per request: the
document, method, path, status, content type and the SHA-256 of the body.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import shlex
import sys
from urllib.parse import urlsplit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from inprocess import lifespan  # noqa: E402

from mockserver.app import create_app  # noqa: E402
from mockserver.base.config import ServeConfig  # noqa: E402
from mockserver.stages.landing import runnable_curl  # noqa: E402

SPECS = Path(__file__).parents[1] / "data" / "specs"
DOCUMENTS = ["petstore-3.0.yaml", "museum-3.1.yaml", "twilio-api-v2010.json", "stripe.json"]
FROZEN = b'{"freeze": true, "set": "2026-01-01T00:00:00Z"}'


def scope(method: str, path: str, headers: list, query: bytes = b"") -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": ("127.0.0.1", 4010), "client": ("127.0.0.1", 50000), "scheme": "http",
        "method": method, "root_path": "", "path": path, "raw_path": path.encode(), "query_string": query,
        "headers": [(b"host", b"127.0.0.1:4010"), *headers], "state": {},
    }


async def call(app, method: str, path: str, headers: list, body: bytes = b"",
               query: bytes = b"") -> tuple[int, dict, bytes]:
    out = {"status": 0, "headers": {}, "body": b""}

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        else:
            out["body"] += message.get("body", b"")

    await app(scope(method, path, headers, query), receive, send)
    return out["status"], out["headers"], out["body"]


def fill(path: str, i: int) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: f"id{i}x{len(m.group(0))}", path)


def from_curl(curl: str) -> tuple[str, bytes, list]:
    """The path, query and headers of the landing page's runnable curl for an operation."""
    words = shlex.split(curl)
    headers = []
    for flag, value in zip(words, words[1:]):
        if flag == "-H":
            name, _, text = value.partition(":")
            headers.append((name.strip().lower().encode(), text.strip().encode()))
        elif flag == "-u":
            import base64
            headers.append((b"authorization", b"Basic " + base64.b64encode(value.encode())))
    url = urlsplit(words[-1])
    return url.path, url.query.encode(), headers


async def digests(label: str, config: ServeConfig, ids: int) -> None:
    app = create_app(config)
    running = await lifespan(app)
    status, _, body = await call(app, "PUT", "/__mock/clock", [(b"content-type", b"application/json")], FROZEN)
    assert status == 200, (status, body)
    apis = {api.name: api for api in app.engine.apis}
    for op in sorted(app.engine.operations(), key=lambda o: (o.base_path, o.path, o.method)):
        if op.method != "get":
            continue
        path, query, auth = from_curl(runnable_curl(op, apis[op.api], "http://127.0.0.1:4010",
                                                    config.credentials, config.seed))
        template = op.base_path + op.path
        asks = [(path, query, auth, 2), (path, b"", [], 1)]
        asks += [(fill(template, i), query, auth, 2) for i in range(ids) if "{" in template]
        for path, query, headers, repeat in asks:
            for _ in range(repeat):
                status, head, body = await call(app, "GET", path, headers, query=query)
                print(label, "GET", path, query.decode()[:60] or "-", "auth" if headers else "-", status,
                      head.get("content-type", "-"), hashlib.sha256(body).hexdigest()[:16])
    await running.put({"type": "lifespan.shutdown"})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ids", type=int, default=3)
    parser.add_argument("--documents", default=",".join(DOCUMENTS))
    args = parser.parse_args()
    await digests("bundled", ServeConfig(quiet=True), args.ids)
    for name in filter(None, args.documents.split(",")):
        await digests(name, ServeConfig(quiet=True, specs=(SPECS / name,)), args.ids)


if __name__ == "__main__":
    asyncio.run(main())
