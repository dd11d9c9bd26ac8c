"""This process's replica of a state shared with other processes, through a store (store.py).

Requests read the replica, never the store: the hot path costs what it costs with one process.
A change (a record stored, a scenario set, a session made, a reset) goes the other way:

1. the state object that is asked for it (state.py, records.py, sessions.py) hands the typed
   change (changes.py) to its sink, here `Replica.commit`, which writes it to the store in one
   transaction with its entry in the store's log of changes (`_writes` says what each change
   writes, `_checks` what a conditional one requires: one place each);
2. every process's replica thread reads the log and hands each change to the object that
   applies it (`sink.deliver`: one table), in the log's order, so every replica ends in the
   same state, and each change bumps the replica's version, so no reply cache (replay.py)
   serves bytes from before it;
3. `commit` returns once every live process has applied the change, so a scenario set or a
   record written on one instance is served by the next request to any instance. A process
   is live while it acknowledges (`ALIVE_S`); a worker's supervisor forgets a dead worker the
   moment it reaps it (workers.py), so a crash does not hold changes up, and a process that
   starts catches up with the log before it serves (`_catch_up`).

The journal goes the cheap way: each request's entry joins an in-memory queue that the
replica thread pushes to the store in batches (bounded there per session, as in memory).
Reading the journal first sends a barrier through the log: every process pushes its queue
before it acknowledges the barrier, so the journal read holds every request answered before it,
on every instance.

If the store goes away, requests keep being answered from the replica, the journal queue is
kept (bounded) until the store is back, and changes are refused (`StoreUnavailable`: the
control API and writes answer 503), so nothing is acknowledged that the store has not got.
When the store is back, the replica is rebuilt from it (it may have been restarted empty).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Any, Callable

from mockserver.state.changes import (DEFAULT_SESSION, Barrier, Change, ClockSet, Delete, Put, Reset, ScenarioAdded,
                                ScenarioRemoved, ScenarioTaken, SessionClosed, SessionOpened, SessionsUsed, Stale,
                                Subscribed, Unsubscribed, Written, decode, encode)
from mockserver.state.sessions import Sessions, SessionsFull
from mockserver.state.sink import deliver
from mockserver.state.session_state import Journal, JournalEntry, Scenario, Scenarios, State
from mockserver.shared.store import ALIVE_S, Check, Store, StoreUnavailable, Write, caught_up, dumps, session_limit

log = logging.getLogger("mockserver")

BLOCK_MS = 200  # how long the replica thread waits for changes before its other chores
WAIT_S = 2.0  # how long a change waits for the other processes before it is answered anyway
HOUSEKEEPING_S = 5.0  # session use is shared, and idle sessions removed, this often
PENDING_LIMIT = 10_000  # journal entries kept in memory while the store cannot take them
CLOCK_FIELD = "c"  # a session's clock in the store: [order, {"frozen_at", "offset"}]


class Replica:
    def __init__(self, store: Store, sessions: Sessions, instance: str | None = None) -> None:
        self.store = store
        self.sessions = sessions
        self.instance = instance or instance_name(os.getpid(), os.urandom(3).hex())
        self.available = True
        self._applied = "0"
        self._applied_changed = threading.Condition()
        self._pending: deque[tuple[Journal, JournalEntry]] = deque(maxlen=PENDING_LIMIT)
        self._totals: dict[tuple[str, str], int] = {}  # a scenario's `times` when it was set
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False

    # -- life ---------------------------------------------------------------------------

    def start(self) -> Replica:
        """Bind the sessions to the store, take its state and follow its log."""
        self.sessions.sink = self
        self.sessions.default.bind(self, DEFAULT_SESSION)
        self._restore()
        self._catch_up()
        self._thread = threading.Thread(target=self._follow, name="mockserver-replica", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        try:
            self._flush()
            self.store.forget(self.instance)
        except StoreUnavailable:
            pass

    @property
    def store_name(self) -> str:
        return shown_url(self.store.url)

    def describe(self) -> dict[str, Any]:
        try:
            processes = sum(1 for _id, seen in self.store.acks().values() if time.time() - seen < ALIVE_S)
        except StoreUnavailable:
            processes = None
        return {"store": shown_url(self.store.url), "available": self.available, "instance": self.instance,
                "processes": processes}

    # -- what state objects ask (sink.Sink) -------------------------------------------------

    def commit(self, change: Change, wait: bool = True) -> None:
        """Commit the change with its log entry; `Stale` (after this process has caught up
        with the store) when it was conditional and the record changed since it was read;
        `SessionsFull` when it opens a session and --max-sessions exist in the store."""
        if not self.available:
            raise StoreUnavailable(f"the shared state ({shown_url(self.store.url)}) cannot be reached")
        if isinstance(change, Reset):
            self._barrier()  # every journal entry from before lands before the journal is dropped
        if isinstance(change, (Put, ClockSet)):  # the order lists show, and the record's (clock's) version
            change = replace(change, order=self.store.incr(change.session, "o"))
        checks = self._checks(change)
        if checks and isinstance(change, (Put, Delete, ClockSet)):  # the store has checked it: replicas apply it as it is
            change = replace(change, expect=None)
        change_id = self.store.commit(encode(change), self._writes(change), checks)
        if change_id is None:
            self._barrier()  # read again what the refusal was about
            if isinstance(change, SessionOpened):
                raise SessionsFull(change.session)
            if isinstance(change, ClockSet):
                raise Stale("the clock changed since it was read")
            raise Stale(f"{change.key[1]} {change.id!r} changed since it was read")  # type: ignore[union-attr]
        if wait:
            self._wait(change_id)

    def count(self, session: str, field: str) -> int:
        return self.store.incr(session, field)

    def next_id(self, session: str, field: str, floor: int) -> int:
        return self.store.incr_from(session, field, floor)

    def adopt(self, state: State, session: str) -> None:
        state.bind(self, session)

    def take(self, scenarios: Scenarios, scenario: Scenario) -> bool:
        """One use of a scenario with `times`, counted in the store so that each use goes to one
        request on one process; False when other processes used the last one."""
        session = scenarios.session
        total = self._totals.get((session, scenario.id), scenario.times or 0)
        used = self.store.incr(session, f"u|{scenario.id}")
        if used > total:
            return False
        self.commit(ScenarioTaken(session, scenario.id, total - used, total, scenario.to_store()))
        return True

    def journal_adder(self, journal: Journal) -> Callable[[JournalEntry], None]:
        pending = self._pending

        def add(entry: JournalEntry) -> None:
            pending.append((journal, entry))  # deque.append: atomic, no lock on the hot path
        return add

    def journal_entries(self, journal: Journal) -> list[dict[str, Any]]:
        self._barrier()
        entries = [JournalEntry.from_store(json.loads(entry)) for entry in self.store.journal(journal.session)]
        entries.sort(key=lambda entry: entry.time)  # several processes push in batches
        return [entry.to_json(journal.secret) for entry in entries]

    def journal_len(self, journal: Journal) -> int:
        return self.store.journal_len(journal.session)

    def journal_clear(self, journal: Journal) -> None:
        self._barrier()
        self.store.journal_drop(journal.session)

    # -- changes: what each writes and requires, and how each is applied --------------------

    def _checks(self, change: Change) -> list[Check]:
        """A conditional write requires its record to be at the version it read (records.py's
        `version_of`, computed in the store from the same fields); a session is opened only while
        fewer than --max-sessions exist in the store, so the bound holds across every process
        (each process's own count is only as fresh as its replica)."""
        if isinstance(change, (Put, Delete)) and change.expect is not None:
            base = f"{'|'.join(change.key)}|{change.id}"
            return [(change.session, f"r|{base}", f"t|{base}", change.expect)]
        if isinstance(change, ClockSet) and change.expect is not None:  # no tombstone field: "" is never set
            return [(change.session, CLOCK_FIELD, "", change.expect)]
        if isinstance(change, SessionOpened):
            return [session_limit(change.session, self.sessions.limit)]
        return []

    def _writes(self, change: Change) -> list[Write]:
        if isinstance(change, (Put, Delete)):
            s, base = change.session, "|".join(change.key)
            record, written = f"r|{base}|{change.id}", ("set", s, f"w|{base}", "1")
            if isinstance(change, Put):
                return [("set", s, record, dumps([change.order, change.record])), ("del", s, f"t|{base}|{change.id}"),
                        written] + [("del", s, f"r|{base}|{old}") for old in change.evict]
            return [("del", s, record), written] + ([("set", s, f"t|{base}|{change.id}", "1")] if change.tombstone else [])
        if isinstance(change, ScenarioAdded):
            scenario = change.scenario
            return [("set", change.session, f"s|{scenario['id']}", dumps({"scenario": scenario, "total": scenario["times"]}))]
        if isinstance(change, ScenarioRemoved):
            state = self.sessions.existing(None if change.session == DEFAULT_SESSION else change.session)
            ids = [change.id] if change.id is not None else [x.id for x in state.scenarios.all()] if state else []
            return [("del", change.session, f"s|{scenario_id}") for scenario_id in ids]
        if isinstance(change, ScenarioTaken):
            field = f"s|{change.id}"
            if change.left <= 0:
                return [("del", change.session, field)]
            return [("set", change.session, field, dumps({"scenario": {**change.scenario, "times": change.left},
                                                           "total": change.total}))]
        if isinstance(change, ClockSet):  # stored as a record is, so its order is what a check compares
            return [("set", change.session, CLOCK_FIELD,
                     dumps([change.order, {"frozen_at": change.frozen_at, "offset": change.offset}]))]
        if isinstance(change, Subscribed):
            return [("set", change.session, f"h|{change.subscriber['id']}", dumps(change.subscriber))]
        if isinstance(change, Unsubscribed):
            return [("del", change.session, f"h|{change.id}")]
        if isinstance(change, Reset):
            return [("drop", change.session), ("drop_journal", change.session)]
        if isinstance(change, SessionOpened):
            return [("add_session", change.session)]
        if isinstance(change, SessionClosed):
            return [("remove_session", change.session)]
        return []  # sessions used, barrier: nothing to store

    def _apply(self, change: Change) -> None:
        if isinstance(change, ScenarioAdded):
            self._totals[(change.session, change.scenario["id"])] = change.scenario["times"] or 0
        deliver(self.sessions, change)

    def _restore(self) -> None:
        """Every session as the store holds it: the seeded records, then the store's changes."""
        last, tables = self.store.snapshot()
        named = {name for name in tables if name != DEFAULT_SESSION}
        for name in set(self.sessions.names()) - named:
            self.sessions.apply(SessionClosed(name))
        self._totals.clear()
        for name, fields in tables.items():
            state = self.sessions.default if name == DEFAULT_SESSION else self.sessions.apply(SessionOpened(name))
            assert state is not None
            self._restore_session(state, name, fields)
        self._set_applied(last)
        self.store.ack(self.instance, last)

    def _restore_session(self, state: State, name: str, fields: dict[str, str]) -> None:
        state.apply(Reset(name))
        records, scenarios = [], []
        for field, value in fields.items():
            kind, _, rest = field.partition("|")
            if kind == "r":
                api, resource, record_id = rest.split("|", 2)
                order, record = json.loads(value)
                records.append((order, (api, resource), record_id, record))
            elif kind == "t":
                api, resource, record_id = rest.split("|", 2)
                state.apply(Delete(name, (api, resource), record_id, True))
            elif kind == "w":
                api, resource = rest.split("|", 1)
                state.apply(Written(name, (api, resource)))
            elif kind == "s":
                scenarios.append(json.loads(value))
            elif field == CLOCK_FIELD:
                order, clock = json.loads(value)
                state.apply(ClockSet(name, clock["frozen_at"], clock["offset"], order=order))
            elif kind == "h":  # a webhook subscriber (delivery attempts are not kept by the store)
                state.apply(Subscribed(name, json.loads(value)))
        for order, key, record_id, record in sorted(records, key=lambda item: item[0]):
            state.apply(Put(name, key, record_id, record, order=order))
        for stored in sorted(scenarios, key=lambda item: int(item["scenario"]["id"])):
            self._totals[(name, stored["scenario"]["id"])] = stored["total"] or 0
            state.apply(ScenarioAdded(name, stored["scenario"]))

    def _catch_up(self) -> None:
        """Apply what was committed since the snapshot, before the first request is served.

        A writer waits only for the processes that had acknowledged when it looked; this one
        acknowledged in `_restore`, so a change it was not waited for was committed before that
        and is read here: a process started mid-traffic (a replaced worker) serves every
        change acknowledged to a client."""
        while True:
            changes = self.store.read(self._applied, 0)
            if not changes:
                return
            for change_id, change in changes:
                self._apply(decode(change))
                self._set_applied(change_id)
            self.store.ack(self.instance, self._applied)

    # -- the replica thread ----------------------------------------------------------------

    def _follow(self) -> None:
        chores = time.monotonic()
        while not self._stop.is_set():
            try:
                if not self.available:
                    self.store.ping()
                    self._restore()
                    self.available = True
                    log.warning("the shared state is back (%s); this process took its state again", shown_url(self.store.url))
                changes = self.store.read(self._applied, BLOCK_MS)
                self._flush()  # before the ack: a barrier's reader then sees every earlier request
                for change_id, change in changes:
                    self._apply(decode(change))
                    self._set_applied(change_id)
                self.store.ack(self.instance, self._applied)  # also says this process is alive
                if time.monotonic() - chores >= HOUSEKEEPING_S:
                    self._share_session_use(chores)
                    chores = time.monotonic()
            except StoreUnavailable as exc:
                if self.available:
                    log.error("the shared state cannot be reached: %s; contract replies go on from this "
                              "process's copy, control calls and writes answer 503 until it is back", exc)
                self.available = False
                self._stop.wait(0.5)
            except Exception:  # a bug must not stop the replica for good
                log.exception("the shared state's replica failed; retrying")
                self._stop.wait(0.5)

    def _share_session_use(self, since: float) -> None:
        """Tell the others which sessions this process used; remove the ones idle everywhere."""
        used = self.sessions.used_since(since)
        if used:
            self.commit(SessionsUsed(tuple(used)), wait=False)
        for name in self.sessions.idle():
            self.commit(SessionClosed(name), wait=False)

    def _flush(self) -> None:
        batch: list[tuple[Journal, JournalEntry]] = []
        while self._pending:
            batch.append(self._pending.popleft())
        if not batch:
            return
        try:
            self.store.journal_push([(journal.session, dumps(entry.to_store(journal.secret)), journal.size)
                                     for journal, entry in batch])
        except StoreUnavailable:
            self._pending.extendleft(reversed(batch))  # kept for when the store is back (bounded)
            raise

    def _set_applied(self, change_id: str) -> None:
        with self._applied_changed:
            self._applied = change_id
            self._applied_changed.notify_all()

    def _barrier(self) -> None:
        self.commit(Barrier())

    def _wait(self, change_id: str) -> None:
        """Until this process and every other live one has applied the change."""
        wanted = self.store.order(change_id)
        deadline = time.monotonic() + WAIT_S
        with self._applied_changed:
            while self.store.order(self._applied) < wanted:
                left = deadline - time.monotonic()
                if left <= 0:
                    return self._late(change_id)
                self._applied_changed.wait(left)
        while not caught_up(self.store, change_id):
            if time.monotonic() >= deadline:
                return self._late(change_id)
            time.sleep(0.0005)
        return None

    def _late(self, change_id: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("a change (%s) was not applied by every process within %.0f s; answering anyway "
                        "(a process may have stopped without saying so)", change_id, WAIT_S)


def instance_name(pid: int, token: str) -> str:
    """A process's name in the store's acknowledgements: the supervisor of `--workers` names
    its workers before they start, so it can forget a dead one the moment it reaps it."""
    return f"{socket.gethostname()}:{pid}:{token}"


def shown_url(url: str) -> str:
    """A store URL without its password, for logs and health."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
