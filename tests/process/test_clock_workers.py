"""The mock's clock across `--workers 2` (a shared SQLite store): a clock frozen, set and advanced
on one connection is the clock of every worker, per session; concurrent advances on fresh
connections (either worker) all count; `updated_at` moves by exactly the advance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

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
