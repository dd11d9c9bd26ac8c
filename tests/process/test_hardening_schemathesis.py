"""Schemathesis, every check, against the real server: one run per normalized document.

Run through schemathesis's own CLI (`schemathesis run`), because only the CLI runs every phase
(examples, coverage, fuzzing, stateful) and every check, including those that send extra
probes: `ignored_auth` (drops and corrupts the credential), `unsupported_method` (TRACE, PUT,
POST... expecting 405 with `Allow`), `negative_data_rejection` (bad `sequence-version`, bad
credentials) and `positive_data_acceptance`. The pytest integration only runs the positive
generation of one phase.

Credentials are given per security scheme (`[auth.openapi.<scheme>]` in a config file), not as
a blanket `-H Authorization`, so schemathesis knows which header is the credential and can
remove it for `ignored_auth`. The server accepts only those credentials.

Checks that run but cannot find anything on these documents (they pass vacuously):
- `use_after_free`, `ensure_resource_availability`: need an operation that creates or deletes
  a resource and OpenAPI links between operations; both documents are a single read-only GET
  by id with no links, so the stateful phase is reported "not applicable".
- `object_level_authorization`: needs two identities and objects owned by one of them; the
  mock has no ownership (any accepted credential reads any record).
- `missing_required_header`: no operation has a required header parameter (Sequence's
  `Authorization` header parameter is a security scheme after normalization, covered by
  `ignored_auth`; `sequence-version` is optional).
- `response_headers_conformance`: no response declares headers.
- `max_response_time`: only active with `--max-response-time`; the suite makes no timing
  assertions.
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.hardening_support import API_KEY, BASIC_PASSWORD, BASIC_USER, RESTRICTED_FLAGS, restricted_server
from tests.mockserver_process import REPO, RunningServer, start_server

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (test extra)")

SEED = 20260101
MAX_EXAMPLES = 100

CONFIG = f"""
[auth.openapi.bearerAuth]
bearer = "{API_KEY}"

[auth.openapi.basicAuth]
username = "{BASIC_USER}"
password = "{BASIC_PASSWORD}"

[auth.openapi.petstore_auth]
bearer = "{API_KEY}"

[auth.openapi.api_key]
api_key = "{API_KEY}"

[auth.openapi.MuseumPlaceholderAuth]
username = "{BASIC_USER}"
password = "{BASIC_PASSWORD}"
"""
SPECS = REPO / "tests" / "data" / "specs"


@pytest.fixture(scope="module")
def hardened() -> Iterator[RunningServer]:
    """A server that accepts only test-key and client:secret, shared by this module."""
    yield from restricted_server()


# Checks that must actually have been evaluated on some response, so a run that silently
# tested nothing (wrong base URL, every request refused) cannot pass.
MUST_RUN = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance",
    "unsupported_method", "ignored_auth",
}


def _schemathesis_command() -> list[str]:
    script = Path(sys.executable).with_name("schemathesis")
    if script.exists():
        return [str(script)]
    found = shutil.which("schemathesis")
    assert found, "schemathesis is importable but its command is not installed"
    return [found]


def _summarize(ndjson: Path) -> tuple[collections.Counter, list[str]]:
    """(check name, status) counts and one line per failed check, from the NDJSON report."""
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                counts[(check["name"], check["status"])] += 1
                if check["status"] == "failure":
                    interaction = recorder["interactions"].get(case_id) or {}
                    request = interaction.get("request") or {}
                    response = interaction.get("response") or {}
                    failure = (check.get("failure_info") or {}).get("failure") or {}
                    failures.append(
                        f"{check['name']} ({failure.get('code')}): {failure.get('message') or failure.get('title')} "
                        f"| sent {request.get('method')} {request.get('uri')} -> {response.get('status_code')}")
    return counts, failures


@pytest.mark.parametrize("document, base_path", [("lago", "/api/v1"), ("sequence", "")])
def test_schemathesis_finds_nothing_with_every_check(hardened: RunningServer, tmp_path: Path,
                                                      document: str, base_path: str) -> None:
    _run_schemathesis(hardened, tmp_path, str(REPO / "openapi" / f"{document}.yaml"), hardened.url + base_path)


@pytest.mark.parametrize("spec, base_path, read_from", [
    # Petstore declares a 401-less `default`, so the document as written is what is checked.
    ("petstore-3.0.yaml", "/api/v3", "file"),
    # Museum requires credentials and declares no 401: the mock answers one, and the document it
    # serves (its 3.1 normalized to 3.0, plus that 401) is the one that describes the replies.
    ("museum-3.1.yaml", "/_mock/docs/openapi/museum-api", "served"),
])
def test_schemathesis_finds_nothing_on_public_documents(tmp_path: Path, spec: str, base_path: str,
                                                         read_from: str) -> None:
    """Issue 11: every check over the read operations of two public documents, served as is."""
    server = start_server(*RESTRICTED_FLAGS, "--spec", str(SPECS / spec))
    try:
        url = server.url + base_path
        _run_schemathesis(server, tmp_path, str(SPECS / spec) if read_from == "file" else url + "/openapi.json",
                          url, "--include-method", "GET")
    finally:
        server.stop()


# The stateful phase chains operations by OpenAPI links (schemathesis infers them from the
# documents: POST /pet's `id` feeds GET and DELETE /pet/{petId} ...), so these are the checks
# that need a working fake: a created record must be readable, a deleted one must be gone.
STATEFUL_MUST_RUN = {"ensure_resource_availability", "use_after_free", "status_code_conformance",
                     "response_schema_conformance", "not_a_server_error"}


@pytest.mark.parametrize("spec, base_path, read_from", [
    ("petstore-3.0.yaml", "/api/v3", "json-bodies"),
    ("museum-3.1.yaml", "/_mock/docs/openapi/museum-api", "served"),
    ("todos-crud.yaml", "/todo-service/v2", "served"),
])
def test_schemathesis_stateful_phase_finds_nothing_on_whole_apis(tmp_path: Path, spec: str, base_path: str,
                                                                read_from: str) -> None:
    """Issue 12: create, read, update, delete chained by links, every check, every operation."""
    source = SPECS / spec if (SPECS / spec).exists() else REPO / "tests" / "data" / "anydoc" / spec
    server = start_server(*RESTRICTED_FLAGS, "--spec", str(source))
    try:
        url = server.url + base_path
        schema = url + "/openapi.json"
        if read_from == "json-bodies":  # the file as published, its XML and form bodies aside (see the overlay)
            from mockserver.normalize.overlay import apply_overlay
            from mockserver.base.yamlfile import load_yaml_file

            document = load_yaml_file(source)
            apply_overlay(document, REPO / "tests" / "data" / "overlays" / "petstore-json-bodies.yaml")
            schema = str(tmp_path / "petstore.json")
            Path(schema).write_text(json.dumps(document), encoding="utf-8")
        _run_schemathesis(server, tmp_path, schema, url, "--phases", "stateful", must_run=STATEFUL_MUST_RUN)
    finally:
        server.stop()


def _run_schemathesis(server: RunningServer, tmp_path: Path, schema: str, url: str, *extra: str,
                      must_run: set[str] = MUST_RUN) -> None:
    document = Path(schema).stem if not schema.startswith("http") else schema
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    report = tmp_path / "events.ndjson"
    command = _schemathesis_command() + [
        "--config-file", str(config), "--no-color",
        "run", schema,
        "--url", url,
        *extra,
        "--checks", "all",
        "--mode", "all",
        "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES),
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        # A health check about generation speed on a loaded 2-core machine, not about the API.
        "--suppress-health-check", "too_slow",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]
    # cwd=tmp_path: nothing (reports, caches) is written into the repository.
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=150)
    output = result.stdout + result.stderr
    assert report.exists(), f"schemathesis did not run: {' '.join(command)}\n{output}"
    counts, failures = _summarize(report)
    summary = "\n".join(failures[:40])
    assert result.returncode == 0 and not failures, (
        f"schemathesis exit {result.returncode} on {document}:\n{summary}\n\n{output[-6000:]}")
    ran = {name for (name, status) in counts if status in ("success", "failure")}
    assert must_run <= ran, f"checks never evaluated on {document}: {sorted(must_run - ran)}\n{output[-3000:]}"
    assert "Traceback" not in server.log()
