"""Every curl the landing page shows runs as shown: pasted into a shell, against the server
that showed it, it answers a status its operation declares, never a 4xx or 5xx.

Each curl is taken from the page's HTML and run with the real `curl` binary, so a placeholder
id, a `{...}` body, a key the server refuses or a wrong base URL fails here.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import httpx
import pytest

from tests.mockserver_process import start_server

CURL = shutil.which("curl")
pytestmark = pytest.mark.skipif(CURL is None, reason="the curl binary is not installed")

_CURL_CELL = re.compile(r"<code>(curl .*?)</code>", re.S)
_STATUS = re.compile(r"^HTTP/[\d.]+ (\d{3})", re.M)
_ROUTE = re.compile(r"<tr><td><code>(\w+)</code></td><td><code>([^<]*)</code></td><td>([^<]*)</td>")


def _curls(page: str) -> list[tuple[str, str]]:
    """(operationId, curl command) for each row of the page; no path parameter is shown by its
    name (`/activity_logs/activity_id` is a 404 under --unknown-ids 404 and names no record)."""
    rows = []
    for row in page.split("<tr>")[1:]:
        route, curl = _ROUTE.match("<tr>" + row), _CURL_CELL.search(row)
        if route and curl:
            command = html.unescape(curl.group(1))
            for name in re.findall(r"\{([^}]+)\}", html.unescape(route.group(2))):
                assert not re.search(rf"/{re.escape(name)}(/|\?|'| |$)", command), command
            rows.append((html.unescape(route.group(3)), command))
    return rows


def _run_all(page: str) -> dict[str, tuple[int, str]]:
    """Run every curl, deletes last (a deleted record is rightly a 404 to the reads after it)."""
    curls = _curls(page)
    assert curls, page[:2000]
    ordered = sorted(curls, key=lambda pair: " -X DELETE " in pair[1])
    results = {}
    for operation_id, command in ordered:
        assert command.startswith("curl -i ") and "{...}" not in command, command
        done = subprocess.run(["bash", "-c", command.replace("curl ", f"{CURL} -sS --max-time 20 ", 1)],
                              capture_output=True, text=True, errors="replace", timeout=30)
        statuses = _STATUS.findall(done.stdout)
        assert statuses, (command, done.stderr)
        results[operation_id] = (int(statuses[-1]), command + "\n" + done.stdout[-600:])
    return results


def _declared(url: str) -> dict[str, list[int]]:
    routes = httpx.get(f"{url}/__mock/routes", timeout=10).json()["routes"]
    return {route["operationId"]: route["statuses"] for route in routes}


def _expected(status: int, statuses: list[int]) -> bool:
    """A 2xx the operation declares; for one that declares no 2xx (Kubernetes' `/logs/` only
    a 401), the status it documents."""
    if any(200 <= code < 300 for code in statuses):
        return 200 <= status < 300 and status in statuses
    return status in statuses if statuses else 200 <= status < 300


def _assert_all_succeed(url: str, page: str) -> int:
    results = _run_all(page)
    declared = _declared(url)
    failures = [detail for operation_id, (status, detail) in results.items()
                if not _expected(status, declared.get(operation_id) or [])]
    assert not failures, f"{len(failures)} of {len(results)} curls failed:\n" + "\n\n".join(failures)
    return len(results)


def test_every_curl_on_the_bundled_contracts_runs():
    server = start_server()
    try:
        page = httpx.get(server.url + "/", timeout=10).text
        ran = _assert_all_succeed(server.url, page)
        assert ran == 3  # lago's two reads and sequence's one
    finally:
        server.stop()


def test_every_petstore_curl_runs_with_the_configured_key_in_a_session():
    server = start_server("--spec", "tests/data/specs/petstore-3.0.yaml", "--api-key", "s3cret-key")
    try:
        page = httpx.get(server.url + "/__session/landing-curls/", timeout=10).text
        curls = _curls(page)
        assert all(f"{server.url}/__session/landing-curls/" in command for _op, command in curls), curls
        assert all("s3cret-key" in command for _op, command in curls if "Authorization" in command
                   or "api_key" in command), curls
        assert not any("{petId}" in command or "/petId" in command for _op, command in curls), curls
        assert _assert_all_succeed(server.url, page) == len(curls) >= 15
    finally:
        server.stop()


def test_every_curl_on_a_3_1_document_runs():
    server = start_server("--spec", "tests/data/specs/museum-3.1.yaml")
    try:
        assert _assert_all_succeed(server.url, httpx.get(server.url + "/", timeout=10).text) == 8
    finally:
        server.stop()


def test_basic_auth_curls_carry_the_configured_pair():
    server = start_server("--basic-auth", "ann:pw")
    try:
        page = httpx.get(server.url + "/", timeout=10).text
        basic = [command for _op, command in _curls(page) if " -u " in command]
        assert basic and all(" -u ann:pw " in command for command in basic), basic
        _assert_all_succeed(server.url, page)
    finally:
        server.stop()



def test_under_unknown_ids_404_a_read_names_a_record_the_mock_holds():
    """No documented example id and no generated record: the curl names a record a client made."""
    server = start_server("--spec", "tests/data/specs/petstore-3.0.yaml", "--unknown-ids", "404")
    try:
        pet = {"id": 4242, "name": "Rex", "photoUrls": ["https://example.com/rex.png"], "status": "available"}
        assert httpx.post(server.url + "/api/v3/pet", json=pet, headers={"Authorization": "Bearer k"}).status_code == 200
        page = httpx.get(server.url + "/", timeout=10).text
        command = dict(_curls(page))["getPetById"]
        assert command.endswith(f" {server.url}/api/v3/pet/4242"), command
        done = subprocess.run(["bash", "-c", command.replace("curl ", f"{CURL} -sS ", 1)], capture_output=True, text=True)
        assert _STATUS.findall(done.stdout) == ["200"] and '"name":"Rex"' in done.stdout.replace(" ", ""), done.stdout
    finally:
        server.stop()
