"""starlette's private exception dispatch, for failures.LazyExceptionMiddleware.

`starlette._exception_handler.wrap_app_handling_exceptions` is the dispatch starlette's own
`ExceptionMiddleware` runs (the handler for the status, else for the class; sync handlers in a
thread); it reads the handler tables from the scope key `starlette.exception_handlers`, which
the middleware fills from its private `_exception_handlers` and `_status_handlers`. The lazy
layer runs the same dispatch only once an exception arrived, so it reaches all three here.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.requests import Request
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
    if HANDLERS_KEY not in inspect.getsource(module):
        raise broken("starlette", TESTED, f"the dispatch no longer reads the scope key {HANDLERS_KEY!r}", "starlette")
