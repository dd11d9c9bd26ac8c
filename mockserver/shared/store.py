"""Stores that several processes share the control state through: Redis, or a SQLite file.

One worker keeps its state in its own memory (state.py) and needs none of this. Several
workers of one `serve --workers N`, or several instances on several machines, keep one copy
of the state here and a replica of it in each process (replica.py), so that the hot path never
waits for the store: a request reads its process's replica, a change is written here and
reaches every replica through the store's log of changes.

What a store holds, whatever the backend:
- per session (the default one is `~`), a table of fields: `r|api|resource|id` -> a stored
  record, `t|...` -> a tombstone, `w|api|resource` -> written since the last reset, `s|id` ->
  a scenario, `c` -> the clock (as a record is: `[order, value]`), and counters (`n|...`,
  `sid`, `o`, `u|id`) that only `incr` reads;
- the set of named sessions;
- a log of changes, in the one order every replica applies them, trimmed to `LOG_KEPT`;
- per session, the journal: JSON entries, trimmed to the session's journal size;
- which change each process has applied (`ack`), so a writer can wait until every live
  process has its change (read-your-writes on every instance, see replica.py).

A store is written through `commit(change, writes, checks)`: the writes and the change's log
entry land in one transaction, so the log order is the order of the state. `Writes` are a small
closed vocabulary (`set`, `del`, `drop`, `add_session`, `remove_session`, `drop_journal`) that
replica.py derives from each change, in one place. `Checks` make a write conditional: each
names a record's fields and the version the writer read (the record's order, `GONE` for a
tombstone, `UNWRITTEN` for neither, changes.py), or, for a session opened, the most named
sessions there may be (`session_limit`); if a check fails inside the transaction, nothing is
written and `commit` answers None.

Redis because it is the store teams already run; SQLite for workers on one machine because
it comes with Python, needs no server, and its transactions hold across processes. Both are
reached with their own well-kept clients (redis-py, sqlite3).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from mockserver.base.defaults import STATE_DISK_RESERVE, STATE_WAL_PAGES
from mockserver.state.changes import DEFAULT_SESSION, GONE, UNWRITTEN
LOG_KEPT = 10_000  # changes kept in the log: enough for a replica to catch up after a pause
ALIVE_S = 10.0  # a process that has not acked for this long is not waited for
Write = tuple  # ("set", session, field, value) | ("del", session, field) | ("drop", session) | ...
Check = tuple[str, str, str, int]  # (session, record field, tombstone field, version expected)
SESSIONS_BELOW = "#sessions"  # a check's field (no record field starts so): see `session_limit`


def session_limit(session: str, limit: int) -> Check:
    """A check that holds while the named session exists or fewer than `limit` named ones do:
    --max-sessions decided in the transaction that opens a session, whichever process opens it."""
    return (session, SESSIONS_BELOW, "", limit)


class StoreUnavailable(Exception):
    """The store cannot be reached; the message says which and why."""


class StoreFull(StoreUnavailable):
    """The disk under a SQLite store is full: writes are refused (503), reads go on."""


log = logging.getLogger("mockserver")


class Store(Protocol):
    url: str

    def ping(self) -> None: ...
    def commit(self, change: dict[str, Any], writes: list[Write], checks: list[Check] = ...) -> str | None: ...
    def read(self, after: str, block_ms: int) -> list[tuple[str, dict[str, Any]]]: ...
    def snapshot(self) -> tuple[str, dict[str, dict[str, str]]]: ...
    def incr(self, session: str, field: str) -> int: ...
    def incr_from(self, session: str, field: str, floor: int) -> int: ...
    def journal_push(self, entries: list[tuple[str, str, int]]) -> None: ...
    def journal(self, session: str) -> list[str]: ...
    def journal_len(self, session: str) -> int: ...
    def journal_drop(self, session: str) -> None: ...
    def ack(self, instance: str, change_id: str) -> None: ...
    def acks(self) -> dict[str, tuple[str, float]]: ...
    def forget(self, instance: str) -> None: ...
    def order(self, change_id: str) -> tuple[int, ...]: ...
    def close(self) -> None: ...


def open_store(url: str) -> Store:
    """The store a `--state` URL names; StoreUnavailable (one line) when it cannot be used."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        store: Store = RedisStore(url)
    elif url.startswith("sqlite:"):
        store = SqliteStore(Path(url[len("sqlite:"):]))
    else:
        raise StoreUnavailable(f"--state {url}: expected redis://HOST:PORT/DB or sqlite:PATH")
    store.ping()
    return store


def caught_up(store: Store, change_id: str, now: float | None = None) -> bool:
    """Whether every live process has applied the change (or a later one)."""
    now = time.time() if now is None else now
    wanted = store.order(change_id)
    return all(store.order(applied) >= wanted for applied, seen in store.acks().values() if now - seen < ALIVE_S)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def stored_order(value: str) -> int:
    """A stored record's order, read from the front of `dumps([order, record])` alone."""
    return int(value[1:value.index(",")])


# -- Redis -------------------------------------------------------------------------------------

# One atomic read of everything a replica starts from: the log's last id, then each session's
# fields. A script, because the sessions must be read in the same instant as their fields.
_SNAPSHOT = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local sessions = redis.call('SMEMBERS', KEYS[2])
local out = {last[1] and last[1][1] or '0-0', {ARGV[2], redis.call('HGETALL', ARGV[1] .. ARGV[2])}}
for _, name in ipairs(sessions) do
  table.insert(out, {name, redis.call('HGETALL', ARGV[1] .. name)})
end
return out
"""


# A conditional commit: every check holds, then every write and the log entry, atomically.
# ARGV: prefix, checks (JSON), writes (JSON), change, log length kept.
_COMMIT_IF = """
local p = ARGV[1]
for _, check in ipairs(cjson.decode(ARGV[2])) do
  if check[2] == '%s' then
    if redis.call('SISMEMBER', KEYS[2], check[1]) == 0 and redis.call('SCARD', KEYS[2]) >= check[4] then
      return false
    end
  else
    local tbl = p .. 's:' .. check[1]
    local value = redis.call('HGET', tbl, check[2])
    local now = %d
    if value then
      now = tonumber(string.match(value, '^%%[(%%-?%%d+),'))
    elseif redis.call('HEXISTS', tbl, check[3]) == 1 then
      now = %d
    end
    if now ~= check[4] then return false end
  end
end
for _, w in ipairs(cjson.decode(ARGV[3])) do
  local kind, tbl = w[1], p .. 's:' .. w[2]
  if kind == 'set' then redis.call('HSET', tbl, w[3], w[4])
  elseif kind == 'del' then redis.call('HDEL', tbl, w[3])
  elseif kind == 'drop' then redis.call('DEL', tbl)
  elseif kind == 'drop_journal' then redis.call('DEL', p .. 'j:' .. w[2])
  elseif kind == 'add_session' then redis.call('SADD', KEYS[2], w[2])
  elseif kind == 'remove_session' then redis.call('SREM', KEYS[2], w[2]); redis.call('DEL', tbl, p .. 'j:' .. w[2])
  end
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'c', ARGV[4])
""" % (SESSIONS_BELOW, UNWRITTEN, GONE)

# The next number above both the counter and `floor`: ids no process has made, nor any record holds.
_INCR_FROM = """
local value = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local floor = tonumber(ARGV[2])
if value < floor then value = floor end
redis.call('HSET', KEYS[1], ARGV[1], value + 1)
return value + 1
"""


class RedisStore:
    def __init__(self, url: str, prefix: str = "mockserver:") -> None:
        import redis  # only when asked for: one worker needs no store

        self.url = url
        self._redis = redis
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                            health_check_interval=0, decode_responses=True)
        self._p = prefix
        self._log, self._sessions, self._acks = prefix + "log", prefix + "sessions", prefix + "acks"
        self._snapshot = self._client.register_script(_SNAPSHOT)
        self._commit_if = self._client.register_script(_COMMIT_IF)
        self._incr_from = self._client.register_script(_INCR_FROM)

    def _call(self, fn, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._redis.exceptions.RedisError as exc:
            raise StoreUnavailable(f"Redis at {self.url}: {exc}") from None

    def ping(self) -> None:
        self._call(self._client.ping)

    def commit(self, change: dict[str, Any], writes: list[Write], checks: list[Check] = ()) -> str | None:  # type: ignore[assignment]
        if checks:
            return self._call(self._commit_if, keys=[self._log, self._sessions],
                              args=[self._p, dumps(list(checks)), dumps(writes), dumps(change), LOG_KEPT])
        pipe = self._client.pipeline(transaction=True)
        for write in writes:
            kind, session = write[0], write[1]
            table = self._p + "s:" + session
            if kind == "set":
                pipe.hset(table, write[2], write[3])
            elif kind == "del":
                pipe.hdel(table, write[2])
            elif kind == "drop":
                pipe.delete(table)
            elif kind == "drop_journal":
                pipe.delete(self._p + "j:" + session)
            elif kind == "add_session":
                pipe.sadd(self._sessions, session)
            elif kind == "remove_session":
                pipe.srem(self._sessions, session)
                pipe.delete(table, self._p + "j:" + session)
        pipe.xadd(self._log, {"c": dumps(change)}, maxlen=LOG_KEPT, approximate=True)
        return self._call(pipe.execute)[-1]

    def read(self, after: str, block_ms: int) -> list[tuple[str, dict[str, Any]]]:
        found = self._call(self._client.xread, {self._log: after}, block=block_ms or None, count=500)
        return [(entry_id, json.loads(fields["c"])) for _stream, entries in found or () for entry_id, fields in entries]

    def snapshot(self) -> tuple[str, dict[str, dict[str, str]]]:
        out = self._call(self._snapshot, keys=[self._log, self._sessions], args=[self._p + "s:", DEFAULT_SESSION])
        tables = {name: dict(zip(flat[::2], flat[1::2])) for name, flat in out[1:]}
        return out[0], tables

    def incr(self, session: str, field: str) -> int:
        return int(self._call(self._client.hincrby, self._p + "s:" + session, field, 1))

    def incr_from(self, session: str, field: str, floor: int) -> int:
        return int(self._call(self._incr_from, keys=[self._p + "s:" + session], args=[field, floor]))

    def journal_push(self, entries: list[tuple[str, str, int]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        limits: dict[str, int] = {}
        for session, entry, limit in entries:
            pipe.rpush(self._p + "j:" + session, entry)
            limits[session] = limit
        for session, limit in limits.items():
            pipe.ltrim(self._p + "j:" + session, -limit, -1)
        self._call(pipe.execute)

    def journal(self, session: str) -> list[str]:
        return self._call(self._client.lrange, self._p + "j:" + session, 0, -1)

    def journal_len(self, session: str) -> int:
        return int(self._call(self._client.llen, self._p + "j:" + session))

    def journal_drop(self, session: str) -> None:
        self._call(self._client.delete, self._p + "j:" + session)

    def ack(self, instance: str, change_id: str) -> None:
        self._call(self._client.hset, self._acks, instance, f"{change_id} {time.time():.3f}")

    def acks(self) -> dict[str, tuple[str, float]]:
        found = self._call(self._client.hgetall, self._acks)
        return {instance: (value.split()[0], float(value.split()[1])) for instance, value in found.items()}

    def forget(self, instance: str) -> None:
        self._call(self._client.hdel, self._acks, instance)

    def order(self, change_id: str) -> tuple[int, ...]:
        millis, _, seq = change_id.partition("-")
        return int(millis), int(seq or 0)

    def close(self) -> None:
        self._client.close()


# -- SQLite ------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY AUTOINCREMENT, change TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fields (session TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
                                   PRIMARY KEY (session, field));
CREATE TABLE IF NOT EXISTS sessions (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_session ON journal (session, id);
CREATE TABLE IF NOT EXISTS acks (instance TEXT PRIMARY KEY, change INTEGER NOT NULL, seen REAL NOT NULL);
"""

RESERVE_RETRY_S = 5.0  # a missing reserve is written again at most this often (after a write that frees space)
POLL_S = 0.001  # SQLite has no notifications: a replica looks for new changes this often at first,
POLL_MAX_S = 0.025  # and at least this often


_SMALL_SET = 64  # bytes: a marker or tombstone `set` (a delete's), not data


def _frees(writes: list[Write]) -> bool:
    """Writes that add no data (reset, deletes, scenario removals, closing a session)."""
    return not any(write[0] == "add_session" or (write[0] == "set" and len(write[3]) > _SMALL_SET) for write in writes)


class SqliteStore:
    """One file shared by the workers of one machine (WAL: readers never wait for the writer).

    On a full disk a write is refused with `StoreFull` (503 state-unavailable, naming the
    folder) and leaves no transaction open. So that the writes which free space (reset, deletes)
    and the processes' acks still go through, a reserve file beside the database is written at
    start and removed on the first full disk one of those meets; it is written again once there
    is room (tried after writes that free space). Writes that add data never use it, and while
    it is gone the request journal is not written (traffic would take the room a reset needs).
    """

    def __init__(self, path: Path, reserve: int = STATE_DISK_RESERVE) -> None:
        self.url = f"sqlite:{path}"
        self.path = Path(path)
        self._reserve_path = self.path.with_name(self.path.name + "-reserve")
        self._reserve_size = reserve
        self._full_logged = False
        self._reserve_tried = 0.0
        self._had_reserve = False  # once set aside, a missing reserve means the disk filled up
        try:
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA wal_autocheckpoint={STATE_WAL_PAGES}")  # what a checkpoint may add to the file
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{path}: {exc}") from None
        self._lock = threading.Lock()  # one connection, used from the event loop and the replica's thread
        self._commits = 0
        self._set_reserve_aside()

    def _run(self, fn, frees: bool = False):
        """`fn(db)` under the lock. A failed call leaves no transaction open: SQLite rolls some
        back by itself (a full disk), and one left open would refuse every later BEGIN, so the
        store stayed refused after the disk had room again. On a full disk a call gets one more
        try after a checkpoint, which lets the WAL file's own space be written again; one that
        `frees` space (or only rewrites a row) with the reserve file removed first."""
        with self._lock:
            try:
                return fn(self._db)
            except (sqlite3.Error, OSError) as exc:
                self._rollback()
                if not _disk_full(exc):
                    raise StoreUnavailable(f"{self.url}: {exc}") from None
                if frees:
                    self._reserve_path.unlink(missing_ok=True)
                self._checkpoint()
            try:
                return fn(self._db)
            except (sqlite3.Error, OSError) as exc:
                self._rollback()
                if _disk_full(exc):
                    raise self._full() from None
                raise StoreUnavailable(f"{self.url}: {exc}") from None

    def _full(self) -> StoreFull:
        return StoreFull(f"{self.url}: the disk holding {self.path.resolve().parent} is full")

    def _reserve_kept(self) -> bool:
        """Whether the reserve is in place (written again here when the disk has room for it);
        true too where there never was one (a disk too full for it at start: writes go on until
        the disk refuses them)."""
        if self._reserve_size <= 0 or not self._had_reserve or self._reserve_path.exists():
            return True
        if time.monotonic() - self._reserve_tried >= RESERVE_RETRY_S:
            self._reserve_tried = time.monotonic()
            self._set_reserve_aside(again=True)
        return self._reserve_path.exists()

    def _room_inside(self) -> bool:
        """With the reserve used, data is added only into pages the database already has free
        (a reset leaves its records' pages free, but the file does not shrink)."""
        def free_bytes(db: sqlite3.Connection) -> int:
            return db.execute("PRAGMA freelist_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
        return self._run(free_bytes) >= self._reserve_size

    def _set_reserve_aside(self, again: bool = False) -> None:
        """Write the reserve file if it is missing and the disk has room (else leave it for later);
        `again` (after it was used) only with room for it twice, so that the room it left for a
        reset is not taken back by the next write that frees a little."""
        if self._reserve_size <= 0:
            return
        if self._reserve_path.exists():
            self._had_reserve = True
            return
        try:
            if again:
                disk = os.statvfs(self._reserve_path.parent)
                if disk.f_bavail * disk.f_frsize < 2 * self._reserve_size:
                    return
            with open(self._reserve_path, "xb") as reserve:  # written, not sparse: the space is taken
                reserve.write(bytes(self._reserve_size))
            self._had_reserve = True
        except FileExistsError:
            self._had_reserve = True  # another process of this store wrote it
        except OSError:
            self._reserve_path.unlink(missing_ok=True)

    def _rollback(self) -> None:
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # rolled back by SQLite already

    def _checkpoint(self) -> None:
        try:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass  # the disk may be too full for that too: the retry says so

    def ping(self) -> None:
        self._run(lambda db: db.execute("SELECT 1").fetchone())

    def commit(self, change: dict[str, Any], writes: list[Write], checks: list[Check] = ()) -> str | None:  # type: ignore[assignment]
        def transaction(db: sqlite3.Connection) -> str | None:
            db.execute("BEGIN IMMEDIATE")
            try:
                if not all(_sqlite_holds(db, check) for check in checks):
                    db.execute("ROLLBACK")
                    return None
                for write in writes:
                    _sqlite_write(db, write)
                change_id = db.execute("INSERT INTO log (change) VALUES (?)", (dumps(change),)).lastrowid
                self._commits += 1
                if self._commits % 1000 == 0:
                    db.execute("DELETE FROM log WHERE id < ?", (change_id - LOG_KEPT,))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            return str(change_id)

        frees = _frees(writes)
        if not frees and not self._reserve_kept() and not self._room_inside():
            raise self._full()
        return self._run(transaction, frees=frees)

    def read(self, after: str, block_ms: int) -> list[tuple[str, dict[str, Any]]]:
        """Changes after `after`, waiting up to `block_ms` for one. SQLite cannot notify, so this
        polls: often just after a change (a control call waits for every worker), then less and
        less, so an idle worker does not take the GIL from its requests 500 times a second."""
        deadline = time.monotonic() + block_ms / 1000
        pause = POLL_S
        while True:
            rows = self._run(lambda db: db.execute(
                "SELECT id, change FROM log WHERE id > ? ORDER BY id LIMIT 500", (int(after),)).fetchall())
            if rows or time.monotonic() >= deadline:
                return [(str(row_id), json.loads(change)) for row_id, change in rows]
            time.sleep(pause)
            pause = min(pause * 2, POLL_MAX_S)

    def snapshot(self) -> tuple[str, dict[str, dict[str, str]]]:
        def read(db: sqlite3.Connection) -> tuple[str, dict[str, dict[str, str]]]:
            db.execute("BEGIN")
            try:
                last = db.execute("SELECT COALESCE(MAX(id), 0) FROM log").fetchone()[0]
                names = [DEFAULT_SESSION] + [row[0] for row in db.execute("SELECT name FROM sessions ORDER BY name")]
                tables = {name: dict(db.execute("SELECT field, value FROM fields WHERE session = ?", (name,)).fetchall())
                          for name in names}
            finally:
                if db.in_transaction:
                    db.execute("COMMIT")
            return str(last), tables

        return self._run(read)

    def incr(self, session: str, field: str) -> int:
        return int(self._run(lambda db: db.execute(
            "INSERT INTO fields VALUES (?, ?, '1') ON CONFLICT (session, field) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value", (session, field)).fetchone()[0]))

    def incr_from(self, session: str, field: str, floor: int) -> int:
        return int(self._run(lambda db: db.execute(
            "INSERT INTO fields VALUES (?, ?, ?) ON CONFLICT (session, field) "
            "DO UPDATE SET value = MAX(CAST(value AS INTEGER), ?) + 1 RETURNING value",
            (session, field, str(floor + 1), floor)).fetchone()[0]))

    def journal_push(self, entries: list[tuple[str, str, int]]) -> None:
        """Journal entries, trimmed to each session's size. On a full disk they are dropped (one
        warning): the journal is a record of traffic, and keeping it would make the store look
        unreachable to the replica, refusing reset and every control call with it."""
        def push(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO journal (session, entry) VALUES (?, ?)", [(s, e) for s, e, _ in entries])
            for session, limit in {s: limit for s, _, limit in entries}.items():
                db.execute("DELETE FROM journal WHERE session = ? AND id NOT IN "
                           "(SELECT id FROM journal WHERE session = ? ORDER BY id DESC LIMIT ?)", (session, session, limit))
            db.execute("COMMIT")

        try:
            if not self._reserve_kept():
                raise self._full()
            self._run(push)
            self._full_logged = False
        except StoreFull as full:
            if not self._full_logged:
                log.warning("%s; the request journal keeps no entries until there is room", full)
                self._full_logged = True

    def journal(self, session: str) -> list[str]:
        return [row[0] for row in self._run(lambda db: db.execute(
            "SELECT entry FROM journal WHERE session = ? ORDER BY id", (session,)).fetchall())]

    def journal_len(self, session: str) -> int:
        return self._run(lambda db: db.execute("SELECT COUNT(*) FROM journal WHERE session = ?", (session,)).fetchone()[0])

    def journal_drop(self, session: str) -> None:
        self._run(lambda db: db.execute("DELETE FROM journal WHERE session = ?", (session,)), frees=True)

    def ack(self, instance: str, change_id: str) -> None:
        """Rewrites one row (so may use the reserve): a process that cannot ack would be taken
        for stopped, and the store for unreachable, refusing reset with it."""
        self._run(lambda db: db.execute("INSERT OR REPLACE INTO acks VALUES (?, ?, ?)", (instance, int(change_id), time.time())),
                  frees=True)

    def acks(self) -> dict[str, tuple[str, float]]:
        rows = self._run(lambda db: db.execute("SELECT instance, change, seen FROM acks").fetchall())
        return {instance: (str(change), seen) for instance, change, seen in rows}

    def forget(self, instance: str) -> None:
        self._run(lambda db: db.execute("DELETE FROM acks WHERE instance = ?", (instance,)), frees=True)

    def order(self, change_id: str) -> tuple[int, ...]:
        return (int(change_id),)

    def close(self) -> None:
        self._db.close()


def _disk_full(exc: BaseException) -> bool:
    """SQLITE_FULL ("database or disk is full"), or ENOSPC from the file system."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


def _sqlite_holds(db: sqlite3.Connection, check: Check) -> bool:
    session, record_field, tombstone_field, expected = check
    if record_field == SESSIONS_BELOW:
        if db.execute("SELECT 1 FROM sessions WHERE name = ?", (session,)).fetchone() is not None:
            return True
        return db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] < expected
    row = db.execute("SELECT value FROM fields WHERE session = ? AND field = ?", (session, record_field)).fetchone()
    if row is not None:
        return stored_order(row[0]) == expected
    gone = db.execute("SELECT 1 FROM fields WHERE session = ? AND field = ?", (session, tombstone_field)).fetchone()
    return (GONE if gone else UNWRITTEN) == expected


def _sqlite_write(db: sqlite3.Connection, write: Write) -> None:
    kind, session = write[0], write[1]
    if kind == "set":
        db.execute("INSERT OR REPLACE INTO fields VALUES (?, ?, ?)", (session, write[2], write[3]))
    elif kind == "del":
        db.execute("DELETE FROM fields WHERE session = ? AND field = ?", (session, write[2]))
    elif kind == "drop":
        db.execute("DELETE FROM fields WHERE session = ?", (session,))
    elif kind == "drop_journal":
        db.execute("DELETE FROM journal WHERE session = ?", (session,))
    elif kind == "add_session":
        db.execute("INSERT OR IGNORE INTO sessions VALUES (?)", (session,))
    elif kind == "remove_session":
        db.execute("DELETE FROM sessions WHERE name = ?", (session,))
        db.execute("DELETE FROM fields WHERE session = ?", (session,))
        db.execute("DELETE FROM journal WHERE session = ?", (session,))
