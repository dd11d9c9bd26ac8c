"""The drift loop: an upstream that serves a deliberately changed Petstore (the overlay in
tests/data/drift/ renames, retypes and adds fields and an enum value) behind a mock of the
published one. Through the proxy the replies are the upstream's; each known change is one
drift with its pointer; the overlay `/__mock/drift?format=overlay` returns, applied with
`mockserver normalize --overlay`, gives a contract under which the same replies are valid.
The official Lago SDK works through the proxy unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree

import httpx
import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError

from tests.mockserver_process import REPO, RunningServer, run_cli, start_server

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
CHANGES = REPO / "tests" / "data" / "drift" / "petstore-vendor-changes.overlay.yaml"
KEY = {"api_key": "any", "authorization": "Bearer any"}
# findByTags without a tag: the generated pets, whose tags no test can name in advance
PATHS = ["/api/v3/pet/7", "/api/v3/pet/8", "/api/v3/pet/findByTags"]

# (pointer, kind, document pointer) of each change the overlay makes to what GET /pet/{petId} returns
KNOWN = {
    ("/category/id", "type", "/components/schemas/Category/properties/id"),
    ("/status", "enum", "/components/schemas/Pet/properties/status/enum"),
    ("/photoUrls", "required", "/components/schemas/Pet/required"),
    ("/photo_urls", "property-added", "/components/schemas/Pet/properties"),
    ("/weight", "property-added", "/components/schemas/Pet/properties"),
}


def normalized(source: Path, overlay: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "petstore-3.0.yaml"  # the same document name as the published one
    result = run_cli("normalize", str(source), "--overlay", str(overlay), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    changed = normalized(PETSTORE, CHANGES, tmp_path_factory.mktemp("vendor"))
    running = start_server("--spec", str(changed))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def proxy(upstream: RunningServer) -> Iterator[RunningServer]:
    running = start_server("--spec", str(PETSTORE), "--proxy", f"{upstream.url}/api/v3")
    yield running
    running.stop()


def drifts(server: RunningServer) -> list[dict]:
    reply = httpx.get(f"{server.url}/__mock/drift", timeout=10)
    assert reply.status_code == 200
    return reply.json()["drifts"]


def test_the_drift_loop_closes(proxy: RunningServer, upstream: RunningServer, tmp_path: Path, launch) -> None:
    assert httpx.delete(f"{proxy.url}/__mock/drift", timeout=10).status_code == 204
    for path in PATHS:
        through = httpx.get(proxy.url + path, headers=KEY, timeout=10)
        direct = httpx.get(upstream.url + path, headers=KEY, timeout=10)
        assert (through.status_code, through.content) == (direct.status_code, direct.content), path
        assert through.headers["x-mock-source"] == "upstream"
        assert "/status: enum: expected one of " in through.headers["x-mock-drift"]
        assert len(through.headers["x-mock-drift"]) <= 512

    found = drifts(proxy)
    by_pet = [d for d in found if d["operation"] == "getPetById"]
    assert {(d["pointer"], d["kind"], d["document_pointer"]) for d in by_pet} == KNOWN
    assert len(by_pet) == len(KNOWN)  # each once, counted twice (pets 7 and 8)
    assert {d["count"] for d in by_pet} == {2}
    status = next(d for d in by_pet if d["kind"] == "enum")
    assert (status["status"], status["method"], status["path"]) == (200, "GET", "/pet/{petId}")
    assert status["expected"] == 'one of "available", "pending", "sold"'
    assert status["actual"] == 'string "archived"'
    assert status["first_seen"] <= status["last_seen"]
    assert '"status":"archived"' in status["sample"]
    listed = {(d["pointer"], d["kind"]) for d in found if d["operation"] == "findPetsByTags"}
    assert ("/*/status", "enum") not in listed and ("/0/status", "enum") in listed  # items as one drift each

    report = httpx.get(f"{proxy.url}/__mock/drift?format=junit", timeout=10)
    assert report.headers["content-type"].startswith("application/xml")
    suite = ElementTree.fromstring(report.content).find("testsuite")
    assert suite is not None and suite.get("failures") == "2"
    case = next(c for c in suite.iter("testcase") if c.get("name") == "getPetById")
    assert len(case.findall("failure")) == len(KNOWN)

    overlay = httpx.get(f"{proxy.url}/__mock/drift?format=overlay", timeout=10)
    assert overlay.status_code == 200 and overlay.headers["content-type"].startswith("application/yaml")
    (tmp_path / "drift.yaml").write_bytes(overlay.content)
    fixed = normalized(PETSTORE, tmp_path / "drift.yaml", tmp_path / "fixed")
    honest = launch("--spec", str(fixed), "--proxy", f"{upstream.url}/api/v3")
    for path in PATHS:  # the same replies, now what the contract says
        through = httpx.get(honest.url + path, headers=KEY, timeout=10)
        assert through.content == httpx.get(upstream.url + path, headers=KEY, timeout=10).content
        assert "x-mock-drift" not in through.headers, through.headers["x-mock-drift"]
    assert drifts(honest) == []


def test_drift_is_cleared_and_a_bad_format_is_a_422(proxy: RunningServer) -> None:
    httpx.get(f"{proxy.url}/api/v3/pet/9", headers=KEY, timeout=10)
    assert drifts(proxy)
    assert httpx.delete(f"{proxy.url}/__mock/drift", timeout=10).status_code == 204
    assert drifts(proxy) == []
    bad = httpx.get(f"{proxy.url}/__mock/drift?format=html", timeout=10)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "format must be one of json, junit, overlay, not 'html'"
    empty = httpx.get(f"{proxy.url}/__mock/drift?format=overlay", headers={"accept": "application/json"}, timeout=10)
    assert empty.json()["actions"] == []


def test_the_lago_sdk_works_through_the_proxy_unchanged(launch) -> None:
    upstream = launch("--api-key", "right-key")  # the bundled Lago contract, as the real API
    proxy = launch("--spec", str(REPO / "openapi" / "lago.yaml"), "--proxy", f"lago={upstream.url}/api/v1")
    through = Client(api_key="right-key", api_url=proxy.url)
    direct = Client(api_key="right-key", api_url=upstream.url)
    assert through.activity_logs.find("sdk-activity") == direct.activity_logs.find("sdk-activity")
    assert through.api_logs.find("sdk-request").request_id == "sdk-request"
    with pytest.raises(LagoApiError) as raised:  # the upstream checks the client's own key
        Client(api_key="wrong-key", api_url=proxy.url).activity_logs.find("x")
    assert raised.value.status_code == 401
    assert raised.value.response == {"status": 401, "error": "Unauthorized"}
    assert drifts(proxy) == []
