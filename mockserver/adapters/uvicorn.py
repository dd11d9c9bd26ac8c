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
              "on_message_complete", "on_response_complete", "send_400_response", "handle_websocket_upgrade",
              "shutdown", "timeout_keep_alive_handler")  # what bounded_http overrides or calls


RESPONSE_COMPLETE_STEPS = [  # uvicorn's HttpToolsProtocol.on_response_complete, as bounded_http's mirrors it
    "self.server_state.total_requests += 1", "if self.transport.is_closing():", "return",
    "self._unset_keepalive_if_required()", "self.flow.resume_reading()", "if self.pipeline:",
    "cycle, app = self.pipeline.pop()", "self._start_asgi_task(cycle, app)", "else:",
    "self.timeout_keep_alive_task = self.loop.call_later(", "self.timeout_keep_alive, self.timeout_keep_alive_handler",
    ")"]
HELD_BYTES = 64 * 1024  # what a connection holds at most before writing (asyncio's high-water mark for a transport)


class Turn:
    """The connections holding writes in this turn of a loop, written at its end: one callback
    a turn for all of them, not one per connection."""

    __slots__ = ("loop", "_held", "_armed")

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self._held: list[Corked] = []
        self._armed = False

    def hold(self, corked: Corked) -> None:
        self._held.append(corked)
        if not self._armed:
            self._armed = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        self._armed = False
        held, self._held = self._held, []
        for corked in held:
            try:
                corked.flush()
            except Exception:  # noqa: BLE001 - that connection's loss (uvloop: "handler is closed"), not the others'
                corked.drop()


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

    __slots__ = ("transport", "_held", "_size", "_armed", "_turn")

    def __init__(self, transport: Any, turn: Turn) -> None:
        self.transport = transport
        self._held: list[bytes] | None = None
        self._size = 0
        self._armed = False
        self._turn = turn

    def write(self, data: bytes) -> None:
        if type(data) is not bytes:
            data = bytes(data)  # the caller may reuse its buffer
        held = self._held
        if held is None:
            self._held = [data]
            self._size = len(data)
            if not self._armed:
                self._armed = True
                self._turn.hold(self)
        else:
            held.append(data)
            self._size += len(data)
        if self._size >= HELD_BYTES:
            self.flush()

    def flush(self) -> None:
        self._armed = False
        held = self._held
        if held is not None:
            self._held = None
            if self.transport.is_closing():  # closed under us: nothing more can be written
                return
            self.transport.write(held[0] if len(held) == 1 else b"".join(held))

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
        _idle_since: float | None = None  # loop time of the last reply's end (or a byte since), to the next request
        _head_timer: Any = None
        _corked: Corked | None = None  # the transport the connection's reply cycles write through
        _turn: Turn | None = None  # (the class's) the loop's turn those transports hold their writes for
        _draining = False  # refused: what the client still sends is read and dropped until LINGER_S

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._head_since = self.loop.time()  # a connection that never sends a byte is closed too
            self._head_timer = self.loop.call_later(min(head_timeout_s, self.timeout_keep_alive), self._head_timeout)

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
            if self._idle_since is not None:  # (a request answered before its body ended: still sending)
                self._idle_since = self.loop.time()
            completed = self._completed
            super().data_received(data)
            if self._in_head and completed == self._completed:
                self._head_bytes += len(data)
                if self._head_bytes > max_head_bytes:
                    self._refuse(too_large)

        # One timer per connection, not one per request: it wakes every `head_timeout_s` (or
        # keep-alive's time, if shorter) at most and looks at the head under way, or at how long
        # the connection has been idle, so neither a request's head nor the wait after its reply
        # costs a timer of its own (uvicorn arms and cancels its keep-alive timer every request).
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._idle_since = None
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
                    turn = BoundedHttpTools._turn
                    if turn is None or turn.loop is not self.loop:
                        turn = BoundedHttpTools._turn = Turn(self.loop)
                    corked = self._corked = Corked(self.transport, turn)
                cycle.transport = corked

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._completed += 1

        def on_response_complete(self) -> None:
            """uvicorn's, but the wait for the next request is timed by `_head_timeout`."""
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            else:
                self._idle_since = self.loop.time()

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or self._draining:  # (refused: its lingering close is under way)
                return
            now = self.loop.time()
            keep_alive_s = self.timeout_keep_alive
            wait = min(head_timeout_s, keep_alive_s)  # a head begun, or a reply completed, is seen within it
            if self._in_head or (self._completed == 0 and self.cycle is None):  # a head, or not a byte since connected
                late = now - self._head_since
                if late >= head_timeout_s:
                    self._refuse(timed_out if self._in_head else b"")
                    return
                wait = min(wait, head_timeout_s - late)
            elif self._idle_since is not None and (self.cycle is None or self.cycle.response_complete):
                idle = now - self._idle_since  # between requests: uvicorn's keep-alive timeout
                if idle >= keep_alive_s:
                    self.timeout_keep_alive_handler()
                    return
                wait = min(wait, keep_alive_s - idle)
            self._head_timer = self.loop.call_later(max(wait, 0.001), self._head_timeout)

        def shutdown(self) -> None:
            self._write_held()  # uvicorn closes a connection whose reply is complete: held bytes first
            super().shutdown()

        def send_400_response(self, msg: str) -> None:
            self._write_held()
            super().send_400_response(msg)

        def handle_websocket_upgrade(self) -> None:
            self._write_held()
            if self._head_timer is not None:  # the connection is the WebSocket protocol's from here
                self._head_timer.cancel()
                self._head_timer = None
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
        # bounded_http's on_response_complete is this one, less its keep-alive timer
        steps = [line.strip() for line in inspect.getsource(protocol.on_response_complete).splitlines()
                 if line.strip() and not line.strip().startswith(("#", "def ", '"""'))]
        if steps != RESPONSE_COMPLETE_STEPS:
            raise broken("uvicorn", TESTED, "HttpToolsProtocol.on_response_complete changed", "uvicorn")
    for module in modules:
        cycle = getattr(module, "RequestResponseCycle", None)
        if cycle is None or not inspect.iscoroutinefunction(getattr(cycle, "send", None)):
            raise broken("uvicorn", TESTED, f"{module.__name__}.RequestResponseCycle.send is gone", "uvicorn")
        if "self.transport = transport" not in inspect.getsource(cycle.__init__):
            raise broken("uvicorn", TESTED, f"{module.__name__}.RequestResponseCycle no longer keeps `transport`",
                         "uvicorn")
