"""Schemathesis with every check and every phase on the two bundled contracts, Petstore and
Museum (issue 23, "Done when"): every operation, every method, examples, coverage, fuzzing and
stateful, against a server that accepts only the test credentials.

test_hardening_schemathesis.py runs Petstore and Museum on GET only, and the stateful phase on
its own; this runs them whole, through the same runner (its config, seed and report reading).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.base.yamlfile import load_yaml_file
from mockserver.normalize.overlay import apply_overlay

from tests.hardening_support import RESTRICTED_FLAGS
from tests.mockserver_process import REPO, start_server
from tests.process.test_hardening_schemathesis import _run_schemathesis

pytest.importorskip("schemathesis", reason="schemathesis is not installed (test extra)")

SPECS = REPO / "tests" / "data" / "specs"
OVERLAYS = REPO / "tests" / "data" / "overlays"


@pytest.mark.parametrize("spec, base_path, read_from", [
    (REPO / "openapi" / "lago.yaml", "/api/v1", "file"),
    (REPO / "openapi" / "sequence.yaml", "", "file"),
    # Its request bodies as JSON: XML and form cannot tell an empty string from an empty array or
    # one value from a list of one, so a fuzzer's "invalid" XML or form body reads as a valid one
    # (the overlay says more); tests/process/test_hostile_bodies.py checks those bodies instead.
    (SPECS / "petstore-3.0.yaml", "/api/v3", OVERLAYS / "petstore-json-bodies.yaml"),
    # Museum declares no 401 though it requires credentials: the document the mock serves (its
    # 3.1 normalized to 3.0, plus that 401) is the one that describes the replies.
    (SPECS / "museum-3.1.yaml", "/_mock/docs/openapi/museum-api", "served"),
], ids=["lago", "sequence", "petstore", "museum"])
def test_every_check_and_every_phase_find_nothing(tmp_path: Path, spec: Path, base_path: str,
                                                  read_from: str | Path) -> None:
    server = start_server(*RESTRICTED_FLAGS, "--spec", str(spec))
    try:
        url = server.url + base_path
        schema = str(spec) if read_from == "file" else url + "/openapi.json"
        if isinstance(read_from, Path):  # the file as published, with a test-only overlay
            document = load_yaml_file(spec)
            apply_overlay(document, read_from)
            schema = str(tmp_path / f"{spec.stem}.json")
            Path(schema).write_text(json.dumps(document), encoding="utf-8")
        _run_schemathesis(server, tmp_path, schema, url)
    finally:
        server.stop()
