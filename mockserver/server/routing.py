"""Routing: connexion's router picks the operation, and nothing else does.

connexion's `RoutingMiddleware` (a starlette router, one mount per API, connexion's path
conversion, 405 with `Allow` for a known path and another method) writes the operation it
found into the scope; the pipeline (pipeline.py) reads it there. connexion binds each
operationId to its handler through `OperationResolver`, and hands every API's specification to
the pipeline through the `SpecMiddleware` interface, where `PipelineAPI` builds one `Route` per
operation. Those are connexion's public extension points; nothing here overrides its private
methods or writes its scope keys.

The control API needs the router's answer outside a request ("which operations serve
/api/v1/activity_logs/abc?"), so `Router.routes_for` asks the same router with a request of its
own, marked `PROBE`, for which the pipeline reports the route instead of answering: one path
matcher for requests, path scenarios and the path guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping

from connexion.middleware.abstract import RoutedAPI
from connexion.middleware.routing import RoutingMiddleware
from connexion.operations import AbstractOperation
from connexion.resolver import Resolver
from starlette.types import ASGIApp, Message

from mockserver.adapters.connexion import GetTable, bound_path_integers, get_routes
from mockserver.base import templates
from mockserver.contract.operations import Operation
from mockserver.base.httpfacts import HTTP_METHODS
from mockserver.stages.engine import Engine
from mockserver.server.request_validation import RequestChecks
from mockserver.stages.preferences import Preferences
from mockserver.http.reply import Reply
from mockserver.http.request import MockRequest

PROBE = "mockserver.probe"  # scope extension: report the route, do not answer
OPERATION = "mockserver.operation"  # scope extension: the operationId that answered (for the log)

Handler = Callable[[MockRequest, Preferences], Reply]


@dataclass(frozen=True, eq=False)  # one per operation: compared and hashed by identity
class Route:
    """One operation, ready to answer: what its stages need, built once at start-up."""

    op: Operation
    handler: Handler  # the respond stage, as connexion's Resolver bound it to the operationId
    checks: RequestChecks  # the parameters-and-body stage
    # {routed name: the parameter's own} where the template was routed under other names (templates.py)
    path_names: Mapping[str, str] = field(default_factory=dict)

    def own_path_params(self, routed: Mapping[str, Any]) -> Mapping[str, Any]:
        """The routed path parameters under the names the document gives them."""
        if not self.path_names:
            return routed
        return {self.path_names.get(name, name): value for name, value in routed.items()}


class OperationResolver(Resolver):
    """Binds each operationId of one API to the respond stage, with its `Operation`."""

    def __init__(self, engine: Engine, api_name: str) -> None:
        super().__init__()
        self.engine = engine
        self.api = next(api for api in engine.apis if api.name == api_name)

    def resolve_function_from_operation_id(self, operation_id: str) -> Handler:
        handler = partial(self.engine.responder.respond, self.api.operations[operation_id])
        handler.__name__ = f"respond_{operation_id}"  # type: ignore[attr-defined]  # connexion logs it
        return handler


class PipelineAPI(RoutedAPI[Route]):
    """One API's operations as routes; connexion calls `make_operation` once per operation."""

    def __init__(self, *args: Any, engine: Engine, strict_validation: bool = False,
                 validator_map: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engine = engine
        self.strict_validation = strict_validation
        self.validator_map = validator_map
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> Route:
        op = self.engine.operation(self.base_path, operation.operation_id)
        assert op is not None, f"connexion routes {operation.operation_id}, which the contract does not index"
        checks = RequestChecks(operation, strict_validation=self.strict_validation, validator_map=self.validator_map)
        return Route(op, operation.function, checks, templates.original_names(operation.parameters))


class GetRoutes:
    """connexion's router's choice for a GET, made without its layers (pipeline.Direct).

    connexion's router is a starlette router of one mount per API base path, each a router of
    one route per operation; a request passes through each of them as an ASGI layer, and each
    copies and updates the scope on the way. For a GET this asks the same compiled paths and
    converters in the same order, with starlette's rule: the first mount whose path matches
    decides, and in it the first route that matches the path and takes GET. It answers only
    where that rule finds an operation; anything else (no route, a 405, a redirect, a mount it
    cannot read) is for the router itself.
    """

    def __init__(self, table: GetTable | None) -> None:
        # convertors None where each one gives the matched text back (starlette's str and path)
        self.mounts = [(match_mount, mount_convertors, None if routes is None else
                        [(match, convertors, operation_id) for (match, convertors), operation_id in routes])
                       for (match_mount, mount_convertors), routes in table or ()]

    def find(self, path: str) -> tuple[str, str, dict[str, Any]] | None:
        """(the API's base path, the operationId, the path parameters) as the router gives them."""
        for match_mount, mount_convertors, routes in self.mounts:
            found = match_mount(path)
            if found is None:
                continue
            if routes is None:
                return None
            params = found.groupdict()
            if mount_convertors is not None:
                for name, value in params.items():
                    params[name] = mount_convertors[name].convert(value)
            rest = "/" + params.pop("path")
            base = path[:-len(rest)]
            for match_route, convertors, operation_id in routes:
                hit = match_route(rest)
                if hit is not None:
                    if convertors is None:
                        params.update(hit.groupdict())
                    else:
                        for name, value in hit.groupdict().items():
                            params[name] = convertors[name].convert(value)
                    return base, operation_id, params
            return None
        return None


class Router:
    """connexion's routing middleware, kept at hand so the control API can ask it too."""

    def __init__(self) -> None:
        self._routing: RoutingMiddleware | None = None
        self._gets: GetRoutes | None = None

    def gets(self) -> GetRoutes:
        """The GET table of the router as built (every API added): read on first use."""
        assert self._routing is not None, "the app has not been built"
        if self._gets is None:
            self._gets = GetRoutes(get_routes(self._routing))
        return self._gets

    def middleware(self, app: ASGIApp) -> RoutingMiddleware:
        """The factory for connexion's `middlewares=` list."""
        self._routing = RoutingMiddleware(app)
        self._gets = None  # a table of the router built now, on first use
        bound_path_integers()  # after connexion's converters, before its routes: no int() in the router
        return self._routing

    async def route(self, method: str, path: str) -> Route | None:
        """The route the router picks for this request, or None (404, 405 or a redirect)."""
        assert self._routing is not None, "the app has not been built"
        found: list[Route | None] = []
        scope = {
            "type": "http", "method": method, "path": path, "raw_path": path.encode("utf-8"), "root_path": "",
            "query_string": b"", "headers": [], "extensions": {PROBE: found},
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(_message: Message) -> None:  # the router's own 405 or redirect: no route
            return None

        await self._routing(scope, receive, send)
        return found[0] if found else None

    async def routes_for(self, path: str) -> list[Route]:
        """Every route that serves this path, whatever the method, in the order of HTTP_METHODS."""
        routes = []
        for method in HTTP_METHODS:
            route = await self.route(method.upper(), path)
            if route is not None and route not in routes:
                routes.append(route)
        return routes

    async def allowed_methods(self, path: str) -> list[str]:
        """The methods of the path item that owns `path` (its `Allow`), HEAD with GET.

        A concrete path item owns its path: `DELETE /user/login` is not `deleteUser` when the
        document also has `/user/login`, so templated routes that only shadow it are left out.
        """
        allowed = set()
        for route in await self.routes_for(path):
            if path not in route.op.shadowed:
                allowed.add(route.op.method.upper())
                if route.op.method == "get":
                    allowed.add("HEAD")
        return sorted(allowed)
