"""Issue 21: resources inferred from real naming, in-process on a document written for each case
(tests/data/anydoc/resource-naming.yaml): Stripe's `{customer}` and its live/deleted `anyOf`,
GitHub's `{issue_number}`, `{team_slug}` and comments created under an issue, a list that only
looks like another resource's, a list envelope composed with `allOf`, and Kubernetes' `{name}`
(the object's `metadata.name`)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from mockserver.base.names import resource_key_candidates
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

DOC = REPO / "tests" / "data" / "anydoc" / "resource-naming.yaml"
BASE = "/naming"


@pytest.fixture()
def mock() -> InProcess:
    """Lists hold exactly what was stored (`--empty-collections`): these tests check which
    collection a created record lands in, not the generated records beside it (those:
    tests/unit/stages/test_generated_beside_created.py)."""
    return InProcess(DOC, empty_collections=True)


def call(mock: InProcess, method: str, path: str, json_body: Any = None, form: str | None = None) -> httpx.Response:
    headers, content = {}, None
    if json_body is not None:
        headers, content = {"content-type": "application/json"}, json.dumps(json_body).encode()
    if form is not None:
        headers, content = {"content-type": "application/x-www-form-urlencoded"}, form.encode()
    response = mock.request(method, BASE + path, headers, content)
    assert response.status_code < 500, response.text
    return response


@pytest.mark.parametrize("param, segment, fields", [
    ("customer", "customers", ["id"]),
    ("charge", "charges", ["id"]),
    ("issue_number", "issues", ["number"]),
    ("pull_number", "pulls", ["number"]),
    ("milestone_number", "milestones", ["number"]),
    ("team_slug", "teams", ["slug"]),
    ("issueNumber", "issues", ["number"]),
    ("owner", "repos", []),  # not named after the segment before it
    ("name", "templates", []),
    ("customer", "", []),
])
def test_a_parameter_named_after_its_resource_names_a_key_field(param: str, segment: str, fields: list[str]) -> None:
    assert resource_key_candidates(param, segment) == fields


def test_inferred_roles(mock: InProcess) -> None:
    def role(operation_id: str) -> dict[str, Any] | None:
        op = mock.engine.operation(BASE, operation_id)
        return None if op.resource is None else op.resource.describe()

    assert role("GetCustomersCustomer") is not None
    assert (role("GetCustomersCustomer")["resource"], role("GetCustomersCustomer")["id_field"]) == ("/v1/customers", "id")
    assert role("issues/get")["id_field"] == "number"
    assert role("teams/get-by-name")["id_field"] == "slug"
    comments = "/repos/{owner}/{repo}/issues/comments"
    assert [(role(op)["resource"], role(op)["role"]) for op in ("issues/create-comment", "issues/list-comments")] \
        == [(comments, "create"), (comments, "list")]
    assert role("listBookings")["items"] == ["data"]
    # the secrets' items have a `name`, as templates do, but the list is not below /gitignore/templates
    assert role("secrets/list-org-secrets") is None


def test_stripe_customer_round_trip_with_the_deleted_form(mock: InProcess) -> None:
    read = call(mock, "GET", "/v1/customers/cus_123").json()
    assert read["id"] == "cus_123" and "deleted" not in read and read["object"] == "customer"
    created = call(mock, "POST", "/v1/customers", form="email=ada%40example.com&name=Ada").json()
    assert (created["email"], created["name"], created["object"]) == ("ada@example.com", "Ada", "customer")
    assert re.fullmatch(r"[a-z0-9-]+", created["id"])  # server-assigned, URL-safe: SDKs quote ids their own way
    path = "/v1/customers/" + created["id"]
    assert call(mock, "GET", path).json() == created
    assert call(mock, "GET", "/v1/customers").json()["data"] == [created]
    updated = call(mock, "POST", path, form="name=Bea").json()
    assert updated == {**created, "name": "Bea"}
    assert call(mock, "GET", path).json() == updated
    assert call(mock, "DELETE", path).json() == {"id": created["id"], "object": "customer", "deleted": True}
    assert call(mock, "GET", path).json() == {"id": created["id"], "object": "customer", "deleted": True}
    assert call(mock, "GET", "/v1/customers").json()["data"] == []


def test_github_issues_and_their_comments_round_trip(mock: InProcess) -> None:
    assert call(mock, "GET", "/repos/o/r/issues/7").json()["number"] == 7
    issue = call(mock, "POST", "/repos/o/r/issues", {"title": "Bug", "body": "It breaks"})
    assert issue.status_code == 201
    issue = issue.json()
    assert (issue["number"], issue["title"], issue["body"]) == (1, "Bug", "It breaks")
    assert call(mock, "GET", "/repos/o/r/issues/1").json() == issue
    assert call(mock, "GET", "/repos/o/r/issues").json() == [issue]
    assert call(mock, "GET", "/repos/o/other/issues").json() == []  # another repository's issues
    assert call(mock, "PATCH", "/repos/o/r/issues/1", {"state": "open"}).json() == {**issue, "state": "open"}
    assert call(mock, "GET", "/repos/o/r/issues/1").json() == {**issue, "state": "open"}
    comment = call(mock, "POST", "/repos/o/r/issues/1/comments", {"body": "Me too"})
    assert comment.status_code == 201 and comment.json()["body"] == "Me too"
    assert call(mock, "GET", f"/repos/o/r/issues/comments/{comment.json()['id']}").json() == comment.json()
    assert call(mock, "GET", "/repos/o/r/issues/1/comments").json() == [comment.json()]


def test_github_teams_are_read_by_slug(mock: InProcess) -> None:
    assert call(mock, "GET", "/orgs/acme/teams/eng").json()["slug"] == "eng"
    team = call(mock, "POST", "/orgs/acme/teams", {"name": "Core"}).json()
    assert call(mock, "GET", "/orgs/acme/teams/" + team["slug"]).json() == team


def test_a_list_that_only_looks_like_a_resource_stays_its_own(mock: InProcess) -> None:
    before = call(mock, "GET", "/orgs/acme/secrets").json()
    stored = mock.request("PUT", "/__mock/records/getGitignoreTemplate/Python",
                          {"content-type": "application/json", "host": "127.0.0.1"},
                          json.dumps({"name": "Python", "source": "*.pyc"}).encode())
    assert stored.status_code in (200, 201, 204), stored.text
    assert call(mock, "GET", "/gitignore/templates/Python").json() == {"name": "Python", "source": "*.pyc"}
    assert call(mock, "GET", "/orgs/acme/secrets").json() == before  # not the stored template


def test_a_list_envelope_composed_with_allof_lists_created_records(mock: InProcess) -> None:
    created = call(mock, "POST", "/bookings", {"guest": "Ada", "nights": 2})
    assert created.status_code == 201
    booking = created.json()["data"]
    assert (booking["guest"], booking["nights"]) == ("Ada", 2)
    assert call(mock, "GET", "/bookings/" + booking["id"]).json() == {"data": booking}
    assert call(mock, "GET", "/bookings").json()["data"] == [booking]


def test_list_items_shaped_otherwise_than_the_record_are_generated_where_they_differ(mock: InProcess) -> None:
    pull = call(mock, "POST", "/repos/o/r/pulls", {"title": "Fix it"}).json()
    assert call(mock, "GET", f"/repos/o/r/pulls/{pull['number']}").json() == pull
    listed = call(mock, "GET", "/repos/o/r/pulls")
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()
    assert {key: item[key] for key in ("id", "number", "title")} == {key: pull[key] for key in ("id", "number", "title")}
    assert item["html_url"].startswith("http") and all("parent" in team for team in item["requested_teams"])


def test_kubernetes_objects_are_keyed_by_metadata_name(mock: InProcess) -> None:
    base = "/api/v1/namespaces/default/configmaps"
    assert call(mock, "GET", base + "/app-config").json()["metadata"]["name"] == "app-config"
    created = call(mock, "POST", base, {"metadata": {"name": "settings"}, "data": {"mode": "fast"}})
    assert created.status_code == 201
    assert (created.json()["metadata"], created.json()["data"]) == ({"name": "settings"}, {"mode": "fast"})
    assert call(mock, "GET", base + "/settings").json() == created.json()
    assert call(mock, "GET", base).json()["items"] == [created.json()]
    assert call(mock, "GET", "/api/v1/namespaces/other/configmaps").json()["items"] == []
    replaced = call(mock, "PUT", base + "/settings", {"metadata": {"name": "moved"}, "data": {"mode": "slow"}})
    assert replaced.json() == {**created.json(), "data": {"mode": "slow"}}  # the name is the key: it stays
    assert call(mock, "GET", base + "/settings").json()["data"] == {"mode": "slow"}
    deleted = call(mock, "DELETE", base + "/settings")
    assert deleted.status_code == 200 and "name" not in deleted.json().get("metadata", {})  # a Status, not the object
    assert call(mock, "GET", base + "/settings").status_code == 404


def test_a_parent_is_the_same_parameter_by_position_whatever_its_name(mock: InProcess) -> None:
    reversal = call(mock, "POST", "/v1/transfers/tr_1/reversals", form="amount=100").json()
    assert reversal["amount"] == 100
    assert call(mock, "GET", f"/v1/transfers/tr_1/reversals/{reversal['id']}").json() == reversal
    assert call(mock, "GET", "/v1/transfers/tr_1/reversals").json()["data"] == [reversal]
    assert call(mock, "GET", "/v1/transfers/tr_2/reversals").json()["data"] == []


def test_a_kubernetes_object_created_without_a_name_is_given_one(mock: InProcess) -> None:
    base = "/api/v1/namespaces/default/configmaps"
    created = call(mock, "POST", base, {"metadata": {"namespace": "default"}, "data": {"a": "1"}}).json()
    name = created["metadata"]["name"]
    assert re.fullmatch(r"[a-z0-9._~-]+", name) and created["metadata"]["namespace"] == "default"
    assert call(mock, "GET", f"{base}/{name}").json() == created

