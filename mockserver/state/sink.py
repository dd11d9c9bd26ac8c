"""Where the state objects hand their changes (changes.py): the one way state changes.

A state object (records.py, state.py, sessions.py) never changes itself directly and never
asks whether it is shared: it builds a change and hands it to its `sink`, and it changes when
the sink calls its `apply(change)`. Two sinks keep that promise:

- `LocalSink`, one process: applies the change at once; counters live in its memory;
- `replica.Replica`, a state shared through a store: commits the change with its log entry
  and every process applies it (through `deliver`) when the log comes back; counters live in
  the store, so no two processes hand out the same number.

`deliver` is the one table that routes a change to the object that applies it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Callable, Protocol

from mockserver.state.changes import (DEFAULT_SESSION, Barrier, Change, ClockSet, Put, Reset, SessionClosed, SessionOpened,
                                      SessionsUsed)

SESSION_CHANGES = (SessionOpened, SessionClosed, SessionsUsed)


class Applies(Protocol):
    """A state object: it changes only in `apply`."""

    def apply(self, change: Any) -> Any: ...


class Sink(Protocol):
    """What a state object asks of the place its changes go (LocalSink, replica.Replica)."""

    def commit(self, change: Change) -> None: ...
    def count(self, session: str, field: str) -> int: ...
    def next_id(self, session: str, field: str, floor: int) -> int: ...
    def take(self, scenarios: Any, scenario: Any) -> bool: ...
    def adopt(self, state: Any, session: str) -> None: ...
    def journal_adder(self, journal: Any) -> Callable[[Any], None]: ...
    def journal_entries(self, journal: Any) -> list[dict[str, Any]]: ...
    def journal_len(self, journal: Any) -> int: ...
    def journal_clear(self, journal: Any) -> None: ...


class LocalSink:
    """One process: each change is applied to `target` at once (a conditional one only if the
    record is still the one that was read, else `changes.Stale`)."""

    def __init__(self, target: Applies) -> None:
        self.target = target
        self._counters: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def commit(self, change: Change) -> None:
        if isinstance(change, (Put, ClockSet)):  # the record's (clock's) version: one more than any before it
            change = replace(change, order=self.count(change.session, "o"))
        elif isinstance(change, Reset):  # new records are numbered from 1 again (scenario ids go on)
            with self._lock:
                self._counters = {key: value for key, value in self._counters.items() if not key[1].startswith("n|")}
        self.target.apply(change)

    def count(self, session: str, field: str) -> int:
        with self._lock:
            value = self._counters[(session, field)] = self._counters.get((session, field), 0) + 1
            return value

    def next_id(self, session: str, field: str, floor: int) -> int:
        """In one process the next id is the one after the largest stored (the caller's floor)."""
        return floor + 1

    def take(self, scenarios: Any, scenario: Any) -> bool:
        return scenarios.use(scenario)

    def adopt(self, state: Any, session: str) -> None:
        """A new session's state keeps the local sink it was made with."""

    def journal_adder(self, journal: Any) -> Callable[[Any], None]:
        return journal.keep

    def journal_entries(self, journal: Any) -> list[dict[str, Any]]:
        return journal.kept()

    def journal_len(self, journal: Any) -> int:
        return journal.kept_count()

    def journal_clear(self, journal: Any) -> None:
        journal.drop()


def deliver(sessions: Any, change: Change) -> None:
    """Apply a change that came back through the store's log to this process's objects: a
    session change to the sessions, any other to the state of the session it names (none: the
    session was removed since, or the change is a barrier)."""
    if isinstance(change, SESSION_CHANGES):
        sessions.apply(change)
        return
    if isinstance(change, Barrier):
        return
    state = sessions.existing(None if change.session == DEFAULT_SESSION else change.session)
    if state is not None:
        state.apply(change)
