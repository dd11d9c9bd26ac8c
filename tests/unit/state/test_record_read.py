"""RecordStore.read (what a read by id asks on every request) answers what `get` and then
`is_deleted` answer: the record, else whether it was deleted."""

from __future__ import annotations

from types import SimpleNamespace

from mockserver.state.records import RecordStore

PET = SimpleNamespace(api="petstore", resource=None, operation_id="getPetById")  # what record_key reads


def answers(store: RecordStore, record_id: str) -> tuple[object, bool]:
    record = store.get(PET, record_id)
    return record, record is None and store.is_deleted(PET, record_id)


def test_read_is_get_then_is_deleted() -> None:
    store = RecordStore(100)
    store.put(PET, "1", {"id": 1})
    store.put(PET, "2", {"id": 2})
    store.delete(PET, "2", tombstone=True)
    store.put(PET, "3", {"id": 3})
    store.delete(PET, "3", tombstone=True)
    store.put(PET, "3", {"id": 3, "again": True})  # written again after its delete
    for record_id in ("1", "2", "3", "4"):
        assert store.read(PET, record_id) == answers(store, record_id), record_id
    assert store.read(PET, "1") == ({"id": 1}, False)
    assert store.read(PET, "2") == (None, True)
    assert store.read(PET, "4") == (None, False)
