"""The recorder (stages/record.py) fed upstream replies directly: the files it writes are the ones
`--fixtures-dir` reads, a served copy answers the recorded bodies, credentials never reach a
file, hostile ids never name a path, and nothing it meets raises."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from mockserver.app import build_engine
from mockserver.base import defaults
from mockserver.base.config import ServeConfig
from mockserver.http.request import RequestHeaders
from mockserver.http.upstream import UpstreamReply
from mockserver.stages.record import Recorder, credential_field, file_name, redact
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

LAGO = REPO / "openapi" / "lago.yaml"
PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
TOKEN = "sk_live_0123456789abcdef"  # what a client authenticated with, echoed by a careless upstream
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _recorder(folder: Path, spec: Path, **options: Any) -> Recorder:
    engine = build_engine(ServeConfig(specs=(spec,), quiet=True))
    return Recorder(folder, engine.apis, engine.validators, **options)


def _activity_log(activity_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "activity_id": activity_id, "user_email": "gilfoyle@piedpiper.test", "activity_type": "plan.updated",
        "activity_source": "api",
        "activity_object": {"lago_id": "0f6c2a8e-51d4-4b7e-9a3c-6e1d2f8b4a77", "api_key": TOKEN,
                            "webhooks": [{"url": "https://hooks.test/x", "Signing-Secret": TOKEN},
                                         {"Authorization": {"scheme": "Bearer", "value": TOKEN}}]},
        "activity_object_changes": {}, "external_customer_id": None, "external_subscription_id": None,
        "resource_id": "0f6c2a8e-51d4-4b7e-9a3c-6e1d2f8b4a77", "resource_type": "Plan",
        "organization_id": "1a901a90-1a90-1a90-1a90-1a901a901a90", "logged_at": "2026-10-14T09:12:03Z",
        "created_at": "2026-10-14T09:12:03Z", **fields,
    }


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_a_recorded_lago_reply_is_served_offline_as_recorded_and_holds_no_token(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, LAGO)
    ids = ["7c1e0d2a-0000-4000-8000-000000000001", "log-2"]
    for activity_id in ids:
        body = json.dumps({"activity_log": _activity_log(activity_id)}).encode()
        assert recorder.record("lago", "findActivityLog", {"activity_id": activity_id}, 200, body) == 1
    assert [path.name for path in _files(tmp_path)] == [f"findActivityLog={ids[0]}.yaml", "findActivityLog=log-2.yaml"]
    for path in _files(tmp_path):
        assert TOKEN not in path.read_text()
    offline = InProcess(LAGO, fixtures_dir=tmp_path, unknown_ids="404")
    for activity_id in ids:
        reply = offline.get(f"/api/v1/activity_logs/{activity_id}", AUTH)
        assert reply.status_code == 200
        expected = _activity_log(activity_id)
        expected["activity_object"] = {
            "lago_id": "0f6c2a8e-51d4-4b7e-9a3c-6e1d2f8b4a77", "api_key": "[redacted]",
            "webhooks": [{"url": "https://hooks.test/x", "Signing-Secret": "[redacted]"},
                         {"Authorization": {"scheme": "[redacted]", "value": "[redacted]"}}]}
        assert reply.json() == {"activity_log": expected}


def test_list_replies_are_recorded_item_by_item_under_the_reader(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, PETSTORE)
    pets = [{"id": 11, "name": "Rex", "photoUrls": [], "status": "available"},
            {"id": 12, "name": "Tom", "photoUrls": ["https://x.test/p.png"], "status": "available"}]
    assert recorder.record("petstore-3.0", "findPetsByStatus", {}, 200, json.dumps(pets)) == 2
    assert [path.name for path in _files(tmp_path / "petstore-3.0")] == ["getPetById=11.yaml", "getPetById=12.yaml"]
    assert yaml.safe_load((tmp_path / "petstore-3.0" / "getPetById=12.yaml").read_text()) == {"getPetById": {"12": pets[1]}}
    offline = InProcess(PETSTORE, fixtures_dir=tmp_path, unknown_ids="404")
    base = offline.engine.apis[0].base_path
    for pet in pets:
        reply = offline.get(f"{base}/pet/{pet['id']}", {"api_key": "k"})
        assert (reply.status_code, reply.json()) == (200, pet)


def test_redacted_fields_are_fakes_of_the_same_shape_that_still_validate(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, LAGO, redact_fields=("USER_EMAIL", "resource_id", "logged_at", "resource_type"))
    record = _activity_log("log-3")
    assert recorder.record("lago", "findActivityLog", {"activity_id": "log-3"}, 200, {"activity_log": record}) == 1
    written = yaml.safe_load((tmp_path / "lago" / "findActivityLog=log-3.yaml").read_text())["findActivityLog"]["log-3"]
    assert written["user_email"] != record["user_email"] and written["user_email"].endswith("@example.com")
    assert len(written["resource_id"]) == 36 and written["resource_id"] != record["resource_id"]
    assert written["logged_at"][4] == "-" and written["logged_at"][10:] == "T09:12:03Z"
    assert len(written["resource_type"]) == 4 and written["resource_type"][0].isupper()
    assert "piedpiper" not in (tmp_path / "lago" / "findActivityLog=log-3.yaml").read_text()
    again = redact(record, ("user_email",), recorder._key)  # one value, one fake, within a run
    assert again["user_email"] == written["user_email"]
    InProcess(LAGO, fixtures_dir=tmp_path)  # it validates: start-up would stop on a bad fixture


@pytest.mark.parametrize("hostile", ["../../escaped", "/etc/passwd", "a/b", "..", ".hidden", "UPPER", "x" * 200,
                                     "sp ace", "\u00e9t\u00e9", "~abc"])
def test_hostile_ids_never_name_a_path_and_are_served_back(tmp_path: Path, hostile: str) -> None:
    folder = tmp_path / "rec"
    recorder = _recorder(folder, LAGO)
    assert recorder.record("lago", "findActivityLog", {}, 200, {"activity_log": _activity_log(hostile)}) == 1
    (path,) = _files(tmp_path)
    assert path.parent == folder / "lago" and path.name.startswith("findActivityLog=~") and len(path.name) < 80
    assert yaml.safe_load(path.read_text())["findActivityLog"][hostile]["activity_id"] == hostile
    if "/" not in hostile and hostile != "..":  # an id a URL path can carry is served back as recorded
        offline = InProcess(LAGO, fixtures_dir=folder, unknown_ids="404")
        reply = offline.get(f"/api/v1/activity_logs/{urllib.parse.quote(hostile)}", AUTH)
        assert (reply.status_code, reply.json()["activity_log"]["activity_id"]) == (200, hostile)


def test_ids_recording_refuses(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    recorder = _recorder(tmp_path, LAGO)
    for bad in ["nul\x00byte", "x" * (defaults.RECORD_MAX_ID_LENGTH + 1), "unit\x1fsep"]:
        assert recorder.record("lago", "findActivityLog", {}, 200, {"activity_log": _activity_log(bad)}) == 0
    assert _files(tmp_path) == []


def test_what_is_not_a_record_is_not_recorded(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, LAGO)
    good = {"activity_log": _activity_log("log-4")}
    assert recorder.record("lago", "findActivityLog", {}, 404, good) == 0  # not a success
    assert recorder.record("lago", "findActivityLog", {}, 200, b"<html>") == 0  # not JSON
    assert recorder.record("lago", "nope", {}, 200, good) == 0
    assert recorder.record("nope", "findActivityLog", {}, 200, good) == 0
    assert recorder.record("lago", "findActivityLog", {}, 200, {"activity_log": [1]}) == 0
    drifted = {"activity_log": {**_activity_log("log-5"), "activity_source": 7}}  # the contract refuses it
    assert recorder.record("lago", "findActivityLog", {}, 200, drifted) == 0
    assert _files(tmp_path) == []


def test_the_file_bound_and_rewrites(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, LAGO, max_files=2)
    for n in (1, 2, 1, 3):
        recorder.record("lago", "findActivityLog", {}, 200, {"activity_log": _activity_log(f"log-{n}")})
    assert [path.name for path in _files(tmp_path / "lago")] == ["findActivityLog=log-1.yaml", "findActivityLog=log-2.yaml"]
    assert (recorder.written, recorder.skipped) == (3, 1)


def test_a_write_error_is_one_warning_line_never_an_exception(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    recorder = _recorder(blocked, LAGO)
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        for _ in range(3):
            assert recorder.record("lago", "findActivityLog", {}, 200, {"activity_log": _activity_log("log-6")}) == 0
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("warning: --record: lago findActivityLog: not recorded:"), lines
    assert "Traceback" not in caplog.text


def test_credential_names_and_file_names() -> None:
    assert all(credential_field(name) for name in ("token", "Access-Token", "PASSWORD", "client_secret", "apiKey",
                                                   "X-Api-Key", "authorization", "Set-Cookie", "session_id"))
    assert not any(credential_field(name) for name in ("email", "name", "author", "amount_cents", "key"))
    assert file_name("findActivityLog", "abc") == "findActivityLog=abc.yaml"
    assert file_name("findActivityLog", "ABC") == file_name("findActivityLog", "ABC")  # deterministic
    assert file_name("../op", "abc").startswith("~") and file_name("o" * 300, "abc").startswith("~")


def _upstream_reply(status: int, body: Any, content_type: str = "application/json; charset=utf-8") -> UpstreamReply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return UpstreamReply(status, (("content-type", content_type),), raw, "http://upstream.test/api/v1/x")


def test_the_proxy_listener_queues_replies_for_the_writer_thread(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, LAGO)
    op = recorder.apis["lago"].operations["findActivityLog"]
    request = SimpleNamespace(path_params={"activity_id": "log-7"}, query_string=b"",
                              headers=RequestHeaders(raw=[(b"authorization", f"Bearer {TOKEN}".encode())]))
    recorder.on_upstream_reply(op, request, _upstream_reply(404, {"status": 404}), ())
    recorder.on_upstream_reply(op, request, _upstream_reply(200, b"<p>hi</p>", "text/html"), ())
    for n in (7, 8, 7):
        recorder.on_upstream_reply(op, request, _upstream_reply(200, {"activity_log": _activity_log(f"log-{n}")}), ())
    assert recorder.flush()
    assert [path.name for path in _files(tmp_path / "lago")] == ["findActivityLog=log-7.yaml", "findActivityLog=log-8.yaml"]
    assert (recorder.written, recorder.skipped) == (3, 0)
    assert all(TOKEN not in path.read_text() for path in _files(tmp_path))


def test_replies_beyond_the_pending_bound_are_dropped_with_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(defaults, "RECORD_PENDING_BYTES", 10)  # no reply fits: each is dropped, none waits
    recorder = _recorder(tmp_path, LAGO)
    op = recorder.apis["lago"].operations["findActivityLog"]
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        for n in range(3):
            recorder.on_upstream_reply(op, SimpleNamespace(path_params={}, query_string=b"", headers=RequestHeaders(raw=[])),
                                       _upstream_reply(200, {"activity_log": _activity_log(f"log-{n}")}), ())
    assert recorder.flush() and _files(tmp_path) == []
    assert [r.getMessage() for r in caplog.records] == [
        f"warning: --record: {tmp_path}: the disk is behind (10 bytes of replies wait to be written); "
        "replies meanwhile are not recorded"]


def test_the_clients_own_credentials_are_cut_out_of_any_field_the_upstream_echoes_them_in(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, LAGO)
    op = recorder.apis["lago"].operations["findActivityLog"]
    basic = "Basic " + base64.b64encode(b"gilfoyle:hunter2-longer").decode()
    for n, authorization in ((9, f"Bearer {TOKEN}"), (10, basic)):
        request = SimpleNamespace(path_params={}, query_string=b"",
                                  headers=RequestHeaders(raw=[(b"authorization", authorization.encode()),
                                                              (b"cookie", b"session=c00kie-value-123; theme=dark")]))
        echoed = _activity_log(f"log-{n}", external_subscription_id=f"sub {authorization} hunter2-longer",
                               resource_type="c00kie-value-123")
        recorder.on_upstream_reply(op, request, _upstream_reply(200, {"activity_log": echoed}), ())
    assert recorder.flush() and recorder.written == 2
    for n, path in ((9, tmp_path / "lago" / "findActivityLog=log-9.yaml"), (10, tmp_path / "lago" / "findActivityLog=log-10.yaml")):
        record = yaml.safe_load(path.read_text())["findActivityLog"][f"log-{n}"]
        assert record["resource_type"] == "[redacted]"
        assert record["external_subscription_id"] == ("sub [redacted] hunter2-longer" if n == 9 else "sub [redacted] [redacted]")
        assert TOKEN not in path.read_text()


def test_values_yaml_would_read_otherwise_come_back_as_the_upstream_sent_them(tmp_path: Path) -> None:
    odd = {"lago_id": "x", "f": 1e20, "g": 1.5e-7, "h": 1e16, "u": "\u00e9t\u00e9 \U0001f642", "big": 2 ** 70,
           "none": None, "yes": "yes", "on": "on", "date": "2024-01-01", "time": "2024-01-01T10:00:00Z",
           "octal": "0755", "tilde": "~", "empty": "", "nested": [[], {}, [1, "2"]]}
    recorder = _recorder(tmp_path, LAGO)
    body = json.dumps({"activity_log": _activity_log("log-odd", activity_object=odd)})
    assert recorder.record("lago", "findActivityLog", {}, 200, body) == 1
    reply = InProcess(LAGO, fixtures_dir=tmp_path).get("/api/v1/activity_logs/log-odd", AUTH)
    assert reply.status_code == 200 and reply.json()["activity_log"]["activity_object"] == odd
