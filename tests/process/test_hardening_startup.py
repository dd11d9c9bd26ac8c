"""Start-up failures: a bad fixture, document or flag stops `mockserver serve` with exit status 2
and exactly one stderr line naming the file (with the line or JSON pointer) and the problem;
never a traceback, never a server that starts anyway.

tests/process/test_serve_options.py already covers: a fixture value outside its enum, two copies of one
document in --specs-dir, and a port in use. These are the other cases.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from tests.hardening_support import serve_expecting_failure
from tests.mockserver_process import REPO, start_server

LAGO = yaml.safe_load((REPO / "openapi" / "lago.yaml").read_text(encoding="utf-8"))

VALID_ACTIVITY_LOG = """\
    activity_source: api
    activity_type: plan.created
    logged_at: '2025-03-31T12:31:44Z'
    created_at: '2025-03-30T12:31:44Z'
    resource_id: 5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba
    resource_type: Plan
    organization_id: 1a901a90-1a90-1a90-1a90-1a901a901a90
"""


def one_line_error(*args: str) -> str:
    """Run `mockserver serve ARGS` (it must not start) and return its only stderr line."""
    result = serve_expecting_failure("--port", "0", *args)
    assert result.returncode is not None, f"the server started anyway:\n{result.stdout}{result.stderr}"
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"{len(lines)} stderr lines, expected 1:\n{result.stderr[:3000]}"
    return lines[0]


def fixtures(tmp_path: Path, vendor: str, files: dict[str, str]) -> Path:
    folder = tmp_path / "fixtures" / vendor
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "fixtures"


def document(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# -- fixtures ----------------------------------------------------------------------------------

def test_unparsable_fixture_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    root = fixtures(tmp_path, "lago", {"broken.yaml": "findActivityLog:\n  x1:\n    activity_id: x1: oops\n"})
    line = one_line_error("--fixtures-dir", str(root))
    assert str(root / "lago" / "broken.yaml") in line and "line 3" in line, line
    assert "YAML" in line, line


def test_sequence_fixture_missing_a_required_field_names_the_record_and_the_field(tmp_path: Path) -> None:
    root = fixtures(tmp_path, "sequence", {"logs.yaml": (
        "getActivityLogsById:\n"
        "  seq-bad:\n"
        "    sequenceAccountId: bb0e8400-e29b-41d4-a716-446655440006\n"
        "    activityType: NOTIFICATION\n"
        "    origin: API\n"
        "    createdAt: '2024-01-01T10:00:00Z'\n")})
    line = one_line_error("--fixtures-dir", str(root))
    assert str(root / "sequence" / "logs.yaml") in line, line
    assert "/getActivityLogsById/seq-bad" in line and "activityLogItems" in line, line


def test_the_same_id_in_two_files_of_one_vendor_names_both_files(tmp_path: Path) -> None:
    record = "findActivityLog:\n  dup-1:\n" + VALID_ACTIVITY_LOG
    root = fixtures(tmp_path, "lago", {"a.yaml": record, "b.yaml": record})
    line = one_line_error("--fixtures-dir", str(root))
    assert "/findActivityLog/dup-1" in line and "duplicate" in line, line
    assert str(root / "lago" / "a.yaml") in line and str(root / "lago" / "b.yaml") in line, line


def test_the_same_id_twice_in_one_file_is_not_silently_dropped(tmp_path: Path) -> None:
    """YAML loaders keep the last of two equal keys; a seeded record must not vanish unseen."""
    first = "findActivityLog:\n  dup-2:\n" + VALID_ACTIVITY_LOG
    second = "  dup-2:\n" + VALID_ACTIVITY_LOG.replace("plan.created", "plan.updated")
    root = fixtures(tmp_path, "lago", {"twice.yaml": first + second})
    line = one_line_error("--fixtures-dir", str(root))
    assert str(root / "lago" / "twice.yaml") in line and "dup-2" in line and "duplicate" in line, line
    assert "line 10" in line, line  # where the second dup-2 starts


def test_a_fixture_for_an_unknown_operation_names_it_and_the_known_ones(tmp_path: Path) -> None:
    root = fixtures(tmp_path, "lago", {"unknown.yaml": "findInvoice:\n  inv-1:\n    lago_id: inv-1\n"})
    line = one_line_error("--fixtures-dir", str(root))
    assert str(root / "lago" / "unknown.yaml") in line and "/findInvoice" in line, line
    assert "findActivityLog" in line and "findApiLog" in line, line


# -- documents ---------------------------------------------------------------------------------

def test_a_document_that_cannot_be_served_names_the_pointer(tmp_path: Path) -> None:
    data = copy.deepcopy(LAGO)
    data["components"]["schemas"]["ActivityLogObject"]["properties"]["activity_id"]["type"] = "text"
    spec = document(tmp_path, "lago", data)
    line = one_line_error("--spec", str(spec), "--fixtures-dir", str(tmp_path))
    assert str(spec) in line and "#/components/schemas/ActivityLogObject" in line, line


def test_an_invalid_operation_is_named_by_an_rfc6901_pointer(tmp_path: Path) -> None:
    """A path item's key contains '/': a JSON pointer escapes it as '~1' (RFC 6901 §3)."""
    data = copy.deepcopy(LAGO)
    data["paths"]["/activity_logs/{activity_id}"]["get"]["parameters"][0]["in"] = "body"  # Swagger 2.0's, not 3.0's
    spec = document(tmp_path, "lago", data)
    line = one_line_error("--spec", str(spec), "--fixtures-dir", str(tmp_path))
    assert str(spec) in line and "/paths/~1activity_logs~1{activity_id}/get/parameters/0" in line, line


def test_a_dangling_ref_is_a_one_line_error(tmp_path: Path) -> None:
    data = copy.deepcopy(LAGO)
    media = data["paths"]["/activity_logs/{activity_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    media["schema"] = {"$ref": "#/components/schemas/NoSuchSchema"}
    spec = document(tmp_path, "lago", data)
    line = one_line_error("--spec", str(spec), "--fixtures-dir", str(tmp_path))
    assert str(spec) in line and "components/schemas/NoSuchSchema" in line, line


def test_an_unparsable_document_names_the_file_and_line(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a: [\n", encoding="utf-8")
    line = one_line_error("--spec", str(spec), "--fixtures-dir", str(tmp_path))
    assert str(spec) in line and "line 7" in line and "YAML" in line, line


def test_two_documents_claiming_one_route_name_both_files(tmp_path: Path) -> None:
    """Same method and path shape under one base path, with another parameter name."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = document(tmp_path / "one", "lago", LAGO)
    other = {
        "openapi": "3.0.3",
        "info": {"title": "Other", "version": "1"},
        "servers": [{"url": "https://other.test/api/v1"}],
        "paths": {"/activity_logs/{id}": {"get": {
            "operationId": "otherGet",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}},
        }}},
    }
    second = document(tmp_path / "two", "other", other)
    line = one_line_error("--spec", str(first), "--spec", str(second), "--fixtures-dir", str(tmp_path))
    assert "route conflict" in line and "GET /api/v1/activity_logs/" in line, line
    assert str(first) in line and str(second) in line, line


# -- flags -------------------------------------------------------------------------------------

def test_an_address_that_is_not_this_machines_is_a_one_line_error() -> None:
    # 198.51.100.0/24 is TEST-NET-2 (RFC 5737): never assigned to a local interface. (--no-control:
    # off loopback a control API needs a token, which is checked first.)
    line = one_line_error("--host", "198.51.100.7", "--no-control")
    assert "198.51.100.7" in line and "cannot listen" in line, line


def test_a_port_out_of_range_is_a_usage_error_not_a_traceback() -> None:
    port = "70000"
    result = serve_expecting_failure("--port", port)
    assert result.returncode is not None, f"the server started anyway:\n{result.stdout}"
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert port in result.stderr.strip().splitlines()[-1], result.stderr


# -- what the largest public documents taught (issue 21) ------------------------------------------

def test_a_lone_surrogate_escape_names_the_place(tmp_path: Path) -> None:
    """Half of a character (`\\ud83d` alone) cannot be served: one line with its JSON pointer.
    A whole pair, as `json.dump` writes an emoji, is served (tests/process/test_path_templates.py)."""
    spec = tmp_path / "lone.json"
    spec.write_text('{"openapi": "3.0.3", "info": {"title": "smile \\ud83d", "version": "1"}, "paths": {}}',
                    encoding="utf-8")
    line = one_line_error("--spec", str(spec), "--fixtures-dir", str(tmp_path))
    assert str(spec) in line and "lone surrogate" in line and "/info/title" in line, line


def test_verbose_prints_every_warning(tmp_path: Path) -> None:
    data = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        f"/things{n}": {"get": {"operationId": f"get{n}", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "integer"}, "example": "seven"}}}}}} for n in range(5)}}
    spec = document(tmp_path, "many", data)
    for flags, expected in (((), 1), (("--verbose",), 5)):
        running = start_server("--spec", str(spec), "--fixtures-dir", str(tmp_path), *flags)
        try:
            warnings = [line for line in running.log().splitlines() if line.startswith("warning:")]
        finally:
            running.stop()
        assert len(warnings) == expected, warnings
