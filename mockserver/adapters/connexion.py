"""connexion's undocumented parts the mock leans on, in one place.

- `Specification._validate_spec`: connexion checks every document it is handed against the
  OpenAPI schema on every `add_api`, with no public switch. What it is handed is derived from
  the document alone (connexion_document.for_connexion), so once a document has passed, a later
  start of the same document (same bytes, same code: documents.recall) skips the check. On
  GitHub's document that is about 3 s of every start. The first start asks a compiled stand-in
  first (`passes_compiled_check`): connexion's own schema compiled by jsonschema-rs, and every
  `default` checked as connexion checks one; only where that does not pass does connexion's own
  check run, so a document that fails it is refused with connexion's own error, as before.
- `SwaggerUIMiddleware.router`: the starlette router Swagger UI serves its paths with; the
  pipeline asks which operations also match those paths, so Swagger UI keeps its precedence.
- `RequestValidationOperation.extract_content_type`, `.validate_mime_type` and
  `.security_query_params`: the undocumented steps of connexion's request validation that
  parameters.RequestChecks runs itself, once per operation set up and per request.
- `RoutingMiddleware.router` and its mounts' routes (`RoutingOperation.operation_id`): read
  once, as the table `get_routes` gives the pipeline's direct path (routing.GetRoutes), which
  matches a GET the way connexion's router does without its layers.
- the classes the mock extends (`RoutedMiddleware`, `RoutedAPI`, `ROUTING_CONTEXT`,
  `ParameterValidator.validate_parameter`, `OpenAPIURIParser`): imported where they are
  extended, and checked here (`check_extension_points`).
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import jsonschema_rs

import starlette.convertors
from connexion.frameworks.starlette import IntegerConverter
from connexion.json_schema import NullableTypeValidator
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.spec import Specification, create_spec_validator
from jsonschema import Draft4Validator
from jsonschema.validators import extend as extend_validator
from starlette.routing import Mount, Route, Router

from mockserver.adapters import broken
from mockserver.adapters.starlette import Matcher, matcher

TESTED = "connexion 3.3.0 (pinned in pyproject.toml)"


class BoundedIntegerConverter(IntegerConverter):
    """connexion's `{id:int}` path converter, except that digits Python will not read as an int
    (over `sys.get_int_max_str_digits`) stay text, for the parameter check to refuse with the
    operation's 400: `int()` raised in the router, a 500."""

    def convert(self, value: str) -> Any:
        try:
            return int(value)
        except ValueError:
            return value


def bound_path_integers() -> None:
    """Put `BoundedIntegerConverter` where connexion's `RoutingMiddleware.__init__` has just put
    its own (starlette's global converter table), before any route is compiled with it."""
    starlette.convertors.register_url_convertor("int", BoundedIntegerConverter())


@contextmanager
def spec_check_skipped(skip: bool) -> Iterator[None]:
    """connexion's whole-document check off while `add_api` runs inside, when `skip`; else
    its compiled stand-in first, and connexion's own check only where that does not pass."""
    original = Specification.__dict__["_validate_spec"]

    def passed_before(cls: type, spec: Any) -> None:
        return None

    def compiled_first(cls: type, spec: Any) -> None:
        if not passes_compiled_check(cls, spec):
            original.__func__(cls, spec)

    Specification._validate_spec = classmethod(passed_before if skip else compiled_first)  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        Specification._validate_spec = original  # type: ignore[method-assign]


_COMPILED: dict[type, Any] = {}


def passes_compiled_check(cls: type, spec: Any) -> bool:
    """True only where connexion's `_validate_spec` would find nothing; False where it may
    find something or this cannot tell (connexion then decides, with its own error).

    connexion checks the document against `cls.openapi_schema` (draft 4, no formats), with
    `properties` extended: an object that passes it has its `default` checked against the
    object itself as a schema (draft 4, `nullable` read). The schema part is compiled once by
    jsonschema-rs. The extension only adds errors, so checking the `default` of every object in
    the document, as connexion checks one, covers those it checks. Rust's regex engine reads
    `\\d` as Python's does; a key with a line break is left to connexion (Python's `$` also
    matches before a final one, in the schema's `patternProperties`)."""
    try:
        compiled = _COMPILED.get(cls)
        if compiled is None:
            compiled = _COMPILED[cls] = jsonschema_rs.Draft4Validator(
                cls.openapi_schema, validate_formats=False,  # type: ignore[attr-defined]
                pattern_options=jsonschema_rs.RegexOptions())
        if not compiled.is_valid(spec):
            return False
        holders = _objects_with_a_default(spec)
        if holders is None:
            return False
        instance_validator = extend_validator(Draft4Validator, {"type": NullableTypeValidator})(spec)
        return all(next(instance_validator.evolve(schema=holder).iter_errors(holder["default"]), None) is None
                   for holder in holders)
    except Exception:  # a value jsonschema-rs cannot read, a default's schema that breaks: connexion decides
        return False


def _objects_with_a_default(spec: Any) -> list[dict] | None:
    """Every object of the document with a `default`; None where a key has a line break."""
    found, stack = [], [spec]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            if any("\n" in key for key in node if type(key) is str):
                return None
            if "default" in node:
                found.append(node)
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return found


def swagger_ui_paths(swagger: SwaggerUIMiddleware) -> list[tuple[str, bool]]:
    """Each path Swagger UI serves: (path, whether it is a mount of static files)."""
    paths = []
    for mount in swagger.router.routes:  # one mount per API, then its spec, UI and files
        for route in getattr(mount.app, "routes", ()):
            paths.append((mount.path + route.path, isinstance(route, Mount)))
    return paths


# per mount, in the router's order: how it matches (adapters/starlette.matcher), and its routes
# that take GET, each how it matches and its operationId; None where nothing is known of them
GetTable = list[tuple[Matcher, list[tuple[Matcher, str]] | None]]


def get_routes(routing: Any) -> GetTable | None:
    """connexion's routes as its router tries them for a GET: each mount (one per API base path,
    in the router's order) with its routes that take GET and the operationId each routes to, in
    their order; None for a mount whose routes are not all connexion's operations (nothing is
    known of it), and None for the whole table when the router holds anything but mounts."""
    from connexion.middleware.routing import RoutingOperation

    table: GetTable = []
    for mount in routing.router.routes:
        if not isinstance(mount, Mount):
            return None
        inner = mount.app
        routes: list[tuple[Matcher, str]] | None = []
        if not isinstance(inner, Router) or inner.middleware_stack != inner.app:  # type: ignore[comparison-overlap]
            routes = None
        else:
            for route in inner.routes:
                if not isinstance(route, Route) or not isinstance(route.endpoint, RoutingOperation) \
                        or route.endpoint.operation_id is None:
                    routes = None
                    break
                if not route.methods or "GET" in route.methods:  # no methods: every method
                    routes.append((matcher(route), route.endpoint.operation_id))
        table.append((matcher(mount), routes))
    return table


def request_validation(operation: Any, *, strict_validation: bool, validator_map: dict | None) -> Any:
    """connexion's request validation for one operation, whose steps the next three run."""
    return RequestValidationOperation(None, operation=operation, strict_validation=strict_validation,
                                      validator_map=validator_map)


def content_type(validation: Any, headers: Any) -> tuple[str, str]:
    """(mime type, encoding) of a request, as connexion reads its `Content-Type`."""
    return validation.extract_content_type(headers)


def refuse_unsupported_media(validation: Any, mime_type: str) -> None:
    """Raise connexion's 415 when the operation takes no body of `mime_type`."""
    validation.validate_mime_type(mime_type)


def security_query_params(validation: Any) -> list[str]:
    """The query parameters the operation's security schemes read (API keys in the query)."""
    return validation.security_query_params


def check() -> None:
    """Raise `AdapterBroken` when connexion lacks what the functions above use."""
    def fail(what: str) -> Exception:
        return broken("connexion", TESTED, what, "connexion")

    if not isinstance(Specification.__dict__.get("_validate_spec"), classmethod):
        raise fail("Specification._validate_spec is gone or no longer a classmethod")
    if "self._validate_spec(raw_spec)" not in inspect.getsource(Specification.__init__):
        raise fail("Specification.__init__ no longer checks the document through _validate_spec")
    from connexion.middleware.routing import RoutingMiddleware, RoutingOperation
    if "self.router = Router(" not in inspect.getsource(RoutingMiddleware.__init__) \
            or "operation_id" not in inspect.signature(RoutingOperation.__init__).parameters:
        raise fail("RoutingMiddleware no longer keeps its starlette router in `router`, or RoutingOperation "
                   "its operation_id (get_routes)")
    if "create_spec_validator(spec)" not in inspect.getsource(Specification._validate_spec) \
            or "cls.openapi_schema" not in inspect.getsource(Specification._validate_spec):
        raise fail("Specification._validate_spec no longer checks cls.openapi_schema with create_spec_validator")
    made = inspect.getsource(create_spec_validator)
    if 'extend_validator(\n        Draft4Validator, {"type": NullableTypeValidator}' not in made \
            or 'extend_validator(Draft4Validator, {"properties": validate_defaults})' not in made \
            or 'instance_validator.evolve(schema=instance).iter_errors(\n                instance["default"]' not in made:
        raise fail("create_spec_validator no longer checks draft 4 with each default against its object "
                   "(passes_compiled_check mirrors it)")
    if "self.router" not in inspect.getsource(SwaggerUIMiddleware.add_api):
        raise fail("SwaggerUIMiddleware no longer keeps its router in `router`")
    for name in ("extract_content_type", "validate_mime_type", "security_query_params"):
        if not hasattr(RequestValidationOperation, name):
            raise fail(f"RequestValidationOperation.{name} is gone")
    check_extension_points(fail)


def check_extension_points(fail: Callable[[str], Exception]) -> None:
    """The undocumented classes the mock extends rather than calls (routing.py, pipeline.py,
    parameters.py): still there, with the members it overrides or reads."""
    from connexion.middleware import routing
    from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, RoutedMiddleware
    from connexion.uri_parsing import OpenAPIURIParser
    from connexion.validators.parameter import ParameterValidator

    if "ROUTING_CONTEXT" not in inspect.getsource(routing) or ROUTING_CONTEXT != "connexion_routing":
        raise fail("the router no longer names the operation under the scope extension ROUTING_CONTEXT")
    if "self.api_cls(" not in inspect.getsource(RoutedMiddleware.add_api) or not hasattr(RoutedAPI, "make_operation"):
        raise fail("RoutedMiddleware.api_cls or RoutedAPI.make_operation is gone (pipeline.PipelineAPI)")
    if not isinstance(ParameterValidator.__dict__.get("validate_parameter"), staticmethod):
        raise fail("ParameterValidator.validate_parameter is no longer a staticmethod (parameters.py overrides it)")
    for name in ("resolve_query", "resolve_path", "resolve_form"):
        if not callable(getattr(OpenAPIURIParser, name, None)):
            raise fail(f"OpenAPIURIParser.{name} is gone (parameters.ClientURIParser overrides it)")
