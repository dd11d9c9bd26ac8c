"""Lago through the real server: bearer auth, records, 404s and preferences, exact bytes."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import BEARER
from tests.contract_check import assert_valid

LAGO_401 = b'{"status":401,"error":"Unauthorized"}'
ACTIVITY_404 = b'{"status":404,"error":"Not Found","code":"activity_log_not_found"}'
API_LOG_404 = b'{"status":404,"error":"Not Found","code":"api_log_not_found"}'
DOCS_ACTIVITY_ID = "1a901a90-1a90-1a90-1a90-1a901a901a90"
FIXTURE_ACTIVITY_ID = "7d4f2c1e-8b3a-4e6f-9a10-2b5c8d7e6f01"
FIXTURE_API_LOG_ID = "5e0b9d3a-6c21-4f8e-b7a4-3d9e1c2f0a58"


def test_generated_activity_log_carries_the_requested_id(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers=BEARER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    record = response.json()["activity_log"]
    assert record["activity_id"] == "abc"
    assert record["activity_source"] in ("api", "front", "system")
    assert "@" in (record["user_email"] or "@")
    assert record["created_at"] <= record["logged_at"]
    assert_valid("lago", "get", "/activity_logs/abc", response)


def test_generated_api_log_has_object_bodies(client: httpx.Client) -> None:
    response = client.get("/api/v1/api_logs/req-1", headers=BEARER)
    assert response.status_code == 200
    record = response.json()["api_log"]
    assert record["request_id"] == "req-1"
    assert isinstance(record["request_body"], dict)
    assert record["http_method"] in ("post", "put", "delete")
    assert_valid("lago", "get", "/api_logs/req-1", response)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Token abc"},
                                     {"Authorization": "Basic dTpw"}, {"Authorization": "test-key"}])
def test_missing_or_malformed_bearer_gets_the_lago_401(client: httpx.Client, headers: dict) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.content == LAGO_401


def test_scheme_word_is_case_insensitive(client: httpx.Client) -> None:
    assert client.get("/api/v1/activity_logs/abc", headers={"Authorization": "bEaReR k"}).status_code == 200


def test_auth_comes_before_preferences(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers={"Prefer": "code=404"})
    assert (response.status_code, response.content) == (401, LAGO_401)


def test_prefer_code_404_gives_the_resource_specific_404(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Prefer": "code=404"})
    assert (response.status_code, response.content) == (404, ACTIVITY_404)
    response = client.get("/api/v1/api_logs/abc", headers={**BEARER, "Prefer": "code=404"})
    assert (response.status_code, response.content) == (404, API_LOG_404)


def test_query_fallback_for_clients_without_headers(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc?__code=404", headers=BEARER)
    assert (response.status_code, response.content) == (404, ACTIVITY_404)
    response = client.get("/api/v1/activity_logs/abc?__code=401", headers=BEARER)
    assert (response.status_code, response.content) == (401, LAGO_401)


def test_prefer_example_returns_the_docs_example_verbatim(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/whatever", headers={**BEARER, "Prefer": "example=example"})
    assert response.status_code == 200
    assert response.json()["activity_log"]["activity_id"] == DOCS_ACTIVITY_ID
    combined = client.get("/api/v1/activity_logs/x", headers={**BEARER, "Prefer": "code=404, example=example"})
    assert (combined.status_code, combined.content) == (404, ACTIVITY_404)
    by_query = client.get("/api/v1/activity_logs/x?__example=example", headers=BEARER)
    assert by_query.json() == response.json()


def test_undeclared_status_or_example_is_a_422_listing_what_is_declared(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Prefer": "code=418"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["operationId"] == "findActivityLog"
    assert problem["declared_statuses"] == [200, 401, 404]
    assert problem["declared_examples"]["200"] == ["example"]
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Prefer": "example=nope"})
    assert response.status_code == 422
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize("prefer", ["code=abc", "code=4040", "dynamic=maybe"])
def test_malformed_preference_is_a_422(client: httpx.Client, prefer: str) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Prefer": prefer})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_preferences_are_ignored(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Prefer": "return=minimal"})
    assert response.status_code == 200


def test_docs_example_id_resolves_to_the_docs_example(client: httpx.Client) -> None:
    response = client.get(f"/api/v1/activity_logs/{DOCS_ACTIVITY_ID}", headers=BEARER)
    example = client.get("/api/v1/activity_logs/x", headers={**BEARER, "Prefer": "example=example"})
    assert response.status_code == 200
    assert response.content == example.content


def test_fixture_record_is_served_exactly(client: httpx.Client) -> None:
    response = client.get(f"/api/v1/activity_logs/{FIXTURE_ACTIVITY_ID}", headers=BEARER)
    assert response.status_code == 200
    record = response.json()["activity_log"]
    assert record["user_email"] == "gilfoyle@piedpiper.test"
    assert record["activity_object_changes"] == {"amount_cents": [3900, 4900]}
    api_log = client.get(f"/api/v1/api_logs/{FIXTURE_API_LOG_ID}", headers=BEARER).json()["api_log"]
    assert api_log["request_body"]["customer"]["name"] == "Hooli XYZ"


def test_prefer_dynamic_generates_even_when_a_fixture_exists(client: httpx.Client) -> None:
    fixture = client.get(f"/api/v1/activity_logs/{FIXTURE_ACTIVITY_ID}", headers=BEARER).json()
    dynamic = client.get(f"/api/v1/activity_logs/{FIXTURE_ACTIVITY_ID}", headers={**BEARER, "Prefer": "dynamic=true"})
    assert dynamic.status_code == 200
    assert dynamic.json() != fixture
    assert dynamic.json()["activity_log"]["activity_id"] == FIXTURE_ACTIVITY_ID
    by_query = client.get(f"/api/v1/activity_logs/{FIXTURE_ACTIVITY_ID}?__dynamic=true", headers=BEARER)
    assert by_query.content == dynamic.content


def test_same_id_same_bytes_and_different_ids_differ(client: httpx.Client) -> None:
    first = client.get("/api/v1/activity_logs/same", headers=BEARER).content
    second = client.get("/api/v1/activity_logs/same", headers=BEARER).content
    other = client.get("/api/v1/activity_logs/other", headers=BEARER).content
    assert first == second
    assert json.loads(first)["activity_log"]["resource_id"] != json.loads(other)["activity_log"]["resource_id"]


@pytest.mark.parametrize("record_id", [f"id-{n}" for n in range(25)])
def test_every_generated_body_is_valid(client: httpx.Client, record_id: str) -> None:
    for path, template in (("activity_logs", "/activity_logs/{id}"), ("api_logs", "/api_logs/{id}")):
        response = client.get(f"/api/v1/{path}/{record_id}", headers=BEARER)
        assert response.status_code == 200
        assert_valid("lago", "get", template.replace("{id}", record_id), response)


def test_unsupported_accept_is_a_406(client: httpx.Client) -> None:
    response = client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Accept": "text/html"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/activity_logs/abc", headers={**BEARER, "Accept": "application/*"}).status_code == 200
