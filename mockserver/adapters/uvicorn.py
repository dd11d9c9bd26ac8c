"""The connection's asyncio transport behind uvicorn's `send`, for the connection faults; and
uvicorn's httptools protocol with the two bounds on a request's head it lacks.

ASGI does not expose the connection. uvicorn's `send` is a bound method of its per-request
cycle object (`RequestResponseCycle`, in both its h11 and httptools protocols), whose
`transport` attribute is the connection's asyncio transport: `send.__self__.transport`. Under
any other server there is none, and the faults that act on the connection answer a problem.
"""

from __future__ import annotations

import inspect
from typing import Any

from mockserver.adapters import broken

TESTED = "uvicorn 0.55.0 (brought by connexion[uvicorn]==3.3.0 in pyproject.toml)"


def transport_of(send: Any) -> Any:
    """The asyncio transport behind uvicorn's `send`, or None (another server, or a wrapper)."""
    return getattr(getattr(send, "__self__", None), "transport", None)


LINGER_S = 2.0  # how long a refused connection's further bytes are read and dropped before it is closed
HEAD_HOOKS = ("connection_made", "connection_lost", "data_received", "on_message_begin", "on_headers_complete",
              "on_message_complete", "send_400_response", "handle_websocket_upgrade")  # what bounded_http overrides


HELD_BYTES = 64 * 1024  # what a connection holds at most before writing (asyncio's high-water mark for a transport)


class Corked:
    """A connection's transport as its replies' cycles see it: what they write is held until the
    end of the loop's turn, then written at once.

    One turn of the loop serves every connection whose request has arrived (about fifty under
    a load of fifty connections), and each reply written as it is made wakes a client waiting on
    those connections once per reply: on loopback the kernel delivers the reply and wakes its
    reader in the writer's own system call, on the mock's core. Held to the turn's end, the
    replies of one turn leave back to back and the client is woken once for all of them; a
    reply's head and body leave in one write, not two. Nothing waits longer than the turn, or
    past `HELD_BYTES` (a large or streamed body is written as it comes beyond that), and
    closing, aborting or ending the connection writes what is held first, so every byte leaves
    in the order it was sent. docs/performance.md has the measurements.
    """

    __slots__ = ("transport", "_held", "_armed", "_call_soon")

    def __init__(self, transport: Any, loop: Any) -> None:
        self.transport = transport
        self._held: bytes | None = None
        self._armed = False
        self._call_soon = loop.call_soon

    def write(self, data: bytes) -> None:
        held = self._held
        if held is None:
            held = bytes(data)
            if not self._armed:
                self._armed = True
                self._call_soon(self.flush)
        else:
            held += data
        if len(held) >= HELD_BYTES:
            self._held = None
            self.transport.write(held)
        else:
            self._held = held

    def flush(self) -> None:
        self._armed = False
        held = self._held
        if held is not None:
            self._held = None
            self.transport.write(held)

    def drop(self) -> None:
        """Forget what is held: the connection is gone."""
        self._held = None

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self.flush()
        self.transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:  # get_extra_info, pause_reading, ...: the transport's own
        return getattr(self.transport, name)


def bounded_http(max_head_bytes: int, head_timeout_s: float, too_large: bytes, timed_out: bytes) -> Any:
    """uvicorn's `http` option: its httptools protocol, which has neither a size limit on a
    request's head (h11 has `h11_max_incomplete_event_size`) nor a time limit on it (its
    keep-alive timer runs only between requests, so a connection that sends nothing, or half a
    head, is held for ever). Here a head (request line and headers) over `max_head_bytes` is
    answered `too_large` and one not complete `head_timeout_s` after its first byte is answered
    `timed_out` (both whole HTTP replies that close the connection); a new connection that sends
    nothing in that time is closed without a word (between requests, uvicorn's keep-alive
    timer does the same). Without httptools, "auto" (uvicorn's h11)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return "auto"

    class BoundedHttpTools(HttpToolsProtocol):
        _in_head = False  # from a request's first byte (on_message_begin) to the end of its headers
        _head_bytes = 0  # bytes of that head received so far (chunks counted after parsing them)
        _head_since = 0.0  # loop time of that head's first byte
        _completed = 0  # requests received whole: a chunk that ends one is not counted as a head
        _head_timer: Any = None
        _corked: Corked | None = None  # the transport the connection's reply cycles write through
        _draining = False  # refused: what the client still sends is read and dropped until LINGER_S

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._head_since = self.loop.time()  # a connection that never sends a byte is closed too
            self._head_timer = self.loop.call_later(head_timeout_s, self._head_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._corked is not None:
                self._corked.drop()
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._draining:
                return
            completed = self._completed
            super().data_received(data)
            if self._in_head and completed == self._completed:
                self._head_bytes += len(data)
                if self._head_bytes > max_head_bytes:
                    self._refuse(too_large)

        # One timer per connection, not one per request: it wakes every `head_timeout_s` at most
        # and looks at the head under way, so a request's head costs no timer of its own.
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            self._head_bytes = 0
            self._head_since = self.loop.time()

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and cycle.transport is self.transport:  # not an upgrade
                corked = self._corked
                if corked is None:
                    corked = self._corked = Corked(self.transport, self.loop)
                cycle.transport = corked

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._completed += 1

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.transport.is_closing():
                return
            late = self.loop.time() - self._head_since
            if self._in_head and late >= head_timeout_s:
                self._refuse(timed_out)
            elif self._completed == 0 and self.cycle is None and not self._in_head:  # not a byte since connected
                self._refuse(b"")
            else:  # a head under way, or a connection between requests (uvicorn's keep-alive timer's)
                wait = head_timeout_s - late if self._in_head else head_timeout_s
                self._head_timer = self.loop.call_later(max(wait, 0.001), self._head_timeout)

        def send_400_response(self, msg: str) -> None:
            self._write_held()
            super().send_400_response(msg)

        def handle_websocket_upgrade(self) -> None:
            self._write_held()
            super().handle_websocket_upgrade()

        def _write_held(self) -> None:
            """Write what this connection's replies hold, before a write of the protocol's own."""
            if self._corked is not None:
                self._corked.flush()

        def _refuse(self, reply: bytes) -> None:
            if self.transport.is_closing():
                return
            self._write_held()
            if reply and (self.cycle is None or self.cycle.response_complete):  # never inside another reply
                self.transport.write(reply)
                if self.transport.can_write_eof():
                    # Closed with unread bytes, the socket would send a reset, and the client,
                    # still sending its head, would lose the reply: end our side, drop what
                    # still comes, and close a moment later (a "lingering close").
                    self.transport.write_eof()
                    self._draining = True
                    self.loop.call_later(LINGER_S, self.transport.close)
                    return
            self.transport.close()

    return BoundedHttpTools


def check() -> None:
    """Raise `AdapterBroken` when uvicorn's cycle objects no longer keep the transport."""
    from uvicorn.protocols.http import h11_impl

    modules = [h11_impl]
    try:
        from uvicorn.protocols.http import httptools_impl
        modules.append(httptools_impl)
    except ImportError:  # httptools is optional
        pass
    if len(modules) > 1:
        protocol = getattr(modules[1], "HttpToolsProtocol", None)
        missing = [hook for hook in HEAD_HOOKS if not callable(getattr(protocol, hook, None))]
        if missing or "self.loop =" not in inspect.getsource(protocol.__init__):
            raise broken("uvicorn", TESTED, f"HttpToolsProtocol lacks {', '.join(missing) or 'self.loop'}", "uvicorn")
    for module in modules:
        cycle = getattr(module, "RequestResponseCycle", None)
        if cycle is None or not inspect.iscoroutinefunction(getattr(cycle, "send", None)):
            raise broken("uvicorn", TESTED, f"{module.__name__}.RequestResponseCycle.send is gone", "uvicorn")
        if "self.transport = transport" not in inspect.getsource(cycle.__init__):
            raise broken("uvicorn", TESTED, f"{module.__name__}.RequestResponseCycle no longer keeps `transport`",
                         "uvicorn")
