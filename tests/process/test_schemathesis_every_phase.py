"""Schemathesis with every check and every phase on the two bundled contracts, Petstore and
Museum (issue 23, "Done when"): every operation, every method, examples, coverage, fuzzing and
stateful, against a server that accepts only the test credentials.

test_hardening_schemathesis.py runs Petstore and Museum on GET only, and the stateful phase on
its own; this runs them whole, through the same runner (its config, seed and report reading).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening_support import RESTRICTED_FLAGS
from tests.mockserver_process import REPO, start_server
from tests.process.test_hardening_schemathesis import _run_schemathesis

pytest.importorskip("schemathesis", reason="schemathesis is not installed (test extra)")

SPECS = REPO / "tests" / "data" / "specs"


@pytest.mark.parametrize("spec, base_path, read_from", [
    (REPO / "openapi" / "lago.yaml", "/api/v1", "file"),
    (REPO / "openapi" / "sequence.yaml", "", "file"),
    (SPECS / "petstore-3.0.yaml", "/api/v3", "file"),
    # Museum declares no 401 though it requires credentials: the document the mock serves (its
    # 3.1 normalized to 3.0, plus that 401) is the one that describes the replies.
    (SPECS / "museum-3.1.yaml", "/_mock/docs/openapi/museum-api", "served"),
], ids=["lago", "sequence", "petstore", "museum"])
def test_every_check_and_every_phase_find_nothing(tmp_path: Path, spec: Path, base_path: str, read_from: str) -> None:
    server = start_server(*RESTRICTED_FLAGS, "--spec", str(spec))
    try:
        url = server.url + base_path
        _run_schemathesis(server, tmp_path, str(spec) if read_from == "file" else url + "/openapi.json", url)
    finally:
        server.stop()
