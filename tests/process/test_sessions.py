"""Issue 14: isolated sessions on one mock, so parallel test runs do not see each other."""

from __future__ import annotations

import threading
import time

import httpx
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError

from tests.conftest import BEARER
from tests.mockserver_process import REPO

ACTIVITY = "/api/v1/activity_logs/shared-id"
TODOS = REPO / "tests" / "data" / "anydoc" / "todos-crud.yaml"


def _session(name: str) -> dict[str, str]:
    return {"X-Mock-Session": name}


def test_two_sessions_at_once_see_only_their_own_scenarios_and_records(launch) -> None:
    server = launch("--spec", str(TODOS), "--spec", str(REPO / "openapi" / "lago.yaml"))
    base = server.url
    assert httpx.post(base + "/__mock/scenarios", headers=_session("a"),
                      json={"operationId": "findActivityLog", "status": 404}).status_code == 201
    assert httpx.post(base + "/todo-service/v2/todos", headers=_session("b"),
                      json={"todo": {"code": "milk", "title": "B's milk"}}).status_code == 201
    results: dict[str, list[int]] = {"a": [], "b": [], "default": []}

    def client(name: str) -> None:
        headers = {**BEARER, **(_session(name) if name != "default" else {})}
        with httpx.Client(base_url=base, headers=headers) as http:
            for _ in range(25):
                results[name].append(http.get(ACTIVITY).status_code)
                results[name].append(http.get("/todo-service/v2/todos/milk").status_code)

    threads = [threading.Thread(target=client, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results["a"][0::2]) == {404} and set(results["b"][0::2]) == {200} and set(results["default"][0::2]) == {200}
    # the todo exists in b only; elsewhere "milk" is an unknown code (generated, as unknown ids are)
    b_todo = httpx.get(base + "/todo-service/v2/todos/milk", headers=_session("b")).json()["todo"]
    other = httpx.get(base + "/todo-service/v2/todos/milk", headers=_session("a")).json()["todo"]
    assert b_todo["title"] == "B's milk" and other["title"] != "B's milk"
    listed_in_a = httpx.get(base + "/todo-service/v2/todos?per_page=50", headers=_session("a")).json()["todos"]
    assert listed_in_a and "milk" not in [todo["code"] for todo in listed_in_a]  # a's: the generated todos only
    listed_in_b = httpx.get(base + "/todo-service/v2/todos?per_page=50", headers=_session("b")).json()["todos"]
    assert listed_in_b == [b_todo, *listed_in_a]  # b's own todo, then the same generated ones
    # each session's journal holds its own requests only
    journal_a = httpx.get(base + "/__mock/requests", headers=_session("a")).json()["requests"]
    assert journal_a and all(entry["status"] in (404, 200) for entry in journal_a)
    assert len([e for e in journal_a if e["path"] == ACTIVITY]) == 25
    # generated records are the same in every session: only state differs
    plain = httpx.get(base + "/api/v1/activity_logs/same-everywhere", headers=BEARER).content
    assert httpx.get(base + "/api/v1/activity_logs/same-everywhere", headers={**BEARER, **_session("b")}).content == plain


def test_a_session_in_the_path_prefix_serves_an_sdk_that_takes_only_a_base_url(launch) -> None:
    server = launch()
    httpx.post(server.url + "/__session/sdk-run/__mock/scenarios", json={"operationId": "findApiLog", "status": 404})
    in_session = Client(api_key="k", api_url=server.url + "/__session/sdk-run")
    try:
        in_session.api_logs.find("x")
        raise AssertionError("the session's scenario did not apply")
    except LagoApiError as error:
        assert error.status_code == 404
    assert Client(api_key="k", api_url=server.url).api_logs.find("x").request_id == "x"  # the default session
    names = [s["name"] for s in httpx.get(server.url + "/__mock/sessions").json()["sessions"]]
    assert names == ["sdk-run"]


def test_sessions_are_listed_removed_capped_and_expire(launch) -> None:
    server = launch("--max-sessions", "2", "--session-idle", "1")
    for name in ("one", "two"):
        assert httpx.get(server.url + "/api/v1/activity_logs/x", headers={**BEARER, **_session(name)}).status_code == 200
    listed = httpx.get(server.url + "/__mock/sessions").json()
    assert [s["name"] for s in listed["sessions"]] == ["one", "two"] and listed["max_sessions"] == 2
    refused = httpx.get(server.url + "/api/v1/activity_logs/x", headers={**BEARER, **_session("three")})
    assert (refused.status_code, refused.headers["content-type"]) == (503, "application/problem+json")
    assert "--max-sessions" in refused.json()["detail"]
    assert httpx.get(server.url + "/api/v1/activity_logs/x", headers={**BEARER, **_session("one")}).status_code == 200
    assert httpx.delete(server.url + "/__mock/sessions/one").status_code == 204
    assert httpx.delete(server.url + "/__mock/sessions/one").status_code == 404
    time.sleep(1.5)  # past --session-idle: "two" goes, and "three" fits
    assert httpx.get(server.url + "/api/v1/activity_logs/x", headers={**BEARER, **_session("three")}).status_code == 200
    assert [s["name"] for s in httpx.get(server.url + "/__mock/sessions").json()["sessions"]] == ["three"]
    bad = httpx.get(server.url + "/api/v1/activity_logs/x", headers={**BEARER, **_session("no spaces")})
    assert (bad.status_code, bad.json()["type"].rsplit("/", 1)[-1]) == (400, "invalid-session")


def test_reset_in_a_session_leaves_the_others_alone(launch) -> None:
    server = launch()
    for name in ("keep", "wipe"):
        httpx.post(server.url + "/__mock/scenarios", headers=_session(name), json={"operationId": "findApiLog", "status": 404})
    assert httpx.post(server.url + "/__mock/reset", headers=_session("wipe")).status_code == 204
    assert httpx.get(server.url + "/__mock/scenarios", headers=_session("wipe")).json()["scenarios"] == []
    assert len(httpx.get(server.url + "/__mock/scenarios", headers=_session("keep")).json()["scenarios"]) == 1
    assert httpx.get(server.url + "/__mock/scenarios").json()["scenarios"] == []  # nor the default
