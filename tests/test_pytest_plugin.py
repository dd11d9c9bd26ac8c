"""The `mock_server` fixture as a user gets it: install the package, write a test, run pytest."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

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
