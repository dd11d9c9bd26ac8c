"""Swagger 2.0 -> OpenAPI 3.0.3 (mockserver/normalize/upconvert.py).

Rule by rule on tests/data/normalize/swagger20.yaml, written with one of each construct the
conversion rewrites, and every GET of Swagger's 2.0 Petstore in-process. What runs the reference
converter (npm `swagger2openapi`), the command or a server is in tests/process/test_normalize_upconvert.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.base.user_errors import UserError
from mockserver.normalize import normalize_documents
from mockserver.normalize.load import load_document
from mockserver.normalize.upconvert import component_name, upconvert
from tests.documents import SWAGGER20 as FIXTURE, SWAGGER20_SOURCE as SOURCE, converted, doc, fixture  # noqa: F401 (fixtures)
from tests.mockserver_process import REPO

SPECS = REPO / "tests" / "data" / "specs"
PETSTORE = SPECS / "petstore-2.0.json"


def _params(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation["parameters"] if "name" in p}


def test_host_base_path_and_schemes_are_one_server_per_scheme(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.0.3"
    assert doc["servers"] == [{"url": "https://api.example.com/v1"}, {"url": "http://api.example.com/v1"}]
    assert doc["info"] == {"title": "Conversions", "version": "1.0"}  # YAML's 1.0 is a number; 3.0 wants text
    assert not {"swagger", "host", "basePath", "schemes", "consumes", "produces", "definitions", "parameters",
                "responses", "securityDefinitions"} & set(doc)


def test_definitions_parameters_and_responses_are_components_and_refs_follow_them(doc: dict[str, Any]) -> None:
    components = doc["components"]
    assert list(components["schemas"]) == ["Thing", "Page_Owner_", "Error", "Blob"]
    thing = components["schemas"]["Thing"]["properties"]
    assert thing["owner"] == {"$ref": "#/components/schemas/Page_Owner_"}  # springfox's originalRef: ignored by 2.0
    assert components["schemas"]["Page_Owner_"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Thing"}
    listing = doc["paths"]["/things"]["get"]
    assert listing["parameters"][0] == {"$ref": "#/components/parameters/limit"}
    assert components["parameters"] == {"limit": {"name": "limit", "in": "query", "example": 5,
                                                  "schema": {"type": "integer", "minimum": 1, "default": 20}}}
    assert doc["paths"]["/things/{id}"]["get"]["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert components["responses"]["NotFound"] == {
        "description": "no such thing",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    assert "thingBody" not in components["parameters"]  # a body is no parameter in 3.0
    assert "$ref': '#/definitions" not in str(doc) and "'#/parameters" not in str(doc)


def test_component_names_are_spelt_as_3_0_allows() -> None:
    assert component_name("Page«Owner»") == "Page_Owner_"
    assert component_name("Pet[]") == "PetArray"
    assert component_name("io.k8s.api.core.v1.Pod") == "io.k8s.api.core.v1.Pod"
    assert component_name("a/b c") == "a_b_c"


def test_schema_keywords_2_0_spells_differently(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    thing = schemas["Thing"]
    assert thing["discriminator"] == {"propertyName": "kind"}
    assert thing["properties"]["note"] == {"type": "string", "nullable": True}
    assert thing["properties"]["tags"] == {"type": "array", "items": {}}  # items is required in 3.0
    assert schemas["Blob"] == {"type": "string", "format": "binary"}


def test_a_body_parameter_is_a_request_body_per_consumed_media_type(doc: dict[str, Any]) -> None:
    create = doc["paths"]["/things"]["post"]
    assert "parameters" not in create
    ref = {"schema": {"$ref": "#/components/schemas/Thing"}}
    assert create["requestBody"] == {"content": {"application/json": ref, "application/merge-patch+json": ref},
                                     "required": True}


def test_form_parameters_are_one_form_body_with_files_as_binary(doc: dict[str, Any]) -> None:
    upload = doc["paths"]["/things/{id}"]["post"]["requestBody"]
    assert upload == {"content": {"multipart/form-data": {"schema": {
        "type": "object",
        "properties": {"file": {"description": "the bytes", "type": "string", "format": "binary"},
                       "label": {"type": "string", "example": "holiday"}},
        "required": ["file"]}}}, "required": True}
    update = doc["paths"]["/things/{id}"]["put"]["requestBody"]["content"]
    assert list(update) == ["application/x-www-form-urlencoded"]
    form = update["application/x-www-form-urlencoded"]
    assert form["schema"]["properties"]["colours"] == {"type": "array", "items": {"type": "string"}}
    # csv is a comma-separated field; multi (repeated fields) is what a form does anyway
    assert form["encoding"] == {"colours": {"style": "form", "explode": False}}


def test_collection_formats_are_styles(doc: dict[str, Any]) -> None:
    params = _params(doc["paths"]["/things"]["get"])
    assert params["ids"] == {"name": "ids", "in": "query", "style": "form", "explode": False,
                             "schema": {"type": "array", "items": {"type": "string"}}}
    assert params["words"]["style"] == "spaceDelimited"
    assert params["codes"]["style"] == "pipeDelimited"
    assert params["tag"]["explode"] is True and "style" not in params["tag"]
    assert (params["cells"]["style"], params["cells"]["explode"]) == ("form", False)  # tsv: read as csv, warned
    assert params["X-Trace"]["style"] == "simple"
    assert params["untyped"]["schema"] == {"type": "string"}
    assert doc["paths"]["/things/{id}"]["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def test_responses_get_a_media_type_per_produces_with_their_examples_and_headers(doc: dict[str, Any]) -> None:
    ok = doc["paths"]["/things"]["get"]["responses"]["200"]
    schema = {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    assert ok["content"] == {
        "application/json": {"schema": schema, "examples": {"response": {"value": [{"id": "t-1", "kind": "thing"}]}}},
        "application/xml": {"schema": schema},
        # an example for a media type `produces` does not list still says the API sends it
        "text/csv": {"schema": schema, "examples": {"response": {"value": "id,kind\nt-1,thing\n"}}},
    }
    assert ok["headers"] == {"X-Total": {"description": "how many", "schema": {"type": "integer"}},
                             "X-Links": {"schema": {"type": "array", "items": {"type": "string"}}}}
    blob = doc["paths"]["/blobs/{id}"]["get"]["responses"]["200"]["content"]
    assert blob == {"application/octet-stream": {"schema": {"$ref": "#/components/schemas/Blob"}}}
    health = doc["paths"]["/health"]["get"]["responses"]["200"]["content"]
    assert list(health) == ["application/json"]  # `produces: []`: a mock must still pick a body


def test_security_definitions_are_security_schemes(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"] == {
        "basicAuth": {"type": "http", "scheme": "basic", "description": "user and password"},
        "key": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
        "code": {"type": "oauth2", "flows": {"authorizationCode": {
            "authorizationUrl": "https://auth.example.com/authorize", "tokenUrl": "https://auth.example.com/token",
            "scopes": {"read:things": "read them"}}}},
        "machine": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "https://auth.example.com/token", "scopes": {}}}},
    }
    assert doc["security"] == [{"key": []}]
    assert doc["paths"]["/things"]["post"]["security"] == [{"code": ["read:things"]}]


def test_each_lossy_step_is_one_warning(converted: tuple[dict[str, Any], list[str]]) -> None:
    assert converted[1] == [
        f"{SOURCE}: #/paths/~1things/get/parameters/5/collectionFormat: "
        "collectionFormat 'tsv' cannot be expressed in OpenAPI 3.0; read as csv",
        f"{SOURCE}: #/paths/~1things/get/parameters/6/collectionFormat: "
        "collectionFormat 'pipes' cannot be expressed for a header value in OpenAPI 3.0; read as csv",
        f"{SOURCE}: #/paths/~1things/get/parameters/7: a parameter without a type; taken as a string",
        f"{SOURCE}: #/paths/~1health/get/responses/200: "
        "no 'produces' for a response with a schema; declared as application/json",
    ]


def test_repeated_warnings_are_one_line_with_a_count() -> None:
    params = [{"name": f"p{n}", "in": "query", "type": "array", "collectionFormat": "tsv", "items": {"type": "string"}}
              for n in range(5)]
    document = {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                "paths": {"/a": {"get": {"parameters": params, "responses": {"200": {"description": "ok"}}}}}}
    warnings: list[str] = []
    upconvert(document, "tsv.json", warnings)
    assert warnings == ["tsv.json: #/paths/~1a/get/parameters/0/collectionFormat: collectionFormat 'tsv' cannot "
                        "be expressed in OpenAPI 3.0; read as csv (and 4 more places)"]


def test_the_input_is_not_changed(fixture: dict[str, Any], converted: tuple[dict[str, Any], list[str]]) -> None:
    assert fixture == load_document(FIXTURE).data


def test_the_whole_normalizer_takes_a_2_0_document_and_gives_valid_3_0() -> None:
    document, warnings = normalize_documents([FIXTURE])  # validated with openapi-spec-validator and connexion
    assert document["openapi"] == "3.0.3"
    assert len([w for w in warnings if "collectionFormat" in w]) == 2


def test_a_2_0_document_split_over_files_is_bundled_then_converted(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        'swagger: "2.0"\ninfo: {title: split, version: "1"}\nproduces: [application/json]\npaths:\n'
        '  /things/{id}:\n    get:\n      parameters: [{$ref: "common.yaml#/parameters/id"}]\n'
        '      responses: {"200": {description: ok, schema: {$ref: "common.yaml#/definitions/Thing"}}}\n',
        encoding="utf-8")
    (tmp_path / "common.yaml").write_text(
        "parameters:\n  id: {name: id, in: path, required: true, type: string}\n"
        "definitions:\n  Thing: {type: object, properties: {note: {type: string, x-nullable: true},"
        ' parent: {$ref: "#/definitions/Thing"}}}\n', encoding="utf-8")
    document, _ = normalize_documents([tmp_path / "api.yaml"])
    get = document["paths"]["/things/{id}"]["get"]
    assert get["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert document["components"]["schemas"] == {"Thing": {"type": "object", "properties": {
        "note": {"type": "string", "nullable": True}, "parent": {"$ref": "#/components/schemas/Thing"}}}}


def test_other_swagger_versions_are_refused_in_one_line(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text('swagger: "1.2"\ninfo: {title: t, version: "1"}\npaths: {}\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"unsupported Swagger version '1.2' \(2.0 is supported\)"):
        normalize_documents([old])


_BROKEN = {
    "an oauth2 scheme without a flow": ({"securityDefinitions": {"o": {"type": "oauth2"}}},
                                        "#/components/securitySchemes/o"),
    "a form field without a name": ({"paths": {"/a": {"post": {"parameters": [{"in": "formData", "type": "string"}],
                                                               "responses": {"200": {"description": "ok"}}}}}},
                                    None),
    "a response that is text": ({"paths": {"/a": {"get": {"responses": {"200": "ok"}}}}},
                                "#/paths/~1a/get/responses/200"),
}


@pytest.mark.parametrize("name", list(_BROKEN))
def test_a_broken_2_0_document_is_one_line_or_served_never_a_traceback(name: str, tmp_path: Path) -> None:
    change, place = _BROKEN[name]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}, **change}))
    if place is None:
        normalize_documents([broken])
        return
    with pytest.raises(UserError, match=f"broken.json: normalized document is not valid OpenAPI 3.0 at {place}"):
        normalize_documents([broken])


def test_every_get_of_the_2_0_petstore_answers_without_a_server_error() -> None:
    from tests.probe import probe

    result = probe(PETSTORE)  # with the credentials each operation's security asks for
    assert len(result.outcomes) == 8  # one per GET operation
    assert result.failures() == []
    assert result.statuses()[200] == 5  # the other three lack a required query parameter: 400
    as_xml = probe(PETSTORE, accept="application/xml")
    assert as_xml.failures() == []
    assert {o.content_type for o in as_xml.outcomes if o.status == 200 and o.content_type} == {"application/xml"}
