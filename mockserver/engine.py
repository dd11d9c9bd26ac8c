"""The request pipeline after routing: authorize, negotiate, build the body, validate.

    auth -> preferences -> (example | declared status | record | 404 | generated) -> validate

It works on plain values (an `Operation`, header and query mappings) and returns a `Reply`,
so the connexion handler and our ASGI middleware share it, and tests can read it as a
specification of what the mock answers.
"""

from __future__ import annotations

import copy
import logging
import random
import threading
from functools import lru_cache
from typing import Any, Mapping

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mockserver import problems
from mockserver.config import ServeConfig
from mockserver.contract import Api, Operation
from mockserver.generate import RecordGenerator
from mockserver.preferences import PreferenceError, Preferences, parse_preferences
from mockserver.records import RecordStore
from mockserver.reply import Reply, encode_json
from mockserver.security import is_authorized
from mockserver.state import Journal, Scenario, Scenarios
from mockserver.validation import ResponseValidator

log = logging.getLogger("mockserver")

PROBLEM_HEADER = "x-mock-problem"


def _with_problem(reply: Reply, detail: str) -> Reply:
    """A declared (often bodiless) error, with the reason a person needs in a header."""
    safe = detail.encode("ascii", "replace").decode("ascii")[:300]
    return Reply(reply.status, reply.media_type, reply.body, reply.headers + ((PROBLEM_HEADER, safe),))


@lru_cache(maxsize=256)
def _accepts(accept: str, media_type: str) -> bool:
    """Clients send the same few Accept headers over and over: parse each once."""
    return parse_accept_header(accept, MIMEAccept).best_match([media_type]) is not None


class Engine:
    """All APIs of one server and the state they answer from."""

    def __init__(self, apis: list[Api], store: RecordStore, validators: dict[str, ResponseValidator],
                 config: ServeConfig, journal: Journal | None = None) -> None:
        self.apis = apis
        self.store = store
        self.config = config
        self.journal = journal if journal is not None else Journal(config.journal_size)
        self.scenarios = Scenarios()
        self.validators = validators
        self._version = 0
        self._version_lock = threading.Lock()
        self._generators = {api.name: RecordGenerator(api.document, seed=config.seed) for api in apis}
        self._operations = {
            (api.base_path, op.operation_id): op for api in apis for op in api.operations.values()
        }

    def operation(self, base_path: str | None, operation_id: str | None) -> Operation | None:
        if operation_id is None:
            return None
        return self._operations.get(((base_path or "").rstrip("/"), operation_id))

    def operations(self) -> list[Operation]:
        return list(self._operations.values())

    @property
    def version(self) -> int:
        """Bumped by every change to runtime state, so caches of replies can tell they are stale."""
        return self._version

    def changed(self) -> None:
        with self._version_lock:
            self._version += 1

    def reset(self) -> None:
        """Journal, scenarios and runtime records back to the start-up state."""
        self.journal.clear()
        self.scenarios.clear()
        self.store.reset()
        self.changed()

    def delay_seconds(self, scenario: Scenario | None) -> float:
        """How long to hold this reply: the scenario's own delay, else `--latency`."""
        if scenario is not None and scenario.delay_ms is not None:
            return scenario.delay_ms / 1000
        if self.config.latency_ms is None:
            return 0.0
        low, high = self.config.latency_ms
        return random.uniform(low, high) / 1000

    # -- before the handler -------------------------------------------------------------

    def authorize(self, op: Operation, headers: Mapping[str, str], query: Mapping[str, str],
                  cookies: Mapping[str, str]) -> Reply | None:
        """None when the request may go on, else the declared 401."""
        if is_authorized(op, headers, query, cookies, self.config.credentials):
            return None
        if 401 in op.responses:
            return self._declared(op, 401, None)
        return problems.unauthorized(f"{op.operation_id} requires credentials")

    def bad_request(self, op: Operation, detail: str) -> Reply | None:
        """The declared 400 for a request connexion rejected, or None for problem+json."""
        if 400 not in op.responses:
            return None
        # connexion's detail carries the whole jsonschema report; its first line is the reason
        first_line = detail.strip().splitlines()[0] if detail.strip() else "invalid request"
        return _with_problem(self._declared(op, 400, None), first_line)

    def find_operation(self, method: str, path: str) -> Operation | None:
        return next((op for op in self._operations.values() if op.serves(method, path)), None)

    def reject_path(self, op: Operation | None, detail: str) -> Reply:
        """A path no record can have (control characters, bytes that are not UTF-8).

        The vendor would not find such a record, so the declared 404 where there is one, else
        the declared 400; with nothing declared, the empty 400 a strict URL decoder gives
        before routing (clients and fuzzers recognise it), the reason in a header.
        """
        for status in (404, 400):
            if op is not None and status in op.responses:
                return _with_problem(self._declared(op, status, None), detail)
        return _with_problem(Reply(400), detail)

    # -- the handler --------------------------------------------------------------------

    def handle(self, op: Operation, path_params: Mapping[str, Any], headers: Mapping[str, str],
               query: Mapping[str, str], scenario: Scenario | None = None) -> Reply:
        if scenario is not None:  # set through the control API: it wins over the request's own wishes
            prefs = Preferences(code=scenario.status, example=scenario.example)
        else:
            try:
                prefs = parse_preferences(headers.get("prefer"), query)
            except PreferenceError as exc:
                return problems.invalid_preference(str(exc))
        undeclared = self._check_declared(op, prefs)
        if undeclared is not None:
            return undeclared
        success = op.success
        status = prefs.code or (success.status if success else min(op.responses))
        declared = op.responses[status]
        refused = self._check_accept(declared.media_type, headers.get("accept"))
        if refused is not None:
            return refused
        if prefs.example is not None:
            return self._finish(op, status, copy.deepcopy(declared.examples[prefs.example]))
        if success is None or status != success.status:
            return self._declared(op, status, path_params)
        return self._success(op, prefs, path_params)

    def _success(self, op: Operation, prefs: Preferences, path_params: Mapping[str, Any]) -> Reply:
        success = op.success
        assert success is not None
        binding = op.binding
        record_id = str(path_params.get(binding.route_key, "")) if binding else ""
        if binding and not prefs.dynamic:
            record = self.store.get(op, record_id)
            if record is not None:
                return self._finish(op, success.status, binding.wrap(copy.deepcopy(record)))
            unknown_is_404 = self.config.unknown_ids == "404" or self.store.is_deleted(op, record_id)
            if unknown_is_404 and 404 in op.responses:
                return self._declared(op, 404, path_params)
        return self._finish(op, success.status, self._generate(op, success.status, record_id))

    def _generate(self, op: Operation, status: int, record_id: str) -> Any:
        declared = op.responses[status]
        if declared.schema is None:
            return None
        pins = {}
        if op.binding is not None and status == (op.success.status if op.success else None):
            value = op.binding.pin(record_id)
            if value is not None:
                pins = {op.binding.envelope + (op.binding.field,): value}
        key = (op.operation_id, str(status), record_id)
        return self._generators[op.api].generate(declared.schema, key=key, pins=pins)

    def _declared(self, op: Operation, status: int, path_params: Mapping[str, Any] | None) -> Reply:
        """A non-record status: its first declared example, else generated, else no body."""
        declared = op.responses[status]
        if declared.media_type is None:
            return self._finish(op, status, None)
        if declared.examples:
            return self._finish(op, status, copy.deepcopy(next(iter(declared.examples.values()))))
        record_id = str((path_params or {}).get(op.binding.route_key, "")) if op.binding else ""
        return self._finish(op, status, self._generate(op, status, record_id))

    def _check_declared(self, op: Operation, prefs: Preferences) -> Reply | None:
        if prefs.empty:
            return None
        if prefs.code is not None and prefs.code not in op.responses:
            return problems.undeclared_preference(
                op.operation_id, f"{op.operation_id} does not declare status {prefs.code}", op.declared_summary())
        if prefs.example is not None:
            status = prefs.code or (op.success.status if op.success else op.declared_statuses()[0])
            if prefs.example not in op.responses[status].examples:
                return problems.undeclared_preference(
                    op.operation_id,
                    f"{op.operation_id} declares no example {prefs.example[:40]!r} for status {status}",
                    op.declared_summary())
        return None

    @staticmethod
    def _check_accept(media_type: str | None, accept: str | None) -> Reply | None:
        if media_type is None or not accept or not accept.strip():
            return None
        if not _accepts(accept, media_type):
            return problems.not_acceptable(media_type)
        return None

    def _finish(self, op: Operation, status: int, payload: Any) -> Reply:
        """Encode and validate; a reply the contract rejects is the mock's bug: a 500 that says so."""
        declared = op.responses[status]
        media_type = declared.media_type
        body = b"" if payload is None or media_type is None else encode_json(payload)
        violations = self.validators[op.api].violations(op, status, media_type, body)
        if violations:
            log.error("contract violation in %s %d: %s", op.operation_id, status, "; ".join(violations))
            return problems.contract_violation(op.operation_id, status, list(violations))
        return Reply(status, media_type, body)
