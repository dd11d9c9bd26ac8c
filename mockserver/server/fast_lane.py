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

import os
import time
from typing import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.base.defaults import CONTROL_PREFIX, JOURNAL_BODY_LIMIT, REPLAY_CACHE_SIZE
from mockserver.server.cors import vary_origin
from mockserver.server.replay_cache import MISSED, ReplayMiddleware
from mockserver.server.traffic import journal_entry, log_request
from mockserver.state.sessions import PATH_PREFIX, SESSION_HEADER, Sessions

# what both the control API's paths and a session's path prefix begin with: one test for both
VARIED_KEPT = REPLAY_CACHE_SIZE  # as many as the replay layer keeps entries
ELSEWHERE_PATHS = os.path.commonprefix([CONTROL_PREFIX, PATH_PREFIX])


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
        self.replay: ReplayMiddleware | None = None  # _resolve()
        self._varied: dict[int, tuple[tuple, tuple]] = {}  # id(kept headers) -> (them, with Vary)
        # a request with any of these takes the full path (cors.py, sessions.py, traffic.over_bounds)
        self.elsewhere = frozenset({b"origin", SESSION_HEADER, b"content-length"} if cors else
                                   {SESSION_HEADER, b"content-length"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        found = self._hit(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        (status, kept_headers, body, operation_id), header_size = found
        headers = self._outer_headers(kept_headers)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        # journaled before the end of the reply is sent, as traffic.py does
        millis = (time.perf_counter() - started) * 1000
        if not self.quiet:
            log_request(scope, operation_id, status, millis, None)
        state = self.sessions.existing(None)
        if state is not None:
            state.journal.add(journal_entry(scope, operation_id, status, millis, b"", headers,
                                            body[:JOURNAL_BODY_LIMIT], None, header_size))
        await send({"type": "http.response.body", "body": body})

    def _outer_headers(self, kept: tuple) -> list[tuple[bytes, bytes]]:
        """A new list of the headers the outer layers send for a kept reply's `kept`: CORS's
        `Vary: Origin` added once per kept reply (by identity: the replay layer's entries hold
        their headers tuple for as long as they live), not on every hit."""
        if not self.cors:
            return list(kept)
        memo = self._varied.get(id(kept))
        if memo is None or memo[0] is not kept:
            if len(self._varied) >= VARIED_KEPT:
                self._varied.clear()
            memo = self._varied[id(kept)] = (kept, tuple(vary_origin(list(kept))))
        return list(memo[1])

    def _resolve(self) -> ReplayMiddleware | None:
        """The replay layer once connexion has built it, if the lane may answer for it at all:
        not with a latency to add or a rate limit that must count every request."""
        if not self.replays:
            return None
        replay = self.replays[-1]
        if replay.latency_ms is None and not replay.counts_requests:
            self.replay = replay
        return self.replay

    def _hit(self, scope: Scope) -> tuple[tuple[int, tuple, bytes, str], int] | None:
        """The replay layer's entry for a plain request, and its headers' length, else None."""
        replay = self.replay or self._resolve()
        if replay is None or scope["path"].startswith(ELSEWHERE_PATHS):
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
        key = replay.key(scope, None, state, tuple(picked))
        hit = replay.take(key)
        if hit is None:
            scope.setdefault("extensions", {})[MISSED] = key  # for the replay layer, further in
            return None
        return hit, size
