"""The schema shapes real documents use, one small document each (tests/data/schemas/): the
generator ends on every recursion, gives null only where openapi-core accepts it, a oneOf value
exactly one option accepts, and bodies and lists the validate stage accepts as served."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema_path import SchemaPath
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.schemas import oas30_read_schema_validators_factory
from openapi_schema_validator import OAS30ReadValidator

from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.generate import RecordGenerator
from mockserver.generate.compiler import Compiler
from mockserver.generate.runtime import Ctx
from mockserver.contract.validation import _violations
from mockserver.base.yamlfile import load_yaml_file

SCHEMAS = Path(__file__).parents[2] / "data" / "schemas"
DOCUMENT: dict[str, Any] = load_yaml_file(SCHEMAS / "shapes.yaml")
SPEC = SchemaPath.from_dict(DOCUMENT)
KEYS = 60


def records(name: str, keys: int = KEYS) -> list[Any]:
    """`keys` records of a component schema, each checked with openapi-core's validator."""
    generator = RecordGenerator(DOCUMENT)
    validator = oas30_read_schema_validators_factory.create(SPEC, SPEC / "components" / "schemas" / name)
    made = []
    for key in range(keys):
        value = generator.generate(DOCUMENT["components"]["schemas"][name], key=(name, str(key)))
        try:
            validator.validate(value)
        except OpenAPIError as exc:
            pytest.fail(f"{name} (key {key}): {_violations(exc)}: {value!r}")
        made.append(value)
    return made


def test_stripes_expandable_fields_end_as_their_ids() -> None:
    for customer in records("Customer"):
        assert isinstance(customer["default_source"], str)  # an id, as Stripe answers unexpanded


@pytest.mark.parametrize("name", ["Tree", "Source"])
def test_recursion_through_any_keyword_ends_with_valid_records(name: str) -> None:
    assert records(name)


def test_a_required_self_reference_ends_in_null_where_null_is_allowed() -> None:
    # three self-references deep, the optional fields stop; the fourth takes the way out
    assert set(map(repr, records("Chain", 5))) == {repr({"next": {"next": {"next": {"next": None}}}})}


def test_a_schema_with_no_finite_value_still_ends() -> None:
    value = RecordGenerator(DOCUMENT).generate(DOCUMENT["components"]["schemas"]["Loop"], key=("loop",))
    depth = 0
    while isinstance(value, dict):
        value, depth = value["self"], depth + 1
    assert value is None and depth > 3


def test_null_only_where_openapi_core_accepts_it() -> None:
    holders = records("Holder", 400)
    for field in ("composed", "either", "wrapped"):
        assert all(holder.get(field, "absent") is not None for holder in holders), field
    assert any(holder.get("typed", "absent") is None for holder in holders)


@pytest.mark.parametrize("schema", [
    {"type": "string"}, {"type": "string", "nullable": True}, {"nullable": True}, {},
    {"anyOf": [{"$ref": "#/components/schemas/Address"}], "nullable": True},
    {"allOf": [{"$ref": "#/components/schemas/Address"}], "nullable": True},
    {"oneOf": [{"type": "string", "nullable": True}, {"type": "integer", "nullable": True}]},
    {"oneOf": [{"type": "string", "nullable": True}, {"type": "integer"}]},
    {"anyOf": [{"type": "string"}, {"description": "anything"}]},
    {"type": "string", "nullable": True, "enum": ["a"]},
    {"type": "string", "nullable": True, "enum": ["a", None]},
    {"$ref": "#/components/schemas/Chain"}, {"$ref": "#/components/schemas/Address", "nullable": True},
    {"not": {"type": "string"}}, {"not": {"nullable": True}},
    {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "petType"}},
])
def test_the_compilers_null_verdict_is_openapi_cores(schema: dict[str, Any]) -> None:
    verdict = OAS30ReadValidator(DOCUMENT).evolve(schema=schema).is_valid(None)
    assert Compiler(DOCUMENT, Ctx(0, 0, "snake", "id")).accepts_null(schema) is verdict


@pytest.mark.parametrize("name", ["Reviewer", "Conflict"])
def test_a_oneof_value_is_accepted_by_exactly_one_option(name: str) -> None:
    # the validator refuses a value two options accept; every branch still comes out
    made = records(name)
    assert len({tuple(sorted(value)) for value in made}) > 1


def test_a_oneof_with_an_option_that_takes_every_object() -> None:
    # every issue event is a public event too: only an object neither issue event accepts is valid
    assert not any({"action", "issue"} <= payload.keys() for payload in records("Payload"))


def test_a_discriminator_names_the_generated_branch() -> None:
    pets = records("Pet")
    assert {pet["petType"] for pet in pets} == {"cat", "dog"}
    assert all(("lives" in pet) == (pet["petType"] == "cat") for pet in pets)


def test_a_discriminator_takes_only_object_branches() -> None:
    assert {contents["type"] for contents in records("Contents")} == {"file"}


def test_allof_refs_siblings_not_and_single_enums() -> None:
    assert all(5 <= named["rank"] <= 7 and "city" in named for named in records("Named"))
    assert all(2 <= len(short["code"]) <= 4 for short in records("Short"))
    assert set(records("Third")) == {"c"}
    assert set(records("Only")) == {"only"}


def served(document: str, *paths: str) -> list[httpx.Response]:
    """One GET per path to a mock serving `document`, in-process."""
    app = create_app(ServeConfig(specs=(SCHEMAS / document,), quiet=True))

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as client:
            return [await client.get(path) for path in paths]
    return asyncio.run(go())


def test_string_bodies_in_media_types_openapi_core_cannot_read_pass_as_text() -> None:
    octocat, tarball, zen, sha = served("bodies.yaml", "/bodies/octocat", "/bodies/tarball", "/bodies/zen",
                                        "/bodies/sha")
    assert (octocat.status_code, octocat.headers["content-type"]) == (200, "application/octocat-stream")
    assert octocat.text
    assert tarball.status_code == 200 and tarball.headers["content-type"] == "application/x-gzip"
    assert zen.status_code == 200 and 0 < len(zen.text) <= 40
    assert sha.status_code == 200 and len(sha.text) == 40 and set(sha.text) <= set("0123456789abcdef")


def test_a_string_body_that_breaks_its_schema_is_still_refused() -> None:
    app = create_app(ServeConfig(specs=(SCHEMAS / "bodies.yaml",), quiet=True))
    api = app.engine.apis[0]
    op = api.operations["getSha"]
    validator = app.engine.validators[api.name]
    assert validator.violations(op, 200, "application/vnd.github.sha", b"0" * 40) == ()
    assert validator.violations(op, 200, "application/vnd.github.sha", b"not a sha") \
        == ("/: 'not a sha' does not match '^[0-9a-f]{40}$'",)


def test_a_list_shows_stored_records_with_the_fields_its_items_require() -> None:
    listed, read = served("lists.yaml", "/lists/customers", "/lists/customers/cus_1")
    assert read.json() == {"id": "cus_1", "email": "ada@example.com"}
    assert listed.status_code == 200
    item, *generated = listed.json()["items"]  # the stored customer, then the generated ones beside it
    assert item["id"] == "cus_1" and isinstance(item["customerAlias"], str)
    assert generated and all(isinstance(g["customerAlias"], str) and g["id"] != "cus_1" for g in generated)
