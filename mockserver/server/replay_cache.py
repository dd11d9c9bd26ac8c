"""Replaying replies that are already known, ahead of routing and the pipeline.

The mock is deterministic: the same request against the same state gives the same bytes. So
once a GET to an operation has been answered (routed, authorized, generated, validated), an
identical request can be answered with the same bytes. "Identical" is what the stages read:
method, session, the path as routed (percent-decoded, the session prefix taken off: the
raw path is not what the router reads, so `/__session/%41%41api/v3/pet/7`, routed as
`/v3/pet/7`, would share the raw path of `/__session/AAapi/api/v3/pet/7`), the path guard's
verdict on the raw path (two raw paths decode alike, one of them refused: `%FF` and
`%EF%BF%BD`), the query string, the request headers each stage declares it reads (`READS` of
preferences and respond, `reads(op)` of security, the declared header parameters) and the
version of the runtime state, which every change to records or scenarios bumps from inside
the state object. Scenarios consume uses, so while any is set nothing is replayed. Bounded
(LRU), so memory does not grow with traffic; `stats` makes hits observable (`/__mock/health`).

A reply is kept on the second miss of its key, not the first: a load that asks for a new id on
every request (ids a client just created, a crawl) would otherwise copy every reply into the
cache and push out the ones that are asked for again, for nothing (about 3% of a new-id
request, callgrind). The first miss only notes the key (admission.py) and passes the request
on without wrapping `send`. So the third identical GET is the first served from here.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.stages import preferences, handler as respond, security
from mockserver.stages.guard import path_problem
from mockserver.base.admission import SecondSight
from mockserver.base.defaults import CONTROL_PREFIX, REPLAY_BODY_LIMIT, REPLAY_CACHE_SIZE
from mockserver.stages.engine import Engine
from mockserver.http.faults import FAULT
from mockserver.http.upstream import UPSTREAM
from mockserver.state.sessions import session_name
from mockserver.state.session_state import State
from mockserver.server.pipeline import delay_for
from mockserver.server.routing import OPERATION

# scope extension: the key of a request the fast lane looked up and missed (fast_lane.py), so
# that it is not built twice; used only while it still says the request's path and state
MISSED = "mockserver.replay_missed"


def read_headers(engine: Engine) -> frozenset[bytes]:
    """Every request header some stage reads for some operation: the replay key's headers."""
    names = set(preferences.READS) | set(respond.READS)
    for op in engine.operations():
        names |= security.reads(op)
        names |= {name.lower() for name in op.header_params}
    return frozenset(name.encode("latin-1") for name in names)


@dataclass
class ReplayStats:
    hits: int = 0
    misses: int = 0


class ReplayMiddleware:
    def __init__(self, app: ASGIApp, *, engine: Engine, size: int = REPLAY_CACHE_SIZE,
                 direct: Callable[[Scope, Receive, Send], Awaitable[bool]] | None = None) -> None:
        self.app = app
        self.direct = direct  # the pipeline without the layers between (pipeline.Direct): False, not taken
        self.engine = engine
        self.sessions = engine.sessions
        self.size = size
        self.relevant = read_headers(engine)
        self.latency_ms = engine.config.latency_ms
        self.counts_requests = engine.config.rate_limit is not None  # every request must reach the counter
        self.stats = ReplayStats()
        # One event loop runs every request, so no lock is needed around the dict.
        # Keys and entries hold only tuples, bytes, str and int, so the cyclic GC stops tracking
        # them after one pass: a full cache costs a collection nothing to walk.
        self._entries: OrderedDict[tuple, tuple[int, tuple, bytes, str]] = OrderedDict()
        self._admission = SecondSight(size)  # kept on the second miss of a key (admission.py)

    def __len__(self) -> int:
        return len(self._entries)

    def key(self, scope: Scope, session: str | None, state: State,
             headers: tuple[tuple[bytes, bytes], ...] | None = None) -> tuple:
        """The replay key; `headers`, the relevant ones, when the caller has already picked them."""
        if headers is None:
            relevant = self.relevant
            headers = tuple([item for item in scope["headers"] if item[0].lower() in relevant])
        path = scope["path"]
        raw = scope.get("raw_path")
        refused = path_problem(raw) if raw is not None else None
        return (state.version.value, session, path, refused, scope["query_string"], headers)

    def take(self, key: tuple) -> tuple[int, tuple, bytes, str] | None:
        """The kept reply for `key`, counted as a hit, else None, counted nowhere: the caller
        (fast_lane.py) counts a first miss it answers itself (`first_miss`) and passes any other
        on to this layer, which counts it."""
        hit = self._entries.get(key)
        if hit is not None:
            self.stats.hits += 1
            self._entries.move_to_end(key)
        return hit

    def first_miss(self, key: tuple) -> bool:
        """For the fast lane: True, counting the miss and noting the key, when `key` is seen for
        the first time (its reply is not kept, so the lane may answer it without this layer);
        False, counting nothing, on a second sight, which this layer counts and keeps."""
        if not self._admission.first(key):
            return False
        self.stats.misses += 1
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        session = session_name(scope)
        state = self.sessions.existing(session)  # a session's first request creates it, further in
        if state is None or state.scenarios.active() or self.counts_requests:
            await self.app(scope, receive, send)
            return
        key = scope["extensions"].pop(MISSED, None) if "extensions" in scope else None
        if key is None or session is not None or key[0] != state.version.value or key[2] != scope["path"]:
            key = self.key(scope, session, state)
        hit = self._entries.get(key)
        if hit is None:
            self.stats.misses += 1
            if self._admission.again(key):
                await self._answer_and_keep(scope, receive, send, key, state)
            elif self.direct is None or not await self.direct(scope, receive, send):
                await self.app(scope, receive, send)
            return
        self.stats.hits += 1
        self._entries.move_to_end(key)
        status, headers, body, operation_id = hit
        scope.setdefault("extensions", {})[OPERATION] = operation_id  # for the request log and journal
        if self.latency_ms is not None:
            await asyncio.sleep(delay_for(self.latency_ms))
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: tuple, state: State) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        complete = False

        async def keep(message: Message) -> None:
            nonlocal start, size, complete
            if message["type"] == "http.response.start":
                # a copy before outer layers (CORS) add their headers to the message in place
                start = {**message, "headers": tuple(message.get("headers", ()))}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                complete = not message.get("more_body", False)
            await send(message)

        if self.direct is None or not await self.direct(scope, receive, keep):
            await self.app(scope, receive, keep)
        operation_id = scope.get("extensions", {}).get(OPERATION)
        # Only replies of routed operations, produced while nothing could change them
        if (
            start is None or not complete or size > REPLAY_BODY_LIMIT or operation_id is None
            or FAULT in scope.get("extensions", {}) or UPSTREAM in scope.get("extensions", {})
            or state.version.value != key[0] or state.scenarios.active()
        ):
            return
        self._entries[key] = (start["status"], start["headers"], b"".join(chunks), operation_id)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
