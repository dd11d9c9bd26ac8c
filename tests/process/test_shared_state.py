"""Issue 15: one state for several instances (a real Debian `redis-server`) and for `--workers`.

Two real servers (`mockserver serve --state redis://...`) share one Redis started on a free
loopback port; whatever is set or written on one must be what the other serves. The Redis
server keeps an append-only file, so the tests can stop it and start it again with its data,
as an operator restarting Redis would.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.debian import require
from tests.mockserver_process import REPO, RunningServer, start_server

REDIS_SERVER = Path("/usr/bin/redis-server")
TODOS_DOC = REPO / "tests" / "data" / "anydoc" / "todos-crud.yaml"
TODOS = "/todo-service/v2"
LAGO = "/api/v1/activity_logs/"
BEARER = {"Authorization": "Bearer k"}
WAIT_S = 15  # waits for a process to start or stop: never a timing assertion


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    """A real redis-server on a free loopback port, its data in `folder` (append-only file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(timeout=WAIT_S)
            self.process = None


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    require((REDIS_SERVER,), ("redis-server",))
    server = Redis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pair(redis: Redis) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two instances of the mock, as on two machines, sharing the one Redis."""
    args = ("--state", redis.url, "--spec", str(REPO / "openapi" / "lago.yaml"), "--spec", str(TODOS_DOC))
    one, two = start_server(*args), start_server(*args)
    yield one, two
    for server in (one, two):
        server.stop()
        assert "Traceback" not in server.log()


@pytest.fixture()
def a_and_b(pair: tuple[RunningServer, RunningServer]) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with httpx.Client(base_url=pair[0].url) as a, httpx.Client(base_url=pair[1].url) as b:
        assert a.post("/__mock/reset").status_code == 204
        yield a, b
        for name in [s["name"] for s in a.get("/__mock/sessions").json()["sessions"]]:
            a.delete(f"/__mock/sessions/{name}")


def test_the_banner_and_health_name_the_shared_state(pair: tuple[RunningServer, RunningServer], redis: Redis) -> None:
    assert f"state: {redis.url}" in pair[0].banner
    one, two = (httpx.get(server.url + "/__mock/health").json()["state"] for server in pair)
    assert one["store"] == two["store"] == redis.url
    assert one["available"] is True and one["instance"] != two["instance"]
    assert one["processes"] == 2


def test_a_scenario_set_on_one_applies_on_the_other(a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    assert b.get(LAGO + "x1", headers=BEARER).status_code == 200
    made = a.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404, "times": 3})
    assert made.status_code == 201
    assert b.get("/__mock/scenarios").json() == {"scenarios": [made.json()]}
    # three uses in all, wherever they are spent
    statuses = [client.get(LAGO + "x1", headers=BEARER).status_code for client in (b, a, b, a, b)]
    assert statuses == [404, 404, 404, 200, 200]
    assert a.get("/__mock/scenarios").json() == b.get("/__mock/scenarios").json() == {"scenarios": []}


def test_a_record_written_on_one_is_served_by_the_other(a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    generated = [t for t in a.get(TODOS + "/todos?per_page=49").json()["todos"] if t["code"] != "milk"]
    tasks = a.get(TODOS + "/projects/p1/tasks").json()
    created = a.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Buy milk"}})
    assert created.status_code == 201
    todo = created.json()["todo"]
    assert b.get(TODOS + "/todos/milk").json() == {"todo": todo}
    assert b.get(TODOS + "/todos?per_page=50").json()["todos"] == [todo, *generated]  # then the generated ones
    taken = b.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Again"}})
    assert (taken.status_code, taken.json()) == (409, {"error": "conflict", "message": "code already taken"})
    patched = b.patch(TODOS + "/todos/milk", content=b'{"todo": {"done": true}}',
                      headers={"content-type": "application/merge-patch+json"})
    assert a.get(TODOS + "/todos/milk").json() == patched.json() == {"todo": {**todo, "done": True}}
    assert a.delete(TODOS + "/todos/milk").status_code == 200
    assert b.get(TODOS + "/todos/milk").status_code == 404
    # server-made keys come from one count: two creates on two instances never collide
    first = a.post(TODOS + "/projects/p1/tasks", json={"name": "one"}).json()
    second = b.post(TODOS + "/projects/p1/tasks", json={"name": "two"}).json()
    assert (first["id"], second["id"]) == (1, 2)
    assert a.get(TODOS + "/projects/p1/tasks").json() == b.get(TODOS + "/projects/p1/tasks").json() == \
        [first, second, *(task for task in tasks if task["id"] not in (1, 2))]


def test_a_control_record_and_the_reply_cache_stay_fresh_everywhere(a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    before = b.get(LAGO + "r1", headers=BEARER)
    assert b.get(LAGO + "r1", headers=BEARER).content == before.content  # kept in b's cache now (second miss)
    assert b.get(LAGO + "r1", headers=BEARER).content == before.content  # replayed from b's cache
    record = {**before.json()["activity_log"], "activity_type": "invoice.paid"}
    assert a.put("/__mock/records/findActivityLog/r1", json=record).status_code == 201
    after = b.get(LAGO + "r1", headers=BEARER)
    assert after.json() == {"activity_log": record}


def test_the_journals_merge(a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    a.get(LAGO + "j1", headers=BEARER)
    b.get(LAGO + "j2", headers=BEARER)
    a.get(LAGO + "j3", headers=BEARER)
    for client in (a, b):
        paths = [entry["path"] for entry in client.get("/__mock/requests").json()["requests"]]
        assert paths == [LAGO + "j1", LAGO + "j2", LAGO + "j3"]
    assert b.delete("/__mock/requests").status_code == 204
    assert a.get("/__mock/requests").json() == {"requests": []}


def test_reset_on_one_clears_both(a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    created = a.post(TODOS + "/todos", json={"todo": {"code": "bread", "title": "Bread"}}).json()
    a.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404})
    assert b.post("/__mock/reset").status_code == 204
    for client in (a, b):
        assert client.get(TODOS + "/todos/bread").json() != created  # generated again, as before the create
        assert client.get("/__mock/scenarios").json() == {"scenarios": []}
        assert client.get(LAGO + "x", headers=BEARER).status_code == 200
    assert [entry["path"] for entry in a.get("/__mock/requests").json()["requests"]] == [
        TODOS + "/todos/bread", LAGO + "x", TODOS + "/todos/bread", LAGO + "x"]


def test_sessions_are_shared(a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    one = {"X-Mock-Session": "job-1"}
    assert a.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404}, headers=one).status_code == 201
    assert b.get(LAGO + "s", headers={**BEARER, **one}).status_code == 404
    assert b.get("/__session/job-1" + LAGO + "s", headers=BEARER).status_code == 404
    assert b.get(LAGO + "s", headers=BEARER).status_code == 200  # the default session has no scenario
    assert [s["name"] for s in b.get("/__mock/sessions").json()["sessions"]] == ["job-1"]
    assert [e["path"] for e in a.get("/__mock/requests", headers=one).json()["requests"]] == [LAGO + "s", LAGO + "s"]
    assert b.delete("/__mock/sessions/job-1").status_code == 204
    assert a.get("/__mock/sessions").json()["sessions"] == []


def test_an_instance_started_later_takes_the_state_as_it_is(redis: Redis, a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    generated = [t for t in a.get(TODOS + "/todos?per_page=49").json()["todos"] if t["code"] != "late"]
    todo = a.post(TODOS + "/todos", json={"todo": {"code": "late", "title": "Late"}}).json()
    scenario = b.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404},
                      headers={"X-Mock-Session": "job-2"}).json()
    late = start_server("--state", redis.url, "--spec", str(REPO / "openapi" / "lago.yaml"), "--spec", str(TODOS_DOC))
    try:
        with httpx.Client(base_url=late.url) as c:
            assert c.get(TODOS + "/todos?per_page=50").json()["todos"] == [todo["todo"], *generated]
            assert c.get("/__mock/scenarios", headers={"X-Mock-Session": "job-2"}).json() == {"scenarios": [scenario]}
            assert c.get(LAGO + "l", headers={**BEARER, "X-Mock-Session": "job-2"}).status_code == 404
            assert c.get(LAGO + "l", headers=BEARER).status_code == 200
    finally:
        late.stop()


def test_an_unreachable_redis_at_start_is_one_line_and_exit_2() -> None:
    port = free_port()
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "0", "--state", f"redis://127.0.0.1:{port}/0"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"mockserver: error: --state: the shared state cannot be used: Redis at redis://127.0.0.1:{port}/0: ")
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def _until(check, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what} after {WAIT_S} s")
        time.sleep(0.05)


def test_redis_going_away_keeps_contract_replies_and_loses_nothing_acknowledged(
        redis: Redis, a_and_b: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = a_and_b
    generated = [t["code"] for t in b.get(TODOS + "/todos?per_page=49").json()["todos"] if t["code"] != "tea"]
    kept = a.post(TODOS + "/todos", json={"todo": {"code": "tea", "title": "Tea"}})
    assert kept.status_code == 201
    before = b.get(TODOS + "/todos/tea")
    redis.stop()
    try:
        _until(lambda: a.get("/__mock/health").json()["state"]["available"] is False
               and b.get("/__mock/health").json()["state"]["available"] is False, "seen as unavailable")
        # contract replies go on, from each instance's copy
        assert b.get(TODOS + "/todos/tea").content == before.content
        assert a.get(LAGO + "down", headers=BEARER).status_code == 200
        # control calls and writes are refused, not acknowledged and lost
        for refused in (a.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404}),
                        b.get("/__mock/requests"),
                        a.post(TODOS + "/todos", json={"todo": {"code": "jam", "title": "Jam"}})):
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"].endswith("/state-unavailable")
    finally:
        redis.start()
    _until(lambda: a.get("/__mock/health").json()["state"]["available"]
           and b.get("/__mock/health").json()["state"]["available"], "available again")
    assert a.get(TODOS + "/todos/tea").content == before.content  # acknowledged before: still there
    codes = [todo["code"] for todo in b.get(TODOS + "/todos?per_page=50").json()["todos"]]
    assert codes == ["tea", *generated]  # jam was refused: not stored
    paths = [entry["path"] for entry in a.get("/__mock/requests").json()["requests"]]
    assert TODOS + "/todos/tea" in paths and LAGO + "down" in paths  # answered while away: journaled


@pytest.fixture(scope="module")
def workers() -> Iterator[RunningServer]:
    server = start_server("--workers", "2", "--spec", str(REPO / "openapi" / "lago.yaml"), "--spec", str(TODOS_DOC))
    yield server
    server.stop()
    assert "Traceback" not in server.log()


def _worker_of(client: httpx.Client) -> str:
    return client.get("/__mock/health").json()["state"]["instance"]


def test_two_workers_serve_one_port_with_one_state(workers: RunningServer) -> None:
    assert "workers: 2, state: embedded, shared by the workers" in workers.banner

    def fresh() -> httpx.Client:  # a new connection: the kernel hands it to either worker
        return httpx.Client(base_url=workers.url)

    with fresh() as setup:
        assert setup.post("/__mock/reset").status_code == 204
        assert setup.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404}).status_code == 201
        assert setup.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Milk"}}).status_code == 201
    seen: dict[str, list[int]] = {}
    for _ in range(200):
        with fresh() as client:
            worker = _worker_of(client)
            seen.setdefault(worker, []).extend([client.get(LAGO + "w", headers=BEARER).status_code,
                                                client.get(TODOS + "/todos/milk").status_code])
        if len(seen) == 2 and all(len(statuses) >= 4 for statuses in seen.values()):
            break
    assert len(seen) == 2, f"every connection went to one worker: {seen}"
    assert all(set(statuses) == {404, 200} and statuses[0::2] == [404] * (len(statuses) // 2)
               for statuses in seen.values()), seen
    with fresh() as client:
        assert len(client.get("/__mock/requests").json()["requests"]) == sum(len(s) for s in seen.values()) + 1
        assert client.post("/__mock/reset").status_code == 204


# -- the stores, in-process: both backends behave alike ---------------------------------------

@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    from mockserver.shared.store import open_store

    if request.param == "sqlite":
        opened = open_store(f"sqlite:{tmp_path / 'state.db'}")
    else:
        redis = request.getfixturevalue("redis")
        opened = open_store(redis.url.replace("/0", "/1"))  # a database of its own
        opened._client.flushdb()
    yield opened
    opened.close()


def test_a_store_keeps_changes_in_order_with_their_writes(store) -> None:
    first = store.commit({"op": "one"}, [("set", "~", "r|a|b|1", "x"), ("add_session", "s1")])
    second = store.commit({"op": "two"}, [("set", "s1", "s|1", "y"), ("del", "~", "r|a|b|1")])
    assert [change for _id, change in store.read("0", 0)] == [{"op": "one"}, {"op": "two"}]
    assert [change_id for change_id, _ in store.read(first, 0)] == [second]
    assert store.read(second, 10) == []  # nothing newer: waits, then nothing
    assert store.snapshot() == (second, {"~": {}, "s1": {"s|1": "y"}})
    assert [store.incr("s1", "n"), store.incr("s1", "n")] == [1, 2]
    store.commit({"op": "three"}, [("remove_session", "s1")])
    assert store.snapshot()[1] == {"~": {}}


def test_a_store_bounds_each_sessions_journal(store) -> None:
    store.journal_push([("~", f"e{i}", 3) for i in range(5)] + [("s1", "x", 3)])
    assert store.journal("~") == ["e2", "e3", "e4"]
    assert (store.journal_len("~"), store.journal("s1")) == (3, ["x"])
    store.journal_drop("~")
    assert store.journal("~") == []


def test_a_store_knows_who_has_applied_what(store) -> None:
    from mockserver.shared.store import caught_up

    change = store.commit({"op": "one"}, [])
    store.ack("p1", change)
    store.ack("p2", "0")
    assert not caught_up(store, change)
    store.ack("p2", change)
    assert caught_up(store, change)
    store.forget("p1")
    assert set(store.acks()) == {"p2"}
