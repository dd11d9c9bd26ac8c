"""The application factory: `create_app(config)` builds the same app for the CLI and tests.

Every document becomes one connexion API mounted at its base path; connexion binds every
operationId to the one generic handler through `OperationResolver`. Nothing here knows a
vendor.
"""

from __future__ import annotations

import copy
import warnings
from functools import partial
from pathlib import Path
from typing import Any, Callable

# connexion imports starlette's test client at import time, which warns about httpx; that
# warning is about connexion's internals, not anything a user of the mock can act on.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")

import connexion  # noqa: E402
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.context import scope as current_scope
from connexion.resolver import Resolver
from starlette.middleware.cors import CORSMiddleware

from mockserver.contract import Api, load_api, route_conflicts
from mockserver.dispatch import DirectDispatchMiddleware
from mockserver.defaults import ALWAYS_ALLOWED_HEADERS
from mockserver.config import ServeConfig
from mockserver.engine import Engine
from mockserver.errors import UserError
from mockserver.control import ControlMiddleware, create_control_app
from mockserver.middleware import (
    ContractMiddleware, PathGuardMiddleware, TrafficMiddleware, respond,
)
from mockserver.state import Journal
from mockserver.parameters import NamingParameterValidator
from mockserver.records import seed_store
from mockserver.replay import ReplayMiddleware
from mockserver.validation import ResponseValidator


class OperationResolver(Resolver):
    """Binds each operationId of one API to the generic handler, with its `Operation`."""

    def __init__(self, engine: Engine, api: Api) -> None:
        super().__init__()
        self.engine = engine
        self.api = api

    def resolve_function_from_operation_id(self, operation_id: str) -> Callable[..., Any]:
        op = self.api.operations[operation_id]
        engine = self.engine

        async def handle(**_arguments: Any):
            # CPU-only and fast: run on the event loop, no thread hop (see README, design).
            # The scope is read once: connexion's `request` proxy builds a new request object
            # on every attribute access.
            return respond(engine, op, current_scope._get_current_object()).to_starlette()

        handle.__name__ = f"handle_{operation_id}"
        return handle


def spec_files(config: ServeConfig) -> list[Path]:
    if config.specs:
        return list(config.specs)
    files = sorted(config.specs_dir.glob("*.yaml")) + sorted(config.specs_dir.glob("*.yml"))
    if not files:
        raise UserError(str(config.specs_dir), "no OpenAPI documents (*.yaml) found; use --spec or --specs-dir")
    return files


def load_apis(config: ServeConfig) -> list[Api]:
    files = spec_files(config)
    names = {path.stem for path in files}
    for name in config.mounts:
        if name not in names:
            raise UserError(f"--mount {name}=...", f"no document named {name} (have: {', '.join(sorted(names))})")
    apis = [load_api(path, config.mounts.get(path.stem)) for path in files]
    seen: dict[str, Path] = {}
    for api in apis:
        if api.name in seen:
            raise UserError(str(api.source), f"two documents are named {api.name} (also {seen[api.name]})")
        seen[api.name] = api.source
    conflicts = route_conflicts(apis)
    if conflicts:
        api, detail = conflicts[0]
        raise UserError(str(api.source), f"route conflict: {detail}; move one with --mount NAME=/prefix")
    return apis


def build_engine(config: ServeConfig, journal: Journal | None = None) -> Engine:
    """Load and check everything; any user mistake stops here with a UserError."""
    apis = load_apis(config)
    validators = {api.name: ResponseValidator(api) for api in apis}
    store = seed_store(apis, validators, config.fixtures_dir)
    return Engine(apis, store, validators, config, journal)


def secret_headers(engine: Engine) -> frozenset[str]:
    """Header names that carry credentials in any document (API keys), never journaled."""
    return frozenset(
        name.lower() for op in engine.operations()
        for name in op.credential_and_header_params() - set(op.header_params)
    )


def allowed_headers(engine: Engine) -> list[str]:
    declared = {name.lower() for api in engine.apis for op in api.operations.values() for name in op.header_params}
    return sorted(declared | set(ALWAYS_ALLOWED_HEADERS))


def create_app(config: ServeConfig, engine: Engine | None = None) -> connexion.AsyncApp:
    engine = engine or build_engine(config)
    engine.journal.secret = secret_headers(engine)
    middlewares: list[Any] = [partial(TrafficMiddleware, journal=engine.journal, quiet=config.quiet)]
    if config.cors:
        middlewares.append(partial(
            CORSMiddleware,
            allow_origins=["*"],
            allow_credentials=True,  # with "*" this makes starlette echo the Origin back
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"],
            allow_headers=allowed_headers(engine),
            max_age=600,
        ))
    middlewares.append(partial(ReplayMiddleware, engine=engine))
    if config.control:
        middlewares.append(partial(ControlMiddleware, control_app=create_control_app(engine, config.control_token)))
    middlewares += [ServerErrorMiddleware, ExceptionMiddleware, partial(PathGuardMiddleware, engine=engine)]
    if config.direct_dispatch:
        middlewares.append(partial(DirectDispatchMiddleware, engine=engine))  # most contract requests end here
    middlewares += [
        SwaggerUIMiddleware,
        RoutingMiddleware,
        partial(ContractMiddleware, engine=engine),
        RequestValidationMiddleware,
        LifespanMiddleware,
        ContextMiddleware,
    ]
    app = connexion.AsyncApp(__name__, middlewares=middlewares)
    for api in engine.apis:
        app.add_api(
            copy.deepcopy(api.document),
            base_path=api.base_path,
            name=api.name,
            resolver=OperationResolver(engine, api),
            strict_validation=False,
            validator_map={"parameter": NamingParameterValidator},
            validate_responses=False,  # we validate every reply ourselves, with openapi-core
        )
    app.engine = engine  # type: ignore[attr-defined]
    return app
