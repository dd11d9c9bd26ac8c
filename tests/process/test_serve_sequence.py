"""Sequence through the real server: basic auth from a header parameter, empty declared errors."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import BASIC, BEARER
from tests.contract_check import assert_valid

FIXTURE_ID = "3f1c9a7e-0d2b-4c58-8e6f-a1b2c3d4e5f6"
DOCS_ID = "aa0e8400-e29b-41d4-a716-446655440005"


def test_basic_credentials_get_a_record_with_the_requested_id(client: httpx.Client) -> None:
    response = client.get("/activity-logs/abc", headers=BASIC)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["id"] == "abc"
    assert body["activityLogItems"], "an activity log has at least one item"
    assert_valid("sequence", "get", "/activity-logs/abc", response)


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Basic"},
    {"Authorization": "Basic not-base64!"},
    {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    BEARER,
])
def test_missing_or_malformed_basic_gets_the_declared_empty_401(client: httpx.Client, headers: dict) -> None:
    response = client.get("/activity-logs/abc", headers=headers)
    assert response.status_code == 401
    assert response.content == b""
    assert "content-type" not in response.headers


def test_invalid_version_header_gets_the_declared_400(client: httpx.Client) -> None:
    response = client.get("/activity-logs/abc", headers={**BASIC, "sequence-version": "1999-01-01"})
    assert response.status_code == 400
    assert response.content == b""
    assert "sequence-version" in response.headers["x-mock-problem"]
    ok = client.get("/activity-logs/abc", headers={**BASIC, "sequence-version": "2024-07-30"})
    assert ok.status_code == 200


def test_auth_is_checked_before_request_validation(client: httpx.Client) -> None:
    response = client.get("/activity-logs/abc", headers={"sequence-version": "1999-01-01"})
    assert response.status_code == 401


def test_declared_500_on_demand(client: httpx.Client) -> None:
    response = client.get("/activity-logs/abc", headers={**BASIC, "Prefer": "code=500"})
    assert (response.status_code, response.content) == (500, b"")


def test_no_404_is_declared_so_it_cannot_be_preferred(client: httpx.Client) -> None:
    response = client.get("/activity-logs/abc", headers={**BASIC, "Prefer": "code=404"})
    assert response.status_code == 422
    assert response.json()["declared_statuses"] == [200, 400, 401, 500]


def test_fixture_and_docs_example_ids_resolve(client: httpx.Client) -> None:
    fixture = client.get(f"/activity-logs/{FIXTURE_ID}", headers=BASIC).json()
    assert fixture["activityLogItems"][0]["name"] == "Billing Schedule Updated"
    docs = client.get(f"/activity-logs/{DOCS_ID}", headers=BASIC).json()
    assert docs["activityLogItems"][0]["activityLogActor"]["email"] == "john.doe@sequencehq.com"


@pytest.mark.parametrize("record_id", [f"seq-{n}" for n in range(25)])
def test_every_generated_body_is_valid(client: httpx.Client, record_id: str) -> None:
    response = client.get(f"/activity-logs/{record_id}", headers=BASIC)
    assert response.status_code == 200
    assert response.json()["id"] == record_id
    assert_valid("sequence", "get", f"/activity-logs/{record_id}", response)
