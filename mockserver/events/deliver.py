"""Sending events: one request to a receiver, retried with bounded backoff, every attempt recorded.

Webhooks and callbacks both end here: the caller builds the request (method, URL, headers,
body bytes; signed already) and says where each attempt is recorded (a session's
`state.webhooks.record`, which hands it to the sink so every process shows it). A non-2xx
reply or a network error is a failed attempt; the next one is due `backoff_s` later, doubled
each time up to `backoff_max_s`, until `attempts` have been made. Nothing is sent from the
request's own thread: a slow receiver never delays a reply.

Due times are read from `now()`, the one function this package asks what time it is; the
session's clock (`/__mock/clock`) replaces it there, so advancing the clock fires a retry.
"""

from __future__ import annotations

import itertools
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable

from mockserver.base import defaults

__all__ = ["Attempt", "Drill", "Outgoing", "Policy", "Sender", "now"]

Record = Callable[[dict[str, Any]], None]  # where each attempt goes (Webhooks.record)


def now() -> float:
    """Seconds since the epoch by the wall clock: what a signature's timestamp says, and when a
    retry is due where the outgoing request carries no session's clock (state/clock.py)."""
    return time.time()


@dataclass(frozen=True)
class Drill:
    """What a subscriber asked to rehearse (docs/events.md, "Drills"): every delivery sent
    `delay_ms` late, sent twice (`duplicate`, the same event id: at-least-once senders do this),
    every other one held back `reorder_ms` so the next overtakes it (`reorder`), or never
    sent at all (`drop`: recorded as dropped, as a sender that gave up)."""

    delay_ms: int = 0
    duplicate: bool = False
    reorder: bool = False
    drop: bool = False

    REORDER_MS = 500  # how long a held-back delivery waits: the next one goes first

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in (("delay_ms", self.delay_ms), ("duplicate", self.duplicate),
                                              ("reorder", self.reorder), ("drop", self.drop)) if value}


@dataclass(frozen=True)
class Outgoing:
    """One request to send: `id` names the event (the same on every retry, as a receiver
    deduplicates by it), `kind` says what sent it (`webhook`, `callback`) and `name` which one."""

    id: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    kind: str = "webhook"
    name: str = ""
    subscriber: str | None = None
    sign: Callable[[Outgoing, float], tuple[tuple[str, str], ...]] | None = field(default=None, compare=False)
    # a signer adds its headers at each attempt (its timestamp is the attempt's), else the headers go as they are
    declared: tuple[str, ...] = ()  # the reply statuses the contract declares (`200`, `2XX`, `default`); () : unknown
    drill: Drill | None = None
    number: int = 0  # the event's place in its session (a `reorder` drill holds back the odd ones)
    clock: Callable[[], float] | None = field(default=None, compare=False)  # the session's; None: `now()`

    def declares(self, status: int) -> bool | None:
        """Whether the receiver's reply is one the contract declares (None: it declares none)."""
        if not self.declared:
            return None
        keys = {key.upper() for key in self.declared}
        return str(status) in keys or f"{status // 100}XX" in keys or "DEFAULT" in keys


@dataclass(frozen=True)
class Policy:
    attempts: int = defaults.WEBHOOK_ATTEMPTS
    backoff_s: float = defaults.WEBHOOK_BACKOFF_S
    backoff_max_s: float = defaults.WEBHOOK_BACKOFF_MAX_S
    timeout_s: float = defaults.WEBHOOK_TIMEOUT_S
    body_limit: int = defaults.WEBHOOK_BODY_LIMIT

    def wait(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        return min(self.backoff_s * 2 ** (attempt - 1), self.backoff_max_s)


@dataclass
class Attempt:
    """What one attempt sent and got, as the deliveries log shows it."""

    delivery: str
    attempt: int
    of: int
    kind: str
    name: str
    subscriber: str | None
    time: float
    method: str
    url: str
    headers: dict[str, str]
    body: str
    status: int | None = None
    reply_headers: dict[str, str] = field(default_factory=dict)
    reply_body: str = ""
    latency_ms: float = 0.0
    verdict: str = "pending"  # delivered | failed | error: <why>
    next_attempt_at: float | None = None
    declared: bool | None = None  # the reply's status is one the contract declares (None: it declares none)

    def to_json(self) -> dict[str, Any]:
        stamp = datetime.fromtimestamp(self.time, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"delivery": self.delivery, "attempt": self.attempt, "of": self.of, "kind": self.kind, "name": self.name,
                "subscriber": self.subscriber, "time": stamp,
                "request": {"method": self.method, "url": self.url, "headers": self.headers, "body": self.body},
                "response": None if self.status is None else {"status": self.status, "headers": self.reply_headers,
                                                               "body": self.reply_body, "declared": self.declared},
                "latency_ms": round(self.latency_ms, 3), "verdict": self.verdict,
                "retry": self.next_attempt_at is not None}


def _cut(body: bytes, limit: int) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return text + defaults.JOURNAL_CUT if len(body) > limit else text


def send_once(outgoing: Outgoing, number: int, policy: Policy, moment: float) -> Attempt:
    """Attempt number `number` of `outgoing`, made now; never raises for what a receiver does."""
    headers = {"User-Agent": defaults.WEBHOOK_USER_AGENT, **dict(outgoing.headers)}
    if outgoing.sign is not None:
        # stamped by the wall clock: a receiver checks a signature's age against its own clock,
        # whatever a test set the session's clock to (which says when the attempt is due)
        headers.update(outgoing.sign(outgoing, now()))
    attempt = Attempt(outgoing.id, number, policy.attempts, outgoing.kind, outgoing.name, outgoing.subscriber, moment,
                      outgoing.method, outgoing.url, headers, _cut(outgoing.body, policy.body_limit))
    request = urllib.request.Request(outgoing.url, data=outgoing.body or None, method=outgoing.method, headers=headers)
    started = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=policy.timeout_s) as reply:
            attempt.status, body, reply_headers = reply.status, reply.read(policy.body_limit + 1), reply.headers
    except urllib.error.HTTPError as exc:  # a non-2xx reply: read like any other
        attempt.status, reply_headers = exc.code, exc.headers
        try:
            body = exc.read(policy.body_limit + 1)
        except OSError:
            body = b""
    except (OSError, ValueError) as exc:  # refused, reset, timed out, a bad URL
        attempt.latency_ms = (time.perf_counter() - started) * 1000
        attempt.verdict = f"error: {type(exc).__name__}: {str(getattr(exc, 'reason', exc))[:200]}"
        return attempt
    attempt.latency_ms = (time.perf_counter() - started) * 1000
    attempt.reply_headers = {name.lower(): value for name, value in reply_headers.items()} if reply_headers else {}
    attempt.reply_body = _cut(body, policy.body_limit)
    attempt.verdict = "delivered" if 200 <= (attempt.status or 0) < 300 else "failed"
    attempt.declared = outgoing.declares(attempt.status or 0)
    return attempt


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is its reply (a 3xx is a failed delivery), never followed elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects(), urllib.request.ProxyHandler({}))


class Sender:
    """The deliveries of one process: attempts waiting for their due time, a few threads sending.

    `send` returns at once. `drain` (tests, shutdown) waits until nothing is queued or in flight.
    Each attempt is due by its own clock (`Outgoing.clock`, a session's; else this sender's,
    `now()`), so a clock moved by a test fires that session's retries and no other's. At most
    `limit` deliveries wait: one more is recorded as dropped, never queued (memory stays bounded
    whatever the traffic and however slow the receivers).
    """

    def __init__(self, policy: Policy = Policy(), senders: int = defaults.WEBHOOK_SENDERS,
                 clock: Callable[[], float] | None = None, limit: int = defaults.WEBHOOK_QUEUE) -> None:
        self.policy = policy
        self._clock = clock or (lambda: now())
        self.limit = limit
        self._queue: list[tuple[float, int, int, Outgoing, Record, Policy]] = []
        self._order = itertools.count()
        self._busy = 0
        self._changed = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="mock-deliver")
        self._closed = False
        self._thread: threading.Thread | None = None

    def _now(self, outgoing: Outgoing) -> float:
        return outgoing.clock() if outgoing.clock is not None else self._clock()

    def send(self, outgoing: Outgoing, record: Record, policy: Policy | None = None) -> None:
        """Queue the first attempt of `outgoing`, due now (or when its drill says)."""
        policy = policy or self.policy
        moment = self._now(outgoing)
        drill = outgoing.drill or Drill()
        with self._changed:
            full = len(self._queue) >= self.limit
        if drill.drop or full:
            verdict = "dropped (drill)" if drill.drop else f"dropped: {self.limit} deliveries wait already"
            attempt = Attempt(outgoing.id, 1, policy.attempts, outgoing.kind, outgoing.name, outgoing.subscriber, moment,
                              outgoing.method, outgoing.url, dict(outgoing.headers), _cut(outgoing.body, policy.body_limit),
                              verdict=verdict)
            record(attempt.to_json())
            return
        due = moment + drill.delay_ms / 1000 + (Drill.REORDER_MS / 1000 if drill.reorder and outgoing.number % 2 else 0)
        for _ in range(2 if drill.duplicate else 1):
            self._schedule(due, 1, outgoing, record, policy)

    def _schedule(self, due: float, number: int, outgoing: Outgoing, record: Record, policy: Policy) -> None:
        with self._changed:
            if self._closed:
                return
            self._queue.append((due, next(self._order), number, outgoing, record, policy))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mock-deliveries", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def _run(self) -> None:
        """Hand each due attempt to the pool, oldest due first; wake at least every 50 ms, since
        a clock that says what is due may be moved by a test rather than by time passing."""
        while True:
            with self._changed:
                if self._closed:
                    return
                due = [(entry[0], entry[1], index) for index, entry in enumerate(self._queue)
                       if entry[0] <= self._now(entry[3])]
                if not due:
                    self._changed.wait(0.05 if self._queue else None)
                    continue
                _due, _order, number, outgoing, record, policy = self._queue.pop(min(due)[2])
                self._busy += 1
            self._pool.submit(self._attempt, number, outgoing, record, policy)

    def _attempt(self, number: int, outgoing: Outgoing, record: Record, policy: Policy) -> None:
        try:
            moment = self._now(outgoing)
            attempt = send_once(outgoing, number, policy, moment)
            if attempt.verdict != "delivered" and number < policy.attempts:
                attempt.next_attempt_at = moment + policy.wait(number)
            try:
                record(attempt.to_json())
            except Exception:  # noqa: BLE001 - the session was removed, the store is down: the retry still goes
                pass
            if attempt.next_attempt_at is not None:
                self._schedule(attempt.next_attempt_at, number + 1, outgoing, record, policy)
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    def pending(self) -> int:
        with self._changed:
            return len(self._queue) + self._busy

    def drain(self, timeout_s: float = 30.0) -> bool:
        """Wait until every queued attempt, retries included, has been made; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._queue.clear()
            self._changed.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)


def with_policy(policy: Policy, **changes: Any) -> Policy:
    return replace(policy, **changes)
