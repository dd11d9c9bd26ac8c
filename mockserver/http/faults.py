"""Network faults on demand: the failures a client must survive that are not a declared status.

Asked for by `Prefer: fault=NAME` (or `?__fault=NAME`), or by a scenario's `fault` field:

- `reset`: the connection is reset (TCP RST) before any byte of the reply;
- `empty`: the connection is closed (FIN) with no reply at all;
- `close-after-headers`: the status line and headers, then the connection closes;
- `truncated`: `Content-Length` says more than the body sent before the connection closes;
- `slow-body`: the reply, its body dribbled in ten parts over the scenario's `delay_ms`
  (default 2 s);
- `rate-limit`: the operation's declared 429 with `Retry-After` (rate.py counts the requests).

The first four act on the connection itself, which ASGI does not expose: uvicorn's `send` is a
method of its per-request cycle object, whose `transport` is the asyncio transport of the
connection. The outermost layer (`sessions.read_session`) takes it from there once per request
(adapters/uvicorn.py `transport_of`); under any other server the fault is answered as a problem saying so.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from starlette.types import Send

from mockserver.http import problems
from mockserver.http.reply import Reply

FAULTS = ("reset", "empty", "close-after-headers", "truncated", "slow-body", "rate-limit")
CONNECTION_FAULTS = frozenset(("reset", "empty", "close-after-headers", "truncated"))
FAULT = "mockserver.fault"  # scope extension: the fault a reply was delivered with (pipeline.deliver notes it)
TRANSPORT = "mockserver.transport"  # scope extension: the connection's asyncio transport, or None
SLOW_BODY_MS = 2000
SLOW_PARTS = 10


async def _closed(transport: Any) -> None:
    """Let the event loop run the transport's `connection_lost`, so the server knows the
    connection is gone and writes nothing more on it."""
    for _ in range(3):
        await asyncio.sleep(0)


async def deliver(fault: str, reply: Reply, transport: Any, send: Send, delay_ms: int | None = None) -> None:
    """Send `reply` the way `fault` says (`reply` is what the request would have got), on the
    connection's asyncio `transport` (None under a server other than uvicorn)."""
    if fault in CONNECTION_FAULTS and transport is None:
        await problems.fault_unavailable(fault).send(send)
        return
    if fault == "reset":
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        await _closed(transport)
        return
    if fault == "empty":
        transport.close()
        await _closed(transport)
        return
    body = reply.body
    if fault == "close-after-headers":
        await send(reply.start())
        transport.close()
        await _closed(transport)
        return
    if fault == "truncated":
        await send(reply.start(content_length=max(len(body), 1) * 2))
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        transport.close()
        await _closed(transport)
        return
    if fault == "slow-body":
        await send(reply.start())
        step = max(1, -(-len(body) // SLOW_PARTS))
        pause = (delay_ms if delay_ms is not None else SLOW_BODY_MS) / 1000 / SLOW_PARTS
        for start in range(0, len(body), step):
            await asyncio.sleep(pause)
            await send({"type": "http.response.body", "body": body[start:start + step],
                        "more_body": start + step < len(body)})
        if not body:
            await send({"type": "http.response.body", "body": b""})
        return
    await reply.send(send)
