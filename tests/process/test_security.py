"""The control plane lets no one in: cross-site writes, cross-origin reads and DNS rebinding.

Against the real server: raw requests with the headers an attacker's browser would send, and a
real headless Chromium whose page on another origin attacks the control API, while a frontend
page on http://localhost:PORT still reads contract replies with credentials, and a page on the
mock's own origin still uses the control API.
"""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.browser import browser, chromium, page_server  # noqa: F401  (fixtures)
from tests.conftest import BEARER
from tests.mockserver_process import RunningServer, start_server

EVIL = "http://evil.example"
JSON = {"Content-Type": "application/json"}
SCENARIO = b'{"operationId": "findActivityLog", "status": 404}'


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningServer]:
    running = start_server("--allowed-host", "mock.test", "--control-origin", "http://localhost:3000")
    yield running
    running.stop()


@pytest.fixture
def http(mock: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        assert client.post("/__mock/reset").status_code == 204  # no Origin, no body: curl's reset
        yield client


def untouched(http: httpx.Client) -> None:
    """Nothing an attack tried took effect: no scenario, and the journal still holds the probe."""
    assert http.get("/__mock/scenarios").json() == {"scenarios": []}
    assert http.get("/api/v1/activity_logs/probe", headers=BEARER).status_code == 200
    assert any(entry["path"] == "/api/v1/activity_logs/probe" for entry in http.get("/__mock/requests").json()["requests"])


def assert_refused(response: httpx.Response, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + kind)
    assert not any(name.startswith("access-control-") for name in response.headers), response.headers


# -- cross-site writes --------------------------------------------------------------------------

def test_a_cross_site_simple_request_cannot_write(http: httpx.Client) -> None:
    http.get("/api/v1/activity_logs/probe", headers=BEARER)
    attack = {"Origin": EVIL, "Content-Type": "text/plain"}
    assert_refused(http.post("/__mock/scenarios", content=SCENARIO, headers=attack), 403, "control-forbidden")
    assert_refused(http.post("/__mock/reset", headers={"Origin": EVIL}), 403, "control-forbidden")
    form = {"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"}
    assert_refused(http.put("/__mock/records/findActivityLog/x", content=b"a=b", headers=form), 403, "control-forbidden")
    assert_refused(http.post("/__mock/scenarios", content=SCENARIO, headers={"Origin": "null", **JSON}),
                   403, "control-forbidden")
    untouched(http)


def test_writes_take_only_json(http: httpx.Client) -> None:
    http.get("/api/v1/activity_logs/probe", headers=BEARER)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        refused = http.post("/__mock/scenarios", content=SCENARIO, headers={"Content-Type": content_type})
        assert_refused(refused, 415, "control-media-type")
        assert "--json" in refused.json()["detail"]
    assert_refused(http.post("/__mock/scenarios", content=SCENARIO), 415, "control-media-type")  # no type at all
    untouched(http)
    assert http.post("/__mock/scenarios", content=SCENARIO, headers=JSON).status_code == 201


# -- cross-origin reads ----------------------------------------------------------------------------

def test_another_origin_cannot_read_the_journal(http: httpx.Client) -> None:
    refused = http.get("/__mock/requests", headers={"Origin": EVIL})
    assert_refused(refused, 403, "control-forbidden")
    preflight = http.options("/__mock/scenarios", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert_refused(preflight, 403, "control-forbidden")


def test_the_mocks_own_origin_and_named_origins_may_use_it(http: httpx.Client, mock: RunningServer) -> None:
    own = http.get("/__mock/requests", headers={"Origin": mock.url})
    assert own.status_code == 200 and "access-control-allow-origin" not in own.headers
    assert http.get("/__mock/requests", headers={"Origin": "http://localhost:3000"}).status_code == 200
    assert http.get("/__mock/requests", headers={"Origin": "http://localhost:3001"}).status_code == 403


# -- DNS rebinding ---------------------------------------------------------------------------------

def test_a_foreign_host_cannot_reach_the_control_api(http: httpx.Client, mock: RunningServer) -> None:
    http.get("/api/v1/activity_logs/probe", headers=BEARER)
    assert_refused(http.get("/__mock/requests", headers={"Host": "evil.example"}), 403, "control-forbidden")
    assert_refused(http.post("/__mock/reset", headers={"Host": "evil.example:4010"}), 403, "control-forbidden")
    log = mock.wait_for_log("--allowed-host evil.example")
    assert "refused POST /__mock/reset for Host 'evil.example:4010'" in log
    untouched(http)
    for host in ("localhost:1", "127.0.0.1", "[::1]:4010", "mock.test:80"):
        assert http.get("/__mock/requests", headers={"Host": host}).status_code == 200, host
    health = http.get("/__mock/health", headers={"Host": "evil.example", "Origin": EVIL})
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_contract_routes_keep_open_cors(http: httpx.Client) -> None:
    asked = "authorization, traceparent, sentry-trace, baggage"
    preflight = http.options("/api/v1/activity_logs/abc", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": asked})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-headers"] == asked
    assert preflight.headers["access-control-allow-origin"] == EVIL
    reply = http.get("/api/v1/activity_logs/abc", headers={"Origin": EVIL, **BEARER})
    assert reply.headers["access-control-allow-origin"] == EVIL
    assert reply.headers["access-control-allow-credentials"] == "true"


# -- off loopback ----------------------------------------------------------------------------------

def test_off_loopback_health_answers_and_the_rest_needs_the_token() -> None:
    """Bound to every address, talked to over loopback only. (Off loopback without a token the
    server does not start: tests/process/test_session_admission.py.)"""
    running = start_server("--host", "0.0.0.0", "--control-token", "s3cret-16-chars!")
    try:
        url = running.url.replace("0.0.0.0", "127.0.0.1")
        assert httpx.get(url + "/__mock/health", headers={"Host": "mock.internal"}).status_code == 200
        assert_refused(httpx.get(url + "/__mock/requests"), 401, "control-token")
        allowed = httpx.get(url + "/__mock/requests", headers={"x-mock-control-token": "s3cret-16-chars!", "Host": "mock.internal"})
        assert allowed.status_code == 200
    finally:
        running.stop()


# -- a real browser --------------------------------------------------------------------------------

@pytest.fixture
def other_origin() -> Iterator[int]:
    """A page server on another port of loopback: another origin than the mock's."""
    with page_server(b"<!doctype html><title>page</title><iframe name=sink></iframe>") as port:
        yield port


FETCH = """
const done = arguments[arguments.length - 1];
const [url, init] = [arguments[0], arguments[1]];
fetch(url, init).then(r => r.text().then(t => done({status: r.status, body: t})),
                       e => done({error: String(e)}));
"""


def test_in_chromium_a_page_on_another_origin_cannot_touch_the_control_api(
        browser, http: httpx.Client, mock: RunningServer, other_origin: int) -> None:
    http.get("/api/v1/activity_logs/probe", headers=BEARER)
    browser.get(f"http://127.0.0.1:{other_origin}/")
    write = browser.execute_async_script(FETCH, mock.url + "/__mock/scenarios", {
        "method": "POST", "mode": "no-cors", "headers": {"Content-Type": "text/plain"}, "body": SCENARIO.decode()})
    assert write == {"status": 0, "body": ""}  # opaque to the page; refused by the mock (checked below)
    read = browser.execute_async_script(FETCH, mock.url + "/__mock/requests", {"credentials": "include"})
    assert "error" in read  # no CORS headers: the browser keeps the journal from the page
    browser.execute_script("""
        const form = Object.assign(document.createElement('form'),
            {method: 'POST', action: arguments[0], target: 'sink', enctype: 'text/plain'});
        document.body.appendChild(form); form.submit();""", mock.url + "/__mock/reset")
    mock.wait_for_log("POST /__mock/reset - 403")
    untouched(http)


def test_in_chromium_a_frontend_reads_contract_replies_with_credentials(
        browser, mock: RunningServer, other_origin: int) -> None:
    browser.get(f"http://localhost:{other_origin}/")
    reply = browser.execute_async_script(FETCH, mock.url + "/api/v1/activity_logs/abc", {
        "credentials": "include",
        "headers": {"Authorization": "Bearer k", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}})
    assert reply["status"] == 200 and '"activity_id":"abc"' in reply["body"]


def test_in_chromium_the_mocks_own_pages_use_the_control_api(browser, http: httpx.Client, mock: RunningServer) -> None:
    browser.get(mock.url + "/api/v1/ui/")  # a page of the mock's own origin, as the dashboard will be
    added = browser.execute_async_script(FETCH, "/__mock/scenarios", {
        "method": "POST", "headers": {"Content-Type": "application/json"}, "body": SCENARIO.decode()})
    assert added["status"] == 201
    listed = browser.execute_async_script(FETCH, "/__mock/scenarios", {})
    assert listed["status"] == 200 and '"status":404' in listed["body"]
    assert http.get("/api/v1/activity_logs/x", headers=BEARER).status_code == 404
