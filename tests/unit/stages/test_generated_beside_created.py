"""Issue 24: the generated items stay visible beside created ones, unless `--empty-collections`.

A list is the stored records first, then the resource's generated collection: the same before
and after a write, every generated item the record a read of its id answers, a deleted one gone
(its read the declared 404), an updated one shown once, as updated; totals and pages count both,
filters hold on both. In-process, on the notes document (no examples) and Museum (examples)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.inprocess import InProcess
from tests.mockserver_process import REPO

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
MUSEUM = REPO / "tests" / "data" / "specs" / "museum-3.1.yaml"
AUTH = {"Authorization": "Bearer t", "content-type": "application/json"}


def _call(mock: InProcess, method: str, path: str, body: Any = None, status: int | None = None) -> Any:
    response = mock.request(method, path, AUTH, None if body is None else json.dumps(body).encode())
    assert response.status_code < 300 if status is None else response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def notes() -> InProcess:
    return InProcess(NOTES, allowed_hosts=("mock.test",))


@pytest.fixture()
def api(notes: InProcess) -> InProcess:
    assert notes.request("POST", "/__mock/reset").status_code == 204
    return notes


def test_a_created_note_comes_first_and_the_generated_ones_stay(api: InProcess) -> None:
    before = _call(api, "GET", "/notes?per_page=100")
    assert 10 <= before["meta"]["total"] == len(before["data"]) < 50
    note = _call(api, "POST", "/notes", {"title": "Mine"})
    after = _call(api, "GET", "/notes?per_page=100")
    assert after == {"data": [note, *before["data"]],
                     "meta": {"page": 1, "per_page": 100, "total": before["meta"]["total"] + 1}}


def test_pages_count_stored_and_generated_records(api: InProcess) -> None:
    generated = _call(api, "GET", "/notes?per_page=100")["data"]
    made = [_call(api, "POST", "/notes", {"title": f"Note {n}"}) for n in range(3)]
    everything = [*made, *generated]
    pages = [_call(api, "GET", f"/notes?per_page=5&page={page}") for page in range(1, len(everything) // 5 + 2)]
    assert [note for page in pages for note in page["data"]] == everything
    assert all(page["meta"] == {"page": n, "per_page": 5, "total": len(everything)} for n, page in enumerate(pages, 1))


def test_every_listed_generated_note_is_the_one_its_read_answers(api: InProcess) -> None:
    listed = _call(api, "GET", "/notes?per_page=100")["data"]
    assert [_call(api, "GET", f"/notes/{note['id']}") for note in listed] == listed


def test_a_deleted_generated_note_is_gone_and_an_updated_one_shows_once(api: InProcess) -> None:
    listed = _call(api, "GET", "/notes?per_page=100")["data"]
    gone, changed = listed[0], listed[1]
    _call(api, "DELETE", f"/notes/{gone['id']}", status=204)
    _call(api, "GET", f"/notes/{gone['id']}", status=404)
    patched = _call(api, "PATCH", f"/notes/{changed['id']}", {"title": "Renamed"})
    assert {k: v for k, v in patched.items() if k not in ("title", "updated_at")} == \
        {k: v for k, v in changed.items() if k not in ("title", "updated_at")}  # the listed note, changed
    after = _call(api, "GET", "/notes?per_page=100")
    assert after["data"] == [patched, *listed[2:]]
    assert after["meta"]["total"] == len(listed) - 1


def test_a_filter_holds_on_stored_and_generated_notes(api: InProcess) -> None:
    listed = _call(api, "GET", "/notes?per_page=100")["data"]
    mine = _call(api, "POST", "/notes", {"title": "Mine"})  # a draft, the schema's default
    for status in ("draft", "published", "archived"):
        page = _call(api, "GET", f"/notes?status={status}&per_page=100")
        expected = [*([mine] if status == "draft" else []), *(n for n in listed if n["status"] == status)]
        assert page == {"data": expected, "meta": {"page": 1, "per_page": 100, "total": len(expected)}}
        assert expected  # every status has some notes to show


def test_sessions_share_the_generated_notes_not_the_created_ones(api: InProcess) -> None:
    def in_session(name: str, method: str, path: str, body: Any = None) -> Any:
        response = api.request(method, path, {**AUTH, "x-mock-session": name},
                               None if body is None else json.dumps(body).encode())
        assert response.status_code < 300, response.text
        return response.json()

    generated = in_session("a", "GET", "/notes?per_page=100")["data"]
    note = in_session("b", "POST", "/notes", {"title": "B's"})
    assert in_session("b", "GET", "/notes?per_page=100")["data"] == [note, *generated]
    assert in_session("a", "GET", "/notes?per_page=100")["data"] == generated


def test_empty_collections_start_empty_and_list_what_was_stored() -> None:
    empty = InProcess(NOTES, empty_collections=True)
    assert _call(empty, "GET", "/notes?per_page=5") == {"data": [], "meta": {"page": 1, "per_page": 5, "total": 0}}
    note = _call(empty, "POST", "/notes", {"title": "Only"})
    assert _call(empty, "GET", "/notes?per_page=5") == {"data": [note], "meta": {"page": 1, "per_page": 5, "total": 1}}
    assert _call(empty, "GET", "/notes/not-stored")["id"] == "not-stored"  # reads: --unknown-ids decides


def test_every_generated_item_of_a_document_with_examples_has_its_id() -> None:
    museum = InProcess(MUSEUM)
    headers = {"Authorization": "Basic " + base64.b64encode(b"user:pass").decode()}
    base = "/_mock/docs/openapi/museum-api/special-events"
    listed = museum.get(base + "?limit=30", headers)
    assert listed.status_code == 200 and len(listed.json()) >= 10
    for event in listed.json():
        assert museum.get(f"{base}/{event['eventId']}", headers).json() == event


NAMING = REPO / "tests" / "data" / "anydoc" / "resource-naming.yaml"


@pytest.mark.parametrize("create, body, form, listing, items", [
    ("/v1/customers", None, "email=ada%40example.com&name=Ada", "/v1/customers?limit=100", ("data",)),
    ("/repos/o/r/issues", {"title": "Bug"}, None, "/repos/o/r/issues?per_page=100", ()),
    ("/repos/o/r/pulls", {"title": "Fix it"}, None, "/repos/o/r/pulls?per_page=100", ()),  # items shaped otherwise
    ("/bookings", {"guest": "Ada", "nights": 2}, None, "/bookings", ("data",)),  # an allOf envelope
    ("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "settings"}, "data": {"mode": "fast"}}, None,
     "/api/v1/namespaces/default/configmaps", ("items",)),  # the id in `metadata`
    ("/v1/transfers/tr_1/reversals", None, "amount=100", "/v1/transfers/tr_1/reversals?limit=100", ("data",)),
])
def test_other_shapes_list_the_created_record_first_then_generated_ones(
        create: str, body: Any, form: str | None, listing: str, items: tuple[str, ...]) -> None:
    """Envelopes, parents, ids inside `metadata`, items shaped otherwise than the record: the
    created record first, generated ones after it, every reply valid (a violation is a 500)."""
    mock = InProcess(NAMING)

    def call(method: str, path: str, payload: Any = None, text: str | None = None) -> Any:
        headers, content = {}, None
        if payload is not None:
            headers, content = {"content-type": "application/json"}, json.dumps(payload).encode()
        if text is not None:
            headers, content = {"content-type": "application/x-www-form-urlencoded"}, text.encode()
        response = mock.request(method, "/naming" + path, headers, content)
        assert response.status_code < 300, response.text
        return response.json()

    def listed() -> list[Any]:
        found = call("GET", listing)
        for key in items:
            found = found[key]
        return found

    before = listed()
    created = call("POST", create, body, form)
    if create == "/bookings":  # the create answers `{"data": booking}`
        created = created["data"]
    after = listed()
    assert len(before) >= 1 and len(after) == len(before) + 1
    key = (lambda r: r["metadata"]["name"]) if "configmaps" in create else \
        (lambda r: r.get("number", r.get("id")))
    assert key(after[0]) == key(created) and [key(r) for r in after[1:]] == [key(r) for r in before]


PETS_WITH_AN_EXAMPLE = """
openapi: 3.0.3
info: {title: Pets, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: pets
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
              example: [{id: 1, name: Rex}, {id: 2, name: Tom}]
    post:
      operationId: createPet
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
      responses:
        '201': {description: made, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: a pet, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
        '404': {description: no such pet}
components:
  schemas:
    Pet: {type: object, required: [id, name], properties: {id: {type: integer}, name: {type: string}}}
"""


def test_an_unpaged_lists_own_example_is_its_collection_as_written(tmp_path: Any) -> None:
    document = tmp_path / "pets.yaml"
    document.write_text(PETS_WITH_AN_EXAMPLE)
    pets = InProcess(document)
    headers = {"content-type": "application/json"}
    assert pets.get("/pets").json() == [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}]
    assert pets.request("POST", "/pets", headers, b'{"id": 7, "name": "Max"}').status_code == 201
    assert pets.request("POST", "/pets", headers, b'{"id": 2, "name": "Tim"}').status_code == 201
    assert pets.get("/pets").json() == [{"id": 7, "name": "Max"}, {"id": 2, "name": "Tim"}, {"id": 1, "name": "Rex"}]
