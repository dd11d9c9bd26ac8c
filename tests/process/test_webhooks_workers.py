"""Issue 26 with --workers: a subscriber is state kept by the shared store, so workers started
after it was added (a crashed worker's replacement restores from the store) know it too."""

from __future__ import annotations

import json
import os
import signal
import time

import httpx
from standardwebhooks import Webhook

from tests.mockserver_process import start_server
from tests.process.test_webhooks import SECRET, SHOP
from tests.process.test_worker_crash import children_of, wait_for_workers
from tests.webhook_receiver import Receiver


def test_workers_that_replace_crashed_ones_restore_the_subscribers() -> None:
    with Receiver((200,)) as receiver:
        server = start_server("--spec", str(SHOP), "--workers", "2")
        try:
            session = {"x-mock-session": "crashy"}
            added = httpx.post(server.url + "/__mock/webhooks", json={"url": receiver.url, "secret": SECRET},
                               headers=session)
            assert added.status_code == 201
            for pid in sorted(wait_for_workers(server, 2)):  # every worker that saw it added is killed
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 30
                while pid in children_of(server.process.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert pid not in wait_for_workers(server, 2)
            for n in range(4):  # new connections: both replacements answer some
                with httpx.Client() as client:
                    made = client.post(server.url + "/v1/customers", json={"name": f"R{n}", "email": f"r{n}@example.com"},
                                       headers=session)
                    assert made.status_code == 201
            got = receiver.wait_for(4)
            listed = httpx.get(server.url + "/__mock/webhooks", headers=session).json()["subscribers"]
        finally:
            server.stop()
    assert listed == [added.json()]
    assert sorted(json.loads(r.body)["customer"]["name"] for r in got) == ["R0", "R1", "R2", "R3"]
    for request in got:
        Webhook(SECRET).verify(request.body, request.headers)
