"""connexion's private `Specification._validate_spec`, which connexion_internals.py turns off for a
document that passed it before: fails loudly when a connexion upgrade moves or renames it."""

from __future__ import annotations

import inspect

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification

from mockserver.connexion_internals import spec_check_skipped

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
