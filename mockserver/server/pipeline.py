"""The request pipeline: one path for every request, its stages written down once.

    route -> path guard -> security -> scenario -> rate limit -> preferences
          -> parameters and body -> respond -> validate -> (delay, fault) deliver

`handle` is that line, top to bottom: a plain function of the route, the request and the
session's state that returns an `Outcome`, the reply and how to deliver it (a delay before it,
a fault from faults.py). It writes nothing into the ASGI scope; `PipelineMiddleware` calls it
and `deliver` carries the outcome out, noting a delivered fault once for the journal and the
replay layer (`faults.FAULT`). Each stage is a small module with one job (guard.py,
security.py, preferences.py with the scenarios of state.py, parameters.py, respond.py,
validation.py) that returns a `Reply` when it answers and None when the request goes on.
connexion stays in its role: its router chose the operation (routing.py), its Resolver bound
the handler, and its validators check parameters and bodies; the per-request layers it would
otherwise run here (request validation, context, the handler's decorators) are left out of the
middleware list, since the pipeline owns those stages and does their per-operation work once
at start-up (README, design).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from functools import partial
from typing import Any, Callable, NamedTuple

from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.adapters.connexion import swagger_ui_paths
from mockserver.adapters.starlette import dispatch_exception
from mockserver.http import faults, problems
from mockserver.stages import guard, landing, preferences, proxy, security
from mockserver.http.upstream import UPSTREAM
from mockserver.contract.operations import Operation, template_regex
from mockserver.stages.engine import Engine
from mockserver.http.reply import Reply
from mockserver.stages.reply_builder import declared_or_problem
from mockserver.http.faults import FAULT, TRANSPORT
from mockserver.stages.preferences import Preferences
from mockserver.http.request import BodyTimeout, BodyTooLarge, MockRequest, read_body
from mockserver.server.routing import OPERATION, PROBE, PipelineAPI, Route, Router
from mockserver.state.sessions import SessionError
from mockserver.state.session_state import Scenario, State
from mockserver.shared.store import StoreUnavailable
from mockserver.state.changes import STALE_RETRIES, Stale


class PipelineMiddleware(RoutedMiddleware[PipelineAPI]):
    """Answers every routed request, right after connexion's router.

    Swagger UI comes after it in the middleware list (its router costs as much as routing, on
    every request it does not serve), so what the pipeline passes on is what Swagger UI may
    serve: unrouted requests, and requests routed to an operation whose path template also
    matches one of Swagger UI's paths (a catch-all `/{name}` and `/openapi.json`). Those
    operations are found once, by asking connexion's router about each path Swagger UI's router
    serves, so Swagger UI keeps the precedence connexion gives it. What Swagger UI does not
    serve reaches `Leftovers`, at the end of the list.
    """

    api_cls = PipelineAPI

    def __init__(self, app: ASGIApp, *, engine: Engine, router: Router, swagger: list[Any]) -> None:
        super().__init__(app)
        self.engine = engine
        self.responder = engine.responder
        self.routes: dict[tuple[str, str], Route] = {}
        self.router = router
        self.swagger = swagger  # connexion's SwaggerUIMiddleware, once connexion has built it
        self.swagger_first: frozenset[Route] | None = None  # routes whose paths Swagger UI may serve
        self.untyped: list[tuple[Any, Operation]] | None = None  # templates with any value per parameter
        # `{base}/openapi.json` and `.yaml`: the document as the mock serves it (landing.py)
        self.documents = {api.base_path + suffix: (api, kind) for api in engine.apis
                          for suffix, kind in (("/openapi.json", "json"), ("/openapi.yaml", "yaml"))}

    def add_api(self, specification, **kwargs) -> PipelineAPI:  # type: ignore[override]
        """Called by connexion at start-up, once per API, most specific base path first."""
        api = super().add_api(specification, engine=self.engine, **kwargs)
        for operation_id, route in api.operations.items():
            self.routes.setdefault((api.base_path, operation_id), route)
        return api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extensions = scope.setdefault("extensions", {})
        route = self.route_of(scope)
        if PROBE in extensions:
            extensions[PROBE].append(route)
            return
        served = self.documents.get(scope["path"])
        if served is not None and scope["method"] in ("GET", "HEAD"):  # before any operation, as connexion's own
            for_ui = scope.get("query_string") == landing.FOR_SWAGGER_UI.encode()
            await landing.document(*served, for_swagger_ui=for_ui).send(send)
            return
        if self.swagger_first is None:
            self.swagger_first = frozenset(await self.routes_behind_swagger())
        if route is None or route in self.swagger_first:
            await self.app(scope, receive, send)  # Swagger UI, then Leftovers
            return
        await self.run(route, scope, receive, send)

    async def run(self, route: Route | None, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = await self.outcome(route, scope, receive)
        await deliver(outcome, scope, send)
        if outcome.after is not None:  # the client has its reply first
            outcome.after()

    async def outcome(self, route: Route | None, scope: Scope, receive: Receive) -> Outcome:
        request = MockRequest.from_scope(scope)
        if route is None:
            named = self.untyped_operation(request)  # `GET /pet/abc` names getPetById with a bad id
            return Outcome(guard.check(named, request, self.responder) or self.unrouted(request, named))
        scope["extensions"][OPERATION] = route.op.operation_id
        if route.path_names:  # routed under names of the mock's (templates.py)
            request = replace(request, path_params=route.own_path_params(request.path_params))
        return await self.answer(route, request, Wire(scope, receive))

    def direct_route(self, base_path: str, operation_id: str, path: str) -> Route | None:
        """The route `Direct` may run itself: one this layer would run, not one Swagger UI or the
        document's own paths may serve first (None until the first request has found those)."""
        route = self.routes.get((base_path, operation_id))
        if route is None or self.swagger_first is None or route in self.swagger_first or path in self.documents:
            return None
        return route

    def unrouted(self, request: MockRequest, named: Operation | None = None) -> Reply:
        """The landing page for `/`, else a 404 that names the closest routes served."""
        if request.path == "/" and request.method in ("GET", "HEAD"):
            host = request.headers.get("host", "127.0.0.1")
            session = f"/__session/{request.session}" if request.session else ""  # curls stay in it
            config = self.engine.config
            state = self.engine.sessions.existing(request.session) or self.engine.sessions.default
            return landing.page(self.engine.apis, f"http://{host}{session}", config.control, config.credentials,
                                config.seed, lambda op: (record_id for record_id, _ in state.records.items(op)))
        if named is not None:
            return self.bad_path_value(named, request)
        closest = landing.closest_routes(self.engine.apis, request.method, request.path)
        return problems.not_found(request.method, request.path, closest)

    def untyped_operation(self, request: MockRequest) -> Operation | None:
        """The operation whose path template matches when its parameters take any value.

        connexion's router takes only integers for an integer parameter (and no line breaks
        anywhere), so `GET /pet/abc` is not routed; but the client named getPetById, with a bad
        id, and gets what that operation declares for it rather than "no operation serves".
        """
        if self.untyped is None:
            self.untyped = [(template_regex(op.base_path + op.path), op) for op in self.engine.operations()
                            if "{" in op.path]
        for pattern, op in self.untyped:
            if op.method.upper() == request.method and pattern.fullmatch(request.path):
                return op
        return None

    def bad_path_value(self, op: Operation, request: MockRequest) -> Reply:
        """Its declared 400 (or 422, 404), as for any invalid parameter."""
        reason = f"Invalid path parameter in {request.path[:200]!r}: not of the type {op.operation_id} takes"
        return declared_or_problem(self.responder, op, 400, lambda: problems.invalid_request(400, reason), reason,
                                   stand_ins=(422, 404))

    def route_of(self, scope: Scope) -> Route | None:
        routing = scope.get("extensions", {}).get(ROUTING_CONTEXT) or {}
        return self.routes.get((routing.get("api_base_path"), routing.get("operation_id")))

    async def routes_behind_swagger(self) -> list[Route]:
        """Operations connexion's router picks for a path Swagger UI's router serves."""
        found: list[Route] = []
        for swagger in self.swagger:
            for path, files in swagger_ui_paths(swagger):
                found += await self.router.routes_for(path + ("/swagger-ui.css" if files else ""))
        return found

    async def answer(self, route: Route, request: MockRequest, wire: Wire) -> Outcome:
        """The outcome of a routed request, or the refusal of its session or of a change."""
        if route.op.shadowed and request.path in route.op.shadowed:  # `DELETE /user/login` beside `/user/{username}`
            return Outcome(problems.method_not_allowed(request.method, request.path,
                                                       await self.router.allowed_methods(request.path)))
        try:
            # looked up, not created: `handle` creates it once the request passes security
            return await handle(self.engine, route, request, self.engine.sessions.find(request.session), wire)
        except SessionError as refused:
            return Outcome(refused.reply)
        except StoreUnavailable as down:  # a write, or a new session, with the shared store away
            return Outcome(problems.state_unavailable(str(down)))
        except Stale:  # the record changed under every attempt to decide this write (`until_current`)
            return Outcome(problems.state_unavailable(
                f"{request.path} changed under each of {STALE_RETRIES} attempts to write it"))


class Outcome(NamedTuple):
    """A request's reply and how to deliver it: what `handle` returns (a tuple: made on every
    request, and cheaper to make than a frozen dataclass)."""

    reply: Reply
    delay_s: float = 0.0  # held before the first byte: the scenario's delay_ms, else --latency
    fault: str | None = None  # one of faults.FAULTS: how the reply reaches the wire; None: as it is
    fault_ms: int | None = None  # the scenario's delay_ms, the pace of a slow body
    after: Callable[[], None] | None = None  # once the reply is sent: the operation's callbacks


class Wire(NamedTuple):
    """The request as connexion's validators read it: its ASGI scope, and `receive` for the body
    (read only by a stage that needs it, so a refusal before that never waits for a body)."""

    scope: Scope
    receive: Receive


async def handle(engine: Engine, route: Route, request: MockRequest, state: State | None, wire: Wire) -> Outcome:
    """A proxied operation's request goes to the upstream (proxy.py: the forward stage replaces
    every stage after the path guard, the upstream deciding about credentials, limits and
    bodies); any other goes through the mock's stages (`mocked`)."""
    if engine.upstreams.base_url(route.op) is None:
        return await mocked(engine, route, request, state, wire)
    reply = guard.check(route.op, request, engine.responder)
    if reply is not None:
        return Outcome(reply)
    try:
        body, receive = await read_body(wire.receive, engine.config.max_body_bytes, engine.config.body_timeout_s)
    except BodyTooLarge:
        return Outcome(problems.too_large(engine.config.max_body_bytes).with_header("connection", "close"))
    except BodyTimeout:
        return Outcome(problems.body_timeout(engine.config.body_timeout_s))
    request = replace(request, body=body)
    wire = Wire(wire.scope, receive)  # the body again, for the mock's own reply (--proxy-fallback)
    fallback: list[Outcome] = []

    async def own_reply() -> Reply:
        fallback.append(await mocked(engine, route, request, state, wire))
        return fallback[0].reply

    reply = await proxy.forward(engine.upstreams, engine.validators[route.op.api], route.op, request, wire.scope,
                                own_reply)
    if fallback:
        return fallback[0]._replace(reply=reply)
    wire.scope.setdefault("extensions", {})[UPSTREAM] = True  # never replayed from the cache (replay_cache.py)
    return Outcome(reply)


async def mocked(engine: Engine, route: Route, request: MockRequest, state: State | None, wire: Wire) -> Outcome:
    """Every stage after routing, in order; the first that answers decides the reply, which is
    then checked against the contract. `state` is None when the request's session does not
    exist yet: it is created only once the request passes the path guard and security, so a
    refused request (any page can send one) never takes a place under --max-sessions. Raises
    `SessionError` or `StoreUnavailable` when the session or a change is refused (the caller
    answers those)."""
    op, responder = route.op, engine.responder
    reply = guard.check(op, request, responder) or security.check(op, request, engine.config.credentials, responder)
    if reply is None and state is None:
        state = engine.sessions.get(request.session)
    scenario = None if reply or state is None else state.scenarios.take(op, request.path)
    slow_body = scenario is not None and scenario.fault == "slow-body"  # spends its delay_ms on the body
    delay_s = 0.0 if slow_body else delay_for(engine.config.latency_ms, scenario)
    fault = fault_ms = None
    if reply is None and state is not None:
        reply = rate_limited(engine, op, request, state)
    if reply is None:
        prefs = preferences.choose(request, scenario)
        if isinstance(prefs, Preferences) and prefs.fault is not None:
            fault, fault_ms = prefs.fault, (scenario.delay_ms if scenario is not None else None)
            if fault == "rate-limit":  # the declared 429, journaled and logged as the fault it is
                prefs, fault_ms = over_limit(engine, op, retry_after=1, detail="fault=rate-limit"), None
        receive = wire.receive
        if not isinstance(prefs, Reply) and route.checks.has_body:
            try:
                body, receive = await read_body(receive, engine.config.max_body_bytes, engine.config.body_timeout_s)
            except BodyTooLarge:
                # closed: what is left of the body would otherwise be read into memory all the same
                too_large = problems.too_large(engine.config.max_body_bytes).with_header("connection", "close")
                return Outcome(too_large, delay_s, fault, fault_ms)
            except BodyTimeout:
                return Outcome(problems.body_timeout(engine.config.body_timeout_s), 0.0, None, None)
            request = replace(request, body=body)
        reply = prefs if isinstance(prefs, Reply) else await route.checks.check(
            op, wire.scope, receive, responder, request.fields if request.body else None)
        if reply is None:
            reply = route.handler(request, prefs)
    reply = engine.validators[op.api].check(op, reply)
    after = None
    if state is not None and fault is None and 200 <= reply.status < 300 and engine.callbacks.declared(op):
        base_url = f"http://{request.headers.get('host') or 'localhost'}"
        after = partial(engine.callbacks.after, op, request, reply, state, base_url)
    return Outcome(reply, delay_s, fault, fault_ms, after)


def rate_limited(engine: Engine, op: Operation, request: MockRequest, state: State) -> Reply | None:
    """None within the session's rate limit for this operation (rates.py), else the 429."""
    limit = state.scenarios.rate_limit(op, request.path) or engine.config.rate_limit
    if limit is None:
        return None
    wait = state.rates.hit(op.operation_id, limit)
    if wait is None:
        return None
    return over_limit(engine, op, wait, f"{limit.requests} requests per {limit.window_s:g} s")


def over_limit(engine: Engine, op: Operation, retry_after: int, detail: str) -> Reply:
    """The declared 429 with `Retry-After`, else a 429 problem marked outside the contract."""
    reply = declared_or_problem(engine.responder, op, 429, lambda: problems.rate_limited(
        f"{op.operation_id}: rate limit of {detail}", retry_after), f"rate limit: {detail}")
    return reply.with_header("retry-after", str(retry_after)) if reply.contract else reply  # the problem has it


def delay_for(latency_ms: tuple[int, int] | None, scenario: Scenario | None = None) -> float:
    """Seconds to hold a reply: the scenario's own delay, else a draw from `--latency`, else 0."""
    if scenario is not None and scenario.delay_ms is not None:
        return scenario.delay_ms / 1000
    if latency_ms is not None:
        return random.uniform(*latency_ms) / 1000
    return 0.0


async def deliver(outcome: Outcome, scope: Scope, send: Send) -> None:
    """Carry an outcome out: its delay without blocking other requests, then its reply as its
    fault says. A fault delivered is noted under `faults.FAULT` for the outer layers (the
    journal and log of traffic.py, the replay layer that keeps no faulted reply)."""
    if outcome.delay_s > 0:
        await asyncio.sleep(outcome.delay_s)
    if outcome.fault is None:
        await outcome.reply.send(send)
        return
    extensions = scope.setdefault("extensions", {})
    extensions[FAULT] = outcome.fault
    await faults.deliver(outcome.fault, outcome.reply, extensions.get(TRANSPORT), send, outcome.fault_ms)


class Direct:
    """A GET taken from the replay layer straight to the pipeline, past the layers between.

    Between them are starlette's server-error layer, the exception stage, connexion's router
    (a router, a mount and a route, each an ASGI layer that copies the scope) and the pipeline
    layer's own checks; for a GET to an operation each only passes the request on. This asks
    the router's GET table (routing.GetRoutes) for the operation, writes into the scope what
    the router writes (the path parameters, connexion's routing context) and runs the pipeline;
    an exception before the reply starts gets the exception stage's handlers, as it would
    there. Whatever the table does not route (or routes where Swagger UI comes first) goes the
    long way, unchanged (`__call__` answers False).
    """

    def __init__(self, router: Router, pipeline: list[PipelineMiddleware], exceptions: list[Any]) -> None:
        self.router = router
        self.pipeline = pipeline  # the layers connexion builds, once it has built them (app.py)
        self.exceptions = exceptions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> bool:
        routed = self.route(scope)
        if routed is None:
            return False
        ready = await self.run(*routed, receive, send)
        if ready is not None:
            outcome, start = ready
            await outcome.reply.send(send, start)
            if outcome.after is not None:
                outcome.after()
        return True

    def route(self, scope: Scope) -> tuple[PipelineMiddleware, Route, Scope] | None:
        """The pipeline layer, the route and the scope as the router hands it on (the path
        parameters in a copy; connexion's routing context in the shared extensions), else None:
        not routed by the table, or routed where Swagger UI or the document's paths come first."""
        if not self.pipeline or not self.exceptions or scope.get("root_path"):
            return None
        path = scope["path"]
        found = self.router.gets().find(path)
        if found is None:
            return None
        base_path, operation_id, params = found
        pipeline = self.pipeline[-1]
        route = pipeline.direct_route(base_path, operation_id, path)
        if route is None:
            return None
        extensions = scope.setdefault("extensions", {})  # shared with the outer layers, as the router's copy does
        routing = extensions.get(ROUTING_CONTEXT)
        if routing is None:
            extensions[ROUTING_CONTEXT] = {"api_base_path": base_path, "operation_id": operation_id}
        else:
            routing.update(api_base_path=base_path, operation_id=operation_id)
        return pipeline, route, {**scope, "path_params": params}

    async def run(self, pipeline: PipelineMiddleware, route: Route, scope: Scope, receive: Receive,
                  send: Send) -> tuple[Outcome, Message] | None:
        """The pipeline's outcome for a routed request. The usual one (no delay, no fault) is
        returned with its start message, unsent: its caller sends the reply, then runs
        `outcome.after`. Any other is delivered through `send`, and so is the exception stage's
        answer to a failure before the reply started (None then)."""
        started = False
        try:
            outcome = await pipeline.outcome(route, scope, receive)
            if outcome.delay_s <= 0 and outcome.fault is None:
                # the usual reply: its start made here, where a failure is still the stage's to answer
                return outcome, outcome.reply.start()

            async def sender(message: Message) -> None:  # whether it started sending decides who answers a failure
                nonlocal started
                started = True
                await send(message)

            await deliver(outcome, scope, sender)
        except Exception as exc:
            if started:
                raise
            await dispatch_exception(self.exceptions[-1], exc, scope, receive, send)
            return None
        if outcome.after is not None:
            outcome.after()
        return None


class Leftovers:
    """The end of the list: what neither the pipeline nor Swagger UI answered.

    A request routed to an operation that shares a path with Swagger UI, which Swagger UI did
    not serve, goes through the pipeline now; a request connexion's router did not route gets
    the 404 problem (or the path guard's 400).
    """

    def __init__(self, app: ASGIApp, *, pipeline: list[PipelineMiddleware]) -> None:
        self.app = app
        self.pipeline = pipeline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pipeline = self.pipeline[-1]
        await pipeline.run(pipeline.route_of(scope), scope, receive, send)

