"""Issue 24: the curls the mock prints outside the landing page run as printed: the start-up
banner's `try:` line and every `/__mock/routes` curl, pasted into a shell with the real `curl`.

Before, both were placeholders (`/notes/noteId`, `--json '{...}'`, `Bearer key` though
`--api-key` is set): a 404, no JSON and a 401. Now they are the landing page's `runnable_curl`.
They are run by test_landing_curls.py's own helpers, handed as rows of a page like the landing
page's, so "runs as shown" means the same thing for every curl the mock prints.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import httpx
import pytest

from tests.mockserver_process import start_server
from tests.process.test_landing_curls import CURL, _assert_all_succeed, _curls

pytestmark = pytest.mark.skipif(CURL is None, reason="the curl binary is not installed")

KEY = "s3cret-key"
NOTES = """\
openapi: 3.0.3
info: {title: Notes, version: "1.0"}
servers: [{url: /v1}]
security: [{bearer: []}]
paths:
  /notes:
    get:
      operationId: listNotes
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: notes
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Note"}}
        "401": {description: no key}
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewNote"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
        "401": {description: no key}
        "422": {description: invalid}
  /notes/{noteId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getNote
      responses:
        "200":
          description: one note
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
        "401": {description: no key}
        "404": {description: no such note}
    patch:
      operationId: updateNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewNote"}
      responses:
        "200":
          description: updated
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
        "401": {description: no key}
        "404": {description: no such note}
    delete:
      operationId: deleteNote
      responses:
        "204": {description: deleted}
        "401": {description: no key}
        "404": {description: no such note}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    NewNote:
      type: object
      required: [title]
      properties:
        title: {type: string, minLength: 1}
        body: {type: string}
    Note:
      type: object
      required: [id, title]
      properties:
        id: {type: string}
        title: {type: string}
        body: {type: string}
"""


def _page(rows: list[tuple[str, str]]) -> str:
    """(operationId, curl) as rows of a page in the landing page's HTML, for its helpers."""
    return "".join(f"<tr><td><code>ANY</code></td><td><code>-</code></td><td>{escape(operation_id)}</td>"
                   f"<td><code>{escape(curl)}</code></td></tr>" for operation_id, curl in rows)


def _tries(banner: str) -> list[str]:
    """The curls of the banner's `try:` lines."""
    return [line.split("try:  ", 1)[1] for line in banner.splitlines() if line.startswith("  try:  ")]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    spec = tmp_path / "notes.yaml"
    spec.write_text(NOTES)
    return spec


def test_the_banners_try_curl_runs_as_printed_with_the_configured_key(notes: Path) -> None:
    server = start_server("--spec", str(notes), "--api-key", KEY)
    try:
        tries = _tries(server.banner)
        assert len(tries) == 1, server.banner
        assert tries[0] == f"curl -i -H 'Authorization: Bearer {KEY}' {server.url}/v1/notes", tries
        assert _assert_all_succeed(server.url, _page([("listNotes", tries[0])])) == 1
    finally:
        server.stop()


def test_the_banners_try_curl_names_a_real_id_when_no_operation_lists(tmp_path: Path) -> None:
    """A document whose first GET reads one record: the curl names one the mock answers."""
    spec = tmp_path / "one.yaml"
    spec.write_text(NOTES.replace("  /notes:\n    get:\n", "  /notes:\n    put:\n"))  # no list to GET
    server = start_server("--spec", str(spec), "--api-key", KEY)
    try:
        tries = _tries(server.banner)
        assert len(tries) == 1 and f"{server.url}/v1/notes/" in tries[0] and "noteId" not in tries[0], tries
        assert _assert_all_succeed(server.url, _page([("getNote", tries[0])])) == 1
    finally:
        server.stop()


def test_every_routes_curl_runs_as_shown_in_a_session(notes: Path) -> None:
    server = start_server("--spec", str(notes), "--api-key", KEY)
    try:
        listed = httpx.get(server.url + "/__session/curls/__mock/routes", timeout=10)
        assert listed.status_code == 200
        rows = [(route["operationId"], route["curl"]) for route in listed.json()["routes"]]
        assert sorted(operation_id for operation_id, _ in rows) == [
            "createNote", "deleteNote", "getNote", "listNotes", "updateNote"]
        assert all(f" {server.url}/__session/curls/v1/notes" in curl and f"Bearer {KEY}" in curl for _, curl in rows), rows
        assert _curls(_page(rows)) == rows  # what the helpers run is what the control API shows
        assert _assert_all_succeed(server.url, _page(rows)) == 5
        # they ran in the session the curls were listed in, not in the default one
        journal = httpx.get(server.url + "/__mock/requests", headers={"X-Mock-Session": "curls"}).json()["requests"]
        assert sorted(entry["operationId"] for entry in journal) == [
            "createNote", "deleteNote", "getNote", "listNotes", "updateNote"]
        assert httpx.get(server.url + "/__mock/requests").json() == {"requests": []}
    finally:
        server.stop()
