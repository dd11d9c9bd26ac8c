"""Path templates and `$ref`s as the largest public documents write them, each in a small
document of its own (tests/data/anydoc/): what connexion is handed for them, in-process (that they
start and every route answers with its values: tests/process/test_path_templates.py).

- templates.yaml: a parameter named `path` (GitHub's contents, Kubernetes' proxies; connexion's
  `sort_routes` refused it), values that span segments (`x-multi-segment`, `heads/main`),
  segments that mix literals and parameters, names with a hyphen or a dot, a percent-encoded path;
- refs.yaml: `$ref`s inside vendor extensions (one at a response connexion is not handed) and a
  schema property named `$ref` (Kubernetes' `JSONSchemaProps`);
- emoji.json: JSON as `json.dump` writes it, an emoji as an escaped surrogate pair.
"""

from __future__ import annotations


from mockserver.base import templates
from mockserver.adapters.connexion_document import for_connexion
from tests.mockserver_process import REPO

ANYDOC = REPO / "tests" / "data" / "anydoc"


# -- what connexion is handed ---------------------------------------------------------------------

def test_connexion_gets_routable_templates_and_the_route_maps_names_back() -> None:
    document = {
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {
            "/a/{path}": {"parameters": [{"$ref": "#/components/parameters/Path"}], "get": {"responses": {}}},
            "/b/{x.y}/{x_y}": {"get": {"parameters": [
                {"name": "x.y", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "x_y", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": {}}},
            "/c/{id}": {"get": {"responses": {}}},
        },
        "components": {"parameters": {"Path": {"name": "path", "in": "path", "required": True,
                                                "x-multi-segment": True, "schema": {"type": "string"}}}},
    }
    paths = for_connexion(document)["paths"]
    assert set(paths) == {"/a/{p_path}", "/b/{p_x_y}/{x_y}", "/c/{id}"}
    renamed = paths["/a/{p_path}"]["parameters"][0]
    assert renamed["name"] == "p_path" and renamed[templates.ORIGINAL] == "path"
    assert renamed["schema"] == {"type": "string", "format": "path"}  # connexion's own multi-segment type
    assert templates.original_names([renamed]) == {"p_path": "path"}
    assert paths["/c/{id}"] is not document["paths"]["/c/{id}"]  # responses replaced, the rest as written
    assert document["paths"]["/a/{path}"]["parameters"] == [{"$ref": "#/components/parameters/Path"}]


def test_connexion_gets_no_extension_and_every_component_they_still_reach() -> None:
    document = {
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "x-webhooks": {"$ref": "#/components/schemas/Hook"},
        "paths": {"/a": {"x-owner": {"$ref": "#/components/responses/Gone"}, "get": {
            "x-breaking": {"$ref": "#/components/responses/Gone"}, "x-openapi-router-controller": "somewhere",
            "parameters": [{"name": "q", "in": "query", "schema": {"$ref": "#/components/schemas/Q"}}],
            "responses": {"410": {"$ref": "#/components/responses/Gone"}}}}},
        "components": {"responses": {"Gone": {"description": "gone"}},
                       "schemas": {"Hook": {"type": "object"},
                                   "Q": {"type": "object", "properties": {"$ref": {"type": "string"}, "n": {"type": "string"}}}}},
    }
    lean = for_connexion(document)
    assert "x-webhooks" not in lean and "x-owner" not in lean["paths"]["/a"]
    assert not [key for key in lean["paths"]["/a"]["get"] if key.startswith("x-")]
    assert "responses" not in lean["components"] and list(lean["components"]["schemas"]) == ["Q"]
    assert lean["components"]["schemas"]["Q"]["properties"] == {"n": {"type": "string"}}
    assert document["components"]["schemas"]["Q"]["properties"]["$ref"] == {"type": "string"}  # untouched


def test_a_property_named_ref_is_no_reference_to_another_file(monkeypatch, tmp_path) -> None:
    """Such a document is cached by its own bytes (Kubernetes' warm start: 4.6 s -> 1 s)."""
    from mockserver.contract import documents

    monkeypatch.setenv("MOCKSERVER_CACHE_DIR", str(tmp_path))
    documents.load_for_serving(ANYDOC / "refs.yaml")
    assert len(list(tmp_path.glob("*.json"))) == 1
