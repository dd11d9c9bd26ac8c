"""Every `mockserver serve` flag, each against a real server started with it."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import httpx
import yaml

from mockserver import __version__
from tests.conftest import BASIC, BEARER
from tests.mockserver_process import REPO, RunningServer, run_cli

ACTIVITY_404 = b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}'
API_LOG_404 = b'{"status":404,"error":"Not Found","code":"api_log_not_found"}'
LAGO_401 = b'{"status":401,"error":"Unauthorized"}'


def get(server: RunningServer, path: str, headers: dict | None = None) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers or {}, timeout=10)


def test_banner_names_each_api_with_its_base_url_and_a_curl(server: RunningServer) -> None:
    assert f"lago: {server.url}/api/v1/" in server.banner
    assert f"sequence: {server.url}/" in server.banner
    assert (f"  try:  curl -i -H 'Authorization: Bearer key' "
            f"{server.url}/api/v1/activity_logs/bdc0eda6-ea52-4f72-a46a-94f47a89b546\n") in server.banner
    assert f"  try:  curl -i -u user:pass {server.url}/activity-logs/3f1c9a7e-0d2b-4c58-8e6f-a1b2c3d4e5f6\n" in server.banner
    assert server.url.startswith("http://127.0.0.1:")


def test_unknown_ids_404(launch) -> None:
    server = launch("--unknown-ids=404")
    response = get(server, "/api/v1/activity_logs/unknown", BEARER)
    assert (response.status_code, response.content) == (404, ACTIVITY_404)
    response = get(server, "/api/v1/api_logs/unknown", BEARER)
    assert (response.status_code, response.content) == (404, API_LOG_404)
    known = get(server, "/api/v1/activity_logs/7d4f2c1e-8b3a-4e6f-9a10-2b5c8d7e6f01", BEARER)
    assert known.status_code == 200
    dynamic = get(server, "/api/v1/activity_logs/unknown", {**BEARER, "Prefer": "dynamic=true"})
    assert dynamic.status_code == 200
    # Sequence declares no 404: unknown ids are still generated there.
    assert get(server, "/activity-logs/unknown", BASIC).status_code == 200


def test_api_key_and_basic_auth_restrict_credentials(launch) -> None:
    server = launch("--api-key", "k1", "--api-key", "k2", "--basic-auth", "client:secret")
    assert get(server, "/api/v1/activity_logs/a", {"Authorization": "Bearer k1"}).status_code == 200
    assert get(server, "/api/v1/activity_logs/a", {"Authorization": "Bearer k2"}).status_code == 200
    wrong = get(server, "/api/v1/activity_logs/a", {"Authorization": "Bearer k3"})
    assert (wrong.status_code, wrong.content) == (401, LAGO_401)
    assert get(server, "/activity-logs/a", BASIC).status_code == 200
    assert get(server, "/activity-logs/a", {"Authorization": "Basic Y2xpZW50Ondyb25n"}).status_code == 401


def test_same_bytes_across_a_restart_and_other_bytes_with_another_seed(launch, server: RunningServer) -> None:
    paths = ["/api/v1/activity_logs/det-1", "/api/v1/api_logs/det-2", "/activity-logs/det-3"]
    auth = [BEARER, BEARER, BASIC]
    before = [get(server, p, h).content for p, h in zip(paths, auth)]
    again = launch()
    assert [get(again, p, h).content for p, h in zip(paths, auth)] == before
    seeded = launch("--seed", "7")
    assert [get(seeded, p, h).content for p, h in zip(paths, auth)] != before


def test_mount_moves_an_api(launch) -> None:
    server = launch("--mount", "lago=/lago")
    assert get(server, "/lago/activity_logs/a", BEARER).json()["activity_log"]["activity_id"] == "a"
    assert get(server, "/api/v1/activity_logs/a", BEARER).status_code == 404
    assert f"lago: {server.url}/lago/" in server.banner


def test_cors_echoes_the_origin_and_answers_preflight_before_auth(client: httpx.Client) -> None:
    origin = "http://localhost:5173"
    preflight = client.options("/api/v1/activity_logs/abc", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, prefer",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    preflight = client.options("/activity-logs/abc", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "sequence-version",
    })
    assert preflight.status_code == 200
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    unauthorized = client.get("/api/v1/activity_logs/abc", headers={"Origin": origin})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == origin


def test_no_cors(launch) -> None:
    server = launch("--no-cors")
    response = get(server, "/api/v1/activity_logs/abc", {**BEARER, "Origin": "http://x.test"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_a_refused_preflight_says_why_in_the_log(launch) -> None:
    """Issue 13 (1): the log showed only `OPTIONS ... 400`."""
    server = launch()
    refused = httpx.options(server.url + "/api/v1/activity_logs/abc", headers={
        "Origin": "http://app.test", "Access-Control-Request-Method": "TRACE"})
    assert refused.status_code == 400
    assert "CORS preflight refused: Disallowed CORS method" in server.wait_for_log("CORS preflight refused")


def test_request_log_has_one_line_per_request_and_never_a_credential(launch) -> None:
    server = launch()
    get(server, "/api/v1/activity_logs/logged", {"Authorization": "Bearer secret-token-123"})
    get(server, "/activity-logs/logged", BASIC)
    get(server, "/nowhere")
    log = server.wait_for_log("GET /nowhere")
    assert "GET /api/v1/activity_logs/logged findActivityLog 200 " in log
    assert "GET /activity-logs/logged getActivityLogsById 200 " in log
    assert "GET /nowhere - 404 " in log
    assert "secret-token-123" not in log
    assert BASIC["Authorization"].split()[1] not in log


def test_quiet(launch) -> None:
    server = launch("--quiet")
    get(server, "/api/v1/activity_logs/quiet", BEARER)
    get(server, "/nowhere-after")
    assert "activity_logs/quiet" not in server.log()


def test_contract_violation_is_a_500_naming_the_operation(launch, tmp_path: Path) -> None:
    document = yaml.safe_load((REPO / "openapi" / "lago.yaml").read_text())
    not_found = document["paths"]["/activity_logs/{activity_id}"]["get"]["responses"]["404"]
    del not_found["content"]["application/json"]["examples"]  # so the 404 body is generated ...
    # ... from a schema no value satisfies: whatever the mock makes of it breaks the contract
    document["components"]["schemas"]["ApiErrorNotFound"]["properties"]["code"] = {
        "type": "string", "minLength": 5, "maxLength": 2}
    spec = tmp_path / "broken.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    server = launch("--spec", str(spec), "--fixtures-dir", str(tmp_path))
    response = get(server, "/api/v1/activity_logs/a", {**BEARER, "Prefer": "code=404"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["operationId"] == "findActivityLog"
    assert any("code" in violation for violation in problem["violations"])
    assert "contract violation in findActivityLog 404" in server.wait_for_log("contract violation")


def _one_line_error(result) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_two_documents_claiming_one_route_stop_start_up(tmp_path: Path) -> None:
    shutil.copy(REPO / "openapi" / "lago.yaml", tmp_path / "lago.yaml")
    shutil.copy(REPO / "openapi" / "lago.yaml", tmp_path / "lago_copy.yaml")
    line = _one_line_error(run_cli("serve", "--specs-dir", str(tmp_path), "--fixtures-dir", str(tmp_path)))
    assert "route conflict" in line and "/api/v1/activity_logs/{activity_id}" in line


def test_bad_fixture_stops_start_up_naming_file_and_place(tmp_path: Path) -> None:
    (tmp_path / "lago").mkdir()
    bad = tmp_path / "lago" / "bad.yaml"
    bad.write_text("findActivityLog:\n  x1:\n    activity_id: x1\n    activity_source: nowhere\n")
    line = _one_line_error(run_cli("serve", "--fixtures-dir", str(tmp_path)))
    assert str(bad) in line and "/findActivityLog/x1" in line and "nowhere" in line


def test_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    line = _one_line_error(result)
    assert f"127.0.0.1:{port}" in line and "in use" in line


# -- the command line ------------------------------------------------------------------------------

def test_version() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"mockserver {__version__}")


def test_an_unknown_serve_flag_names_the_closest_one_with_serves_usage() -> None:
    result = run_cli("serve", "--unkown-ids", "404")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("usage: mockserver serve ")
    assert "mockserver serve: error: unrecognized arguments: --unkown-ids (did you mean --unknown-ids?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_folder_the_user_names_must_exist(tmp_path: Path) -> None:
    for flag in ("--fixtures-dir", "--specs-dir"):
        result = run_cli("serve", flag, str(tmp_path / "nope"), "--port", "0")
        assert result.returncode == 2
        assert result.stderr.strip() == f"mockserver: error: {flag} {tmp_path / 'nope'}: no such folder"
