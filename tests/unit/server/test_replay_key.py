"""The replay cache keys a reply on the path as routed (decoded, session prefix off) and the
session, never on the raw path: a raw path the router reads differently must not be answered
with a reply kept for another route (issue 23)."""

from __future__ import annotations

import asyncio

import httpx

from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from tests.mockserver_process import REPO

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"


def run_requests(paths: list[str]) -> list[httpx.Response]:
    app = create_app(ServeConfig(specs=(PETSTORE,), quiet=True))

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [await client.get(path, headers={"api_key": "any-key"}) for path in paths]
    return asyncio.run(go())


def test_an_encoded_session_name_is_not_answered_from_another_routes_reply() -> None:
    # `/__session/AAapi/api/v3/pet/7` is getPetById in session AAapi; asked three times, its
    # reply is in the cache (kept on the second miss). `/__session/%41%41api/v3/pet/7` is the
    # same session, but its path is `/v3/pet/7`: no operation serves it.
    *kept, encoded = run_requests(["/__session/AAapi/api/v3/pet/7"] * 3 + ["/__session/%41%41api/v3/pet/7"])
    assert [r.status_code for r in kept] == [200, 200, 200]
    assert kept[0].content == kept[2].content
    assert encoded.status_code == 404
    assert encoded.headers["content-type"] == "application/problem+json"
    assert encoded.json()["status"] == 404
    assert "/v3/pet/7" in encoded.json()["detail"]


def test_the_same_routed_path_spelled_two_ways_shares_one_reply() -> None:
    plain, _, _, encoded = run_requests(["/api/v3/pet/7"] * 3 + ["/api/v3/%70et/7"])
    assert plain.status_code == encoded.status_code == 200
    assert encoded.content == plain.content


def test_a_path_the_guard_refuses_is_not_answered_with_the_reply_of_its_decoded_twin() -> None:
    # `%FF` is not UTF-8 (the guard refuses it) but decodes to U+FFFD, as `%EF%BF%BD` does
    first, _, _, refused = run_requests(["/api/v3/user/%EF%BF%BD"] * 3 + ["/api/v3/user/%FF"])
    assert first.status_code == 200
    assert refused.status_code != 200
