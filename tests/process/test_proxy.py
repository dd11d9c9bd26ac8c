"""`serve --proxy URL`: a real upstream (another mock process) behind the mock, its replies passed
on unchanged; never an open proxy; an upstream away is a 502 problem, or the mock's own reply
with `--proxy-fallback`."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, run_cli, start_server

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
KEY = {"api_key": "client-own-key"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[RunningServer]:
    running = start_server("--spec", str(PETSTORE), "--api-key", "client-own-key")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def proxy(upstream: RunningServer) -> Iterator[RunningServer]:
    running = start_server("--spec", str(PETSTORE), "--proxy", f"{upstream.url}/api/v3", "--proxy-skip", "logoutUser")
    yield running
    running.stop()


class Trap:
    """A listening server that must never be reached: it counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


def raw_request(url: str, head: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (an absolute-form target, a foreign Host, dot segments) and read
    the status and body of the reply."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def journal(server: RunningServer) -> list[dict]:
    return httpx.get(f"{server.url}/__mock/requests", timeout=10).json()["requests"]


def test_replies_are_the_upstreams_statuses_headers_and_bodies(proxy: RunningServer, upstream: RunningServer) -> None:
    for path, headers in (("/api/v3/pet/7", KEY), ("/api/v3/pet/findByStatus?status=sold", KEY),
                          ("/api/v3/pet/7", {}), ("/api/v3/store/order/3", KEY), ("/api/v3/pet/0", KEY)):
        through = httpx.get(proxy.url + path, headers=headers, timeout=10)
        direct = httpx.get(upstream.url + path, headers=headers, timeout=10)
        assert (through.status_code, through.content) == (direct.status_code, direct.content), path
        assert through.headers["x-mock-source"] == "upstream"
        assert through.headers.get("content-type") == direct.headers.get("content-type")
        assert int(through.headers["content-length"]) == len(direct.content)
        assert "x-mock-drift" not in through.headers  # the same document: no drift
    assert httpx.get(proxy.url + "/api/v3/pet/7", timeout=10).status_code == 401  # the upstream's own verdict


def test_a_head_through_the_proxy_has_the_gets_headers_and_length(proxy: RunningServer, upstream: RunningServer) -> None:
    got = httpx.get(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=10)
    head = httpx.head(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=10)
    assert (head.status_code, head.content) == (got.status_code, b"")
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["x-mock-source"] == "upstream"


def test_the_request_reaches_the_upstream_as_the_client_sent_it(proxy: RunningServer, upstream: RunningServer) -> None:
    pet = {"id": 4242, "name": "Rex", "photoUrls": ["https://example.com/rex.png"], "status": "available"}
    created = httpx.post(f"{proxy.url}/api/v3/pet?trace=1", json=pet, timeout=10,
                         headers={"authorization": "Bearer client-own-key", "connection": "keep-alive, x-hop",
                                  "x-hop": "1", "x-mock-session": "s1", "x-custom": "kept"})
    assert created.status_code == 200, created.text
    assert created.headers["x-mock-source"] == "upstream"
    assert httpx.get(f"{upstream.url}/api/v3/pet/4242", headers=KEY, timeout=10).json()["name"] == "Rex"
    seen = [e for e in journal(upstream) if e["method"] == "POST" and e["path"] == "/api/v3/pet"][-1]
    sent = seen["headers"]
    assert seen["query"] == {"trace": "1"}
    assert json.loads(seen["body"]) == pet
    assert sent["authorization"] == "[redacted]" and sent["x-custom"] == "kept"  # the client's credentials went on
    assert sent["host"] == upstream.url.removeprefix("http://")
    assert "x-hop" not in sent and "x-mock-session" not in sent  # named by Connection; the mock's own
    assert sent.get("connection", "keep-alive") == "keep-alive"  # the proxy's own connection, not the client's


def test_a_skipped_operation_stays_mocked(proxy: RunningServer, upstream: RunningServer) -> None:
    before = len([e for e in journal(upstream) if e.get("operationId") == "logoutUser"])
    reply = httpx.get(f"{proxy.url}/api/v3/user/logout", timeout=10)
    assert reply.status_code == 200 and "x-mock-source" not in reply.headers
    assert len([e for e in journal(upstream) if e.get("operationId") == "logoutUser"]) == before


def test_the_proxy_contacts_no_host_but_its_upstream(proxy: RunningServer, upstream: RunningServer) -> None:
    trap = Trap()
    evil = f"127.0.0.1:{trap.port}"
    attempts = [
        f"GET http://{evil}/api/v3/pet/7 HTTP/1.1\r\nHost: {evil}\r\napi_key: client-own-key\r\nConnection: close\r\n\r\n",
        f"GET /api/v3/pet/7 HTTP/1.1\r\nHost: {evil}\r\napi_key: client-own-key\r\nConnection: close\r\n\r\n",
        f"GET //{evil}/api/v3/pet/7 HTTP/1.1\r\nHost: {evil}\r\nConnection: close\r\n\r\n",
        f"GET /api/v3/user/..%2F..%2F..%2F{evil} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"GET /api/v3/user/%2e%2e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"GET /api/v3/user/..%5C{evil} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"GET /api/v3/user/@{evil} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        f"GET /api/v3/user/x?url=http://{evil}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]
    statuses = [raw_request(proxy.url, attempt.encode())[0] for attempt in attempts]
    assert trap.accepted == 0
    # the first two: answered by the upstream, whatever the target or Host said; `//host/...` and
    # encoded slashes route nowhere (the mock's 404); a dot segment or a backslash is refused (400)
    assert statuses == [200, 200, 404, 404, 400, 400, 200, 200]
    status, body = raw_request(proxy.url, attempts[4].encode())
    assert (status, json.loads(body)["detail"]) == (400, "a path with a dot segment or a backslash is not forwarded")
    status, body = raw_request(proxy.url, attempts[3].encode())
    assert json.loads(body)["type"] == "https://mockserver.invalid/problems/not-found"
    forwarded = [e["path"] for e in journal(upstream) if e["path"].startswith("/api/v3/user/")]
    assert f"/api/v3/user/@{evil}" in forwarded  # under the upstream's base path, on the upstream
    trap.sock.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


def test_an_unreachable_upstream_is_a_502_problem(launch) -> None:
    proxy = launch("--spec", str(PETSTORE), "--proxy", f"http://127.0.0.1:{free_port()}/api/v3")
    reply = httpx.get(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=10)
    assert reply.status_code == 502
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["type"] == "https://mockserver.invalid/problems/upstream-unavailable"
    assert problem["title"] == "Bad Gateway" and problem["status"] == 502
    assert problem["detail"].startswith("the upstream could not be reached: ConnectError")
    assert "Traceback" not in proxy.log()


def test_an_upstream_that_does_not_answer_in_time_is_a_502_problem(launch) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog) and never answers
    proxy = launch("--spec", str(PETSTORE), "--proxy", f"http://127.0.0.1:{silent.getsockname()[1]}/api/v3",
                   "--proxy-timeout", "0.5")
    reply = httpx.get(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=30)
    silent.close()
    assert reply.status_code == 502
    assert reply.json()["detail"] == "the upstream did not answer within 0.5 s (--proxy-timeout)"


def test_with_fallback_an_unreachable_upstream_gets_the_mocks_own_reply(launch) -> None:
    mock = launch("--spec", str(PETSTORE))
    proxy = launch("--spec", str(PETSTORE), "--proxy", f"http://127.0.0.1:{free_port()}/api/v3", "--proxy-fallback")
    reply = httpx.get(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=10)
    own = httpx.get(f"{mock.url}/api/v3/pet/7", headers=KEY, timeout=10)
    assert (reply.status_code, reply.content) == (own.status_code, own.content) == (200, own.content)
    assert reply.headers["x-mock-source"] == "mock"
    assert httpx.get(f"{proxy.url}/api/v3/pet/7", timeout=10).status_code == 401  # the mock's own security


def test_an_upstream_reply_over_the_bound_is_a_502(launch, upstream: RunningServer) -> None:
    proxy = launch("--spec", str(PETSTORE), "--proxy", f"{upstream.url}/api/v3", "--max-upstream-bytes", "10")
    reply = httpx.get(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=10)
    assert reply.status_code == 502
    assert reply.json()["detail"] == "the upstream's reply is over 10 bytes (--max-upstream-bytes)"


@pytest.mark.parametrize("args, said", [
    (["--proxy", "nosuch=http://127.0.0.1:1/x"], "--proxy nosuch=...: no document named nosuch"),
    (["--proxy", "ftp://127.0.0.1/x"], "expected an http:// or https:// URL with a host"),
    (["--proxy", "http://127.0.0.1:1/x?a=1"], "takes no query"),
    (["--proxy", "http://127.0.0.1:1/x", "--workers", "2"], "--proxy: works with one worker for now"),
    (["--proxy-skip", "getPetById"], "--proxy-skip: needs --proxy"),
    (["--proxy", "http://127.0.0.1:1/x", "--proxy-skip", "nope"], "--proxy-skip nope: no operation has this operationId"),
])
def test_a_bad_proxy_flag_is_one_line_and_exit_2(args: list[str], said: str) -> None:
    result = run_cli("serve", "--port", "0", "--spec", str(PETSTORE), *args)
    assert result.returncode == 2
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("mockserver")]) == 1


def test_x_mock_proxy_false_keeps_an_operation_mocked(launch, upstream: RunningServer, tmp_path: Path) -> None:
    overlay = tmp_path / "keep.yaml"
    overlay.write_text("overlay: 1.0.0\ninfo: {title: keep, version: '1'}\nactions:\n"
                       "  - target: $.paths['/store/inventory'].get\n    update: {x-mock-proxy: false}\n")
    document = tmp_path / "petstore-3.0.yaml"
    assert run_cli("normalize", str(PETSTORE), "--overlay", str(overlay), "-o", str(document)).returncode == 0
    proxy = launch("--spec", str(document), "--proxy", f"{upstream.url}/api/v3")
    kept = httpx.get(f"{proxy.url}/api/v3/store/inventory", headers=KEY, timeout=10)
    assert kept.status_code == 200 and "x-mock-source" not in kept.headers
    assert httpx.get(f"{proxy.url}/api/v3/pet/7", headers=KEY, timeout=10).headers["x-mock-source"] == "upstream"

