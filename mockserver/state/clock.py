"""The mock's clock, one per session: the wall clock until a test freezes, sets or advances it.

Everything that reads "now" for a session reads `Clock.now()`: the times of written records
(crud.py's `write_time`), rate-limit windows and `Retry-After` (rates.py), and the moments
deliveries and retries are due. Generated records keep their fixed anchor (generate/): they are
a pure function of (operationId, id, seed), so the clock must not change their bytes.

The clock is state like records: a change is a typed value (`changes.ClockSet`) handed to the
sink, and the clock changes only in `apply`. The change carries the clock's whole new value
(frozen at an instant, or running at an offset from the wall clock), so every process that
applies it agrees; a change computed from what was read carries `expect` (the clock's version),
so two advances made at once on two processes both count (`changes.until_current`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any, Callable

from mockserver.state.changes import UNWRITTEN, Change, ClockSet, Reset, Stale
from mockserver.state.sink import LocalSink, Sink


class Clock:
    """A session's now: `frozen_at` (seconds since the epoch) while frozen, else the wall clock
    plus `offset` seconds."""

    def __init__(self, on_change: Callable[[], None] = lambda: None, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._on_change = on_change  # the session's version: a cached reply never outlives a change
        self._lock = threading.Lock()
        self.frozen_at: float | None = None
        self.offset = 0.0
        self.version = UNWRITTEN  # the order of the last ClockSet since the last reset
        self.sink: Sink = LocalSink(self)
        self.session = ""

    def now(self) -> float:
        """Seconds since the epoch, as this session's clock reads them."""
        frozen = self.frozen_at
        return frozen if frozen is not None else self._wall() + self.offset

    def moment(self) -> dt.datetime:
        """`now()` as an aware UTC datetime, whole seconds (what records and headers show)."""
        return dt.datetime.fromtimestamp(int(self.now()), dt.UTC)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            frozen, offset = self.frozen_at, self.offset
        now = frozen if frozen is not None else self._wall() + offset
        return {"now": iso(now), "frozen": frozen is not None,
                "offset_s": round(now - self._wall(), 3)}

    def change(self, *, freeze: bool | None = None, at: float | None = None, advance: float = 0.0) -> None:
        """Freeze or unfreeze (at this moment), set to `at`, then advance by `advance` seconds;
        `Stale` when another process changed the clock meanwhile (the caller decides again)."""
        with self._lock:
            version, frozen_at, offset = self.version, self.frozen_at, self.offset
        wall = self._wall()
        now = (frozen_at if frozen_at is not None else wall + offset) if at is None else at
        now += advance
        frozen = (frozen_at is not None) if freeze is None else freeze
        self.sink.commit(ClockSet(self.session, now if frozen else None, 0.0 if frozen else now - wall, expect=version))

    def apply(self, change: Change) -> None:
        with self._lock:
            if isinstance(change, ClockSet):
                if change.expect is not None and change.expect != self.version:
                    raise Stale("the clock changed since it was read")
                self.frozen_at, self.offset, self.version = change.frozen_at, change.offset, change.order
            elif isinstance(change, Reset) and self.version != UNWRITTEN:  # else nothing changes
                self.frozen_at, self.offset, self.version = None, 0.0, UNWRITTEN
            else:
                return
        self._on_change()


def iso(seconds: float) -> str:
    """An instant as RFC 3339 UTC with milliseconds, `Z` for UTC (as the journal shows times)."""
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
