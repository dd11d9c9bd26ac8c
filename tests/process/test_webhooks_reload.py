"""Issue 26 with --reload: a save of the document keeps the subscribers whose webhooks are still
declared, drops (and names) the others, and the kept ones still get the events."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.process.test_webhooks import SHOP
from tests.webhook_receiver import Receiver


def test_reload_keeps_the_subscribers_that_still_fit(launch, tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    original = SHOP.read_text()
    spec.write_text(original)
    with Receiver((200,)) as receiver:
        server = launch("--reload", "--spec", str(spec))
        hooks = server.url + "/__mock/webhooks"
        assert httpx.post(hooks, json={"url": receiver.url, "events": ["customer_created"]}).status_code == 201
        assert httpx.post(hooks, json={"url": "http://127.0.0.1:9/gone", "events": ["shop_closed"]}).status_code == 201
        edited = original.replace("  shop_closed:\n", "  shop_shut:\n")
        assert edited != original
        spec.write_text(edited)
        log = server.wait_for_log("reload kept", timeout=15)
        assert ("reload kept 1 runtime change(s); dropped what no longer fits: "
                "webhook subscriber http://127.0.0.1:9/gone (shop_closed no longer declared)") in log
        assert [s["url"] for s in httpx.get(hooks).json()["subscribers"]] == [receiver.url]
        made = httpx.post(server.url + "/v1/customers", json={"name": "Ada", "email": "ada@example.com"})
        assert made.status_code == 201
        (got,) = receiver.wait_for(1)
    assert json.loads(got.body)["customer"] == made.json()
