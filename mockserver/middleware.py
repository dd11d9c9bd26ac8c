"""Our ASGI layers around connexion's, one concern each.

- `ContractMiddleware` sits right after connexion's routing: it enforces security before
  anything else (so a missing credential gets the vendor's 401, not a 400), and turns
  connexion's request-validation problems into the operation's declared 400 where there is one.
- `AccessLogMiddleware` is outermost: one line per request, never a header value.
"""

from __future__ import annotations

import logging
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from connexion.exceptions import BadRequestProblem
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.engine import Engine

ROUTING = "connexion_routing"
access_log = logging.getLogger("mockserver.access")


def query_of(scope: Scope) -> dict[str, str]:
    """First value of each query parameter (repeated ones are not used by the mock)."""
    query: dict[str, str] = {}
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        query.setdefault(key, value)
    return query


def cookies_of(headers: Headers) -> dict[str, str]:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no credential, not a crash
        return {}
    return {key: morsel.value for key, morsel in cookie.items()}


class ContractMiddleware:
    def __init__(self, app: ASGIApp, *, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routing = scope.get("extensions", {}).get(ROUTING, {})
        op = self.engine.operation(routing.get("api_base_path"), routing.get("operation_id"))
        if op is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self.engine.authorize(op, headers, query_of(scope), cookies_of(headers))
        if refusal is not None:
            await refusal.send(send)
            return
        try:
            await self.app(scope, receive, send)
        except BadRequestProblem as exc:
            reply = self.engine.bad_request(op, str(exc.detail or exc.title))
            if reply is None:
                raise
            await reply.send(send)


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, quiet: bool = False) -> None:
        self.app = app
        self.quiet = quiet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.quiet:
            await self.app(scope, receive, send)
            return
        # Shared with connexion's routing (it copies the scope shallowly), so we can read
        # the operationId it resolved.
        extensions = scope.setdefault("extensions", {})
        started = time.perf_counter()
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            operation_id = extensions.get(ROUTING, {}).get("operation_id") or "-"
            millis = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %d %.1fms", scope["method"], scope["path"], operation_id, status, millis)
