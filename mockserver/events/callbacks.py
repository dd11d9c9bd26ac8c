"""OpenAPI 3.0 callbacks: after a 2xx reply to an operation that declares `callbacks`, the mock
calls each one back, as the API it mocks would.

For each callback (name -> URL template -> method), once the client's reply is sent:
- the URL is the template expanded from the request and the reply (http/runtime_expression.py);
  one that names nothing, is not http(s), or names a host neither loopback nor allowed with
  `--callback-host` is a warning in the deliveries log, nothing sent;
- the body is generated from the callback's request schema and made coherent with the reply's
  record: a property named like a field of the record takes its value (the event carries the
  subscription the client just created, its id included), at the top and one object down;
- declared header parameters are sent, generated from their schemas (an enum's value, a
  record field of the same name);
- the body is validated against its schema before it is sent (a value that breaks it is a
  warning, never sent), then goes through events/deliver.py (retries, the session's clock);
- the receiver's status is checked against the callback's declared responses: each attempt in
  the log says `contract: declared` or which statuses were declared instead.

Declared callbacks are read from the served document once per operation.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from mockserver.base.httpfacts import HTTP_METHODS, is_loopback
from mockserver.base.pointer import resolve, schema_properties
from mockserver.contract.operations import Operation
from mockserver.contract.validation import ResponseValidator
from mockserver.events.deliver import Outgoing, Sender
from mockserver.events.webhooks import session_clock
from mockserver.generate import RecordGenerator
from mockserver.http.reply import Reply
from mockserver.http.request import MockRequest
from mockserver.http.runtime_expression import Exchange, InvalidExpression, Unresolved, expand
from mockserver.state.clock import iso
from mockserver.state.session_state import State

log = logging.getLogger("mockserver")



@dataclass(frozen=True)
class Callback:
    """One declared callback request: `name` and URL `template` as the document keys it."""

    name: str
    template: str
    method: str
    schema: Any  # the request body's schema, or None
    media_type: str | None
    headers: tuple[tuple[str, Any], ...]  # declared header parameters: (name, schema)
    statuses: tuple[str, ...]  # the declared responses' keys ("204", "2XX", "default")
    at: tuple[str, ...]  # where the body's schema is in the document (for its validator)

    def declares(self, status: int) -> bool:
        return str(status) in self.statuses or f"{status // 100}XX" in self.statuses or "default" in self.statuses


class Callbacks:
    """The callbacks of one server's operations, and what sends them."""

    def __init__(self, generators: Mapping[str, RecordGenerator], validators: Mapping[str, ResponseValidator],
                 sender: Sender, hosts: tuple[str, ...] = ()) -> None:
        self.generators = generators
        self.hosts = frozenset(hosts)  # --callback-host: beside loopback ones; "*" any
        self.validators = validators
        self.sender = sender
        self._declared: dict[tuple[str, str], tuple[Callback, ...]] = {}
        self._lock = threading.Lock()

    def declared(self, op: Operation) -> tuple[Callback, ...]:
        key = (op.api, op.operation_id)
        found = self._declared.get(key)
        if found is None:
            found = self._read(op)
            with self._lock:
                self._declared[key] = found
        return found

    def _read(self, op: Operation) -> tuple[Callback, ...]:
        document = self.generators[op.api].document
        raw = document["paths"][op.path][op.method]
        found = []
        for name, callback in (raw.get("callbacks") or {}).items():
            callback = resolve(document, callback)
            for template, item in (callback or {}).items():
                item = resolve(document, item)
                for method in HTTP_METHODS:
                    operation = item.get(method) if isinstance(item, dict) else None
                    if isinstance(operation, dict):
                        found.append(self._callback(document, op, name, template, method, operation, item))
        return tuple(found)

    @staticmethod
    def _callback(document: Mapping[str, Any], op: Operation, name: str, template: str, method: str,
                  operation: dict[str, Any], item: dict[str, Any]) -> Callback:
        body = resolve(document, operation.get("requestBody") or {})
        content = body.get("content") or {}
        media_type = next((kind for kind in content if "json" in kind), next(iter(content), None))
        schema = (content.get(media_type) or {}).get("schema") if media_type else None
        params = [resolve(document, p) for p in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]]
        headers = tuple((p["name"], p.get("schema") or {"type": "string"}) for p in params
                        if isinstance(p, dict) and p.get("in") == "header" and p.get("name"))
        return Callback(name, template, method.upper(), schema, media_type, headers,
                        tuple(str(status) for status in operation.get("responses") or {}),
                        ("paths", op.path, op.method, "callbacks", name, template, method, "requestBody", "content",
                         media_type or "", "schema"))

    # -- after a reply ----------------------------------------------------------------------

    def after(self, op: Operation, request: MockRequest, reply: Reply, state: State, base_url: str) -> None:
        """Send every callback `op` declares, for this request and its (2xx) reply."""
        if not 200 <= reply.status < 300:
            return
        declared = self.declared(op)
        if not declared:
            return
        exchange = _exchange(request, reply, base_url)
        record = exchange.response_body if isinstance(exchange.response_body, dict) else {}
        for callback in declared:
            try:
                self._one(op, callback, exchange, record, state)
            except Exception as exc:  # a bug of the mock's: one line, and the client has its reply already
                self._warn(state, "cb_failed", f"{op.operation_id}.{callback.name}", callback,
                           f"not sent: {type(exc).__name__}: {exc}")

    def _one(self, op: Operation, callback: Callback, exchange: Exchange, record: dict[str, Any], state: State) -> None:
        # numbered by the session's counter (the store's, when shared): unique across processes
        delivery = f"cb_{state.webhooks.sink.count(state.webhooks.session, 'cb')}"
        name = f"{op.operation_id}.{callback.name}"
        try:
            url = expand(callback.template, exchange)
        except (Unresolved, InvalidExpression) as exc:
            return self._warn(state, delivery, name, callback, f"the callback URL {callback.template!r}: {exc}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return self._warn(state, delivery, name, callback, f"the callback URL {url!r} is not an http(s) URL")
        if not (is_loopback(parts.hostname) or "*" in self.hosts or parts.hostname in self.hosts):
            # any page may call the contract's routes: it must not make the mock call any host it names
            return self._warn(state, delivery, name, callback, f"the callback URL {url!r} is not on loopback; "
                                                               f"pass --callback-host {parts.hostname} to allow it")
        key = ("callback", op.operation_id, callback.name, str(record.get("id", "")))
        headers: list[tuple[str, str]] = []
        body = b""
        if callback.schema is not None:
            value, violations = self._body(op, callback, record, key)
            if violations:
                return self._warn(state, delivery, name, callback,
                                  f"the callback body breaks its schema ({violations[0]}): not sent")
            body = json.dumps(value, separators=(",", ":")).encode()
            headers.append(("content-type", callback.media_type or "application/json"))
        generator = self.generators[op.api]
        for header, schema in callback.headers:
            value = record.get(header) if header in record else generator.generate(schema, key=(*key, header))
            headers.append((header, value if isinstance(value, str) else json.dumps(value)))
        outgoing = Outgoing(delivery, callback.method, url, tuple(headers), body, kind="callback", name=name,
                            clock=session_clock(state))
        self.sender.send(outgoing, _checked(state, callback))

    def _body(self, op: Operation, callback: Callback, record: dict[str, Any],
              key: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """The generated body with the record's fields pinned where the names match; a pin
        that breaks the schema (a field of another type) is left out, and the body made again."""
        generator = self.generators[op.api]
        pins = _shared_fields(generator.document, callback.schema, record)
        validator = self.validators[op.api]
        while True:  # ends: each round leaves out at least one pin, or returns
            value = generator.generate(callback.schema, key=key, pins=dict(pins))
            violations = validator.check_at(callback.at, value)
            broken = {path for path in pins if violations and any(_names(v, path) for v in violations)}
            if not violations or not broken:
                return value, violations
            pins = {path: pinned for path, pinned in pins.items() if path not in broken}

    def _warn(self, state: State, delivery: str, name: str, callback: Callback, why: str) -> None:
        log.warning("callback %s: %s", name, why)
        state.webhooks.record({"delivery": delivery, "attempt": 0, "of": 0, "kind": "callback", "name": name,
                               "subscriber": None, "time": iso(state.clock.now()),
                               "request": {"method": callback.method, "url": callback.template, "headers": {}, "body": ""},
                               "response": None, "latency_ms": 0.0, "verdict": f"warning: {why}", "retry": False})


def _exchange(request: MockRequest, reply: Reply, base_url: str) -> Exchange:
    query = request.query_string.decode("latin-1")
    return Exchange(
        method=request.method, url=base_url.rstrip("/") + request.path + (f"?{query}" if query else ""),
        status=reply.status, request_headers={name.lower(): value for name, value in request.headers.items()},
        query=request.query, path={name: str(value) for name, value in request.path_params.items()},
        request_body=_json(request.body), response_headers={name.lower(): value for name, value in reply.headers},
        response_body=_json(reply.value_json or reply.body))


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _shared_fields(document: Mapping[str, Any], schema: Any, record: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """Pins for the body's properties named like the record's fields, at the top and one object
    down (`{"event": ..., "subscription": {...the record...}}`): the record itself where a
    property's object shares most of its fields."""
    pins: dict[tuple[str, ...], Any] = {}
    for name, sub in schema_properties(document, schema).items():
        if name in record:
            pins[(name,)] = record[name]
            continue
        inner = schema_properties(document, sub)
        shared = [field for field in inner if field in record]
        for field in shared:
            pins[(name, field)] = record[field]
    return pins


def _names(violation: str, path: tuple[str, ...]) -> bool:
    """Whether a violation (`/subscription/id: ...`) is about the pinned place `path`."""
    where = violation.split(":", 1)[0]
    return where == "/" + "/".join(path) or where.startswith("/" + "/".join(path) + "/")


def _checked(state: State, callback: Callback) -> Callable[[dict[str, Any]], None]:
    """Where the attempts go: the session's deliveries log, each with the contract's verdict on
    the receiver's status."""
    def record(attempt: dict[str, Any]) -> None:
        response = attempt.get("response")
        if response is not None:
            status = response["status"]
            attempt["contract"] = "declared" if callback.declares(status) else \
                f"undeclared: the callback declares {', '.join(callback.statuses) or 'no response'}"
        state.webhooks.record(attempt)
    return record
