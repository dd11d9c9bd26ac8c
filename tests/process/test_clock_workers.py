"""The mock's clock across processes: `--workers 2` (a shared SQLite store) and two instances on
one Redis. A clock frozen, set and advanced on one connection is the clock of every process,
per session; concurrent advances on either process all count; `updated_at` moves by exactly
the advance; an instance started later takes the clock from the store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server
from tests.process.test_shared_state import Redis

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer t"}
T = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def workers() -> Iterator[RunningServer]:
    running = start_server("--workers", "2", "--spec", str(NOTES))
    yield running
    running.stop()
    assert "Traceback" not in running.log()


def _fresh(server: RunningServer, session: str | None = None) -> httpx.Client:
    """A new connection: the kernel hands it to either worker."""
    headers = {**AUTH, **({"x-mock-session": session} if session else {})}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def test_every_worker_reads_the_clock_one_set(workers: RunningServer) -> None:
    with _fresh(workers, "w1") as one:
        assert one.put("/__mock/clock", json={"freeze": True, "set": T}).status_code == 200
    for _ in range(8):
        with _fresh(workers, "w1") as any_worker:
            note = any_worker.post("/notes", json={"title": "a"})
            assert (note.status_code, note.json()["created_at"]) == (201, T)
            clock = any_worker.get("/__mock/clock").json()
            assert (clock["now"], clock["frozen"]) == ("2026-01-01T00:00:00.000Z", True)
    with _fresh(workers) as default:
        assert default.get("/__mock/clock").json()["frozen"] is False  # another session's clock


def test_concurrent_advances_on_both_workers_all_count_and_move_updated_at(workers: RunningServer) -> None:
    with _fresh(workers, "w2") as one:
        assert one.put("/__mock/clock", json={"freeze": True, "set": T}).status_code == 200
        note = one.post("/notes", json={"title": "a"}).json()

    def advance(_: int) -> int:
        with _fresh(workers, "w2") as any_worker:
            return any_worker.put("/__mock/clock", json={"advance": "PT1M"}).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(advance, range(60))) == [200] * 60
    for _ in range(4):
        with _fresh(workers, "w2") as any_worker:
            assert any_worker.get("/__mock/clock").json()["now"] == "2026-01-01T01:00:00.000Z"
    with _fresh(workers, "w2") as any_worker:
        changed = any_worker.patch(f"/notes/{note['id']}", json={"title": "b"})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["created_at"], changed.json()["updated_at"]) == (T, "2026-01-01T01:00:00Z")


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    server = Redis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def test_two_instances_on_redis_share_the_clock_and_a_new_one_takes_it(redis: Redis) -> None:
    """Two mocks on one Redis (two machines, say): concurrent advances on both count (the
    store checks the clock's version in its transaction), and an instance started later
    reads the clock from the store."""
    one, two = (start_server("--state", redis.url, "--spec", str(NOTES)) for _ in range(2))
    late = None
    try:
        assert httpx.put(one.url + "/__mock/clock", json={"freeze": True, "set": T},
                         headers={"x-mock-session": "r1"}).status_code == 200

        def advance(index: int) -> int:
            server = (one, two)[index % 2]
            return httpx.put(server.url + "/__mock/clock", json={"advance": 60}, headers={"x-mock-session": "r1"},
                             timeout=30).status_code

        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(advance, range(30))) == [200] * 30
        late = start_server("--state", redis.url, "--spec", str(NOTES))
        for server in (one, two, late):
            clock = httpx.get(server.url + "/__mock/clock", headers={"x-mock-session": "r1"}).json()
            assert (clock["now"], clock["frozen"]) == ("2026-01-01T00:30:00.000Z", True)
    finally:
        for server in (one, two, late):
            if server is not None:
                server.stop()
                assert "Traceback" not in server.log()
