"""events/webhooks.py and contract/webhooks.py in-process: which change fires which webhook, what
its payload holds, how it is signed, and what is not sent; subscribers across a reset."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook as Verifier

from mockserver.app import build_engine
from mockserver.base.config import ServeConfig
from mockserver.contract.webhooks import webhooks_of
from mockserver.events.deliver import Outgoing
from mockserver.events.webhooks import Events, UnknownWebhook
from mockserver.normalize import normalize_documents

SHOP = Path(__file__).resolve().parents[2] / "data" / "events" / "shop-3.1.yaml"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Captured:
    """A sender that keeps what it is handed instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, outgoing: Outgoing, record: Any, policy: Any = None, clock: Any = None) -> None:
        self.sent.append(outgoing)


@pytest.fixture(scope="module")
def engine():
    return build_engine(ServeConfig(specs=(SHOP,), quiet=True, webhook_urls=("http://127.0.0.1:9/startup",),
                                    webhook_secret=SECRET))


def _events(engine, document_change=None) -> tuple[Events, Captured]:
    captured = Captured()
    apis = engine.apis
    if document_change is not None:
        apis = [copy.copy(api) for api in apis]
        for api in apis:
            api.document = copy.deepcopy(api.document)
            document_change(api.document)
    generators = {api.name: type(engine.events.generators[api.name])(api.document, seed=0) for api in apis}
    return Events(apis, generators, captured, seed=0), captured


def _op(engine, operation_id: str):
    return next(op for op in engine.operations() if op.operation_id == operation_id)


def test_the_document_s_webhooks_are_read_with_their_nouns_actions_and_headers() -> None:
    document, warnings = normalize_documents([SHOP])
    assert warnings == []
    hooks = webhooks_of(document)
    assert {name: (h.method, h.noun, h.action, h.event_type) for name, h in hooks.items()} == {
        "customer_created": ("POST", "customer", "create", "customer.created"),
        "customer.updated": ("POST", "customer", "update", "customer.updated"),
        "customer_deleted": ("POST", "customer", "delete", "customer.deleted"),
        "shop_closed": ("POST", "shop", None, "shop.closed"),
    }
    assert [name for name, _ in hooks["customer_created"].headers] == ["X-Shop-Tenant"]


def test_a_create_fires_the_webhook_its_name_says_with_the_stored_record_signed(engine) -> None:
    events, captured = _events(engine)
    record = {"id": "c1", "name": "Ada", "email": "ada@example.com", "created_at": "2026-12-05T00:00:00Z",
              "updated_at": "2026-12-05T00:00:00Z"}
    events.changed(engine.state, _op(engine, "createCustomer"), "create", record, None)
    (outgoing,) = captured.sent
    assert (outgoing.method, outgoing.url, outgoing.name, outgoing.subscriber) == (
        "POST", "http://127.0.0.1:9/startup", "customer_created", "startup_1")
    assert json.loads(outgoing.body) == {"webhook_type": "customer.created", "object_type": "customer", "customer": record}
    headers = dict(outgoing.headers) | dict(outgoing.sign(outgoing, 1_800_000_000.0))
    assert headers["X-Shop-Tenant"] == "acme" and headers["webhook-id"] == outgoing.id
    assert headers["webhook-timestamp"] == "1800000000"
    moment = datetime.fromtimestamp(1_800_000_000, timezone.utc)
    assert Verifier(SECRET).sign(outgoing.id, moment, outgoing.body.decode()) == headers["webhook-signature"]


def test_an_operation_s_x_mock_webhook_names_what_inference_cannot(engine) -> None:
    def overlay(document: dict) -> None:
        document["paths"]["/customers/{customer_id}"]["patch"]["x-mock-webhook"] = "shop_closed"
    events, captured = _events(engine, overlay)
    events.changed(engine.state, _op(engine, "updateCustomer"), "update", {"id": "c1"}, None)
    (outgoing,) = captured.sent
    assert outgoing.name == "shop_closed" and json.loads(outgoing.body)["webhook_type"] == "shop.closed"


def test_a_payload_that_breaks_its_schema_is_recorded_not_sent(engine) -> None:
    events, captured = _events(engine)
    engine.state.reset()
    events.changed(engine.state, _op(engine, "createCustomer"), "create", {"id": 7}, None)  # id must be a string
    assert captured.sent == []
    (entry,) = engine.state.webhooks.attempts()
    assert entry["verdict"] == "not sent" and entry["name"] == "customer_created"
    assert any(v.startswith("/customer") for v in entry["violations"]), entry["violations"]


def test_fire_by_hand_and_an_unknown_name(engine) -> None:
    events, captured = _events(engine)
    assert len(events.fire(engine.state, "shop_closed")) == 1
    assert json.loads(captured.sent[0].body)["webhook_type"] == "shop.closed"
    with pytest.raises(UnknownWebhook):
        events.fire(engine.state, "nope")


def test_a_reset_removes_added_subscribers_and_keeps_the_start_up_ones(engine) -> None:
    webhooks = engine.state.webhooks
    added = webhooks.subscribe("http://127.0.0.1:9/added", SECRET, ("customer_created",))
    assert [s.id for s in webhooks.subscribers()] == ["startup_1", added.id]
    assert added.to_json() == {"id": added.id, "url": "http://127.0.0.1:9/added", "events": ["customer_created"]}
    engine.state.reset()
    assert [s.id for s in webhooks.subscribers()] == ["startup_1"] and webhooks.attempts() == []
    assert webhooks.unsubscribe("startup_1") is False  # a start-up subscriber stays


def test_a_3_1_webhook_that_refers_to_a_path_item_is_kept_with_it(tmp_path: Path) -> None:
    spec = tmp_path / "hooks.yaml"
    spec.write_text(json.dumps({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
        "webhooks": {"thing_created": {"$ref": "#/components/pathItems/ThingCreated"}},
        "components": {"pathItems": {"ThingCreated": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"type": ["object", "null"]}}}},
            "responses": {"200": {"description": "ok"}}}}}}}))
    document, _ = normalize_documents([spec])
    assert "pathItems" not in document.get("components", {})
    schema = document["x-webhooks"]["thing_created"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"type": "object", "nullable": True}  # converted to 3.0 like the paths' schemas


@pytest.mark.parametrize("declared", [
    ["not", "a", "map"], {"a": "text"}, {"b": {"$ref": "#/nowhere"}}, {"c": {"post": {"parameters": 5}}},
    {"d": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}}},
])
def test_an_authors_own_x_webhooks_of_any_shape_is_never_fatal(declared: Any) -> None:
    found = webhooks_of({"openapi": "3.0.3", "x-webhooks": declared, "paths": {}})
    assert list(found) == (["d"] if isinstance(declared, dict) and "d" in declared else [])


def test_a_failure_while_firing_never_turns_an_acknowledged_write_into_a_500(caplog: pytest.LogCaptureFixture) -> None:
    from tests.inprocess import InProcess

    mock = InProcess(SHOP, webhook_urls=("http://127.0.0.1:9/startup",), webhook_secret=SECRET)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")
    mock.engine.events.changed = broken
    with caplog.at_level("WARNING", logger="mockserver"):
        made = mock.request("POST", "/v1/customers", {"content-type": "application/json"},
                            b'{"name": "Ada", "email": "ada@example.com"}')
    assert made.status_code == 201
    assert mock.get(f"/v1/customers/{made.json()['id']}").json() == made.json()
    assert "createCustomer: webhooks not sent: RuntimeError: boom" in caplog.text
