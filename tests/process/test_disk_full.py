"""A full disk under the SQLite store (issue 23): writes are a clear `503 state-unavailable`
naming the folder, and reads, health and reset keep working.

It answered `503 ... cannot rollback - no transaction is active`, and from then on every
control call, reset included, was 503: a failed journal write left its transaction open. The
disk here is a real one that fills up: a 16 MiB tmpfs mounted for the state folder, which takes
root (else the test is skipped), half of it taken by another file, removed at the end to give
the disk room again.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
AUTH = {"api_key": "any-key", "authorization": "Bearer any-token"}
NAME = "x" * 16_000  # records this size fill the disk within a few hundred creates
OTHER_FILE_BYTES = 8 * 1024 * 1024  # what else is on the disk


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs takes root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def served(tiny_disk: Path) -> Iterator[tuple[RunningServer, Path]]:
    database = tiny_disk / "state.db"
    (tiny_disk / "other-file").write_bytes(bytes(OTHER_FILE_BYTES))
    server = start_server("--workers", "2", "--state", f"sqlite:{database}", "--spec", str(PETSTORE))
    try:
        yield server, database
    finally:
        server.stop()


def pet(pet_id: int, name: str = NAME) -> dict:
    return {"id": pet_id, "name": name, "photoUrls": []}


def test_a_full_disk_refuses_writes_with_503_keeps_reads_health_and_reset_and_writes_resume_with_room(
        served: tuple[RunningServer, Path]) -> None:
    server, database = served
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        created = 0
        refused = None
        for pet_id in range(1000, 1400):
            answer = client.post("/api/v3/pet", json=pet(pet_id))
            if answer.status_code != 200:
                refused = answer
                break
            created += 1
        assert refused is not None, "the disk never filled up"
        assert created > 0
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {
            "type": "https://mockserver.invalid/problems/state-unavailable", "title": "Service Unavailable",
            "status": 503,
            "detail": f"sqlite:{database}: the disk holding {database.parent} is full; "
                      "contract reads go on, changes wait until it is back"}

        for _ in range(6):  # both workers answer reads from their copies
            read = client.get("/api/v3/pet/1000")
            assert read.status_code == 200
            assert read.json()["name"] == NAME
        assert client.post("/api/v3/pet", json=pet(2000)).status_code == 503  # still full
        health = client.get("/__mock/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"

        reset = client.post("/__mock/reset")
        assert reset.status_code == 204, (reset.text, [line for line in server.log().splitlines() if not line.startswith(("GET", "POST"))])
        after = client.get("/api/v3/pet/1000")
        assert after.status_code == 200
        assert after.json()["name"] != NAME  # the stored record is gone: generated again
        assert client.post("/__mock/reset").status_code == 204
        assert client.post("/api/v3/pet", json=pet(7, "Rex")).status_code == 503  # no room yet

        (database.parent / "other-file").unlink()  # room again: writes go on
        deadline = time.monotonic() + 30
        while (small := client.post("/api/v3/pet", json=pet(7, "Rex"))).status_code == 503:
            assert time.monotonic() < deadline, small.text
            time.sleep(0.5)
        assert small.status_code == 200, small.text
        for _ in range(6):
            assert client.get("/api/v3/pet/7").json()["name"] == "Rex"
    assert "Traceback" not in server.log()
