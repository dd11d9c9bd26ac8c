"""Our ASGI layers around connexion's, one concern each.

- `contract_step` is what follows routing for a contract request: security before anything
  else (so a missing credential gets the vendor's 401, not a 400), connexion's
  request-validation problems turned into the operation's declared 400 where there is one,
  scenarios set through the control API and the configured latency, with `asyncio.sleep`, so a
  slow reply never holds up another request. `ContractMiddleware` runs it right after
  connexion's routing; the direct dispatch (`dispatch.py`) runs it for the requests it routes.
- `TrafficMiddleware` is outermost: one log line per request (never a header value) and one
  journal entry per contract request (credentials redacted).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, unquote_to_bytes

from connexion.exceptions import BadRequestProblem
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.contract import Operation
from mockserver.defaults import CONTROL_PREFIX
from mockserver.engine import Engine
from mockserver.reply import Reply
from mockserver.state import Journal, JournalEntry

ROUTING = "connexion_routing"
CONTEXT = "connexion_context"  # connexion hands this dict to the handler as connexion.context
SCENARIO_KEY = "mock_scenario"
access_log = logging.getLogger("mockserver.access")
_PLAIN_PATH = re.compile(rb"[\x21-\x24\x26-\x7e]*")  # printable ASCII but '%' (and no space)


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


def credential_sources(op: Operation, scope: Scope, headers: Headers) -> tuple[dict[str, str], dict[str, str]]:
    """Query and cookies, parsed only when one of the operation's schemes reads them."""
    places = op.credential_places()
    return (query_of(scope) if "query" in places else {}), (cookies_of(headers) if "cookie" in places else {})


def authorize(engine: Engine, op: Operation, scope: Scope) -> Reply | None:
    """The operation's declared 401 for this request, or None when its credentials will do."""
    headers = Headers(scope=scope)
    return engine.authorize(op, headers, *credential_sources(op, scope, headers))


def printable(text: str) -> str:
    """Text safe for a one-line log: control characters escaped, so a request cannot forge lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def path_problem(scope: Scope) -> str | None:
    """Why no record can live at this path, or None.

    Refused, as strict URL decoders refuse them before routing: C0 control characters and DEL
    (starlette's router cannot route a newline while werkzeug's can, which would reach the
    handler without an operation), and bytes that are not UTF-8 (uvicorn would turn them into
    U+FFFD, so different ids would share a record). Any other character, C1 controls included,
    is a valid character of a `type: string` id.
    """
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    if _PLAIN_PATH.fullmatch(raw):  # printable ASCII, nothing percent-encoded: the usual case
        return None
    decoded_bytes = unquote_to_bytes(raw)
    if any(b < 0x20 or b == 0x7F for b in decoded_bytes):
        return "the path holds control characters"
    try:
        decoded_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return "the path is not UTF-8 once percent-decoded"
    return None


class PathGuardMiddleware:
    def __init__(self, app: ASGIApp, *, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = path_problem(scope) if scope["type"] == "http" else None
        if problem is None:
            await self.app(scope, receive, send)
            return
        op = self.engine.find_operation(scope["method"], scope["path"])
        refusal = authorize(self.engine, op, scope) if op is not None else None  # security still comes first
        await (refusal or self.engine.reject_path(op, problem)).send(send)


async def contract_step(engine: Engine, op: Operation, scope: Scope, receive: Receive, send: Send,
                        downstream: ASGIApp) -> None:
    """What follows routing for every contract request, whichever layer routed it.

    Security first (a missing credential gets the vendor's 401, not a 400), then a scenario set
    through the control API and the delay, then `downstream` (parameter validation and the
    handler), whose `BadRequestProblem` becomes the operation's declared 400 where there is one.
    """
    refusal = authorize(engine, op, scope)
    scenario = None if refusal is not None else engine.scenarios.take(op, scope["path"])
    delay = engine.delay_seconds(scenario)
    if delay > 0:
        await asyncio.sleep(delay)
    if refusal is not None:
        await refusal.send(send)
        return
    if scenario is not None:
        scope.setdefault("extensions", {}).setdefault(CONTEXT, {})[SCENARIO_KEY] = scenario
    try:
        await downstream(scope, receive, send)
    except BadRequestProblem as exc:
        reply = engine.bad_request(op, str(exc.detail or exc.title))
        if reply is None:
            raise
        await reply.send(send)


def respond(engine: Engine, op: Operation, scope: Scope) -> Reply:
    """The handler's work for a request that passed routing, security and parameter validation.

    Path parameters are read from the scope, named as connexion's router names them, so the
    connexion handler and the direct dispatch hand the engine the same values.
    """
    scenario = scope.get("extensions", {}).get(CONTEXT, {}).get(SCENARIO_KEY)
    return engine.handle(op, scope.get("path_params", {}), Headers(scope=scope), query_of(scope), scenario)


class ContractMiddleware:
    """`contract_step` for the requests connexion routes (those the direct dispatch leaves)."""

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
        await contract_step(self.engine, op, scope, receive, send, self.app)


class TrafficMiddleware:
    def __init__(self, app: ASGIApp, *, journal: Journal, quiet: bool = False) -> None:
        self.app = app
        self.journal = journal
        self.quiet = quiet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Shared with connexion's routing (it copies the scope shallowly), so we can read
        # the operationId it resolved.
        extensions = scope.setdefault("extensions", {})
        started = time.perf_counter()
        status = 0
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            operation_id = extensions.get(ROUTING, {}).get("operation_id")
            millis = (time.perf_counter() - started) * 1000
            if not self.quiet:
                access_log.info("%s %s %s %d %.1fms", scope["method"], printable(scope["path"]),
                                operation_id or "-", status, millis)
            path = scope["path"]
            if path != CONTROL_PREFIX and not path.startswith(CONTROL_PREFIX + "/"):
                self.journal.add(JournalEntry(
                    time.time(), scope["method"], path, query_of(scope) if scope.get("query_string") else {},
                    operation_id, status, millis, scope.get("headers", []),
                ))

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False) and not recorded:
                # Journal before the client can see the end of the reply, so a test that asks
                # the journal right after its request always finds it.
                record()
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            if not recorded:
                record()
