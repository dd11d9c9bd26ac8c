"""OpenAPI 3.1 -> 3.0.3, rule by rule, on tests/data/normalize/openapi31.yaml.

Each test names one rule of mockserver/normalize/downconvert.py and checks the construct
the fixture wrote for it; what 3.0 cannot say must come back as a warning with its pointer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.normalize import normalize_documents
from mockserver.normalize.downconvert import convert_schema

FIXTURE = Path(__file__).parents[2] / "data" / "normalize" / "openapi31.yaml"


@pytest.fixture(scope="module")
def converted() -> tuple[dict[str, Any], list[str]]:
    return normalize_documents([FIXTURE])


@pytest.fixture(scope="module")
def doc(converted: tuple[dict[str, Any], list[str]]) -> dict[str, Any]:
    return converted[0]


@pytest.fixture(scope="module")
def warnings(converted: tuple[dict[str, Any], list[str]]) -> list[str]:
    return converted[1]


@pytest.fixture(scope="module")
def widget(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]["Widget"]["properties"]


def _operation(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/widgets/{widget_id}"]["get"]


def _warned(warnings: list[str], pointer: str) -> bool:
    return any(w.startswith(f"tests/data/normalize/openapi31.yaml: {pointer}: ") or f": {pointer}: " in w for w in warnings)


def test_version_is_3_0_3(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.0.3"


def test_type_with_null_becomes_nullable(widget: dict[str, Any]) -> None:
    assert widget["note"] == {"type": "string", "nullable": True}


def test_several_types_become_any_of(widget: dict[str, Any]) -> None:
    assert widget["size"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert widget["size_or_null"] == {"anyOf": [{"type": "integer", "nullable": True}, {"type": "string", "nullable": True}]}


def test_nested_schemas_are_converted(widget: dict[str, Any]) -> None:
    assert widget["labels"]["items"] == {"type": "string", "nullable": True}


def test_const_becomes_a_one_value_enum(widget: dict[str, Any]) -> None:
    assert widget["kind"] == {"enum": ["widget"]}


def test_schema_examples_become_example(widget: dict[str, Any], doc: dict[str, Any]) -> None:
    assert widget["id"] == {"type": "string", "example": "w-1"}
    # the first item is the example; a longer list is kept for generated values to vary among
    assert _operation(doc)["parameters"][0]["schema"] == {"type": "string", "example": "w-1", "x-examples": ["w-1", "w-2"]}


def test_media_type_examples_map_is_not_a_schema_keyword(doc: dict[str, Any]) -> None:
    media = _operation(doc)["responses"]["200"]["content"]["application/json"]
    assert media["examples"] == {"first": {"value": {"id": "w-1", "kind": "widget"}}}


def test_numeric_exclusive_bounds_become_the_boolean_form(widget: dict[str, Any], doc: dict[str, Any]) -> None:
    assert widget["price"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1000, "exclusiveMaximum": True}
    # an inclusive bound that is stricter than the exclusive one wins
    assert widget["weight"] == {"type": "number", "minimum": 5}
    assert _operation(doc)["parameters"][1]["schema"] == {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 50}


def test_ref_with_siblings_is_wrapped_in_all_of(widget: dict[str, Any], doc: dict[str, Any]) -> None:
    assert widget["parent"] == {"allOf": [{"$ref": "#/components/schemas/Widget"}], "description": "The parent widget"}
    media = _operation(doc)["responses"]["200"]["content"]["application/json"]
    assert media["schema"] == {"allOf": [{"$ref": "#/components/schemas/Widget"}], "description": "A widget"}


def test_base64_content_encoding_becomes_format_byte(widget: dict[str, Any]) -> None:
    assert widget["blob"] == {"type": "string", "format": "byte"}


def test_boolean_schema_and_empty_required(widget: dict[str, Any]) -> None:
    assert widget["anything"] == {}
    assert widget["empty_required"] == {"type": "object"}


def test_null_alone_is_approximated_and_reported(widget: dict[str, Any], warnings: list[str]) -> None:
    assert widget["nothing"] == {"nullable": True, "enum": [None]}
    assert _warned(warnings, "#/components/schemas/Widget/properties/nothing")


@pytest.mark.parametrize(
    "pointer",
    [
        "#/jsonSchemaDialect",
        "#/info/summary",
        "#/info/license/identifier",
        "#/components/schemas/Widget/$defs",
        "#/components/schemas/Widget/properties/image/contentMediaType",
        "#/components/schemas/Widget/properties/labels/prefixItems",
        "#/components/schemas/Widget/properties/shape/if",
        "#/components/schemas/Widget/properties/shape/then",
        "#/components/schemas/Widget/properties/shape/else",
        "#/components/schemas/Widget/properties/extra/patternProperties",
        "#/components/schemas/Widget/properties/extra/dependentRequired",
        "#/components/schemas/Widget/properties/extra/unevaluatedProperties",
    ],
)
def test_inexpressible_constructs_are_reported_with_their_pointer(pointer: str, warnings: list[str]) -> None:
    assert _warned(warnings, pointer), f"no warning for {pointer}: {warnings}"


def test_inexpressible_constructs_are_gone_from_the_output(doc: dict[str, Any], widget: dict[str, Any]) -> None:
    assert "webhooks" not in doc and "jsonSchemaDialect" not in doc and "summary" not in doc["info"]
    assert doc["x-webhooks"] == {"ping": {"post": {"responses": {"200": {"description": "OK"}}}}}  # kept (issue 26)
    assert "$defs" not in doc["components"]["schemas"]["Widget"]
    assert widget["shape"] == {"type": "object"} and widget["extra"] == {"type": "object"}


def test_every_warning_is_expected(warnings: list[str]) -> None:
    assert len(warnings) == 13, warnings  # 12 dropped constructs + type 'null' alone (webhooks are kept)


def test_valid_3_0_schemas_are_left_alone() -> None:
    schema = {"type": "object", "nullable": True, "required": ["a"], "properties": {"a": {"type": "integer", "minimum": 1, "exclusiveMinimum": True}}}
    notes: list[tuple[str, str]] = []
    assert convert_schema(dict(schema), "#", lambda p, m: notes.append((p, m))) == schema
    assert notes == []
