"""The control API under `/__mock`: health, routes, journal, scenarios, runtime records, reset.

For the people who cannot add a `Prefer` header to the app they test (frontend developers)
and for CI contract tests that set up state and assert on what was called — in the spirit of
WireMock's admin API, but every status, example and record is checked against the contract.
JSON in and out; every error is application/problem+json.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import base64
import binascii
import logging
import math
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import isodate
import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver import __version__

from mockserver.http import problems
from mockserver.http.request import UnreadableBody, json_value
from mockserver.state.changes import Stale, until_current
from mockserver.stages.crud import merge_patch
from mockserver.contract.operations import Operation
from mockserver.control.access import ControlAccess
from mockserver.base.defaults import (CLOCK_EARLIEST_S, CLOCK_LATEST_S, CONTROL_PREFIX, MAX_CONTROL_BODY, MAX_DELAY_MS,
                                      TRACEBACK_FRAMES)
from mockserver.stages.engine import Engine
from mockserver.stages.landing import runnable_curl
from mockserver.http.faults import FAULTS
from mockserver.base.rates import RateLimit
from mockserver.state.records import RecordTooLarge, prepare_record
from mockserver.http.reply import Reply
from mockserver.server.cors import allowing
from mockserver.server.routing import Router
from mockserver.state.sessions import PATH_PREFIX, SessionError, session_name
from mockserver.state.session_state import State
from mockserver.state.webhooks import TooManySubscribers
from mockserver.events.webhooks import InvalidPayload, UnknownWebhook
from mockserver.state.drift import junit
from mockserver.contract.drift import overlay as drift_overlay
from mockserver.shared.store import StoreUnavailable

log = logging.getLogger("mockserver")

SCENARIO_FIELDS = {"operationId", "path", "status", "example", "delay_ms", "times", "fault", "rate_limit"}
CLOCK_FIELDS = {"freeze", "set", "advance"}


class ControlError(Exception):
    """A mistake in a control request, answered as problem+json."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body.decode("utf-8", "replace"))
        self.reply = reply


@lru_cache(maxsize=1)
def _dashboard() -> bytes:
    return Path(__file__).with_name("dashboard.html").read_bytes()


def _unprocessable(detail: str, **extra: Any) -> ControlError:
    return ControlError(problems.invalid_control_request(detail, **extra))


def _not_found(detail: str) -> ControlError:
    return ControlError(problems.control_not_found(detail))


def _response(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=dict(reply.headers))


def _json(payload: Any, status: int = 200) -> Response:
    return JSONResponse(payload, status_code=status)


async def _read_json(request: Request, timeout_s: float) -> Any:
    """The body as JSON: at most MAX_CONTROL_BODY bytes, all of it within `timeout_s` (--body-timeout)."""
    too_large = ControlError(problems.too_large(MAX_CONTROL_BODY).with_header("connection", "close"))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CONTROL_BODY:
        raise too_large
    body = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_CONTROL_BODY:
                    raise too_large
    except TimeoutError:
        raise ControlError(problems.body_timeout(timeout_s)) from None
    try:
        return json_value(bytes(body))  # deep, huge or not Unicode: a 400 problem, never a 500
    except UnreadableBody as exc:
        raise ControlError(problems.invalid_json(str(exc))) from None


class ControlApi:
    """Endpoints bound to one engine (rebuilt with it on reload)."""

    def __init__(self, engine: Engine, router: Router, replay: Callable[[], Any]) -> None:
        self.engine = engine
        self.sessions = engine.sessions
        self.router = router  # the requests' own router answers "which operations serve this path?"
        self.replay = replay  # the replay layer, once the app is built (for its statistics)

    # -- lookups ------------------------------------------------------------------------

    def _by_operation_id(self, operation_id: Any) -> list[Operation]:
        return [op for op in self.engine.operations() if op.operation_id == operation_id]

    async def _by_path(self, path: str) -> list[Operation]:
        return [route.op for route in await self.router.routes_for(path)]

    def _record_operation(self, operation_id: str) -> Operation:
        ops = self._by_operation_id(operation_id)
        if not ops:
            known = sorted({op.operation_id for op in self.engine.operations()})
            raise _not_found(f"no operation {operation_id!r}; declared: {', '.join(known)}")
        op = ops[0]
        if op.binding is None or op.success is None:
            raise _unprocessable(f"{operation_id} has no record id in its path, so it holds no records")
        return op

    def _state(self, request: Request) -> State:
        """The state of the session the call names (X-Mock-Session or /__session/NAME), created on
        first use: the call has passed the control API's access checks (access.py), so it may
        create one; the default session without either."""
        try:
            return self.sessions.get(session_name(request.scope))
        except SessionError as refused:
            raise ControlError(refused.reply) from None

    # -- endpoints ----------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        # Health skips the access checks (readiness probes), so it never creates state: a session
        # it names that does not exist holds no records.
        state = self.sessions.existing(session_name(request.scope))
        records = state.records if state is not None else None
        apis = [{"name": a.name, "base_path": a.base_path or "/", "operations": len(a.operations)} for a in self.engine.apis]
        replay = self.replay()
        return _json({
            "status": "ok", "version": __version__, "apis": apis, "records": records.count() if records is not None else 0,
            "records_evicted": records.evicted if records is not None else 0,
            "records_per_resource": self.sessions.default.records.limit,
            "sessions": self.sessions.count(),
            "tasks": len(asyncio.all_tasks()),  # faults must leave none behind
            "replay": {"entries": len(replay), "hits": replay.stats.hits, "misses": replay.stats.misses}
            if replay is not None else None,
            "state": self.engine.replica.describe() if self.engine.replica is not None else {"store": "memory"},
        })

    async def routes(self, request: Request) -> Response:
        """Every operation with a curl that runs as shown (the landing page's: a real id, a body
        from the request schema, the configured credentials), inside the call's session."""
        name = session_name(request.scope)
        base = str(request.base_url).rstrip("/") + (PATH_PREFIX + name if name else "")
        config = self.engine.config
        state = self.sessions.existing(name) or self.sessions.default  # listing routes creates no session
        apis = {api.name: api for api in self.engine.apis}

        def stored(read: Operation) -> Any:
            return (record_id for record_id, _ in state.records.items(read))

        routes = []
        for op in self.engine.operations():
            declared = op.declared_summary()
            routes.append({
                "api": op.api,
                "operationId": op.operation_id,
                "method": op.method.upper(),
                "path": op.base_path + op.path,
                "statuses": declared["declared_statuses"],
                "examples": declared["declared_examples"],
                "curl": runnable_curl(op, apis[op.api], base, config.credentials, config.seed, stored),
            })
        return _json({"routes": routes})

    async def dashboard(self, request: Request) -> Response:
        """The page at `/__mock/`: a view of this API for people (dashboard.html)."""
        if request.url.path == CONTROL_PREFIX:
            return Response(status_code=308, headers={"location": CONTROL_PREFIX + "/"})
        return Response(_dashboard(), media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})

    async def sessions_list(self, request: Request) -> Response:
        """The named sessions, each with the bound of its journal (the dashboard shows "N of M");
        `journal_size` is the default session's."""
        listed = self.sessions.describe()
        for entry in listed:
            state = self.sessions.existing(entry["name"])  # gone meanwhile (idle): no bound to show
            entry["journal_size"] = state.journal.size if state is not None else None
        return _json({"sessions": listed, "max_sessions": self.sessions.limit, "idle_s": self.sessions.idle_s,
                      "journal_size": self.sessions.default.journal.size})

    async def session(self, request: Request) -> Response:
        name = request.path_params["name"]
        if not self.sessions.remove(name):
            raise _not_found(f"no session {name!r}")
        return Response(status_code=204)

    async def resources(self, request: Request) -> Response:
        """What resources.py inferred for every operation, so a user can check it (and fix it
        with `x-mock-resource` / `x-mock-id` in an overlay)."""
        return _json({"operations": [
            {"api": op.api, "operationId": op.operation_id, "method": op.method.upper(), "path": op.base_path + op.path,
             **(op.resource.describe() if op.resource is not None else {"resource": None})}
            for op in self.engine.operations()
        ]})

    async def requests(self, request: Request) -> Response:
        state = self._state(request)
        if request.method == "DELETE":
            state.journal.clear()
            return Response(status_code=204)
        wanted = {key: request.query_params[key] for key in ("operationId", "method", "path", "status")
                  if key in request.query_params}
        entries = [entry for entry in state.journal.entries()
                   if all(str(entry.get(key)) == value for key, value in wanted.items())]
        return _json({"requests": entries})

    async def scenarios(self, request: Request) -> Response:
        state = self._state(request)
        if request.method == "GET":
            return _json({"scenarios": [s.to_json() for s in state.scenarios.all()]})
        if request.method == "DELETE":
            state.scenarios.clear()
            return Response(status_code=204)
        scenario = state.scenarios.add(await self._scenario_fields(await _read_json(request, self.engine.config.body_timeout_s)))
        return _json(scenario.to_json(), 201)

    async def scenario(self, request: Request) -> Response:
        state = self._state(request)
        if not state.scenarios.remove(request.path_params["scenario_id"]):
            raise _not_found(f"no scenario {request.path_params['scenario_id']!r}")
        return Response(status_code=204)

    # -- webhooks (docs/events.md) -----------------------------------------------------------

    async def webhooks(self, request: Request) -> Response:
        state = self._state(request)
        if request.method == "GET":
            return _json({"webhooks": self.engine.events.names(),
                          "subscribers": [s.to_json() for s in state.webhooks.subscribers()]})
        payload = await _read_json(request, self.engine.config.body_timeout_s)
        url, events, secret, algorithm, drill = _subscriber_fields(payload, self.engine.events.names())
        try:
            subscriber = state.webhooks.subscribe(url, secret or self.engine.webhook_secret, events, algorithm, drill)
        except TooManySubscribers as exc:
            raise _unprocessable(str(exc)) from None
        return _json(subscriber.to_json(), 201)

    async def webhook(self, request: Request) -> Response:
        state = self._state(request)
        if not state.webhooks.unsubscribe(request.path_params["subscriber_id"]):
            raise _not_found(f"no subscriber {request.path_params['subscriber_id']!r} added through the control API")
        return Response(status_code=204)

    async def webhook_fire(self, request: Request) -> Response:
        state = self._state(request)
        payload = await _read_json(request, self.engine.config.body_timeout_s)
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
            raise _unprocessable("expected {\"name\": WEBHOOK, \"record\": {...}}; name is a declared webhook")
        unknown = set(payload) - {"name", "record"}
        if unknown:
            raise _unprocessable(f"unknown fields: {', '.join(sorted(unknown))}; expected name, record")
        try:
            sent = self.engine.events.fire(state, payload["name"], payload.get("record"))
        except UnknownWebhook:
            raise _not_found(f"no webhook {payload['name']!r}; declared: {', '.join(self.engine.events.names()) or 'none'}") from None
        except InvalidPayload as exc:
            raise _unprocessable(f"the record makes {payload['name']}'s payload break its schema: {exc}",
                                 violations=exc.violations[:10]) from None
        return _json({"name": payload["name"], "deliveries": sent}, 202)

    async def webhook_deliveries(self, request: Request) -> Response:
        state = self._state(request)
        return _json({"deliveries": state.webhooks.attempts()})

    async def record(self, request: Request) -> Response:
        state = self._state(request)
        op = self._record_operation(request.path_params["operation_id"])
        record_id = request.path_params["record_id"]
        if request.method == "GET":
            record = state.records.get(op, record_id)
            if record is None and request.query_params.get("generated") in ("1", "true"):
                record = self._generated(op, record_id)  # what the mock serves for it: a start to tweak
            if record is None:
                raise _not_found(f"{op.operation_id} has no record {record_id!r} (?generated=true shows the generated one)")
            return _json(record)
        if request.method == "DELETE":
            # Only where a 404 is declared can a deleted id answer "not found"; elsewhere it is
            # generated again, like any unknown id.
            state.records.delete(op, record_id, tombstone=op.declares(404))
            return Response(status_code=204)
        payload = await _read_json(request, self.engine.config.body_timeout_s)
        merge = request.method == "PATCH"
        # a PATCH merges into what it read: again if that changed meanwhile
        return until_current(lambda: self._write_record(state, op, record_id, payload, merge=merge))

    def _write_record(self, state: State, op: Operation, record_id: str, payload: Any, *, merge: bool) -> Response:
        version = state.records.version_of(op, record_id) if merge else None
        if merge:  # JSON Merge Patch (RFC 7396) over the record served today
            current = state.records.get(op, record_id) or self._generated(op, record_id)
            payload = merge_patch(current, payload)
        record = prepare_record(op, record_id, payload)
        if isinstance(record, str):
            raise _unprocessable(record)
        assert op.binding is not None and op.success is not None
        violations = self.engine.validators[op.api].check_body(op, op.success.status, op.binding.wrap(record))
        if violations:
            raise _unprocessable(f"the record does not match {op.operation_id}'s contract", violations=list(violations))
        existed = state.records.get(op, record_id) is not None
        try:
            state.records.put(op, record_id, record, expect=version)
        except RecordTooLarge as exc:
            raise ControlError(problems.too_large(exc.limit, exc.what)) from None
        return _json(record, 200 if existed else 201)

    def _generated(self, op: Operation, record_id: str) -> Any:
        """The record a request for this id gets when nothing is stored (unwrapped)."""
        assert op.binding is not None and op.success is not None
        body = self.engine.responder.generated(op, record_id)
        return op.binding.unwrap(body)

    async def clock(self, request: Request) -> Response:
        """The session's clock (state/clock.py): read it, or freeze, set and advance it."""
        state = self._state(request)
        if request.method == "PUT":
            freeze, at, advance = _clock_fields(await _read_json(request, self.engine.config.body_timeout_s))
            now = state.clock.now() if at is None else at
            if not CLOCK_EARLIEST_S <= now + advance <= CLOCK_LATEST_S:
                raise _unprocessable("the clock would leave 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z")
            # an advance counts once whoever else changes the clock meanwhile (on any process)
            until_current(lambda: state.clock.change(freeze=freeze, at=at, advance=advance))
        return _json(state.clock.describe())

    async def reset(self, request: Request) -> Response:
        state = self._state(request)
        state.reset()
        return Response(status_code=204)

    # -- scenario checks ----------------------------------------------------------------

    async def _scenario_fields(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise _unprocessable("a scenario is a JSON object: {operationId | path, status, example?, delay_ms?, times?}")
        unknown = sorted(set(payload) - SCENARIO_FIELDS)
        if unknown:
            raise _unprocessable(f"unknown fields {unknown}; a scenario takes {sorted(SCENARIO_FIELDS)}")
        operation_id, path = payload.get("operationId"), payload.get("path")
        if (operation_id is None) == (path is None):
            raise _unprocessable("give exactly one of operationId or path")
        if operation_id is not None:
            ops = self._by_operation_id(operation_id)
            if not ops:
                known = sorted({op.operation_id for op in self.engine.operations()})
                raise _unprocessable(f"no operation {operation_id!r}", declared_operations=known)
        else:
            if not isinstance(path, str) or not path.startswith("/"):
                raise _unprocessable("path must be a request path such as /api/v1/activity_logs/abc")
            ops = await self._by_path(path)
            if not ops:
                known = sorted({op.base_path + op.path for op in self.engine.operations()})
                raise _unprocessable(f"no operation serves {path!r}", declared_paths=known)
        status = payload.get("status")
        fault, rate_limit = payload.get("fault"), payload.get("rate_limit")
        if status is None and payload.get("delay_ms") is None and fault is None and rate_limit is None:
            raise _unprocessable("a scenario sets a status, a delay_ms, a fault or a rate_limit")
        if fault is not None and fault not in FAULTS:
            raise _unprocessable(f"fault must be one of {', '.join(FAULTS)}")
        if rate_limit is not None:
            requests, window = (rate_limit.get("requests"), rate_limit.get("window_s")) if isinstance(rate_limit, dict) else (None, None)
            if not _is_int(requests) or requests < 1 or not isinstance(window, (int, float)) or not 0 < window <= 86400:
                raise _unprocessable('rate_limit is {"requests": N (1 or more), "window_s": seconds (up to 86400)}')
            rate_limit = RateLimit(requests, float(window))
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
            raise _unprocessable("status must be an integer HTTP status")
        example = payload.get("example")
        if example is not None and status is None:
            raise _unprocessable("an example goes with the status it is declared for")
        for op in ([] if status is None else ops):
            if op.declared(status) is None:
                raise _unprocessable(f"{op.operation_id} does not declare status {status}",
                                     operationId=op.operation_id, **op.declared_summary())
            if example is not None and example not in op.declared(status).examples:
                raise _unprocessable(f"{op.operation_id} declares no example {example!r} for status {status}",
                                     operationId=op.operation_id, **op.declared_summary())
        delay_ms, times = payload.get("delay_ms"), payload.get("times")
        if delay_ms is not None and (not _is_int(delay_ms) or not 0 <= delay_ms <= MAX_DELAY_MS):
            raise _unprocessable(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}")
        if times is not None and (not _is_int(times) or times < 1):
            raise _unprocessable("times must be a positive integer (leave it out for 'until removed')")
        return {
            "operation_ids": tuple(op.operation_id for op in ops),
            "path": path,
            "status": status,
            "example": example,
            "delay_ms": delay_ms,
            "times": times,
            "fault": fault,
            "rate_limit": rate_limit,
        }


def _clock_fields(payload: Any) -> tuple[bool | None, float | None, float]:
    """`{"freeze"?: bool, "set"?: RFC 3339 date-time, "advance"?: seconds or ISO 8601 duration}`
    as (freeze, set in seconds since the epoch, advance in seconds)."""
    usage = 'the clock takes {"freeze"?: true|false, "set"?: "2026-01-01T00:00:00Z", "advance"?: "PT1H" or seconds}'
    if not isinstance(payload, dict) or not payload:
        raise _unprocessable(usage)
    unknown = sorted(set(payload) - CLOCK_FIELDS)
    if unknown:
        raise _unprocessable(f"unknown fields {unknown}; {usage}")
    freeze, at, advance = payload.get("freeze"), payload.get("set"), payload.get("advance", 0)
    if freeze is not None and not isinstance(freeze, bool):
        raise _unprocessable("freeze is true or false")
    if at is not None:
        when = _instant(at)
        if when is None:
            raise _unprocessable(f"set is an RFC 3339 date-time with its offset, e.g. 2026-01-01T00:00:00Z; got {at!r}")
        at = when
    if isinstance(advance, str):
        seconds = _duration(advance)
        if seconds is None:
            raise _unprocessable(f"advance is seconds or an ISO 8601 duration of days, hours, minutes, seconds "
                                 f"(P1D, PT1H30M); got {advance!r}")
        advance = seconds
    elif isinstance(advance, bool) or not isinstance(advance, (int, float)) or not math.isfinite(advance):
        raise _unprocessable("advance is seconds (a number) or an ISO 8601 duration such as PT1H")
    return freeze, at, float(advance)


def _instant(text: Any) -> float | None:
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return when.timestamp() if when.tzinfo is not None else None


def _duration(text: str) -> float | None:
    """An ISO 8601 duration's seconds; None for text that is not one, or that counts years or
    months (their length depends on the date)."""
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError, OverflowError):
        return None
    return value.total_seconds() if isinstance(value, dt.timedelta) else None


def _subscriber_fields(payload: Any, declared: list[str]) -> tuple[str, tuple[str, ...] | None, str | None, str | None,
                                                                   dict[str, Any] | None]:
    """`{url, events?, secret?, algorithm?, drill?}` checked: an http(s) URL, declared webhook
    names, a `whsec_` secret (or any text for Lago's hmac), Lago's `jwt` or `hmac`, a drill."""
    if not isinstance(payload, dict):
        raise _unprocessable("expected an object: {\"url\": \"http://...\", \"events\": [...], \"secret\": \"whsec_...\"}")
    unknown = set(payload) - {"url", "events", "secret", "algorithm", "drill"}
    if unknown:
        raise _unprocessable(f"unknown fields: {', '.join(sorted(unknown))}; expected url, events, secret, algorithm, drill")
    url = payload.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _unprocessable("url must be an http(s) URL, such as http://127.0.0.1:9000/hooks")
    events = payload.get("events")
    if events is not None:
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise _unprocessable("events must be a list of webhook names")
        missing = sorted(set(events) - set(declared))
        if missing:
            raise _unprocessable(f"no webhook {', '.join(missing)}; declared: {', '.join(declared) or 'none'}")
    secret = payload.get("secret")
    if secret is not None and (not isinstance(secret, str) or not secret or len(secret) > 512):
        raise _unprocessable("secret must be a non-empty string (whsec_ then base64 for Standard Webhooks)")
    if isinstance(secret, str) and secret.startswith("whsec_"):
        try:
            if not base64.b64decode(secret[6:] + "=="):
                raise ValueError
        except (ValueError, binascii.Error):
            raise _unprocessable("secret: whsec_ must be followed by base64") from None
    algorithm = payload.get("algorithm")
    if algorithm not in (None, "jwt", "hmac"):
        raise _unprocessable("algorithm must be jwt or hmac (Lago's X-Lago-Signature-Algorithm)")
    return url, tuple(events) if events is not None else None, secret, algorithm, _drill(payload.get("drill"))


def _drill(value: Any) -> dict[str, Any] | None:
    """`{"delay_ms"?: 0..MAX_DELAY_MS, "duplicate"?, "reorder"?, "drop"?: booleans}` (docs/events.md, "Drills")."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"delay_ms", "duplicate", "reorder", "drop"}:
        raise _unprocessable("drill must be an object with delay_ms, duplicate, reorder or drop")
    delay = value.get("delay_ms", 0)
    if not _is_int(delay) or not 0 <= delay <= MAX_DELAY_MS:
        raise _unprocessable(f"drill.delay_ms must be a whole number from 0 to {MAX_DELAY_MS}")
    flags = {key: value.get(key, False) for key in ("duplicate", "reorder", "drop")}
    if not all(isinstance(flag, bool) for flag in flags.values()):
        raise _unprocessable("drill.duplicate, drill.reorder and drill.drop are true or false")
    drill = {"delay_ms": delay, **flags}
    return {key: item for key, item in drill.items() if item} or None


DRIFT_FORMATS = ("json", "junit", "overlay")


class DriftEndpoint:
    """`/__mock/drift` (--proxy): the drift report as JSON, JUnit XML or an Overlay 1.0 document
    that makes the contract accept what the upstream sent; DELETE clears it."""

    def __init__(self, engine: Engine) -> None:
        self.upstreams = engine.upstreams

    async def handle(self, request: Request) -> Response:
        log = self.upstreams.drifts
        if request.method == "DELETE":
            log.clear()
            return Response(status_code=204)
        kind = request.query_params.get("format", "json")
        if kind not in DRIFT_FORMATS:
            raise _unprocessable(f"format must be one of {', '.join(DRIFT_FORMATS)}, not {kind[:40]!r}")
        drifts = log.list()
        if kind == "junit":
            return Response(junit(drifts, self.upstreams.proxied()), media_type="application/xml")
        if kind == "json":
            return _json({"proxied": bool(self.upstreams.base_urls), "drifts": [d.as_json() for d in drifts]})
        names = sorted({d.api for d in drifts})
        name = request.query_params.get("api") or (names[0] if len(names) == 1 else None)
        if name is None and names:
            raise _unprocessable(f"drift in several documents ({', '.join(names)}): name one with ?api=NAME")
        document = self.upstreams.documents.get(name or "")
        if name is not None and document is None:
            raise _not_found(f"no document named {name[:60]!r}; served: {', '.join(sorted(self.upstreams.documents))}")
        found = [d.finding for d in drifts if d.api == name]
        doc = drift_overlay(document or {}, f"Drift of {name or 'no document'} seen through mockserver's proxy", found)
        if "application/json" in request.headers.get("accept", ""):
            return _json(doc)
        return Response(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), media_type="application/yaml")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def create_control_app(engine: Engine, router: Router, replay: Callable[[], Any]) -> Starlette:
    api = ControlApi(engine, router, replay)
    p = CONTROL_PREFIX
    routes = [
        Route(f"{p}", api.dashboard, methods=["GET"]),
        Route(f"{p}/", api.dashboard, methods=["GET"]),
        Route(f"{p}/health", api.health, methods=["GET"]),
        Route(f"{p}/routes", api.routes, methods=["GET"]),
        Route(f"{p}/resources", api.resources, methods=["GET"]),
        Route(f"{p}/sessions", api.sessions_list, methods=["GET"]),
        Route(f"{p}/sessions/{{name}}", api.session, methods=["DELETE"]),
        Route(f"{p}/requests", api.requests, methods=["GET", "DELETE"]),
        Route(f"{p}/scenarios", api.scenarios, methods=["GET", "POST", "DELETE"]),
        Route(f"{p}/scenarios/{{scenario_id}}", api.scenario, methods=["DELETE"]),
        Route(f"{p}/records/{{operation_id}}/{{record_id}}", api.record, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route(f"{p}/reset", api.reset, methods=["POST"]),
        Route(f"{p}/clock", api.clock, methods=["GET", "PUT"]),
        Route(f"{p}/webhooks", api.webhooks, methods=["GET", "POST"]),
        Route(f"{p}/webhooks/fire", api.webhook_fire, methods=["POST"]),
        Route(f"{p}/webhooks/deliveries", api.webhook_deliveries, methods=["GET"]),
        Route(f"{p}/webhooks/{{subscriber_id}}", api.webhook, methods=["DELETE"]),
        Route(f"{p}/drift", DriftEndpoint(engine).handle, methods=["GET", "DELETE"]),
    ]

    async def control_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ControlError)
        return _response(exc.reply)

    async def state_unavailable(request: Request, exc: Exception) -> Response:
        return _response(problems.state_unavailable(str(exc)))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "").split(", ")
            reply = problems.control_method_not_allowed(request.method, request.url.path, allowed)
        else:
            reply = problems.control_not_found(f"no control endpoint {request.method} {request.url.path}")
        return _response(reply)

    async def internal_error(request: Request, exc: Exception) -> Response:
        """A bug of the mock: problem+json like every control error (starlette's own is a bare
        text/plain 500); `ControlMiddleware` logs it."""
        return _response(problems.internal_error(f"{type(exc).__name__} while answering; see the server log"))

    return Starlette(routes=routes, exception_handlers={
        ControlError: control_error, HTTPException: http_error, StoreUnavailable: state_unavailable,
        Stale: state_unavailable, Exception: internal_error})


class ControlMiddleware:
    """Sends `/__mock/...` to the control API, once `access` lets it in, and everything else on.

    It sits before the contract routes' open CORS, which never applies here: a `/__mock` reply
    carries CORS headers only for an origin named with `--control-origin` (access.py), its
    refusals included, so a page there reads why it was refused instead of "Failed to fetch".
    """

    def __init__(self, app: Callable, *, control_app: Callable, access: ControlAccess, engine: Engine) -> None:
        self.app = app
        self.control_app = control_app
        self.access = access
        self.engine = engine

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")):
            if self.access.is_preflight(scope):
                await self.access.preflight(scope).send(send)
                return
            origin = self.access.cors_origin(scope)
            if origin is not None:
                send = allowing(send, origin)
            refusal = self.access.check(scope)
            if refusal is not None:
                await refusal.send(send)
                return
            replica = self.engine.replica
            if replica is not None and not replica.available and path != CONTROL_PREFIX + "/health":
                # what a control call would read or change may be stale or lost: say so instead
                await problems.state_unavailable(f"the shared state ({replica.store_name}) cannot be reached").send(send)
                return
            try:
                await self.control_app(scope, receive, send)
            except Exception as exc:  # answered already (`internal_error`): logged once, its innermost frames
                frames = "".join(traceback.format_exception(exc, limit=-TRACEBACK_FRAMES)).rstrip()
                log.error("internal error on %s %s\n%s", scope.get("method"), path, frames)
            return
        await self.app(scope, receive, send)
