"""Contract requests routed and validated once per operation, ahead of connexion's per-request stack.

Profiling a request for a new id (README, design) put about 0.9 of its 1.3 ms in connexion's
per-request layers: a second starlette router, a URI parser and parameter validator built for
every request, the handler's argument decorators and context variables. None of that depends on
the request, only on the operation. So this layer is a connexion `SpecMiddleware`: at start-up
connexion hands it every API's specification, exactly as it does its own routing and validation
middleware, and it builds per operation what they build per request, from connexion's own
pieces: the route (`starlettify_path`, starlette's `compile_path`, mounts tried in connexion's
order), the URI parser, and the parameter validator class connexion is configured with. A
request that fully matches an operation it can serve this way then goes through the same
`contract_step` and `respond` as a request routed by connexion, and gets the same bytes.

It sits before connexion's Swagger UI layer (another starlette router on every request) and
leaves to connexion whatever it cannot answer the same way: any path the Swagger UI layer
could serve, paths no operation serves (connexion's 404, 405 and trailing-slash redirects),
HEAD, operations with a request body (body validation reads the stream) or path parameters of
a non-string type (the router converts them), and any app mounted under a root path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from connexion.frameworks.starlette import starlettify_path
from connexion.middleware.abstract import AbstractRoutingAPI, SpecMiddleware
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.operations import AbstractOperation
from connexion.options import SwaggerUIConfig
from connexion.spec import Specification
from connexion.validators import VALIDATOR_MAP
from starlette.convertors import StringConvertor
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.contract import Operation
from mockserver.engine import Engine
from mockserver.middleware import ROUTING, contract_step, respond
from mockserver.parameters import NamingParameterValidator, always_valid


@dataclass(frozen=True)
class DirectRoute:
    """One operation, ready to answer: its route and its request checks, built once."""

    method: str  # upper case, as in the ASGI scope
    pattern: re.Pattern[str]
    routing: dict[str, Any]  # what connexion's routing puts in the scope
    op: Operation
    parameters: Any  # connexion's ParameterValidator (ours); None when no request can fail it
    engine: Engine

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.parameters is not None:
            self.parameters.validate(scope)  # BadRequestProblem, as in RequestValidationMiddleware
        await respond(self.engine, self.op, scope).send(send)


@dataclass
class Mount:
    """An API's base path, as starlette mounts it for connexion, and the routes under it."""

    base_path: str
    pattern: re.Pattern[str]
    routes: list[DirectRoute]


class DirectDispatchAPI(AbstractRoutingAPI[AbstractOperation]):
    """Reads one specification the way connexion's routing and validation APIs do."""

    def __init__(self, specification: Specification, *, engine: Engine, strict_validation: bool = False,
                 validator_map: dict | None = None, **kwargs: Any) -> None:
        self.engine = engine
        self.strict_validation = strict_validation
        self.validator_map = validator_map
        self.routes: list[DirectRoute] = []
        super().__init__(specification, **kwargs)  # calls add_paths

    def make_operation(self, operation: AbstractOperation) -> AbstractOperation:
        return operation

    @staticmethod
    def _framework_path_and_name(operation: AbstractOperation, path: str) -> tuple[str, str]:
        starlette_path = starlettify_path(path, operation.get_path_parameter_types())  # as RoutingAPI
        return starlette_path, starlette_path

    def _add_operation_internal(self, method: str, path: str, operation: AbstractOperation,
                                name: str | None = None) -> None:
        op = self.engine.operation(self.base_path, operation.operation_id)
        pattern, _format, convertors = compile_path(path)
        if (
            op is None
            or operation.is_request_body_defined
            or not all(isinstance(convertor, StringConvertor) for convertor in convertors.values())
        ):
            return
        # What RequestValidationOperation builds on every request, built once; nothing at all
        # when our validator could not fail any request that matched the route.
        validator_cls = {**VALIDATOR_MAP, **(self.validator_map or {})}["parameter"]
        parameters = None
        if validator_cls is not NamingParameterValidator or self.strict_validation or not always_valid(operation.parameters):
            checks = RequestValidationOperation(
                None, operation=operation, strict_validation=self.strict_validation, validator_map=self.validator_map,
            )
            parameters = validator_cls(
                operation.parameters,
                uri_parser=operation.uri_parser_class(operation.parameters, operation.body_definition()),
                strict_validation=self.strict_validation,
                security_query_params=checks.security_query_params,
            )
        routing = {"api_base_path": self.base_path, "operation_id": operation.operation_id}
        self.routes.append(DirectRoute(method.upper(), pattern, routing, op, parameters, self.engine))


class DirectDispatchMiddleware(SpecMiddleware):
    def __init__(self, app: ASGIApp, *, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self.mounts: list[Mount] = []
        self.swagger_paths: set[str] = set()  # served by connexion's Swagger UI layer
        self.swagger_prefixes: tuple[str, ...] = ()  # ... and everything under these

    def add_api(self, specification: Specification, base_path: str | None = None, **kwargs: Any) -> None:
        """Called by connexion at start-up, once per API, most specific base path first."""
        api = DirectDispatchAPI(specification, base_path=base_path, engine=self.engine, **kwargs)
        # Whether or not the spec and UI are switched on, as SwaggerUIAPI lays them out.
        swagger = SwaggerUIConfig(kwargs.get("swagger_ui_options"), oas_version=specification.version)
        spec_path = api.base_path + swagger.openapi_spec_path
        ui_path = api.base_path + swagger.swagger_ui_path.strip().rstrip("/")
        self.swagger_paths |= {spec_path, spec_path.removesuffix("json") + "yaml", ui_path}
        self.swagger_prefixes += (ui_path + "/",)
        for mount in self.mounts:
            if mount.base_path == api.base_path:  # connexion chains APIs that share a base path
                mount.routes.extend(api.routes)
                return
        pattern, _format, _convertors = compile_path(api.base_path + "/{path:path}")
        self.mounts.append(Mount(api.base_path, pattern, api.routes))

    def route(self, method: str, path: str) -> tuple[DirectRoute, dict[str, str]] | None:
        """The route starlette would pick for this request, if it is one of ours.

        The first mount whose prefix matches takes the request, as in starlette's router;
        within it the first route that matches both path and method.
        """
        for mount in self.mounts:
            matched = mount.pattern.match(path)
            if matched is None:
                continue
            rest = "/" + matched.group("path")
            for route in mount.routes:
                if route.method == method:
                    params = route.pattern.match(rest)
                    if params is not None:
                        return route, params.groupdict()
            return None
        return None

    def swagger_may_serve(self, path: str) -> bool:
        """Whether connexion's Swagger UI layer might answer this path (its files, or a redirect)."""
        return path.rstrip("/") in self.swagger_paths or path.startswith(self.swagger_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and not scope.get("root_path"):
            found = self.route(scope["method"], scope["path"])
            if found is not None and self.swagger_may_serve(scope["path"]):
                found = None
        if found is None:
            await self.app(scope, receive, send)
            return
        route, path_params = found
        scope.setdefault("path_params", {}).update(path_params)
        scope.setdefault("extensions", {})[ROUTING] = dict(route.routing)
        await contract_step(self.engine, route.op, scope, receive, send, route.answer)
