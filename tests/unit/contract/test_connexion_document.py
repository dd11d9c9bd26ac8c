"""What connexion is handed: routes, parameters and request bodies, without the responses it
never serves (connexion_document.for_connexion), so its whole-document check does not walk them at start-up."""

from __future__ import annotations

from mockserver.adapters.connexion_document import CONNEXION_RESPONSES, for_connexion

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/things/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "get": {"responses": {"200": {"$ref": "#/components/responses/Thing"}}},
            "put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Input"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}}}},
        },
        "/things/latest": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "parameters": {"Id": {"name": "id", "in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Key"}}},
        "responses": {"Thing": {"description": "ok"}},
        "schemas": {
            "Thing": {"type": "object", "properties": {"input": {"$ref": "#/components/schemas/Input"}}},
            "Input": {"type": "object", "properties": {"tags": {"items": {"$ref": "#/components/schemas/Tag"}}}},
            "Tag": {"type": "string"},
            "Key": {"type": "string"},
            "Unused": {"type": "integer"},
        },
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "k"}},
    },
}


def test_connexion_gets_every_route_and_request_schema_but_no_response() -> None:
    lean = for_connexion(DOCUMENT)
    assert list(lean["paths"]) == ["/things/latest", "/things/{id}"]  # concrete before templated
    item = lean["paths"]["/things/{id}"]
    assert item["parameters"] == DOCUMENT["paths"]["/things/{id}"]["parameters"]
    assert item["put"]["requestBody"] == DOCUMENT["paths"]["/things/{id}"]["put"]["requestBody"]
    assert item["get"]["responses"] == item["put"]["responses"] == CONNEXION_RESPONSES
    assert list(lean["components"]["schemas"]) == ["Input", "Tag", "Key"]  # Thing and Unused only answer
    assert "responses" not in lean["components"]
    assert lean["components"]["securitySchemes"] == DOCUMENT["components"]["securitySchemes"]
    assert DOCUMENT["paths"]["/things/{id}"]["get"]["responses"] == {"200": {"$ref": "#/components/responses/Thing"}}
