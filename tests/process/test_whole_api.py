"""Issue 12: whole APIs as working fakes, on public documents and a hand-written one.

Each resource runs create -> read -> list (finds it, first, before the generated records that
stay beside it) -> update -> read (sees it) -> delete -> read (the declared 404) against the real
server. The mock validates every reply against the
contract before it leaves (a violation would be a 500), and each test also checks the log.
"""

from __future__ import annotations

import base64
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

SPECS = REPO / "tests" / "data" / "specs"
ANYDOC = REPO / "tests" / "data" / "anydoc"
PETSTORE = {"api_key": "k", "Authorization": "Bearer k"}
MUSEUM = {"Authorization": "Basic " + base64.b64encode(b"user:pass").decode()}
TODOS = "/todo-service/v2"
MUSEUM_BASE = "/_mock/docs/openapi/museum-api"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_server("--spec", str(SPECS / "petstore-3.0.yaml"), "--spec", str(SPECS / "museum-3.1.yaml"),
                           "--spec", str(ANYDOC / "todos-crud.yaml"))
    yield running
    assert "contract violation" not in running.log() and "Traceback" not in running.log()
    running.stop()


@pytest.fixture()
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/__mock/reset").status_code == 204
        yield client


# -- Petstore ------------------------------------------------------------------------------------

def test_petstore_pets(api: httpx.Client) -> None:
    created = api.post("/api/v3/pet", headers=PETSTORE, json={"id": 42, "name": "Rex", "photoUrls": [], "status": "available"})
    assert created.status_code == 200
    pet = created.json()
    assert (pet["id"], pet["name"], pet["status"]) == (42, "Rex", "available")
    assert api.get("/api/v3/pet/42", headers=PETSTORE).json() == pet
    listed = api.get("/api/v3/pet/findByStatus", params={"status": "available"}, headers=PETSTORE)
    assert listed.status_code == 200 and listed.json()[0] == pet  # then the generated available pets
    assert {p["status"] for p in listed.json()} == {"available"} and [p["id"] for p in listed.json()].count(42) == 1
    sold = api.get("/api/v3/pet/findByStatus", params={"status": "sold"}, headers=PETSTORE).json()
    assert sold and {p["status"] for p in sold} == {"sold"} and all(p["id"] != 42 for p in sold)
    updated = api.put("/api/v3/pet", headers=PETSTORE, json={"id": 42, "name": "Max", "photoUrls": []})
    assert updated.json() == {**pet, "name": "Max"}
    sold_now = api.post("/api/v3/pet/42", params={"status": "sold"}, headers=PETSTORE)  # the form update, by query
    assert sold_now.json() == {**pet, "name": "Max", "status": "sold"}
    assert api.get("/api/v3/pet/findByStatus", params={"status": "sold"}, headers=PETSTORE).json() == \
        [sold_now.json(), *sold]
    assert api.get("/api/v3/pet/42", headers=PETSTORE).json() == {**pet, "name": "Max", "status": "sold"}
    assert api.delete("/api/v3/pet/42", headers=PETSTORE).status_code == 200
    assert api.get("/api/v3/pet/42", headers=PETSTORE).status_code == 404
    assert api.put("/api/v3/pet", headers=PETSTORE, json={"id": 42, "name": "Ghost", "photoUrls": []}).status_code == 404


def test_petstore_assigns_the_next_integer_id_and_users_are_keyed_by_username(api: httpx.Client) -> None:
    first = api.post("/api/v3/pet", headers=PETSTORE, json={"name": "Nox", "photoUrls": []}).json()
    second = api.post("/api/v3/pet", headers=PETSTORE, json={"name": "Lux", "photoUrls": []}).json()
    assert (first["id"], second["id"]) == (1, 2)
    # after the largest int64 a client chose, the next assigned id is the smallest free one, not an overflow
    assert api.post("/api/v3/pet", headers=PETSTORE, json={"id": 2**63 - 1, "name": "Max", "photoUrls": []}).status_code == 200
    assert api.post("/api/v3/pet", headers=PETSTORE, json={"name": "Min", "photoUrls": []}).json()["id"] == 3
    user = api.post("/api/v3/user", json={"username": "ada", "email": "ada@example.com"})
    assert user.status_code == 200 and user.json()["username"] == "ada"
    assert api.get("/api/v3/user/ada").json() == user.json()
    assert api.put("/api/v3/user/ada", json={"username": "ada", "phone": "555-0100"}).status_code == 200
    assert api.get("/api/v3/user/ada").json() == {**user.json(), "phone": "555-0100"}
    again = api.post("/api/v3/user", json={"username": "ada", "email": "ada@example.org"})
    assert again.status_code == 200  # Petstore declares no conflict: a create on a taken key replaces the user
    assert api.get("/api/v3/user/ada").json() == again.json() and again.json()["email"] == "ada@example.org"
    assert api.delete("/api/v3/user/ada").status_code == 200
    assert api.get("/api/v3/user/ada").status_code == 404


def test_petstore_orders(api: httpx.Client) -> None:
    order = api.post("/api/v3/store/order", json={"id": 7, "petId": 1, "quantity": 2, "status": "placed"})
    assert order.status_code == 200 and order.json()["quantity"] == 2
    assert api.get("/api/v3/store/order/7").json() == order.json()
    assert api.delete("/api/v3/store/order/7").status_code == 200
    assert api.get("/api/v3/store/order/7").status_code == 404


# -- Museum --------------------------------------------------------------------------------------

def test_museum_special_events(api: httpx.Client) -> None:
    base = MUSEUM_BASE + "/special-events"
    body = {"name": "Mummy Night", "location": "Hall 3", "eventDescription": "Spooky", "dates": ["2024-10-31"], "price": 25}
    created = api.post(base, headers=MUSEUM, json=body)
    assert created.status_code == 201
    event = created.json()
    assert {key: event[key] for key in body} == body
    event_id = event["eventId"]
    assert api.get(f"{base}/{event_id}", headers=MUSEUM).json() == event
    listed = api.get(base, params={"limit": 30}, headers=MUSEUM).json()
    assert event in listed  # with the document's own example events, seeded
    assert api.patch(f"{base}/{event_id}", headers=MUSEUM, json={"price": 30}).json() == {**event, "price": 30}
    assert api.get(f"{base}/{event_id}", headers=MUSEUM).json()["price"] == 30
    assert api.delete(f"{base}/{event_id}", headers=MUSEUM).status_code == 204
    assert api.get(f"{base}/{event_id}", headers=MUSEUM).status_code == 404
    assert all(item["eventId"] != event_id for item in api.get(base, params={"limit": 30}, headers=MUSEUM).json())


def test_museum_list_pages_over_stored_events(api: httpx.Client) -> None:
    base = MUSEUM_BASE + "/special-events"
    for n in range(3):
        api.post(base, headers=MUSEUM, json={"name": f"Event {n}", "location": "Hall", "eventDescription": "-",
                                             "dates": ["2024-01-01"], "price": n})
    everything = api.get(base, params={"limit": 30}, headers=MUSEUM).json()
    first = api.get(base, params={"page": 1, "limit": 2}, headers=MUSEUM).json()
    second = api.get(base, params={"page": 2, "limit": 2}, headers=MUSEUM).json()
    assert first == everything[:2] and second == everything[2:4]


# -- a hand-written document: envelopes, client-chosen keys, merge patch, nested records ----------

def test_todos_with_envelopes_client_keys_and_merge_patch(api: httpx.Client) -> None:
    generated = api.get(TODOS + "/todos", params={"per_page": 50}).json()["todos"]
    assert generated and all(todo["code"] != "milk" for todo in generated)
    created = api.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Buy milk"}})
    assert created.status_code == 201
    todo = created.json()["todo"]
    # `done` is required without a default: a value the generator draws for "milk", not one to pin
    assert (todo["code"], todo["title"], type(todo["done"])) == ("milk", "Buy milk", bool)
    assert api.get(TODOS + "/todos/milk").json() == {"todo": todo}
    page = api.get(TODOS + "/todos", params={"per_page": 5}).json()  # the stored record first, then the generated
    total = len(generated) + 1
    assert page == {"todos": [todo, *generated[:4]], "meta": {"current_page": 1, "next_page": 2, "prev_page": None,
                                                              "total_pages": -(-total // 5), "total_count": total}}
    patched = api.patch(TODOS + "/todos/milk", content=b'{"todo": {"done": true, "notes": "semi-skimmed"}}',
                        headers={"content-type": "application/merge-patch+json"})
    assert patched.json() == {"todo": {**todo, "done": True, "notes": "semi-skimmed"}}
    removed = api.patch(TODOS + "/todos/milk", content=b'{"todo": {"notes": null}}',
                        headers={"content-type": "application/merge-patch+json"})
    assert "notes" not in removed.json()["todo"]  # RFC 7386: null removes
    done = api.get(TODOS + "/todos", params={"done": "true", "per_page": 50}).json()["todos"]
    assert done == [removed.json()["todo"], *(todo for todo in generated if todo["done"])]
    assert api.get(TODOS + "/todos", params={"done": "false", "per_page": 50}).json()["todos"] == \
        [todo for todo in generated if not todo["done"]]
    assert api.post(TODOS + "/todos/milk/complete").json() == removed.json()  # an action on the record
    assert api.delete(TODOS + "/todos/milk").json() == removed.json()
    gone = api.get(TODOS + "/todos/milk")
    assert (gone.status_code, gone.json()) == (404, {"error": "not_found", "message": "no such record"})
    assert api.post(TODOS + "/todos/milk/complete").status_code == 404


def test_todos_refuse_a_taken_key_and_an_invalid_body_in_the_services_shape(api: httpx.Client) -> None:
    generated = api.get(TODOS + "/todos").json()["meta"]["total_count"]
    assert api.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Buy milk"}}).status_code == 201
    taken = api.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Again"}})
    assert (taken.status_code, taken.json()) == (409, {"error": "conflict", "message": "code already taken"})
    invalid = api.post(TODOS + "/todos", json={"todo": {"code": "bread"}})  # no title: the declared 422
    assert (invalid.status_code, invalid.json()) == (422, {"error": "unprocessable_entity", "message": "invalid todo"})
    assert "'title' is a required property" in invalid.headers["x-mock-problem"]
    wrong_type = api.post(TODOS + "/todos", json={"todo": {"code": "bread", "title": 7}})
    assert wrong_type.status_code == 422
    assert api.get(TODOS + "/todos").json()["meta"]["total_count"] == generated + 1  # nothing refused was stored


def test_nested_tasks_belong_to_their_project(api: httpx.Client) -> None:
    generated = {project: api.get(f"{TODOS}/projects/{project}/tasks").json() for project in ("p1", "p2")}
    assert generated["p1"] != generated["p2"]  # each project its own generated tasks
    one = api.post(TODOS + "/projects/p1/tasks", json={"name": "Write tests"})
    assert (one.status_code, one.json()["id"], one.json()["name"]) == (201, 1, "Write tests")
    two = api.post(TODOS + "/projects/p1/tasks", json={"name": "Ship"}).json()
    other = api.post(TODOS + "/projects/p2/tasks", json={"name": "Other"}).json()

    def beside(project: str, *stored: dict) -> list[dict]:  # stored first, then the generated ones (ids not taken)
        return [*stored, *(task for task in generated[project] if task["id"] not in {t["id"] for t in stored})]

    assert api.get(TODOS + "/projects/p1/tasks").json() == beside("p1", one.json(), two)
    assert api.get(TODOS + "/projects/p2/tasks").json() == beside("p2", other)
    replaced = api.put(TODOS + "/projects/p1/tasks/2", json={"name": "Ship it", "estimate_hours": 3})
    assert replaced.json() == {"id": 2, "name": "Ship it", "estimate_hours": 3}
    assert api.get(TODOS + "/projects/p1/tasks/2").json() == replaced.json()
    assert api.delete(TODOS + "/projects/p1/tasks/2").status_code == 204
    assert api.get(TODOS + "/projects/p1/tasks/2").status_code == 404
    assert api.get(TODOS + "/projects/p1/tasks").json() == [task for task in beside("p1", one.json()) if task["id"] != 2]
    invalid = api.post(TODOS + "/projects/p1/tasks", json={"estimate_hours": 2})  # no name: the declared 400
    assert (invalid.status_code, invalid.json()["error"]) == (400, "bad_request")


# -- one store, determinism, bounds, inference shown ----------------------------------------------

def test_created_records_are_the_control_apis_records(api: httpx.Client) -> None:
    api.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Buy milk"}})
    stored = api.get("/__mock/records/findTodo/milk")
    assert stored.status_code == 200 and stored.json()["title"] == "Buy milk"
    assert api.put("/__mock/records/findTodo/eggs", json={"code": "eggs", "title": "Eggs", "done": False,
                                                         "created_at": "2026-01-01T00:00:00Z"}).status_code in (200, 201)
    codes = [todo["code"] for todo in api.get(TODOS + "/todos").json()["todos"]]
    assert codes[:2] == ["milk", "eggs"] and codes.count("milk") == codes.count("eggs") == 1  # then the generated


def test_a_server_assigned_id_never_takes_a_stored_records(api: httpx.Client) -> None:
    """After a reset the assigned ids start again; one a stored record holds is skipped."""
    base = MUSEUM_BASE + "/special-events"
    event = {"name": "N", "location": "L", "eventDescription": "D", "dates": ["2024-01-01"], "price": 1}
    first = api.post(base, headers=MUSEUM, json=event).json()["eventId"]
    api.post("/__mock/reset")
    mine = {**event, "eventId": first, "name": "Mine"}
    assert api.put(f"/__mock/records/getSpecialEvent/{first}", json=mine).status_code in (200, 201)
    again = api.post(base, headers=MUSEUM, json=event).json()["eventId"]
    assert again != first
    assert api.get(f"{base}/{first}", headers=MUSEUM).json()["name"] == "Mine"


def test_the_same_requests_from_a_reset_give_the_same_bytes(api: httpx.Client) -> None:
    def run() -> list[bytes]:
        api.post("/__mock/reset")  # the wall clock back: a create is stamped now, so hold the clock still
        assert api.put("/__mock/clock", json={"freeze": True, "set": "2026-01-01T00:00:00Z"}).status_code == 200
        replies = [
            api.post("/api/v3/pet", headers=PETSTORE, json={"name": "Nox", "photoUrls": []}),
            api.post(TODOS + "/todos", json={"todo": {"code": "milk", "title": "Buy milk"}}),
            api.post(TODOS + "/projects/p1/tasks", json={"name": "Ship"}),
            api.post(MUSEUM_BASE + "/special-events", headers=MUSEUM, json={
                "name": "N", "location": "L", "eventDescription": "D", "dates": ["2024-01-01"], "price": 1}),
            api.get(TODOS + "/todos"),
            api.get(MUSEUM_BASE + "/special-events", headers=MUSEUM),
        ]
        return [reply.content for reply in replies]

    assert run() == run()


def test_resources_shows_what_was_inferred(api: httpx.Client) -> None:
    operations = {entry["operationId"]: entry for entry in api.get("/__mock/resources").json()["operations"]}
    assert operations["addPet"] | {} == {
        "api": "petstore-3.0", "operationId": "addPet", "method": "POST", "path": "/api/v3/pet", "resource": "/pet",
        "role": "create", "id_field": "id", "id_parameter": None, "parents": [], "response_envelope": [],
        "items": None, "request_envelope": [], "source": "inferred"}
    assert (operations["findTodo"]["role"], operations["findTodo"]["response_envelope"]) == ("read", ["todo"])
    assert operations["listTasks"]["parents"] == ["projectId"]
    assert operations["getInventory"]["resource"] is None


def test_records_per_resource_are_capped_oldest_first() -> None:
    # the stored records exactly: no generated ones beside them
    capped = start_server("--spec", str(ANYDOC / "todos-crud.yaml"), "--records-per-resource", "2", "--empty-collections")
    try:
        for code in ("a", "b", "c"):
            assert httpx.post(capped.url + TODOS + "/todos", json={"todo": {"code": code, "title": code}}).status_code == 201
        codes = [todo["code"] for todo in httpx.get(capped.url + TODOS + "/todos").json()["todos"]]
        assert codes == ["b", "c"]
        health = httpx.get(capped.url + "/__mock/health").json()
        assert (health["records_evicted"], health["records_per_resource"], health["records"]) == (1, 2, 2)
    finally:
        capped.stop()
