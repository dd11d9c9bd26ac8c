"""Issue 24: browsers are first-class. A page on an origin named with `--control-origin` uses the
control API from `fetch` (the preflight answered, the replies readable), and browser code reads
the mock's headers on contract replies (`Retry-After` on a 429, `x-mock-problem`, declared ones).

Before: `/__mock` replies carried no CORS headers and the preflight was a 405, so the allowed
page got "Failed to fetch"; contract replies exposed no header, so `Retry-After` read `null`.
A page on any other origin is still refused (tests/process/test_security.py).
"""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.browser import browser, chromium, page_server  # noqa: F401  (fixtures)
from tests.mockserver_process import RunningServer, start_server

NOTES = """\
openapi: 3.0.3
info: {title: Notes, version: "1.0"}
servers: [{url: /v1}]
paths:
  /notes:
    get:
      operationId: listNotes
      responses:
        "200":
          description: notes
          headers:
            X-Total-Count: {schema: {type: integer}}
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Note"}}
        "429":
          description: slow down
          headers:
            Retry-After: {schema: {type: integer}}
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [title], properties: {title: {type: string}}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
        "422":
          description: invalid
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
components:
  schemas:
    Note:
      type: object
      required: [id, title]
      properties:
        id: {type: string}
        title: {type: string}
"""
EVIL = "http://evil.example"
JSON = {"Content-Type": "application/json"}
MOCK_EXPOSED = "retry-after, x-mock-problem, x-mock-outside-contract"


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """A frontend's dev server: another port of loopback, so another origin than the mock's."""
    with page_server(b"<!doctype html><title>frontend</title>") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def mock(page_origin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    spec = tmp_path_factory.mktemp("browser") / "notes.yaml"
    spec.write_text(NOTES)
    running = start_server("--spec", str(spec), "--control-origin", page_origin)
    yield running
    running.stop()


@pytest.fixture
def http(mock: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        assert client.post("/__mock/reset").status_code == 204
        yield client


# -- the control API, as a browser sees it ----------------------------------------------------------

def test_the_preflight_of_an_allowed_origin_is_answered(http: httpx.Client, page_origin: str) -> None:
    preflight = http.options("/__mock/scenarios", headers={
        "Origin": page_origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-mock-session, traceparent"})
    assert preflight.status_code == 204, preflight.text
    assert preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == page_origin
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, POST, PUT, PATCH, DELETE"
    assert preflight.headers["access-control-allow-headers"] == (
        "content-type, authorization, x-mock-session, x-mock-control-token, traceparent")
    assert preflight.headers["access-control-max-age"] == "600"
    assert preflight.headers["vary"] == "Origin"


def test_replies_to_an_allowed_origin_carry_cors_refusals_included(http: httpx.Client, page_origin: str) -> None:
    listed = http.get("/__mock/scenarios", headers={"Origin": page_origin})
    assert listed.status_code == 200 and listed.json() == {"scenarios": []}
    assert listed.headers["access-control-allow-origin"] == page_origin
    assert listed.headers["access-control-allow-credentials"] == "true"
    assert listed.headers["vary"] == "Origin"
    refused = http.post("/__mock/scenarios", content=b"{}", headers={"Origin": page_origin, "Content-Type": "text/plain"})
    assert refused.status_code == 415 and refused.json()["type"].endswith("/control-media-type")
    assert refused.headers["access-control-allow-origin"] == page_origin  # the page reads why


def test_other_origins_are_still_refused_without_cors(http: httpx.Client, mock: RunningServer) -> None:
    for method, headers in (("OPTIONS", {"Access-Control-Request-Method": "POST"}), ("GET", {})):
        refused = http.request(method, "/__mock/scenarios", headers={"Origin": EVIL, **headers})
        assert refused.status_code == 403, (method, refused.text)
        assert refused.json()["type"].endswith("/control-forbidden")
        assert not any(name.startswith("access-control-") for name in refused.headers)
    own = http.get("/__mock/scenarios", headers={"Origin": mock.url})  # same origin: needs no CORS
    assert own.status_code == 200 and "access-control-allow-origin" not in own.headers


def test_an_allowed_origin_on_a_foreign_host_gets_no_cors(http: httpx.Client, page_origin: str) -> None:
    """DNS rebinding: the Host check still comes first, for preflights too."""
    for method, headers in (("OPTIONS", {"Access-Control-Request-Method": "GET"}), ("GET", {})):
        refused = http.request(method, "/__mock/requests", headers={"Origin": page_origin, "Host": "evil.example", **headers})
        assert refused.status_code == 403 and refused.json()["type"].endswith("/control-forbidden")
        assert not any(name.startswith("access-control-") for name in refused.headers)


def test_with_a_token_the_preflight_needs_none_and_the_refusal_is_readable(page_origin: str) -> None:
    """A preflight never carries the token header, so it is checked on the call itself; the page
    reads the 401 that says it is missing or wrong."""
    token = "s3cret-16-chars!"
    running = start_server("--control-token", token, "--control-origin", page_origin)
    try:
        with httpx.Client(base_url=running.url, timeout=10) as client:
            preflight = client.options("/__mock/requests", headers={
                "Origin": page_origin, "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "x-mock-control-token"})
            assert preflight.status_code == 204
            assert "x-mock-control-token" in preflight.headers["access-control-allow-headers"].split(", ")
            refused = client.get("/__mock/requests", headers={"Origin": page_origin})
            assert refused.status_code == 401 and refused.json()["type"].endswith("/control-token")
            assert refused.headers["access-control-allow-origin"] == page_origin
            allowed = client.get("/__mock/requests", headers={"Origin": page_origin, "x-mock-control-token": token})
            assert allowed.status_code == 200 and allowed.json() == {"requests": []}
            assert allowed.headers["access-control-allow-origin"] == page_origin
    finally:
        running.stop()


# -- contract replies expose the mock's headers -----------------------------------------------------

def test_contract_replies_expose_the_mocks_and_the_declared_headers(http: httpx.Client) -> None:
    listed = http.get("/v1/notes", headers={"Origin": EVIL})
    assert listed.status_code == 200
    assert listed.headers["access-control-expose-headers"] == MOCK_EXPOSED + ", x-total-count"
    invalid = http.post("/v1/notes", json={}, headers={"Origin": EVIL})
    assert invalid.status_code == 422
    assert invalid.headers["x-mock-problem"] == "'title' is a required property"
    assert invalid.headers["access-control-expose-headers"] == MOCK_EXPOSED
    unrouted = http.get("/v1/nowhere", headers={"Origin": EVIL})
    assert unrouted.status_code == 404 and unrouted.headers["access-control-expose-headers"] == MOCK_EXPOSED
    assert "access-control-expose-headers" not in http.get("/v1/notes").headers  # no Origin: no CORS


# -- in headless Chromium ---------------------------------------------------------------------------

FETCH = """
const done = arguments[arguments.length - 1];
const [url, init, names] = [arguments[0], arguments[1], arguments[2]];
fetch(url, init).then(
    r => r.text().then(t => done({status: r.status, body: t,
                                  headers: Object.fromEntries(names.map(n => [n, r.headers.get(n)]))})),
    e => done({error: String(e)}));
"""


def test_in_chromium_an_allowed_origin_uses_the_control_api_and_reads_the_mocks_headers(
        browser, http: httpx.Client, mock: RunningServer, page_origin: str) -> None:
    browser.get(page_origin + "/")
    assert http.get("/v1/notes").status_code == 200  # for the journal

    journal = browser.execute_async_script(FETCH, mock.url + "/__mock/requests", {"credentials": "include"}, [])
    assert journal.get("status") == 200, journal
    assert '"path":"/v1/notes"' in journal["body"]

    added = browser.execute_async_script(FETCH, mock.url + "/__mock/scenarios", {
        "method": "POST", "headers": {"Content-Type": "application/json"},
        "body": '{"operationId": "listNotes", "rate_limit": {"requests": 1, "window_s": 60}}'}, [])
    assert added.get("status") == 201, added
    assert '"operationId":"listNotes"' in added["body"]

    names = ["retry-after", "x-mock-problem", "x-total-count"]
    first = browser.execute_async_script(FETCH, mock.url + "/v1/notes", {}, names)
    assert first["status"] == 200
    limited = browser.execute_async_script(FETCH, mock.url + "/v1/notes", {}, names)
    assert limited == {"status": 429, "body": "", "headers": {
        "retry-after": "60", "x-mock-problem": "rate limit: 1 requests per 60 s", "x-total-count": None}}

    invalid = browser.execute_async_script(FETCH, mock.url + "/v1/notes", {
        "method": "POST", "headers": {"Content-Type": "application/json"}, "body": "{}"}, names)
    assert invalid["status"] == 422
    assert invalid["headers"]["x-mock-problem"] == "'title' is a required property"
