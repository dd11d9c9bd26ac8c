"""Sessions: isolated runtime state on one mock, for parallel test runs.

A request selects a session with the header `X-Mock-Session: NAME`, or with the path prefix
`/__session/NAME` (for clients that take only a base URL, such as the vendors' SDKs:
`api_url="http://127.0.0.1:4010/__session/NAME"`). Each session has its own records (seeded
like the start-up state), scenarios, journal and rate-limit counters; generated records are the
same in every session, since they depend only on the request. Without either, a request uses
the default session, which is what the mock had before sessions.

A session is created only by a request that may create it: a contract request that passed the
path guard and the security check (pipeline.py `handle`), or a control call past its access
checks. Anything else (a 401, a 404, `/__mock/health`) only looks the session up (`find`,
`existing`), so a page on any site cannot use up `limit` with refused requests. A session is
removed by `DELETE /__mock/sessions/NAME` or after `idle_s` seconds without a request. At most
`limit` sessions exist besides the default: one more is refused with a problem that says so,
and nothing else is evicted to make room; with a shared store the store checks the limit in the
transaction that opens the session, so it holds across every process (`SessionsFull`).

With a shared store (replica.py), sessions are shared too: one made on any process exists on
every one, and idle time counts the use seen by any of them. Either way a session is made and
removed by a change handed to the sink (sink.py), never here directly.

The outermost layer (traffic.py) reads the name once (`read_session`) and leaves it in the scope
under `SESSION`; every layer after it (journal, replay cache, pipeline, control API) asks
`Sessions` for that session's `State`.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Callable

from starlette.types import Scope, Send

from mockserver.http import problems
from mockserver.adapters.uvicorn import transport_of
from mockserver.http.faults import TRANSPORT
from mockserver.http.reply import Reply
from mockserver.http.request import SESSION
from mockserver.state.changes import Change, SessionClosed, SessionOpened, SessionsUsed
from mockserver.state.sink import LocalSink, Sink
from mockserver.state.session_state import State

SESSION_HEADER = b"x-mock-session"
PATH_PREFIX = "/__session/"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class SessionError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body)
        self.reply = reply


class SessionsFull(Exception):
    """A shared store refused to open one more session: `limit` exist, counted across every
    process (replica.py); answered as the same `session-limit` problem as a local refusal."""


class Sessions:
    """The default session and the named ones, bounded in number and idle time."""

    def __init__(self, default: State, make: Callable[[], State], limit: int, idle_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.default = default
        self._make = make
        self.limit = limit
        self.idle_s = idle_s
        self._clock = clock
        self._named: dict[str, State] = {}
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()
        self.sink: Sink = LocalSink(self)  # the replica's, when the state is shared

    def get(self, name: str | None) -> State:
        """The session's state, created on first use; SessionError when the cap is reached."""
        if name is None:
            return self.default
        now = self._clock()
        with self._lock:
            state = self._named.get(name)
            if state is not None:
                self._used[name] = now
                return state
        self.expire()
        with self._lock:
            if name not in self._named and len(self._named) >= self.limit:
                raise self._full(len(self._named))
        try:
            self.sink.commit(SessionOpened(name))  # outside the lock: a shared sink's replica takes it
        except SessionsFull:
            raise self._full(self.limit) from None
        with self._lock:
            self._used[name] = now
            return self._named[name]

    def find(self, name: str | None) -> State | None:
        """The session's state, marked used, if it exists; None if not (it is not created here:
        only a request that may create a session does, through `get`)."""
        if name is None:
            return self.default
        with self._lock:
            state = self._named.get(name)
            if state is not None:
                self._used[name] = self._clock()
            return state

    def _full(self, count: int) -> SessionError:
        return SessionError(problems.session_limit(
            f"{count} sessions exist, the most this mock keeps (--max-sessions); remove one "
            f"with DELETE /__mock/sessions/NAME or let one idle for {int(self.idle_s)} s"))

    def existing(self, name: str | None) -> State | None:
        """The session's state if it exists (the journal and the reply cache do not create one)."""
        if name is None:
            return self.default
        with self._lock:
            return self._named.get(name)

    def remove(self, name: str) -> bool:
        with self._lock:
            existed = name in self._named
        if existed:
            self.sink.commit(SessionClosed(name))
        return existed

    def expire(self) -> None:
        """Remove the sessions idle for longer than `idle_s` (with a shared store, idle on every
        process: each shares the sessions it used, `SessionsUsed`)."""
        for name in self.idle():
            self.sink.commit(SessionClosed(name))

    def apply(self, change: Change) -> State | None:
        if isinstance(change, SessionOpened):
            with self._lock:
                state = self._named.get(change.session)
                if state is None:
                    state = self._named[change.session] = self._make()
                    self.sink.adopt(state, change.session)
                    self._used.setdefault(change.session, self._clock())
                return state
        if isinstance(change, SessionClosed):
            with self._lock:
                self._used.pop(change.session, None)
                self._named.pop(change.session, None)
        elif isinstance(change, SessionsUsed):  # other processes used these: not idle here either
            now = self._clock()
            with self._lock:
                for name in change.names:
                    if name in self._named:
                        self._used[name] = now
        return None

    def names(self) -> list[str]:
        with self._lock:
            return list(self._named)

    def used_since(self, since: float) -> list[str]:
        with self._lock:
            return [name for name, used in self._used.items() if used >= since]

    def idle(self) -> list[str]:
        now = self._clock()
        with self._lock:
            return self._idle(now)

    def _idle(self, now: float) -> list[str]:
        return [name for name, used in self._used.items() if now - used > self.idle_s]

    def describe(self) -> list[dict]:
        self.expire()
        now = self._clock()
        with self._lock:
            named = sorted(self._named.items())
            used = dict(self._used)
        return [{"name": name, "records": state.records.count(), "scenarios": len(state.scenarios.all()),
                 "requests": len(state.journal), "idle_s": round(now - used.get(name, now), 1)}
                for name, state in named]

    def count(self) -> int:
        with self._lock:
            return len(self._named)


def session_name(scope: Scope) -> str | None:
    return scope.get("extensions", {}).get(SESSION)


def read_session(scope: Scope, send: Send) -> tuple[Scope, Reply | None]:
    """The request's session (header, else path prefix, which is then taken off the path) and
    its connection's transport, into the scope; or the refusal of a malformed name. Called
    once per request by the outermost layer (traffic.py)."""
    name = None
    for header, value in scope["headers"]:
        if header == SESSION_HEADER:
            name = value.decode("latin-1").strip()
            break
    path = scope["path"]
    if path.startswith(PATH_PREFIX):
        prefix_name, _, rest = path[len(PATH_PREFIX):].partition("/")
        name = name or prefix_name
        scope = dict(scope)
        scope["path"] = "/" + rest
        raw = scope.get("raw_path")
        if raw is not None and raw.startswith(PATH_PREFIX.encode()):
            scope["raw_path"] = b"/" + raw[len(PATH_PREFIX) + len(prefix_name.encode()) + 1:]
    if name is not None and not _NAME.fullmatch(name):
        return scope, problems.invalid_session(name)
    note_session(scope, name, send)
    return scope, None


def note_session(scope: Scope, name: str | None, send: Send) -> None:
    """Leave the session's name (None: the default session) and the connection's transport in
    the scope, as `read_session` does once it has read the name; the fast lane calls it for a
    request it knows names no session (no header, no path prefix)."""
    extensions = scope.setdefault("extensions", {})
    extensions[SESSION] = name
    extensions[TRANSPORT] = transport_of(send)  # for the faults that act on the connection
