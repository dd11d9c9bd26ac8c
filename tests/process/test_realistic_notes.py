"""Generated notes are a pure function of (operation, record id, seed) across processes (issue 24):
two servers with different hash salts answer the same bytes, and every reply passes the
contract's own validation (no contract violation in the log)."""

from __future__ import annotations

import httpx
import pytest

from tests.mockserver_process import REPO, start_server

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer t"}
PATHS = ["/notes?per_page=20", "/notes?per_page=5&page=3", *(f"/notes/n{i}" for i in range(8))]


def _answers(monkeypatch: pytest.MonkeyPatch, hash_seed: str, *args: str) -> list[tuple[int, bytes]]:
    monkeypatch.setenv("PYTHONHASHSEED", hash_seed)  # `hash()` differs between the two processes
    running = start_server("--spec", str(NOTES), *args)
    try:
        with httpx.Client(base_url=running.url, headers=AUTH) as client:
            answers = [(r.status_code, r.content) for r in (client.get(path) for path in PATHS)]
        log = running.log()
        assert "Traceback" not in log and "contract violation" not in log, log
        return answers
    finally:
        running.stop()


def test_two_processes_with_one_seed_answer_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _answers(monkeypatch, "1")
    second = _answers(monkeypatch, "2")
    assert [status for status, _ in first] == [200] * len(PATHS)
    assert first == second
    other = _answers(monkeypatch, "1", "--seed", "5")
    assert all(a != b for (_, a), (_, b) in zip(first, other))
    notes = httpx.Response(200, content=first[0][1]).json()["data"]
    assert all(note["title"] != note.get("body") and note["author"]["name"] != note["title"]
               for note in notes if "author" in note)
