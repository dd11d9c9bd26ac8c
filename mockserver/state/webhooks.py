"""A session's webhook subscribers and the log of its delivery attempts.

Subscribers given at start-up (`--webhook-url`) are part of every session from its start and
survive a reset; those added through `POST /__mock/webhooks` are runtime state, made and
removed by typed changes handed to the sink (changes.py), so every worker knows them. Each
attempt to deliver an event (events/deliver.py) is recorded the same way, so `GET
/__mock/webhooks/deliveries` shows every attempt whichever process sent it. Both are bounded.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mockserver.base.defaults import DELIVERIES_KEPT, MAX_WEBHOOKS
from mockserver.state.changes import DEFAULT_SESSION, Change, DeliveryRecorded, Reset, Subscribed, Unsubscribed
from mockserver.state.sink import LocalSink, Sink


@dataclass(frozen=True)
class Subscriber:
    """Where events go: `events` names the webhooks it wants (None: every one)."""

    id: str
    url: str
    secret: str
    events: tuple[str, ...] | None = None
    algorithm: str | None = None  # Lago's signature: `jwt` (its default) or `hmac`; others ignore it
    drill: dict[str, Any] | None = field(default=None, compare=False)  # events/deliver.py `Drill` fields

    def wants(self, name: str) -> bool:
        return self.events is None or name in self.events

    def to_json(self) -> dict[str, Any]:
        """What the control API shows: never the secret, which signs the deliveries."""
        return {"id": self.id, "url": self.url, "events": list(self.events) if self.events is not None else None,
                **({"algorithm": self.algorithm} if self.algorithm else {}),
                **({"drill": self.drill} if self.drill else {})}

    def to_store(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "secret": self.secret,
                "events": list(self.events) if self.events is not None else None, "algorithm": self.algorithm,
                "drill": self.drill}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Subscriber:
        events = data.get("events")
        return cls(data["id"], data["url"], data["secret"], tuple(events) if events is not None else None,
                   data.get("algorithm"), data.get("drill"))


class TooManySubscribers(Exception):
    """The session has `limit` subscribers already (--max-webhooks)."""


class Webhooks:
    """One session's subscribers and recorded delivery attempts (newest last)."""

    def __init__(self, startup: tuple[Subscriber, ...] = (), limit: int = MAX_WEBHOOKS,
                 kept: int = DELIVERIES_KEPT) -> None:
        self.startup = startup
        self.limit = limit
        self._added: dict[str, Subscriber] = {}
        self._attempts: deque[dict[str, Any]] = deque(maxlen=kept)
        self._lock = threading.Lock()
        self.sink: Sink = LocalSink(self)
        self.session = DEFAULT_SESSION

    def fresh(self) -> Webhooks:
        """The same start-up subscribers and bounds, nothing added: a new session's."""
        return Webhooks(self.startup, self.limit, self._attempts.maxlen or DELIVERIES_KEPT)

    def subscribers(self) -> list[Subscriber]:
        with self._lock:
            return [*self.startup, *self._added.values()]

    def subscribe(self, url: str, secret: str, events: tuple[str, ...] | None,
                  algorithm: str | None = None, drill: dict[str, Any] | None = None) -> Subscriber:
        if len(self.subscribers()) >= self.limit:
            raise TooManySubscribers(f"{self.limit} subscribers exist, the most a session keeps (--max-webhooks)")
        subscriber = Subscriber(f"wh_{self.sink.count(self.session, 'wh')}", url, secret, events, algorithm, drill)
        self.sink.commit(Subscribed(self.session, subscriber.to_store()))
        return subscriber

    def unsubscribe(self, subscriber_id: str) -> bool:
        with self._lock:
            exists = subscriber_id in self._added
        if exists:
            self.sink.commit(Unsubscribed(self.session, subscriber_id))
        return exists

    def record(self, attempt: dict[str, Any]) -> None:
        self.sink.commit(DeliveryRecorded(self.session, attempt))

    def attempts(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._attempts)

    def apply(self, change: Change) -> None:
        with self._lock:
            if isinstance(change, Subscribed):
                subscriber = Subscriber.from_store(change.subscriber)
                self._added[subscriber.id] = subscriber
            elif isinstance(change, Unsubscribed):
                self._added.pop(change.id, None)
            elif isinstance(change, DeliveryRecorded):
                self._attempts.append(change.attempt)
            elif isinstance(change, Reset):
                self._added.clear()
                self._attempts.clear()
