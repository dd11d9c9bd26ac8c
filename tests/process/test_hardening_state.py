"""Concurrency against changing state, and memory that stays bounded whatever the traffic."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml

from tests.conftest import BASIC, BEARER
from tests.contract_check import assert_valid
from tests.mockserver_process import REPO, RunningServer

API_LOG_404 = b'{"status":404,"error":"Not Found","code":"api_log_not_found"}'


def _fixture_record() -> dict:
    data = yaml.safe_load((REPO / "fixtures" / "lago" / "activity_logs.yaml").read_text())
    (record,) = data["findActivityLog"].values()
    return {**record, "activity_id": "flip"}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_answers_stay_valid_and_coherent_while_the_control_api_changes_state(launch) -> None:
    server: RunningServer = launch()
    version_a = _fixture_record()
    version_b = {**version_a, "resource_type": "Coupon"}
    stop = threading.Event()
    writes = {"count": 0}

    def writer() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while not stop.is_set():
                for version in (version_a, version_b):
                    assert client.put("/__mock/records/findActivityLog/flip", json=version).status_code in (200, 201)
                created = client.post("/__mock/scenarios", json={"operationId": "findApiLog", "status": 404, "times": 2})
                assert created.status_code == 201
                assert client.delete("/__mock/scenarios").status_code == 204
                writes["count"] += 1

    def reader(thread: int) -> list[str]:
        seen = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for n in range(60):
                flip = client.get("/api/v1/activity_logs/flip", headers=BEARER)
                if flip.status_code == 200:
                    assert flip.json()["activity_log"] in (version_a, version_b)
                    seen.append(flip.json()["activity_log"]["resource_type"])
                else:  # before the writer's first PUT the id is generated; never anything else
                    raise AssertionError(flip.text)
                api_log = client.get(f"/api/v1/api_logs/t{thread}-{n % 5}", headers=BEARER)
                assert api_log.status_code in (200, 404), api_log.text
                if api_log.status_code == 404:
                    assert api_log.content == API_LOG_404
                else:
                    assert_valid("lago", "get", f"/api_logs/t{thread}-{n % 5}", api_log)
                sequence = client.get(f"/activity-logs/t{thread}", headers=BASIC)
                assert sequence.status_code == 200 and sequence.json()["id"] == f"t{thread}"
        return seen

    with httpx.Client(base_url=server.url, timeout=30) as client:  # the record exists before readers start
        assert client.put("/__mock/records/findActivityLog/flip", json=version_a).status_code == 201
    writing = threading.Thread(target=writer)
    writing.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            seen = [kind for chunk in pool.map(reader, range(8)) for kind in chunk]
    finally:
        stop.set()
        writing.join()
    assert writes["count"] > 0
    assert set(seen) <= {version_a["resource_type"], "Coupon"}
    log = server.log()
    assert "Traceback" not in log and "contract violation" not in log


def test_memory_stays_bounded_under_endless_distinct_requests(launch) -> None:
    server: RunningServer = launch("--journal-size", "100", "--quiet")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for n in range(300):  # warm up every path once
            client.get(f"/api/v1/activity_logs/warm-{n}", headers=BEARER)
        before = _rss_kib(server.process.pid)
        for n in range(4000):
            assert client.get(f"/api/v1/api_logs/distinct-{n}", headers=BEARER).status_code == 200
        after = _rss_kib(server.process.pid)
        assert len(client.get("/__mock/requests").json()["requests"]) == 100
    # Caches and the journal are bounded: 4000 new ids may not grow the process by more than
    # the caches' bounds (replay 2048 replies and 4096 verdicts of ~1 kB), and stay < 150 MB.
    assert after - before < 32 * 1024, (before, after)
    assert after < 150 * 1024, after
