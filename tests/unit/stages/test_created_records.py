"""Created records in-process, on the notes document: schema defaults, write-time timestamps
from the one clock (`crud.write_time`, replaced here so the times are exact), equality filters
on generated lists, and `keep_generated`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from mockserver.stages import crud
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer t", "content-type": "application/json"}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    def __call__(self, session_clock: object = None) -> dt.datetime:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(crud, "write_time", clock)
    return clock


@pytest.fixture(scope="module")
def notes() -> InProcess:
    return InProcess(NOTES, allowed_hosts=("mock.test",))


def _call(mock: InProcess, method: str, path: str, body: Any = None) -> Any:
    response = mock.request(method, path, AUTH, None if body is None else json.dumps(body).encode())
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture()
def api(notes: InProcess) -> InProcess:
    assert notes.request("POST", "/__mock/reset").status_code == 204
    return notes


def test_create_takes_the_default_and_the_clock(api: InProcess, clock: Clock) -> None:
    note = _call(api, "POST", "/notes", {"title": "Groceries"})
    assert (note["status"], note["created_at"], note["updated_at"]) == ("draft", "2030-01-02T03:04:05Z",
                                                                       "2030-01-02T03:04:05Z")
    assert _call(api, "GET", f"/notes/{note['id']}") == note


def test_a_sent_status_and_a_sent_created_at(api: InProcess, clock: Clock) -> None:
    response = api.request("POST", "/notes", AUTH, json.dumps(
        {"title": "Old", "status": "published", "created_at": "2001-01-01T00:00:00Z"}).encode())
    if response.status_code == 201:  # readOnly: the server's clock either way
        assert (response.json()["status"], response.json()["created_at"]) == ("published", "2030-01-02T03:04:05Z")


def test_update_moves_updated_at_only(api: InProcess, clock: Clock) -> None:
    note = _call(api, "POST", "/notes", {"title": "Groceries"})
    clock.now += dt.timedelta(minutes=5)
    changed = _call(api, "PATCH", f"/notes/{note['id']}", {"title": "Shopping", "created_at": "2001-01-01T00:00:00Z"})
    assert changed == {**note, "title": "Shopping", "updated_at": "2030-01-02T03:09:05Z"}


def test_a_clock_behind_the_record_never_moves_it_back(api: InProcess, clock: Clock) -> None:
    note = _call(api, "POST", "/notes", {"title": "Groceries"})
    clock.now -= dt.timedelta(days=400)
    changed = _call(api, "PATCH", f"/notes/{note['id']}", {"status": "archived"})
    assert (changed["created_at"], changed["updated_at"]) == (note["created_at"], note["created_at"])


def test_patching_a_generated_note_keeps_its_creation(api: InProcess, clock: Clock) -> None:
    generated = _call(api, "GET", "/notes/some-note")
    changed = _call(api, "PATCH", "/notes/some-note", {"status": "archived"})
    assert (changed["created_at"], changed["updated_at"]) == (generated["created_at"], "2030-01-02T03:04:05Z")


@pytest.mark.parametrize("status", ["draft", "published", "archived"])
def test_a_generated_list_holds_only_what_the_filter_asks(api: InProcess, status: str) -> None:
    page = _call(api, "GET", f"/notes?status={status}&per_page=100")
    assert page["data"] and {note["status"] for note in page["data"]} == {status}
    assert page["meta"]["total"] == len(page["data"])


def test_a_value_the_parameter_refuses_is_the_clients_mistake(api: InProcess) -> None:
    assert api.request("GET", "/notes?status=lost", AUTH).status_code == 400


def test_keep_generated_lists_both_and_forgets_a_deleted_one(clock: Clock) -> None:
    kept = InProcess(NOTES)
    before = _call(kept, "GET", "/notes?per_page=100")
    note = _call(kept, "POST", "/notes", {"title": "Mine"})
    after = _call(kept, "GET", "/notes?per_page=100")
    assert after["data"] == [note, *before["data"]]
    assert after["meta"] == {**before["meta"], "total": before["meta"]["total"] + 1}
    gone = before["data"][0]
    _call(kept, "DELETE", f"/notes/{gone['id']}")
    patched = _call(kept, "PATCH", f"/notes/{before['data'][1]['id']}", {"title": "Renamed"})
    listed = _call(kept, "GET", "/notes?per_page=100")["data"]
    assert listed == [note, patched, *before["data"][2:]]
    drafts = _call(kept, "GET", "/notes?status=draft&per_page=100")["data"]
    assert drafts == [n for n in listed if n["status"] == "draft"] and note in drafts


@pytest.mark.parametrize("status", ["available", "pending", "sold"])
def test_a_generated_list_that_is_not_paged_honours_the_filter(status: str) -> None:
    petstore = InProcess(REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml")
    response = petstore.get(f"/api/v3/pet/findByStatus?status={status}", {"api_key": "k", "Authorization": "Bearer k"})
    assert response.status_code == 200, response.text
    assert response.json() and {pet["status"] for pet in response.json()} == {status}


def test_the_resources_page_names_a_lists_filters(notes: InProcess) -> None:
    described = {op["operationId"]: op for op in notes.get("/__mock/resources").json()["operations"]}
    assert described["listNotes"]["filters"] == ["status"]
    assert "filters" not in described["createNote"]
