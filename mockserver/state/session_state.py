"""Runtime state a test or a frontend developer changes through the control API.

`State` holds the request journal (a bounded ring), scenarios (declared responses forced for
matching requests) and the runtime records, and one `Version` that every change to scenarios
or records bumps from inside the object that changed, so a cache of replies (replay.py) can
never serve bytes from before a change, whoever made it. The journal is not part of the
version: no reply depends on it. All of it is thread-safe (the pytest plugin and tests call it
from other threads).

Every change goes the one way sink.py describes: a state object builds a typed change
(changes.py), hands it to its `sink`, and changes only when the sink calls its `apply`. None of
them knows whether the state is shared with other processes; only the sink does.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterable

from mockserver.state.changes import (DEFAULT_SESSION, Change, ClockSet, Delete, DeliveryRecorded, Put, Reset,
                                ScenarioAdded, ScenarioRemoved, ScenarioTaken, Subscribed, Unsubscribed, Written)
from mockserver.state.clock import Clock
from mockserver.contract.operations import Operation
from mockserver.base.defaults import CONTROL_TOKEN_HEADER, JOURNAL_CUT, JOURNAL_HEADER_LIMIT, JOURNAL_HEADERS_LIMIT
from mockserver.base.rates import RateCounter, RateLimit
from mockserver.state.records import RecordStore, Version
from mockserver.state.sink import LocalSink, Sink
from mockserver.state.webhooks import Webhooks

__all__ = ["DEFAULT_SESSION", "Journal", "JournalEntry", "Scenario", "Scenarios", "State", "Version", "bounded_headers"]


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs microseconds, on every request
class JournalEntry:
    """What the journal keeps per request: raw facts, formatted only when someone reads them."""

    time: float  # seconds since the epoch
    method: str
    path: str
    query: dict[str, str]
    operation_id: str | None
    status: int
    duration_ms: float
    headers: list[tuple[bytes, bytes]]  # bounded_headers(): a few kB whatever the request sent
    request_body: bytes = b""  # at most JOURNAL_BODY_LIMIT bytes of each body
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response_body: bytes = b""
    fault: str | None = None  # faults.py: how the reply was delivered, if not normally

    def to_json(self, secret: frozenset[str]) -> dict[str, Any]:
        stamp = datetime.fromtimestamp(self.time, timezone.utc).isoformat(timespec="milliseconds")
        return {
            "time": stamp.replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operationId": self.operation_id,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
            "headers": redact_headers(((k.decode("latin-1"), v.decode("latin-1")) for k, v in self.headers), secret),
            "body": _text(self.request_body),
            **({"fault": self.fault} if self.fault else {}),
            "response": {
                "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in self.response_headers},
                "body": _text(self.response_body),
            },
        }


    def to_store(self, secret: frozenset[str]) -> list[Any]:
        """The entry as JSON values for a shared store, credentials already redacted: raw fields
        (bytes as latin-1, which round-trips), formatted only when someone reads the journal,
        since every request of every worker pays for this."""
        return [self.time, self.method, self.path, self.query, self.operation_id, self.status, self.duration_ms,
                [[name, REDACTED if name.lower() in ALWAYS_SECRET or name.lower() in secret else value]
                 for name, value in _latin1(self.headers)],
                self.request_body.decode("latin-1"), list(_latin1(self.response_headers)),
                self.response_body.decode("latin-1"), self.fault]

    @classmethod
    def from_store(cls, data: list[Any]) -> JournalEntry:
        (time_, method, path, query, operation_id, status, duration_ms, headers, request_body, response_headers,
         response_body, fault) = data
        return cls(time_, method, path, query, operation_id, status, duration_ms, _bytes(headers),
                   request_body.encode("latin-1"), _bytes(response_headers), response_body.encode("latin-1"), fault)


CUT = JOURNAL_CUT.encode("latin-1")
LEFT_OUT = b"x-mock-journal-left-out"  # the header that says how many headers the journal did not keep


def bounded_headers(headers: list[tuple[bytes, bytes]], each: int = JOURNAL_HEADER_LIMIT,
                    total: int = JOURNAL_HEADERS_LIMIT, size: int | None = None) -> list[tuple[bytes, bytes]]:
    """The headers a journal entry keeps: each name and value cut to `each` bytes (marked with
    JOURNAL_CUT), and no more than `total` bytes in all (the headers beyond are counted under
    LEFT_OUT), so an entry is a few kB whatever a request carried and the journal's memory
    stays what its size says. Most requests are far below: they are kept as they are, uncopied.
    `size`, the names and values' length together where the caller has summed it already:
    within both bounds, no header can be over one, so they are not walked again."""
    if size is not None and size <= each and size <= total:
        return headers
    size = 0
    for name, value in headers:
        if len(value) > each or len(name) > each:
            break
        size += len(name) + len(value)
    else:
        if size <= total:
            return headers
    kept: list[tuple[bytes, bytes]] = []
    size = 0
    left_out = 0
    for name, value in headers:
        name = name[:each] + CUT if len(name) > each else name
        value = value[:each] + CUT if len(value) > each else value
        if left_out or size + len(name) + len(value) > total:
            left_out += 1
            continue
        kept.append((name, value))
        size += len(name) + len(value)
    if left_out:
        kept.append((LEFT_OUT, str(left_out).encode("ascii")))
    return kept


def _latin1(headers: list[tuple[bytes, bytes]]) -> Iterable[list[str]]:
    return ([name.decode("latin-1"), value.decode("latin-1")] for name, value in headers)


def _bytes(headers: list[list[str]]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


def _text(body: bytes) -> str | None:
    """A kept body as text for JSON readers (None when there was none); bytes that are not
    UTF-8 (a PDF) are shown as their size."""
    if not body:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes, not UTF-8 text>"


class Journal:
    """The last N requests, newest last; memory stays bounded whatever the traffic.

    `secret` names the headers that carry credentials besides the usual ones (API keys of the
    documents); they are redacted when the journal is read, never stored in the clear in output.
    """

    def __init__(self, size: int, secret: frozenset[str] = frozenset()) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max(size, 0))
        self._lock = threading.Lock()
        self.size = size
        self.secret = secret
        self.sink = LocalSink(self)
        self.session = DEFAULT_SESSION

    @property
    def sink(self) -> Sink:
        return self._sink

    @sink.setter
    def sink(self, sink: Sink) -> None:
        self._sink = sink
        self.add = sink.journal_adder(self)  # every request adds an entry: no extra call on the way

    def add(self, entry: JournalEntry) -> None:  # replaced per instance by the sink's adder
        self._sink.journal_adder(self)(entry)

    def __len__(self) -> int:
        return self.sink.journal_len(self)

    def entries(self) -> list[dict[str, Any]]:
        return self.sink.journal_entries(self)

    def clear(self) -> None:
        self.sink.journal_clear(self)

    # -- the entries kept in this process's memory (LocalSink's journal) --------------------

    def keep(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def kept(self) -> list[dict[str, Any]]:
        with self._lock:
            kept = list(self._entries)
        return [entry.to_json(self.secret) for entry in kept]

    def kept_count(self) -> int:
        return len(self._entries)

    def drop(self) -> None:
        with self._lock:
            self._entries.clear()

    def apply(self, change: Change) -> None:
        """The journal takes no changes through the log (its entries go to the store in batches)."""


@dataclass(frozen=True)
class Scenario:
    """A declared response forced for the requests that match; `times=None` lasts until removed."""

    id: str
    operation_ids: tuple[str, ...]  # the operations it applies to (several when set by path)
    path: str | None
    status: int | None  # None: a delay only; the request's own preferences still apply
    example: str | None = None
    delay_ms: int | None = None
    times: int | None = None
    fault: str | None = None  # faults.py: how the reply is delivered (or not)
    rate_limit: RateLimit | None = None  # rates.py: a limit, not a reply; never used up

    def matches(self, op: Operation, path: str) -> bool:
        if op.operation_id not in self.operation_ids:
            return False
        return self.path is None or self.path in (path, op.base_path + op.path)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.rate_limit is not None:
            data["rate_limit"] = {"requests": self.rate_limit.requests, "window_s": self.rate_limit.window_s}
        ids = data.pop("operation_ids")
        data["operationId"] = ids[0] if len(ids) == 1 else list(ids)
        return {key: value for key, value in data.items() if value is not None}

    def to_store(self) -> dict[str, Any]:
        """Every field, as JSON, for a shared store (`from_store` reads it back)."""
        return asdict(self)

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Scenario:
        limit = data.get("rate_limit")
        return cls(**{**data, "operation_ids": tuple(data["operation_ids"]),
                      "rate_limit": RateLimit(**limit) if limit else None})


class Scenarios:
    """The scenarios set through the control API, newest last; each change bumps `version`."""

    def __init__(self, version: Version) -> None:
        self._items: list[Scenario] = []
        self._lock = threading.RLock()
        self.version = version
        self.sink: Sink = LocalSink(self)
        self.session = DEFAULT_SESSION

    def add(self, scenario_fields: dict[str, Any]) -> Scenario:
        scenario = Scenario(id=str(self.sink.count(self.session, "sid")), **scenario_fields)
        self.sink.commit(ScenarioAdded(self.session, scenario.to_store()))
        return scenario

    def active(self) -> bool:
        return bool(self._items)

    def all(self) -> list[Scenario]:
        with self._lock:
            return list(self._items)

    def remove(self, scenario_id: str) -> bool:
        exists = any(s.id == scenario_id for s in self.all())
        if exists:
            self.sink.commit(ScenarioRemoved(self.session, scenario_id))
        return exists

    def clear(self) -> None:
        self.sink.commit(ScenarioRemoved(self.session, None))

    def take(self, op: Operation, path: str) -> Scenario | None:
        """The newest matching scenario, using up one of its `times` (the sink counts the uses:
        with a shared store, each use goes to one request on one process)."""
        if not self._items:  # the usual case, without the lock: a list's truth is atomic
            return None
        for scenario in reversed(self.all()):
            if scenario.rate_limit is not None or not scenario.matches(op, path):
                continue
            if scenario.times is None or self.sink.take(self, scenario):
                return scenario
        return None

    def use(self, scenario: Scenario) -> bool:
        """One use of `scenario` in this process's memory (LocalSink's `take`); False when other
        threads used it up meanwhile."""
        assert scenario.times is not None
        with self._lock:
            if scenario not in self._items:
                return False
            self.apply(ScenarioTaken(self.session, scenario.id, scenario.times - 1, scenario.times, scenario.to_store()))
        return True

    def rate_limit(self, op: Operation, path: str) -> RateLimit | None:
        """The newest matching scenario's rate limit (such scenarios are limits, not replies)."""
        if not self._items:
            return None
        with self._lock:
            for scenario in reversed(self._items):
                if scenario.rate_limit is not None and scenario.matches(op, path):
                    return scenario.rate_limit
        return None

    def apply(self, change: Change) -> None:
        with self._lock:
            if isinstance(change, ScenarioAdded):
                self._items.append(Scenario.from_store(change.scenario))
            elif isinstance(change, ScenarioRemoved):  # one scenario, or all of them (None)
                self._items = [s for s in self._items if change.id is not None and s.id != change.id]
            elif isinstance(change, ScenarioTaken):
                self._take(change.id, change.left)
            elif isinstance(change, Reset):
                self._items = []
            else:
                return
            self.version.bump()

    def _take(self, scenario_id: str, left: int) -> None:
        """A scenario with `left` uses left; none left removes it."""
        for index, scenario in enumerate(self._items):
            if scenario.id == scenario_id:
                if left <= 0:
                    del self._items[index]
                else:
                    self._items[index] = replace(scenario, times=left)
                return


REDACTED = "[redacted]"
ALWAYS_SECRET = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", CONTROL_TOKEN_HEADER})


def redact_headers(headers: Iterable[tuple[str, str]], secret: frozenset[str]) -> dict[str, str]:
    """Request headers as the journal keeps them: credentials never leave the request."""
    kept: dict[str, str] = {}
    for name, value in headers:
        name = name.lower()
        kept[name] = REDACTED if name in ALWAYS_SECRET or name in secret else value
    return kept


class State:
    """Everything a test changes at run time, and the one version every reply cache keys on."""

    def __init__(self, records: RecordStore, journal: Journal, webhooks: Webhooks | None = None) -> None:
        self.records = records
        self.journal = journal
        self.webhooks = webhooks if webhooks is not None else Webhooks()
        self.version = records.version
        self.scenarios = Scenarios(self.version)
        self.clock = Clock(self.version.bump)
        self.rates = RateCounter(self.clock.now)  # windows and Retry-After follow the session's clock
        self.bind(LocalSink(self), DEFAULT_SESSION)

    def bind(self, sink: Sink, session: str) -> State:
        """Send every change of this state to `sink`, as session `session`."""
        for part in (self, self.records, self.scenarios, self.journal, self.clock, self.webhooks):
            part.sink, part.session = sink, session
        return self

    def reset(self) -> None:
        """Journal, scenarios, rate counters, clock and runtime records back to the start-up state."""
        self.sink.commit(Reset(self.session))

    _PARTS = {Put: "records", Delete: "records", Written: "records", ScenarioAdded: "scenarios",
              ScenarioRemoved: "scenarios", ScenarioTaken: "scenarios", ClockSet: "clock", Subscribed: "webhooks",
              Unsubscribed: "webhooks", DeliveryRecorded: "webhooks"}

    def apply(self, change: Change) -> None:
        """A change to this session's state, applied by the part it changes (a reset: by all)."""
        part = self._PARTS.get(type(change))
        if part is not None:
            getattr(self, part).apply(change)
        elif isinstance(change, Reset):
            self.journal.drop()
            self.scenarios.apply(change)
            self.rates.clear()
            self.clock.apply(change)
            self.records.apply(change)
            self.webhooks.apply(change)
