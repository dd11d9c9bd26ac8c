"""Shared helpers of the hardening suite (tests/process/test_hardening_*.py).

Everything here talks to a real `python -m mockserver serve` process over HTTP. Hostile
requests go through `http.client` (`raw_request`) rather than httpx, because httpx normalizes
what these tests need to send verbatim: dot segments, percent-escapes, latin-1 header bytes.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from tests.mockserver_process import LISTENING, REPO, RunningServer, start_server

API_KEY = "test-key"
BASIC_USER, BASIC_PASSWORD = "client", "secret"
BEARER = ("Authorization", f"Bearer {API_KEY}")
BASIC = ("Authorization", "Basic " + base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode())
# Every hardening server restricts credentials, so "a wrong credential" is well defined.
RESTRICTED_FLAGS = ("--api-key", API_KEY, "--basic-auth", f"{BASIC_USER}:{BASIC_PASSWORD}")

PROBLEM_JSON = "application/problem+json"
LAGO_401 = b'{"status":401,"error":"Unauthorized"}'
ACTIVITY_404 = b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}'
API_LOG_404 = b'{"status":404,"error":"Not Found","code":"api_log_not_found"}'

# What each operation declares for 4xx, byte for byte: (body, content-type or None for no body).
LAGO_ACTIVITY_4XX = {401: (LAGO_401, "application/json"), 404: (ACTIVITY_404, "application/json")}
LAGO_API_LOG_4XX = {401: (LAGO_401, "application/json"), 404: (API_LOG_404, "application/json")}
SEQUENCE_4XX = {400: (b"", None), 401: (b"", None)}


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per operation
class Endpoint:
    """One served operation, as the hostile tests address it."""

    name: str  # document name, for tests.contract_check.assert_valid
    prefix: str  # path up to and including the slash before the id
    template: str  # the document's path template with `{id}` for the id
    auth: tuple[str, str]
    declared_4xx: Mapping[int, tuple[bytes, str | None]]
    envelope: tuple[str, ...]
    id_field: str

    def path(self, encoded_id: str) -> str:
        return self.prefix + encoded_id

    def record_id(self, body: bytes) -> str:
        record = json.loads(body)
        for key in self.envelope:
            record = record[key]
        return record[self.id_field]


ACTIVITY = Endpoint("lago", "/api/v1/activity_logs/", "/activity_logs/{id}", BEARER, LAGO_ACTIVITY_4XX,
                    ("activity_log",), "activity_id")
API_LOG = Endpoint("lago", "/api/v1/api_logs/", "/api_logs/{id}", BEARER, LAGO_API_LOG_4XX,
                   ("api_log",), "request_id")
SEQUENCE = Endpoint("sequence", "/activity-logs/", "/activity-logs/{id}", BASIC, SEQUENCE_4XX, (), "id")
ENDPOINTS = (ACTIVITY, API_LOG, SEQUENCE)


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    request: str  # what was sent, for assertion messages

    def describe(self) -> str:
        return f"{self.request} -> {self.status} {self.headers} {self.body[:300]!r}"


def raw_request(url: str, method: str, path: str,
                headers: Iterable[tuple[str, str | bytes]] = (), timeout: float = 10.0) -> RawResponse:
    """Send exactly this request line and these headers (no normalization) and read the reply."""
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    headers = list(headers)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        shown = [(n, v if len(v) < 80 else f"{v[:40]!r}...({len(v)} bytes)") for n, v in headers]
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, body,
                           f"{method} {path[:120]} {shown}")
    finally:
        connection.close()


def assert_problem(response: RawResponse, status: int, kind: str | None = None) -> dict:
    """An RFC 9457 problem+json with this status (and this `type` suffix, when given)."""
    assert response.status == status, response.describe()
    assert response.headers.get("content-type") == PROBLEM_JSON, response.describe()
    problem = json.loads(response.body)
    assert isinstance(problem, dict), response.describe()
    assert {"type", "title", "status", "detail"} <= set(problem), response.describe()
    assert problem["status"] == status, response.describe()
    if kind is not None:
        assert problem["type"].endswith("/" + kind), response.describe()
    return problem


def assert_declared_or_problem_4xx(response: RawResponse, declared: Mapping[int, tuple[bytes, str | None]]) -> None:
    """The issue's rule for hostile input: a 4xx that is either exactly the operation's declared
    reply for that status, or an RFC 9457 problem+json (where the contract declares nothing)."""
    assert 400 <= response.status < 500, response.describe()
    if response.headers.get("content-type") == PROBLEM_JSON:
        assert_problem(response, response.status)
        return
    assert response.status in declared, (
        f"a {response.status} that is neither declared nor problem+json: {response.describe()}")
    body, media_type = declared[response.status]
    assert response.body == body, response.describe()
    assert response.headers.get("content-type") == media_type, response.describe()


def assert_still_serving(url: str) -> None:
    """After any hostile request, ordinary requests to every operation still get 200."""
    for endpoint in ENDPOINTS:
        response = raw_request(url, "GET", endpoint.path("still-serving"), [endpoint.auth])
        assert response.status == 200, response.describe()
        assert endpoint.record_id(response.body) == "still-serving", response.describe()


def control_characters(text: str, allowed: str = "") -> list[str]:
    """The Unicode control characters (category Cc) in `text`, except those in `allowed`."""
    return [repr(ch) for ch in text if unicodedata.category(ch) == "Cc" and ch not in allowed]


def restricted_server() -> Iterator[RunningServer]:
    """Body of a module-scoped fixture: a server that accepts only test-key / client:secret."""
    running = start_server(*RESTRICTED_FLAGS)
    try:
        yield running
    finally:
        running.stop()


@dataclass(frozen=True)
class Exit:
    returncode: int | None  # None: the server started (and was stopped) instead of failing
    stdout: str
    stderr: str


def serve_expecting_failure(*args: str, timeout: float = 60.0) -> Exit:
    """`python -m mockserver serve ARGS` like `run_cli`, except that a server which starts
    after all (prints "Listening on") is stopped at once instead of running into the timeout."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err:
        process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", *args], cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=err, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        out: list[str] = []
        started = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                out.append(line)
                if LISTENING.search(line):
                    started.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        while process.poll() is None and not started.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        returncode = process.poll()
        if returncode is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=5)
        err.seek(0)
        return Exit(returncode, "".join(out), err.read())
