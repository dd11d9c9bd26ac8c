from __future__ import annotations

import base64
import os
import tempfile
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import RunningServer, start_server

# Documents normalized at start-up are cached; the tests' cache is their own, never the user's.
os.environ.setdefault("MOCKSERVER_CACHE_DIR", tempfile.mkdtemp(prefix="mockserver-test-cache-"))

BEARER = {"Authorization": "Bearer test-key"}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"client:secret").decode()}


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
