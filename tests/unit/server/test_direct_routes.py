"""The direct path (pipeline.Direct, routing.GetRoutes): a GET the replay layer does not answer
is routed as connexion's router routes it (the same operation, the same path parameters, and
nothing where the router has nothing), and answered as the long way through the router answers
it: the same bytes, the same journal entry, the same 500 for a bug."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.server.routing import Route
from tests.mockserver_process import REPO

SPECS = REPO / "tests" / "data" / "specs"
DOCUMENTS = ["petstore-3.0.yaml", "petstore-2.0.json", "museum-3.1.yaml", "twilio-api-v2010.json", None]  # None: bundled
# values a client puts in a path segment: numbers the int converter reads or not, text, odd characters
VALUES = ["7", "0", "-3", "1.5", "abc", "AC" + "0" * 32, "9" * 30, "a b", "é", "x.json", "", "a/b"]
NOT_OURS = ["/", "/nope", "/api/v3", "/api/v3/", "/api/v3/pet/7/", "/api/v3/openapi.json", "/docs", "/__mock/health"]


def paths_of(app: Any) -> list[str]:
    """Every GET (and other) path template of the app's operations, filled with each value."""
    paths = list(NOT_OURS)
    for op in app.engine.operations():
        for value in VALUES:
            paths.append(op.base_path + re.sub(r"\{[^}]+\}", value, op.path))
    return paths


def app_for(document: str | None) -> Any:
    specs = () if document is None else (SPECS / document,)
    return create_app(ServeConfig(specs=specs, quiet=True))


async def started(app: Any) -> None:
    """connexion builds its stack (and its router) on the first request."""
    async def send(_message: dict) -> None:
        return None

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}
    await app({"type": "http", "method": "GET", "path": "/__mock/health", "raw_path": b"/__mock/health",
               "root_path": "", "query_string": b"", "headers": []}, receive, send)


async def routers_choice(app: Any, path: str) -> tuple[str, dict] | None:
    """connexion's router's operation and path parameters for `GET path` (its probe: routing.py)."""
    pipeline = app.pipeline[-1]
    seen: list[dict] = []
    original = pipeline.route_of

    def route_of(scope: dict) -> Route | None:
        seen.append(dict(scope.get("path_params") or {}))
        return original(scope)
    pipeline.route_of = route_of
    try:
        route = await app.router.route("GET", path)
    finally:
        del pipeline.route_of
    return None if route is None else (route.op.operation_id, seen[-1])


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_get_is_routed_as_connexions_router_routes_it(document: str | None) -> None:
    app = app_for(document)

    async def check() -> int:
        await started(app)
        gets = app.router.gets()
        routed = 0
        for path in paths_of(app):
            found = gets.find(path)
            expected = await routers_choice(app, path)
            assert (None if found is None else (found[1], found[2])) == expected, path
            if found is not None:
                routed += 1
                assert app.pipeline[-1].routes[(found[0], found[1])].op.operation_id == found[1]
        return routed

    routed = asyncio.run(check())
    assert routed >= len([op for op in app.engine.operations() if op.method == "get"])


class Client:
    def __init__(self) -> None:
        self.app = app_for("petstore-3.0.yaml")
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(started(self.app))
        self.replay = self.app.replay[-1]
        self.long_way = 0
        inner = self.replay.app

        async def counting(scope: Any, receive: Any, send: Any) -> None:
            self.long_way += 1
            await inner(scope, receive, send)
        self.replay.app = counting

    def get(self, path: str, direct: bool = True) -> tuple[int, list, bytes]:
        messages: list[dict] = []

        async def send(message: dict) -> None:
            messages.append(message)

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}
        scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "root_path": "",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "server": ("127.0.0.1", 4010),
                 "headers": [(b"host", b"127.0.0.1"), (b"api_key", b"k"), (b"accept", b"application/json")]}
        kept, self.replay.direct = self.replay.direct, (self.replay.direct if direct else None)
        try:
            self.loop.run_until_complete(self.app(scope, receive, send))
        finally:
            self.replay.direct = kept
        return messages[0]["status"], list(messages[0]["headers"]), b"".join(m.get("body", b"") for m in messages[1:])

    def journal(self) -> list[dict]:
        return self.app.engine.sessions.existing(None).journal.entries()


@pytest.fixture()
def client() -> Any:
    made = Client()
    made.get("/api/v3/pet/1")  # the first request finds the routes Swagger UI serves first
    made.long_way = 0
    yield made
    made.loop.close()


def without_timing(entry: dict) -> dict:
    return {name: value for name, value in entry.items() if name not in ("time", "duration_ms")}


def test_a_new_id_goes_direct_and_gets_what_the_long_way_gives(client: Client) -> None:
    direct = client.get("/api/v3/pet/8")
    assert client.long_way == 0
    long_way = client.get("/api/v3/pet/8", direct=False)
    assert client.long_way == 1
    assert direct == long_way and direct[0] == 200
    *_, by_direct, by_long_way = client.journal()
    assert without_timing(by_direct) == without_timing(by_long_way)
    assert by_direct["operationId"] == "getPetById"


@pytest.mark.parametrize("path", ["/api/v3/nope", "/api/v3/pet/7/", "/api/v3/openapi.json", "/api/v3/user/login",
                                  "/api/v3/pet/abc"])
def test_what_the_table_does_not_route_goes_the_long_way(client: Client, path: str) -> None:
    got = client.get(path)
    assert client.long_way == (0 if path == "/api/v3/user/login" else 1)
    assert got == client.get(path, direct=False)


def test_a_bug_is_the_exception_stages_500_either_way(client: Client, caplog: pytest.LogCaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("a bug")
    monkeypatch.setattr(client.app.engine.responder, "_respond", broken)
    direct = client.get("/api/v3/pet/9")
    assert client.long_way == 0
    long_way = client.get("/api/v3/pet/9", direct=False)
    assert direct == long_way
    assert direct[0] == 500 and b"RuntimeError while answering" in direct[2]
    assert caplog.text.count("internal error on GET /api/v3/pet/9") == 2
    *_, by_direct, by_long_way = client.journal()  # the lane's Observation journals the 500 too
    assert without_timing(by_direct) == without_timing(by_long_way) and by_direct["status"] == 500


def test_a_router_built_again_is_read_again() -> None:
    from mockserver.server.routing import Router

    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None
    router = Router()
    router.middleware(app)
    first = router.gets()
    assert router.gets() is first
    router.middleware(app)
    assert router.gets() is not first
