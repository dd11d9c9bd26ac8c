"""Safe defaults: loopback only unless told otherwise, no credential in the log, and YAML that
would construct Python objects is refused (as a one-line error), never executed."""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path

import pytest

from tests.hardening_support import raw_request, serve_expecting_failure
from tests.mockserver_process import RunningServer, run_cli


def _listeners(port: int) -> list[str]:
    """The local addresses that listen on `port`, read from the kernel's socket tables.

    Read, not probed: a connection attempt to this machine's other addresses would be traffic
    to a non-loopback address, which tests here never send.
    """
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # the kernel writes each 32-bit word in host (little-endian) order
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.append(str(ipaddress.ip_address(words if width == 32 else raw[::-1])))
    return found


def test_the_default_host_is_loopback_only(server: RunningServer) -> None:
    assert server.url.startswith("http://127.0.0.1:"), server.banner
    assert "Listening on http://127.0.0.1:" in server.banner
    port = int(server.url.rsplit(":", 1)[1])
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read the listening sockets from")
    assert _listeners(port) == ["127.0.0.1"]
    # and the server itself is fine on loopback
    assert raw_request(server.url, "GET", "/api/v1/activity_logs/loopback", [("Authorization", "Bearer k")]).status == 200


def test_credentials_never_reach_the_log(launch) -> None:
    key, user, password = "sk_live_K3Y-never-logged", "admin-user-XYZ", "hunter2-never-logged"
    wrong_key, wrong_password = "sk_wrong_T0KEN-never-logged", "wrong-pass-never-logged"
    server = launch("--api-key", key, "--basic-auth", f"{user}:{password}")
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    wrong_basic = base64.b64encode(f"{user}:{wrong_password}".encode()).decode()
    lago = [("Authorization", f"Bearer {key}")]
    sequence = [("Authorization", f"Basic {basic}")]
    requests = [
        ("GET", "/api/v1/activity_logs/a", lago),
        ("GET", "/api/v1/api_logs/a", lago),
        ("GET", "/activity-logs/a", sequence),
        ("GET", "/api/v1/activity_logs/a", [("Authorization", f"Bearer {wrong_key}")]),  # 401
        ("GET", "/activity-logs/a", [("Authorization", f"Basic {wrong_basic}")]),  # 401
        ("GET", "/activity-logs/a", [("Authorization", f"Bearer {key}")]),  # wrong scheme: 401
        ("GET", "/activity-logs/a", sequence + [("sequence-version", "1999-01-01")]),  # 400
        ("GET", "/api/v1/activity_logs/a", lago + [("Prefer", "code=abc")]),  # 422
        ("GET", "/api/v1/activity_logs/a", lago + [("Accept", "text/html")]),  # 406
        ("POST", "/api/v1/activity_logs/a", lago + [("Content-Length", "0")]),  # 405
        ("GET", "/nowhere", lago),  # 404
        ("GET", "/api/v1/activity_logs/a%0Ab", lago),  # a request the server has trouble with
        ("GET", f"/api/v1/activity_logs/a?api_key={key}&password={password}", lago),
    ]
    for method, path, headers in requests:
        raw_request(server.url, method, path, headers)
    raw_request(server.url, "GET", "/api/v1/activity_logs/the-end", lago)
    log = server.wait_for_log("/api/v1/activity_logs/the-end")
    for secret in (key, password, basic, wrong_key, wrong_password, wrong_basic):
        assert secret not in log, f"{secret!r} appears in the server log:\n{log[-3000:]}"


EVIL_MARKER = "pwned-by-yaml"


def _evil(tmp_path: Path) -> tuple[str, Path]:
    marker = tmp_path / EVIL_MARKER
    return f"!!python/object/apply:os.system [\"touch {marker}\"]", marker


def test_a_python_tag_in_a_fixture_is_refused_not_executed(tmp_path: Path) -> None:
    tag, marker = _evil(tmp_path)
    (tmp_path / "lago").mkdir()
    fixture = tmp_path / "lago" / "evil.yaml"
    fixture.write_text(f"findActivityLog:\n  x1: {tag}\n", encoding="utf-8")
    result = serve_expecting_failure("--port", "0", "--fixtures-dir", str(tmp_path))
    _assert_refused(result.returncode, result.stderr, fixture, "line 2", marker)


def test_a_python_tag_in_a_served_document_is_refused_not_executed(tmp_path: Path) -> None:
    tag, marker = _evil(tmp_path)
    spec = tmp_path / "evil.yaml"
    spec.write_text(f"openapi: 3.0.3\ninfo:\n  title: {tag}\n  version: '1'\npaths: {{}}\n", encoding="utf-8")
    result = serve_expecting_failure("--port", "0", "--spec", str(spec), "--fixtures-dir", str(tmp_path))
    _assert_refused(result.returncode, result.stderr, spec, "line 3", marker)


def test_a_python_tag_in_a_document_to_normalize_is_refused_not_executed(tmp_path: Path) -> None:
    tag, marker = _evil(tmp_path)
    spec = tmp_path / "evil.yaml"
    spec.write_text(f"openapi: 3.0.3\ninfo:\n  title: {tag}\n  version: '1'\npaths: {{}}\n", encoding="utf-8")
    result = run_cli("normalize", str(spec), "-o", str(tmp_path / "out.yaml"))
    _assert_refused(result.returncode, result.stderr, spec, "line 3", marker)
    assert not (tmp_path / "out.yaml").exists()


def _assert_refused(returncode: int | None, stderr: str, source: Path, where: str, marker: Path) -> None:
    assert not marker.exists(), "the YAML tag was executed"
    assert returncode == 2, f"exit {returncode}\n{stderr}"
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert str(source) in lines[0] and where in lines[0], lines[0]
    assert "python/object/apply" in lines[0], lines[0]
