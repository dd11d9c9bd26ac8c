"""`serve --proxy URL --record DIR`: a real upstream (another mock process, which takes only the
client's token) behind the proxy; the recorded folder served offline with `--fixtures-dir`
answers the recorded bodies for the recorded ids, and no recorded file holds the token."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import yaml

from tests.mockserver_process import REPO, RunningServer, run_cli, start_server

LAGO = REPO / "openapi" / "lago.yaml"
PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
TOKEN = "lago-client-token-7f3a9c1e5b"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
IDS = [f"act-{n:02d}" for n in range(12)]


def _activity_log(activity_id: str) -> dict[str, Any]:
    """A record whose body echoes the token, as a careless upstream might, in a field named like one."""
    return {
        "activity_id": activity_id, "user_email": f"dinesh+{activity_id}@piedpiper.test",
        "activity_type": "plan.updated", "activity_source": "api",
        "activity_object": {"lago_id": "0f6c2a8e-51d4-4b7e-9a3c-6e1d2f8b4a77", "api_key": TOKEN,
                            "headers": [{"Authorization": f"Bearer {TOKEN}"}]},
        "activity_object_changes": {}, "external_customer_id": None, "external_subscription_id": f"echo {TOKEN}",
        "resource_id": "0f6c2a8e-51d4-4b7e-9a3c-6e1d2f8b4a77", "resource_type": "Plan",
        "organization_id": "1a901a90-1a90-1a90-1a90-1a901a901a90", "logged_at": "2026-10-14T09:12:03Z",
        "created_at": "2026-10-14T09:12:03Z",
    }


@pytest.fixture(scope="module")
def upstream() -> Iterator[RunningServer]:
    running = start_server("--spec", str(LAGO), "--api-key", TOKEN, "--unknown-ids", "404")
    for activity_id in IDS:
        stored = httpx.put(f"{running.url}/__mock/records/findActivityLog/{activity_id}",
                           json=_activity_log(activity_id), timeout=10)
        assert stored.status_code == 201, stored.text
    yield running
    running.stop()


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_a_recorded_run_answers_offline_and_no_file_holds_the_token(upstream: RunningServer, tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    proxy = start_server("--spec", str(LAGO), "--proxy", f"{upstream.url}/api/v1", "--record", str(folder),
                         "--redact", "user_email")
    try:
        def through(activity_id: str) -> tuple[int, Any, Any]:
            reply = httpx.get(f"{proxy.url}/api/v1/activity_logs/{activity_id}", headers=AUTH, timeout=10)
            direct = httpx.get(f"{upstream.url}/api/v1/activity_logs/{activity_id}", headers=AUTH, timeout=10)
            return reply.status_code, reply.json(), direct.json()

        with ThreadPoolExecutor(8) as pool:  # recorded concurrently, each record in its own file
            replies = dict(zip(IDS, pool.map(through, IDS)))
        missing = httpx.get(f"{proxy.url}/api/v1/activity_logs/act-none", headers=AUTH, timeout=10)
        assert missing.status_code == 404  # the upstream's 404: not a record, nothing written
        refused = httpx.get(f"{proxy.url}/api/v1/activity_logs/act-00", headers={"Authorization": "Bearer wrong"},
                            timeout=10)
        assert refused.status_code == 401
    finally:
        proxy.stop()
    for activity_id, (status, body, direct) in replies.items():
        assert status == 200 and body == direct == {"activity_log": _activity_log(activity_id)}  # the reply is the upstream's
    files = _files(folder)
    assert [path.relative_to(folder).as_posix() for path in files] == [f"lago/findActivityLog={i}.yaml" for i in IDS]
    for path in files:
        text = path.read_bytes()
        assert TOKEN.encode() not in text and b"piedpiper" not in text, path
    assert "Traceback" not in proxy.log() and "--record" not in proxy.log()

    offline = start_server("--spec", str(LAGO), "--fixtures-dir", str(folder), "--unknown-ids", "404")
    try:
        for activity_id in IDS:
            recorded = yaml.safe_load((folder / "lago" / f"findActivityLog={activity_id}.yaml").read_text())
            reply = httpx.get(f"{offline.url}/api/v1/activity_logs/{activity_id}", headers=AUTH, timeout=10)
            assert reply.status_code == 200
            assert reply.json() == {"activity_log": recorded["findActivityLog"][activity_id]}  # the recorded body
            expected = _activity_log(activity_id)  # the upstream's, less the token and the e-mail
            expected["activity_object"] = {"lago_id": "0f6c2a8e-51d4-4b7e-9a3c-6e1d2f8b4a77", "api_key": "[redacted]",
                                           "headers": [{"Authorization": "[redacted]"}]}
            expected["external_subscription_id"] = "echo [redacted]"  # the client's token, in a field named otherwise
            email = reply.json()["activity_log"]["user_email"]
            assert email.endswith("@example.com") and email != expected["user_email"]
            expected["user_email"] = email
            assert reply.json() == {"activity_log": expected}
        assert httpx.get(f"{offline.url}/api/v1/activity_logs/act-none", headers=AUTH, timeout=10).status_code == 404
    finally:
        offline.stop()


def test_a_write_error_is_one_warning_line_and_the_reply_is_unchanged(upstream: RunningServer, tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    folder.mkdir()
    (folder / "lago").write_text("a file where the document's folder would go")  # every write fails
    proxy = start_server("--spec", str(LAGO), "--proxy", f"{upstream.url}/api/v1", "--record", str(folder))
    try:
        for activity_id in IDS[:3]:
            reply = httpx.get(f"{proxy.url}/api/v1/activity_logs/{activity_id}", headers=AUTH, timeout=10)
            assert (reply.status_code, reply.json()) == (200, {"activity_log": _activity_log(activity_id)})
    finally:
        proxy.stop()
    warnings = [line for line in proxy.log().splitlines() if "--record" in line]
    assert len(warnings) == 1 and "lago findActivityLog: not recorded: FileExistsError" in warnings[0], warnings
    assert "Traceback" not in proxy.log()


def test_a_list_is_recorded_item_by_item_and_served_by_id(tmp_path: Path) -> None:
    upstream = start_server("--spec", str(PETSTORE))
    folder = tmp_path / "pets"
    proxy = start_server("--spec", str(PETSTORE), "--proxy", f"{upstream.url}/api/v3", "--record", str(folder))
    try:
        listed = httpx.get(f"{proxy.url}/api/v3/pet/findByStatus?status=available", headers={"Authorization": "Bearer t"}, timeout=10)
        assert listed.status_code == 200, listed.text
        pets = listed.json()
    finally:
        proxy.stop()
        upstream.stop()
    assert pets and all(isinstance(pet.get("id"), int) for pet in pets)
    assert {path.name for path in _files(folder)} == {f"getPetById={pet['id']}.yaml" for pet in pets}
    offline = start_server("--spec", str(PETSTORE), "--fixtures-dir", str(folder), "--unknown-ids", "404")
    try:
        for pet in pets:
            reply = httpx.get(f"{offline.url}/api/v3/pet/{pet['id']}", headers={"api_key": "k"}, timeout=10)
            assert (reply.status_code, reply.json()) == (200, pet)
    finally:
        offline.stop()


@pytest.mark.parametrize("args, says", [
    (["--record", "DIR"], "--record: records the upstream's replies, so it needs --proxy URL"),
    (["--redact", "email"], "--redact: needs --record DIR"),
    (["--proxy", "http://127.0.0.1:9/api/v1", "--record", "FILE"], "--record FILE: cannot make the folder: File exists"),
])
def test_record_flags_without_what_they_need_are_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    args = [str(tmp_path / "out") if arg == "DIR" else str(tmp_path / "file") if arg == "FILE" else arg for arg in args]
    says = says.replace("FILE", str(tmp_path / "file"))
    done = run_cli("serve", "--spec", str(LAGO), *args)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"mockserver: error: {says}"]
    assert not (tmp_path / "out").exists()
