"""The CORS stage: starlette's CORSMiddleware, with the request that carries no Origin made cheap.

Most requests to a mock carry no `Origin` (SDKs, tests, curl, load generators). For them
starlette's layer does one thing, it adds `Vary: Origin` to the reply, but it builds a header
view of the request and another of the reply every time to do it (about 10 us of a request
that is answered in 20 when replayed). This layer does that one thing itself, with the same
bytes as starlette (`Vary` values joined in order, in the place of the first, `Origin` last),
and hands every request that has an `Origin` (simple requests and preflights) to starlette's.

Browser code reads only the reply headers CORS exposes, and with credentials allowed
`Access-Control-Expose-Headers: *` means a header named `*`, so the names are listed: the
mock's own (`Retry-After`, `x-mock-*`) and every header the operation declares, built once
per operation (`exposed_headers`); an `x-mock-*` header a reply carries is added as it goes.
The control API's own CORS (`--control-origin` origins only) is `allowing` below.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.base.pointer import resolve
from mockserver.contract.operations import Api
from mockserver.http.reply import PROBLEM_HEADER
from mockserver.server.routing import OPERATION

# What the mock itself sets on contract replies (a 429's wait, why a declared error was chosen,
# a status outside the contract); browser code reads none of them unless they are exposed.
MOCK_HEADERS = ("retry-after", PROBLEM_HEADER, "x-mock-outside-contract")
EXPOSE = b"access-control-expose-headers"
# What a browser reads without being told (the CORS-safelisted response headers), and CORS's own.
_READABLE = frozenset({"cache-control", "content-language", "content-length", "content-type", "expires",
                       "last-modified", "pragma", "vary"})


def vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A copy of `headers` with `Origin` added to `Vary`, as starlette's `MutableHeaders` writes it."""
    for name, _value in headers:
        if name == b"vary":
            break
    else:  # the usual reply: no Vary of its own
        return [*headers, (b"vary", b"Origin")]
    values = [value for name, value in headers if name == b"vary"]
    first = next(index for index, (name, _value) in enumerate(headers) if name == b"vary")
    others = [item for item in headers[first + 1:] if item[0] != b"vary"]
    return [*headers[:first], (b"vary", b", ".join([*values, b"Origin"])), *others]


def declared_headers(apis: Iterable[Api]) -> dict[str, tuple[str, ...]]:
    """operationId -> the response header names its document declares (any status), lower-case.

    Keyed by operationId, as the pipeline names the operation that answered: two documents with
    one operationId expose the names of both, which reveals nothing (names, not values)."""
    found: dict[str, dict[str, None]] = {}
    for api in apis:
        document = api.document
        for item in (document.get("paths") or {}).values():
            item = resolve(document, item) or {}
            for operation in item.values() if isinstance(item, dict) else ():
                if not isinstance(operation, dict) or not isinstance(operation.get("operationId"), str):
                    continue
                names = found.setdefault(operation["operationId"], {})
                for response in (operation.get("responses") or {}).values():
                    response = resolve(document, response) or {}
                    for name in (response.get("headers") or {}) if isinstance(response, dict) else ():
                        if isinstance(name, str) and name.lower() not in _READABLE:
                            names[name.lower()] = None
    return {operation_id: tuple(names) for operation_id, names in found.items()}


def exposed_headers(apis: Iterable[Api]) -> dict[str, bytes]:
    """operationId -> the `Access-Control-Expose-Headers` value of its replies, built once."""
    return {operation_id: ", ".join(dict.fromkeys((*MOCK_HEADERS, *names))).encode("latin-1")
            for operation_id, names in declared_headers(apis).items()}


def with_exposed(headers: list[tuple[bytes, bytes]], exposed: bytes) -> list[tuple[bytes, bytes]]:
    """`headers` with `exposed`, and any `x-mock-*` header they carry that it does not name."""
    extra = [name for name, _value in headers if name.startswith(b"x-mock-")]
    if extra:
        named = exposed.split(b", ")
        extra = [name for name in extra if name not in named]
    value = b", ".join([exposed, *dict.fromkeys(extra)]) if extra else exposed
    return [*(item for item in headers if item[0] != EXPOSE), (EXPOSE, value)]


class Cors:
    """`exposed`: operationId -> its Expose-Headers value (`exposed_headers`); a reply no
    operation answered (a 404, the landing page) exposes MOCK_HEADERS."""

    def __init__(self, app: ASGIApp, exposed: Mapping[str, bytes] | None = None, **options: Any) -> None:
        self.app = app
        self.starlette = CORSMiddleware(app, **options)
        self.exposed = dict(exposed or {})
        self.default_exposed = ", ".join(MOCK_HEADERS).encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if any(name == b"origin" for name, _value in scope["headers"]):
            extensions = scope.setdefault("extensions", {})  # the pipeline names the operation here

            async def send_exposing(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = message.get("headers", [])
                    if any(name == b"access-control-allow-origin" for name, _value in headers):  # not a preflight's
                        exposed = self.exposed.get(extensions.get(OPERATION) or "", self.default_exposed)
                        message["headers"] = with_exposed(list(headers), exposed)
                await send(message)

            await self.starlette(scope, receive, send_exposing)
            return

        await self.app(scope, receive, varying(send))


def varying(send: Send) -> Send:
    """`send` for a reply to a request without an `Origin`: `Vary: Origin` added (vary_origin)."""
    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = vary_origin(message.get("headers", []))
        await send(message)
    return send_varying


def allowing(send: Send, origin: str) -> Send:
    """`send` for a reply to `origin`, an origin let in by name (`--control-origin`): it may read
    the reply, with credentials, and every header it carries (the control API's replies are few
    and small, so the names are read off each one)."""
    async def send_allowed(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [item for item in message.get("headers", []) if not item[0].startswith(b"access-control-")]
            names = [name for name, _value in headers if name.decode("latin-1") not in _READABLE]
            headers += [(b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"access-control-allow-credentials", b"true")]
            if names:
                headers.append((EXPOSE, b", ".join(dict.fromkeys(names))))
            message["headers"] = vary_origin(headers)
        await send(message)
    return send_allowed
