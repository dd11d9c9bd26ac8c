"""`mockserver drift --against URL`: one CI step that replays requests through an in-process
proxy and exits 1 on drift (each drift on one line), 0 without, 2 when it cannot check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from tests.mockserver_process import REPO, RunningServer, run_cli, start_server
from tests.process.test_proxy import free_port

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
CHANGES = REPO / "tests" / "data" / "drift" / "petstore-vendor-changes.overlay.yaml"
AUTH = ["--header", "api_key: any", "--header", "Authorization: Bearer any"]


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, Path]]:
    changed = tmp_path_factory.mktemp("vendor") / "petstore-3.0.yaml"
    assert run_cli("normalize", str(PETSTORE), "--overlay", str(CHANGES), "-o", str(changed)).returncode == 0
    running = start_server("--spec", str(changed))
    yield running, changed
    running.stop()


def test_drift_exits_1_and_prints_each_drift_on_one_line(vendor, tmp_path: Path) -> None:
    upstream, _ = vendor
    listed = tmp_path / "requests.txt"
    listed.write_text("# what CI checks\nGET /api/v3/pet/7\n\nGET /api/v3/pet/8\n")
    result = run_cli("drift", "--against", f"{upstream.url}/api/v3", "--spec", str(PETSTORE), "--requests",
                     str(listed), *AUTH, "--junit", str(tmp_path / "drift.xml"), "--overlay", str(tmp_path / "o.yaml"))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        'drift: GET /pet/{petId} (getPetById) 200 /category/id: type: expected integer, got string "pet_61emljpa1t26" [2x]',
        "drift: GET /pet/{petId} (getPetById) 200 /photoUrls: required: expected present (required), got absent [2x]",
        lines[2],
        'drift: GET /pet/{petId} (getPetById) 200 /status: enum: expected one of "available", "pending", "sold", '
        'got string "archived" [2x]',
        lines[4],
    ]
    assert lines[2].startswith("drift: GET /pet/{petId} (getPetById) 200 /photo_urls: property-added:")
    assert lines[4].startswith("drift: GET /pet/{petId} (getPetById) 200 /weight: property-added:")
    assert result.stderr.strip().endswith(f"2 requests replayed against {upstream.url}/api/v3: 5 drifts")
    assert b"<testsuites>" in (tmp_path / "drift.xml").read_bytes()
    assert yaml.safe_load((tmp_path / "o.yaml").read_text())["overlay"] == "1.0.0"


def test_no_drift_exits_0(vendor, tmp_path: Path) -> None:
    upstream, changed = vendor
    listed = tmp_path / "requests.json"
    listed.write_text(json.dumps(["GET /api/v3/pet/7", {"method": "get", "path": "/api/v3/pet/findByTags",
                                                         "query": {}}]))
    result = run_cli("drift", "--against", f"{upstream.url}/api/v3", "--spec", str(changed), "--requests",
                     str(listed), *AUTH)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_a_journal_of_a_run_is_a_list_of_requests(vendor, tmp_path: Path) -> None:
    upstream, _ = vendor
    httpx.delete(f"{upstream.url}/__mock/requests", timeout=10)
    httpx.get(f"{upstream.url}/api/v3/pet/findByTags", headers={"authorization": "Bearer x"}, timeout=10)
    journal = tmp_path / "journal.json"
    journal.write_bytes(httpx.get(f"{upstream.url}/__mock/requests", timeout=10).content)
    result = run_cli("drift", "--against", f"{upstream.url}/api/v3", "--spec", str(PETSTORE), "--requests",
                     str(journal), *AUTH)
    assert result.returncode == 1, result.stderr
    assert all(line.startswith("drift: GET /pet/findByTags (findPetsByTags) 200 /0/") for line in result.stdout.splitlines())
    assert "1 requests replayed" in result.stderr


def test_an_unreachable_api_or_a_bad_list_exits_2(tmp_path: Path) -> None:
    listed = tmp_path / "requests.txt"
    listed.write_text("GET /api/v3/pet/7\n")
    result = run_cli("drift", "--against", f"http://127.0.0.1:{free_port()}/api/v3", "--spec", str(PETSTORE),
                     "--requests", str(listed))
    assert result.returncode == 2 and result.stdout == ""
    assert "error: GET /api/v3/pet/7: the upstream could not be reached: ConnectError" in result.stderr
    listed.write_text("pet 7\n")
    result = run_cli("drift", "--against", "http://127.0.0.1:1/api/v3", "--spec", str(PETSTORE), "--requests", str(listed))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"mockserver: error: {listed}:1: request 1: expected `METHOD /path` or an object "
                                      "with method and path")
