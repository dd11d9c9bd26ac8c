"""Error bodies that say what is wrong, on a real server: a notes document with no examples
(tests/data/anydoc/notes-errors-3.1.yaml) whose 400 and 422 are `{message, errors: [{field,
message}]}`. Before, `POST /notes` without `title` answered generated sentences about
authors; the reason was only in `x-mock-problem`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import RunningServer, start_server

NOTES = Path(__file__).resolve().parents[1] / "data" / "anydoc" / "notes-errors-3.1.yaml"
AUTH = {"Authorization": "Bearer token"}
MISSING = {"message": "'title' is a required property",
           "errors": [{"field": "title", "message": "'title' is a required property"}]}
WRONG_TYPE = {"message": "5 is not of type 'string' at /title",
              "errors": [{"field": "title", "message": "5 is not of type 'string'"}]}


@pytest.fixture(scope="module")
def notes() -> Iterator[RunningServer]:
    running = start_server("--spec", str(NOTES), "--workers", "2")
    yield running
    running.stop()


def send(server: RunningServer, method: str, path: str, body: object) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, headers=AUTH, timeout=10)


@pytest.mark.parametrize("method, path, status", [("POST", "/notes", 400), ("PUT", "/notes/n1", 422)])
@pytest.mark.parametrize("body, expected, header", [
    ({"body": "no title"}, MISSING, "'title' is a required property"),
    ({"title": 5}, WRONG_TYPE, "5 is not of type 'string' - 'title'"),
])
def test_the_error_body_names_the_field_and_says_why(notes: RunningServer, method: str, path: str, status: int,
                                                      body: object, expected: dict, header: str) -> None:
    response = send(notes, method, path, body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-mock-problem"] == header
    assert response.json() == expected


def test_each_violation_is_an_item(notes: RunningServer) -> None:
    response = send(notes, "POST", "/notes", {"status": "gone"})
    assert response.status_code == 400
    assert response.json() == {"message": "'title' is a required property", "errors": [
        {"field": "title", "message": "'title' is a required property"},
        {"field": "status", "message": "'gone' is not one of ['draft', 'published', 'archived']"}]}


def test_every_worker_says_the_same_concurrently_and_logs_no_traceback(notes: RunningServer) -> None:
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: send(notes, "PUT", "/notes/n1", {"body": "x"}), range(32)))
    assert {(reply.status_code, reply.text) for reply in replies} == {
        (422, '{"message":"\'title\' is a required property","errors":[{"field":"title",'
              '"message":"\'title\' is a required property"}]}')}
    valid = send(notes, "POST", "/notes", {"title": "Groceries"})
    assert valid.status_code == 201
    assert "Traceback" not in notes.log()
