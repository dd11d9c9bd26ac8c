"""The one reply builder, in-process: `declared_or_problem`'s one order, and the one unknown-id
rule that reads, writes and deletes share (reply_builder.py).

Each test names the exact status, headers and body, so a stage that goes back to its own order
or its own copy of the rule fails here, without a server.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.http import problems
from mockserver.app import create_app
from mockserver.base.config import ServeConfig
from mockserver.stages.reply_builder import ReplyBuilder, declared_or_problem, unknown_id_is_a_record

EXAMPLE_ID = "th-example"

# One path, every refusal status declared with its own example, and a documented example id.
DOCUMENT = f"""
openapi: 3.0.3
info: {{title: Things, version: '1'}}
paths:
  /things/{{thingId}}:
    parameters:
    - {{name: thingId, in: path, required: true, example: {EXAMPLE_ID}, schema: {{type: string, pattern: '^[a-z0-9-]+$'}}}}
    get:
      operationId: getThing
      responses:
        '200': {{description: the thing, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Thing'}}}}}}}}
        '400': {{description: bad, content: {{application/json: {{example: {{error: bad_request}}}}}}}}
        '401': {{description: who, content: {{application/json: {{example: {{error: unauthorized}}}}}}}}
        '404': {{$ref: '#/components/responses/NotFound'}}
        '422': {{description: invalid, content: {{application/json: {{example: {{error: unprocessable}}}}}}}}
    put:
      operationId: replaceThing
      requestBody: {{required: true, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Thing'}}}}}}}}
      responses:
        '200': {{description: replaced, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Thing'}}}}}}}}
        '404': {{$ref: '#/components/responses/NotFound'}}
    delete:
      operationId: deleteThing
      responses:
        '204': {{description: deleted}}
  /plain:
    get:
      operationId: getPlain
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: object}}}}}}}}
components:
  responses:
    NotFound:
      description: no such thing
      content: {{application/json: {{example: {{error: not_found}}}}}}
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties: {{id: {{type: string}}, name: {{type: string}}}}
"""


def app_for(tmp_path: Path, unknown_ids: str) -> Any:
    spec = tmp_path / "things.yaml"
    spec.write_text(DOCUMENT, encoding="utf-8")
    return create_app(ServeConfig(specs=(spec,), quiet=True, unknown_ids=unknown_ids))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return app_for(tmp_path_factory.mktemp("generate"), "generate")


def operation(app: Any, operation_id: str) -> Any:
    return app.engine.operation("", operation_id)


def problem_marker() -> Any:
    return problems.invalid_request(400, "the mock's own")


# -- declared_or_problem ---------------------------------------------------------------------

@pytest.mark.parametrize("operation_id, status, stand_ins, sent, body", [
    ("getThing", 404, (400,), 404, b'{"error":"not_found"}'),  # the fault's own status first
    ("getThing", 422, (400,), 422, b'{"error":"unprocessable"}'),
    ("getThing", 400, (422, 404), 400, b'{"error":"bad_request"}'),
    ("getThing", 409, (404, 422), 422, b'{"error":"unprocessable"}'),  # stand-ins in the one order
    ("getThing", 409, (404, 400), 400, b'{"error":"bad_request"}'),
    ("replaceThing", 400, (422, 404), 404, b'{"error":"not_found"}'),
])
def test_the_declared_status_else_a_stand_in_in_the_one_order(app: Any, operation_id: str, status: int,
                                                             stand_ins: tuple[int, ...], sent: int, body: bytes) -> None:
    reply = declared_or_problem(app.engine.responder, operation(app, operation_id), status, problem_marker, "why",
                                stand_ins=stand_ins)
    assert (reply.status, reply.media_type, reply.body, reply.contract) == (sent, "application/json", body, True)
    assert ("x-mock-problem", "why") in reply.headers


def test_a_stand_in_the_caller_did_not_name_is_not_used(app: Any) -> None:
    reply = declared_or_problem(app.engine.responder, operation(app, "replaceThing"), 422, problem_marker, "why",
                                stand_ins=(400,))
    assert (reply.status, reply.media_type, reply.contract) == (400, "application/problem+json", False)


def test_without_detail_the_declared_reply_is_byte_for_byte(app: Any) -> None:
    reply = declared_or_problem(app.engine.responder, operation(app, "getThing"), 401, problem_marker)
    assert (reply.status, reply.body, reply.headers) == (401, b'{"error":"unauthorized"}', ())


@pytest.mark.parametrize("operation_id", ["getPlain", None])
def test_nothing_declared_is_the_problem(app: Any, operation_id: str | None) -> None:
    op = operation(app, operation_id) if operation_id else None
    reply = declared_or_problem(app.engine.responder, op, 400, problem_marker, "why", stand_ins=(422, 404))
    assert (reply.status, reply.media_type, reply.contract) == (400, "application/problem+json", False)
    assert json.loads(reply.body) == {"type": problems.PROBLEM_BASE + "invalid-request", "title": "Bad Request",
                                      "status": 400, "detail": "the mock's own"}


def test_a_plain_builder_builds_what_the_responder_builds(app: Any) -> None:
    """crud is given a plain ReplyBuilder, the stages the responder: their replies are the same."""
    op = operation(app, "getThing")
    plain = ReplyBuilder(app.engine.responder.generators)
    for status in (400, 404, 422):
        assert plain.declared(op, status).body == app.engine.responder.declared(op, status).body


# -- the unknown-id rule -----------------------------------------------------------------------

@pytest.mark.parametrize("unknown_ids, record_id, deleted, is_record", [
    ("generate", "anything", False, True),
    ("generate", "anything", True, False),
    ("generate", EXAMPLE_ID, True, False),
    ("404", "anything", False, False),
    ("404", EXAMPLE_ID, False, True),
    ("404", EXAMPLE_ID, True, False),
])
def test_the_unknown_id_rule(app: Any, unknown_ids: str, record_id: str, deleted: bool, is_record: bool) -> None:
    assert unknown_id_is_a_record(unknown_ids, operation(app, "getThing"), record_id, deleted) is is_record


def call(app: Any, method: str, path: str, body: Any = None) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
            return await client.request(method, path, json=body)
    return asyncio.run(go())


def test_every_stage_asks_the_same_rule_of_a_documented_example_id(tmp_path: Path) -> None:
    app = app_for(tmp_path, "404")
    url = f"/things/{EXAMPLE_ID}"
    assert (call(app, "GET", url).status_code, call(app, "GET", url).json()["id"]) == (200, EXAMPLE_ID)
    replaced = call(app, "PUT", url, {"id": EXAMPLE_ID, "name": "renamed"})
    assert (replaced.status_code, replaced.json()) == (200, {"id": EXAMPLE_ID, "name": "renamed"})
    deleted = call(app, "DELETE", url)
    assert (deleted.status_code, deleted.content) == (204, b"")
    for method, body in (("GET", None), ("PUT", {"id": EXAMPLE_ID, "name": "x"})):
        gone = call(app, method, url, body)
        assert (gone.status_code, gone.content) == (404, b'{"error":"not_found"}')


def test_an_undocumented_id_is_not_found_by_reads_and_writes(tmp_path: Path) -> None:
    app = app_for(tmp_path, "404")
    for method, body in (("GET", None), ("PUT", {"id": "other", "name": "x"})):
        reply = call(app, method, "/things/other", body)
        assert (reply.status_code, reply.content) == (404, b'{"error":"not_found"}')
    # deleteThing declares no 404: the mock's own problem, naming the operation and the id
    gone = call(app, "DELETE", "/things/other")
    assert (gone.status_code, gone.headers["content-type"], gone.json()["detail"]) == (
        404, "application/problem+json", "deleteThing: no record can have id 'other'")
