"""A generated error body says what is wrong (generate/error_fields.py, via the reply builder):
its message-like fields carry the violation, its field-like ones the field's name or JSON
pointer, an array of errors one item per violation; a value the field's schema would refuse
leaves the generated one, and a declared example is sent as written.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.generate import RecordGenerator
from mockserver.generate.error_fields import Violation, body_violation, fill_error_fields, parameter_violation

NOTES = Path(__file__).resolve().parents[2] / "data" / "anydoc" / "notes-errors-3.1.yaml"
MISSING = Violation("/title", "'title' is a required property", "title", "body", "'title' is a required property")
WRONG = Violation("/author/email", "5 is not of type 'string'", "author.email", "body",
                  "5 is not of type 'string' at /author/email")


def fill(schema: dict[str, Any], violations: list[Violation], components: dict[str, Any] | None = None) -> Any:
    document = {"openapi": "3.0.3", "paths": {}, "components": {"schemas": components or {}}}
    generator = RecordGenerator(document)
    value = generator.generate(schema, key=("test",))
    filled = fill_error_fields(generator, schema, value, violations, key=("test",))
    Draft4Validator({**schema, "components": document["components"]}).validate(filled)  # still valid
    return filled


def error_list(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": ["message", "errors"], "properties": {
        "message": {"type": "string"}, "errors": {"type": "array", "items": item, **extra}}}


def test_one_item_per_violation_with_the_field_name_and_its_message() -> None:
    item = {"type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}
    assert fill(error_list(item), [MISSING, WRONG]) == {
        "message": "'title' is a required property",
        "errors": [{"field": "title", "message": "'title' is a required property"},
                   {"field": "author.email", "message": "5 is not of type 'string'"}]}


def test_a_pointer_like_property_gets_the_json_pointer_and_a_ref_is_followed() -> None:
    item = {"type": "object", "required": ["pointer", "detail"],
            "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}}}
    schema = error_list({"$ref": "#/components/schemas/Item"})
    assert fill(schema, [WRONG], {"Item": item})["errors"] == [
        {"pointer": "/author/email", "detail": "5 is not of type 'string'"}]


def test_json_api_source_pointer_and_fastapi_loc() -> None:
    json_api = {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
        "type": "object", "required": ["status", "detail", "source"], "properties": {
            "status": {"type": "string", "enum": ["422"]}, "detail": {"type": "string"},
            "source": {"type": "object", "required": ["pointer"], "properties": {"pointer": {"type": "string"}}}}}}}}
    assert fill(json_api, [MISSING]) == {"errors": [
        {"status": "422", "detail": "'title' is a required property", "source": {"pointer": "/title"}}]}
    fastapi = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "array", "items": {
        "type": "object", "required": ["loc", "msg", "type"], "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"}, "type": {"type": "string"}}}}}}
    detail = fill(fastapi, [WRONG])["detail"]
    assert [(item["loc"], item["msg"]) for item in detail] == [(["body", "author", "email"], "5 is not of type 'string'")]


def test_a_single_error_object_says_where_in_its_message_when_it_has_no_field() -> None:
    schema = {"type": "object", "required": ["message", "code"],
              "properties": {"message": {"type": "string"}, "code": {"type": "integer"}}}
    filled = fill(schema, [WRONG])
    assert filled["message"] == "5 is not of type 'string' at /author/email"
    assert isinstance(filled["code"], int)


def test_one_error_object_with_a_field_and_spring_path_and_a_js_name_left_alone() -> None:
    single = {"type": "object", "required": ["message", "field"],
              "properties": {"message": {"type": "string"}, "field": {"type": "string"}}}
    assert fill(single, [WRONG, MISSING]) == {"message": "5 is not of type 'string'", "field": "author.email"}
    spring = {"type": "object", "required": ["message", "path", "name"], "properties": {
        "message": {"type": "string"}, "path": {"type": "string"}, "name": {"type": "string"}}}
    document = {"openapi": "3.0.3", "paths": {}}
    generator = RecordGenerator(document)
    value = generator.generate(spring, key=("test",))
    filled = fill_error_fields(generator, spring, value, [WRONG], key=("test",))
    assert filled == {**value, "message": "5 is not of type 'string' at /author/email"}


def test_a_message_the_schema_would_refuse_leaves_the_generated_value() -> None:
    schema = {"type": "object", "required": ["message", "error", "errors"], "properties": {
        "message": {"type": "string", "maxLength": 10},
        "error": {"type": "string", "enum": ["invalid_request", "not_found"]},
        "errors": {"type": "array", "maxItems": 1, "items": {"type": "string"}}}}
    document = {"openapi": "3.0.3", "paths": {}}
    generator = RecordGenerator(document)
    value = generator.generate(schema, key=("test",))
    filled = fill_error_fields(generator, schema, value, [MISSING, WRONG], key=("test",))
    assert filled["message"] == value["message"] and filled["error"] == value["error"]
    assert filled["errors"] == ["'title' is a required property"]  # one item: maxItems


def test_violations_from_jsonschema_and_parameter_reasons() -> None:
    schema = {"type": "object", "required": ["title"], "properties": {
        "title": {"type": "string"}, "author": {"type": "object", "required": ["email"], "properties": {}}}}
    errors = sorted(Draft4Validator(schema).iter_errors({"author": {}}), key=lambda e: list(e.absolute_path))
    assert [body_violation(error) for error in errors] == [
        Violation("/title", "'title' is a required property", "title", "body", "'title' is a required property"),
        Violation("/author/email", "'email' is a required property", "author.email", "body",
                  "'email' is a required property at /author")]
    assert parameter_violation("Invalid query parameter 'per_page': 'x' is not of type 'integer'") == Violation(
        "/per_page", "'x' is not of type 'integer'", "per_page", "query",
        "Invalid query parameter 'per_page': 'x' is not of type 'integer'")
    assert parameter_violation("Missing header parameter 'X-Key'") == Violation(
        "/X-Key", "'X-Key' is a required header parameter", "X-Key", "header", "Missing header parameter 'X-Key'")
    assert parameter_violation("the body is not UTF-8 form data") is None


def call(app: Any, method: str, path: str, body: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
            return await client.request(method, path, json=body, headers={"Authorization": "Bearer t"})
    return asyncio.run(go())


@pytest.fixture(scope="module")
def notes() -> Any:
    return create_app(ServeConfig(specs=(NOTES,), quiet=True))


@pytest.mark.parametrize("method, path, status", [("POST", "/notes", 400), ("PUT", "/notes/n1", 422)])
def test_the_declared_error_says_the_missing_field(notes: Any, method: str, path: str, status: int) -> None:
    response = call(notes, method, path, {"body": "text"})
    assert response.status_code == status
    assert response.headers["x-mock-problem"] == "'title' is a required property"
    assert response.json() == {"message": "'title' is a required property",
                               "errors": [{"field": "title", "message": "'title' is a required property"}]}


def test_every_violation_is_an_item_the_first_as_the_header_says(notes: Any) -> None:
    response = call(notes, "PUT", "/notes/n1", {"title": 5, "status": "gone"})
    assert response.status_code == 422
    assert response.headers["x-mock-problem"] == "5 is not of type 'string' - 'title'"
    assert json.loads(response.content) == {"message": "5 is not of type 'string' at /title", "errors": [
        {"field": "title", "message": "5 is not of type 'string'"},
        {"field": "status", "message": "'gone' is not one of ['draft', 'published', 'archived']"}]}


def test_a_declared_example_is_sent_as_written(tmp_path: Path) -> None:
    document = NOTES.read_text(encoding="utf-8").replace(
        "        '422':\n          description: The note is invalid\n          content:\n            application/json:\n",
        "        '422':\n          description: The note is invalid\n          content:\n            application/json:\n"
        "              example: {message: invalid, errors: [{field: name, message: blank}]}\n")
    spec = tmp_path / "notes.yaml"
    spec.write_text(document, encoding="utf-8")
    response = call(create_app(ServeConfig(specs=(spec,), quiet=True)), "PUT", "/notes/n1", {"body": "text"})
    assert (response.status_code, response.json()) == (422, {"message": "invalid",
                                                             "errors": [{"field": "name", "message": "blank"}]})


STRIPE_LIKE = """
openapi: 3.0.3
info: {title: Charges, version: '1'}
paths:
  /charges:
    post:
      operationId: createCharge
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [amount]
              properties: {amount: {type: integer}, currency: {type: string}}
      responses:
        '200': {description: the charge, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        '400':
          description: bad request
          content:
            application/json:
              schema:
                type: object
                required: [error]
                properties:
                  error:
                    type: object
                    required: [type, message]
                    properties:
                      type: {type: string, enum: [invalid_request_error, api_error]}
                      message: {type: string}
                      param: {type: string}
"""


def test_a_form_body_and_a_nested_error_object(tmp_path: Path) -> None:
    spec = tmp_path / "charges.yaml"
    spec.write_text(STRIPE_LIKE, encoding="utf-8")
    app = create_app(ServeConfig(specs=(spec,), quiet=True))

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
            return await client.post("/charges", data={"amount": "ten", "currency": "usd"})
    response = asyncio.run(go())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] in ("invalid_request_error", "api_error")
    assert (error["message"], error["param"]) == ("'ten' is not of type 'integer'", "amount")


def test_a_declared_error_field_the_generator_left_out_is_set_too() -> None:
    """Optional `message` and `param` of a nested error object are filled even where the
    generated value lacks them (Stripe's `error.param`): the body must say what is wrong."""
    schema = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "type": {"type": "string"}, "message": {"type": "string"}, "param": {"type": "string"}}}}}
    generator = RecordGenerator({"openapi": "3.0.3", "paths": {}})
    filled = fill_error_fields(generator, schema, {"error": {"type": "card_error"}}, [WRONG], key=("test",))
    assert filled == {"error": {"type": "card_error", "message": "5 is not of type 'string'", "param": "author.email"}}
