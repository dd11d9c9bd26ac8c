"""pipeline.handle in-process: a route, a request and a session's state in, an Outcome out.

The pipeline is one plain function that returns the reply and how to deliver it (a delay, a
fault), writing nothing into the ASGI scope; `deliver` carries the outcome out. These tests
call both directly, without a server or an ASGI client, and assert on the returned values.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.http import faults
from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.server.pipeline import Outcome, Wire, deliver, handle
from mockserver.http.request import MockRequest
from tests.mockserver_process import REPO

LAGO = REPO / "openapi" / "lago.yaml"
TODOS = REPO / "tests" / "data" / "anydoc" / "todos-crud.yaml"
PATH = "/api/v1/activity_logs/abc"
BEARER = {"authorization": "Bearer test-key"}
LAGO_401 = b'{"status":401,"error":"Unauthorized"}'
ACTIVITY_404 = b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}'


class Served:
    """The app's engine and its routes, built as the server builds them (one request in)."""

    def __init__(self, spec: Path = LAGO, **config: Any) -> None:
        self.app = create_app(ServeConfig(specs=(spec,), quiet=True, **config))
        self.engine = self.app.engine

        async def warm() -> None:  # connexion builds its middleware stack on the first request
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
                await client.get("/api/v1/activity_logs/warm", headers=BEARER)
        asyncio.run(warm())
        self.routes = self.app.pipeline[-1].routes

    def route(self, method: str, base_path: str, path: str):
        return next(route for route in self.routes.values()
                    if (route.op.method.upper(), route.op.base_path, route.op.path) == (method, base_path, path))

    def handle(self, headers: dict[str, str] | None = None, query: bytes = b"", *, method: str = "GET",
               path: str = PATH, route: Any = None, path_params: dict | None = None,
               body: bytes | None = None) -> tuple[Outcome, dict]:
        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
                 "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
                 "path_params": {"activity_id": "abc"} if path_params is None else path_params, "extensions": {}}
        request = MockRequest.from_scope(scope)
        before = copy.deepcopy(scope)

        async def receive() -> dict:
            if body is None:
                raise AssertionError("the body is never read")
            return {"type": "http.request", "body": body, "more_body": False}

        route = route or self.routes[("/api/v1", "findActivityLog")]
        outcome = asyncio.run(handle(self.engine, route, request, self.engine.sessions.get(request.session),
                                     Wire(scope, receive)))
        assert scope == before, "handle wrote into the scope"
        return outcome, scope


@pytest.fixture
def served() -> Served:
    return Served()


def detail(outcome: Outcome) -> str:
    return json.loads(outcome.reply.body)["detail"]


def test_a_request_without_credentials_gets_the_declared_401_delivered_plainly(served: Served) -> None:
    outcome, _scope = served.handle()
    assert (outcome.reply.status, outcome.reply.body) == (401, LAGO_401)
    assert (outcome.delay_s, outcome.fault, outcome.fault_ms) == (0.0, None, None)


def test_a_preferred_status_is_the_declared_reply(served: Served) -> None:
    outcome, _scope = served.handle({**BEARER, "prefer": "code=404"})
    assert (outcome.reply.status, outcome.reply.body, outcome.fault) == (404, ACTIVITY_404, None)


def test_an_authorized_read_is_200_with_the_id_asked_for(served: Served) -> None:
    outcome, _scope = served.handle(BEARER)
    assert outcome.reply.status == 200
    assert json.loads(outcome.reply.body)["activity_log"]["activity_id"] == "abc"
    assert outcome.fault is None and outcome.delay_s == 0.0


def test_a_fault_asked_for_is_a_returned_value_not_a_scope_key(served: Served) -> None:
    outcome, scope = served.handle({**BEARER, "prefer": "fault=truncated"})
    assert (outcome.reply.status, outcome.fault, outcome.fault_ms, outcome.delay_s) == (200, "truncated", None, 0.0)
    assert faults.FAULT not in scope["extensions"]


def test_the_rate_limit_fault_is_a_429_with_retry_after(served: Served) -> None:
    outcome, _scope = served.handle({**BEARER, "prefer": "fault=rate-limit"})
    assert (outcome.reply.status, outcome.fault, outcome.fault_ms) == (429, "rate-limit", None)
    assert ("retry-after", "1") in outcome.reply.headers
    assert detail(outcome) == "findActivityLog: rate limit of fault=rate-limit"


def test_a_misspelled_fault_is_refused_and_delivered_plainly(served: Served) -> None:
    outcome, _scope = served.handle({**BEARER, "prefer": "fault=explode"})
    assert (outcome.reply.status, outcome.fault) == (422, None)
    assert detail(outcome) == ("fault must be one of reset, empty, close-after-headers, truncated, slow-body, "
                               "rate-limit, got 'explode'")


def test_a_scenario_s_fault_and_delay_are_returned(served: Served) -> None:
    served.engine.sessions.default.scenarios.add(
        {"operation_ids": ("findActivityLog",), "path": None, "status": None, "fault": "reset", "delay_ms": 40})
    outcome, _scope = served.handle(BEARER)
    assert (outcome.fault, outcome.fault_ms, outcome.delay_s) == ("reset", 40, 0.04)


def test_a_slow_body_spends_its_delay_on_the_body_not_before_it(served: Served) -> None:
    served.engine.sessions.default.scenarios.add(
        {"operation_ids": ("findActivityLog",), "path": None, "status": 404, "fault": "slow-body", "delay_ms": 300})
    outcome, _scope = served.handle(BEARER)
    assert (outcome.reply.status, outcome.reply.body) == (404, ACTIVITY_404)
    assert (outcome.fault, outcome.fault_ms, outcome.delay_s) == ("slow-body", 300, 0.0)


def test_latency_is_a_returned_delay_for_every_routed_reply() -> None:
    served = Served(latency_ms=(250, 250))
    refused, _scope = served.handle()
    answered, _scope = served.handle(BEARER)
    assert (refused.reply.status, refused.delay_s) == (401, 0.25)
    assert (answered.reply.status, answered.delay_s) == (200, 0.25)


def sent_by(outcome: Outcome, scope: dict) -> list[dict]:
    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)
    asyncio.run(deliver(outcome, scope, send))
    return messages


def test_deliver_sends_a_plain_outcome_as_it_is_and_notes_no_fault(served: Served) -> None:
    outcome, scope = served.handle()
    messages = sent_by(outcome, scope)
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[0]["status"] == 401 and messages[1]["body"] == LAGO_401
    assert faults.FAULT not in scope["extensions"]


def test_deliver_notes_the_fault_and_without_a_connection_says_it_cannot(served: Served) -> None:
    outcome, scope = served.handle({**BEARER, "prefer": "fault=reset"})
    messages = sent_by(outcome, scope)  # no transport in the scope: not served by uvicorn
    assert scope["extensions"][faults.FAULT] == "reset"
    assert messages[0]["status"] == 501
    body = json.loads(messages[1]["body"])
    assert body["detail"] == "the reset fault needs the connection, which only uvicorn (mockserver serve) gives"


def test_a_create_reads_its_body_and_answers_the_record() -> None:
    served = Served(TODOS)
    route = served.route("POST", "/todo-service/v2", "/todos")
    body = b'{"todo":{"code":"milk","title":"Buy milk"}}'
    headers = {"content-type": "application/json", "content-length": str(len(body))}
    outcome, _scope = served.handle(headers, method="POST",
                                    path="/todo-service/v2/todos", route=route, path_params={}, body=body)
    assert (outcome.reply.status, outcome.fault, outcome.delay_s) == (201, None, 0.0)
    created = json.loads(outcome.reply.body)["todo"]
    assert (created["code"], created["title"]) == ("milk", "Buy milk")


def test_a_refusal_before_the_body_never_reads_it() -> None:
    served = Served(TODOS)
    route = served.route("POST", "/todo-service/v2", "/todos")
    outcome, _scope = served.handle({"content-type": "application/json", "prefer": "code=abc"}, method="POST",
                                    path="/todo-service/v2/todos", route=route, path_params={})  # receive raises
    assert (outcome.reply.status, outcome.fault) == (422, None)
    assert detail(outcome) == "code must be a three-digit HTTP status, got 'abc'"
