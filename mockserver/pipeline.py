"""The request pipeline: one path for every request connexion's router routed, written down once.

    route -> path guard -> security -> preferences and scenario -> parameters and body
          -> respond -> validate -> send

`Pipeline.answer` is that line, in that order; each stage is a small module with one job
(guard.py, security.py, preferences.py with the scenarios of state.py, parameters.py,
respond.py, validation.py) that returns a `Reply` when it answers and None when the request
goes on. connexion stays in its role: its router chose the operation (routing.py), its Resolver
bound the handler, and its validators check parameters and bodies; the per-request layers it
would otherwise run here (request validation, context, the handler's decorators) are left out
of the middleware list, since the pipeline owns those stages and does their per-operation work
once at start-up (README, design).
"""

from __future__ import annotations

import asyncio
import random

from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import guard, preferences, problems, security
from mockserver.engine import Engine
from mockserver.reply import Reply
from mockserver.request import MockRequest
from mockserver.routing import OPERATION, PROBE, PipelineAPI, Route
from mockserver.state import Scenario


class PipelineMiddleware(RoutedMiddleware[PipelineAPI]):
    """The last middleware a request passes: it answers every request, routed or not."""

    api_cls = PipelineAPI

    def __init__(self, app: ASGIApp, *, engine: Engine) -> None:
        super().__init__(app)
        self.engine = engine
        self.responder = engine.responder
        self.credentials = engine.config.credentials
        self.routes: dict[tuple[str, str], Route] = {}

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
        routing = extensions.get(ROUTING_CONTEXT) or {}
        route = self.routes.get((routing.get("api_base_path"), routing.get("operation_id")))
        if PROBE in extensions:
            extensions[PROBE].append(route)
            return
        request = MockRequest.from_scope(scope)
        if route is None:
            reply = guard.check(None, request, self.responder) or problems.not_found(request.method, request.path)
        else:
            extensions[OPERATION] = route.op.operation_id
            reply = await self.answer(route, request, scope, receive)
        await reply.send(send)

    async def answer(self, route: Route, request: MockRequest, scope: Scope, receive: Receive) -> Reply:
        """Every stage after routing, in order; the first that answers decides the reply."""
        op, responder = route.op, self.responder
        reply = guard.check(op, request, responder) or security.check(op, request, self.credentials, responder)
        scenario = None if reply else self.engine.state.scenarios.take(op, request.path)
        await hold(self.engine.config.latency_ms, scenario)
        if reply is None:
            prefs = preferences.choose(request, scenario)
            reply = prefs if isinstance(prefs, Reply) else await route.checks.check(op, scope, receive, responder)
        if reply is None:
            reply = route.handler(request, prefs)
        return self.engine.validators[op.api].check(op, reply)


async def hold(latency_ms: tuple[int, int] | None, scenario: Scenario | None = None) -> None:
    """Delay a reply without blocking others: the scenario's own delay, else `--latency`."""
    if scenario is not None and scenario.delay_ms is not None:
        seconds = scenario.delay_ms / 1000
    elif latency_ms is not None:
        seconds = random.uniform(*latency_ms) / 1000
    else:
        return
    if seconds > 0:
        await asyncio.sleep(seconds)
