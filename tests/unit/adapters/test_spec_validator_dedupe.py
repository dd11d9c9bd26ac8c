"""openapi-spec-validator with its schema registries deduplicated in constant time
(adapters/openapi_spec_validator.py) gives exactly the errors of the library's own, on real
documents, valid and broken."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from mockserver.adapters.openapi_spec_validator import Seen, v30_validator
from mockserver.base.yamlfile import load_yaml_file

SPECS = Path(__file__).parents[2] / "data" / "specs"


def errors(validator) -> list[tuple[str, tuple]]:
    return [(error.message, tuple(error.absolute_path)) for error in validator.iter_errors()]


def broken_copies(document: dict) -> list[dict]:
    """The document with a schema's type misspelt, a response without a description, and a
    path parameter no longer declared: each is an error the schema walk finds."""
    out = []
    schemas = (document.get("components") or {}).get("schemas") or {}
    typed = [name for name, schema in schemas.items() if isinstance(schema, dict) and "type" in schema]
    if typed:
        copied = copy.deepcopy(document)
        copied["components"]["schemas"][typed[-1]]["type"] = "strnig"
        out.append(copied)
    copied = copy.deepcopy(document)
    for item in copied["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                response = next(iter(operation["responses"].values()))
                if isinstance(response, dict) and "description" in response:
                    del response["description"]
                    out.append(copied)
                    return out
    return out


@pytest.mark.parametrize("name", ["petstore-3.0.yaml", "twilio-api-v2010.json"])
def test_the_same_errors_as_the_librarys_own(name: str) -> None:
    document = load_yaml_file(SPECS / name) if name.endswith(".yaml") else json.loads((SPECS / name).read_text())
    for candidate in [document, *broken_copies(document)]:
        assert errors(v30_validator(copy.deepcopy(candidate))) == errors(OpenAPIV30SpecValidator(copy.deepcopy(candidate)))


def test_seen_answers_in_from_a_set_and_stays_a_list() -> None:
    seen = Seen()
    seen.append(7)
    seen.append(9)
    assert (7 in seen, 8 in seen, list(seen)) == (True, False, [7, 9])
