"""connexion's private `Specification._validate_spec`, which adapters/connexion.py turns off for a
document that passed it before: fails loudly when a connexion upgrade moves or renames it."""

from __future__ import annotations

import inspect

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification

from mockserver.adapters import connexion as connexion_adapter
from mockserver.adapters.connexion import spec_check_skipped

INVALID = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
           "paths": {"/a": {"get": {"responses": {"200": {"description": 7}}}}}}  # a description is a string


def test_connexion_checks_every_document_in_the_method_that_is_turned_off() -> None:
    assert isinstance(Specification.__dict__["_validate_spec"], classmethod)
    assert "self._validate_spec(raw_spec)" in inspect.getsource(Specification.__init__)
    with pytest.raises(InvalidSpecification):
        Specification.from_dict(INVALID)


def test_the_check_is_skipped_inside_only() -> None:
    original = Specification.__dict__["_validate_spec"]
    with spec_check_skipped(True):
        assert Specification.from_dict(INVALID)["paths"]["/a"]["get"]["responses"]["200"]["description"] == 7
    assert Specification.__dict__["_validate_spec"] is original
    with spec_check_skipped(False), pytest.raises(InvalidSpecification):
        Specification.from_dict(INVALID)


def test_a_failure_inside_still_restores_the_check() -> None:
    with pytest.raises(RuntimeError), spec_check_skipped(True):
        raise RuntimeError("connexion refused something else")
    with pytest.raises(InvalidSpecification):
        Specification.from_dict(INVALID)


def test_a_document_is_checked_once_by_connexion_and_its_examples_once(monkeypatch, tmp_path) -> None:
    """The second start of the same bytes skips both, and serves the same: documents.recall."""
    from mockserver.base import notices
    from mockserver.contract import validation
    from mockserver.app import create_app
    from mockserver.base.config import ServeConfig
    from tests.mockserver_process import REPO

    monkeypatch.setenv("MOCKSERVER_CACHE_DIR", str(tmp_path / "cache"))
    checked, examples, warned = [], [], []
    check = Specification.__dict__["_validate_spec"].__func__
    monkeypatch.setattr(Specification, "_validate_spec", classmethod(lambda cls, spec: checked.append(1) or check(cls, spec)))
    compiled = connexion_adapter.passes_compiled_check  # asked first: where it passes, it is the check
    monkeypatch.setattr(connexion_adapter, "passes_compiled_check",
                        lambda cls, spec: compiled(cls, spec) and not checked.append(1))
    check_body = validation.ResponseValidator.check_body
    monkeypatch.setattr(validation.ResponseValidator, "check_body",
                        lambda self, *args, **kwargs: examples.append(1) or check_body(self, *args, **kwargs))
    monkeypatch.setattr(notices, "warn", lambda warnings, verbose=False: warned.append(list(warnings)))
    spec = REPO / "tests" / "data" / "anydoc" / "edges.yaml"
    served, counts = [], []
    for _start in range(2):
        app = create_app(ServeConfig(specs=(spec,), fixtures_dir=tmp_path, quiet=True))
        summary = app.engine.apis[0].operations["getInvoiceSummary"].success
        served.append(dict(summary.examples))
        counts.append((len(checked), len(examples)))
    assert counts[0][0] == 1 and counts[0][1] > 0
    assert counts[1] == counts[0]  # neither ran again on the second start
    assert served == [{}, {}]  # the example that breaks its schema is dropped both times
    broken = [w for w in warned if any("breaks its own schema" in line for line in w)]
    assert len(broken) == 2 and broken[0] == broken[1]
