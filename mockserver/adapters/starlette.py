"""starlette's private exception dispatch, for failures.LazyExceptionMiddleware; and the way its
router matches a path, which routing.GetRoutes repeats without the router's layers (`matcher`).

`starlette._exception_handler.wrap_app_handling_exceptions` is the dispatch starlette's own
`ExceptionMiddleware` runs (the handler for the status, else for the class; sync handlers in a
thread); it reads the handler tables from the scope key `starlette.exception_handlers`, which
the middleware fills from its private `_exception_handlers` and `_status_handlers`. The lazy
layer runs the same dispatch only once an exception arrived, so it reaches all three here.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable

from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.convertors import PathConvertor, StringConvertor
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from mockserver.adapters import broken

TESTED = "starlette 1.10.0 (brought by connexion==3.3.0 in pyproject.toml)"
HANDLERS_KEY = "starlette.exception_handlers"


async def dispatch_exception(middleware: Any, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer `exc` with `middleware`'s handlers (a starlette `ExceptionMiddleware`), as
    starlette's own layer does, or raise it on when none handles it."""

    async def raising(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise exc

    scope[HANDLERS_KEY] = (middleware._exception_handlers, middleware._status_handlers)
    await wrap_app_handling_exceptions(raising, Request(scope, receive, send))(scope, receive, send)


Matcher = tuple[Callable[[str], Any], dict[str, Any] | None]
_AS_MATCHED = (StringConvertor, PathConvertor)  # `convert` gives the matched text back as it is


def matcher(route: Mount | Route) -> Matcher:
    """How starlette matches `route` against a path: its compiled path's `match`, and its
    parameters' convertors (None where each gives the matched text back, as str and path do).
    A mount's pattern ends in a `path` group, the rest of the path for the routes inside it."""
    convertors = route.param_convertors
    as_matched = all(type(convertor) in _AS_MATCHED for convertor in convertors.values())
    return route.path_regex.match, None if as_matched else convertors


def check() -> None:
    """Raise `AdapterBroken` when the installed starlette lacks what `dispatch_exception` uses."""
    from starlette.middleware.exceptions import ExceptionMiddleware

    module = importlib.import_module("starlette._exception_handler")
    if not callable(getattr(module, "wrap_app_handling_exceptions", None)):
        raise broken("starlette", TESTED, "starlette._exception_handler.wrap_app_handling_exceptions is gone",
                     "starlette")
    middleware = ExceptionMiddleware(app=None)  # type: ignore[arg-type]
    for name in ("_exception_handlers", "_status_handlers"):
        if not isinstance(getattr(middleware, name, None), dict):
            raise broken("starlette", TESTED, f"ExceptionMiddleware.{name} is no longer a dict", "starlette")
    if StringConvertor().convert("a b") != "a b" or PathConvertor().convert("a/b") != "a/b":
        raise broken("starlette", TESTED, "its str or path convertor no longer gives the matched text back", "starlette")
    mount, route = inspect.getsource(Mount.matches), inspect.getsource(Route.matches)
    for source, steps in ((mount, ("self.path_regex.match(route_path)", 'matched_params.pop("path")',
                                   "self.param_convertors[key].convert(value)")),
                          (route, ("self.path_regex.match(route_path)", "self.param_convertors[key].convert(value)",
                                   "Match.PARTIAL"))):
        missing = [step for step in steps if step not in source]
        if missing:
            raise broken("starlette", TESTED, f"its router matches a path otherwise (no {missing[0]!r}): "
                                              "routing.GetRoutes repeats the old way", "starlette")
    if HANDLERS_KEY not in inspect.getsource(module):
        raise broken("starlette", TESTED, f"the dispatch no longer reads the scope key {HANDLERS_KEY!r}", "starlette")
