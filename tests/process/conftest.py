"""Servers started as processes (`python -m mockserver serve`), as a user starts them."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import RunningServer, start_server


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    """The server as `make run` starts it (default flags), shared by the session."""
    running = start_server()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


@pytest.fixture
def launch() -> Iterator:
    """Start servers with other flags; each is stopped after the test."""
    started: list[RunningServer] = []

    def _launch(*args: str, **kwargs) -> RunningServer:
        running = start_server(*args, **kwargs)
        started.append(running)
        return running

    yield _launch
    for running in started:
        running.stop()
