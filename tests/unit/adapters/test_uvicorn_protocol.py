"""uvicorn's httptools protocol as adapters/uvicorn.py builds it (`bounded_http`).

What a connection's replies write is held to the end of the loop's turn (`Corked`, `Turn`): a
reply's head and body leave in one write, the replies of one turn back to back, and nothing is
held past the turn, `HELD_BYTES`, a close, an abort, or a write of the protocol's own. The wait
for a connection's next request is timed by its one timer, not by a timer for every reply."""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.server import ServerState

from mockserver.adapters.uvicorn import HELD_BYTES, Corked, Turn, bounded_http


class Transport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes | None]] = []

    def write(self, data: bytes) -> None:
        self.calls.append(("write", bytes(data)))

    def close(self) -> None:
        self.calls.append(("close", None))

    def abort(self) -> None:
        self.calls.append(("abort", None))

    def write_eof(self) -> None:
        self.calls.append(("eof", None))

    def is_closing(self) -> bool:
        return False

    # what uvicorn's protocol asks of its transport besides writing
    def get_extra_info_socket(self) -> None:
        return None

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_a_head_and_its_body_are_one_write() -> None:
    async def main() -> list:
        transport = Transport()
        corked = Corked(transport, Turn(asyncio.get_running_loop()))
        corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        corked.write(b"{}")
        await asyncio.sleep(0)
        return transport.calls

    assert asyncio.run(main()) == [("write", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")]


def test_a_lone_write_leaves_at_the_end_of_the_loops_turn() -> None:
    async def main() -> tuple[list, list]:
        transport = Transport()
        corked = Corked(transport, Turn(asyncio.get_running_loop()))
        corked.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        before = list(transport.calls)
        await asyncio.sleep(0)
        return before, transport.calls

    before, after = asyncio.run(main())
    assert before == []
    assert after == [("write", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")]


def test_close_abort_and_eof_write_what_is_held_first() -> None:
    async def main() -> list:
        transport = Transport()
        corked = Corked(transport, Turn(asyncio.get_running_loop()))
        for end in (corked.close, corked.abort, corked.write_eof):
            corked.write(b"head")
            end()
        await asyncio.sleep(0)
        return transport.calls

    assert asyncio.run(main()) == [("write", b"head"), ("close", None), ("write", b"head"), ("abort", None),
                                   ("write", b"head"), ("eof", None)]


def test_what_it_does_not_hold_is_the_transports_own() -> None:
    async def main() -> tuple[str, bool]:
        corked = Corked(Transport(), Turn(asyncio.get_running_loop()))
        return corked.get_extra_info("socket"), corked.is_closing()

    assert asyncio.run(main()) == ("info:socket", False)


def test_the_replies_of_one_turn_leave_at_its_end_not_as_each_is_made() -> None:
    async def main() -> tuple[list, list, list, list]:
        turn = Turn(asyncio.get_running_loop())
        first, second = Transport(), Transport()
        for transport, body in ((first, b"1"), (second, b"2")):
            corked = Corked(transport, turn)
            corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n")
            corked.write(body)
        before = (list(first.calls), list(second.calls))
        await asyncio.sleep(0)
        return before[0], before[1], first.calls, second.calls

    before_first, before_second, first, second = asyncio.run(main())
    assert (before_first, before_second) == ([], [])
    assert first == [("write", b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n1")]
    assert second == [("write", b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n2")]


def test_past_the_held_bytes_a_write_leaves_at_once_and_nothing_is_held_after_a_lost_connection() -> None:
    async def main() -> tuple[list, list]:
        transport = Transport()
        corked = Corked(transport, Turn(asyncio.get_running_loop()))
        corked.write(b"h" * 10)
        corked.write(b"b" * HELD_BYTES)
        at_once = list(transport.calls)
        corked.write(b"gone")
        corked.drop()
        await asyncio.sleep(0)
        return at_once, transport.calls

    at_once, after = asyncio.run(main())
    assert at_once == [("write", b"h" * 10 + b"b" * HELD_BYTES)]
    assert after == at_once


def _protocol(app, keep_alive_s: float = 5, head_timeout_s: float = 10.0) -> tuple[object, Transport]:
    """uvicorn's httptools protocol as `mockserver serve` builds it, on a transport that records."""
    protocol_class = bounded_http(8192, head_timeout_s, b"HTTP/1.1 431 x\r\n\r\n", b"HTTP/1.1 408 x\r\n\r\n")
    config = uvicorn.Config(app, http=protocol_class, lifespan="off", log_level="critical",
                            timeout_keep_alive=keep_alive_s)
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = Transport()
    transport.get_extra_info = lambda name, default=None: {"peername": ("127.0.0.1", 5), "sockname": (
        "127.0.0.1", 4010)}.get(name, default)
    protocol.connection_made(transport)
    return protocol, transport


async def _ok(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_reply_held_leaves_before_the_protocols_own_400_on_the_same_connection() -> None:
    async def main() -> list:
        protocol, transport = _protocol(_ok)
        protocol.data_received(b"GET /a HTTP/1.1\r\nhost: x\r\n\r\n")
        for _ in range(3):  # the request's task runs and its reply is held, not yet written
            if protocol.cycle.response_complete:
                break
            await asyncio.sleep(0)
        held = list(transport.calls)
        protocol.data_received(b"NOT HTTP\r\n\r\n")  # a malformed request: uvicorn's own 400
        await asyncio.sleep(0)
        protocol.connection_lost(None)
        return held, transport.calls

    held, calls = asyncio.run(main())
    assert held == []
    writes = [data for kind, data in calls if kind == "write"]
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\nok")
    assert writes[1].startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert [kind for kind, _ in calls][:3] == ["write", "write", "close"]


async def _answered(protocol, request: bytes = b"GET /a HTTP/1.1\r\nhost: x\r\n\r\n") -> None:
    protocol.data_received(request)
    for _ in range(5):
        await asyncio.sleep(0)


def test_replies_on_a_connection_arm_no_timer_of_their_own() -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        protocol, _transport = _protocol(_ok)
        armed = []
        call_later = loop.call_later
        loop.call_later = lambda *args, **kwargs: armed.append(args) or call_later(*args, **kwargs)
        try:
            for _ in range(20):
                await _answered(protocol)
        finally:
            loop.call_later = call_later
            protocol.connection_lost(None)
        return len(armed)

    assert asyncio.run(main()) == 0  # uvicorn's own protocol arms (and cancels) one for each reply


def test_an_idle_connection_is_closed_after_keep_alive_and_one_in_use_is_not() -> None:
    async def main() -> tuple[list, list, list]:
        protocol, transport = _protocol(_ok, keep_alive_s=0.3)
        for _ in range(4):  # in use: a request every 0.1 s, each reply completing a wait of 0.3 s
            await _answered(protocol)
            await asyncio.sleep(0.1)
        in_use = [kind for kind, _ in transport.calls if kind == "close"]
        await asyncio.sleep(0.1)
        soon_after = [kind for kind, _ in transport.calls if kind == "close"]
        await asyncio.sleep(1.0)  # idle well past 0.3 s (the head timeout, 10 s, is not what closes it)
        idle = [kind for kind, _ in transport.calls if kind == "close"]
        protocol.connection_lost(None)
        return in_use, soon_after, idle

    in_use, soon_after, idle = asyncio.run(main())
    assert (in_use, soon_after) == ([], [])
    assert idle == ["close"]


class LostTransport(Transport):
    """A connection lost under uvloop: a write raises."""

    def write(self, data: bytes) -> None:
        raise RuntimeError("handler is closed")


def test_a_lost_connections_write_keeps_no_other_connections_reply() -> None:
    async def main() -> tuple[list, list]:
        turn = Turn(asyncio.get_running_loop())
        lost, kept = LostTransport(), Transport()
        for transport in (lost, kept, lost):
            Corked(transport, turn).write(b"reply")
        await asyncio.sleep(0)
        return lost.calls, kept.calls

    assert asyncio.run(main()) == ([], [("write", b"reply")])


def test_a_shutdown_writes_a_completed_reply_before_closing() -> None:
    async def main() -> list:
        protocol, transport = _protocol(_ok)
        protocol.data_received(b"GET /a HTTP/1.1\r\nhost: x\r\n\r\n")
        while not protocol.cycle.response_complete:
            await asyncio.sleep(0)
        protocol.shutdown()  # uvicorn's, on a graceful stop: it closes a connection between replies
        calls = [kind for kind, _ in transport.calls]
        protocol.connection_lost(None)
        return calls

    assert asyncio.run(main())[:2] == ["write", "close"]


def test_a_client_still_sending_a_body_answered_early_is_not_closed_for_keep_alive() -> None:
    async def main() -> tuple[list, list]:
        protocol, transport = _protocol(_ok, keep_alive_s=0.3)
        protocol.data_received(b"POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n")
        for _ in range(8):  # answered without its body (as a 401 is); the client goes on sending it
            await asyncio.sleep(0.1)
            protocol.data_received(b"x" * 100)
        sending = [kind for kind, _ in transport.calls if kind == "close"]
        await asyncio.sleep(1.0)
        silent = [kind for kind, _ in transport.calls if kind == "close"]
        protocol.connection_lost(None)
        return sending, silent

    assert asyncio.run(main()) == ([], ["close"])


def test_a_head_refused_as_too_large_is_not_refused_again_when_its_time_runs_out() -> None:
    async def main() -> list:
        protocol, transport = _protocol(_ok, head_timeout_s=0.5)
        protocol.data_received(b"GET /a HTTP/1.1\r\nhost: x\r\n")  # half a head
        await asyncio.sleep(0.3)
        protocol.data_received(b"x-big: " + b"a" * 9000 + b"\r\n")  # over the bound: the 431, then a lingering close
        await asyncio.sleep(0.5)  # past the head's time: a second refusal would write after the EOF (real transports raise)
        calls = list(transport.calls)
        protocol.connection_lost(None)
        return calls

    assert asyncio.run(main()) == [("write", b"HTTP/1.1 431 x\r\n\r\n"), ("eof", None)]
