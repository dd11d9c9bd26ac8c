"""pytest plugin: the `mock_server` fixture (registered through the `pytest11` entry point).

One real server per pytest process, on a free loopback port, in a background thread (or, with
the `mockserver_url` ini option or the MOCKSERVER_URL environment variable, a server that is
already running, shared by several jobs). Each test gets a session of its own on it
(sessions.py): its records, scenarios and journal are its own, so tests do not leak state into
each other, in one process or under pytest-xdist. `mock_server.url` carries the session in its
path (`http://127.0.0.1:PORT/__session/NAME`), so a client or SDK given that base URL is in the
session; `mock_server.headers` carries it as a header for clients that set headers instead.
Extra `mockserver serve` flags come from the `mockserver_args` ini option, e.g. in pytest.ini:
`mockserver_args = --unknown-ids=404 --api-key sk_test`.
"""

from __future__ import annotations

import itertools
import json
import os
import shlex
import uuid
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Iterator
from urllib.parse import quote

import pytest

from mockserver.base.defaults import CONTROL_PREFIX, START_TIMEOUT_S



class MockServerError(AssertionError):
    """The control API refused a call; `problem` holds its problem+json body."""

    def __init__(self, status: int, problem: Any) -> None:
        super().__init__(f"control API answered {status}: {problem}")
        self.status = status
        self.problem = problem


class MockServer:
    """A running mock and its control API, as a test sees it (in its own session when named)."""

    def __init__(self, url: str, session: str | None = None) -> None:
        self.server_url = url  # the server itself, default session
        self.session = session
        # the base URL to give a client, e.g. Lago's api_url: in the test's session
        self.url = url if session is None else f"{url}/__session/{session}"
        self.headers = {} if session is None else {"X-Mock-Session": session}

    def in_session(self, name: str) -> MockServer:
        return MockServer(self.server_url, name)

    def end_session(self) -> None:
        """Remove this session from the server (its records, scenarios and journal)."""
        if self.session is not None:
            try:
                MockServer(self.server_url)._call("DELETE", f"/sessions/{quote(self.session, safe='')}")
            except MockServerError:
                pass  # already gone (expired)

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.url + CONTROL_PREFIX + path, data=data, method=method,
            headers={"content-type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            raise MockServerError(exc.code, json.loads(body) if body else None) from None
        return json.loads(body) if body else None

    def requests(self) -> list[dict[str, Any]]:
        """The journal, newest last (credentials redacted)."""
        return self._call("GET", "/requests")["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def scenario(self, operation_id: str | None = None, *, path: str | None = None, status: int,
                 example: str | None = None, delay_ms: int | None = None, times: int | None = None) -> dict[str, Any]:
        """Force a declared response for matching requests; returns the scenario with its id."""
        fields = {"operationId": operation_id, "path": path, "status": status,
                  "example": example, "delay_ms": delay_ms, "times": times}
        return self._call("POST", "/scenarios", {k: v for k, v in fields.items() if v is not None})

    def remove_scenario(self, scenario_id: str) -> None:
        self._call("DELETE", f"/scenarios/{quote(scenario_id, safe='')}")

    def put_record(self, operation_id: str, record_id: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a record (as inside the response envelope); it is validated against the contract."""
        return self._call("PUT", self._record_path(operation_id, record_id), record)

    def get_record(self, operation_id: str, record_id: str) -> dict[str, Any]:
        return self._call("GET", self._record_path(operation_id, record_id))

    def delete_record(self, operation_id: str, record_id: str) -> None:
        """Afterwards the id answers the declared 404."""
        self._call("DELETE", self._record_path(operation_id, record_id))

    def reset(self) -> None:
        self._call("POST", "/reset")

    @staticmethod
    def _record_path(operation_id: str, record_id: str) -> str:
        return f"/records/{quote(operation_id, safe='')}/{quote(record_id, safe='')}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("mockserver_args", "extra `mockserver serve` flags for the mock_server fixture", default="")
    parser.addini("mockserver_url", "use this running mock (shared by parallel jobs) instead of starting one", default="")


def pytest_configure(config: pytest.Config) -> None:
    # Deprecations inside connexion's own imports: nothing a user of the fixture can act on.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:connexion.json_schema")
    config.addinivalue_line("filterwarnings", "ignore:Using .httpx. with .starlette.testclient.")


def _start(args: list[str]) -> tuple[MockServer, Any, threading.Thread]:
    from mockserver.app import create_app
    from mockserver.cli import build_parser
    from mockserver.launch.serve import bind, config_from_args, uvicorn_server

    namespace = build_parser().parse_args(["serve", "--port", "0", "--quiet", *args])
    config = config_from_args(namespace)
    app = create_app(config)
    sock = bind(config.host, config.port)
    host, port = sock.getsockname()[:2]
    server = uvicorn_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mockserver", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the mock server did not start")
        time.sleep(0.01)
    return MockServer(f"http://{host}:{port}"), server, thread


@pytest.fixture(scope="session")
def mock_server_session(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The session's one server; use `mock_server` in tests, which also resets it."""
    from mockserver.cli import UsageError
    from mockserver.base.user_errors import UserError

    shared = os.environ.get("MOCKSERVER_URL") or pytestconfig.getini("mockserver_url")
    if shared:
        yield MockServer(shared.rstrip("/"))
        return
    args = pytestconfig.getini("mockserver_args") or ""
    try:
        running, server, thread = _start(shlex.split(args))
    except UsageError as exc:
        pytest.fail(f"mockserver_args {args!r}: {exc.message}", pytrace=False)
    except UserError as exc:
        pytest.fail(f"mockserver could not start: {exc}", pytrace=False)
    yield running
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def mock_server(mock_server_session: MockServer, request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """A real mock server, in a session of this test's own, which starts from the start-up state."""
    name = f"t{os.getpid()}-{next(_numbers)}-{uuid.uuid4().hex[:8]}"
    server = mock_server_session.in_session(name)
    yield server
    server.end_session()


_numbers = itertools.count(1)
