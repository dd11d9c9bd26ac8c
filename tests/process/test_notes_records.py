"""Created records and generated lists as a client of a notes API expects them (issue 24):
schema defaults on create, write-time `created_at`/`updated_at`, equality filters on generated
lists, and generated notes kept beside created ones (the default; `--empty-collections` for an
empty start)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer t"}


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _serve(*args: str) -> Iterator[httpx.Client]:
    running: RunningServer = start_server("--spec", str(NOTES), *args)
    try:
        with httpx.Client(base_url=running.url, headers=AUTH) as client:
            yield client
        log = running.log()
        assert "Traceback" not in log and "contract violation" not in log, log
    finally:
        running.stop()


@pytest.fixture(scope="module")
def notes() -> Iterator[httpx.Client]:
    yield from _serve()


@pytest.fixture(scope="module")
def empty() -> Iterator[httpx.Client]:
    yield from _serve("--empty-collections")


@pytest.fixture()
def api(notes: httpx.Client) -> httpx.Client:
    assert notes.post("/__mock/reset").status_code == 204
    return notes


def test_a_created_note_takes_the_schema_defaults(api: httpx.Client) -> None:
    for number in range(8):  # a generated status is draft one time in three: eight agreeing are the default
        created = api.post("/notes", json={"title": f"Groceries {number}"})
        assert created.status_code == 201, created.text
        note = created.json()
        assert (note["title"], note["status"]) == (f"Groceries {number}", "draft")
        assert api.get(f"/notes/{note['id']}").json() == note


def test_a_sent_value_wins_over_the_default(api: httpx.Client) -> None:
    note = api.post("/notes", json={"title": "Done", "status": "archived"}).json()
    assert note["status"] == "archived"


def test_timestamps_are_the_moment_of_the_write(api: httpx.Client) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    note = api.post("/notes", json={"title": "Groceries"}).json()
    after = dt.datetime.now(dt.UTC)
    assert note["created_at"] == note["updated_at"]
    assert before <= _when(note["created_at"]) <= after
    patched = api.patch(f"/notes/{note['id']}", json={"status": "published"})
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert changed["created_at"] == note["created_at"]
    assert _when(changed["updated_at"]) >= _when(note["created_at"])
    assert _when(changed["updated_at"]) >= before
    assert api.get(f"/notes/{note['id']}").json() == changed


def test_a_sent_timestamp_is_not_the_clients(api: httpx.Client) -> None:
    """readOnly: the server's clock, whatever the body says (the contract may refuse it)."""
    created = api.post("/notes", json={"title": "Old", "created_at": "2001-01-01T00:00:00Z"})
    if created.status_code == 201:
        assert created.json()["created_at"] != "2001-01-01T00:00:00Z"


def test_a_generated_list_honours_an_equality_filter(api: httpx.Client) -> None:
    listed = api.get("/notes", params={"status": "draft", "per_page": 50})
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert data and {note["status"] for note in data} == {"draft"}


def test_a_stored_list_honours_an_equality_filter(api: httpx.Client) -> None:
    generated = api.get("/notes", params={"status": "draft", "per_page": 100}).json()
    draft = api.post("/notes", json={"title": "One"}).json()
    published = api.post("/notes", json={"title": "Two", "status": "published"}).json()
    listed = api.get("/notes", params={"status": "draft", "per_page": 100}).json()
    assert listed["data"] == [draft, *generated["data"]] and published not in listed["data"]
    assert listed["meta"] == {"page": 1, "per_page": 100, "total": generated["meta"]["total"] + 1}


def test_empty_collections_list_only_what_was_stored(empty: httpx.Client) -> None:
    """`--empty-collections`: empty from the start, then exactly what clients stored."""
    assert empty.post("/__mock/reset").status_code == 204
    assert empty.get("/notes").json() == {"data": [], "meta": {"page": 1, "per_page": 20, "total": 0}}
    note = empty.post("/notes", json={"title": "Only"}).json()
    assert empty.get("/notes").json() == {"data": [note], "meta": {"page": 1, "per_page": 20, "total": 1}}


def test_generated_notes_stay_beside_created_ones(api: httpx.Client) -> None:
    kept = api
    before = kept.get("/notes", params={"per_page": 100}).json()
    note = kept.post("/notes", json={"title": "Mine"}).json()
    after = kept.get("/notes", params={"per_page": 100}).json()
    assert after["meta"]["total"] == before["meta"]["total"] + 1
    assert after["data"][0] == note
    assert len(after["data"]) == after["meta"]["total"] > 1
    drafts = kept.get("/notes", params={"status": "draft", "per_page": 100}).json()["data"]
    assert note in drafts and {n["status"] for n in drafts} == {"draft"}
    published = kept.get("/notes", params={"status": "published", "per_page": 100}).json()["data"]
    assert note not in published and {n["status"] for n in published} <= {"published"}
    gone = after["data"][1]
    assert kept.delete(f"/notes/{gone['id']}").status_code == 204
    left = kept.get("/notes", params={"per_page": 100}).json()
    assert gone not in left["data"] and left["meta"]["total"] == after["meta"]["total"] - 1


@pytest.fixture(scope="module")
def workers() -> Iterator[RunningServer]:
    running = start_server("--workers", "2", "--spec", str(NOTES))
    yield running
    running.stop()
    assert "Traceback" not in running.log() and "contract violation" not in running.log()


def test_concurrent_creates_and_patches_across_workers(workers: RunningServer) -> None:
    """Each request on a fresh connection (the kernel hands it to either worker): every created
    note is a timestamped draft, every list shows the same generated notes beside all of them."""
    def client() -> httpx.Client:
        return httpx.Client(base_url=workers.url, headers=AUTH, timeout=30)

    with client() as first:
        assert first.post("/__mock/reset").status_code == 204
        generated = first.get("/notes", params={"per_page": 100}).json()["data"]

    def create(index: int) -> dict:
        with client() as one:
            reply = one.post("/notes", json={"title": f"Note {index}"})
            assert reply.status_code == 201, reply.text
            return reply.json()

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(create, range(24)))
    assert [(n["title"], n["status"]) for n in made] == [(f"Note {i}", "draft") for i in range(24)]
    assert all(n["created_at"] == n["updated_at"] for n in made)

    def patch(index: int) -> dict:
        with client() as one:
            reply = one.patch(f"/notes/{made[0]['id']}", json={"body": f"edit {index}"})
            assert reply.status_code == 200, reply.text
            return reply.json()

    with ThreadPoolExecutor(8) as pool:
        edits = list(pool.map(patch, range(16)))
    assert all(e["created_at"] == made[0]["created_at"] and _when(e["updated_at"]) >= _when(e["created_at"])
               for e in edits)
    for _ in range(4):  # either worker: the same list
        with client() as one:
            listed = one.get("/notes", params={"per_page": 100}).json()
        ids = [n["id"] for n in listed["data"]]
        assert sorted(ids) == sorted([n["id"] for n in made] + [n["id"] for n in generated])
        assert listed["meta"]["total"] == len(made) + len(generated)
