"""Bounds against a real server: what an unkind client sends cannot hold memory or a connection.

Raw sockets, since an HTTP client would not send a declared body it does not have, or a body
one byte at a time. Every wait is bounded by the socket's timeout: a server that waits forever
fails the test with `socket.timeout`, it does not hang it.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

PETSTORE_DOC = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
PROBLEMS = "https://mockserver.invalid/problems/"
WAIT_S = 20  # the longest any answer below may take; none should come near it


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_server("--spec", str(PETSTORE_DOC), "--body-timeout", "1", "--keep-alive", "1")
    yield running
    running.stop()


def _connect(server: RunningServer) -> socket.socket:
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=WAIT_S)
    return sock


def _read_reply(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One reply: status, headers (lower-case names), body by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed before a reply: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _host(server: RunningServer) -> str:
    return urlsplit(server.url).netloc


def _send_head(server: RunningServer, sock: socket.socket, big: str) -> None:
    try:
        sock.sendall(f"GET /api/v3/pet/7 HTTP/1.1\r\nHost: {_host(server)}\r\napi_key: k\r\n"
                     f"X-Big: {big}\r\n\r\n".encode())
    except (BrokenPipeError, ConnectionResetError):  # refused while still sending: the reply is read below
        pass


def test_an_8mb_header_is_a_431_problem_while_it_is_still_arriving(server: RunningServer) -> None:
    """Cut off by the connection (uvicorn's httptools has no limit of its own), not read whole."""
    with _connect(server) as sock:
        _send_head(server, sock, "a" * (8 * 1024 * 1024))
        status, headers, body = _read_reply(sock)
        assert (status, headers["content-type"], headers["connection"]) == (431, "application/problem+json", "close")
        assert json.loads(body) == {
            "type": PROBLEMS + "headers-too-large", "title": "Request Header Fields Too Large", "status": 431,
            "detail": "the request's head is over 81920 bytes (request line and headers, --max-header-bytes)"}
        assert _closed(sock)


def test_headers_just_over_the_bound_are_a_431_that_names_their_size(server: RunningServer) -> None:
    with _connect(server) as sock:
        _send_head(server, sock, "a" * 70_000)
        status, headers, body = _read_reply(sock)
        assert (status, headers["content-type"], headers["connection"]) == (431, "application/problem+json", "close")
        problem = json.loads(body)
        assert problem["type"] == PROBLEMS + "headers-too-large" and problem["status"] == 431
        assert problem["detail"].endswith(" bytes; at most 65536 (names and values together, --max-header-bytes)")
        assert _closed(sock)


def test_fifty_requests_with_a_4mb_header_leave_a_bounded_journal(server: RunningServer) -> None:
    """The issue's finding: each such request was a 4 MB journal entry (196 MB for 50). Now each
    is refused while arriving, and requests with large headers under the bound are kept cut."""
    httpx.post(f"{server.url}/__mock/reset")
    for _ in range(50):
        with _connect(server) as sock:
            _send_head(server, sock, "b" * (4 * 1024 * 1024))
            assert _read_reply(sock)[0] == 431
    for _ in range(50):
        with _connect(server) as sock:
            _send_head(server, sock, "c" * 60_000)
            assert _read_reply(sock)[0] == 200  # served
    entries = httpx.get(f"{server.url}/__mock/requests").json()["requests"]
    assert len(json.dumps(entries)) < 50 * 16 * 1024
    big = [entry for entry in entries if "x-big" in entry["headers"]]
    assert len(big) == 50 and {entry["headers"]["x-big"] for entry in big} == {"c" * 1024 + "...[cut]"}


def test_a_connection_that_sends_half_a_head_is_answered_408_and_closed() -> None:
    server = start_server("--spec", str(PETSTORE_DOC), "--header-timeout", "1")
    try:
        with _connect(server) as sock:
            sock.sendall(f"GET /api/v3/pet/7 HTTP/1.1\r\nHost: {_host(server)}\r\nX-Slow: a".encode())
            status, headers, body = _read_reply(sock)
            assert (status, headers["content-type"], headers["connection"]) == (408, "application/problem+json", "close")
            assert json.loads(body) == {
                "type": PROBLEMS + "header-timeout", "title": "Request Timeout", "status": 408,
                "detail": "the request's headers did not arrive within 1 s (--header-timeout)"}
            assert _closed(sock)
        with _connect(server) as sock:  # a connection that sends nothing at all is closed too
            assert _closed(sock)
        with _connect(server) as sock:  # the second head on a kept-alive connection is bounded as the first
            sock.sendall(f"GET /api/v3/pet/7 HTTP/1.1\r\nHost: {_host(server)}\r\napi_key: k\r\n\r\n".encode())
            assert _read_reply(sock)[0] == 200
            time.sleep(0.6)  # the connection's head timer was armed when it connected
            sock.sendall(f"GET /api/v3/pet/7 HTTP/1.1\r\nHost: {_host(server)}\r\nX-Slow: a".encode())
            status, headers, _ = _read_reply(sock)
            assert (status, headers["connection"]) == (408, "close")
            assert _closed(sock)
    finally:
        server.stop()


def test_a_declared_body_over_the_limit_is_a_413_before_any_of_it_is_sent(server: RunningServer) -> None:
    """uvicorn used to wait for the 20 MiB it was promised; now the head is enough to refuse."""
    with _connect(server) as sock:
        sock.sendall(f"POST /api/v3/pet HTTP/1.1\r\nHost: {_host(server)}\r\napi_key: k\r\nAuthorization: Bearer k\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {20 * 1024 * 1024}\r\n\r\n".encode())
        status, headers, body = _read_reply(sock)
        assert (status, headers["content-type"], headers["connection"]) == (413, "application/problem+json", "close")
        assert json.loads(body) == {"type": PROBLEMS + "too-large", "title": "Payload Too Large", "status": 413,
                                    "detail": f"the declared body is {20 * 1024 * 1024} bytes; at most 1048576 bytes"}


def test_a_body_sent_a_byte_at_a_time_is_a_408_after_the_body_timeout(server: RunningServer) -> None:
    pet = json.dumps({"id": 8, "name": "Slow", "photoUrls": []}).encode()
    with _connect(server) as sock:
        sock.sendall(f"POST /api/v3/pet HTTP/1.1\r\nHost: {_host(server)}\r\napi_key: k\r\nAuthorization: Bearer k\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(pet)}\r\n\r\n".encode())
        sock.sendall(pet[:1])  # and nothing more: the server must not wait for the rest
        status, headers, body = _read_reply(sock)
        assert (status, headers["content-type"], headers["connection"]) == (408, "application/problem+json", "close")
        assert json.loads(body) == {"type": PROBLEMS + "body-timeout", "title": "Request Timeout", "status": 408,
                                    "detail": "the request body did not arrive within 1 s (--body-timeout)"}
        assert _closed(sock)
    assert httpx.get(f"{server.url}/api/v3/pet/8", headers={"api_key": "k", "Authorization": "Bearer k"}).json()["name"] != "Slow"


def test_a_control_api_body_sent_a_byte_at_a_time_is_a_408_too(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(f"POST /__mock/scenarios HTTP/1.1\r\nHost: {_host(server)}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{".encode())
        status, headers, body = _read_reply(sock)
        assert (status, headers["content-type"], headers["connection"]) == (408, "application/problem+json", "close")
        assert json.loads(body)["detail"] == "the request body did not arrive within 1 s (--body-timeout)"


def test_a_chunked_body_over_the_limit_is_a_413_and_the_connection_is_closed(server: RunningServer) -> None:
    """Without a declared length the body is read up to the limit; the rest is not kept."""
    chunk = b"x" * 65536
    with _connect(server) as sock:
        sock.sendall(f"POST /api/v3/pet HTTP/1.1\r\nHost: {_host(server)}\r\napi_key: k\r\nAuthorization: Bearer k\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for _ in range(20):  # 1.25 MiB, over the 1 MiB bound
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, headers, body = _read_reply(sock)
        assert (status, headers["content-type"], headers["connection"]) == (413, "application/problem+json", "close")
        assert json.loads(body)["detail"] == "at most 1048576 bytes"


def test_an_idle_keep_alive_connection_is_closed_by_the_server(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(f"GET /api/v3/pet/7 HTTP/1.1\r\nHost: {_host(server)}\r\napi_key: k\r\nAuthorization: Bearer k\r\n\r\n".encode())
        assert _read_reply(sock)[0] == 200
        assert _closed(sock)  # after --keep-alive 1 s of silence, well within WAIT_S


def test_a_record_over_the_byte_bound_is_refused_and_a_smaller_one_stored(server: RunningServer) -> None:
    headers = {"api_key": "k", "Authorization": "Bearer k"}
    big = {"id": 9, "name": "Big", "photoUrls": ["p" * 1000] * 300}
    refused = httpx.post(f"{server.url}/api/v3/pet", json=big, headers=headers)
    assert (refused.status_code, refused.content) == (413, b"")  # Petstore declares `default`: that is its 413
    assert refused.headers["x-mock-problem"].endswith(" bytes as JSON (--max-record-bytes); at most 262144 bytes")
    assert httpx.get(f"{server.url}/api/v3/pet/9", headers=headers).json()["name"] != "Big"
    small = {**big, "photoUrls": ["p" * 1000] * 10}
    assert httpx.post(f"{server.url}/api/v3/pet", json=small, headers=headers).status_code == 200
    assert httpx.get(f"{server.url}/api/v3/pet/9", headers=headers).json()["photoUrls"] == small["photoUrls"]


def test_bad_bound_flags_stop_start_up_with_one_line() -> None:
    with pytest.raises(RuntimeError, match="--max-header-bytes: expected a positive whole number"):
        start_server("--max-header-bytes", "0", timeout=30)
    time.sleep(0)  # nothing else to wait for: the server never started
