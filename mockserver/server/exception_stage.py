"""The exception stage: connexion's `ExceptionMiddleware`, its handlers and ours, paid for only
when something is raised.

connexion's layer (starlette's underneath) builds a `Request` and two closures around the app
for every request, and wraps `send` once more, so that a handler could read the request if one
ran; on a new id that was about 3% of the request (callgrind), for an exception that almost
never happens. This subclass keeps connexion's handler table (`add_error_handler` still lands
here: connexion looks for its `ExceptionMiddleware` class in the stack) and starlette's own
dispatch (`wrap_app_handling_exceptions`, reached through adapters/starlette.py: the handler for the status, else for the class,
sync handlers in a thread), and only builds the request once an exception arrived. An exception
after the reply started is raised on, as starlette's layer does (the server logs it).
"""

from __future__ import annotations

from connexion.middleware.exceptions import ExceptionMiddleware
from starlette.types import Message, Receive, Scope, Send

from mockserver.adapters.starlette import dispatch_exception


class LazyExceptionMiddleware(ExceptionMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sender)
        except Exception as exc:
            if started:
                raise
            await dispatch_exception(self, exc, scope, receive, send)
