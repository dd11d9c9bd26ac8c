"""A reply's head and body leave in one write (adapters/uvicorn.py `Corked`), and nothing is held
past the loop's turn, a close or an abort."""

from __future__ import annotations

import asyncio

from mockserver.adapters.uvicorn import Corked


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

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_a_head_and_its_body_are_one_write() -> None:
    async def main() -> list:
        transport = Transport()
        corked = Corked(transport, asyncio.get_running_loop())
        corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        corked.write(b"{}")
        await asyncio.sleep(0)
        return transport.calls

    assert asyncio.run(main()) == [("write", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")]


def test_a_lone_write_leaves_at_the_end_of_the_loops_turn() -> None:
    async def main() -> tuple[list, list]:
        transport = Transport()
        corked = Corked(transport, asyncio.get_running_loop())
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
        corked = Corked(transport, asyncio.get_running_loop())
        for end in (corked.close, corked.abort, corked.write_eof):
            corked.write(b"head")
            end()
        await asyncio.sleep(0)
        return transport.calls

    assert asyncio.run(main()) == [("write", b"head"), ("close", None), ("write", b"head"), ("abort", None),
                                   ("write", b"head"), ("eof", None)]


def test_what_it_does_not_hold_is_the_transports_own() -> None:
    async def main() -> tuple[str, bool]:
        corked = Corked(Transport(), asyncio.get_running_loop())
        return corked.get_extra_info("socket"), corked.is_closing()

    assert asyncio.run(main()) == ("info:socket", False)
