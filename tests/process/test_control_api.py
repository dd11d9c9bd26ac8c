"""The control API under /__mock, against the real server, endpoint by endpoint."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import httpx
import pytest

from tests.conftest import BASIC, BEARER
from tests.mockserver_process import RunningServer, start_server

ACTIVITY_404 = b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}'
FIXTURE_ID = "7d4f2c1e-8b3a-4e6f-9a10-2b5c8d7e6f01"


@pytest.fixture(scope="module")
def control_server() -> Iterator[RunningServer]:
    running = start_server("--journal-size", "5")
    yield running
    running.stop()


@pytest.fixture
def http(control_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=control_server.url, timeout=10) as client:
        assert client.post("/__mock/reset").status_code == 204
        yield client


def test_health(http: httpx.Client) -> None:
    response = http.get("/__mock/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert [(a["name"], a["base_path"], a["operations"]) for a in body["apis"]] == [
        ("lago", "/api/v1", 2), ("sequence", "/", 1)]


def test_health_counts_replayed_replies(http: httpx.Client) -> None:
    """An identical GET is answered from the replay cache (a hit), a changed record is not.
    The reply is kept on its second miss (replay.py), so the third GET is the first hit."""
    before = http.get("/__mock/health").json()["replay"]
    first = http.get("/api/v1/activity_logs/replay-1", headers=BEARER)
    http.get("/api/v1/activity_logs/replay-1", headers=BEARER)
    third = http.get("/api/v1/activity_logs/replay-1", headers=BEARER)
    after = http.get("/__mock/health").json()["replay"]
    assert (after["hits"], after["misses"]) == (before["hits"] + 1, before["misses"] + 2)
    assert third.content == first.content and third.headers.get_list("vary") == ["Origin"]
    record = {**first.json()["activity_log"], "activity_source": "system"}
    assert http.put("/__mock/records/findActivityLog/replay-1", json=record).status_code == 201
    assert http.get("/api/v1/activity_logs/replay-1", headers=BEARER).json() == {"activity_log": record}


def test_routes(http: httpx.Client, control_server: RunningServer) -> None:
    routes = {r["operationId"]: r for r in http.get("/__mock/routes").json()["routes"]}
    assert set(routes) == {"findActivityLog", "findApiLog", "getActivityLogsById"}
    lago = routes["findActivityLog"]
    assert (lago["api"], lago["method"], lago["path"]) == ("lago", "GET", "/api/v1/activity_logs/{activity_id}")
    assert lago["statuses"] == [200, 401, 404]
    assert lago["examples"]["404"] == ["example"]
    # the landing page's curl (a seeded record's id), which runs as shown (test_printed_curls.py)
    assert lago["curl"] == (f"curl -i -H 'Authorization: Bearer key' "
                            f"{control_server.url}/api/v1/activity_logs/bdc0eda6-ea52-4f72-a46a-94f47a89b546")
    assert routes["getActivityLogsById"]["curl"].startswith("curl -i -u user:pass ")


def test_journal_newest_last_redacted_bounded_and_clearable(http: httpx.Client) -> None:
    http.get("/api/v1/activity_logs/j1?x=1", headers={"Authorization": "Bearer top-secret", "Cookie": "s=1"})
    http.get("/activity-logs/j2", headers=BASIC)
    entries = http.get("/__mock/requests").json()["requests"]
    assert [(e["method"], e["path"], e["operationId"], e["status"]) for e in entries] == [
        ("GET", "/api/v1/activity_logs/j1", "findActivityLog", 200),
        ("GET", "/activity-logs/j2", "getActivityLogsById", 200),
    ]
    first = entries[0]
    assert first["query"] == {"x": "1"}
    assert first["headers"]["authorization"] == "[redacted]"
    assert first["headers"]["cookie"] == "[redacted]"
    assert first["time"].endswith("Z") and first["duration_ms"] > 0
    for n in range(7):
        http.get(f"/api/v1/activity_logs/ring-{n}", headers=BEARER)
    ring = http.get("/__mock/requests").json()["requests"]
    assert [e["path"] for e in ring] == [f"/api/v1/activity_logs/ring-{n}" for n in range(2, 7)]
    assert http.delete("/__mock/requests").status_code == 204
    assert http.get("/__mock/requests").json() == {"requests": []}


def test_scenario_once_then_back_to_normal(http: httpx.Client) -> None:
    created = http.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404, "times": 1})
    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "operationId": "findActivityLog", "status": 404, "times": 1}
    first = http.get("/api/v1/activity_logs/abc", headers=BEARER)
    assert (first.status_code, first.content) == (404, ACTIVITY_404)
    second = http.get("/api/v1/activity_logs/abc", headers=BEARER)
    assert second.status_code == 200
    assert http.get("/__mock/scenarios").json() == {"scenarios": []}


def test_scenario_by_path_until_removed(http: httpx.Client) -> None:
    scenario = http.post("/__mock/scenarios", json={"path": "/activity-logs/broken", "status": 500}).json()
    for _ in range(3):
        response = http.get("/activity-logs/broken", headers=BASIC)
        assert (response.status_code, response.content) == (500, b"")
    assert http.get("/activity-logs/fine", headers=BASIC).status_code == 200
    assert http.get("/__mock/scenarios").json()["scenarios"] == [scenario]
    assert http.delete(f"/__mock/scenarios/{scenario['id']}").status_code == 204
    assert http.get("/activity-logs/broken", headers=BASIC).status_code == 200
    assert http.delete(f"/__mock/scenarios/{scenario['id']}").status_code == 404


def test_scenario_by_template_path_with_example(http: httpx.Client) -> None:
    http.post("/__mock/scenarios", json={"path": "/api/v1/api_logs/{request_id}", "status": 200, "example": "example"})
    body = http.get("/api/v1/api_logs/anything", headers=BEARER).json()
    assert body["api_log"]["request_id"] == "1a901a90-1a90-1a90-1a90-1a901a901a90"
    assert http.delete("/__mock/scenarios").status_code == 204
    assert http.get("/api/v1/api_logs/anything", headers=BEARER).json()["api_log"]["request_id"] == "anything"


def test_scenarios_do_not_bypass_auth(http: httpx.Client) -> None:
    http.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404, "times": 1})
    assert http.get("/api/v1/activity_logs/x").status_code == 401
    assert http.get("/api/v1/activity_logs/x", headers=BEARER).status_code == 404


@pytest.mark.parametrize("payload, detail", [
    ({"operationId": "findActivityLog", "status": 418}, "does not declare status 418"),
    ({"operationId": "nope", "status": 404}, "no operation 'nope'"),
    ({"path": "/nowhere", "status": 404}, "no operation serves '/nowhere'"),
    ({"operationId": "findActivityLog", "status": 200, "example": "nope"}, "declares no example 'nope'"),
    ({"operationId": "findActivityLog", "path": "/api/v1/activity_logs/x", "status": 404}, "exactly one of"),
    ({"operationId": "findActivityLog", "status": "404"}, "status must be an integer"),
    ({"operationId": "findActivityLog", "status": 404, "times": 0}, "times must be a positive integer"),
    ({"operationId": "findActivityLog", "status": 404, "delay_ms": -1}, "delay_ms must be"),
    ({"operationId": "findActivityLog", "status": 404, "colour": "red"}, "unknown fields ['colour']"),
    ([1, 2], "a scenario is a JSON object"),
])
def test_invalid_scenarios_are_422_naming_what_is_declared(http: httpx.Client, payload, detail: str) -> None:
    response = http.post("/__mock/scenarios", json=payload)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_undeclared_status_lists_declared_ones(http: httpx.Client) -> None:
    problem = http.post("/__mock/scenarios", json={"operationId": "getActivityLogsById", "status": 404}).json()
    assert problem["declared_statuses"] == [200, 400, 401, 500]


def test_control_errors_are_problem_json(http: httpx.Client) -> None:
    not_json = http.post("/__mock/scenarios", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.headers["content-type"] == "application/problem+json"
    wrong_method = http.patch("/__mock/reset")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.headers["content-type"] == "application/problem+json"
    unknown = http.get("/__mock/nothing-here")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    too_big = http.put("/__mock/records/findActivityLog/big", content=b"x" * (2 * 1024 * 1024),
                       headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"


def test_records_put_get_delete(http: httpx.Client) -> None:
    record = {
        "activity_id": "rt-1", "activity_type": "invoice.created", "activity_source": "api",
        "resource_id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "resource_type": "Invoice",
        "organization_id": "1a901a90-1a90-1a90-1a90-1a901a901a90",
        "logged_at": "2026-10-01T10:00:00Z", "created_at": "2026-10-01T10:00:00Z",
    }
    put = http.put("/__mock/records/findActivityLog/rt-1", json=record)
    assert (put.status_code, put.json()) == (201, record)
    assert http.put("/__mock/records/findActivityLog/rt-1", json=record).status_code == 200
    assert http.get("/__mock/records/findActivityLog/rt-1").json() == record
    served = http.get("/api/v1/activity_logs/rt-1", headers=BEARER)
    assert served.json() == {"activity_log": record}
    assert http.delete("/__mock/records/findActivityLog/rt-1").status_code == 204
    gone = http.get("/api/v1/activity_logs/rt-1", headers=BEARER)
    assert (gone.status_code, gone.content) == (404, ACTIVITY_404)
    assert http.get("/__mock/records/findActivityLog/rt-1").status_code == 404


def test_record_id_is_filled_in_and_must_agree(http: httpx.Client) -> None:
    record = {"activity_type": "x", "activity_source": "api", "resource_id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "resource_type": "T",
              "organization_id": "1a901a90-1a90-1a90-1a90-1a901a901a90",
              "logged_at": "2026-10-01T10:00:00Z", "created_at": "2026-10-01T10:00:00Z"}
    assert http.put("/__mock/records/findActivityLog/filled", json=record).json()["activity_id"] == "filled"
    clash = http.put("/__mock/records/findActivityLog/one", json={**record, "activity_id": "other"})
    assert clash.status_code == 422 and "filed under 'one'" in clash.json()["detail"]


def test_invalid_record_is_422_with_violations(http: httpx.Client) -> None:
    response = http.put("/__mock/records/findActivityLog/bad", json={"activity_source": "nowhere"})
    assert response.status_code == 422
    violations = response.json()["violations"]
    assert any("'nowhere' is not one of" in v for v in violations)
    assert any("'logged_at' is a required property" in v for v in violations)
    assert http.put("/__mock/records/nope/1", json={}).status_code == 404


def test_deleting_a_seeded_record_then_reset_restores_it(http: httpx.Client) -> None:
    assert http.delete(f"/__mock/records/findActivityLog/{FIXTURE_ID}").status_code == 204
    assert http.get(f"/api/v1/activity_logs/{FIXTURE_ID}", headers=BEARER).status_code == 404
    http.post("/__mock/scenarios", json={"operationId": "findApiLog", "status": 404})
    http.get("/api/v1/api_logs/x", headers=BEARER)
    assert http.post("/__mock/reset").status_code == 204
    assert http.get(f"/api/v1/activity_logs/{FIXTURE_ID}", headers=BEARER).status_code == 200
    assert http.get("/__mock/scenarios").json() == {"scenarios": []}
    assert [e["path"] for e in http.get("/__mock/requests").json()["requests"]] == [f"/api/v1/activity_logs/{FIXTURE_ID}"]


def test_deleted_id_without_a_declared_404_is_generated_again(http: httpx.Client) -> None:
    assert http.delete("/__mock/records/getActivityLogsById/aa0e8400-e29b-41d4-a716-446655440005").status_code == 204
    response = http.get("/activity-logs/aa0e8400-e29b-41d4-a716-446655440005", headers=BASIC)
    assert response.status_code == 200
    assert response.json()["activityLogItems"][0]["activityLogActor"].get("email") != "john.doe@sequencehq.com"


def test_scenario_delay_does_not_block_other_requests(http: httpx.Client, control_server: RunningServer) -> None:
    http.post("/__mock/scenarios", json={"path": "/activity-logs/slow", "status": 200, "delay_ms": 1500, "times": 1})
    finished: list[str] = []

    def slow() -> None:
        httpx.get(control_server.url + "/activity-logs/slow", headers=BASIC, timeout=10)
        finished.append("slow")

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)  # let the slow request arrive first
    assert http.get("/activity-logs/fast", headers=BASIC).status_code == 200
    finished.append("fast")
    thread.join()
    assert finished == ["fast", "slow"]


def test_a_repeated_reply_never_outlives_a_change(http: httpx.Client) -> None:
    """Identical requests are answered from memory; every control change must show at once."""
    url = "/api/v1/activity_logs/cached"
    first = http.get(url, headers=BEARER)
    assert http.get(url, headers=BEARER).content == first.content
    replayed = http.get("/__mock/requests").json()["requests"]
    assert [(e["operationId"], e["status"]) for e in replayed] == [("findActivityLog", 200)] * 2
    assert http.get(url).status_code == 401  # same path, no credentials: not the kept reply
    assert http.get(url, headers={**BEARER, "Prefer": "code=404"}).status_code == 404
    record = {**first.json()["activity_log"], "resource_type": "Changed"}
    assert http.put("/__mock/records/findActivityLog/cached", json=record).status_code == 201
    assert http.get(url, headers=BEARER).json() == {"activity_log": record}
    http.post("/__mock/scenarios", json={"operationId": "findActivityLog", "status": 404, "times": 1})
    assert http.get(url, headers=BEARER).status_code == 404
    assert http.get(url, headers=BEARER).json() == {"activity_log": record}
    assert http.delete("/__mock/records/findActivityLog/cached").status_code == 204
    assert http.get(url, headers=BEARER).content == ACTIVITY_404
    assert http.post("/__mock/reset").status_code == 204
    assert http.get(url, headers=BEARER).content == first.content
    journal = http.get("/__mock/requests").json()["requests"]
    assert [(e["operationId"], e["status"]) for e in journal] == [("findActivityLog", 200)]


# -- partial updates, generated records, delay-only scenarios, a filtered journal -----------------

def test_a_record_can_be_patched_starting_from_the_generated_one(http: httpx.Client) -> None:
    generated = http.get("/__mock/records/findActivityLog/patch-1?generated=true")
    assert generated.status_code == 200 and generated.json()["activity_id"] == "patch-1"
    served = http.get("/api/v1/activity_logs/patch-1", headers=BEARER).json()["activity_log"]
    assert generated.json() == served  # exactly what the mock serves for that id
    patched = http.patch("/__mock/records/findActivityLog/patch-1",
                         json={"activity_source": "system", "user_email": None})
    assert patched.status_code == 201
    expected = {k: v for k, v in {**served, "activity_source": "system"}.items() if k != "user_email"}
    assert patched.json() == expected
    assert http.get("/api/v1/activity_logs/patch-1", headers=BEARER).json() == {"activity_log": expected}
    bad = http.patch("/__mock/records/findActivityLog/patch-1", json={"activity_source": "nowhere"})
    assert bad.status_code == 422 and bad.json()["violations"]
    assert http.get("/__mock/records/findActivityLog/none-stored").status_code == 404


def test_a_scenario_may_only_delay(http: httpx.Client) -> None:
    created = http.post("/__mock/scenarios", json={"operationId": "findActivityLog", "delay_ms": 300, "times": 1})
    assert created.status_code == 201 and "status" not in created.json()
    response = http.get("/api/v1/activity_logs/slow-1", headers={**BEARER, "Prefer": "code=404"})
    assert response.status_code == 404  # the request's own preference still applies
    assert http.get("/__mock/scenarios").json() == {"scenarios": []}  # used up
    refused = http.post("/__mock/scenarios", json={"operationId": "findActivityLog"})
    assert refused.status_code == 422


def test_the_journal_can_be_filtered(http: httpx.Client) -> None:
    http.get("/api/v1/activity_logs/f1", headers=BEARER)
    http.get("/activity-logs/f2", headers=BASIC)
    http.get("/api/v1/api_logs/f3")
    only = http.get("/__mock/requests", params={"operationId": "getActivityLogsById"}).json()["requests"]
    assert [entry["path"] for entry in only] == ["/activity-logs/f2"]
    refused = http.get("/__mock/requests", params={"status": "401"}).json()["requests"]
    assert [entry["path"] for entry in refused] == ["/api/v1/api_logs/f3"]


def test_the_journal_keeps_request_and_response_bodies() -> None:
    """Issue 13 (9): what a client sent and what it got, for a test or the dashboard to show."""
    from tests.mockserver_process import REPO

    server = start_server("--spec", str(REPO / "tests" / "data" / "anydoc" / "todos-crud.yaml"))
    try:
        sent = b'{"todo": {"code": "milk", "title": "Buy milk"}}'
        created = httpx.post(server.url + "/todo-service/v2/todos", content=sent, headers={"content-type": "application/json"})
        got = httpx.get(server.url + "/todo-service/v2/todos/milk")
        entries = httpx.get(server.url + "/__mock/requests").json()["requests"]
        post, get = entries[-2], entries[-1]
        assert (post["method"], post["body"], post["response"]["body"]) == ("POST", sent.decode(), created.text)
        assert post["response"]["headers"]["content-type"] == "application/json"
        assert (get["method"], get["body"], get["response"]["body"]) == ("GET", None, got.text)
    finally:
        server.stop()
