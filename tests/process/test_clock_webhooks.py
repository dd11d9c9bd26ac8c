"""The session's clock and webhooks (issue 26, "Done when"): with the clock frozen, a webhook the
receiver answered with a 500 is retried when the clock is advanced past the retry's due time,
not before; the event carries the record's `updated_at` moved by exactly the advance; and the
signature still verifies with the Standard Webhooks library (signed by the wall clock, so a
receiver's replay window accepts it whatever the session's clock says)."""

from __future__ import annotations

import json
import time

import httpx
from standardwebhooks import Webhook

from tests.mockserver_process import REPO, start_server
from tests.webhook_receiver import Receiver

SHOP = REPO / "tests" / "data" / "events" / "shop-3.1.yaml"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
T = "2026-01-01T00:00:00Z"


def test_advancing_the_clock_fires_a_retry_and_moves_updated_at() -> None:
    with Receiver((200, 500, 200)) as receiver:
        server = start_server("--spec", str(SHOP), "--webhook-url", receiver.url, "--webhook-secret", SECRET)
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                assert client.put("/__mock/clock", json={"freeze": True, "set": T}).status_code == 200
                created = client.post("/v1/customers", json={"name": "Ada", "email": "ada@example.com"}).json()
                assert (created["created_at"], created["updated_at"]) == (T, T)
                receiver.wait_for(1)  # customer_created, answered 200
                assert client.put("/__mock/clock", json={"advance": "PT1H"}).status_code == 200
                updated = client.patch(f"/v1/customers/{created['id']}", json={"name": "Ada L."}).json()
                assert (updated["created_at"], updated["updated_at"]) == (T, "2026-01-01T01:00:00Z")
                receiver.wait_for(2)  # customer.updated, answered 500: its retry is due 0.5 s later by the clock
                time.sleep(1.5)  # three times that by the wall clock: the frozen clock holds the retry
                assert len(receiver.received) == 2
                assert client.put("/__mock/clock", json={"advance": 1}).status_code == 200
                _, failed, retried = receiver.wait_for(3)
            assert failed.body == retried.body
            assert json.loads(retried.body)["customer"] == updated
            Webhook(SECRET).verify(retried.body, retried.headers)  # raises unless the signature holds
        finally:
            server.stop()
        assert "Traceback" not in server.log()
