"""Our parameter validator gives connexion's verdicts, and names the parameter."""

from __future__ import annotations

import pytest
from connexion.validators.parameter import ParameterValidator

from mockserver.server.request_validation import NamingParameterValidator, always_valid

SCHEMAS = [
    {"type": "string"},
    {"type": "string", "description": "an id", "example": "abc"},
    {"type": "string", "pattern": "^[a-z]+$"},
    {"type": "string", "format": "date"},
    {"type": "string", "enum": ["a", "b"]},
    {"type": "string", "minLength": 2},
    {"type": "integer", "maximum": 10},
    {"type": "boolean"},
]
VALUES = ["", "a", "abc", "ABC", "2024-01-31", "2024-13-45", "5", 5, 11, -1, True, 1.5, ["a"]]
ADDED_FORMATS = ("date", "uuid")  # checked by us, not by connexion's draft-4 format checker


@pytest.mark.parametrize("format_, good, bad", [
    ("date", ["2024-01-31", "1999-12-01"], ["", "2024-13-45", "2024-1-3", "31/01/2024"]),
    ("uuid", ["123e4567-e89b-12d3-a456-426614174000"], ["", "1", "123e4567e89b12d3a456426614174000", "x" * 36]),
])
def test_the_openapi_formats_path_ids_use_are_checked(format_: str, good: list, bad: list) -> None:
    param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": format_}}
    for value in good:
        assert NamingParameterValidator.validate_parameter("path", value, param) is None, value
    for value in bad:
        problem = NamingParameterValidator.validate_parameter("path", value, param)
        assert problem == f"Invalid path parameter 'id': {value!r} is not a {format_!r}", value


@pytest.mark.parametrize("schema", [s for s in SCHEMAS if s.get("format") not in ADDED_FORMATS],
                         ids=lambda schema: str(sorted(schema.items())))
def test_same_verdicts_as_connexion(schema: dict) -> None:
    for value in VALUES:
        param = {"name": "trace", "in": "header", "schema": schema}
        ours = NamingParameterValidator.validate_parameter("header", value, param)
        theirs = ParameterValidator.validate_parameter("header", value, param)
        assert (ours is None) == (theirs is None), (schema, value, ours, theirs)
        if ours is not None:
            assert ours.startswith("Invalid header parameter 'trace': ")


def test_a_missing_required_parameter_is_named() -> None:
    param = {"name": "limit", "in": "query", "required": True, "schema": {"type": "string"}}
    assert NamingParameterValidator.validate_parameter("query", None, param) == "Missing query parameter 'limit'"
    assert NamingParameterValidator.validate_parameter("query", None, {**param, "required": False}) is None


def test_always_valid_only_when_no_value_could_fail() -> None:
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    optional_header = {"name": "X-Trace", "in": "header", "schema": {"type": "string", "description": "any"}}
    assert always_valid([path_id, optional_header])
    assert not always_valid([path_id, {**optional_header, "required": True}])  # may be missing
    assert not always_valid([{**path_id, "schema": {"type": "string", "format": "uuid"}}])
    assert not always_valid([{**path_id, "schema": {"type": "integer"}}])
