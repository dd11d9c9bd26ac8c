"""Issue 23: a safe control plane at start-up, and sessions made only by requests that may make
them, against real servers (one process, `--workers 2`, two instances on one Redis).

Before: `--control-token ""` started and left `/__mock` open; 70 unauthenticated
`GET /__session/NAME/...` from a foreign origin each got a 401 and still created their session,
so the next test's session got `503 session-limit`; `GET /__mock/health` with `X-Mock-Session`
created sessions too; and 40 new sessions at once over `--workers 2 --max-sessions 5` created 6.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Iterator

import httpx
import pytest

from tests.conftest import BEARER
from tests.mockserver_process import REPO, RunningServer, start_server
from tests.process.test_shared_state import REDIS_SERVER, Redis
from tests.debian import require

TOKEN = "0123456789abcdef"
LAGO = "/api/v1/activity_logs/x"
FOREIGN = {"Origin": "https://evil.example"}
LIMIT_DETAIL = ("{n} sessions exist, the most this mock keeps (--max-sessions); remove one with "
                "DELETE /__mock/sessions/NAME or let one idle for 1800 s")


def _limit_problem(n: int) -> dict:
    return {"type": "https://mockserver.invalid/problems/session-limit", "title": "Service Unavailable",
            "status": 503, "detail": LIMIT_DETAIL.format(n=n)}


def _sessions(url: str, **headers: str) -> list[str]:
    listed = httpx.get(url + "/__mock/sessions", headers=headers)
    assert listed.status_code == 200
    return [s["name"] for s in listed.json()["sessions"]]


# -- start-up ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("flags", "line"), [
    (("--control-token", ""), "mockserver: error: --control-token: the token is empty; give one of at least "
                              "16 characters (an unset variable gives an empty one)"),
    (("--control-token", "s3cret"), "mockserver: error: --control-token: the token has 6 characters; give one of "
                                    "at least 16 characters (an unset variable gives an empty one)"),
    (("--host", "0.0.0.0"), "mockserver: error: --host 0.0.0.0: not loopback, so the control API needs "
                            "--control-token TOKEN (at least 16 characters); or pass --no-control"),
    (("--host", "0.0.0.0", "--control-token", ""), "mockserver: error: --control-token: the token is empty; give "
                                                   "one of at least 16 characters (an unset variable gives an empty one)"),
])
def test_an_unsafe_control_plane_is_one_line_and_exit_2(flags: tuple[str, ...], line: str) -> None:
    try:
        done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0", *flags], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve {' '.join(flags)} started instead of refusing") from None
    assert (done.returncode, done.stderr, done.stdout) == (2, line + "\n", "")


def test_off_loopback_with_a_token_or_without_the_control_api_starts() -> None:
    for flags in (("--host", "0.0.0.0", "--control-token", TOKEN), ("--host", "0.0.0.0", "--no-control")):
        running = start_server(*flags)
        try:
            url = running.url.replace("0.0.0.0", "127.0.0.1")
            health = httpx.get(url + "/__mock/health")
            assert health.status_code == (200 if "--control-token" in flags else 404)
            if "--control-token" in flags:
                assert httpx.post(url + "/__mock/reset").status_code == 401
                assert httpx.post(url + "/__mock/reset", headers={"x-mock-control-token": TOKEN}).status_code == 204
        finally:
            running.stop()


# -- one process ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def five() -> Iterator[RunningServer]:
    running = start_server("--max-sessions", "5")
    yield running
    running.stop()
    assert "Traceback" not in running.log()


@pytest.fixture()
def url(five: RunningServer) -> Iterator[str]:
    yield five.url
    for name in _sessions(five.url):
        assert httpx.delete(f"{five.url}/__mock/sessions/{name}").status_code == 204


def test_refused_contract_requests_from_a_foreign_origin_create_no_session(url: str) -> None:
    for i in range(70):  # no credentials: Lago's declared 401
        refused = httpx.get(f"{url}/__session/attack-{i}{LAGO}", headers=FOREIGN)
        assert (refused.status_code, refused.content) == (401, b'{"status":401,"error":"Unauthorized"}')
    assert _sessions(url) == []
    # a 404 (no operation) and a bad path value create nothing either
    assert httpx.get(f"{url}/__session/nowhere/no/such/path", headers=BEARER).status_code == 404
    bad = httpx.get(f"{url}/__session/bad-id/api/v1/activity_logs/%00", headers=BEARER)
    assert (bad.status_code, bad.content) == (404, b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}')
    assert _sessions(url) == []
    # the refused requests are journaled nowhere: not in the default session either
    assert [e for e in httpx.get(url + "/__mock/requests").json()["requests"] if "attack" in e["path"]] == []
    # the next test's sessions all fit
    for i in range(5):
        assert httpx.get(f"{url}/__session/test-{i}{LAGO}", headers=BEARER).status_code == 200
    assert _sessions(url) == [f"test-{i}" for i in range(5)]
    over = httpx.get(f"{url}/__session/test-5{LAGO}", headers=BEARER)
    assert (over.status_code, over.headers["content-type"], over.json()) == (503, "application/problem+json",
                                                                               _limit_problem(5))


def test_health_never_creates_a_session(url: str) -> None:
    for i in range(10):
        health = httpx.get(url + "/__mock/health", headers={"X-Mock-Session": f"probe-{i}"})
        assert (health.status_code, health.json()["records"], health.json()["sessions"]) == (200, 0, 0)
        assert httpx.get(f"{url}/__session/probe-{i}/__mock/health").status_code == 200
    assert _sessions(url) == []
    # a session that exists is reported, not touched
    assert httpx.get(url + LAGO, headers={**BEARER, "X-Mock-Session": "real"}).status_code == 200
    health = httpx.get(url + "/__mock/health", headers={"X-Mock-Session": "real"}).json()
    assert (health["records"], health["sessions"]) == (httpx.get(url + "/__mock/health").json()["records"], 1)


def test_the_control_api_and_an_authenticated_request_create_sessions(url: str) -> None:
    assert httpx.post(url + "/__mock/reset", headers={"X-Mock-Session": "by-control"}).status_code == 204
    assert httpx.get(url + LAGO, headers={**BEARER, "X-Mock-Session": "by-request", **FOREIGN}).status_code == 200
    assert _sessions(url) == ["by-control", "by-request"]
    journal = httpx.get(url + "/__mock/requests", headers={"X-Mock-Session": "by-request"}).json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in journal] == [("GET", LAGO, 200)]
    # the control API's own checks still come first: a foreign origin creates nothing
    refused = httpx.post(url + "/__mock/reset", headers={"X-Mock-Session": "by-attacker", **FOREIGN})
    assert refused.status_code == 403
    assert _sessions(url) == ["by-control", "by-request"]


# -- several processes: --max-sessions holds across all of them ------------------------------------

def _forty_new_sessions_at_once(urls: list[str]) -> tuple[list[int], list[bytes]]:
    statuses: list[int] = []
    refusals: list[bytes] = []
    start = threading.Barrier(40)

    def one(i: int) -> None:
        with httpx.Client(base_url=urls[i % len(urls)], timeout=30) as client:  # a connection of its own
            start.wait()
            reply = client.get(f"/__session/run-{i}{LAGO}", headers=BEARER)
        statuses.append(reply.status_code)
        if reply.status_code != 200:
            refusals.append(reply.content)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, refusals


def _assert_five_of_forty(urls: list[str]) -> None:
    for _round in range(3):  # a race shows only sometimes: three rounds
        statuses, refusals = _forty_new_sessions_at_once(urls)
        assert sorted(statuses) == [200] * 5 + [503] * 35, sorted(statuses)
        assert {httpx.Response(503, content=body).json()["detail"] for body in refusals} == {LIMIT_DETAIL.format(n=5)}
        for url in urls:
            assert len(_sessions(url)) == 5
        for name in _sessions(urls[0]):
            assert httpx.delete(f"{urls[0]}/__mock/sessions/{name}").status_code == 204
        for url in urls:
            assert _sessions(url) == []


def test_max_sessions_holds_across_workers() -> None:
    running = start_server("--workers", "2", "--max-sessions", "5")
    try:
        _assert_five_of_forty([running.url])
    finally:
        running.stop()
    assert "Traceback" not in running.log()


def test_max_sessions_holds_across_instances_on_one_redis(tmp_path) -> None:
    require((REDIS_SERVER,), ("redis-server",))
    redis = Redis(tmp_path)
    redis.start()
    servers: list[RunningServer] = []
    try:
        servers = [start_server("--state", redis.url, "--max-sessions", "5") for _ in range(2)]
        _assert_five_of_forty([server.url for server in servers])
    finally:
        for server in servers:
            server.stop()
        redis.stop()
    assert all("Traceback" not in server.log() for server in servers)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_store_opens_a_session_only_below_the_limit(backend: str, tmp_path) -> None:
    from mockserver.shared.store import open_store, session_limit

    redis = None
    if backend == "redis":
        require((REDIS_SERVER,), ("redis-server",))
        redis = Redis(tmp_path)
        redis.start()
    store = open_store(redis.url if redis else f"sqlite:{tmp_path / 'state.db'}")
    try:
        def open_(name: str) -> str | None:
            return store.commit({"open": name}, [("add_session", name)], [session_limit(name, 2)])

        assert open_("s1") is not None and open_("s2") is not None
        assert open_("s3") is None  # refused: nothing written, nothing logged
        assert open_("s1") is not None  # one that exists may be opened again
        assert sorted(store.snapshot()[1]) == ["s1", "s2", "~"]
        assert [change for _id, change in store.read("0", 0)] == [{"open": "s1"}, {"open": "s2"}, {"open": "s1"}]
        store.commit({"close": "s2"}, [("remove_session", "s2")])
        assert open_("s3") is not None
    finally:
        store.close()
        if redis is not None:
            redis.stop()
