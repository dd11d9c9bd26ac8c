"""Issue 26: webhooks a 3.1 document declares, sent to a real receiver when the mock's state changes.

A receiver (tests/webhook_receiver.py) runs in a thread of the test; the mock runs as a user
runs it. Creating, updating and deleting a customer delivers `customer_created`,
`customer.updated` and `customer_deleted` with the STORED record, signed so that the Standard
Webhooks library verifies them; a receiver's 500 gets a retry and the deliveries log shows both
attempts; subscribers added through the control API are seen by every worker.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from openapi_schema_validator import OAS30Validator
from standardwebhooks import Webhook

from mockserver.normalize import normalize_documents
from tests.mockserver_process import REPO, RunningServer, run_cli, start_server
from tests.webhook_receiver import Receiver

SHOP = REPO / "tests" / "data" / "events" / "shop-3.1.yaml"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BASE = "/v1"


def _valid(schema_name: str, payload: dict) -> None:
    """The payload is valid against the document's own schema (as normalized, 3.0)."""
    document, _ = normalize_documents([SHOP])
    root = {"allOf": [{"$ref": f"#/components/schemas/{schema_name}"}], "components": document["components"]}
    errors = [e.message for e in OAS30Validator(root).iter_errors(payload)]
    assert errors == []


def _deliveries(server: RunningServer, count: int, session: str | None = None) -> list[dict]:
    headers = {"x-mock-session": session} if session else {}
    deadline = time.monotonic() + 20
    while True:
        found = httpx.get(server.url + "/__mock/webhooks/deliveries", headers=headers).json()["deliveries"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver((200,)) as running:
        yield running


def test_create_update_delete_deliver_the_stored_record_signed_for_standard_webhooks(receiver: Receiver) -> None:
    server = start_server("--spec", str(SHOP), "--webhook-url", receiver.url, "--webhook-secret", SECRET)
    try:
        assert f"Webhooks: {receiver.url}  (secret: --webhook-secret)" in server.banner
        created = httpx.post(server.url + BASE + "/customers", json={"name": "Ada", "email": "ada@example.com"})
        assert created.status_code == 201, created.text
        customer = created.json()
        updated = httpx.patch(server.url + BASE + f"/customers/{customer['id']}", json={"name": "Ada L."})
        assert updated.status_code == 200
        deleted = httpx.delete(server.url + BASE + f"/customers/{customer['id']}")
        assert deleted.status_code == 200
        got = receiver.wait_for(3)
        assert httpx.get(server.url + BASE + f"/customers/{customer['id']}").status_code == 404
    finally:
        server.stop()
    bodies = [json.loads(r.body) for r in got]
    # the order of three deliveries from a pool of senders is not promised: sort by event
    by_type = {body["webhook_type"]: (request, body) for request, body in zip(got, bodies)}
    assert sorted(by_type) == ["customer.created", "customer.deleted", "customer.updated"]
    request, body = by_type["customer.created"]
    assert body == {"webhook_type": "customer.created", "object_type": "customer", "customer": customer}
    assert request.headers["x-shop-tenant"] == "acme"  # a header parameter the webhook declares
    assert request.headers["content-type"] == "application/json" and request.path == "/hooks"
    assert by_type["customer.updated"][1]["customer"] == updated.json()
    assert by_type["customer.deleted"][1]["customer"] == updated.json()
    for request, body in by_type.values():
        assert Webhook(SECRET).verify(request.body, request.headers) == body
        _valid("CustomerEvent", body)
    assert len({r.headers["webhook-id"] for r in got}) == 3


def test_a_500_is_retried_and_the_deliveries_log_shows_both_attempts() -> None:
    with Receiver((500, 200)) as receiver:
        server = start_server("--spec", str(SHOP), "--webhook-url", receiver.url)
        try:
            secret = server.banner.split("(secret: ", 1)[1].split(")", 1)[0]
            assert secret.startswith("whsec_")
            fired = httpx.post(server.url + "/__mock/webhooks/fire", json={"name": "shop_closed"})
            assert fired.status_code == 202 and fired.json()["name"] == "shop_closed"
            first, second = receiver.wait_for(2)
            attempts = _deliveries(server, 2)
        finally:
            server.stop()
    assert first.body == second.body and first.headers["webhook-id"] == second.headers["webhook-id"]
    assert json.loads(second.body)["webhook_type"] == "shop.closed"
    Webhook(secret).verify(second.body, second.headers)
    assert [(a["attempt"], a["of"], a["response"]["status"], a["verdict"], a["retry"]) for a in attempts] == [
        (1, 3, 500, "failed", True), (2, 3, 200, "delivered", False)]
    assert attempts[0]["response"]["body"] == '{"error": "receiver says no"}'
    # the receiver's reply checked against the webhook's declared responses (shop_closed: 200)
    assert [a["response"]["declared"] for a in attempts] == [False, True]
    assert attempts[0]["request"]["url"] == receiver.url and attempts[0]["name"] == "shop_closed"
    assert [a["delivery"] for a in attempts] == [fired.json()["deliveries"][0]] * 2


def test_subscribers_through_the_control_api_per_session_and_across_workers(receiver: Receiver) -> None:
    server = start_server("--spec", str(SHOP), "--workers", "2")
    try:
        mock = server.url + "/__mock/webhooks"
        session = {"x-mock-session": "hooks"}
        added = httpx.post(mock, json={"url": receiver.url, "events": ["customer_created"], "secret": SECRET},
                           headers=session)
        assert added.status_code == 201
        subscriber = added.json()
        assert subscriber == {"id": subscriber["id"], "url": receiver.url, "events": ["customer_created"]}
        assert httpx.get(mock).json()["subscribers"] == []  # the default session has none
        # every worker knows the subscriber: several new connections land on both workers
        for n in range(6):
            with httpx.Client() as client:
                made = client.post(server.url + BASE + "/customers", json={"name": f"C{n}", "email": f"c{n}@example.com"},
                                   headers=session)
                assert made.status_code == 201
        got = receiver.wait_for(6)
        assert sorted(json.loads(r.body)["customer"]["name"] for r in got) == [f"C{n}" for n in range(6)]
        for request in got:
            Webhook(SECRET).verify(request.body, request.headers)
        listed = httpx.get(mock, headers=session).json()
        assert listed["subscribers"] == [subscriber]
        assert listed["webhooks"] == ["customer.updated", "customer_created", "customer_deleted", "shop_closed"]
        assert httpx.delete(mock + "/" + subscriber["id"], headers=session).status_code == 204
        assert httpx.get(mock, headers=session).json()["subscribers"] == []
        assert len(_deliveries(server, 6, "hooks")) == 6
    finally:
        server.stop()


@pytest.mark.parametrize(("body", "detail"), [
    ({"url": "ftp://127.0.0.1/x"}, "url must be an http(s) URL"),
    ({"url": "http://127.0.0.1:9/h", "events": ["nope"]}, "no webhook nope"),
    ({"url": "http://127.0.0.1:9/h", "secret": "whsec_%%%"}, "whsec_ must be followed by base64"),
    ({"url": "http://127.0.0.1:9/h", "colour": "red"}, "unknown fields: colour"),
    ([1], "expected an object"),
])
def test_a_bad_subscriber_is_a_422_problem(body: object, detail: str) -> None:
    server = start_server("--spec", str(SHOP), "--max-webhooks", "1")
    try:
        answer = httpx.post(server.url + "/__mock/webhooks", json=body)
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
        assert detail in answer.json()["detail"]
        ok = httpx.post(server.url + "/__mock/webhooks", json={"url": "http://127.0.0.1:9/h"})
        assert ok.status_code == 201
        full = httpx.post(server.url + "/__mock/webhooks", json={"url": "http://127.0.0.1:9/h"})
        assert full.status_code == 422 and "--max-webhooks" in full.json()["detail"]
        unknown = httpx.post(server.url + "/__mock/webhooks/fire", json={"name": "nope"})
        assert unknown.status_code == 404 and "shop_closed" in unknown.json()["detail"]
        assert "Traceback" not in server.log()
    finally:
        server.stop()


@pytest.mark.parametrize(("flags", "said"), [
    (("--webhook-url", "ftp://127.0.0.1/hooks"), "expected an http(s) URL"),
    (("--webhook-secret", "not-a-secret"), "expected a Standard Webhooks secret"),
    (("--max-webhooks", "0"), "expected a positive whole number"),
])
def test_a_bad_webhook_flag_stops_the_start_with_exit_2_and_says_why(flags: tuple[str, ...], said: str) -> None:
    done = run_cli("serve", "--spec", str(SHOP), *flags)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert said in lines[-1] and "Traceback" not in done.stderr


def test_a_mock_subscribed_to_itself_does_not_loop() -> None:
    """A delivery says `User-Agent: mockserver-webhooks`; the create it makes on this mock fires nothing."""
    server = start_server("--spec", str(SHOP))
    try:
        own = server.url + BASE + "/customers"
        assert httpx.post(server.url + "/__mock/webhooks", json={"url": own, "events": ["customer_created"]}).status_code == 201
        assert httpx.post(own, json={"name": "Ada", "email": "ada@example.com"}).status_code == 201
        (first,) = _deliveries(server, 1)
        assert first["verdict"] == "delivered" and first["response"]["status"] == 201
        assert first["request"]["headers"]["User-Agent"] == "mockserver-webhooks"
        time.sleep(1)  # a loop would have sent its next delivery by now
        assert len(httpx.get(server.url + "/__mock/webhooks/deliveries").json()["deliveries"]) == 1
        posts = httpx.get(server.url + "/__mock/requests", params={"operationId": "createCustomer"}).json()["requests"]
        assert [r["headers"].get("user-agent", "").startswith("mockserver-webhooks") for r in posts] == [False, True]
    finally:
        server.stop()


def test_firing_by_hand_with_a_record_that_breaks_the_payload_schema_is_a_422(receiver: Receiver) -> None:
    server = start_server("--spec", str(SHOP), "--webhook-url", receiver.url)
    try:
        fire = server.url + "/__mock/webhooks/fire"
        bad = httpx.post(fire, json={"name": "customer_created", "record": {"id": 7}})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["detail"].startswith("the record makes customer_created's payload break its schema: /customer")
        assert bad.json()["violations"] and httpx.get(server.url + "/__mock/webhooks/deliveries").json()["deliveries"] == []
        record = {"id": "c9", "name": "Grace", "email": "grace@example.com", "created_at": "2026-12-05T00:00:00Z",
                  "updated_at": "2026-12-05T00:00:00Z"}
        good = httpx.post(fire, json={"name": "customer_created", "record": record})
        assert good.status_code == 202 and len(good.json()["deliveries"]) == 1
        (got,) = receiver.wait_for(1)
    finally:
        server.stop()
    assert json.loads(got.body) == {"webhook_type": "customer.created", "object_type": "customer", "customer": record}


def test_drills_duplicate_reorder_and_drop_deliveries() -> None:
    with Receiver((200,)) as twice, Receiver((200,)) as shuffled, Receiver((200,)) as never:
        server = start_server("--spec", str(SHOP))
        try:
            hooks = server.url + "/__mock/webhooks"
            for receiver, drill in ((twice, {"duplicate": True}), (shuffled, {"reorder": True}), (never, {"drop": True})):
                added = httpx.post(hooks, json={"url": receiver.url, "secret": SECRET, "drill": drill})
                assert added.status_code == 201 and added.json()["drill"] == drill
            fire = server.url + "/__mock/webhooks/fire"
            first = httpx.post(fire, json={"name": "shop_closed"}).json()["deliveries"]
            second = httpx.post(fire, json={"name": "shop_closed"}).json()["deliveries"]
            dropped = [a for a in httpx.get(hooks + "/deliveries").json()["deliveries"] if a["verdict"] == "dropped (drill)"]
            assert [a["delivery"] for a in dropped] == [first[2], second[2]] and never.received == []
            a, b, c, d = twice.wait_for(4)
            one, two = shuffled.wait_for(2)
            bad = httpx.post(hooks, json={"url": twice.url, "drill": {"delay_ms": -1}})
        finally:
            server.stop()
    # duplicate: each event arrives twice with the same id, both verifiable (receivers deduplicate by it)
    ids = [r.headers["webhook-id"] for r in (a, b, c, d)]
    assert sorted(ids) == sorted([first[0], first[0], second[0], second[0]])
    for request in (a, b, c, d):
        Webhook(SECRET).verify(request.body, request.headers)
    # reorder: the first event is held back, the second overtakes it
    assert [one.headers["webhook-id"], two.headers["webhook-id"]] == [second[1], first[1]]
    assert never.received == []
    assert bad.status_code == 422 and "drill.delay_ms" in bad.json()["detail"]


def test_the_banner_says_how_many_webhooks_are_declared_and_the_drawn_secret() -> None:
    server = start_server("--spec", str(SHOP), "--seed", "7")
    try:
        line = next(line for line in server.banner.splitlines() if line.startswith("Webhooks: "))
    finally:
        server.stop()
    secret = line.rsplit("secret: ", 1)[1].rstrip(")")
    assert line == f"Webhooks: 4 declared, no subscriber yet (--webhook-url URL or POST /__mock/webhooks; secret: {secret})"
    Webhook(secret)  # a Standard Webhooks secret
    assert secret.startswith("whsec_")
