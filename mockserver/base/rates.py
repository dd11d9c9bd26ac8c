"""Rate limits a client must cope with: N requests per window, counted per session and operation.

Set for every operation by `--rate-limit N/SECONDS`, or for some by a scenario's
`rate_limit: {"requests": N, "window_s": S}`; `Prefer: fault=rate-limit` answers as if the
limit were reached. Over the limit the reply is the operation's declared 429 with
`Retry-After` (the seconds left in the window), else a 429 problem marked as outside the
contract. Fixed windows: simple to reason about in a test, and memory is one counter per
operation. Windows are measured by the session's clock (state/clock.py): a frozen clock holds a
window open, advancing it past the window's end opens the next one.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_s: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """`N/SECONDS`, as the command line takes it."""
        count, sep, window = text.partition("/")
        if not sep or not count.isdigit() or int(count) < 1:
            raise ValueError("expected N/SECONDS, e.g. 5/60")
        seconds = float(window)
        if not 0 < seconds <= 86400:
            raise ValueError("the window is 1 to 86400 seconds")
        return cls(int(count), seconds)


class RateCounter:
    """Requests per (operation, window), for one session; `clock` is the session's (seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # operationId -> (window start, count)
        self._lock = threading.Lock()

    def hit(self, operation_id: str, limit: RateLimit) -> int | None:
        """Count one request; None when it is within the limit, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            start, count = self._windows.get(operation_id, (now, 0))
            if not 0 <= now - start < limit.window_s:  # the window is over, or the clock was set back
                start, count = now, 0
            count += 1
            self._windows[operation_id] = (start, count)
        if count <= limit.requests:
            return None
        return max(1, math.ceil(limit.window_s - (now - start)))

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()
