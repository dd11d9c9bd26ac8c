"""Issue 22, one way to change state: typed changes, their one codec, and the sinks, in-process.

Every change to records, scenarios and sessions is a value (changes.py) handed to a sink
(sink.py); these tests check the codec the store's log uses, that the local sink applies each
change to the object it changes, that a conditional write is refused once the record moved on,
and the same over a real shared store (a SQLite file) with two replicas, as two processes have.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, get_args

import pytest

from mockserver.state import changes
from mockserver.state.changes import (GONE, UNWRITTEN, Barrier, ClockSet, Delete, Put, Reset, ScenarioAdded,
                                ScenarioRemoved, ScenarioTaken, SessionClosed, SessionOpened, SessionsUsed, Stale,
                                Written, Subscribed, Unsubscribed, DeliveryRecorded)
from mockserver.state.records import RecordStore
from mockserver.shared.replica import Replica
from mockserver.state.sessions import Sessions
from mockserver.state.session_state import Journal, State
from mockserver.shared.store import open_store

PET = SimpleNamespace(api="petstore", resource=None, operation_id="getPetById")  # what record_key reads
KEY = ("petstore", "getPetById")
SCENARIO = {"id": "1", "operation_ids": ["getPetById"], "path": None, "status": 404, "example": None,
            "delay_ms": None, "times": 2, "fault": None, "rate_limit": None}

EVERY_CHANGE = [
    Put("~", KEY, "7", {"id": 7, "name": "Rex"}, evict=("1",), order=3, expect=2),
    Delete("s1", KEY, "7", tombstone=True, expect=GONE),
    Written("~", KEY),
    Reset("s1"),
    ScenarioAdded("~", SCENARIO),
    ScenarioRemoved("~", None),
    ScenarioTaken("~", "1", 1, 2, SCENARIO),
    SessionOpened("s1"),
    SessionClosed("s1"),
    SessionsUsed(("s1", "s2")),
    ClockSet("s1", None, -3600.5, order=4, expect=UNWRITTEN),
    Subscribed("~", {"id": "wh_1", "url": "http://127.0.0.1:9/h", "secret": "whsec_AAAA", "events": None}),
    Unsubscribed("s1", "wh_1"),
    DeliveryRecorded("~", {"delivery": "evt_1", "attempt": 1, "verdict": "delivered"}),
    Barrier(),
]


def test_every_kind_of_change_is_tested_here() -> None:
    assert {type(change) for change in EVERY_CHANGE} == set(get_args(changes.Change))


@pytest.mark.parametrize("change", EVERY_CHANGE, ids=lambda change: type(change).__name__)
def test_a_change_round_trips_through_the_logs_json(change: changes.Change) -> None:
    import json

    data = changes.encode(change)
    assert json.loads(json.dumps(data)) == data  # JSON values only: tuples are lists there
    assert data["op"] and set(data) == {"op", *(field.name for field in fields(change))}
    assert changes.decode(json.loads(json.dumps(data))) == change


def test_the_log_format_of_a_put_is_what_the_store_keeps() -> None:
    assert changes.encode(EVERY_CHANGE[0]) == {"op": "put", "session": "~", "key": ["petstore", "getPetById"], "id": "7",
                                               "record": {"id": 7, "name": "Rex"}, "evict": ["1"], "order": 3,
                                               "expect": 2}


def test_an_unknown_change_is_refused() -> None:
    with pytest.raises(KeyError):
        changes.decode({"op": "rename", "session": "~"})


# -- the local sink -----------------------------------------------------------------------------

def new_state() -> State:
    return State(RecordStore(), Journal(10))


def test_the_local_sink_applies_each_change_to_the_part_it_changes() -> None:
    state = new_state()
    before = state.version.value
    state.records.put(PET, "7", {"id": 7})
    assert (state.records.get(PET, "7"), state.records.version_of(PET, "7")) == ({"id": 7}, 1)
    state.records.delete(PET, "7", tombstone=True)
    assert (state.records.get(PET, "7"), state.records.version_of(PET, "7")) == (None, GONE)
    scenario = state.scenarios.add({"operation_ids": ("getPetById",), "path": None, "status": 404, "times": 1})
    assert [s.id for s in state.scenarios.all()] == ["1"] and scenario.id == "1"
    state.reset()
    assert (state.scenarios.all(), state.records.get(PET, "7"), state.records.version_of(PET, "7")) == ([], None, UNWRITTEN)
    assert state.version.value == before + 5  # a reset bumps it for the scenarios and for the records


def test_record_numbers_start_again_after_a_reset_and_scenario_ids_go_on() -> None:
    state = new_state()
    assert [state.records.next_number(PET) for _ in range(3)] == [1, 2, 3]
    state.scenarios.add({"operation_ids": ("getPetById",), "path": None, "status": 404})
    state.reset()
    assert state.records.next_number(PET) == 1
    assert state.scenarios.add({"operation_ids": ("getPetById",), "path": None, "status": 404}).id == "2"


def test_one_process_makes_the_next_id_above_the_largest_stored() -> None:
    assert new_state().records.next_id(PET, 41) == 42


def test_a_write_that_read_an_older_version_is_refused() -> None:
    state = new_state()
    state.records.put(PET, "7", {"id": 7, "name": "Rex"})
    read = state.records.version_of(PET, "7")
    state.records.delete(PET, "7", tombstone=True, expect=read)
    with pytest.raises(Stale):
        state.records.put(PET, "7", {"id": 7, "name": "Max"}, expect=read)  # the PUT read it before the DELETE
    assert state.records.get(PET, "7") is None and state.records.is_deleted(PET, "7")
    state.records.put(PET, "7", {"id": 7, "name": "Max"}, expect=GONE)  # a create-if-absent of a deleted id
    assert state.records.get(PET, "7") == {"id": 7, "name": "Max"}


def test_a_scenarios_times_are_used_once_each_by_concurrent_threads() -> None:
    state = new_state()
    state.scenarios.add({"operation_ids": ("getPetById",), "path": None, "status": 404, "times": 50})
    op = SimpleNamespace(operation_id="getPetById", base_path="", path="/pet/{petId}")
    used: list[Any] = []

    def take() -> None:
        for _ in range(20):
            used.append(state.scenarios.take(op, "/pet/1"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for scenario in used if scenario is not None) == 50 and state.scenarios.all() == []


def test_sessions_open_and_close_through_their_sink() -> None:
    sessions = Sessions(new_state(), new_state, limit=2, idle_s=60)
    made = sessions.get("a")
    assert sessions.get("a") is made and sessions.names() == ["a"]
    assert sessions.remove("a") and sessions.existing("a") is None and not sessions.remove("a")


# -- a shared store: two replicas on one SQLite file, as two processes ---------------------------

@pytest.fixture()
def replicas(tmp_path: Path) -> Iterator[tuple[State, State]]:
    made = []
    for _ in range(2):
        sessions = Sessions(new_state(), new_state, limit=4, idle_s=60)
        made.append(Replica(open_store(f"sqlite:{tmp_path / 'state.db'}"), sessions).start())
    yield made[0].sessions.default, made[1].sessions.default
    for replica in made:
        replica.stop()
        replica.store.close()


def test_two_replicas_never_make_the_same_id(replicas: tuple[State, State]) -> None:
    made: list[int] = []

    def make(state: State) -> None:
        for _ in range(50):
            made.append(state.records.next_id(PET, 10))

    threads = [threading.Thread(target=make, args=(state,)) for state in replicas for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made) == list(range(11, 211))


def test_a_put_that_read_before_a_delete_on_the_other_replica_is_refused(replicas: tuple[State, State]) -> None:
    one, two = replicas
    one.records.put(PET, "7", {"id": 7, "name": "Rex"})
    read = one.records.version_of(PET, "7")
    assert read == two.records.version_of(PET, "7") > 0  # the order the store gave it, on both
    two.records.delete(PET, "7", tombstone=True, expect=read)
    with pytest.raises(Stale):
        one.records.put(PET, "7", {"id": 7, "name": "Max"}, expect=read)
    assert one.records.get(PET, "7") is None and two.records.get(PET, "7") is None  # caught up: the delete holds
    assert one.records.version_of(PET, "7") == two.records.version_of(PET, "7") == GONE


def test_a_replica_started_later_takes_versions_and_scenarios_from_the_store(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'state.db'}"
    first = Replica(open_store(url), Sessions(new_state(), new_state, limit=4, idle_s=60)).start()
    try:
        state = first.sessions.default
        state.records.put(PET, "7", {"id": 7})
        state.records.delete(PET, "8", tombstone=True)
        state.scenarios.add({"operation_ids": ("getPetById",), "path": None, "status": 404, "times": 2})
        first.sessions.get("s1").records.put(PET, "9", {"id": 9})
        later = Replica(open_store(url), Sessions(new_state(), new_state, limit=4, idle_s=60)).start()
        try:
            again = later.sessions.default
            assert again.records.version_of(PET, "7") == state.records.version_of(PET, "7") > 0
            assert (again.records.version_of(PET, "8"), again.records.get(PET, "7")) == (GONE, {"id": 7})
            assert [s.times for s in again.scenarios.all()] == [2]
            assert later.sessions.existing("s1").records.get(PET, "9") == {"id": 9}
        finally:
            later.stop()
    finally:
        first.stop()


# -- crud over the sink: a write decided again when the record moved between its read and write ---

PETSTORE_DOC = Path(__file__).resolve().parents[2] / "data" / "specs" / "petstore-3.0.yaml"
AUTH = {"api_key": "k", "Authorization": "Bearer k"}


def _interleaved(app: Any, change: Any) -> None:
    """The next read of pet 7 is followed at once by `change` (as another process's write
    between this request's read and its write)."""
    records = app.engine.state.records
    real_get = records.get

    def get(op: Any, record_id: str) -> Any:
        found = real_get(op, record_id)
        if found is not None and record_id == "7":
            del records.get  # back to the method: one interleaving only
            change(records, op)
        return found

    records.get = get


@pytest.mark.parametrize("between, status, after", [
    (lambda records, op: records.delete(op, "7", tombstone=True), 404, None),
    (lambda records, op: records.put(op, "7", {**records.get(op, "7"), "status": "sold"}), 200, "Max"),
], ids=["a delete: the put answers 404 and the pet stays deleted", "an update: the put is applied over it"])
def test_a_put_whose_record_moved_before_its_write_is_decided_again(between: Any, status: int, after: Any) -> None:
    import asyncio

    import httpx

    from mockserver.app import create_app
    from mockserver.base.config import ServeConfig

    app = create_app(ServeConfig(specs=(PETSTORE_DOC,), quiet=True))

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
            pet = {"id": 7, "name": "Rex", "photoUrls": [], "status": "available"}
            created = await client.post("/api/v3/pet", json=pet, headers=AUTH)
            assert created.status_code == 200
            _interleaved(app, between)
            put = await client.put("/api/v3/pet", json={**pet, "name": "Max"}, headers=AUTH)
            return [created, put, await client.get("/api/v3/pet/7", headers=AUTH)]

    created, put, get = asyncio.run(go())
    assert put.status_code == status
    if after is None:
        assert (put.content, get.status_code, get.content) == (b"", 404, b"")
    else:
        assert put.json() == get.json() == {**created.json(), "name": "Max"}  # its status over the other's "sold"


def test_a_write_is_decided_again_while_its_record_moves_and_the_last_refusal_goes_up() -> None:
    from mockserver.state.changes import STALE_RETRIES, Stale, until_current

    tries: list[int] = []

    def settles_on_the_third() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise Stale("moved")
        return "written"

    assert until_current(settles_on_the_third) == "written" and len(tries) == 3

    tries.clear()

    def never_settles() -> str:
        tries.append(1)
        raise Stale("moved again")

    with pytest.raises(Stale, match="moved again"):
        until_current(never_settles)
    assert len(tries) == STALE_RETRIES
