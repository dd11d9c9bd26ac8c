"""Issue 26, Lago: creating a customer delivers `customer.created` carrying that customer, and
its X-Lago-Signature verifies as Lago's documentation says, with `hmac` and with `jwt` (the jwt
through the public key fetched from the mock by the official SDK, `client.webhooks.public_key()`).

Served from tests/data/events/lago-customers-3.1.yaml: Lago's full public document is in no
registry package (tests/data/specs/SOURCES.md), so its customer endpoints and webhooks are
copied as its generated types spell them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest
from lago_python_client.client import Client
from lago_python_client.models import Customer
from openapi_schema_validator import OAS30Validator

from mockserver.normalize import normalize_documents
from tests.mockserver_process import REPO, start_server
from tests.webhook_receiver import Receiver

LAGO = REPO / "tests" / "data" / "events" / "lago-customers-3.1.yaml"
HMAC_KEY = "lago-hmac-key-of-the-organization"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_creating_a_customer_delivers_customer_created_signed_with_hmac_and_jwt(workers: str) -> None:
    """With two workers too: each signs with the key drawn from the seed, which either serves."""
    with Receiver((200,)) as by_hmac, Receiver((200,)) as by_jwt:
        server = start_server("--spec", str(LAGO), "--workers", workers)
        try:
            hooks = server.url + "/__mock/webhooks"
            assert httpx.post(hooks, json={"url": by_hmac.url, "secret": HMAC_KEY, "algorithm": "hmac",
                                           "events": ["customer_created"]}).status_code == 201
            assert httpx.post(hooks, json={"url": by_jwt.url, "events": ["customer_created"]}).status_code == 201
            client = Client(api_key="any-key", api_url=server.url)
            created = client.customers.create(Customer(external_id="cust_42", name="Ada Lovelace",
                                                       email="ada@example.com"))
            assert created.external_id == "cust_42"
            stored = httpx.get(server.url + "/api/v1/customers/cust_42",
                               headers={"authorization": "Bearer any-key"}).json()["customer"]
            public_key = client.webhooks.public_key()  # GET /api/v1/webhooks/json_public_key, base64-decoded
            as_text = httpx.get(server.url + "/api/v1/webhooks/public_key")
            (signed_hmac,) = by_hmac.wait_for(1)
            (signed_jwt,) = by_jwt.wait_for(1)
            time.sleep(0.3)
            assert len(by_hmac.received) == len(by_jwt.received) == 1  # delivered once: no retry of a 200
        finally:
            server.stop()
    assert as_text.status_code == 200 and base64.b64decode(as_text.text) == public_key
    assert public_key.startswith(b"-----BEGIN PUBLIC KEY-----")
    for request in (signed_hmac, signed_jwt):
        body = json.loads(request.body)
        assert body["webhook_type"] == "customer.created" and body["object_type"] == "customer"
        assert body["customer"] == stored and stored["name"] == "Ada Lovelace"
        assert request.headers["x-lago-unique-key"].startswith("msg_")
        _valid(body)
    # hmac: base64 of HMAC-SHA256 over the raw body, keyed with the organization's key
    assert signed_hmac.headers["x-lago-signature-algorithm"] == "hmac"
    expected = base64.b64encode(hmac.new(HMAC_KEY.encode(), signed_hmac.body, hashlib.sha256).digest()).decode()
    assert hmac.compare_digest(signed_hmac.headers["x-lago-signature"], expected)
    # jwt: RS256, issuer https://api.getlago.com, the body in the `data` claim
    assert signed_jwt.headers["x-lago-signature-algorithm"] == "jwt"
    claims = jwt.decode(signed_jwt.headers["x-lago-signature"], public_key, algorithms=["RS256"],
                        issuer="https://api.getlago.com")
    assert claims["data"] == signed_jwt.body.decode()


def _valid(payload: dict) -> None:
    document, _ = normalize_documents([LAGO])
    schema = document["x-webhooks"]["customer_created"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    root = {"allOf": [schema], "components": document["components"]}
    assert [e.message for e in OAS30Validator(root).iter_errors(payload)] == []
