"""Valid HTTP always (issue 23): no body on 1xx, 204, 304 or HEAD replies, whatever the
document declares, so a keep-alive client reads the next reply where it starts.

A document that declares content for a 204 or a 304 had it sent (`content-length: 23` on a
204): a client reading the next reply on the same connection read those bytes first. Here a
raw socket sends requests one after another on one connection and reads each reply exactly as
HTTP says (no body for 204, 304 and HEAD), then checks the next one starts with a status line.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from tests.mockserver_process import RunningServer, start_server

BODILESS = """\
openapi: 3.0.3
info: {title: bodiless, version: "1"}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
              example: {id: "a"}
        "304":
          $ref: "#/components/responses/NotModified"
    delete:
      operationId: deleteThing
      responses:
        "204":
          description: gone
          headers:
            Content-Length: {schema: {type: integer}, example: 23}
          content:
            application/json:
              schema: {type: object}
              example: {deleted: true, ok: 1}
components:
  responses:
    NotModified:
      description: not modified
      content:
        application/json:
          schema: {type: object}
          example: {cached: true}
"""
GET = b"GET /things/a HTTP/1.1\r\nHost: mock\r\n\r\n"
OK_BODY = b'{"id":"a"}'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    spec = tmp_path_factory.mktemp("bodiless") / "bodiless.yaml"
    spec.write_text(BODILESS)
    server = start_server("--spec", str(spec))
    try:
        yield server
    finally:
        server.stop()


class Connection:
    """One keep-alive connection, read as a client that follows RFC 9112 6.3 reads it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buffer += chunk

    def exchange(self, request: bytes, *, head: bool = False) -> tuple[bytes, dict[str, str], bytes]:
        """Send one request; its status line, headers and body, read as HTTP says."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head_bytes, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head_bytes.split(b"\r\n")
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        code = int(status_line.split()[1])
        length = 0 if head or code < 200 or code in (204, 304) else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status_line, headers, body


@pytest.fixture
def connection(served: RunningServer) -> Iterator[Connection]:
    conn = Connection(served.url)
    yield conn
    conn.close()


def test_a_declared_204_with_content_is_sent_without_a_body(connection: Connection) -> None:
    status, headers, _ = connection.exchange(b"DELETE /things/a HTTP/1.1\r\nHost: mock\r\n\r\n")
    assert status == b"HTTP/1.1 204 No Content"
    assert "content-length" not in headers and "content-type" not in headers
    status, headers, body = connection.exchange(GET)
    assert status == b"HTTP/1.1 200 OK"
    assert (headers["content-length"], body) == (str(len(OK_BODY)), OK_BODY)
    assert connection.buffer == b""


def test_a_304_with_content_declared_through_a_ref_is_sent_without_a_body(connection: Connection) -> None:
    for _ in range(3):  # the third is the replay cache's (kept on the second miss)
        status, headers, _ = connection.exchange(b"GET /things/a HTTP/1.1\r\nHost: mock\r\nPrefer: code=304\r\n\r\n")
        assert status == b"HTTP/1.1 304 Not Modified"
        assert "content-length" not in headers and "content-type" not in headers
    status, _, body = connection.exchange(GET)
    assert (status, body) == (b"HTTP/1.1 200 OK", OK_BODY)
    assert connection.buffer == b""


def test_head_keeps_the_gets_headers_and_sends_no_body(connection: Connection) -> None:
    status, headers, _ = connection.exchange(b"HEAD /things/a HTTP/1.1\r\nHost: mock\r\n\r\n", head=True)
    assert status == b"HTTP/1.1 200 OK"
    assert (headers["content-type"], headers["content-length"]) == ("application/json", str(len(OK_BODY)))
    status, _, body = connection.exchange(GET)
    assert (status, body) == (b"HTTP/1.1 200 OK", OK_BODY)
    assert connection.buffer == b""


def test_a_start_up_warning_names_each_operation_that_declares_content_for_a_bodiless_status(
        served: RunningServer) -> None:
    log = served.log()
    assert ("#/paths/~1things~1{id}/delete/responses/204: DELETE /things/{id} declares content for a 204 reply, "
            "which has none (RFC 9110); no body is sent") in log
    assert ("#/paths/~1things~1{id}/get/responses/304: GET /things/{id} declares content for a 304 reply, "
            "which has none (RFC 9110); no body is sent") in log
    assert "/responses/200" not in log
