"""GET, PUT and DELETE of one documented example id agree under `--unknown-ids 404`.

Swagger UI pre-fills a path parameter's documented example, so that id answers a record even
when unknown ids are 404s. Every stage asks the same rule whether an id with no stored record is
a record (reply_builder.unknown_id_is_a_record); before it, the read said yes and the writes said
no, so a client saw GET 200, PUT 404, DELETE 404 and GET 200 again. A real server, since the
flag, the document and the stages meet only there.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.mockserver_process import RunningServer, start_server

EXAMPLE_ID = "th-example"
NOT_FOUND = {"error": "not_found"}

DOCUMENT = f"""
openapi: 3.0.3
info: {{title: Things, version: '1'}}
paths:
  /things/{{thingId}}:
    parameters:
    - name: thingId
      in: path
      required: true
      example: {EXAMPLE_ID}
      schema: {{type: string, pattern: '^[a-z0-9-]+$'}}
    get:
      operationId: getThing
      responses:
        '200': {{description: the thing, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Thing'}}}}}}}}
        '404': {{$ref: '#/components/responses/NotFound'}}
    put:
      operationId: replaceThing
      requestBody:
        required: true
        content: {{application/json: {{schema: {{$ref: '#/components/schemas/Thing'}}}}}}
      responses:
        '200': {{description: replaced, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Thing'}}}}}}}}
        '404': {{$ref: '#/components/responses/NotFound'}}
    delete:
      operationId: deleteThing
      responses:
        '204': {{description: deleted}}
        '404': {{$ref: '#/components/responses/NotFound'}}
components:
  responses:
    NotFound:
      description: no such thing
      content:
        application/json:
          schema: {{type: object, required: [error], properties: {{error: {{type: string}}}}}}
          example: {{error: not_found}}
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties:
        id: {{type: string}}
        name: {{type: string}}
"""


@pytest.fixture(scope="module")
def things(tmp_path_factory: pytest.TempPathFactory) -> RunningServer:
    spec: Path = tmp_path_factory.mktemp("things") / "things.yaml"
    spec.write_text(DOCUMENT, encoding="utf-8")
    server = start_server("--spec", str(spec), "--unknown-ids", "404")
    yield server
    server.stop()


def test_get_put_delete_of_a_documented_example_id_agree(things: RunningServer) -> None:
    with httpx.Client(base_url=things.url, timeout=10) as client:
        url = f"/things/{EXAMPLE_ID}"
        read = client.get(url)
        assert read.status_code == 200 and read.json()["id"] == EXAMPLE_ID
        replaced = client.put(url, json={"id": EXAMPLE_ID, "name": "renamed"})
        assert (replaced.status_code, replaced.json()) == (200, {"id": EXAMPLE_ID, "name": "renamed"})
        assert (client.get(url).status_code, client.get(url).json()) == (200, {"id": EXAMPLE_ID, "name": "renamed"})
        deleted = client.delete(url)
        assert (deleted.status_code, deleted.content) == (204, b"")
        gone = client.get(url)
        assert (gone.status_code, gone.json()) == (404, NOT_FOUND)
        assert (client.put(url, json={"id": EXAMPLE_ID, "name": "again"}).status_code,
                client.delete(url).status_code) == (404, 404)


def test_an_undocumented_id_is_not_found_by_every_stage(things: RunningServer) -> None:
    with httpx.Client(base_url=things.url, timeout=10) as client:
        url = "/things/never-stored"
        answers = [client.get(url), client.put(url, json={"id": "never-stored", "name": "x"}), client.delete(url)]
        assert [(r.status_code, r.json()) for r in answers] == [(404, NOT_FOUND)] * 3
