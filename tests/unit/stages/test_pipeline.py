"""The request pipeline in-process: each stage alone, then the app over ASGI (httpx.ASGITransport).

The black-box suite drives the real server over HTTP; these tests call the stages directly
and the ASGI app without a socket, so a failure names the stage that broke.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from mockserver.stages import guard, preferences, security

from mockserver.http import problems
from mockserver.base.config import Credentials
from mockserver.stages.preferences import NO_PREFERENCES, Preferences
from mockserver.http.reply import Reply
from mockserver.http.request import MockRequest
from tests.conftest import BEARER
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

DATA = REPO / "tests" / "data" / "pipeline"
LAGO_401 = b'{"status":401,"error":"Unauthorized"}'
ACTIVITY_404 = b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}'


@pytest.fixture(scope="module")
def bundled() -> InProcess:
    return InProcess(REPO / "openapi" / "lago.yaml", REPO / "openapi" / "sequence.yaml")


@pytest.fixture(scope="module")
def edge() -> InProcess:
    return InProcess(DATA / "edge.yaml")


def request_for(path: str, headers: dict[str, str] | None = None, query: bytes = b"",
                path_params: dict[str, Any] | None = None) -> MockRequest:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": raw, "path_params": path_params or {}}
    return MockRequest.from_scope(scope)


def lago_op(engine, operation_id: str = "findActivityLog"):
    return engine.operation("/api/v1", operation_id)


# -- path guard ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, problem", [
    (b"/api/v1/activity_logs/abc", None),
    (b"/api/v1/activity_logs/a%20b", None),
    (b"/api/v1/activity_logs/%C3%A9", None),
    (b"/api/v1/activity_logs/a%00b", "the path holds control characters"),
    (b"/api/v1/activity_logs/a%7Fb", "the path holds control characters"),
    (b"/api/v1/activity_logs/%FF", "the path is not UTF-8 once percent-decoded"),
])
def test_guard_names_why_no_record_can_live_at_a_path(raw: bytes, problem: str | None) -> None:
    assert guard.path_problem(raw) == problem


def test_guard_answers_the_declared_404_else_a_400_problem(bundled: InProcess) -> None:
    bad = MockRequest.from_scope({"type": "http", "method": "GET", "path": "/x", "raw_path": b"/api/v1/activity_logs/a%00b",
                                  "query_string": b"", "headers": []})
    reply = guard.check(lago_op(bundled.engine), bad, bundled.engine.responder)
    assert (reply.status, reply.body, reply.contract) == (404, ACTIVITY_404, True)
    assert ("x-mock-problem", "the path holds control characters") in reply.headers
    unrouted = guard.check(None, bad, bundled.engine.responder)
    assert (unrouted.status, unrouted.media_type, json.loads(unrouted.body)["detail"]) == (
        404, "application/problem+json", "the path holds control characters")
    assert guard.check(lago_op(bundled.engine), request_for("/api/v1/activity_logs/ok"), bundled.engine.responder) is None


# -- security --------------------------------------------------------------------------------

def test_security_passes_any_well_formed_credential_and_answers_the_declared_401(bundled: InProcess) -> None:
    op, responder = lago_op(bundled.engine), bundled.engine.responder
    assert security.check(op, request_for("/", BEARER), Credentials(), responder) is None
    assert security.check(op, request_for("/", {"Authorization": "bearer k"}), Credentials(), responder) is None
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic Y2xpZW50OnNlY3JldA=="}):
        reply = security.check(op, request_for("/", headers), Credentials(), responder)
        assert (reply.status, reply.body, reply.contract) == (401, LAGO_401, True)
    only = Credentials(api_keys=frozenset({"sk_1"}))
    assert security.check(op, request_for("/", {"Authorization": "Bearer sk_1"}), only, responder) is None
    assert security.check(op, request_for("/", BEARER), only, responder).status == 401


@pytest.mark.parametrize("path, challenge", [
    ("/secured/basic/1", 'Basic realm="mockserver"'),
    ("/secured/bearer/1", "Bearer"),
])
def test_an_undeclared_401_names_the_scheme_that_failed(path: str, challenge: str) -> None:
    mock = InProcess(DATA / "secured.yaml")
    response = mock.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == problems.PROBLEM_BASE + "unauthorized"


def test_an_api_key_in_the_query_is_read_from_the_query() -> None:
    mock = InProcess(DATA / "secured.yaml")
    assert mock.get("/secured/key/1?api_key=k").json() == {"id": "1"}
    refused = mock.get("/secured/key/1?other=k")
    assert refused.status_code == 401 and "www-authenticate" not in refused.headers


def test_security_declares_the_headers_it_reads(bundled: InProcess) -> None:
    assert security.reads(lago_op(bundled.engine)) == {"authorization"}


# -- preferences and scenario ----------------------------------------------------------------

def test_preferences_are_parsed_once_into_an_immutable_value() -> None:
    assert preferences.choose(request_for("/"), None) is NO_PREFERENCES
    chosen = preferences.choose(request_for("/", {"Prefer": "code=404, example=x"}), None)
    assert chosen == Preferences(code=404, example="x")
    with pytest.raises(AttributeError):
        chosen.code = 200  # type: ignore[misc]
    assert preferences.choose(request_for("/", query=b"__code=401"), None) == Preferences(code=401)
    assert preferences.choose(request_for("/", query=b"%5F%5Fcode=401"), None) == Preferences(code=401)


def test_a_misspelled_preference_is_a_422_problem() -> None:
    reply = preferences.choose(request_for("/", {"Prefer": "code=4O4"}), None)
    assert isinstance(reply, Reply) and reply.status == 422 and not reply.contract
    assert b"invalid-preference" in reply.body


def test_a_scenario_wins_over_the_request(bundled: InProcess) -> None:
    scenario = bundled.engine.state.scenarios.add(
        {"operation_ids": ("findActivityLog",), "path": None, "status": 404, "example": None, "delay_ms": None, "times": 1})
    try:
        taken = bundled.engine.state.scenarios.take(lago_op(bundled.engine), "/api/v1/activity_logs/x")
        assert taken == scenario
        assert preferences.choose(request_for("/", {"Prefer": "code=401"}), taken) == Preferences(code=404)
    finally:
        bundled.engine.state.reset()


# -- parameters and body ---------------------------------------------------------------------

def test_a_header_parameter_the_contract_rejects_gets_the_declared_400(edge: InProcess) -> None:
    response = edge.get("/things/t1", {"X-Trace": "UPPER"})
    assert (response.status_code, response.json()) == (400, {"error": "bad request"})
    assert response.headers["x-mock-problem"].startswith("Invalid header parameter 'X-Trace'")
    assert edge.get("/things/t1", {"X-Trace": "lower"}).json()["thing"]["thing-id"] == "t1"


def test_a_missing_required_header_and_a_bad_query_get_the_declared_400(edge: InProcess) -> None:
    assert edge.get("/things/t1").headers["x-mock-problem"] == "Missing header parameter 'X-Trace'"
    assert edge.get("/things/t1?limit=99", {"X-Trace": "a"}).status_code == 400


def test_a_body_the_contract_rejects_is_a_400_problem_where_none_is_declared(edge: InProcess) -> None:
    json = {"Content-Type": "application/json"}
    assert edge.request("POST", "/things", json, b'{"size": 3}').status_code == 201
    wrong = edge.request("POST", "/things", json, b'{"size": "three"}')
    assert (wrong.status_code, wrong.headers["content-type"]) == (400, "application/problem+json")
    assert wrong.json()["type"] == problems.PROBLEM_BASE + "invalid-request"
    missing = edge.request("POST", "/things", json, b"")
    assert missing.status_code == 400


def test_a_body_of_an_undeclared_media_type_is_a_415_problem(edge: InProcess) -> None:
    response = edge.request("POST", "/things", {"Content-Type": "text/plain"}, b"size=3")
    assert response.status_code == 415
    assert response.json()["type"] == problems.PROBLEM_BASE + "unsupported-media-type"


# -- respond and validate --------------------------------------------------------------------

def test_respond_serves_the_stored_record_else_a_generated_one(bundled: InProcess) -> None:
    op, responder = lago_op(bundled.engine), bundled.engine.responder
    reply = responder.respond(op, request_for("/", path_params={"activity_id": "gen-1"}), NO_PREFERENCES)
    assert reply.contract and reply.status == 200 and b'"activity_id":"gen-1"' in reply.body
    bundled.engine.state.records.put(op, "kept", {"activity_id": "kept", "activity_source": "api"})
    try:
        stored = responder.respond(op, request_for("/", path_params={"activity_id": "kept"}), NO_PREFERENCES)
        assert stored.body == b'{"activity_log":{"activity_id":"kept","activity_source":"api"}}'
    finally:
        bundled.engine.state.reset()


def test_validate_turns_a_contract_reply_that_breaks_the_contract_into_a_500(bundled: InProcess) -> None:
    op = lago_op(bundled.engine)
    validator = bundled.engine.validators["lago"]
    broken = Reply(200, "application/json", b'{"activity_log":{"activity_id":1}}', contract=True)
    checked = validator.check(op, broken)
    assert checked.status == 500 and b"contract-violation" in checked.body
    mine = problems.not_acceptable("application/json")
    assert validator.check(op, mine) is mine  # the mock's own problems are not the contract's


# -- routing, and the order of the stages ----------------------------------------------------

def test_unknown_paths_are_404_and_other_methods_405_from_the_router(bundled: InProcess) -> None:
    missing = bundled.get("/api/v1/customers/abc")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    closest = ["GET /api/v1/activity_logs/{activity_id}", "GET /api/v1/api_logs/{request_id}", "GET /activity-logs/{id}"]
    assert missing.json() == {
        "type": problems.PROBLEM_BASE + "not-found", "title": "Not Found", "status": 404,
        "detail": f"no operation serves GET /api/v1/customers/abc; the closest served: {', '.join(closest)} "
                  "(every route: GET /)",
        "closest": closest}
    other = bundled.request("DELETE", "/api/v1/activity_logs/abc", BEARER)
    assert (other.status_code, other.headers["allow"]) == (405, "GET, HEAD")
    assert other.json()["type"] == problems.PROBLEM_BASE + "method-not-allowed"
    assert bundled.request("OPTIONS", "/activity-logs/x").status_code == 405


def test_head_is_answered_like_get(bundled: InProcess) -> None:
    head = bundled.request("HEAD", "/api/v1/activity_logs/head-1", BEARER)
    get = bundled.get("/api/v1/activity_logs/head-1", BEARER)
    assert head.status_code == 200
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))


def test_typed_and_dash_named_path_parameters_reach_the_record(edge: InProcess) -> None:
    assert edge.get("/counts/5").json() == {"n": 5}
    # connexion's int convertor does not match "five", but the client named this operation with a bad id
    five = edge.get("/counts/five")
    assert (five.status_code, five.json()["type"].rsplit("/", 1)[-1]) == (400, "invalid-request")
    assert edge.get("/things/a-b", {"X-Trace": "a"}).json()["thing"]["thing-id"] == "a-b"


def test_swagger_ui_paths_win_over_a_catch_all_operation(edge: InProcess) -> None:
    assert edge.get("/openapi.json").json()["info"]["title"] == "dispatch edges"
    assert edge.get("/anything").json() == {"name": "anything"}


def test_the_router_answers_the_control_api_too(bundled: InProcess) -> None:
    bundled.get("/__mock/health")  # connexion builds its middleware stack, the router too, on the first request
    router = bundled.app.router

    async def ids(path: str) -> list[str]:
        return [route.op.operation_id for route in await router.routes_for(path)]

    assert asyncio.run(ids("/api/v1/activity_logs/abc")) == ["findActivityLog"]
    assert asyncio.run(ids("/api/v1/activity_logs/{activity_id}")) == ["findActivityLog"]
    assert asyncio.run(ids("/activity-logs/x")) == ["getActivityLogsById"]
    assert asyncio.run(ids("/api/v1/customers")) == []


def test_stages_run_in_order_guard_security_preferences_parameters(bundled: InProcess, edge: InProcess) -> None:
    # the path guard before security: a control character without credentials is the declared 404
    assert bundled.get("/api/v1/activity_logs/a%00b").content == ACTIVITY_404
    # security before preferences: a misspelled Prefer without credentials is the declared 401
    assert bundled.get("/api/v1/activity_logs/x", {"Prefer": "code=4O4"}).content == LAGO_401
    # preferences before parameters: a misspelled Prefer with a bad header parameter is the 422
    response = edge.get("/things/t1", {"Prefer": "code=4O4", "X-Trace": "UPPER"})
    assert response.status_code == 422
    # parameters before respond: a bad header with a valid Prefer is the declared 400
    assert edge.get("/things/t1", {"Prefer": "code=200", "X-Trace": "UPPER"}).status_code == 400


# -- replay: derived from state, observable ---------------------------------------------------

def test_an_identical_get_is_replayed(bundled: InProcess) -> None:
    first = bundled.get("/api/v1/activity_logs/replayed", BEARER)
    bundled.get("/api/v1/activity_logs/replayed", BEARER)  # kept on its second miss (replay.py)
    hits, misses = bundled.replay_stats()
    again = bundled.get("/api/v1/activity_logs/replayed", BEARER)
    assert bundled.replay_stats() == (hits + 1, misses)
    assert (again.status_code, again.content, again.headers.get_list("vary")) == (200, first.content, ["Origin"])
    other = bundled.get("/api/v1/activity_logs/replayed", {"Authorization": "Bearer other", "Prefer": "code=404"})
    assert other.status_code == 404 and bundled.replay_stats() == (hits + 1, misses + 1)


def test_a_record_changed_between_two_gets_is_never_served_stale(bundled: InProcess) -> None:
    op = lago_op(bundled.engine)
    path = "/api/v1/activity_logs/stale-1"
    generated = bundled.get(path, BEARER).content
    assert bundled.get(path, BEARER).content == generated
    record = {**json.loads(generated)["activity_log"], "activity_source": "system"}
    bundled.engine.state.records.put(op, "stale-1", record)
    try:
        assert bundled.get(path, BEARER).json() == {"activity_log": record}
        bundled.engine.state.records.delete(op, "stale-1", tombstone=True)
        assert bundled.get(path, BEARER).content == ACTIVITY_404
    finally:
        bundled.engine.state.reset()
    assert bundled.get(path, BEARER).content == generated


def test_every_change_to_records_or_scenarios_bumps_the_version(bundled: InProcess) -> None:
    state, op = bundled.engine.state, lago_op(bundled.engine)
    seen = [state.version.value]

    def bumped() -> bool:
        seen.append(state.version.value)
        return seen[-1] > seen[-2]

    state.records.put(op, "v", {"activity_id": "v"})
    assert bumped()
    state.records.delete(op, "v", tombstone=False)
    assert bumped()
    added = state.scenarios.add({"operation_ids": ("findActivityLog",), "path": None, "status": 404,
                                 "example": None, "delay_ms": None, "times": 2})
    assert bumped()
    state.scenarios.take(op, "/api/v1/activity_logs/v")  # uses one of its two times
    assert bumped()
    state.scenarios.remove(added.id)
    assert bumped()
    state.reset()
    assert bumped()


# -- the problem catalogue -------------------------------------------------------------------

def test_the_readme_lists_every_problem_the_mock_writes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for kind, (status, _title) in problems.CATALOGUE.items():
        assert f"| {status} | `{kind}` |" in readme, f"README's problem table lacks {status} {kind}"


# -- the exception stage (failures.py) --------------------------------------------------------

def test_an_unexpected_exception_is_the_internal_error_problem_and_a_405_names_the_methods(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """connexion's exception stage, built lazily, still runs our handlers: a bug of the mock is
    the `internal-error` problem (500), a path with another method is the 405 with `Allow`."""
    app = InProcess(REPO / "openapi" / "lago.yaml")

    def broken(*_args: Any, **_kwargs: Any) -> Reply:
        raise KeyError("a bug")

    monkeypatch.setattr(app.engine.responder, "respond", broken)
    failed = app.get("/api/v1/activity_logs/boom", BEARER)
    assert failed.status_code == 500 and b"internal-error" in failed.content and b"KeyError" in failed.content
    refused = app.request("DELETE", "/api/v1/activity_logs/boom", BEARER)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"


def test_a_runaway_recursion_logs_its_innermost_frames_only(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A bug that recurses without end (as the generator once did on Stripe) is one 500 and a
    log entry of a bounded size, not thousands of lines per request."""
    app = InProcess(REPO / "openapi" / "lago.yaml")

    def ping(depth: int) -> Reply:
        return pong(depth + 1)

    def pong(depth: int) -> Reply:  # two functions: Python does not fold a cycle's repeated lines
        return ping(depth + 1)

    monkeypatch.setattr(app.engine.responder, "respond", lambda *_a, **_k: ping(0))
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        failed = app.get("/api/v1/activity_logs/recursing", BEARER)
    assert failed.status_code == 500 and b"RecursionError" in failed.content
    [entry] = [r for r in caplog.records if r.getMessage().startswith("internal error on GET")]
    logged = entry.getMessage()
    assert "RecursionError" in logged and logged.count("in ping") + logged.count("in pong") <= 20
    assert len(logged.splitlines()) < 80


def test_a_verdict_is_kept_the_second_time_its_reply_is_validated(bundled: InProcess) -> None:
    """One-off replies (a new id per request) do not fill the verdict cache (validation.py)."""
    validator, op = bundled.engine.validators["lago"], lago_op(bundled.engine)
    body = b'{"activity_log": {"activity_id": "verdict-kept"}}'
    size = len(validator._cache)
    first = validator.violations(op, 200, "application/json", body)
    assert first and len(validator._cache) == size
    assert validator.violations(op, 200, "application/json", body) == first and len(validator._cache) == size + 1
