"""Seeded records: the documents' own examples first, then `fixtures/<api>/*.yaml`.

A fixture file maps operationId -> record id -> record, the record as it appears inside the
response envelope (for Lago the inner `activity_log` object). Every record is validated
against the contract at start-up, so a bad fixture stops the server with the file and the
reason instead of turning into a 500 at the worst moment.
"""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any, Iterable

from mockserver.contract.operations import Api, Operation
from mockserver.base.defaults import MAX_RECORD_BYTES, RECORDS_PER_RESOURCE
from mockserver.base.user_errors import UserError
from mockserver.contract.resources import id_in, with_id
from mockserver.state.changes import DEFAULT_SESSION, GONE, UNWRITTEN, Change, Delete, Put, RecordKey, Reset, Stale, Written
from mockserver.state.sink import LocalSink, Sink
from mockserver.contract.validation import ResponseValidator
from mockserver.base.yamlfile import load_yaml_file

__all__ = ["RecordKey", "RecordStore", "RecordTooLarge", "record_size", "Version", "prepare_record", "readers", "record_key", "seed_store"]


class Version:
    """A counter bumped by every change to the state replies are made from.

    `value` is a plain attribute, read on every request (a property costs more); only `bump`
    writes it.
    """

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1




class RecordTooLarge(Exception):
    """A record over the store's byte bound: the write is refused (413), nothing is stored."""

    def __init__(self, size: int, limit: int) -> None:
        self.what = f"the record is {size} bytes as JSON (--max-record-bytes); "
        super().__init__(f"{self.what}at most {limit} bytes")
        self.size = size
        self.limit = limit


def record_size(record: Any) -> int:
    """A record's size as compact JSON, what a store holds and a list replies with."""
    return len(json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8"))


def record_key(op: Operation) -> RecordKey:
    """Where an operation's records live: its resource's (so create, read, list, update and
    delete share them, resources.py), else its own."""
    return (op.api, op.resource.resource.name) if op.resource is not None else (op.api, op.operation_id)


def readers(operations: Iterable[Operation]) -> dict[RecordKey, Operation]:
    """The operation that reads each kind of record (a resource's, else an operation's own):
    what a create, a list or a reload builds and checks records with."""
    found: dict[RecordKey, Operation] = {}
    for op in operations:
        if op.binding is not None and op.success is not None and (op.resource is None or op.resource.kind == "read"):
            found.setdefault(record_key(op), op)
    return found


class RecordStore:
    """Records by resource and id, in the order they were stored; thread-safe, since the
    control API and reloads may change them.

    A deleted id is remembered (a tombstone), so it answers the declared 404 even when
    unknown ids are generated. `reset()` goes back to what start-up seeded. Every change bumps
    `version` from in here, so no caller can forget to. Each resource holds at most `limit`
    records: storing one more evicts the oldest, counted in `evicted`. Changes go to the sink
    (sink.py) and come back through `apply`. Each written record has a version (its `order`),
    so a write that depends on what it read can say which version it read (`expect`). A
    record written over `max_bytes` (as compact JSON) is refused with `RecordTooLarge`, so a
    session holds at most resources x `limit` x `max_bytes` (seeded records are the documents'
    and fixtures', not bounded).
    """

    def __init__(self, limit: int = RECORDS_PER_RESOURCE, max_bytes: int = MAX_RECORD_BYTES) -> None:
        self.version = Version()
        self.limit = limit
        self.max_bytes = max_bytes
        self.evicted = 0
        self._records: dict[RecordKey, dict[str, Any]] = {}
        self._versions: dict[tuple[RecordKey, str], int] = {}  # written records' orders
        self._deleted: set[tuple[RecordKey, str]] = set()
        self._written: set[RecordKey] = set()  # resources a client wrote to since the last reset
        self._seeded: dict[RecordKey, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.sink: Sink = LocalSink(self)
        self.session = DEFAULT_SESSION

    def get(self, op: Operation, record_id: str) -> Any | None:
        with self._lock:
            return self._records.get(record_key(op), {}).get(record_id)

    def read(self, op: Operation, record_id: str) -> tuple[Any | None, bool]:
        """`get`, and for a record not there `is_deleted`, in one look: what a read by id asks on
        every request (one lock and one key, not two)."""
        key = record_key(op)
        with self._lock:
            record = self._records.get(key, {}).get(record_id)
            return record, record is None and (key, record_id) in self._deleted

    def is_deleted(self, op: Operation, record_id: str) -> bool:
        with self._lock:
            return (record_key(op), record_id) in self._deleted

    def version_of(self, op: Operation, record_id: str) -> int:
        """What a conditional write expects: the record's order if written since the last reset,
        `GONE` if deleted with a tombstone, else `UNWRITTEN`. Read it before the record itself:
        a change in between then makes the write refused, never wrongly accepted."""
        with self._lock:
            return self._version((record_key(op), record_id))

    def _version(self, where: tuple[RecordKey, str]) -> int:
        return self._versions.get(where) or (GONE if where in self._deleted else UNWRITTEN)

    def put(self, op: Operation, record_id: str, record: Any, *, expect: int | None = None) -> None:
        """Store a record; with `expect`, only if it is still at that version (else `Stale`);
        over `max_bytes`, not at all (`RecordTooLarge`)."""
        size = record_size(record)
        if size > self.max_bytes:
            raise RecordTooLarge(size, self.max_bytes)
        key = record_key(op)
        with self._lock:  # the record a full resource drops with this one, as every replica will
            records = self._records.get(key, {})
            evict = (next(iter(records)),) if record_id not in records and len(records) >= self.limit else ()
        self.sink.commit(Put(self.session, key, record_id, record, evict, expect=expect))

    def delete(self, op: Operation, record_id: str, *, tombstone: bool, expect: int | None = None) -> None:
        """Remove a record (if there is one), leaving a tombstone when asked; with `expect`,
        only if it is still at that version (else `Stale`)."""
        self.sink.commit(Delete(self.session, record_key(op), record_id, tombstone, expect))

    def apply(self, change: Change) -> None:
        with self._lock:
            if isinstance(change, (Put, Delete)) and change.expect is not None \
                    and self._version((change.key, change.id)) != change.expect:
                raise Stale(f"{change.key[1]} {change.id!r} changed since it was read")
            if isinstance(change, Put):
                records = self._records.setdefault(change.key, {})
                if change.id not in records and len(records) >= self.limit:
                    self._versions.pop((change.key, self._evict(records)), None)
                records[change.id] = change.record
                self._versions[(change.key, change.id)] = change.order
                self._deleted.discard((change.key, change.id))
                self._written.add(change.key)
            elif isinstance(change, Delete):
                self._records.get(change.key, {}).pop(change.id, None)
                self._versions.pop((change.key, change.id), None)
                if change.tombstone:
                    self._deleted.add((change.key, change.id))
                self._written.add(change.key)
            elif isinstance(change, Written):
                self._written.add(change.key)
                return
            elif isinstance(change, Reset):
                self._records = copy.deepcopy(self._seeded)
                self._versions.clear()
                self._deleted.clear()
                self._written.clear()
            else:
                return
            self.version.bump()

    def _evict(self, records: dict[str, Any]) -> str:
        oldest = next(iter(records))
        del records[oldest]
        self.evicted += 1
        return oldest

    def items(self, op: Operation) -> list[tuple[str, Any]]:
        """The resource's records, oldest first, as (store key, record)."""
        with self._lock:
            return list(self._records.get(record_key(op), {}).items())

    def holds_state(self, op: Operation) -> bool:
        """Whether the resource's records are what its lists show: it has records, or a client
        has written to it since the last reset (then an empty list is the truth)."""
        key = record_key(op)
        with self._lock:
            return bool(self._records.get(key)) or key in self._written

    def next_number(self, op: Operation) -> int:
        """1, 2, 3 ... per resource since the last reset: what new records are generated from
        (counted by the sink: with a shared store, no two processes get the same number)."""
        return self.sink.count(self.session, "n|" + "|".join(record_key(op)))

    def next_id(self, op: Operation, largest: int) -> int:
        """A new integer id, above `largest` (the largest stored): with a shared store, taken
        from the store's counter, so no two processes make the same id."""
        return self.sink.next_id(self.session, "k|" + "|".join(record_key(op)), largest)

    def fresh(self) -> RecordStore:
        """A new store holding this one's start-up records: what a new session starts from."""
        store = RecordStore(self.limit, self.max_bytes)
        with self._lock:
            store._seeded = copy.deepcopy(self._seeded)
        store._records = copy.deepcopy(store._seeded)
        return store

    def mark_seeded(self) -> None:
        """Remember the current records as the start-up state that `reset()` returns to."""
        with self._lock:
            self._seeded = copy.deepcopy(self._records)
            self._versions.clear()
            self._written.clear()

    def count(self) -> int:
        with self._lock:
            return sum(len(records) for records in self._records.values())

    def changes(self) -> tuple[list[tuple[RecordKey, str, Any]], list[tuple[RecordKey, str]]]:
        """What clients changed since start-up: (records stored or replaced, ids deleted)."""
        with self._lock:
            stored = [(key, record_id, copy.deepcopy(record)) for key, records in self._records.items()
                      for record_id, record in records.items() if self._seeded.get(key, {}).get(record_id) != record]
            return stored, sorted(self._deleted)


def seed_store(apis: Iterable[Api], validators: dict[str, ResponseValidator], fixtures_dir: Path,
               limit: int = RECORDS_PER_RESOURCE, max_bytes: int = MAX_RECORD_BYTES) -> RecordStore:
    """Build the start-up record store, or stop with the first bad fixture. Seeded records are
    what the user wrote: the byte bound applies to what clients write after."""
    store = RecordStore(limit, max_bytes=1 << 62)
    for api in apis:
        for op in api.operations.values():
            _seed_examples(store, op)
        folder = fixtures_dir / api.name
        if not folder.is_dir():
            continue
        seen: dict[tuple[str, str], Path] = {}
        for path in sorted(folder.glob("*.y*ml")):
            _load_fixture_file(store, api, validators[api.name], path, seen)
    store.mark_seeded()
    store.max_bytes = max_bytes
    return store


def _seed_examples(store: RecordStore, op: Operation) -> None:
    """The docs' own examples resolve by their ids, as a reader of the docs would expect."""
    success = op.success
    if op.binding is None or success is None:
        return
    for example in success.examples.values():
        record_id = op.binding.record_id(example)
        if record_id is not None and store.get(op, record_id) is None:
            store.put(op, record_id, copy.deepcopy(op.binding.unwrap(example)))


def _load_fixture_file(store: RecordStore, api: Api, validator: ResponseValidator, path: Path,
                       seen: dict[tuple[str, str], Path]) -> None:
    data = load_yaml_file(path)
    if data is None:
        return
    if not isinstance(data, dict):
        raise UserError(str(path), "expected a mapping of operationId -> {id: record}")
    for operation_id, records in data.items():
        op = api.operations.get(str(operation_id))
        if op is None:
            known = ", ".join(sorted(api.operations))
            raise UserError(str(path), f"/{operation_id}: no such operation in {api.name} (known: {known})")
        if op.binding is None or op.success is None:
            raise UserError(str(path), f"/{operation_id}: this operation has no record id in its path, so it takes no records")
        if not isinstance(records, dict):
            raise UserError(str(path), f"/{operation_id}: expected a mapping of id -> record")
        for record_id, record in records.items():
            record_id = str(record_id)
            where = f"/{operation_id}/{record_id}"
            if (operation_id, record_id) in seen:
                raise UserError(str(path), f"{where}: duplicate id (also in {seen[(operation_id, record_id)]})")
            seen[(operation_id, record_id)] = path
            record = prepare_record(op, record_id, record)
            if isinstance(record, str):
                raise UserError(str(path), f"{where}: {record}")
            problems = validator.check_body(op, op.success.status, op.binding.wrap(record))
            if problems:
                raise UserError(str(path), f"{where}: does not match the contract: {'; '.join(problems)}")
            store.put(op, record_id, record)


def prepare_record(op: Operation, record_id: str, record: Any) -> Any:
    """The record with its id filled in, or a string saying why it cannot be one."""
    assert op.binding is not None
    if not isinstance(record, dict):
        return "a record must be a mapping"
    current = id_in(record, op.binding.at, op.binding.field)
    if current is None:
        return with_id(record, op.binding.at, op.binding.field, record_id)
    if str(current) != record_id:
        return f"its {op.binding.field} is {current!r}, but it is filed under {record_id!r}"
    return record
