"""The fast lane (server/fast_lane.py) answers a replayed reply with what the full stack gives
for it (the bytes, the headers, the journal entry, the log line, the hit count), and passes
everything else on: a CORS request, a session, the control API, a request over the bounds."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.base.defaults import MAX_HEADER_BYTES
from mockserver.base.rates import RateLimit
from tests.mockserver_process import REPO

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
PET = "/api/v3/pet/7"
KEY = [(b"host", b"127.0.0.1"), (b"api_key", b"any-key"), (b"accept", b"application/json")]


def scope_for(path: str, headers: list, query: bytes = b"") -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": ("127.0.0.1", 4010), "client": ("127.0.0.1", 50000), "scheme": "http",
        "method": "GET", "root_path": "", "path": path, "raw_path": path.encode(), "query_string": query,
        "headers": list(headers), "state": {},
    }


async def _receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


class Client:
    """Requests through the app (fast lane first) or through connexion's stack alone (`full`),
    counting the requests the lane passed on to the full stack (`passed_on`) and those it took
    to the replay layer itself (`taken`); a reply it answers itself counts in neither."""

    def __init__(self, **options: Any) -> None:
        self.app = create_app(ServeConfig(specs=(PETSTORE,), **options))
        self.loop = asyncio.new_event_loop()
        self.get("/__mock/health")  # connexion builds its stack on the first request
        self.passed_on = self.taken = 0
        lane = self.app.lane
        inner, replay = lane.app, lane._resolve()

        async def counting(scope: Any, receive: Any, send: Any) -> None:
            self.passed_on += 1
            await inner(scope, receive, send)
        lane.app = counting

        class Taken:
            def __getattr__(_, name: str) -> Any:
                return getattr(replay, name)

            async def __call__(_, scope: Any, receive: Any, send: Any) -> None:
                self.taken += 1
                await replay(scope, receive, send)
        lane.replay = Taken()

    def get(self, path: str, headers: list = KEY, query: bytes = b"", full: bool = False) -> tuple[int, list, bytes]:
        messages: list[dict] = []

        async def send(message: dict) -> None:
            messages.append(message)
        app = self.app.middleware if full else self.app
        self.loop.run_until_complete(app(scope_for(path, headers, query), _receive, send))
        return messages[0]["status"], list(messages[0]["headers"]), b"".join(m.get("body", b"") for m in messages[1:])

    def journal(self, session: str | None = None) -> list[dict]:
        return self.app.engine.sessions.existing(session).journal.entries()

    def hits(self) -> int:
        return self.app.replay[-1].stats.hits

    def close(self) -> None:
        self.loop.close()


@pytest.fixture()
def client() -> Any:
    made = Client(quiet=True)
    yield made
    made.close()


def without_timing(entry: dict) -> dict:
    return {name: value for name, value in entry.items() if name not in ("time", "duration_ms")}


def test_a_plain_request_is_taken_to_the_replay_layer_and_journaled_as_the_full_stack_does(client: Client) -> None:
    taken = client.get("/api/v3/pet/8", query=b"a=b")
    assert client.taken == 1 and client.passed_on == 0
    full = client.get("/api/v3/pet/9", query=b"a=b", full=True)
    assert taken[0] == full[0] == 200
    assert [name for name, _value in taken[1]] == [name for name, _value in full[1]]
    *_, by_lane, by_full = client.journal()
    assert {**without_timing(by_lane), "path": "-", "response": "-"} == {**without_timing(by_full), "path": "-", "response": "-"}
    assert by_lane["response"]["headers"] == {**by_full["response"]["headers"], "content-length": by_lane["response"]["headers"]["content-length"]}


def test_a_new_id_is_answered_in_the_lane_and_kept_by_the_replay_layer_on_its_second_miss(client: Client) -> None:
    client.get(PET)  # the first request finds the routes Swagger UI serves first (the long way)
    taken, misses = client.taken, client.app.replay[-1].stats.misses
    lane = client.get("/api/v3/pet/8", query=b"a=b")
    assert client.taken == taken and client.passed_on == 0  # answered in the lane (pipeline.Direct)
    full = client.get("/api/v3/pet/8", query=b"a=b", full=True)  # the replay layer's second miss: kept
    assert lane == full and lane[0] == 200
    assert (b"vary", b"Accept, Origin") in lane[1]
    *_, by_lane, by_full = client.journal()
    assert without_timing(by_lane) == without_timing(by_full)
    assert by_lane["operationId"] == "getPetById" and by_lane["query"] == {"a": "b"}
    hits = client.hits()
    assert client.get("/api/v3/pet/8", query=b"a=b") == lane  # the third: replayed in the lane
    assert client.hits() == hits + 1 and client.taken == taken
    assert client.app.replay[-1].stats.misses == misses + 2  # one in the lane, one in the replay layer


def test_a_replayed_reply_is_answered_by_the_lane_as_the_full_stack_answers_it(client: Client) -> None:
    for _ in range(2):  # kept on the second miss (replay_cache.py)
        client.get(PET, query=b"x=1")
    assert client.taken == 2
    passed = client.passed_on
    hits = client.hits()
    lane = client.get(PET, query=b"x=1")
    assert client.passed_on == passed and client.taken == 2  # answered in the lane
    full = client.get(PET, query=b"x=1", full=True)  # the replay layer's own hit, through every layer
    assert lane == full
    assert (b"vary", b"Accept, Origin") in lane[1]  # cors.py's Vary, added by the lane
    assert client.hits() == hits + 2
    *_, by_lane, by_full = client.journal()
    assert without_timing(by_lane) == without_timing(by_full)
    assert by_lane["operationId"] == "getPetById" and by_lane["query"] == {"x": "1"}


def test_the_401_to_a_client_without_credentials_is_replayed_in_the_lane(client: Client) -> None:
    bare = [(b"host", b"127.0.0.1")]
    for _ in range(2):
        client.get(PET, bare)
    lane = client.get(PET, bare)
    assert client.passed_on == 0 and client.taken == 2
    assert lane[0] == 401
    assert lane == client.get(PET, bare, full=True)
    *_, by_lane, by_full = client.journal()
    assert without_timing(by_lane) == without_timing(by_full)


def test_the_log_line_is_the_full_stacks(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(quiet=False)
    try:
        for _ in range(2):
            client.get(PET)
        with caplog.at_level(logging.INFO, logger="mockserver.control.access"):
            client.get(PET)
            client.get(PET, full=True)
    finally:
        client.close()
    lines = [record.getMessage().rsplit(" ", 1)[0] for record in caplog.records]  # the duration left out
    assert lines == [f"GET {PET} getPetById 200"] * 2


@pytest.mark.parametrize("path, headers", [
    (PET, [*KEY, (b"origin", b"http://localhost:3000")]),  # CORS: starlette's layer answers
    ("/__session/s1" + PET, KEY),  # a session by its path prefix
    (PET, [*KEY, (b"x-mock-session", b"s1")]),  # a session by its header
    (PET, [*KEY, (b"content-length", b"0")]),  # a declared body: traffic.over_bounds reads it
    (PET, [*KEY, (b"x-big", b"a" * MAX_HEADER_BYTES)]),  # headers over the bound: a 431
])
def test_what_the_lane_does_not_answer_goes_to_the_full_stack(client: Client, path: str, headers: list) -> None:
    for _ in range(3):
        client.get(path, headers)
    assert client.passed_on == 3 and client.taken == 0
    assert client.get(path, headers) == client.get(path, headers, full=True)


def test_a_cors_request_gets_the_full_stacks_cors_headers(client: Client) -> None:
    origin = [*KEY, (b"origin", b"http://localhost:3000")]
    for _ in range(3):
        status, headers, _body = client.get(PET, origin)
    assert status == 200
    assert (b"access-control-allow-origin", b"http://localhost:3000") in headers


def test_a_session_request_is_journaled_in_its_session_only(client: Client) -> None:
    for _ in range(3):
        client.get("/__session/s1" + PET)
    assert [entry["path"] for entry in client.journal("s1")] == [PET] * 3
    assert client.journal() == []


def test_control_paths_go_to_the_control_api(client: Client) -> None:
    for _ in range(3):
        status, _headers, _body = client.get("/__mock/health")
    assert status == 200
    assert client.passed_on == 3 and client.taken == 0


def test_with_latency_or_a_rate_limit_no_reply_is_answered_in_the_lane() -> None:
    for options in ({"latency_ms": (0, 0)}, {"rate_limit": RateLimit.parse("1000/60")}):
        client = Client(quiet=True, **options)
        try:
            for _ in range(4):
                client.get(PET)
            assert client.taken == 4  # the replay layer decides, as before: its delay, the counter
        finally:
            client.close()


def test_a_new_ids_failure_is_journaled_with_the_time_the_pipeline_took(client: Client,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client.get(PET)  # the long way once: the lane answers new ids from the next one on
    responder = client.app.engine.responder

    def slow_bug(*_args: Any) -> Any:
        time.sleep(0.05)
        raise RuntimeError("a bug")
    monkeypatch.setattr(responder, "_respond", slow_bug)
    status, _headers, _body = client.get("/api/v3/pet/31")
    entry = client.journal()[-1]
    assert status == entry["status"] == 500 and entry["path"] == "/api/v3/pet/31"
    assert entry["duration_ms"] >= 50  # the Observation made for the 500 starts with the request


def test_a_reply_whose_start_cannot_be_sent_is_journaled_all_the_same(client: Client) -> None:
    for _ in range(2):  # kept on the second miss: the third is a hit
        client.get(PET)
    journaled = len(client.journal())

    async def broken(message: dict) -> None:
        raise OSError("the connection is gone")
    for path in ("/api/v3/pet/32", PET):  # a new id answered by the lane, and a replayed one
        with pytest.raises(OSError):
            client.loop.run_until_complete(client.app(scope_for(path, KEY), _receive, broken))
    entries = client.journal()[journaled:]
    assert [(entry["path"], entry["status"], entry["response"]["body"]) for entry in entries] == [
        ("/api/v3/pet/32", 200, None), (PET, 200, None)]
