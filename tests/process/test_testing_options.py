"""Flags that make the mock a testing tool: --no-control, tokens, latency, reload."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import yaml

from tests.conftest import BASIC, BEARER
from tests.mockserver_process import REPO


def test_no_control(launch) -> None:
    server = launch("--no-control")
    assert httpx.get(server.url + "/__mock/health").status_code == 404


def test_control_token(launch) -> None:
    server = launch("--control-token", "s3cret-16-chars!")
    refused = httpx.get(server.url + "/__mock/requests")
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "the control API needs the x-mock-control-token header"
    wrong = httpx.get(server.url + "/__mock/requests", headers={"x-mock-control-token": "not-the-16-char-token"})
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "the x-mock-control-token header does not match --control-token")
    ok = httpx.get(server.url + "/__mock/requests", headers={"x-mock-control-token": "s3cret-16-chars!"})
    assert ok.status_code == 200
    # the read-only health answers readiness probes without the token
    assert httpx.get(server.url + "/__mock/health").status_code == 200


def test_latency_delays_replies_without_blocking(launch) -> None:
    server = launch("--latency", "800-1000")
    order: list[str] = []

    def call(name: str) -> None:
        httpx.get(server.url + "/activity-logs/a", headers=BASIC, timeout=10)
        order.append(name)

    threads = [threading.Thread(target=call, args=(f"r{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    health = httpx.get(server.url + "/__mock/health", timeout=10)  # the control API is never delayed
    order.append("health")
    for thread in threads:
        thread.join()
    assert health.status_code == 200
    assert order[0] == "health" and len(order) == 9


def test_reload_picks_up_changes_and_survives_bad_ones(launch, tmp_path: Path) -> None:
    specs, fixtures = tmp_path / "openapi", tmp_path / "fixtures"
    specs.mkdir()
    shutil.copy(REPO / "openapi" / "lago.yaml", specs / "lago.yaml")
    (fixtures / "lago").mkdir(parents=True)
    server = launch("--reload", "--specs-dir", str(specs), "--fixtures-dir", str(fixtures))
    url = server.url + "/api/v1/activity_logs/reloaded"
    assert httpx.get(url, headers=BEARER).status_code == 200

    record = yaml.safe_load((REPO / "fixtures" / "lago" / "activity_logs.yaml").read_text())
    (inner,) = record["findActivityLog"].values()
    (fixtures / "lago" / "new.yaml").write_text(yaml.safe_dump(
        {"findActivityLog": {"reloaded": {**inner, "activity_id": "reloaded", "resource_type": "Reloaded"}}}))
    assert "reloaded: lago" in server.wait_for_log("reloaded: lago", timeout=15)
    assert httpx.get(url, headers=BEARER).json()["activity_log"]["resource_type"] == "Reloaded"

    (fixtures / "lago" / "broken.yaml").write_text("findActivityLog: [unclosed\n")
    log = server.wait_for_log("reload failed", timeout=15)
    assert "broken.yaml" in log and "still serving the previous version" in log
    assert httpx.get(url, headers=BEARER).json()["activity_log"]["resource_type"] == "Reloaded"


def test_reload_keeps_runtime_state_that_still_fits_and_says_what_it_dropped(launch, tmp_path: Path) -> None:
    """Issue 13 (5): a save of the document no longer wipes records and scenarios."""
    spec = tmp_path / "todos.yaml"
    original = (REPO / "tests" / "data" / "anydoc" / "todos-crud.yaml").read_text()
    spec.write_text(original)
    server = launch("--reload", "--spec", str(spec))
    base = server.url + "/todo-service/v2"
    assert httpx.post(base + "/todos", json={"todo": {"code": "milk", "title": "Buy milk"}}).status_code == 201
    assert httpx.post(base + "/todos", json={"todo": {"code": "bread", "title": "Bread"}}).status_code == 201
    assert httpx.delete(base + "/todos/bread").status_code == 200
    control = server.url + "/__mock/scenarios"
    assert httpx.post(control, json={"operationId": "destroyTodo", "status": 404}).status_code == 201
    assert httpx.post(control, json={"operationId": "createTodo", "status": 409}).status_code == 201

    edited = original.replace("        '409':\n          description: a todo with this code exists\n", "        '418':\n          description: a teapot\n")
    assert edited != original
    spec.write_text(edited)
    log = server.wait_for_log("reload kept", timeout=15)
    assert "reload kept 3 runtime change(s); dropped what no longer fits: scenario 2 (status 409 no longer declared)" in log
    assert httpx.get(base + "/todos/milk").json()["todo"]["title"] == "Buy milk"  # the record survived
    assert httpx.get(base + "/todos/bread").status_code == 404  # the deletion survived too
    assert httpx.delete(base + "/todos/milk").status_code == 404  # and the scenario that still fits
    assert [s["operationId"] for s in httpx.get(control).json()["scenarios"]] == ["destroyTodo"]
