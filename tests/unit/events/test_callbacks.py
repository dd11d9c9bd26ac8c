"""Callbacks in-process (events/callbacks.py), with a receiver served from a thread of the test:
what the deliveries log records for each (the contract's verdict on the receiver's status, a
warning for a URL that names nothing), that a refused request sends none, and that each
session's log holds its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.inprocess import InProcess
from tests.mockserver_process import REPO
from tests.webhook_receiver import Receiver

SPEC = REPO / "tests" / "data" / "events" / "subscriptions-callbacks.yaml"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def mock() -> InProcess:
    return InProcess(SPEC, allowed_hosts=("mock.test",))


@pytest.fixture()
def api(mock: InProcess) -> InProcess:
    assert mock.request("POST", "/__mock/reset").status_code == 204
    return mock


def _subscribe(api: InProcess, body: Any, path: str = "/subscriptions", headers: dict[str, str] | None = None) -> Any:
    response = api.request("POST", path, {**JSON, **(headers or {})}, json.dumps(body).encode())
    assert api.engine.sender.drain(20)
    return response


def _log(api: InProcess, session: str | None = None) -> list[dict[str, Any]]:
    return api.engine.sessions.get(session).webhooks.attempts()


def test_a_declared_status_is_declared(api: InProcess) -> None:
    with Receiver((204,)) as receiver:
        made = _subscribe(api, {"callbackUrl": receiver.url, "topic": "t"})
    assert made.status_code == 201
    (attempt,) = [a for a in _log(api) if a["name"] == "createSubscription.subscriptionEvent"]
    assert (attempt["verdict"], attempt["contract"], attempt["response"]["status"]) == ("delivered", "declared", 204)
    assert attempt["request"]["url"] == receiver.url and attempt["kind"] == "callback"
    assert json.loads(attempt["request"]["body"])["subscription"] == made.json()


def test_an_undeclared_status_says_what_was_declared(api: InProcess) -> None:
    with Receiver((200,)) as receiver:
        _subscribe(api, {"callbackUrl": receiver.url, "topic": "t"})
    (attempt,) = [a for a in _log(api) if a["name"] == "createSubscription.subscriptionEvent"]
    assert (attempt["verdict"], attempt["contract"]) == ("delivered", "undeclared: the callback declares 204")


def test_a_url_that_names_nothing_is_a_warning_and_the_client_gets_its_reply(api: InProcess) -> None:
    made = _subscribe(api, {"callbackUrl": "not a url", "topic": "t"})
    assert made.status_code == 201
    verdicts = {a["name"]: a["verdict"] for a in _log(api)}
    assert verdicts == {
        "createSubscription.subscriptionEvent": "warning: the callback URL 'not a url' is not an http(s) URL",
        "createSubscription.audit": "warning: the callback URL 'http://127.0.0.1:{$request.query.auditPort}/audit/"
                                    "{$response.body#/id}?by={$method}': $request.query.auditPort: no query "
                                    "parameter 'auditPort'"}


def test_a_refused_request_calls_nobody_back(api: InProcess) -> None:
    with Receiver((204,)) as receiver:
        refused = _subscribe(api, {"callbackUrl": receiver.url})  # no topic: the contract's 400
    assert refused.status_code == 400 and receiver.received == [] and _log(api) == []


def test_each_session_logs_its_own_callbacks(api: InProcess) -> None:
    assert api.request("POST", "/__mock/reset", {"x-mock-session": "cb"}).status_code == 204
    with Receiver((204,)) as receiver:
        _subscribe(api, {"callbackUrl": receiver.url, "topic": "t"}, headers={"x-mock-session": "cb"})
    assert _log(api) == []
    assert sorted((a["name"], a["verdict"][:8]) for a in _log(api, "cb")) == [
        ("createSubscription.audit", "warning:"), ("createSubscription.subscriptionEvent", "delivere")]


def test_only_loopback_hosts_unless_allowed(api: InProcess) -> None:
    _subscribe(api, {"callbackUrl": "http://192.0.2.1:9/hook", "topic": "t"})
    (attempt,) = [a for a in _log(api) if a["name"] == "createSubscription.subscriptionEvent"]
    assert attempt["verdict"] == ("warning: the callback URL 'http://192.0.2.1:9/hook' is not on loopback; "
                                  "pass --callback-host 192.0.2.1 to allow it")
    anywhere = InProcess(SPEC, allowed_hosts=("mock.test",), callback_hosts=("*",))
    try:
        response = anywhere.request("POST", "/subscriptions", JSON, json.dumps(
            {"callbackUrl": "http://192.0.2.1:9/hook", "topic": "t"}).encode())
        assert response.status_code == 201 and anywhere.engine.sender.pending() == 1  # queued, not refused
    finally:
        anywhere.engine.sender.close()


def test_a_31_documents_callbacks_survive_normalization(tmp_path: Path) -> None:
    spec = tmp_path / "subscriptions-3.1.yaml"
    spec.write_text(SPEC.read_text().replace("openapi: 3.0.3", "openapi: 3.1.0"))
    mock = InProcess(spec, allowed_hosts=("mock.test",))
    with Receiver((204,)) as receiver:
        made = _subscribe(mock, {"callbackUrl": receiver.url, "topic": "t"})
        (event,) = receiver.wait_for(1)
    assert json.loads(event.body)["subscription"] == made.json()
