"""Input forms, merging, and the smaller steps (operationIds, auth lifting, overlays, extraction)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.base.user_errors import UserError
from mockserver.normalize import normalize_documents
from mockserver.normalize.auth import lift_authorization_headers
from mockserver.normalize.extract import find_yaml_block, page_info
from mockserver.normalize.operation_ids import assign_operation_ids, conventional_id
from mockserver.normalize.overlay import apply_actions

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data" / "normalize"
LAGO_PAGES = sorted((REPO / "openapi" / "vendor" / "lago").glob("*.md"))


def _ops(doc: dict[str, Any]) -> dict[str, str]:
    return {f"{method.upper()} {path}": op["operationId"] for path, item in doc["paths"].items() for method, op in item.items()}


# --- input forms ---------------------------------------------------------------------------


def test_plain_openapi_yaml() -> None:
    doc, warnings = normalize_documents([DATA / "plain30.yaml"])
    assert warnings == []
    assert doc["info"] == {"title": "Plain fixture", "version": "2.0.0"}
    assert doc["servers"] == [{"url": "https://plain.example.test/api"}]
    assert _ops(doc) == {
        "GET /things": "listThings",
        "POST /things": "createThing",
        "GET /things/{thing_id}": "findThing",
        "DELETE /things/{thing_id}": "removeThing",  # an existing id is kept
    }
    assert "201" in doc["paths"]["/things"]["post"]["responses"]  # YAML int key -> string
    assert doc["components"]["schemas"]["Thing"]["properties"]["created_at"]["example"] == "2024-01-01T10:00:00Z"


def test_plain_openapi_json_3_1() -> None:
    doc, _ = normalize_documents([DATA / "plain31.json"])
    assert doc["openapi"] == "3.0.3"
    schema = doc["paths"]["/ping"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "string", "nullable": True}
    assert doc["paths"]["/ping"]["get"]["operationId"] == "listPing"


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "openapi": "3.0.3",\n  "info": }\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"invalid JSON at line 3"):
        normalize_documents([broken])


def test_info_is_synthesized_when_missing(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    folder.mkdir()
    page = folder / "page.yaml"
    page.write_text((DATA / "plain30.yaml").read_text(encoding="utf-8").replace("info:\n  title: Plain fixture\n  version: 2.0.0\n", ""), encoding="utf-8")
    doc, _ = normalize_documents([page])
    assert doc["info"] == {"title": "Acme API", "version": "0.0.0"}


# --- merging -------------------------------------------------------------------------------


def test_two_resolved_pages_merge_into_one_document() -> None:
    doc, warnings = normalize_documents(LAGO_PAGES)
    assert warnings == []
    assert _ops(doc) == {"GET /activity_logs/{activity_id}": "findActivityLog", "GET /api_logs/{request_id}": "findApiLog"}
    assert [s["url"] for s in doc["servers"]] == ["https://api.getlago.com/api/v1", "https://api.eu.getlago.com/api/v1"]
    assert list(doc["components"]["securitySchemes"]) == ["bearerAuth"]
    assert {"ActivityLog", "ApiLog", "ApiErrorUnauthorized", "ApiErrorNotFound"} <= doc["components"]["schemas"].keys()


def test_conflicting_definitions_are_a_user_error(tmp_path: Path) -> None:
    first, second = LAGO_PAGES
    changed = tmp_path / second.name
    changed.write_text(second.read_text(encoding="utf-8").replace("example: Unauthorized", "example: Denied"), encoding="utf-8")
    with pytest.raises(UserError) as caught:
        normalize_documents([first, changed])
    assert caught.value.source.endswith("get-specific-api-log.md")
    assert "#/components/schemas/ApiErrorUnauthorized conflicts with the definition in" in caught.value.problem


def test_a_page_and_a_plain_file_merge() -> None:
    doc, _ = normalize_documents([LAGO_PAGES[0], DATA / "plain30.yaml"])
    assert {"/activity_logs/{activity_id}", "/things", "/things/{thing_id}"} == doc["paths"].keys()


# --- operationIds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/activity_logs/{activity_id}", "findActivityLog"),
        ("get", "/api_logs/{request_id}", "findApiLog"),
        ("get", "/customers", "listCustomers"),
        ("post", "/customers", "createCustomer"),
        ("put", "/customers/{external_id}", "updateCustomer"),
        ("patch", "/invoices/{id}", "updateInvoice"),
        ("delete", "/coupons/{code}", "destroyCoupon"),
        ("get", "/activity-logs/{id}", "findActivityLog"),
        ("get", "/", None),
    ],
)
def test_conventional_operation_ids(method: str, path: str, expected: str | None) -> None:
    assert conventional_id(method, path) == expected


def test_colliding_operation_ids_fall_back_to_the_full_path() -> None:
    responses = {"responses": {"200": {"description": "ok"}}}
    doc = {"paths": {"/wallets/{id}": {"get": dict(responses)}, "/customers/{cid}/wallets/{id}": {"get": dict(responses)}, "/": {"get": dict(responses)}}}
    assign_operation_ids(doc)
    assert _ops(doc) == {"GET /wallets/{id}": "findWallet", "GET /customers/{cid}/wallets/{id}": "getCustomersByCidWalletsById", "GET /": "getRoot"}


# --- Authorization header parameters -------------------------------------------------------


def _auth_doc(description: str, required: bool) -> dict[str, Any]:
    param = {"name": "Authorization", "in": "header", "required": required, "description": description, "schema": {"type": "string"}}
    return {"paths": {"/x": {"get": {"parameters": [param, {"name": "q", "in": "query", "schema": {"type": "string"}}], "responses": {}}}}}


def test_authorization_header_says_basic() -> None:
    doc = _auth_doc("Eg. `Basic {credentials}`", required=True)
    lift_authorization_headers(doc)
    operation = doc["paths"]["/x"]["get"]
    assert operation["security"] == [{"basicAuth": []}]
    assert [p["name"] for p in operation["parameters"]] == ["q"]
    assert doc["components"]["securitySchemes"]["basicAuth"]["scheme"] == "basic"


def test_authorization_header_defaults_to_bearer_and_optional_allows_anonymous() -> None:
    doc = _auth_doc("Your API key", required=False)
    lift_authorization_headers(doc)
    assert doc["paths"]["/x"]["get"]["security"] == [{"bearerAuth": []}, {}]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["type"] == "http"


# --- overlays ------------------------------------------------------------------------------


def test_overlay_update_merges_objects_and_appends_arrays() -> None:
    doc = {"info": {"title": "a", "contact": {"name": "x"}}, "tags": [{"name": "t1"}], "security": [{"a": []}]}
    actions = [
        {"target": "$.info", "update": {"title": "b", "contact": {"email": "e@x.test"}}},
        {"target": "$.tags", "update": {"name": "t2"}},
        {"target": "$", "update": {"security": [{"b": []}]}},
    ]
    apply_actions(doc, "overlay.yaml", actions)
    assert doc["info"] == {"title": "b", "contact": {"name": "x", "email": "e@x.test"}}
    assert doc["tags"] == [{"name": "t1"}, {"name": "t2"}]
    assert doc["security"] == [{"a": []}, {"b": []}]


def test_overlay_remove_deletes_every_match() -> None:
    doc = {"tags": [{"name": "a", "x": 1}, {"name": "b"}, {"name": "c", "x": 2}], "info": {"title": "t", "summary": "s"}}
    apply_actions(doc, "overlay.yaml", [{"target": "$.tags[?@.x]", "remove": True}, {"target": "$.info.summary", "remove": True}])
    assert doc == {"tags": [{"name": "b"}], "info": {"title": "t"}}


def test_overlay_with_no_actions_is_accepted(tmp_path: Path) -> None:
    overlay = tmp_path / "empty.yaml"
    overlay.write_text("overlay: 1.0.0\ninfo: {title: nothing to fix, version: '1'}\nactions: []\n", encoding="utf-8")
    doc, _ = normalize_documents([DATA / "plain30.yaml"], [overlay])
    assert doc["info"]["title"] == "Plain fixture"


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        ({"target": "$.info[", "update": {}}, "invalid JSONPath"),
        ({"target": "$.info.title", "update": {"x": 1}}, "'update' needs an object target"),
        ({"target": "$.nothing", "remove": True}, "matches nothing"),
    ],
)
def test_overlay_mistakes_are_user_errors(action: dict[str, Any], problem: str) -> None:
    with pytest.raises(UserError, match=problem) as caught:
        apply_actions({"info": {"title": "t"}}, "openapi/overlays/x.yaml", [action])
    assert caught.value.source == "openapi/overlays/x.yaml" and "actions[0]" in caught.value.problem


def test_overlay_version_is_checked(tmp_path: Path) -> None:
    overlay = tmp_path / "old.yaml"
    overlay.write_text("overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: []\n", encoding="utf-8")
    with pytest.raises(UserError, match="unsupported Overlay version"):
        normalize_documents([DATA / "plain30.yaml"], [overlay])


# --- docs page extraction ------------------------------------------------------------------


def test_yaml_block_after_the_openapi_heading_is_chosen() -> None:
    page = "# Title\n\n```yaml\nexample: only\n```\n\n## OpenAPI\n\n````yaml GET /x\na: 1\n```yaml\nnot: a fence end\n````\n"
    block = find_yaml_block(page)
    assert block is not None and block.text == "a: 1\n```yaml\nnot: a fence end\n" and block.first_line == 10


def test_page_title_and_lead_become_summary_and_description() -> None:
    info = page_info("# Source: https://x.test/page.md\n\n# Retrieve a thing\n\n> This endpoint\n> retrieves a thing.\n\n## OpenAPI\n")
    assert (info.title, info.lead) == ("Retrieve a thing", "This endpoint retrieves a thing.")
