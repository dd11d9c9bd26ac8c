"""Writes to the public documents in tests/data/specs, to a served mock: every POST of Stripe's, sent
the smallest valid body (its required fields) with a credential, answers no 5xx and only 2xx
bodies that the document as published accepts; likewise GitHub's writes below a record whose
replies are another schema than the record's (a fork, a published codespace).

Such a write is an `action` on the record it sits below (contract/resources.py), and its reply
was made of the stored record's fields: a Stripe customer's `object: customer` in a
subscription (whose `object` is `subscription` alone), a codespace's minimal repository in a
reply that declares the full one. Each was a 500 (the mock's reply broke its own contract).
Now a reply that is another kind of object (its `object` takes none of the record's values) is
not the record at all, and one of another schema shows only the fields that schema takes.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

from tests.contract_check import body_violations
from tests.mockserver_process import REPO, start_server
from tests.probe import body_for, requests_for

SPECS = REPO / "tests" / "data" / "specs"


class Served:
    """A document as published and the mock serving it (a process, as a user starts it)."""

    def __init__(self, name: str) -> None:
        path = SPECS / name
        self.document: dict[str, Any] = json.loads(path.read_text())
        self.server = start_server("--spec", str(path), timeout=300)
        self.http = httpx.Client(base_url=self.server.url, timeout=30)

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        return self.http.request(method, path, headers=headers, content=body)

    def stop(self) -> None:
        self.http.close()
        self.server.stop()

    def post_all(self, only: set[str] | None = None) -> list[str]:
        """Every POST (those in `only`, where given): what is wrong with each reply."""
        wrong = []
        for template, concrete, credentials in requests_for(self.document, "post"):
            if only is not None and template not in only:
                continue
            headers, body = body_for(self.document, self.document["paths"][template]["post"])
            response = self.request("POST", concrete, {**credentials, **headers, "Accept": "application/json"},
                                         body)
            if response.status_code >= 500:
                wrong.append(f"{response.status_code} {template}: {response.text[:300]}")
            elif 200 <= response.status_code < 300:
                wrong += [f"{template} {response.status_code}: {problem}" for problem in body_violations(
                    self.document, "post", template, response.status_code, response.headers.get("content-type", ""),
                    response.content)[:2]]
        return wrong


@pytest.fixture(scope="module")
def github() -> Iterator[Served]:
    served = Served("github.json")
    yield served
    served.stop()


@pytest.fixture(scope="module")
def stripe() -> Iterator[Served]:
    served = Served("stripe.json")
    yield served
    served.stop()


def test_every_stripe_post_answers_a_valid_reply(stripe: Served) -> None:
    wrong = stripe.post_all()
    assert not wrong, f"{len(wrong)} of Stripe's POSTs:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path, kind", [("/v1/customers/cus_1/subscriptions", "subscription"),
                                        ("/v1/charges/ch_1/dispute", "dispute")])
def test_a_stripe_write_that_answers_another_object_does_not_answer_the_record(stripe: Served, path: str,
                                                                              kind: str) -> None:
    """A subscription is not the customer it was created for: not its id (resources._another_kind)."""
    headers = {"Authorization": "Bearer sk_test_123", "Content-Type": "application/x-www-form-urlencoded"}
    reply = stripe.request("POST", path, headers, b"").json()
    assert reply["object"] == kind
    assert reply["id"] != path.split("/")[3], reply


@pytest.mark.parametrize("template", ["/gists/{gist_id}/forks", "/user/codespaces/{codespace_name}/publish"])
def test_github_writes_below_a_record_answer_their_own_schema(github: Served, template: str) -> None:
    wrong = github.post_all({template})
    assert not wrong, "\n".join(wrong)
