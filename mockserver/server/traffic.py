"""The outermost layer: the request's session read once (sessions.py), one log line per request
(never a header value) and one journal entry
per contract request (credentials redacted when read), with the first bytes of its request and
response bodies, for the dashboard and for tests that check what their client sent. The entry
goes to the request's session only if that exists: a request refused before it could create
its session (a 401, a 404) is logged but journaled nowhere, not in another session's journal.

The operationId comes from the pipeline (or the replay layer), under the scope extension
`routing.OPERATION`; the extensions dict is made here, before connexion's router copies the
scope, so that what the inner layers write there is seen here.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.base.defaults import (CONTROL_PREFIX, JOURNAL_BODY_LIMIT, JOURNAL_CUT, JOURNAL_TARGET_LIMIT,
                                      MAX_CONTROL_BODY, MAX_HEADER_BYTES, MAX_REQUEST_BODY)
from mockserver.http import problems
from mockserver.http.faults import FAULT
from mockserver.http.reply import Reply
from mockserver.http.request import first_values
from mockserver.server.routing import OPERATION
from mockserver.state.sessions import Sessions, read_session, session_name
from mockserver.state.session_state import JournalEntry, bounded_headers

access_log = logging.getLogger("mockserver.control.access")


def cut(text: str) -> str:
    """A path or query as the journal and the log keep it: its first JOURNAL_TARGET_LIMIT characters."""
    return text if len(text) <= JOURNAL_TARGET_LIMIT else text[:JOURNAL_TARGET_LIMIT] + JOURNAL_CUT


def printable(text: str) -> str:
    """Text safe for a one-line log: control characters escaped, so a request cannot forge lines,
    and cut as the journal cuts a path, so a 5,000-character id is not a 5,000-character line."""
    text = cut(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


_CONTROL_CHILD = CONTROL_PREFIX + "/"


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(_CONTROL_CHILD)


def _is_preflight(scope: Scope) -> bool:
    return any(name == b"access-control-request-method" for name, _value in scope.get("headers", []))


DIGITS_KEPT = 18  # a Content-Length longer than this is over any limit (int() of 5,000 digits raises)


def over_bounds(scope: Scope, max_header_bytes: int, max_body_bytes: int) -> Reply | None:
    """The refusal of a request over a bound that its head alone shows, else None: headers over
    `max_header_bytes` (431; httptools has no limit of its own), or a declared body over the
    limit (413 before a byte of it is read, where waiting for it would hold the connection)."""
    size = 0
    declared = b""
    for name, value in scope["headers"]:
        size += len(name) + len(value)
        if name == b"content-length":
            declared = value
    if size > max_header_bytes:
        return problems.headers_too_large(size, max_header_bytes)
    if declared:
        limit = MAX_CONTROL_BODY if is_control_path(scope["path"]) else max_body_bytes
        if len(declared) > DIGITS_KEPT or (declared.isdigit() and int(declared) > limit):
            shown = declared[:DIGITS_KEPT].decode("latin-1") + ("..." if len(declared) > DIGITS_KEPT else "")
            return problems.too_large(limit, f"the declared body is {shown} bytes; ").with_header("connection", "close")
    return None


def log_request(scope: Scope, operation_id: str | None, status: int, millis: float, fault: str | None) -> None:
    """The access log's line for one request (not a header value in it)."""
    access_log.info("%s %s %s %d %.1fms%s", scope["method"], printable(scope["path"]),
                    operation_id or "-", status, millis, f" fault={fault}" if fault else "")


def journal_entry(scope: Scope, operation_id: str | None, status: int, millis: float, request_body: bytes,
                  response_headers: list[tuple[bytes, bytes]], response_body: bytes, fault: str | None,
                  header_size: int | None = None) -> JournalEntry:
    """The journal's entry for one request; what a request brings is kept bounded (session_state.py).
    `header_size`: the request headers' length, where the caller has summed it (bounded_headers)."""
    query_string = scope.get("query_string", b"")[:JOURNAL_TARGET_LIMIT]
    return JournalEntry(
        time.time(), scope["method"], cut(scope["path"]), first_values(query_string) if query_string else {},
        operation_id, status, millis, bounded_headers(scope.get("headers", []), size=header_size),
        request_body, response_headers, response_body, fault,
    )


class Observation:
    """One request as the log and the journal see it: `send` notes the reply on its way out
    and records it before its last byte, `receive` keeps the first bytes of a body; `record()`
    (once) writes the log line and the journal entry. The outermost layer makes one per request
    (TrafficMiddleware, or the fast lane for the requests it takes: fast_lane.py)."""

    __slots__ = ("sessions", "quiet", "scope", "extensions", "_send", "_receive", "started", "status", "recorded",
                 "request_body", "response_headers", "response_body", "kept", "header_size", "outer")

    def __init__(self, sessions: Sessions, quiet: bool, scope: Scope, receive: Receive, send: Send,
                 header_size: int | None = None,
                 outer: Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]] | None = None,
                 started: float | None = None) -> None:
        self.sessions = sessions
        self.quiet = quiet
        self.scope = scope
        self.extensions = scope.setdefault("extensions", {})
        self._receive = receive
        self._send = send
        self.started = time.perf_counter() if started is None else started  # when the request came in
        self.status = 0
        self.recorded = False
        self.request_body = bytearray()
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.response_body: list[bytes] = []  # the chunks sent, up to JOURNAL_BODY_LIMIT bytes (no copy)
        self.kept = 0
        self.header_size = header_size  # the request headers' length, where the caller summed it
        self.outer = outer  # what the layers it stands for do to the reply's headers (cors.vary_origin), if any

    async def receive(self) -> Message:
        message = await self._receive()
        request_body = self.request_body
        if message["type"] == "http.request" and len(request_body) < JOURNAL_BODY_LIMIT:
            request_body.extend(message.get("body", b"")[: JOURNAL_BODY_LIMIT - len(request_body)])
        return message

    def record(self) -> None:
        self.recorded = True
        scope, extensions, status, response_body = self.scope, self.extensions, self.status, self.response_body
        operation_id = extensions.get(OPERATION)
        millis = (time.perf_counter() - self.started) * 1000
        fault = extensions.get(FAULT)  # noted by pipeline.deliver
        if not self.quiet:
            log_request(scope, operation_id, status, millis, fault)
            if status == 400 and scope["method"] == "OPTIONS" and _is_preflight(scope):
                # starlette's CORS layer refuses a preflight with a bare 400; say why
                access_log.warning("CORS preflight refused: %s", printable(b"".join(response_body).decode("utf-8", "replace")))
        path = scope["path"]
        state = None if is_control_path(path) else self.sessions.existing(session_name(scope))
        if state is not None:  # a session the request did not create (refused: a 401, a 404) has no journal
            state.journal.add(journal_entry(
                scope, operation_id, status, millis, bytes(self.request_body), self.response_headers,
                response_body[0][:JOURNAL_BODY_LIMIT] if len(response_body) == 1 else b"".join(response_body)[:JOURNAL_BODY_LIMIT],
                fault, self.header_size,
            ))

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.outer is not None:
                message["headers"] = self.outer(message.get("headers", []))
            self.response_headers = message.get("headers", [])  # the outermost layer: nothing changes them after
        elif message["type"] == "http.response.body":
            if self.kept < JOURNAL_BODY_LIMIT:
                chunk = message.get("body", b"")
                self.response_body.append(chunk)
                self.kept += len(chunk)
            if not message.get("more_body", False) and not self.recorded:
                # Journal before the client can see the end of the reply, so a test that asks
                # the journal right after its request always finds it.
                self.record()
        await self._send(message)


class TrafficMiddleware:
    def __init__(self, app: ASGIApp, *, sessions: Sessions, quiet: bool = False,
                 max_header_bytes: int = MAX_HEADER_BYTES, max_body_bytes: int = MAX_REQUEST_BODY) -> None:
        self.app = app
        self.sessions = sessions
        self.quiet = quiet
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bounded = over_bounds(scope, self.max_header_bytes, self.max_body_bytes)
        scope, refused = read_session(scope, send)
        refused = bounded or refused
        seen = Observation(self.sessions, self.quiet, scope, receive, send)
        try:  # requests without a body are most of them: their receive is not wrapped
            has_body = scope["method"] not in ("GET", "HEAD", "OPTIONS")
            if refused is not None:
                await refused.send(seen.send)
            else:
                await self.app(scope, seen.receive if has_body else receive, seen.send)
        finally:
            if not seen.recorded:
                seen.record()
