"""Issue 21: the published Stripe and GitHub documents (tests/data/specs/) as working fakes,
through the real server. The official Stripe Python SDK runs a customer's create -> retrieve ->
list -> update -> delete -> retrieve; GitHub's issues, pull requests, milestones and issue
comments round-trip create -> read -> list with the `Accept` GitHub's clients send; a Kubernetes
config map, keyed by its `metadata.name`, create -> read -> list -> replace.

The small document each cause was fixed on is tests/data/anydoc/resource-naming.yaml
(tests/unit/contract/test_resource_naming.py); these check the same on the real documents.
"""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest
import stripe

from tests.mockserver_process import REPO, RunningServer, start_server

SPECS = REPO / "tests" / "data" / "specs"
GITHUB = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def _serve(document: str) -> Iterator[RunningServer]:
    running = start_server("--spec", str(SPECS / document), timeout=300)
    yield running
    running.stop()


def _clean(server: RunningServer) -> None:
    """Every reply was valid against the contract and nothing raised."""
    log = server.log()
    assert "contract violation" not in log and "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[RunningServer]:
    yield from _serve("stripe.json")


@pytest.fixture(scope="module")
def github_server() -> Iterator[RunningServer]:
    yield from _serve("github.json")


@pytest.fixture(scope="module")
def kubernetes_server() -> Iterator[RunningServer]:
    yield from _serve("kubernetes.json")


def test_stripe_sdk_customer_round_trip(stripe_server: RunningServer) -> None:
    client = stripe.StripeClient("sk_test_mock", base_addresses={"api": stripe_server.url}, max_network_retries=0)
    customers = client.v1.customers
    assert customers.retrieve("cus_FromTheUrl").id == "cus_FromTheUrl"  # an unknown id is generated, with that id

    created = customers.create(params={"email": "ada@example.com", "name": "Ada Lovelace", "metadata": {"team": "core"}})
    assert (created.object, created.email, created.name, created.metadata.to_dict()) \
        == ("customer", "ada@example.com", "Ada Lovelace", {"team": "core"})
    assert customers.retrieve(created.id).to_dict() == created.to_dict()
    assert created.id in [customer.id for customer in customers.list().data]

    updated = customers.update(created.id, params={"name": "Ada King"})
    assert updated.to_dict() == {**created.to_dict(), "name": "Ada King"}
    assert customers.retrieve(created.id).name == "Ada King"

    deleted = customers.delete(created.id)
    assert (deleted.id, deleted.deleted) == (created.id, True)
    gone = customers.retrieve(created.id)  # Stripe answers what is left of a deleted customer
    assert gone.to_dict() == {"id": created.id, "object": "customer", "deleted": True}
    assert created.id not in [customer.id for customer in customers.list().data]
    _clean(stripe_server)


def _sent(client: httpx.Client, method: str, path: str, body: dict[str, Any] | None = None,
          status: int = 200) -> Any:
    response = client.request(method, path, json=body)
    assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text[:500]}"
    return response.json()


@pytest.mark.parametrize("collection, body, key", [
    ("issues", {"title": "Found a bug", "body": "It breaks on Tuesdays"}, "number"),
    ("pulls", {"title": "Fix Tuesdays", "head": "fix-tuesdays", "base": "main"}, "number"),
    ("milestones", {"title": "v1.0", "description": "The first release"}, "number"),
])
def test_github_create_read_list(github_server: RunningServer, collection: str, body: dict[str, str],
                                 key: str) -> None:
    base = "/repos/octo-org/hello-world/" + collection
    with httpx.Client(base_url=github_server.url, headers=GITHUB, timeout=60) as client:
        assert _sent(client, "GET", f"{base}/1347")[key] == 1347  # the URL's number, on a record never created
        before = _sent(client, "GET", base + "?per_page=100")
        other = _sent(client, "GET", "/repos/octo-org/another-repo/" + collection + "?per_page=100")
        assert before and other and before != other  # each repository its own generated records
        created = _sent(client, "POST", base, body, status=201)
        assert created["title"] == body["title"]
        assert _sent(client, "GET", f"{base}/{created[key]}") == created
        listed = _sent(client, "GET", base + "?per_page=100", None)  # the created one first, the generated ones after
        assert [item[key] for item in listed] == [created[key], *(i[key] for i in before if i[key] != created[key])]
        assert listed[0]["title"] == body["title"]
        assert _sent(client, "GET", "/repos/octo-org/another-repo/" + collection + "?per_page=100") == other
    _clean(github_server)


def test_github_issue_comments_round_trip(github_server: RunningServer) -> None:
    repo = "/repos/octo-org/comments-repo"
    with httpx.Client(base_url=github_server.url, headers=GITHUB, timeout=60) as client:
        issue = _sent(client, "POST", repo + "/issues", {"title": "Discuss"}, status=201)
        comment = _sent(client, "POST", f"{repo}/issues/{issue['number']}/comments", {"body": "Me too"}, status=201)
        assert comment["body"] == "Me too"
        assert _sent(client, "GET", f"{repo}/issues/comments/{comment['id']}") == comment
        on_issue = [item["id"] for item in _sent(client, "GET", f"{repo}/issues/{issue['number']}/comments")]
        assert on_issue[0] == comment["id"] and on_issue.count(comment["id"]) == 1  # then generated comments
        in_repo = [item["id"] for item in _sent(client, "GET", f"{repo}/issues/comments")]
        assert in_repo[0] == comment["id"] and in_repo.count(comment["id"]) == 1
    _clean(github_server)


def test_kubernetes_config_map_round_trip(kubernetes_server: RunningServer) -> None:
    base = "/api/v1/namespaces/default/configmaps"
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "fast"}}
    with httpx.Client(base_url=kubernetes_server.url, headers={"Authorization": "Bearer k"}, timeout=60) as client:
        assert _sent(client, "GET", base + "/app-config")["metadata"]["name"] == "app-config"
        before = [item["metadata"]["name"] for item in _sent(client, "GET", base + "?limit=100")["items"]]
        other = _sent(client, "GET", "/api/v1/namespaces/other/configmaps?limit=100")["items"]
        created = _sent(client, "POST", base, config)
        assert (created["metadata"]["name"], created["data"]) == ("settings", {"mode": "fast"})
        assert _sent(client, "GET", base + "/settings") == created
        assert [item["metadata"]["name"] for item in _sent(client, "GET", base + "?limit=100")["items"]] == \
            ["settings", *(name for name in before if name != "settings")]
        assert _sent(client, "GET", "/api/v1/namespaces/other/configmaps?limit=100")["items"] == other  # its own
        replaced = _sent(client, "PUT", base + "/settings", {**config, "data": {"mode": "slow"}})
        assert replaced == {**created, "data": {"mode": "slow"}}
        assert _sent(client, "GET", base + "/settings") == replaced
    _clean(kubernetes_server)

