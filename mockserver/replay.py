"""Replaying replies that are already known, ahead of connexion's middleware stack.

The mock is deterministic: the same request against the same state gives the same bytes. So
once a GET to an operation has been answered — routed, authorized, validated, generated and
checked against the contract — an identical request can be answered with the same bytes.
"Identical" is everything that can change the reply: method, raw path, query string, the
headers the pipeline reads (credentials, `Prefer`, `Accept`, cookies, declared header
parameters) and the version of the runtime state, which every control-API change bumps.
Scenarios consume uses, so while any is set nothing is replayed. Bounded (LRU), so memory
does not grow with traffic.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.defaults import CONTROL_PREFIX, REPLAY_BODY_LIMIT, REPLAY_CACHE_SIZE
from mockserver.engine import Engine
from mockserver.middleware import ROUTING
ALWAYS_RELEVANT = (b"authorization", b"prefer", b"accept", b"cookie")


class ReplayMiddleware:
    def __init__(self, app: ASGIApp, *, engine: Engine, size: int = REPLAY_CACHE_SIZE) -> None:
        self.app = app
        self.engine = engine
        self.size = size
        self.relevant = frozenset(ALWAYS_RELEVANT) | frozenset(
            name.lower().encode("latin-1") for op in engine.operations() for name in op.credential_and_header_params()
        )
        # One event loop runs every request, so no lock is needed around the dict.
        self._entries: OrderedDict[tuple, tuple[int, list, bytes, dict[str, Any]]] = OrderedDict()

    def _key(self, scope: Scope) -> tuple:
        headers = tuple((name, value) for name, value in scope["headers"] if name.lower() in self.relevant)
        return (self.engine.version, scope.get("raw_path") or scope["path"], scope["query_string"], headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"].startswith(CONTROL_PREFIX)
            or self.engine.scenarios.active()
        ):
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            status, headers, body, routing = hit
            scope.setdefault("extensions", {})[ROUTING] = routing  # for the request log and journal
            delay = self.engine.delay_seconds(None)
            if delay > 0:
                await asyncio.sleep(delay)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self._answer_and_keep(scope, receive, send, key)

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: tuple) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        complete = False

        async def keep(message: Message) -> None:
            nonlocal start, size, complete
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        routing = scope.get("extensions", {}).get(ROUTING) or {}
        # Only replies of routed operations, produced while nothing could change them
        if (
            start is None or not complete or size > REPLAY_BODY_LIMIT
            or not routing.get("operation_id") or self.engine.version != key[0]
            or self.engine.scenarios.active()
        ):
            return
        self._entries[key] = (start["status"], list(start.get("headers", [])), b"".join(chunks), dict(routing))
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
