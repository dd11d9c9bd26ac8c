"""The start-up cache (contract/documents.py): what a start derives from a document's bytes (the
normalized document, connexion's verdict on it, the examples that break their schemas) is
worked out once; a changed document works it out again; a corrupt entry is one warning and is
built again; the cache keeps within its bound. Counted in calls, never timed."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from connexion.spec import Specification

from mockserver.adapters import connexion as connexion_adapter
from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.contract import documents, validation
from tests.mockserver_process import REPO

EDGES = REPO / "tests" / "data" / "anydoc" / "edges.yaml"  # one example breaks its own schema


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, int]:
    """Calls of the three checks a warm start skips, on a cache of this test's own."""
    monkeypatch.setenv("MOCKSERVER_CACHE_DIR", str(tmp_path / "cache"))
    calls = {"load": 0, "connexion": 0, "examples": 0}
    load = documents._load
    check = Specification.__dict__["_validate_spec"].__func__
    compiled = connexion_adapter.passes_compiled_check
    check_body = validation.ResponseValidator.check_body

    def counting_load(source: Path):
        calls["load"] += 1
        return load(source)

    def counting_check(cls: type, spec: object) -> None:
        calls["connexion"] += 1
        return check(cls, spec)

    def counting_compiled(cls: type, spec: object) -> bool:  # connexion's check, as asked first
        passed = compiled(cls, spec)
        calls["connexion"] += passed
        return passed

    def counting_check_body(self: validation.ResponseValidator, *args: object, **kwargs: object):
        calls["examples"] += 1
        return check_body(self, *args, **kwargs)

    monkeypatch.setattr(documents, "_load", counting_load)
    monkeypatch.setattr(Specification, "_validate_spec", classmethod(counting_check))
    monkeypatch.setattr(connexion_adapter, "passes_compiled_check", counting_compiled)
    monkeypatch.setattr(validation.ResponseValidator, "check_body", counting_check_body)
    return calls


def build(spec: Path, tmp_path: Path) -> dict:
    """One start-up, and what it serves for the operation whose example breaks its schema."""
    app = create_app(ServeConfig(specs=(spec,), fixtures_dir=tmp_path, quiet=True))
    return dict(app.engine.apis[0].operations["getInvoiceSummary"].success.examples)


def test_a_second_build_of_the_same_bytes_runs_no_check_again(counted: dict[str, int], tmp_path: Path) -> None:
    assert build(EDGES, tmp_path) == {}
    first = dict(counted)
    assert first["load"] == 1 and first["connexion"] == 1 and first["examples"] > 0
    assert build(EDGES, tmp_path) == {}  # the broken example is still dropped, from the cache
    assert counted == first


def test_a_changed_document_is_checked_again(counted: dict[str, int], tmp_path: Path) -> None:
    spec = tmp_path / "edges.yaml"
    shutil.copy(EDGES, spec)
    build(spec, tmp_path)
    first = dict(counted)
    spec.write_text(EDGES.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert build(spec, tmp_path) == {}
    assert counted == {name: 2 * calls for name, calls in first.items()}


def test_a_corrupt_entry_is_one_warning_and_is_built_again(counted: dict[str, int], tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    build(EDGES, tmp_path)
    first = dict(counted)
    entries = sorted((tmp_path / "cache").glob("*.json"))
    assert len(entries) == 3  # the document, connexion's verdict, the broken examples
    garbage = [b'{"document": {"ope', b"\xff\xfe not JSON", b'["a list"]']
    for entry, text in zip(entries, garbage):
        entry.write_bytes(text)
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        assert build(EDGES, tmp_path) == {}
    warned = sorted(r.getMessage() for r in caplog.records if "corrupt cache entry" in r.getMessage())
    assert warned == sorted(f"warning: ignoring the corrupt cache entry {entry}; it is built again" for entry in entries)
    assert counted == {name: 2 * calls for name, calls in first.items()}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        assert build(EDGES, tmp_path) == {}  # rebuilt: the next start is warm again, and quiet
    assert [r for r in caplog.records if "corrupt" in r.getMessage()] == []
    assert counted == {name: 2 * calls for name, calls in first.items()}


def test_an_entry_that_lacks_what_it_should_hold_is_corrupt(counted: dict[str, int], tmp_path: Path) -> None:
    build(EDGES, tmp_path)
    for entry in (tmp_path / "cache").glob("*.json"):
        entry.write_text('{"something": "else"}', encoding="utf-8")
    assert build(EDGES, tmp_path) == {}
    assert counted["load"] == 2 and counted["connexion"] == 2


def test_the_cache_keeps_the_most_recently_used_entries_within_its_bound(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    for age, name in enumerate(["new", "used", "old", "oldest"]):
        (folder / f"{name}.json").write_bytes(b"x" * 100)
        os.utime(folder / f"{name}.json", (1_000_000 - age * 10, 1_000_000 - age * 10))
    (folder / "other.txt").write_bytes(b"y" * 1000)  # not an entry: not counted, not removed
    documents._prune(folder, keep=folder / "oldest.json", limit=250)
    assert sorted(path.name for path in folder.iterdir()) == ["new.json", "oldest.json", "other.txt"]
