"""Hostile input against the real server: every request gets a well-formed answer, never a 5xx
or a hang, and an ordinary request right after it still gets 200.

The rule for input the contract does not accept is the issue's: the operation's *declared* 4xx
(byte for byte), or an RFC 9457 `application/problem+json` 4xx where nothing is declared
(`assert_declared_or_problem_4xx`). Input the contract does accept (a 10 000-character id, a
unicode id: the path parameter is `type: string` with no length or pattern) gets its record,
carrying exactly the id that was asked for.

The server is started with `--api-key test-key --basic-auth client:secret`, so a wrong
credential is well defined.
"""

from __future__ import annotations

import base64
import socket
from typing import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.contract_check import assert_valid
from tests.hardening_support import (
    ACTIVITY, API_LOG, BASIC, BEARER, ENDPOINTS, LAGO_401, RESTRICTED_FLAGS, SEQUENCE, Endpoint, RawResponse,
    assert_declared_or_problem_4xx, assert_problem, assert_still_serving, control_characters, raw_request,
    restricted_server,
)
from tests.mockserver_process import RunningServer


@pytest.fixture(scope="module")
def hardened() -> Iterator[RunningServer]:
    """A server that accepts only test-key and client:secret, shared by this module."""
    yield from restricted_server()


IDS = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.prefix.strip("/").replace("/", "_"))


def _httpx_response(response: RawResponse, url: str) -> httpx.Response:
    """tests.contract_check validates httpx responses."""
    return httpx.Response(response.status, headers=response.headers, content=response.body,
                          request=httpx.Request("GET", url))


def _assert_record_for(server: RunningServer, endpoint: Endpoint, record_id: str) -> None:
    response = raw_request(server.url, "GET", endpoint.path(quote(record_id, safe="")), [endpoint.auth])
    assert response.status == 200, response.describe()
    assert response.headers.get("content-type") == "application/json", response.describe()
    assert endpoint.record_id(response.body) == record_id, response.describe()
    assert_valid(endpoint.name, "get", endpoint.template.replace("{id}", "x"),
                 _httpx_response(response, server.url))


# -- ids ---------------------------------------------------------------------------------------

@IDS
def test_a_ten_thousand_character_id_gets_its_record(hardened: RunningServer, endpoint: Endpoint) -> None:
    _assert_record_for(hardened, endpoint, "x" * 9_990 + "0123456789")
    assert_still_serving(hardened.url)


# "a\u0085b" holds a C1 control (NEL): a valid character of a `type: string` id, which
# schemathesis's positive_data_acceptance requires us to accept (strict URL decoders refuse
# only C0 controls, DEL and backslash, and so does the mock).
UNICODE_IDS = ["café", "😀", "👩‍👩‍👧‍👦", "用户-42", "Ωmega≈√", "e\u0301", "\u202egnp.exe", "ﬁ", "🏳️‍🌈", "a\u0085b"]


@IDS
@pytest.mark.parametrize("record_id", UNICODE_IDS)
def test_unicode_and_emoji_ids_get_their_record(hardened: RunningServer, endpoint: Endpoint,
                                                record_id: str) -> None:
    _assert_record_for(hardened, endpoint, record_id)
    assert_still_serving(hardened.url)


# NUL, other C0 controls (TAB, LF, CR, ESC) and DEL, percent-encoded.
CONTROL_IDS = ["a%00b", "%00", "a%01b", "a%09b", "a%0Ab", "a%0Db", "a%0D%0AX-Injected:%201", "a%1B%5B31mred",
               "a%7Fb"]


@IDS
@pytest.mark.parametrize("encoded_id", CONTROL_IDS)
def test_nul_and_control_characters_in_the_path_get_a_4xx(hardened: RunningServer, endpoint: Endpoint,
                                                           encoded_id: str) -> None:
    response = raw_request(hardened.url, "GET", endpoint.path(encoded_id), [endpoint.auth])
    assert_declared_or_problem_4xx(response, endpoint.declared_4xx)
    assert "x-injected" not in response.headers, response.describe()
    assert_still_serving(hardened.url)


UNDECODABLE_IDS = ["%FF", "a%FEb", "%C3%28", "%ED%A0%80", "%F0%9F%98"]


@IDS
@pytest.mark.parametrize("encoded_id", UNDECODABLE_IDS)
def test_percent_encoded_bytes_that_are_not_utf8_get_a_4xx(hardened: RunningServer, endpoint: Endpoint,
                                                            encoded_id: str) -> None:
    """Not a string at all: answering a record for U+FFFD would make different ids collide."""
    response = raw_request(hardened.url, "GET", endpoint.path(encoded_id), [endpoint.auth])
    assert_declared_or_problem_4xx(response, endpoint.declared_4xx)
    assert_still_serving(hardened.url)


TRAVERSALS = [
    "a%2Fb", "a%2fb", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2F..%2F..%2Fopenapi%2Flago.yaml",
    "../../../../etc/passwd", "..%2F../etc/passwd", "x/../../../../etc/passwd",
]


@IDS
@pytest.mark.parametrize("tail", TRAVERSALS)
def test_percent_encoded_slashes_and_dot_segments_get_a_4xx(hardened: RunningServer, endpoint: Endpoint,
                                                             tail: str) -> None:
    response = raw_request(hardened.url, "GET", endpoint.path(tail), [endpoint.auth])
    assert_declared_or_problem_4xx(response, endpoint.declared_4xx)
    assert b"root:" not in response.body and b"openapi:" not in response.body, response.describe()
    assert_still_serving(hardened.url)


def test_dot_segments_cannot_climb_out_of_the_server(hardened: RunningServer) -> None:
    for path in ["/../../etc/passwd", "/api/v1/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/api/v1/..%2F..%2Fopenapi%2Flago.yaml"]:
        response = raw_request(hardened.url, "GET", path, [BEARER])
        assert_problem(response, 404)
        assert b"root:" not in response.body
    assert_still_serving(hardened.url)


# -- credentials -------------------------------------------------------------------------------

def test_a_20kb_authorization_header_gets_the_declared_401(hardened: RunningServer) -> None:
    huge = "k" * 20_000
    for endpoint in (ACTIVITY, API_LOG):
        for value in (f"Bearer {huge}", f"Basic {base64.b64encode(huge.encode()).decode()}", huge):
            response = raw_request(hardened.url, "GET", endpoint.path("abc"), [("Authorization", value)])
            assert (response.status, response.body) == (401, LAGO_401), response.describe()
            assert response.headers.get("content-type") == "application/json", response.describe()
    basic_huge = "Basic " + base64.b64encode(f"client:{huge}".encode()).decode()
    for value in (basic_huge, f"Bearer {huge}", huge):
        response = raw_request(hardened.url, "GET", SEQUENCE.path("abc"), [("Authorization", value)])
        assert (response.status, response.body) == (401, b""), response.describe()
        assert "content-type" not in response.headers, response.describe()
    assert_still_serving(hardened.url)


@pytest.mark.parametrize("value", ["Bearer", "Bearer   ", "Bearer\t", "bearer", "BEARER  \t "])
def test_bearer_without_a_token_gets_the_declared_401(hardened: RunningServer, value: str) -> None:
    for endpoint in (ACTIVITY, API_LOG):
        response = raw_request(hardened.url, "GET", endpoint.path("abc"), [("Authorization", value)])
        assert (response.status, response.body) == (401, LAGO_401), response.describe()
        assert response.headers.get("content-type") == "application/json", response.describe()
    assert_still_serving(hardened.url)


UNDECODABLE_BASIC = [
    b"Basic \xff\xfe\xfd",  # raw latin-1 bytes on the wire
    b"Basic !!!!",
    b"Basic ====",
    b"Basic " + base64.b64encode(b"\xff\xfe:\xfd"),  # valid base64 of bytes that are not UTF-8
    b"Basic " + base64.b64encode(b"client\x00:secret"),
    b"Basic " + base64.b64encode(b":secret"),  # no user
    b"Basic " + base64.b64encode(b"clientsecret"),  # no colon
    b"Basic Y2xpZW50OnNlY3JldA==Y2xpZW50OnNlY3JldA==",
]


@pytest.mark.parametrize("value", UNDECODABLE_BASIC, ids=lambda v: v.decode("latin-1")[:30])
def test_undecodable_basic_credentials_get_the_declared_401(hardened: RunningServer, value: bytes) -> None:
    response = raw_request(hardened.url, "GET", SEQUENCE.path("abc"), [("Authorization", value)])
    assert (response.status, response.body) == (401, b""), response.describe()
    assert "content-type" not in response.headers, response.describe()
    assert_still_serving(hardened.url)


def test_a_bearer_token_sent_to_the_basic_api_gets_its_401(hardened: RunningServer) -> None:
    # Even the right client:secret, base64-encoded, is no Basic credential under the Bearer scheme.
    for value in ("Bearer test-key", "Bearer " + BASIC[1].split()[1]):
        response = raw_request(hardened.url, "GET", SEQUENCE.path("abc"), [("Authorization", value)])
        assert (response.status, response.body) == (401, b""), response.describe()
        assert "content-type" not in response.headers, response.describe()
    assert_still_serving(hardened.url)


# -- preferences -------------------------------------------------------------------------------

MALFORMED_PREFER = [
    b"code=", b"code", b"code=-40", b"code=40", b"code=4040", b"code=4%04", b"code=4O4", b"code=404 example=x",
    b"code=\xd9\xa4\xd9\xa0\xd9\xa4",  # Arabic-Indic digits: str.isdigit() says yes, HTTP says no
    b"code=\xff\xfe\xfd", b"dynamic=", b"dynamic=2", b"dynamic=\xff",
]


@IDS
@pytest.mark.parametrize("prefer", MALFORMED_PREFER, ids=lambda v: v.decode("latin-1"))
def test_malformed_prefer_is_a_422_problem(hardened: RunningServer, endpoint: Endpoint,
                                           prefer: bytes) -> None:
    response = raw_request(hardened.url, "GET", endpoint.path("abc"), [endpoint.auth, ("Prefer", prefer)])
    assert_problem(response, 422, "invalid-preference")
    assert_still_serving(hardened.url)


def test_an_enormous_prefer_example_name_is_a_422_problem(hardened: RunningServer) -> None:
    for endpoint in ENDPOINTS:
        response = raw_request(hardened.url, "GET", endpoint.path("abc"),
                               [endpoint.auth, ("Prefer", "example=" + "e" * 20_000)])
        problem = assert_problem(response, 422, "undeclared-preference")
        assert len(response.body) < 20_000, "the problem must not echo the whole 20 kB name back"
        assert problem["operationId"]
    assert_still_serving(hardened.url)


GARBAGE_CODES = ["", "abc", "%00", "4%00", "99999999999999999999", "%F0%9F%98%80", "4O4",
                 "-1", "1e3", "0x194"]


@IDS
@pytest.mark.parametrize("value", GARBAGE_CODES)
def test___code_garbage_is_a_422_problem(hardened: RunningServer, endpoint: Endpoint, value: str) -> None:
    response = raw_request(hardened.url, "GET", endpoint.path("abc") + "?__code=" + value, [endpoint.auth])
    assert_problem(response, 422, "invalid-preference")
    assert_still_serving(hardened.url)


# -- negotiation, routing, methods -------------------------------------------------------------

@IDS
@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/*", "application/json;q=0",
                                    "*/*;q=0", "text/plain, application/xml;q=0.5"])
def test_an_unsupported_accept_is_a_406_problem(hardened: RunningServer, endpoint: Endpoint,
                                                accept: str) -> None:
    response = raw_request(hardened.url, "GET", endpoint.path("abc"), [endpoint.auth, ("Accept", accept)])
    assert_problem(response, 406, "not-acceptable")
    assert_still_serving(hardened.url)


# "/" is the landing page (tests/process/test_first_hour.py), not an unknown path
UNKNOWN_PATHS = ["/nowhere", "/api", "/api/v1", "/api/v1/", "/api/v1/nowhere", "/api/v1/activity_logs",
                 "/api/v1/activity_logs/", "/api/v1/activity_logs/x/extra", "/api/v2/activity_logs/x",
                 "/activity-logs", "/activity-logs/", "/activity-logs/x/extra", "/API/V1/activity_logs/x"]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_unknown_paths_are_a_404_problem(hardened: RunningServer, path: str) -> None:
    response = raw_request(hardened.url, "GET", path, [BEARER])
    assert_problem(response, 404)
    assert_still_serving(hardened.url)


def _assert_405_with_allow(response: RawResponse, method: str) -> None:
    assert response.status == 405, response.describe()
    allow = {token.strip().upper() for token in response.headers.get("allow", "").split(",") if token.strip()}
    assert "GET" in allow and method not in allow, response.describe()
    assert allow <= {"GET", "HEAD", "OPTIONS"}, response.describe()
    assert_problem(response, 405)


@IDS
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE"])
def test_undeclared_methods_are_a_405_with_allow(hardened: RunningServer, endpoint: Endpoint,
                                                 method: str) -> None:
    headers = [endpoint.auth] + ([("Content-Length", "0")] if method in ("POST", "PUT", "PATCH") else [])
    _assert_405_with_allow(raw_request(hardened.url, method, endpoint.path("abc"), headers), method)
    assert_still_serving(hardened.url)


@IDS
@pytest.mark.parametrize("method", ["PURGE", "PROPFIND"])
def test_unknown_method_tokens_are_a_405_with_allow(hardened: RunningServer, endpoint: Endpoint,
                                                    method: str) -> None:
    """Registered methods the resource does not allow: 405 with `Allow` (RFC 9110 §15.5.6)."""
    _assert_405_with_allow(raw_request(hardened.url, method, endpoint.path("abc"), [endpoint.auth]), method)
    assert_still_serving(hardened.url)


@IDS
def test_a_made_up_method_token_is_refused_by_the_http_parser(hardened: RunningServer, endpoint: Endpoint) -> None:
    """`FROB` never reaches the app: uvicorn's httptools parser refuses method tokens it does not
    know with a 400 and closes the connection. h11 would route it to a 405, but costs 4x the
    throughput (3,209 vs 789 req/s on the 401 path, one core, wrk -c50): a 4xx refusal of a
    non-HTTP token is the right trade for a mock whose users benchmark it against Prism."""
    response = raw_request(hardened.url, "FROB", endpoint.path("abc"), [endpoint.auth])
    assert response.status == 400, response.describe()
    assert_still_serving(hardened.url)


# -- the connection itself ---------------------------------------------------------------------

GARBAGE = {
    "tls-client-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),
    "nul-bytes": b"\x00" * 4096,
    "request-line-only-method": b"GET\r\n\r\n",
    "header-without-colon": b"GET /api/v1/activity_logs/x HTTP/1.1\r\nHost: x\r\nNo Colon Here\r\n\r\n",
    "negative-content-length": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "two-content-lengths": (b"POST /api/v1/activity_logs/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            b"Content-Length: 7\r\n\r\nhello"),
    "not-http": b"GET / FOO/1.1\r\nHost: x\r\n\r\n",
    "binary-method": b"\x01\x02\x03 / HTTP/1.1\r\n\r\n",
    "control-byte-in-target": b"GET /api/v1/activity_logs/a\x01b HTTP/1.1\r\nHost: x\r\n\r\n",
    "nul-in-a-header-value": b"GET /api/v1/activity_logs/x HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "space-before-colon": b"GET /api/v1/activity_logs/x HTTP/1.1\r\nHost : x\r\n\r\n",
    "high-bytes": b"\xff\xfe\xfd" * 1000 + b"\r\n\r\n",
    "pseudo-random": bytes((i * 197 + 89) % 256 for i in range(4096)),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_raw_socket_garbage_gets_a_400_or_a_close(hardened: RunningServer, name: str) -> None:
    host, port = hardened.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(GARBAGE[name])
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed on us while sending: allowed
        received = b""
        try:
            while chunk := sock.recv(65536):  # until the server closes (a hang times out: a failure)
                received += chunk
        except ConnectionResetError:
            pass
    assert received == b"" or received.startswith((b"HTTP/1.1 400 ", b"HTTP/1.0 400 ")), received[:300]
    assert_still_serving(hardened.url)


def test_fifty_idle_connections_do_not_keep_a_real_request_waiting(hardened: RunningServer) -> None:
    host, port = hardened.url.removeprefix("http://").rsplit(":", 1)
    idle: list[socket.socket] = []
    try:
        for n in range(50):
            sock = socket.create_connection((host, int(port)), timeout=10)
            if n % 2:  # half of them start a request and never finish it
                sock.sendall(b"GET /api/v1/activity_logs/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bea")
            idle.append(sock)
        with httpx.Client(base_url=hardened.url, timeout=10) as client:
            for endpoint in ENDPOINTS:
                response = client.get(endpoint.path("while-idle"), headers=dict([endpoint.auth]))
                assert response.status_code == 200, response.text
                assert endpoint.record_id(response.content) == "while-idle"
    finally:
        for sock in idle:
            sock.close()
    assert_still_serving(hardened.url)


def test_the_request_log_stays_one_line_per_request(launch) -> None:
    """A path is attacker-controlled: written raw, `%0A` forges log lines and `%1B` drives the
    reader's terminal. Every request must stay one line with no control characters."""
    server = launch(*RESTRICTED_FLAGS)
    forged = "GET /api/v1/activity_logs/forged findActivityLog 200 0.1ms"
    paths = [
        ACTIVITY.path("x%0A" + quote(forged, safe="/")),
        ACTIVITY.path("x%0D%0A" + quote(forged, safe="/")),
        ACTIVITY.path("x%1B%5B2J%1B%5B31mred"),
        ACTIVITY.path("x%00y"),
        SEQUENCE.path("x%0A" + quote(forged, safe="/")),
        "/nowhere%0A" + quote(forged, safe="/"),
    ]
    for path in paths:
        raw_request(server.url, "GET", path, [BEARER if "api/v1" in path else BASIC])
    raw_request(server.url, "GET", "/api/v1/activity_logs/last-one", [BEARER])
    log = server.wait_for_log("/api/v1/activity_logs/last-one")
    lines = log.splitlines()
    assert not [line for line in lines if line.startswith("GET /api/v1/activity_logs/forged")], log
    assert control_characters(log, allowed="\n") == [], log
    request_lines = [line for line in lines if line.startswith("GET /")]
    assert len(request_lines) == len(paths) + 1, log
