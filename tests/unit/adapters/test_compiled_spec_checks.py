"""The compiled stand-ins for the two slow document checks of a cold start give the verdict of
the check they stand in for, on real documents, valid and broken:

- openapi-spec-validator's per-schema meta-check (adapters/openapi_spec_validator.py): a schema
  the compiled check passes is one `OAS30Validator.check_schema` passes, and the whole
  validator reports exactly the library's own errors;
- connexion's whole-document check (adapters/connexion.py): a document the compiled check
  passes is one connexion passes, and one it refuses is refused with connexion's own error.
"""

from __future__ import annotations

import copy
import datetime
import json
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification, Specification
from jsonschema.exceptions import SchemaError
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

from mockserver.adapters.connexion import passes_compiled_check, spec_check_skipped
from mockserver.adapters.connexion_document import for_connexion
from mockserver.adapters.openapi_spec_validator import meta_schema_passes, v30_validator
from mockserver.base.yamlfile import load_yaml_file

SPECS = Path(__file__).parents[2] / "data" / "specs"


def petstore() -> dict:
    return load_yaml_file(SPECS / "petstore-3.0.yaml")


def twilio() -> dict:
    return json.loads((SPECS / "twilio-api-v2010.json").read_text(encoding="utf-8"))


def museum() -> dict:
    """Museum's 3.1 document as the mock serves it: normalized to 3.0."""
    from mockserver.normalize import normalize_documents

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return normalize_documents([SPECS / "museum-3.1.yaml"])[0]


DOCUMENTS: dict[str, Callable[[], dict]] = {"petstore": petstore, "twilio": twilio, "museum": museum}


def first_schema(document: dict) -> dict:
    """A component schema with a type, to break."""
    return next(schema for schema in document["components"]["schemas"].values()
                if isinstance(schema, dict) and "type" in schema)


def first_operation(document: dict) -> dict:
    return next(operation for item in document["paths"].values() for method, operation in item.items()
                if method in ("get", "post", "put", "patch", "delete"))


# One mutation each: what the per-schema meta-check refuses, and what it lets through that only
# the compiled check's edges could get wrong (a float for an integer, a date JSON has no type for).
META_MUTATIONS: dict[str, Callable[[dict], Any]] = {
    "an invalid regex": lambda d: first_schema(d).__setitem__("pattern", "(["),
    "a negative maxLength": lambda d: first_schema(d).__setitem__("maxLength", -1),
    "a float maxLength": lambda d: first_schema(d).__setitem__("maxLength", 10.0),
    "an empty required": lambda d: first_schema(d).__setitem__("required", []),
    "a repeated enum value": lambda d: first_schema(d).__setitem__("enum", [1, 1]),
    "a misspelt type": lambda d: first_schema(d).__setitem__("type", "strnig"),
    "a YAML date as default": lambda d: first_schema(d).__setitem__("default", datetime.date(2026, 1, 1)),
    "a YAML date as title": lambda d: first_schema(d).__setitem__("title", datetime.date(2026, 1, 1)),
}

# One mutation each, in what connexion is handed (for_connexion: no responses, no schema nothing
# reaches), that its check refuses, or lets through only as connexion reads it.
CONNEXION_MUTATIONS: dict[str, Callable[[dict], Any]] = {
    "a title that is not a string": lambda d: d["info"].__setitem__("title", 7),
    "a default against its schema": lambda d: first_operation(d).setdefault("parameters", []).append(
        {"name": "count", "in": "query", "schema": {"type": "integer", "default": "seven"}}),
    "a null default of a nullable schema": lambda d: first_operation(d).setdefault("parameters", []).append(
        {"name": "count", "in": "query", "schema": {"type": "integer", "nullable": True, "default": None}}),
    "a method with a line break": lambda d: next(iter(d["paths"].values())).__setitem__(
        "get\n", {"responses": {"200": {"description": "ok"}}}),
    "an operation that is not an object": lambda d: next(iter(d["paths"].values())).__setitem__("get", []),
}


def mutated(name: str, mutation: Callable[[dict], Any]) -> dict:
    document = copy.deepcopy(DOCUMENTS[name]())
    mutation(document)
    return document


def schemas_in(node: Any) -> Iterator[Any]:
    """Every value under a `schema` or among `components.schemas` (what the walk meta-checks first)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema":
                yield value
            if key == "schemas" and isinstance(value, dict):
                yield from value.values()
            yield from schemas_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from schemas_in(value)


def library_passes(schema: Any) -> bool:
    try:
        OAS30Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


def errors(validator: Any) -> list[tuple[str, tuple]] | str:
    """Its errors, or what it raised (the library's whole-document pass cannot read a date)."""
    try:
        return [(error.message, tuple(error.absolute_path)) for error in validator.iter_errors()]
    except ValueError as exc:
        return repr(exc)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
@pytest.mark.parametrize("mutation", [None, *META_MUTATIONS])
def test_the_meta_check_passes_only_what_the_librarys_passes(name: str, mutation: str | None) -> None:
    document = DOCUMENTS[name]() if mutation is None else mutated(name, META_MUTATIONS[mutation])
    passes = meta_schema_passes()
    for schema in schemas_in(document):
        if passes(schema):
            assert library_passes(schema), schema
    if mutation is not None:
        broken = first_schema(document)
        assert library_passes(broken) is (mutation == "a YAML date as default")  # any value is a default
        assert passes(broken) is library_passes(broken)
    assert errors(v30_validator(copy.deepcopy(document))) == errors(OpenAPIV30SpecValidator(copy.deepcopy(document)))


def connexion_verdict(spec: dict) -> str | None:
    """connexion's own check: None, or its error."""
    try:
        OpenAPISpecification._validate_spec(copy.deepcopy(spec))
    except InvalidSpecification as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
@pytest.mark.parametrize("mutation", [None, *CONNEXION_MUTATIONS])
def test_connexions_check_passes_only_what_connexion_passes(name: str, mutation: str | None) -> None:
    document = DOCUMENTS[name]() if mutation is None else mutated(name, CONNEXION_MUTATIONS[mutation])
    spec = for_connexion(document)
    verdict = connexion_verdict(spec)
    fast = passes_compiled_check(OpenAPISpecification, copy.deepcopy(spec))
    assert fast is (verdict is None) or (fast is False and mutation == "a method with a line break")
    if mutation in (None, "a null default of a nullable schema"):
        assert fast is True  # the compiled check decides these itself
    elif mutation != "a method with a line break":
        assert verdict is not None  # connexion refuses each of the others
    with spec_check_skipped(False):
        try:
            Specification.from_dict(copy.deepcopy(spec))
            through = None
        except InvalidSpecification as exc:
            through = str(exc)
    assert through == verdict


@pytest.mark.parametrize("mutation", [None, "a title that is not a string", "a default against its schema"])
def test_the_normalizers_connexion_check_refuses_with_connexions_own_error(mutation: str | None) -> None:
    from mockserver.base.user_errors import UserError
    from mockserver.normalize.validate import check_connexion

    document = petstore() if mutation is None else mutated("petstore", CONNEXION_MUTATIONS[mutation])
    verdict = connexion_verdict(for_connexion(document))
    if verdict is None:
        check_connexion(document, "petstore")
        return
    with pytest.raises(UserError) as refused:
        check_connexion(document, "petstore")
    assert str(refused.value).endswith(
        "normalized document does not load in connexion: InvalidSpecification: " + " ".join(verdict.split())[:400])
