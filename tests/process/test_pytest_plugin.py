"""The `mock_server` fixture as a user gets it: install the package, write a test, run pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.mockserver_process import REPO

USER_TEST = '''
import httpx
import pytest


def test_404_once_then_200(mock_server):
    mock_server.scenario("findActivityLog", status=404, times=1)
    url = mock_server.url + "/api/v1/activity_logs/abc"
    auth = {"Authorization": "Bearer k"}
    assert httpx.get(url, headers=auth).json() == {"status": 404, "error": "Not Found", "code": "activity_log_not_found"}
    assert httpx.get(url, headers=auth).json()["activity_log"]["activity_id"] == "abc"
    assert [(r["path"], r["status"]) for r in mock_server.requests()] == [
        ("/api/v1/activity_logs/abc", 404), ("/api/v1/activity_logs/abc", 200)]


def test_each_test_starts_clean_and_records_round_trip(mock_server):
    assert mock_server.requests() == []
    record = mock_server.get_record("findApiLog", "5e0b9d3a-6c21-4f8e-b7a4-3d9e1c2f0a58")
    mock_server.put_record("findApiLog", "mine", {**record, "request_id": "mine", "http_status": 422})
    body = httpx.get(mock_server.url + "/api/v1/api_logs/mine", headers={"Authorization": "Bearer k"}).json()
    assert body["api_log"]["http_status"] == 422
    mock_server.delete_record("findApiLog", "mine")
    assert httpx.get(mock_server.url + "/api/v1/api_logs/mine", headers={"Authorization": "Bearer k"}).status_code == 404
'''


def _run_pytest(python: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                          cwd=folder, capture_output=True, text=True, timeout=300)


def test_fixture_is_registered_by_installing_the_package(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    result = _run_pytest(Path(sys.executable), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_fresh_venv_pip_install_then_plain_pytest(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(REPO), "pytest==9.2.0"],
        capture_output=True, text=True, timeout=600,
    )
    assert install.returncode == 0, install.stderr
    project = tmp_path / "project"  # no conftest, no openapi/: the wheel's bundled contracts serve
    project.mkdir()
    (project / "test_user.py").write_text(USER_TEST)
    result = _run_pytest(python, project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


PARALLEL_TESTS = '''
import httpx
import pytest

AUTH = {"Authorization": "Bearer k"}


@pytest.mark.parametrize("n", range(12))
def test_my_scenario_and_record_are_mine(mock_server, n):
    # every test uses the same operation and ids; only its own session's state may show
    status = 404 if n % 2 else 200
    if status == 404:
        mock_server.scenario("findActivityLog", status=404)
    record = mock_server.get_record("findApiLog", "5e0b9d3a-6c21-4f8e-b7a4-3d9e1c2f0a58")
    mock_server.put_record("findApiLog", "same-id", {**record, "request_id": "same-id", "client": f"test {n}"})
    for _ in range(20):
        assert httpx.get(mock_server.url + "/api/v1/activity_logs/same-id", headers=AUTH).status_code == status
        got = httpx.get(mock_server.url + "/api/v1/api_logs/same-id", headers=AUTH).json()["api_log"]["client"]
        assert got == f"test {n}"
    assert len(mock_server.requests()) == 40
'''


@pytest.mark.parametrize("shared", [False, True], ids=["a-server-per-worker", "one-shared-server"])
def test_pytest_xdist_runs_tests_that_set_scenarios_and_records_without_interference(
        tmp_path: Path, launch, shared: bool) -> None:
    """Issue 14: `pytest -n 4`, twice; with `shared`, all four workers use one running mock."""
    pytest.importorskip("xdist", reason="pytest-xdist is not installed (test extra)")
    (tmp_path / "test_parallel.py").write_text(PARALLEL_TESTS)
    env = dict(os.environ)
    if shared:
        env["MOCKSERVER_URL"] = launch().url
    for _run in range(2):
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "4", str(tmp_path)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "12 passed" in result.stdout
