"""The `mock_server` fixture's options as a user meets them (issue 24): every scenario field, a
control token, `mockserver_args` paths read from the ini file's folder, and one clear error for
an unreachable MOCKSERVER_URL. Each runs a user's pytest in a subprocess, as
tests/process/test_pytest_plugin.py does. The README's own pytest example (with the Lago SDK)
is run from the README itself by tests/process/test_readme.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from tests.mockserver_process import REPO

TOKEN = "a-control-token-of-32-characters"


def _pytest(folder: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("MOCKSERVER_URL", "MOCKSERVER_CONTROL_TOKEN")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(folder)],
                          cwd=cwd or folder, capture_output=True, text=True, timeout=300, env=environment)


def _output(result: subprocess.CompletedProcess) -> str:
    return result.stdout[-4000:] + result.stderr[-2000:]


SESSION_URL = '''
from urllib.parse import urljoin
import httpx


def test_the_session_url_ends_with_a_slash_and_keeps_the_session(mock_server):
    assert mock_server.url == f"{mock_server.server_url}/__session/{mock_server.session}/"
    assert urljoin(mock_server.url, "api/v1/") == f"{mock_server.server_url}/__session/{mock_server.session}/api/v1/"
    # `url + "/api/..."`, as tests wrote it before, still gives one slash
    assert mock_server.url + "/api/v1/x" == f"{mock_server.server_url}/__session/{mock_server.session}/api/v1/x"
    auth = {"Authorization": "Bearer k"}
    assert httpx.get(mock_server.url + "api/v1/activity_logs/abc", headers=auth).status_code == 200
    assert httpx.get(mock_server.url + "/api/v1/activity_logs/abc", headers=auth).status_code == 200
    assert [r["path"] for r in mock_server.requests()] == ["/api/v1/activity_logs/abc"] * 2
'''


def test_the_session_url_can_be_joined_onto(tmp_path: Path) -> None:
    (tmp_path / "test_url.py").write_text(SESSION_URL)
    result = _pytest(tmp_path)
    assert result.returncode == 0, _output(result)
    assert "1 passed" in result.stdout


SCENARIOS = '''
import httpx
import pytest

AUTH = {"Authorization": "Bearer k"}
URL = "api/v1/activity_logs/abc"


def test_a_delay_alone_is_a_scenario(mock_server):
    made = mock_server.scenario("findActivityLog", delay_ms=1)
    assert {k: made[k] for k in ("operationId", "delay_ms")} == {"operationId": "findActivityLog", "delay_ms": 1}
    assert "status" not in made or made["status"] is None
    assert httpx.get(mock_server.url + URL, headers=AUTH).status_code == 200


def test_a_fault(mock_server):
    mock_server.scenario("findActivityLog", fault="empty", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(mock_server.url + URL, headers=AUTH)
    assert httpx.get(mock_server.url + URL, headers=AUTH).status_code == 200


def test_a_rate_limit(mock_server):
    mock_server.scenario(path="/api/v1/activity_logs/abc", rate_limit={"requests": 1, "window_s": 60})
    assert httpx.get(mock_server.url + URL, headers=AUTH).status_code == 200
    limited = httpx.get(mock_server.url + URL, headers=AUTH)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1


def test_a_status_and_example_by_keyword(mock_server):
    made = mock_server.scenario(operation_id="findActivityLog", status=404, times=2)
    assert (made["status"], made["times"]) == (404, 2)
    assert httpx.get(mock_server.url + URL, headers=AUTH).status_code == 404
'''


def test_scenario_takes_every_scenario_field(tmp_path: Path) -> None:
    (tmp_path / "test_scenarios.py").write_text(SCENARIOS)
    result = _pytest(tmp_path)
    assert result.returncode == 0, _output(result)
    assert "4 passed" in result.stdout


CONTROL = '''
import httpx


def test_control_calls_carry_the_token(mock_server):
    mock_server.scenario("findActivityLog", status=404, times=1)
    url = mock_server.url + "api/v1/activity_logs/abc"
    assert httpx.get(url, headers={"Authorization": "Bearer k"}).status_code == 404
    assert [r["status"] for r in mock_server.requests()] == [404]
'''


def test_a_token_from_the_environment_or_the_ini_file_reaches_a_shared_mock(tmp_path: Path, launch) -> None:
    url = launch("--control-token", TOKEN).url
    (tmp_path / "test_control.py").write_text(CONTROL)
    by_env = _pytest(tmp_path, env={"MOCKSERVER_URL": url, "MOCKSERVER_CONTROL_TOKEN": TOKEN})
    assert by_env.returncode == 0, _output(by_env)
    assert "1 passed" in by_env.stdout
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nmockserver_url = {url}\nmockserver_control_token = {TOKEN}\n")
    by_ini = _pytest(tmp_path)
    assert by_ini.returncode == 0, _output(by_ini)
    assert "1 passed" in by_ini.stdout


def test_a_missing_token_is_one_error_at_setup_that_says_what_to_set(tmp_path: Path, launch) -> None:
    url = launch("--control-token", TOKEN).url
    (tmp_path / "test_control.py").write_text(CONTROL)
    result = _pytest(tmp_path, env={"MOCKSERVER_URL": url})
    assert result.returncode == 1, _output(result)
    assert "1 error" in result.stdout
    # the server's own detail sits between the brackets (its wording is control/access.py's)
    line = next(line for line in result.stdout.splitlines() if line.startswith(f"MOCKSERVER_URL={url}: "))
    assert line.startswith(f"MOCKSERVER_URL={url}: the control API answered 401 (")
    assert line.endswith("); set MOCKSERVER_CONTROL_TOKEN (or the ini option mockserver_control_token) "
                         "to its --control-token")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_token_in_mockserver_args_is_used_by_the_fixture(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nmockserver_args = --control-token {TOKEN}\n")
    (tmp_path / "test_control.py").write_text(CONTROL)
    result = _pytest(tmp_path)
    assert result.returncode == 0, _output(result)
    assert "1 passed" in result.stdout


OWN_DOCUMENT = '''
import httpx


def test_the_document_named_in_the_ini_file_is_served(mock_server):
    mock_server.scenario("getPetById", status=404, times=1)
    url = mock_server.url + "api/v3/pet/7"
    assert httpx.get(url, headers={"api_key": "k"}).status_code == 404
'''


def test_paths_in_mockserver_args_are_read_from_the_ini_files_folder(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    shutil.copy(REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml", tmp_path / "app" / "notes.yaml")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "pytest.ini").write_text("[pytest]\nmockserver_args = --spec ../app/notes.yaml\n")
    (tests / "test_own.py").write_text(OWN_DOCUMENT)
    # pytest run from the project's root: `../app` from there is not the project's app/ folder
    result = _pytest(tests, cwd=tmp_path)
    assert result.returncode == 0, _output(result)
    assert "1 passed" in result.stdout


TWO_TESTS = '''
def test_one(mock_server):
    mock_server.requests()


def test_two(mock_server):
    mock_server.requests()
'''


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_an_unreachable_mockserver_url_is_one_clear_error_at_setup(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    (tmp_path / "test_two.py").write_text(TWO_TESTS)
    result = _pytest(tmp_path, env={"MOCKSERVER_URL": url})
    assert result.returncode == 1, _output(result)
    assert "2 errors" in result.stdout
    assert (f"MOCKSERVER_URL={url}: no mock server answers there ([Errno 111] Connection refused); "
            "start one (mockserver serve) or fix or unset MOCKSERVER_URL") in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "ConnectionRefusedError" not in result.stdout and "URLError" not in result.stdout


def test_paths_given_with_dash_o_are_read_from_the_current_folder(tmp_path: Path) -> None:
    """`-o mockserver_args=...` is typed in a shell: its paths mean what the shell's folder says."""
    shutil.copy(REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml", tmp_path / "notes.yaml")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "pytest.ini").write_text("[pytest]\nmockserver_args = --spec ../app/notes.yaml\n")
    (tests / "test_own.py").write_text(OWN_DOCUMENT)
    result = _pytest(tests, "-o", "mockserver_args=--spec notes.yaml", cwd=tmp_path)
    assert result.returncode == 0, _output(result)
    assert "1 passed" in result.stdout
