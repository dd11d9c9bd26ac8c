"""Real clients' encodings and media types (issue 21): bracketed queries and form bodies as
Stripe's SDKs send them, deepObject and exploded form objects, parameter schemas without a
`type`, and vendor `+json` / `+xml` media types in negotiation, validation and examples.

Here a real server reads them; the in-process tests, class by class, are tests/unit/http/test_wire.py.
"""

from __future__ import annotations

import json
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

DATA = REPO / "tests" / "data"
WIRE = DATA / "wire" / "wire.yaml"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LIST = {"object": "list"}


# -- through the real server ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served() -> Iterator[RunningServer]:
    server = start_server("--spec", str(WIRE))
    try:
        yield server
    finally:
        server.stop()


def test_a_running_server_reads_brackets_and_vendor_types(served: RunningServer) -> None:
    created = httpx.post(served.url + "/wire/customers", headers=FORM,
                         content=b"metadata[plan]=pro&items[0][price]=p1&expand[]=default_source")
    assert created.status_code == 200, created.headers.get("x-mock-problem")
    listed = httpx.get(served.url + "/wire/customers?expand[0]=a&created[gt]=5&lines[0][amount]=1",
                       headers={"Accept": "application/vnd.github+json"})
    assert (listed.status_code, listed.headers["content-type"], listed.json()) == (200, "application/json", LIST)
    problem = httpx.get(served.url + "/wire/repos/octo", headers={"Accept": "application/json", "Prefer": "code=403"})
    assert (problem.status_code, json.loads(problem.content)) == (403, {"type": "about:blank", "title": "Forbidden", "status": 403})
    assert "breaks its own schema" not in served.log() and "Traceback" not in served.log()
