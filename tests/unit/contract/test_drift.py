"""contract/drift.py: each kind of difference between a reply and its schema, pinned to the
document's node, and the overlay that makes the document accept the same replies."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from mockserver.contract.drift import findings, jsonpath, overlay, redacted
from mockserver.contract.operations import load_api
from mockserver.contract.validation import ResponseValidator
from mockserver.normalize.overlay import apply_actions

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "drift", "version": "1"},
    "servers": [{"url": "/v1"}],
    "paths": {
        "/things/{id}": {"get": {
            "operationId": "getThing",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}}},
        }},
    },
    "components": {"schemas": {
        "Thing": {"allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"type": "object", "additionalProperties": False, "required": ["size", "kind"],
             "properties": {"id": {"type": "string"}, "size": {"type": "integer"}, "count": {"type": "integer"},
                            "kind": {"type": "string", "enum": ["a", "b"]},
                            "note": {"type": "string"}, "tags": {"type": "array", "items": {
                                "$ref": "#/components/schemas/Tag"}}}},
        ]},
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "Tag": {"type": "object", "properties": {"name": {"type": "string"}}},
    }},
}

VENDOR = {"id": "t1", "size": 2.5, "count": "7", "note": None, "tags": [{"name": "x", "color": "red"},
                                                                       {"name": "y", "color": "blue"}],
          "secret_token": "tok_live_1"}


def served(tmp_path: Path, document: dict):
    path = tmp_path / "things.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    api = load_api(path)
    return api, api.operations["getThing"], ResponseValidator(api)


def drift_of(api, op, validator, body: dict, status: int = 200):
    raw = json.dumps(body).encode()
    violations = validator.violations(op, status, "application/json", raw)
    return violations, findings(api.document, op, status, "application/json", raw, violations)


def test_each_difference_is_pinned_to_the_documents_node(tmp_path: Path) -> None:
    api, op, validator = served(tmp_path, DOCUMENT)
    violations, found = drift_of(api, op, validator, VENDOR)
    assert violations  # the contract's own verdict: broken
    assert [(f.pointer, f.kind, f.target) for f in found] == [
        ("/kind", "required", "/components/schemas/Thing/allOf/1/required"),
        ("/size", "type", "/components/schemas/Thing/allOf/1/properties/size"),
        ("/count", "type", "/components/schemas/Thing/allOf/1/properties/count"),
        ("/note", "nullable", "/components/schemas/Thing/allOf/1/properties/note"),
        ("/tags/0/color", "property-added", "/components/schemas/Tag/properties"),
        ("/tags/1/color", "property-added", "/components/schemas/Tag/properties"),
        ("/secret_token", "property-added", "/components/schemas/Thing/allOf/1/properties"),
    ]
    assert found[4].key == found[5].key  # the items of a list: one drift
    assert found[1].expected == "integer" and found[1].actual == "number 2.5"
    assert found[6].actual == "string [redacted]"  # a credential's value is never quoted
    assert redacted(VENDOR)["secret_token"] == "[redacted]"


def test_the_overlay_makes_the_document_accept_the_vendors_replies(tmp_path: Path) -> None:
    api, op, validator = served(tmp_path, DOCUMENT)
    other = {"id": "t2", "size": 3, "kind": "c"}
    found = drift_of(api, op, validator, VENDOR)[1] + drift_of(api, op, validator, other)[1]
    assert [(f.pointer, f.kind) for f in drift_of(api, op, validator, other)[1]] == [("/kind", "enum")]
    doc = overlay(api.document, "t", found)
    assert doc["overlay"] == "1.0.0"
    assert {"target": "$['components']['schemas']['Thing']['allOf'][1]['required'][?@ == 'kind']", "remove": True,
            "description": "the vendor leaves out kind"} in doc["actions"]
    fixed = json.loads(json.dumps(DOCUMENT))
    apply_actions(fixed, "drift overlay", doc["actions"])
    assert fixed["components"]["schemas"]["Thing"]["allOf"][1]["properties"]["size"]["type"] == "number"
    assert fixed["components"]["schemas"]["Thing"]["allOf"][1]["properties"]["kind"]["enum"] == ["a", "b", "c"]
    (tmp_path / "fixed").mkdir()
    api2, op2, validator2 = served(tmp_path / "fixed", fixed)
    for body in (VENDOR, other):
        assert drift_of(api2, op2, validator2, body) == ((), [])


def test_an_undeclared_status_adds_the_response(tmp_path: Path) -> None:
    api, op, validator = served(tmp_path, DOCUMENT)
    violations, found = drift_of(api, op, validator, {"error": "gone"}, status=410)
    assert [(f.pointer, f.kind, f.actual) for f in found] == [("", "status", "410")]
    fixed = json.loads(json.dumps(DOCUMENT))
    apply_actions(fixed, "drift overlay", overlay(api.document, "t", found)["actions"])
    assert fixed["paths"]["/things/{id}"]["get"]["responses"]["410"]["content"]["application/json"]["schema"] == {
        "type": "object", "properties": {"error": {"type": "string"}}}


def test_a_required_list_emptied_is_removed_whole(tmp_path: Path) -> None:
    api, op, validator = served(tmp_path, DOCUMENT)
    found = drift_of(api, op, validator, {"id": "t3"})[1]
    actions = overlay(api.document, "t", found)["actions"]
    assert {"target": "$['components']['schemas']['Thing']['allOf'][1]['required']", "remove": True,
            "description": "the vendor leaves out size, kind: none stays required"} in actions


def test_jsonpath_quotes_what_a_name_holds() -> None:
    assert jsonpath("/paths/~1a~1{b}/get") == "$['paths']['/a/{b}']['get']"
    assert jsonpath("/x/it's") == "$['x']['it\\'s']"
    assert jsonpath("") == "$"
