"""Issue 14: network faults on demand, with what real clients see, and no leak after many."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from lago_python_client.client import Client

from tests.conftest import BEARER
from tests.mockserver_process import REPO, RunningServer, start_server

ACTIVITY = "/api/v1/activity_logs/x"

# fault -> (what httpx raises, what the Lago Python SDK raises); the README's table says the same.
SEEN = {
    "reset": ("ReadError", "ReadError"),
    "empty": ("RemoteProtocolError", "RemoteProtocolError"),
    "close-after-headers": ("RemoteProtocolError", "RemoteProtocolError"),
    "truncated": ("RemoteProtocolError", "RemoteProtocolError"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_server()
    yield running
    running.stop()


def _raised(call) -> str:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - what a client raises is what is under test
        return type(error).__name__
    return "nothing"


@pytest.mark.parametrize("fault", sorted(SEEN))
def test_each_connection_fault_as_httpx_and_the_lago_sdk_see_it(server: RunningServer, fault: str) -> None:
    expected_httpx, expected_sdk = SEEN[fault]
    assert _raised(lambda: httpx.get(server.url + ACTIVITY, headers={**BEARER, "Prefer": f"fault={fault}"})) == expected_httpx
    # the SDK cannot send Prefer: a scenario does it, once
    assert httpx.post(server.url + "/__mock/scenarios", json={
        "operationId": "findActivityLog", "fault": fault, "times": 1}).status_code == 201
    assert _raised(lambda: Client(api_key="k", api_url=server.url).activity_logs.find("x")) == expected_sdk
    assert httpx.get(server.url + ACTIVITY, headers=BEARER).status_code == 200  # and then it serves again
    assert _raised(lambda: httpx.get(server.url + ACTIVITY, params={"__fault": fault}, headers=BEARER)) == expected_httpx
    entries = [e for e in httpx.get(server.url + "/__mock/requests").json()["requests"] if e.get("fault") == fault]
    assert len(entries) == 3  # faults are journaled like any request


def test_a_slow_body_arrives_whole_after_its_delay(server: RunningServer) -> None:
    httpx.post(server.url + "/__mock/scenarios", json={
        "operationId": "findActivityLog", "fault": "slow-body", "delay_ms": 300, "times": 2})
    slow = httpx.get(server.url + ACTIVITY, headers=BEARER)
    plain = httpx.get(server.url + "/api/v1/activity_logs/x", headers={**BEARER, "Prefer": "dynamic=false"})
    assert slow.status_code == 200 and slow.json()["activity_log"]["activity_id"] == "x"
    assert Client(api_key="k", api_url=server.url).activity_logs.find("x").activity_id == "x"  # the SDK waits it out
    assert plain.status_code == 200


def test_rate_limits_answer_the_declared_429_with_retry_after(launch) -> None:
    limited = launch("--spec", str(REPO / "tests" / "data" / "anydoc" / "limited.yaml"), "--rate-limit", "2/60")
    statuses = [httpx.get(limited.url + "/limited/things/a") for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    over = statuses[-1]
    assert over.json() == {"error": "rate_limited"} and 1 <= int(over.headers["retry-after"]) <= 60
    # another session has its own counter
    assert httpx.get(limited.url + "/limited/things/a", headers={"X-Mock-Session": "other"}).status_code == 200


def test_an_undeclared_429_is_a_problem_marked_outside_the_contract(server: RunningServer) -> None:
    httpx.post(server.url + "/__mock/scenarios", json={
        "operationId": "findApiLog", "rate_limit": {"requests": 1, "window_s": 30}})
    assert httpx.get(server.url + "/api/v1/api_logs/r", headers=BEARER).status_code == 200
    over = httpx.get(server.url + "/api/v1/api_logs/r", headers=BEARER)
    assert (over.status_code, over.headers["content-type"]) == (429, "application/problem+json")
    assert over.headers["x-mock-outside-contract"] == "429 is not declared for this operation"
    assert 1 <= int(over.headers["retry-after"]) <= 30
    httpx.delete(server.url + "/__mock/scenarios")
    asked = httpx.get(server.url + "/api/v1/api_logs/q", headers={**BEARER, "Prefer": "fault=rate-limit"})
    assert asked.status_code == 429
    assert httpx.get(server.url + "/__mock/requests", params={"path": "/api/v1/api_logs/q"}).json()[
        "requests"][-1]["fault"] == "rate-limit"
    # the Lago SDK waits Retry-After and retries a 429 (its own rate-limit handling): one 429, then the record
    httpx.post(server.url + "/__mock/scenarios", json={"operationId": "findApiLog", "fault": "rate-limit", "times": 1})
    assert Client(api_key="k", api_url=server.url).api_logs.find("r").request_id == "r"
    calls = [e["status"] for e in httpx.get(server.url + "/__mock/requests").json()["requests"]
             if e["path"] == "/api/v1/api_logs/r"]
    assert calls[-2:] == [429, 200]


def _open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _settled(read, at_most: int | None = None) -> int:
    """A count once connections the clients closed are closed on the server's side too (the
    event loop closes them a moment later): the first reading at or under `at_most`, else the
    last one after a while. A wait for the server, not a timing assertion."""
    reading = read()
    for _ in range(100):
        if at_most is not None and reading <= at_most:
            return reading
        time.sleep(0.05)
        again = read()
        if at_most is None and again == reading:
            return reading
        reading = again
    return reading


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open descriptors")
def test_a_thousand_mixed_faults_leave_no_descriptors_or_tasks_behind(launch) -> None:
    server = launch("--quiet")
    pid = server.process.pid
    with httpx.Client(base_url=server.url, headers=BEARER) as warm:
        warm.get(ACTIVITY)
        before_tasks = warm.get("/__mock/health").json()["tasks"]
    before_fds = _settled(lambda: _open_descriptors(pid))
    # slow bodies through a scenario, to set a short delay_ms (Prefer's default is 2 s each)
    httpx.post(server.url + "/__mock/scenarios", json={
        "path": "/api/v1/activity_logs/slow", "fault": "slow-body", "delay_ms": 10})
    faults = ["reset", "empty", "close-after-headers", "truncated", "slow-body", "rate-limit"]
    served: list[int] = []

    def other_clients() -> None:  # the server keeps serving everyone else while faults fire
        with httpx.Client(base_url=server.url, headers=BEARER) as steady:
            for _ in range(100):
                served.append(steady.get("/api/v1/api_logs/steady").status_code)

    steady = threading.Thread(target=other_clients)
    steady.start()
    for n in range(1000):
        fault = faults[n % len(faults)]
        path, prefer = ("/api/v1/activity_logs/slow", {}) if fault == "slow-body" else (
            f"/api/v1/activity_logs/f{n}", {"Prefer": f"fault={fault}"})
        try:
            httpx.get(server.url + path, headers={**BEARER, **prefer})
        except httpx.HTTPError:
            pass
    steady.join()
    assert served == [200] * 100
    with httpx.Client(base_url=server.url) as after:
        health = after.get("/__mock/health").json()
    assert health["tasks"] <= before_tasks
    assert _settled(lambda: _open_descriptors(pid), at_most=before_fds) <= before_fds
