"""The application factory: `create_app(config)` builds the same app for the CLI and tests.

Every document becomes one connexion API mounted at its base path. The layers, outermost first:

    fast lane (a replayed reply, end to end: fast_lane.py) -> traffic (log + journal)
    -> control API (/__mock, access.py) -> CORS -> replay -> errors (connexion's)
    -> router (connexion's) -> pipeline -> Swagger UI (connexion's) -> leftovers (404)

The pipeline (pipeline.py) answers every routed request, so connexion's request validation,
context and handler layers are not in the list: the pipeline owns those stages (README,
design). Swagger UI comes after it, for the requests the pipeline passes on (pipeline.py says
how it keeps connexion's precedence). Nothing here knows a vendor.
"""

from __future__ import annotations

import logging
import traceback
import warnings
from functools import partial
from typing import Any, Callable

# connexion imports starlette's test client at import time, which warns about httpx; that
# warning is about connexion's internals, not anything a user of the mock can act on.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")

import connexion  # noqa: E402
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions

from mockserver.adapters.connexion import spec_check_skipped
from mockserver.contract import documents
from mockserver.stages import landing
from mockserver.base import notices
from mockserver.http import problems
from mockserver.adapters.connexion_document import for_connexion
from mockserver.base.config import ServeConfig
from mockserver.base.defaults import CORS_MAX_AGE_S, TRACEBACK_FRAMES
from mockserver.contract.operations import Api, load_api, route_conflicts
from mockserver.control.api import ControlMiddleware, create_control_app
from mockserver.server.cors import Cors, exposed_headers
from mockserver.control.access import ControlAccess, is_loopback
from mockserver.base.httpfacts import HTTP_METHODS
from mockserver.stages.engine import Engine
from mockserver.base.user_errors import UserError
from mockserver.server.exception_stage import LazyExceptionMiddleware
from mockserver.server.fast_lane import FastLane
from mockserver.server.request_validation import NamingParameterValidator
from mockserver.server.pipeline import Direct, Leftovers, PipelineMiddleware
from mockserver.state.records import seed_store
from mockserver.server.public_key import PublicKeyMiddleware, key_paths
from mockserver.server.replay_cache import ReplayMiddleware
from mockserver.http.reply import Reply
from mockserver.server.routing import OperationResolver, Router
from mockserver.state.session_state import Journal
from mockserver.server.traffic import TrafficMiddleware
from mockserver.contract.validation import ResponseValidator, drop_broken_examples

log = logging.getLogger("mockserver")


def spec_files(config: ServeConfig) -> list:
    if config.specs:
        return list(config.specs)
    files = sorted(path for pattern in ("*.yaml", "*.yml", "*.json") for path in config.specs_dir.glob(pattern))
    if not files:
        raise UserError(str(config.specs_dir), "no OpenAPI documents (*.yaml) found; use --spec or --specs-dir")
    return files


def load_apis(config: ServeConfig) -> list[Api]:
    files = spec_files(config)
    names = {path.stem for path in files}
    for name in config.mounts:
        if name not in names:
            raise UserError(f"--mount {name}=...", f"no document named {name} (have: {', '.join(sorted(names))})")
    apis = [load_api(path, config.mounts.get(path.stem), config.verbose) for path in files]
    seen: dict[str, Any] = {}
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
    for api in apis:
        notices.warn(drop_broken_examples(api, validators[api.name]), config.verbose)
    records = seed_store(apis, validators, config.fixtures_dir, config.records_per_resource, config.max_record_bytes)
    return Engine(apis, records, validators, config, journal)


def secret_headers(engine: Engine) -> frozenset[str]:
    """Header names that carry credentials in any document (API keys), never journaled."""
    return frozenset(
        name.lower() for op in engine.operations()
        for name in op.credential_and_header_params() - set(op.header_params)
    )


def control_access(config: ServeConfig) -> ControlAccess:
    return ControlAccess(
        loopback=is_loopback(config.host),
        token=config.control_token,
        allowed_hosts=frozenset(host.lower() for host in config.allowed_hosts),
        origins=frozenset(config.control_origins),
    )


def _as_connexion(reply: Reply) -> ConnexionResponse:
    return ConnexionResponse(status_code=reply.status, mimetype=reply.media_type, body=reply.body,
                             headers=dict(reply.headers))


def method_not_allowed(router: Router) -> Callable[[ConnexionRequest, Exception], Any]:
    """connexion's router found the path but not the method: 405 with `Allow`, from the catalogue.

    `Allow` lists every method of every operation on the path. Starlette's own header names the
    methods of the first route that matched the path only, and connexion adds one route per
    operation, so `/pet/{petId}` would say `GET, HEAD` while the document also declares DELETE.
    """
    async def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        allowed = await router.allowed_methods(request.url.path)
        if not allowed:  # not ours to know better: the router's own header
            headers = getattr(exc, "headers", None) or {}
            allowed = [method for method in headers.get("Allow", "").split(", ") if method]
        return _as_connexion(problems.method_not_allowed(request.method, request.url.path, allowed))
    return handle


def internal_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """A bug of the mock: logged with its traceback, answered as a problem that says so.

    Only the innermost frames are logged: a runaway recursion's whole traceback is thousands of
    lines per request, and the frames nearest the raise are the ones that say what went wrong."""
    frames = "".join(traceback.format_exception(exc, limit=-TRACEBACK_FRAMES)).rstrip()
    log.error("internal error on %s %s\n%s", request.method, request.url.path, frames)
    return _as_connexion(problems.internal_error(f"{type(exc).__name__} while answering; see the server log"))


class MockApp(connexion.AsyncApp):
    """connexion's app with the fast lane ahead of its whole stack (fast_lane.py): every request
    goes through `lane`, which passes all but a replayed reply on to connexion's middleware."""

    lane: FastLane

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.lane(scope, receive, send)


def create_app(config: ServeConfig, engine: Engine | None = None) -> connexion.AsyncApp:
    engine = engine or build_engine(config)
    engine.state.journal.secret = secret_headers(engine)
    router = Router()
    # Layers connexion builds that others need to reach, filled when it builds the stack.
    replay: list[ReplayMiddleware] = []
    pipeline: list[PipelineMiddleware] = []
    swagger: list[SwaggerUIMiddleware] = []
    exceptions: list[LazyExceptionMiddleware] = []

    def kept(layer: type, into: list, **kwargs: Any) -> Callable[[Any], Any]:
        def build(app: Any) -> Any:
            into.append(layer(app, **kwargs))
            return into[-1]
        return build

    middlewares: list[Any] = [partial(TrafficMiddleware, sessions=engine.sessions, quiet=config.quiet,
                                      max_header_bytes=config.max_header_bytes, max_body_bytes=config.max_body_bytes)]
    if config.control:
        control = create_control_app(engine, router, lambda: replay[-1] if replay else None)
        middlewares.append(partial(ControlMiddleware, control_app=control, access=control_access(config), engine=engine))
    if config.cors:
        middlewares.append(partial(
            Cors,  # starlette's CORSMiddleware, cheaper for requests without an Origin (cors.py)
            exposed=exposed_headers(engine.apis),  # what browser code may read, per operation
            allow_origins=["*"],
            allow_credentials=True,  # with "*" this makes starlette echo the Origin back
            allow_methods=[method.upper() for method in HTTP_METHODS if method != "trace"],
            allow_headers=["*"],  # whatever a preflight asks for (tracing headers...), as Prism does
            max_age=CORS_MAX_AGE_S,
        ))
    lago = engine.events.lago_base_paths()
    if lago:  # the key Lago-signed webhooks are checked with, where Lago serves it (public_key.py)
        middlewares.append(partial(PublicKeyMiddleware, base_paths=lago, seed=config.seed))
    # a GET it does not replay goes straight to the pipeline where the router would take it there
    middlewares.append(kept(ReplayMiddleware, replay, engine=engine, direct=Direct(router, pipeline, exceptions)))
    middlewares += [
        ServerErrorMiddleware,
        # connexion's, building its request only for an exception (exception_stage.py)
        kept(LazyExceptionMiddleware, exceptions),
        router.middleware,
        kept(PipelineMiddleware, pipeline, engine=engine, router=router, swagger=swagger),
        kept(SwaggerUIMiddleware, swagger),
        partial(Leftovers, pipeline=pipeline),
        LifespanMiddleware,
    ]
    app = MockApp(__name__, middlewares=middlewares)
    app.lane = FastLane(app.middleware, replays=replay, sessions=engine.sessions, cors=config.cors,
                        quiet=config.quiet, max_header_bytes=config.max_header_bytes, own_paths=key_paths(lago))
    app.add_error_handler(405, method_not_allowed(router))
    app.add_error_handler(Exception, internal_error)
    for api in engine.apis:
        add_api(app, api, engine)
    app.engine = engine  # type: ignore[attr-defined]
    app.router = router  # type: ignore[attr-defined]
    app.replay = replay  # type: ignore[attr-defined]
    app.pipeline = pipeline  # type: ignore[attr-defined]  # its routes, for in-process tests of pipeline.handle
    return app


def add_api(app: connexion.AsyncApp, api: Api, engine: Engine) -> None:
    """Hand connexion the API; what it refuses is one line naming the file, never a traceback
    (the document passed openapi-spec-validator: this is where connexion differs from it)."""
    document = for_connexion(api.document)
    passed = documents.recall(api.source, "connexion-check") is True  # by the same document, before
    try:
        with spec_check_skipped(passed):
            app.add_api(
                document,
                base_path=api.base_path,
                name=api.name,
                resolver=OperationResolver(engine, api.name),
                strict_validation=False,
                validator_map={"parameter": NamingParameterValidator},
                validate_responses=False,  # the pipeline validates every reply itself, with openapi-core
                # the pipeline serves `openapi.json` itself: connexion's copy has its `$ref`s resolved
                # into Python objects, which a recursive schema makes impossible to write (landing.py)
                swagger_ui_options=SwaggerUIOptions(serve_spec=False, swagger_ui_template_arguments={
                    "openapi_spec_url": api.base_path + "/openapi.json?" + landing.FOR_SWAGGER_UI}),
            )
    except Exception as exc:  # connexion raises many types; each means "cannot route this document"
        raise UserError(str(api.source), f"connexion cannot load it: {type(exc).__name__}: "
                                         f"{' '.join(str(exc).split())[:300]}") from None
    if not passed:
        documents.remember(api.source, "connexion-check", True)
