"""The fast lane: a reply the replay layer already holds, answered ahead of every other layer.

A replayed reply (replay_cache.py: the same record again, the same 401 to a client without
credentials) is most of what a load that repeats itself asks for, and on the way to the replay
layer and back it passed traffic, control, CORS and connexion's app, each with its checks and
its `send` wrapper: those cost more than the replay itself. This layer, the outermost, answers
the plain case end to end with exactly what those layers together give: the kept reply,
`Vary: Origin` as cors.py adds it, the replay layer's hit count, and traffic.py's access log
line and journal entry (its `log_request` and `journal_entry`, the one place of each).

Everything else goes on to the full stack untouched, where nothing differs from before: every
method but GET, the control API, a session (header or path prefix), a request with an `Origin`
(CORS) or a `Content-Length`, headers over the bound (traffic.over_bounds), a latency to add,
a rate limit to count, an active scenario, and every miss (counted by the replay layer).
"""

from __future__ import annotations

import time
from typing import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.base.defaults import CONTROL_PREFIX, JOURNAL_BODY_LIMIT
from mockserver.server.cors import vary_origin
from mockserver.server.replay_cache import ReplayMiddleware
from mockserver.server.traffic import journal_entry, log_request
from mockserver.state.sessions import PATH_PREFIX, SESSION_HEADER, Sessions


class FastLane:
    """`replays`: the replay layer, once connexion has built its stack (app.py's list of it);
    `cors`: whether the CORS layer runs (it adds `Vary: Origin` to a reply without an Origin)."""

    def __init__(self, app: ASGIApp, *, replays: Sequence[ReplayMiddleware], sessions: Sessions, cors: bool,
                 quiet: bool, max_header_bytes: int) -> None:
        self.app = app
        self.replays = replays
        self.sessions = sessions
        self.cors = cors
        self.quiet = quiet
        self.max_header_bytes = max_header_bytes
        # a request with any of these takes the full path (cors.py, sessions.py, traffic.over_bounds)
        self.elsewhere = frozenset({b"origin", SESSION_HEADER, b"content-length"} if cors else
                                   {SESSION_HEADER, b"content-length"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        hit = self._hit(scope) if scope["type"] == "http" and scope["method"] == "GET" and self.replays else None
        if hit is None:
            await self.app(scope, receive, send)
            return
        status, kept_headers, body, operation_id = hit
        headers = vary_origin(list(kept_headers)) if self.cors else list(kept_headers)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        # journaled before the end of the reply is sent, as traffic.py does
        millis = (time.perf_counter() - started) * 1000
        if not self.quiet:
            log_request(scope, operation_id, status, millis, None)
        state = self.sessions.existing(None)
        if state is not None:
            state.journal.add(journal_entry(scope, operation_id, status, millis, b"", headers,
                                            body[:JOURNAL_BODY_LIMIT], None))
        await send({"type": "http.response.body", "body": body})

    def _hit(self, scope: Scope) -> tuple[int, tuple, bytes, str] | None:
        replay = self.replays[-1]
        path = scope["path"]
        if (replay.latency_ms is not None or replay.counts_requests
                or path.startswith(CONTROL_PREFIX) or path.startswith(PATH_PREFIX)):
            return None
        state = self.sessions.existing(None)
        if state is None or state.scenarios.active():
            return None
        elsewhere = self.elsewhere
        relevant = replay.relevant
        size = 0
        picked = []
        for item in scope["headers"]:
            name = item[0]
            if name in elsewhere:
                return None
            size += len(name) + len(item[1])
            if name.lower() in relevant:
                picked.append(item)
        if size > self.max_header_bytes:
            return None
        return replay.take(replay.key(scope, None, state, tuple(picked)))
