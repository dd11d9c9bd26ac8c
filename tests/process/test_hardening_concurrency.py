"""Many clients at once against the real server: every answer is 200, valid against the
contract, and deterministic (the same id gives the same bytes whoever asks and whenever), and
the server logs one line per request and no error.

16 threads x 50 requests, each thread on its own keep-alive connection, mixing ids every
thread asks for (generated, docs-example and fixture ids) with ids only one thread asks for.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.contract_check import assert_valid
from tests.hardening_support import ACTIVITY, API_LOG, ENDPOINTS, RESTRICTED_FLAGS, SEQUENCE, Endpoint

THREADS = 16
REQUESTS_PER_THREAD = 50

SHARED_IDS = {
    ACTIVITY: ["shared-1", "shared-2", "1a901a90-1a90-1a90-1a90-1a901a901a90", "7d4f2c1e-8b3a-4e6f-9a10-2b5c8d7e6f01"],
    API_LOG: ["shared-1", "shared-3", "1a901a90-1a90-1a90-1a90-1a901a901a90", "5e0b9d3a-6c21-4f8e-b7a4-3d9e1c2f0a58"],
    SEQUENCE: ["shared-1", "shared-4", "aa0e8400-e29b-41d4-a716-446655440005", "3f1c9a7e-0d2b-4c58-8e6f-a1b2c3d4e5f6"],
}


def _plan(thread: int) -> list[tuple[Endpoint, str]]:
    """Which (endpoint, id) each request of one thread asks for: same and different ids."""
    plan = []
    for n in range(REQUESTS_PER_THREAD):
        endpoint = ENDPOINTS[(thread + n) % len(ENDPOINTS)]
        if n % 2 == 0:
            shared = SHARED_IDS[endpoint]
            plan.append((endpoint, shared[(thread + n // 2) % len(shared)]))
        else:
            plan.append((endpoint, f"t{thread}-r{n % 10}"))  # each thread repeats its own ids
    return plan


def test_concurrent_requests_are_all_200_valid_and_deterministic(launch) -> None:
    server = launch(*RESTRICTED_FLAGS)
    start = threading.Barrier(THREADS)

    def worker(thread: int) -> list[tuple[Endpoint, str, int, bytes]]:
        results = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            start.wait(timeout=60)  # all threads fire together
            for endpoint, record_id in _plan(thread):
                response = client.get(endpoint.path(record_id), headers=dict([endpoint.auth]))
                results.append((endpoint, record_id, response.status_code, response.content))
        return results

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = [item for chunk in pool.map(worker, range(THREADS)) for item in chunk]
    assert len(answers) == THREADS * REQUESTS_PER_THREAD

    bodies: dict[tuple[Endpoint, str], set[bytes]] = defaultdict(set)
    for endpoint, record_id, status, body in answers:
        assert status == 200, (endpoint.path(record_id), status, body[:300])
        bodies[(endpoint, record_id)].add(body)
    varying = {endpoint.path(record_id): len(seen) for (endpoint, record_id), seen in bodies.items() if len(seen) > 1}
    assert not varying, f"ids answered with different bytes under concurrency: {varying}"

    # The same bytes again, one request at a time, and every distinct body is valid.
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for (endpoint, record_id), seen in bodies.items():
            again = client.get(endpoint.path(record_id), headers=dict([endpoint.auth]))
            assert again.status_code == 200
            assert {again.content} == seen, f"{endpoint.path(record_id)} changed after the burst"
            assert endpoint.record_id(again.content) == record_id
            assert_valid(endpoint.name, "get", endpoint.template.replace("{id}", record_id), again)

    total = len(answers) + len(bodies)
    deadline = time.monotonic() + 10  # the log is written after the reply: wait for the last lines
    while time.monotonic() < deadline and server.log().count("\n") < total:
        time.sleep(0.05)
    log = server.log()
    for needle in ("Traceback", "Error", "contract violation"):
        assert needle not in log, f"{needle!r} in the server log:\n{log[-4000:]}"
    request_lines = [line for line in log.splitlines() if line.startswith("GET /")]
    assert len(request_lines) == total, f"{len(request_lines)} log lines for {total} requests"
    assert all(" 200 " in line for line in request_lines), [line for line in request_lines if " 200 " not in line][:5]
