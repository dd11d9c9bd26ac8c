"""The changes a test or a client makes to the runtime state, as typed values.

Every change to records, scenarios, sessions, the clock or the whole state is one of these values, handed
to a sink (sink.py): in one process the sink applies it at once; with a shared store the replica
(replica.py) commits it with its log entry and every process applies it when the log comes back.
`encode` and `decode` are the one codec between these values and the JSON the store's log holds.

`session` is the session's name as the store knows it (`DEFAULT_SESSION` for the default one).
A write that depends on what it read carries `expect`: the version of the record it read
(`records.RecordStore.version_of`); the store refuses it (`Stale`) if the record changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable, TypeVar, Union

T = TypeVar("T")

DEFAULT_SESSION = "~"  # the default session's name in a shared store: never a session name

RecordKey = tuple[str, str]  # (api name, resource name), else (api name, operationId)

# What `expect` compares with: a stored record's order (> 0), or one of these.
UNWRITTEN = 0  # never written since the last reset: as start-up seeded it (or absent)
GONE = -1  # deleted, with a tombstone


class Stale(Exception):
    """A conditional write was refused: the record changed since it was read. The caller reads
    again and decides again (`until_current`), so that no acknowledged write is lost."""


STALE_RETRIES = 20  # a write that read a record another process changed meanwhile decides again


def until_current(attempt: Callable[[], T]) -> T:
    """`attempt()` (which reads, decides and writes) again while its write finds the record
    changed since its read. A record that changes under every attempt lets the last `Stale` go
    to the server, which answers 503 `state-unavailable` rather than lose or undo a write."""
    for _ in range(STALE_RETRIES - 1):
        try:
            return attempt()
        except Stale:
            continue
    return attempt()


@dataclass(frozen=True, slots=True)
class Put:
    session: str
    key: RecordKey
    id: str
    record: Any
    evict: tuple[str, ...] = ()  # the ids the store drops with this one (the resource is full)
    order: int = 0  # the record's place in lists, and its version; given by the sink
    expect: int | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    session: str
    key: RecordKey
    id: str
    tombstone: bool
    expect: int | None = None


@dataclass(frozen=True, slots=True)
class Written:
    """A client wrote to the resource since the last reset: its lists show what is stored."""
    session: str
    key: RecordKey


@dataclass(frozen=True, slots=True)
class Reset:
    """Journal, scenarios, rate counters and runtime records back to the start-up state."""
    session: str


@dataclass(frozen=True, slots=True)
class ScenarioAdded:
    session: str
    scenario: dict[str, Any]  # state.Scenario.to_store()


@dataclass(frozen=True, slots=True)
class ScenarioRemoved:
    session: str
    id: str | None  # None: every scenario of the session


@dataclass(frozen=True, slots=True)
class ScenarioTaken:
    """One use of a scenario with `times`: `left` uses remain (none: it is removed)."""
    session: str
    id: str
    left: int
    total: int
    scenario: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionOpened:
    session: str


@dataclass(frozen=True, slots=True)
class SessionClosed:
    session: str


@dataclass(frozen=True, slots=True)
class SessionsUsed:
    """Another process used these sessions: they are not idle anywhere."""
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClockSet:
    """The session's clock (clock.py) is now frozen at `frozen_at` (seconds since the epoch), or,
    when that is None, runs at `offset` seconds from the wall clock. `order` is its version (given
    by the sink, as a record's); `expect` the version the change was computed from."""
    session: str
    frozen_at: float | None
    offset: float
    order: int = 0
    expect: int | None = None


@dataclass(frozen=True, slots=True)
class Subscribed:
    """A webhook subscriber added to the session (state/webhooks.py `Subscriber.to_store()`)."""
    session: str
    subscriber: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    session: str
    id: str


@dataclass(frozen=True, slots=True)
class DeliveryRecorded:
    """One attempt to deliver an event (events/deliver.py `Attempt.to_json()`), for every process's log."""
    session: str
    attempt: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Barrier:
    """Changes nothing; every process has applied (and flushed its journal) once it is through."""


Change = Union[Put, Delete, Written, Reset, ScenarioAdded, ScenarioRemoved, ScenarioTaken, SessionOpened, SessionClosed,
               SessionsUsed, ClockSet, Subscribed, Unsubscribed, DeliveryRecorded, Barrier]

_KINDS: dict[str, type] = {"put": Put, "delete": Delete, "written": Written, "reset": Reset, "scenario": ScenarioAdded,
                           "unscenario": ScenarioRemoved, "take": ScenarioTaken, "session": SessionOpened,
                           "unsession": SessionClosed, "touch": SessionsUsed, "clock": ClockSet, "subscribe": Subscribed,
                           "unsubscribe": Unsubscribed, "delivery": DeliveryRecorded, "barrier": Barrier}
_NAMES = {kind: name for name, kind in _KINDS.items()}
_TUPLES = frozenset({"key", "evict", "names"})  # JSON has lists only


def encode(change: Change) -> dict[str, Any]:
    """The change as JSON values, `op` naming its kind."""
    data: dict[str, Any] = {"op": _NAMES[type(change)]}
    for field in fields(change):
        value = getattr(change, field.name)
        data[field.name] = list(value) if field.name in _TUPLES else value
    return data


def decode(data: dict[str, Any]) -> Change:
    """The change `encode` wrote; KeyError or TypeError for anything else."""
    kind = _KINDS[data["op"]]
    return kind(**{name: tuple(value) if name in _TUPLES else value for name, value in data.items() if name != "op"})
