"""Issue 22: writes made by several processes at once are never lost, and a delete is never undone.

Two processes that share one state (`serve --workers 2`, or two instances on one real Redis)
each answer from their own replica. A new record's id used to be the replica's largest id + 1,
so two processes handed out the same id and one create silently replaced the other; a PUT that
read a record before a DELETE on the other process committed after it and brought the record
back. These tests make that traffic for real, with threads, and check what a client can see.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.debian import require
from tests.mockserver_process import REPO, RunningServer, start_server
from tests.process.test_shared_state import REDIS_SERVER, Redis, redis, store  # noqa: F401 (fixtures: both backends)

PETSTORE_DOC = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
PET = "/api/v3/pet"
AUTH = {"api_key": "k", "Authorization": "Bearer k"}
CREATES = 400
ROUNDS = 150


@pytest.fixture(scope="module")
def workers() -> Iterator[list[str]]:
    server = start_server("--workers", "2", "--spec", str(PETSTORE_DOC))
    yield [server.url]
    server.stop()
    assert "Traceback" not in server.log()


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    require((REDIS_SERVER,), ("redis-server",))
    redis = Redis(tmp_path_factory.mktemp("redis"))
    redis.start()
    servers: list[RunningServer] = []
    try:
        servers = [start_server("--state", redis.url, "--spec", str(PETSTORE_DOC)) for _ in range(2)]
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()
            assert "Traceback" not in server.log()
        redis.stop()


@pytest.fixture(params=["workers", "instances"])
def urls(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Where clients go: one port that the kernel spreads over two workers, or two instances."""
    found = request.getfixturevalue(request.param)
    with httpx.Client(base_url=found[0]) as client:
        assert client.post("/__mock/reset").status_code == 204
    yield found


def _client(urls: list[str], index: int) -> httpx.Client:
    """A fresh connection (with workers, the kernel hands it to either one), alternating instances."""
    return httpx.Client(base_url=urls[index % len(urls)], headers=AUTH, timeout=30)


def test_concurrent_creates_without_an_id_make_distinct_readable_records(urls: list[str]) -> None:
    def create(index: int) -> tuple[int, object]:
        with _client(urls, index) as client:
            reply = client.post(PET, json={"name": f"pet{index}", "photoUrls": [], "status": "available"})
            return reply.status_code, reply.json().get("id")

    with ThreadPoolExecutor(16) as pool:
        made = list(pool.map(create, range(CREATES)))
    assert [status for status, _ in made] == [200] * CREATES
    ids = [pet_id for _, pet_id in made]
    assert len(set(ids)) == CREATES, f"{CREATES - len(set(ids))} creates were answered with an id given twice"
    with ThreadPoolExecutor(16) as pool:
        read = list(pool.map(lambda item: _read(urls, *item), enumerate(made)))
    lost = [(pet_id, status, name) for (pet_id, status, name), index in zip(read, range(CREATES))
            if status != 200 or name != f"pet{index}"]
    assert lost == [], f"{len(lost)} acknowledged creates cannot be read back: {lost[:5]}"


def _read(urls: list[str], index: int, made: tuple[int, object]) -> tuple[object, int, object]:
    pet_id = made[1]
    with _client(urls, index + 1) as client:  # the other instance than the one that made it
        reply = client.get(f"{PET}/{pet_id}")
        return pet_id, reply.status_code, reply.json().get("name") if reply.status_code == 200 else None


def test_a_put_racing_a_delete_never_brings_the_record_back(urls: list[str]) -> None:
    undone: set[int] = set()
    with ThreadPoolExecutor(2) as pool:
        for round_ in range(ROUNDS):
            pet_id = 50_000 + round_
            pet = {"id": pet_id, "name": "Rex", "photoUrls": [], "status": "available"}
            with _client(urls, 0) as client:
                assert client.post(PET, json=pet).status_code == 200

            def put() -> int:
                with _client(urls, 0) as client:
                    return client.put(PET, json={**pet, "name": "Max"}).status_code

            def delete() -> int:
                with _client(urls, 1) as client:
                    return client.delete(f"{PET}/{pet_id}").status_code

            put_done, delete_done = pool.submit(put), pool.submit(delete)
            put_status, delete_status = put_done.result(), delete_done.result()
            assert put_status in (200, 404) and delete_status == 200, (put_status, delete_status)
            for index in range(2):
                with _client(urls, index) as client:
                    status = client.get(f"{PET}/{pet_id}").status_code
                    if status != 404:
                        undone.add(pet_id)
    assert undone == set(), f"{len(undone)} of {ROUNDS} pets are alive after a successful DELETE: {sorted(undone)[:5]}"


# -- the stores alone: a conditional commit and the id counter, on both backends --------------

def test_a_store_commits_a_conditional_write_only_at_the_version_read(store) -> None:
    from mockserver.state.changes import GONE, UNWRITTEN

    record, tombstone = "r|petstore|pet|7", "t|petstore|pet|7"
    check = ("~", record, tombstone, UNWRITTEN)
    first = store.commit({"op": "put"}, [("set", "~", record, "[5,{\"id\":7}]")], [check])
    assert first is not None
    assert store.commit({"op": "put"}, [("set", "~", record, "[6,{}]")], [check]) is None  # it is at 5 now
    deleted = store.commit({"op": "delete"}, [("del", "~", record), ("set", "~", tombstone, "1")],
                           [("~", record, tombstone, 5)])
    assert deleted is not None
    assert store.commit({"op": "put"}, [("set", "~", record, "[7,{}]")], [("~", record, tombstone, 5)]) is None
    assert [change for _id, change in store.read("0", 0)] == [{"op": "put"}, {"op": "delete"}]  # refused: not logged
    assert store.snapshot()[1]["~"] == {tombstone: "1"}
    assert store.commit({"op": "put"}, [("set", "~", record, "[8,{}]")], [("~", record, tombstone, GONE)]) is not None


def test_a_stores_id_counter_goes_above_its_floor_and_never_back(store) -> None:
    assert [store.incr_from("~", "k|a|b", 10), store.incr_from("~", "k|a|b", 3), store.incr_from("~", "k|a|b", 20)] \
        == [11, 12, 21]
