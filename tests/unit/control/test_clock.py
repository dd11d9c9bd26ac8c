"""`GET/PUT /__mock/clock` in-process, on the notes document: a frozen clock stamps records,
an advance moves `updated_at` exactly, each session has its own clock, a reset gives the wall
clock back, rate-limit windows follow the clock, and a bad body is a 422 problem."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from mockserver.shared.replica import Replica
from mockserver.shared.store import open_store
from mockserver.state.changes import ClockSet, Stale, decode, encode, until_current
from mockserver.state.clock import Clock
from mockserver.state.records import RecordStore
from mockserver.state.session_state import Journal, State
from mockserver.state.sessions import Sessions
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer t", "content-type": "application/json"}
JSON = {"content-type": "application/json"}
T = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def notes() -> InProcess:
    return InProcess(NOTES, allowed_hosts=("mock.test",))


@pytest.fixture()
def api(notes: InProcess) -> InProcess:
    assert notes.request("POST", "/__mock/reset").status_code == 204
    assert notes.request("POST", "/__mock/reset", {"x-mock-session": "other"}).status_code == 204
    return notes


def _clock(api: InProcess, body: Any, headers: dict[str, str] | None = None) -> Any:
    response = api.request("PUT", "/__mock/clock", {**JSON, **(headers or {})}, json.dumps(body).encode())
    assert response.status_code == 200, response.text
    return response.json()


def _call(api: InProcess, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    response = api.request(method, path, {**AUTH, **(headers or {})}, None if body is None else json.dumps(body).encode())
    assert response.status_code < 300, response.text
    return response.json()


def test_the_default_is_the_wall_clock(api: InProcess) -> None:
    clock = api.get("/__mock/clock").json()
    assert (clock["frozen"], clock["offset_s"]) == (False, 0)


def test_frozen_and_set(api: InProcess) -> None:
    clock = _clock(api, {"freeze": True, "set": T})
    assert (clock["now"], clock["frozen"]) == ("2026-01-01T00:00:00.000Z", True) and clock["offset_s"] < 0
    assert api.get("/__mock/clock").json()["now"] == "2026-01-01T00:00:00.000Z"


def test_freeze_gives_two_creates_the_same_created_at(api: InProcess) -> None:
    _clock(api, {"freeze": True, "set": T})
    first, second = _call(api, "POST", "/notes", {"title": "a"}), _call(api, "POST", "/notes", {"title": "b"})
    assert first["created_at"] == second["created_at"] == T


def test_advance_moves_updated_at_exactly(api: InProcess) -> None:
    _clock(api, {"freeze": True, "set": T})
    note = _call(api, "POST", "/notes", {"title": "a"})
    assert _clock(api, {"advance": "PT1H"})["now"] == "2026-01-01T01:00:00.000Z"
    changed = _call(api, "PATCH", f"/notes/{note['id']}", {"title": "b"})
    assert (changed["created_at"], changed["updated_at"]) == (T, "2026-01-01T01:00:00Z")
    assert _clock(api, {"advance": 90})["now"] == "2026-01-01T01:01:30.000Z"


def test_a_running_clock_set_runs_on_from_there(api: InProcess) -> None:
    clock = _clock(api, {"set": "2030-06-01T12:00:00+02:00"})
    assert clock["frozen"] is False and clock["now"].startswith("2030-06-01T10:00:")
    note = _call(api, "POST", "/notes", {"title": "a"})
    assert note["created_at"].startswith("2030-06-01T10:0")


def test_each_session_has_its_own_clock(api: InProcess) -> None:
    _clock(api, {"freeze": True, "set": T}, {"x-mock-session": "other"})
    assert api.get("/__mock/clock").json()["frozen"] is False
    assert _call(api, "POST", "/notes", {"title": "a"}, {"x-mock-session": "other"})["created_at"] == T
    assert _call(api, "POST", "/notes", {"title": "a"})["created_at"] != T


def test_reset_gives_the_wall_clock_back(api: InProcess) -> None:
    _clock(api, {"freeze": True, "set": T})
    assert api.request("POST", "/__mock/reset").status_code == 204
    assert api.get("/__mock/clock").json()["frozen"] is False


def test_a_rate_limit_window_follows_the_clock(api: InProcess) -> None:
    _clock(api, {"freeze": True, "set": T})
    scenario = {"operationId": "listNotes", "rate_limit": {"requests": 1, "window_s": 60}}
    assert api.request("POST", "/__mock/scenarios", JSON, json.dumps(scenario).encode()).status_code == 201
    assert api.request("GET", "/notes", AUTH).status_code == 200
    limited = api.request("GET", "/notes", AUTH)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "60")  # frozen: the whole window is left
    _clock(api, {"advance": 45})
    assert api.request("GET", "/notes", AUTH).headers["retry-after"] == "15"
    _clock(api, {"advance": 15})
    assert api.request("GET", "/notes", AUTH).status_code == 200


@pytest.mark.parametrize("body", [{}, [], {"freeze": "yes"}, {"set": "2026-01-01"}, {"set": "2026-01-01T00:00:00"},
                                  {"advance": "P1M"}, {"advance": "1 hour"}, {"advance": True}, {"when": 1},
                                  {"set": "9999-12-31T23:59:59Z", "advance": 1}, {"advance": 1e300}])
def test_a_bad_body_is_a_422_problem(api: InProcess, body: Any) -> None:
    response = api.request("PUT", "/__mock/clock", JSON, json.dumps(body).encode())
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    assert api.get("/__mock/clock").json()["frozen"] is False


def test_a_change_read_from_an_old_version_is_stale() -> None:
    clock = Clock(wall=lambda: 1000.0)
    clock.change(freeze=True)
    with pytest.raises(Stale):
        clock.apply(ClockSet("~", 5.0, 0.0, expect=0))
    assert clock.now() == 1000.0
    clock.change(advance=5)
    assert (clock.now(), clock.version) == (1005.0, 2)


def test_the_change_round_trips_through_the_codec() -> None:
    change = ClockSet("s", None, -3.5, order=7, expect=6)
    assert decode(json.loads(json.dumps(encode(change)))) == change


# -- the clock over a shared store (a SQLite file), as two processes share it --------------------

@pytest.fixture()
def replicas(tmp_path: Path) -> Iterator[tuple[Replica, Replica]]:
    made = [Replica(open_store(f"sqlite:{tmp_path / 'state.db'}"),
                    Sessions(_state(), _state, limit=4, idle_s=60)).start() for _ in range(2)]
    yield made[0], made[1]
    for replica in made:
        replica.stop()
        replica.store.close()


def _state() -> State:
    return State(RecordStore(), Journal(10))


def test_advances_made_at_once_on_two_replicas_all_count(replicas: tuple[Replica, Replica]) -> None:
    one, two = (replica.sessions.get("s1").clock for replica in replicas)
    one.change(freeze=True, at=1_000_000.0)
    assert two.now() == 1_000_000.0  # acknowledged: applied on every replica

    def advance(clock: Clock) -> None:
        for _ in range(10):
            until_current(lambda: clock.change(advance=1))

    threads = [threading.Thread(target=advance, args=(clock,)) for clock in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert one.now() == two.now() == 1_000_020.0


def test_a_replica_started_later_takes_the_clock_from_the_store(tmp_path: Path,
                                                                 replicas: tuple[Replica, Replica]) -> None:
    replicas[0].sessions.get("s1").clock.change(freeze=True, at=1_000_000.0)
    later = Replica(open_store(f"sqlite:{tmp_path / 'state.db'}"), Sessions(_state(), _state, limit=4, idle_s=60)).start()
    try:
        clock = later.sessions.existing("s1").clock
        assert (clock.now(), clock.version) == (1_000_000.0, replicas[0].sessions.get("s1").clock.version)
        later.sessions.get("s1").reset()
        assert replicas[0].sessions.get("s1").clock.frozen_at is None
    finally:
        later.stop()


def test_a_reload_keeps_the_clock_a_test_set() -> None:
    from mockserver.launch.carryover import carry_over

    old, new, untouched = (InProcess(NOTES, allowed_hosts=("mock.test",)) for _ in range(3))
    _clock(old, {"freeze": True, "set": T})
    assert "the clock" in carry_over(old.engine, new.engine)[0]
    assert new.get("/__mock/clock").json()["now"] == "2026-01-01T00:00:00.000Z"
    assert "the clock" not in carry_over(untouched.engine, InProcess(NOTES).engine)[0]  # the wall clock: nothing to keep
