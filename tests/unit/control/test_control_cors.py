"""Issue 24: CORS on `/__mock` for `--control-origin` origins only (control/access.py), and the
headers contract replies expose to browser code (server/cors.py). The real server and a real
browser: tests/process/test_browser_control.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mockserver.contract.operations import Api
from mockserver.control.access import ControlAccess
from mockserver.server.cors import allowing, declared_headers, exposed_headers, with_exposed

FRONTEND = "http://localhost:3000"
ACCESS = ControlAccess(loopback=True, origins=frozenset({FRONTEND}))


def scope(method: str, path: str = "/__mock/scenarios", **headers: str) -> dict[str, Any]:
    raw = [(name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()]
    return {"type": "http", "method": method, "path": path, "headers": [(b"host", b"127.0.0.1:4010"), *raw]}


def preflight(origin: str, **headers: str) -> dict[str, Any]:
    return scope("OPTIONS", origin=origin, access_control_request_method="POST", **headers)


def test_an_allowed_origins_preflight_says_what_it_may_send() -> None:
    asked = preflight(FRONTEND, access_control_request_headers="Content-Type, traceparent")
    assert ACCESS.is_preflight(asked)
    reply = ACCESS.preflight(asked)
    assert (reply.status, reply.body) == (204, b"")
    assert reply.headers == (
        ("access-control-allow-origin", FRONTEND),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, DELETE"),
        ("access-control-allow-headers", "content-type, authorization, x-mock-session, x-mock-control-token, traceparent"),
        ("access-control-max-age", "600"),
        ("vary", "Origin"),
    )


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:3001", "null", "https://localhost:3000"])
def test_another_origins_preflight_is_refused(origin: str) -> None:
    reply = ACCESS.preflight(preflight(origin))
    assert reply.status == 403 and b"/control-forbidden" in reply.body
    assert not any(name.startswith("access-control-") for name, _value in reply.headers)
    assert ACCESS.cors_origin(scope("GET", origin=origin)) is None


def test_cors_is_for_named_origins_on_an_answered_host_only() -> None:
    assert ACCESS.cors_origin(scope("GET", origin=FRONTEND)) == FRONTEND
    assert ACCESS.cors_origin(scope("GET", origin="http://LOCALHOST:3000")) == "http://LOCALHOST:3000"  # as sent
    assert ACCESS.cors_origin(scope("GET", origin="http://127.0.0.1:4010")) is None  # the mock's own: not needed
    assert ACCESS.cors_origin(scope("GET")) is None
    rebound = scope("GET", origin=FRONTEND)
    rebound["headers"][0] = (b"host", b"evil.example")
    assert ACCESS.cors_origin(rebound) is None
    assert ACCESS.preflight({**rebound, "method": "OPTIONS"}).status == 403
    assert ControlAccess(loopback=True).cors_origin(scope("GET", origin=FRONTEND)) is None


def test_a_preflight_needs_no_token_but_the_call_does() -> None:
    guarded = ControlAccess(loopback=True, token="0123456789abcdef", origins=frozenset({FRONTEND}))
    assert guarded.preflight(preflight(FRONTEND)).status == 204
    refused = guarded.check(scope("POST", origin=FRONTEND, content_type="application/json", content_length="2"))
    assert refused is not None and refused.status == 401


def test_allowing_adds_cors_and_exposes_every_header_of_the_reply() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    start = {"type": "http.response.start", "status": 308, "headers": [
        (b"location", b"/__mock/"), (b"content-type", b"text/plain"), (b"vary", b"Accept")]}
    asyncio.run(allowing(send, FRONTEND)(start))
    assert sent[0]["headers"] == [
        (b"location", b"/__mock/"), (b"content-type", b"text/plain"), (b"vary", b"Accept, Origin"),
        (b"access-control-allow-origin", FRONTEND.encode()), (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"location"),
    ]


DOCUMENT = {
    "openapi": "3.0.3",
    "paths": {"/notes": {
        "get": {"operationId": "listNotes", "responses": {
            "200": {"description": "", "headers": {"X-Total-Count": {}, "Content-Type": {}, "Link": {}}},
            "429": {"$ref": "#/components/responses/Slow"}}},
        "post": {"operationId": "createNote", "responses": {"201": {"description": ""}}},
    }},
    "components": {"responses": {"Slow": {"description": "", "headers": {"Retry-After": {}, "X-Total-Count": {}}}}},
}


def test_each_operation_exposes_the_mocks_headers_and_those_it_declares() -> None:
    api = Api("notes", Path("notes.yaml"), DOCUMENT, "/", "")
    assert declared_headers([api]) == {"listNotes": ("x-total-count", "link", "retry-after"), "createNote": ()}
    assert exposed_headers([api]) == {
        "listNotes": b"retry-after, x-mock-problem, x-mock-outside-contract, x-total-count, link",
        "createNote": b"retry-after, x-mock-problem, x-mock-outside-contract",
    }


def test_an_x_mock_header_not_known_ahead_is_exposed_too() -> None:
    exposed = b"retry-after, x-mock-problem"
    headers = [(b"x-mock-problem", b"why"), (b"x-mock-new", b"1"), (b"access-control-expose-headers", b"old")]
    assert with_exposed(headers, exposed) == [
        (b"x-mock-problem", b"why"), (b"x-mock-new", b"1"),
        (b"access-control-expose-headers", b"retry-after, x-mock-problem, x-mock-new")]
    assert with_exposed([(b"x-mock-problem", b"why")], exposed)[-1] == (b"access-control-expose-headers", exposed)
