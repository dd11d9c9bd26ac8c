"""pytest plugin: the `mock_server` fixture (registered through the `pytest11` entry point).

One real server per pytest process, on a free loopback port, in a background thread (or, with
the `mockserver_url` ini option or the MOCKSERVER_URL environment variable, a server that is
already running, shared by several jobs). Each test gets a session of its own on it
(sessions.py): its records, scenarios and journal are its own, so tests do not leak state into
each other, in one process or under pytest-xdist. `mock_server.url` carries the session in its
path and ends with a slash (`http://127.0.0.1:PORT/__session/NAME/`), so a client or SDK given
that base URL, even one that joins relative paths onto it, stays in the session;
`mock_server.headers` carries it as a header for clients that set headers instead.
Extra `mockserver serve` flags come from the `mockserver_args` ini option, e.g. in pytest.ini:
`mockserver_args = --unknown-ids=404 --api-key sk_test`; the paths in it are read from the ini
file's folder; `mockserver_args = --empty-collections` makes lists hold only what a test stored
(by default its records come first, then the generated ones). A control token (for a mock that requires one) comes from the
MOCKSERVER_CONTROL_TOKEN environment variable or the `mockserver_control_token` ini option.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import uuid
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import pytest

from mockserver.base.defaults import (
    CONTROL_CALL_TIMEOUT_S, CONTROL_PREFIX, CONTROL_TOKEN_HEADER, PROBE_TIMEOUT_S, START_TIMEOUT_S,
)

URL_ENV = "MOCKSERVER_URL"
TOKEN_ENV = "MOCKSERVER_CONTROL_TOKEN"


class BaseURL(str):
    """A session's base URL, ending with `/`: `urljoin(url, "api/v1/")` (the Lago SDK) keeps
    only what comes before the last slash, so without it the session name was dropped. Adding
    a path that starts with `/` still gives one slash, as `url + "/api/..."` did before."""

    def __add__(self, other: str) -> str:
        if isinstance(other, str) and other.startswith("/") and self.endswith("/"):
            return str(self)[:-1] + other
        return str(self) + other


class MockServerError(AssertionError):
    """The control API refused a call; `problem` holds its problem+json body."""

    def __init__(self, status: int, problem: Any) -> None:
        super().__init__(f"control API answered {status}: {problem}")
        self.status = status
        self.problem = problem


class MockServer:
    """A running mock and its control API, as a test sees it (in its own session when named)."""

    def __init__(self, url: str, session: str | None = None, token: str | None = None) -> None:
        self.server_url = url  # the server itself, default session
        self.session = session
        self.token = token  # sent with every control call, for a mock started with --control-token
        # the base URL to give a client, e.g. Lago's api_url: in the test's session
        self.url = url if session is None else BaseURL(f"{url}/__session/{session}/")
        self.headers = {} if session is None else {"X-Mock-Session": session}

    def in_session(self, name: str) -> MockServer:
        return MockServer(self.server_url, name, self.token)

    def end_session(self) -> None:
        """Remove this session from the server (its records, scenarios and journal)."""
        if self.session is not None:
            try:
                MockServer(self.server_url, token=self.token)._call("DELETE", f"/sessions/{quote(self.session, safe='')}")
            except MockServerError:
                pass  # already gone (expired)

    def _call(self, method: str, path: str, payload: Any = None, timeout: float = CONTROL_CALL_TIMEOUT_S) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        headers = {"content-type": "application/json"} if data is not None else {}
        if self.token is not None:
            headers[CONTROL_TOKEN_HEADER] = self.token
        prefix = "" if self.session is None else f"/__session/{self.session}"
        request = urllib.request.Request(self.server_url + prefix + CONTROL_PREFIX + path,
                                         data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            try:
                problem = json.loads(body) if body else None
            except ValueError:  # not the mock's control API (a proxy's page, another server)
                problem = body[:200].decode("utf-8", "replace")
            raise MockServerError(exc.code, problem) from None
        return json.loads(body) if body else None

    def requests(self) -> list[dict[str, Any]]:
        """The journal, newest last (credentials redacted)."""
        return self._call("GET", "/requests")["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def scenario(self, operation_id: str | None = None, *, path: str | None = None, status: int | None = None,
                 example: str | None = None, delay_ms: int | None = None, times: int | None = None,
                 fault: str | None = None, rate_limit: dict[str, float] | None = None) -> dict[str, Any]:
        """Change how matching requests are answered (the control API's scenario fields: one of
        operation_id or path, then any of status, example, delay_ms, times, fault, and rate_limit
        as {"requests": N, "window_s": S}); returns the scenario with its id."""
        fields = {"operationId": operation_id, "path": path, "status": status, "example": example,
                  "delay_ms": delay_ms, "times": times, "fault": fault, "rate_limit": rate_limit}
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
    parser.addini("mockserver_args", "extra `mockserver serve` flags for the mock_server fixture "
                  "(paths in them are read from the ini file's folder)", default="")
    parser.addini("mockserver_url", "use this running mock (shared by parallel jobs) instead of starting one", default="")
    parser.addini("mockserver_control_token", f"control token sent in {CONTROL_TOKEN_HEADER} "
                  f"(the {TOKEN_ENV} environment variable comes first)", default="")


def pytest_configure(config: pytest.Config) -> None:
    # Deprecations inside connexion's own imports: nothing a user of the fixture can act on.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:connexion.json_schema")
    config.addinivalue_line("filterwarnings", "ignore:Using .httpx. with .starlette.testclient.")


def _parse(args: list[str], base: Path | None = None) -> argparse.Namespace:
    """`mockserver serve` flags as the fixture's server takes them; relative paths are read from
    `base` (the ini file's folder), so `--spec ../app/notes.yaml` means the same file whatever
    folder pytest runs from."""
    from mockserver.cli import build_parser

    namespace = build_parser().parse_args(["serve", "--port", "0", "--quiet", *args])
    if base is not None:
        namespace.spec = [str(base / p) for p in namespace.spec]
        for name in ("specs_dir", "fixtures_dir"):
            if getattr(namespace, name) is not None:
                setattr(namespace, name, str(base / getattr(namespace, name)))
        if namespace.state is not None and namespace.state.startswith("sqlite:"):
            namespace.state = "sqlite:" + str(base / namespace.state[len("sqlite:"):])
    return namespace


def _start(args: list[str], base: Path | None = None, token: str | None = None) -> tuple[MockServer, Any, threading.Thread]:
    from mockserver.app import create_app
    from mockserver.launch.serve import bind, config_from_args, uvicorn_server

    config = config_from_args(_parse(args, base))
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
    return MockServer(f"http://{host}:{port}", token=token or config.control_token), server, thread


def _check_shared(server: MockServer, source: str) -> None:
    """Fail the fixture once, at setup, with what to do, when the shared mock is not there or
    refuses the token; otherwise every test would fail on its own with a bare connection error."""
    url = server.server_url
    try:
        server._call("GET", "/health", timeout=PROBE_TIMEOUT_S)
    except MockServerError as exc:
        pytest.fail(f"{source}={url}: GET {CONTROL_PREFIX}/health answered {exc.status}, so this is not a mock "
                    f"server with its control API on; check the URL", pytrace=False)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        pytest.fail(f"{source}={url}: no mock server answers there ({reason}); start one "
                    f"(mockserver serve) or fix or unset {source}", pytrace=False)
    try:
        server._call("GET", "/sessions")
    except MockServerError as exc:
        detail = exc.problem.get("detail") if isinstance(exc.problem, dict) else exc.problem
        hint = (f"set {TOKEN_ENV} (or the ini option mockserver_control_token) to its --control-token"
                if exc.status in (401, 403) else "check the URL")
        pytest.fail(f"{source}={url}: the control API answered {exc.status} ({detail}); {hint}", pytrace=False)


def _args_folder(config: pytest.Config) -> Path | None:
    """The folder `mockserver_args` paths are read from: the ini file's, unless the value came
    from `-o mockserver_args=...` on the command line (then the current folder, as a shell would)."""
    overrides = config.getoption("override_ini", None) or []
    if config.inipath is None or any(o.partition("=")[0].strip() == "mockserver_args" for o in overrides):
        return None
    return config.inipath.parent


@pytest.fixture(scope="session")
def mock_server_session(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The session's one server; use `mock_server` in tests, which also resets it."""
    from mockserver.cli import UsageError
    from mockserver.base.user_errors import UserError

    token = os.environ.get(TOKEN_ENV) or pytestconfig.getini("mockserver_control_token") or None
    source, shared = (URL_ENV, os.environ[URL_ENV]) if os.environ.get(URL_ENV) else (
        "mockserver_url", pytestconfig.getini("mockserver_url"))
    if shared:
        running = MockServer(shared.rstrip("/"), token=token)
        _check_shared(running, source)
        yield running
        return
    args = pytestconfig.getini("mockserver_args") or ""
    try:
        running, server, thread = _start(shlex.split(args), _args_folder(pytestconfig), token)
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
