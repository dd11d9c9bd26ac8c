"""OpenAPI callbacks with a real receiver (an HTTP server of the test's): after `POST
/subscriptions {callbackUrl}`, the mock calls the URL the runtime expression names, with the
method, headers and body the document declares, the body carrying the subscription just made;
a URL built from a query parameter and the reply's id gets its own callback; a URL that names
nothing is a warning, never a 500; and a retry is due by the session's clock, so it fires when
the clock is advanced past its due time, not before."""

from __future__ import annotations

import json
import time
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server
from tests.webhook_receiver import Receiver

SPEC = REPO / "tests" / "data" / "events" / "subscriptions-callbacks.yaml"
T = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_server("--spec", str(SPEC))
    yield running
    running.stop()
    assert "Traceback" not in running.log()


def test_a_callback_arrives_as_the_document_declares(server: RunningServer) -> None:
    with Receiver((204,)) as receiver, httpx.Client(base_url=server.url, timeout=30) as client:
        made = client.post("/subscriptions", json={"callbackUrl": receiver.url + "/events", "topic": "invoices"})
        assert made.status_code == 201, made.text
        subscription = made.json()
        (event,) = receiver.wait_for(1)
        assert (event.method, event.path) == ("POST", "/hooks/events")
        assert event.headers["content-type"] == "application/json"
        assert event.headers["x-event-kind"] == "subscription.created"  # its schema's one value
        body = json.loads(event.body)
        assert body["event"] == "subscription.created"
        assert body["subscription"] == subscription  # the record the client was answered with
        assert body["id"] == subscription["id"]  # a property named like a field of the record


def test_query_path_and_reply_values_build_the_url(server: RunningServer) -> None:
    with Receiver((204,)) as events, Receiver((200,)) as audit, httpx.Client(base_url=server.url, timeout=30) as client:
        port = urlsplit(audit.url).port
        made = client.post(f"/subscriptions?auditPort={port}", json={"callbackUrl": events.url, "topic": "t"})
        assert made.status_code == 201, made.text
        (noted,) = audit.wait_for(1)
        assert (noted.method, noted.path) == ("PUT", f"/audit/{made.json()['id']}?by=POST")
        assert json.loads(noted.body) == {"id": made.json()["id"], "topic": "t"}
        events.wait_for(1)


def test_a_url_that_names_nothing_is_a_warning_never_a_500(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        made = client.post("/subscriptions", json={"callbackUrl": "ftp://example.test/x", "topic": "t"})
        assert made.status_code == 201, made.text
        deadline = time.monotonic() + 20
        while "is not an http(s) URL" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "callback createSubscription.subscriptionEvent: the callback URL 'ftp://example.test/x' is not an " \
               "http(s) URL" in server.log()


def test_advancing_the_clock_fires_a_scheduled_retry(server: RunningServer) -> None:
    headers = {"x-mock-session": "retry"}
    with Receiver((500, 204)) as receiver, httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        assert client.put("/__mock/clock", json={"freeze": True, "set": T}).status_code == 200
        assert client.post("/subscriptions", json={"callbackUrl": receiver.url, "topic": "t"}).status_code == 201
        receiver.wait_for(1)  # answered 500: the retry is due 0.5 s later by the session's clock
        time.sleep(1.5)  # three times that by the wall clock: the frozen clock holds it
        assert len(receiver.received) == 1
        assert client.put("/__mock/clock", json={"advance": 1}).status_code == 200
        first, second = receiver.wait_for(2)
        assert first.body == second.body and json.loads(second.body)["subscription"]["created_at"] == T


def test_across_workers_each_create_calls_back_once() -> None:
    server = start_server("--workers", "2", "--spec", str(SPEC))
    try:
        with Receiver((204,)) as receiver:
            made = []
            for _ in range(6):
                with httpx.Client(base_url=server.url, timeout=30) as fresh:  # a new connection: either worker
                    made.append(fresh.post("/subscriptions", json={"callbackUrl": receiver.url, "topic": "t"}).json())
            events = receiver.wait_for(6)
            time.sleep(0.5)  # room for a duplicate to show up, were one sent
            assert len(receiver.received) == 6
        assert sorted(json.loads(e.body)["id"] for e in events) == sorted(m["id"] for m in made)
        deadline = time.monotonic() + 20
        while True:
            log = httpx.get(server.url + "/__mock/webhooks/deliveries").json()["deliveries"]
            sent = [a for a in log if a["name"] == "createSubscription.subscriptionEvent"]
            if len(sent) >= 6 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len({a["delivery"] for a in sent}) == 6 and {a["contract"] for a in sent} == {"declared"}
    finally:
        server.stop()
    assert "Traceback" not in server.log()
