"""The official Lago JavaScript client (npm `lago-javascript-client`), run by the machine's Node
against the real server, as the README shows it: only its `baseUrl` changes.

Node and npm are the machine's; the package is installed from the npm registry into a
temporary folder, pinned. Without Node or npm (or the registry), the test is skipped, saying why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.mockserver_process import REPO

PACKAGE = "lago-javascript-client@1.53.0"
SCRIPT = REPO / "tests" / "js" / "lago_client.mjs"
EXAMPLE_ID = "1a901a90-1a90-1a90-1a90-1a901a901a90"  # the docs' example id: a seeded record


@pytest.fixture(scope="module")
def lago_js(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the Lago JavaScript client (apt-get install nodejs npm)")
    folder = tmp_path_factory.mktemp("lago-js")
    (folder / "package.json").write_text('{"name": "mock-check", "private": true, "type": "module"}')
    installed = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", PACKAGE], cwd=folder,
                               capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        pytest.skip(f"npm install {PACKAGE} failed (is the npm registry reachable?): {installed.stderr[-500:]}")
    shutil.copy(SCRIPT, folder / SCRIPT.name)
    return folder


def test_the_javascript_client_reads_records_and_the_real_404(lago_js: Path, launch) -> None:
    server = launch("--unknown-ids=404")
    run = subprocess.run(["node", SCRIPT.name, server.url + "/api/v1", EXAMPLE_ID, "missing"],
                         cwd=lago_js, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["found"]["activity_log"]["activity_id"] == EXAMPLE_ID
    assert result["apiLog"]["api_log"]["request_id"] == EXAMPLE_ID
    assert result["error"] == {"status": 404, "error": "Not Found", "code": "activity_log_not_found"}
