"""The fast lane: a plain GET taken past the outer layers, a replayed reply answered in it.

Most requests of a load are plain GETs: no session, no `Origin`, no body, headers within the
bound, not the control API. For them traffic, control, CORS, the public key and connexion's
own layer do little (a log line and a journal entry, `Vary: Origin`), yet each is a coroutine
and some wrap `send`. This layer, the outermost, does that little itself and hands the request
to the replay layer; a reply that layer already holds (replay_cache.py: the same record again,
the same 401 to a client without credentials) it answers itself, end to end, which costs less
than the replay layer's own hit did behind the others. What it gives is exactly what those
layers together give: the same bytes, `Vary: Origin` (cors.vary_origin), the replay
layer's counts, and the access log line and journal entry of traffic.py's `Observation`.

Everything else goes on to the full stack untouched, where nothing differs from before: every
method but GET, the control API, a session (header or path prefix), a request with an `Origin`
(CORS) or a `Content-Length`, headers over the bound (traffic.over_bounds), the public key's
paths (public_key.py). A latency to add, a rate limit to count, an active scenario: the request
takes the lane, but is not answered from the cache in it (the replay layer decides as before).
"""

from __future__ import annotations

import os
import time
from typing import Iterable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.base.defaults import CONTROL_PREFIX, JOURNAL_BODY_LIMIT, REPLAY_CACHE_SIZE
from mockserver.server.cors import vary_origin
from mockserver.server.replay_cache import MISSED, ReplayMiddleware
from mockserver.server.routing import OPERATION
from mockserver.server.traffic import Observation, journal_entry, log_request
from mockserver.state.session_state import State
from mockserver.state.sessions import PATH_PREFIX, SESSION_HEADER, Sessions, note_session

VARIED_KEPT = REPLAY_CACHE_SIZE  # kept replies' headers with Vary: as many as the replay layer keeps
# what both the control API's paths and a session's path prefix begin with: one test for both
ELSEWHERE_PATHS = os.path.commonprefix([CONTROL_PREFIX, PATH_PREFIX])


class FastLane:
    """`replays`: the replay layer, once connexion has built its stack (app.py's list of it);
    `cors`: whether the CORS layer runs (it adds `Vary: Origin` to a reply without an Origin);
    `own_paths`: the paths an outer layer answers itself (the public key's)."""

    def __init__(self, app: ASGIApp, *, replays: Sequence[ReplayMiddleware], sessions: Sessions, cors: bool,
                 quiet: bool, max_header_bytes: int, own_paths: Iterable[str] = ()) -> None:
        self.app = app  # connexion's middleware: the full stack
        self.replays = replays
        self.sessions = sessions
        self.cors = cors
        self.quiet = quiet
        self.max_header_bytes = max_header_bytes
        self.own_paths = frozenset(own_paths)
        # a request with any of these takes the full path (cors.py, sessions.py, traffic.over_bounds)
        self.elsewhere = frozenset({b"origin", SESSION_HEADER, b"content-length"} if cors else
                                   {SESSION_HEADER, b"content-length"})
        self.replay: ReplayMiddleware | None = None  # _resolve()
        self.replays_here = False  # whether a hit may be answered here (no latency, no rate limit)
        self._varied: dict[int, tuple[tuple, tuple]] = {}  # id(kept headers) -> (them, with Vary)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        replay = self.replay if self.replay is not None else self._resolve()  # (an empty cache is falsy)
        plain = (self._plain(scope, replay.relevant) if replay is not None and scope["type"] == "http"
                 and scope["method"] == "GET" else None)
        if plain is None:
            await self.app(scope, receive, send)
            return
        header_size, picked = plain
        state = self.sessions.existing(None)
        hit = self._hit(scope, replay, state, picked) if self.replays_here else None
        if hit is not None:
            status, kept_headers, body, operation_id = hit
            await self._answer(scope, send, state, status, self._outer_headers(kept_headers), body, operation_id,
                               started, header_size)
        else:
            self._enter(scope, send)
            if state is None or not await self._direct(replay, scope, receive, send, state, started, header_size):
                await self._onward(replay, scope, receive, send, started, header_size)

    def _enter(self, scope: Scope, send: Send) -> None:
        """What the outer layers give a request they pass on: its session (a plain request names
        none: what read_session finds for it) and connexion's `app`, which connexion's layer
        sets for the layers inside it."""
        note_session(scope, None, send)
        scope["app"] = self.app

    def _observation(self, scope: Scope, receive: Receive, send: Send, started: float,
                     header_size: int) -> Observation:
        """The traffic layer's view of a request sent on, as the outer layers observe it."""
        return Observation(self.sessions, self.quiet, scope, receive, send, header_size,
                           vary_origin if self.cors else None, started)

    async def _answer(self, scope: Scope, send: Send, state: State | None, status: int,
                      headers: list[tuple[bytes, bytes]], body: bytes, operation_id: str | None, started: float,
                      header_size: int) -> None:
        """Send a reply the outer layers would pass on as it is, with their log line and journal
        entry: journaled before the end of the reply is sent, as traffic.py does, and, as there,
        also when sending its start fails (with no body then)."""
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
        except BaseException:
            self._note(scope, state, status, headers, b"", operation_id, started, header_size)
            raise
        self._note(scope, state, status, headers, body, operation_id, started, header_size)
        await send({"type": "http.response.body", "body": body})

    def _note(self, scope: Scope, state: State | None, status: int, headers: list[tuple[bytes, bytes]],
              body: bytes, operation_id: str | None, started: float, header_size: int) -> None:
        """The log line and the journal entry of a reply the lane sends (traffic.Observation's)."""
        millis = (time.perf_counter() - started) * 1000
        if not self.quiet:
            log_request(scope, operation_id, status, millis, None)
        if state is not None:
            state.journal.add(journal_entry(scope, operation_id, status, millis, b"", headers,
                                            body[:JOURNAL_BODY_LIMIT], None, header_size))

    async def _direct(self, replay: ReplayMiddleware, scope: Scope, receive: Receive, send: Send, state: State,
                      started: float, header_size: int) -> bool:
        """A plain request the cache missed for the first time (a new id), answered here as a hit
        is: the pipeline's reply (pipeline.Direct) sent and journaled by the lane, past the
        replay layer (which keeps nothing on a first miss) and without an `Observation` around
        `send`. False, having counted nothing, where it goes the long way: a second miss (the
        replay layer keeps that reply), a request the GET table does not route. A reply with a
        delay or a fault, and the exception stage's answer to a failure, are sent through an
        `Observation` started with the request, as `_onward` sends them."""
        extensions = scope.get("extensions")
        key = extensions.get(MISSED) if extensions else None  # set by `_hit` only
        direct = replay.direct
        if key is None or direct is None:
            return False
        routed = direct.route(scope)
        if routed is None or not replay.first_miss(key):
            return False
        del extensions[MISSED]
        observed: list[Observation] = []  # made for a reply sent through `direct.run`, not the usual one

        def observation() -> Observation:
            if not observed:
                observed.append(self._observation(scope, receive, send, started, header_size))
            return observed[0]

        async def observing(message: Message) -> None:
            await observation().send(message)
        ready = None
        try:
            ready = await direct.run(*routed, receive, observing)
        finally:
            if ready is None and not observation().recorded:
                observation().record()
        if ready is not None:
            outcome, start = ready
            reply = outcome.reply
            headers = vary_origin(start["headers"]) if self.cors else start["headers"]
            await self._answer(scope, send, state, reply.status, headers, reply.body, extensions.get(OPERATION),
                               started, header_size)
            if outcome.after is not None:
                outcome.after()
        return True

    async def _onward(self, replay: ReplayMiddleware, scope: Scope, receive: Receive, send: Send, started: float,
                      header_size: int) -> None:
        """A plain request the lane does not answer (`_enter`ed): to the replay layer, observed as
        the outer layers observe it (Vary, the journal and the log)."""
        seen = self._observation(scope, receive, send, started, header_size)
        try:
            await replay(scope, receive, seen.send)
        finally:
            if not seen.recorded:
                seen.record()

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
        """The replay layer once connexion has built its stack (at start-up)."""
        if self.replays:
            replay = self.replays[-1]
            self.replays_here = replay.latency_ms is None and not replay.counts_requests
            self.replay = replay
        return self.replay

    def _plain(self, scope: Scope, relevant: frozenset[bytes]) -> tuple[int, tuple] | None:
        """For a plain request, the length of its headers (names and values) and those of them
        the replay key holds (`relevant`), else None."""
        path = scope["path"]
        if path.startswith(ELSEWHERE_PATHS) or path in self.own_paths:
            return None
        elsewhere = self.elsewhere
        size = 0
        picked = []
        for item in scope["headers"]:
            name = item[0]
            if name in elsewhere:
                return None
            size += len(name) + len(item[1])
            if name.lower() in relevant:
                picked.append(item)
        return (size, tuple(picked)) if size <= self.max_header_bytes else None

    def _hit(self, scope: Scope, replay: ReplayMiddleware, state: State | None,
             picked: tuple) -> tuple[int, tuple, bytes, str] | None:
        """The replay layer's entry for a plain request, else None (the key handed on, MISSED)."""
        if state is None or state.scenarios.active():
            return None
        key = replay.key(scope, None, state, picked)
        hit = replay.take(key)
        if hit is None:
            scope.setdefault("extensions", {})[MISSED] = key  # for the replay layer, further in
        return hit
