"""Bounds on what one request may leave in memory: journal copies of headers, stored records.

In-process (tests/inprocess.py): the whole app over ASGI, no socket. The same bounds against a
real server, with the connection-level ones (431, 413 before the body, 408), are in
tests/process/test_bounds.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.base.defaults import JOURNAL_CUT, JOURNAL_HEADER_LIMIT, JOURNAL_HEADERS_LIMIT, MAX_RECORD_BYTES
from mockserver.state import records as records_module
from mockserver.state.records import RecordStore
from tests.inprocess import InProcess

REPO = Path(__file__).resolve().parents[3]
PETSTORE_DOC = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
LAGO_DOC = REPO / "openapi" / "lago.yaml"
BEARER = {"Authorization": "Bearer k"}
AUTH = {"api_key": "k", "Authorization": "Bearer k"}
PROBLEMS = "https://mockserver.invalid/problems/"


def _kept_header_bytes(app: InProcess) -> list[int]:
    return [sum(len(name) + len(value) for name, value in entry["headers"].items())
            for entry in app.engine.state.journal.entries()]


def test_a_large_header_is_kept_in_the_journal_cut_to_a_bounded_prefix_with_a_marker() -> None:
    app = InProcess(LAGO_DOC)
    big = "x" * 60_000  # under the 431 bound (64 KiB), so the request is served
    served = app.get("/api/v1/activity_logs/abc", {**BEARER, "x-trace": big})
    assert served.status_code == 200
    [entry] = app.engine.state.journal.entries()
    assert entry["headers"]["x-trace"] == "x" * JOURNAL_HEADER_LIMIT + JOURNAL_CUT
    assert entry["headers"]["authorization"] == "[redacted]"


def test_fifty_requests_with_large_headers_keep_a_few_kilobytes_each() -> None:
    """The issue's finding: 50 requests with a 4 MB header added 196 MB to the journal. Each
    request here is refused (431, headers over the bound) and still journaled, bounded."""
    app = InProcess(LAGO_DOC)
    for index in range(50):
        refused = app.get(f"/api/v1/activity_logs/a{index}", {**BEARER, "x-big": "y" * (4 * 1024 * 1024)})
        assert refused.status_code == 431
    kept = _kept_header_bytes(app)
    assert len(kept) == 50 and max(kept) <= JOURNAL_HEADERS_LIMIT + len(JOURNAL_CUT) + 64


def test_many_headers_are_kept_up_to_the_total_and_the_rest_counted() -> None:
    app = InProcess(LAGO_DOC)
    many = {f"x-h{index:03}": "v" * 1000 for index in range(40)}  # 40 kB in all, each under the cut
    assert app.get("/api/v1/activity_logs/abc", {**BEARER, **many}).status_code == 200
    [entry] = app.engine.state.journal.entries()
    headers = entry["headers"]
    kept = [name for name in headers if name.startswith("x-h")]
    assert 0 < len(kept) < 40 and int(headers["x-mock-journal-left-out"]) == 40 - len(kept)
    assert sum(len(k) + len(v) for k, v in headers.items()) <= JOURNAL_HEADERS_LIMIT + 64


def test_the_431_refusal_is_a_problem_that_names_the_size_and_the_flag() -> None:
    app = InProcess(LAGO_DOC, max_header_bytes=1000)
    refused = app.get("/api/v1/activity_logs/abc", {**BEARER, "x-big": "z" * 2000})
    assert refused.status_code == 431
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["connection"] == "close"
    size = int(refused.json()["detail"].split(" bytes")[0].rsplit(" ", 1)[1])
    assert size > 2000
    assert refused.json() == {
        "type": PROBLEMS + "headers-too-large", "title": "Request Header Fields Too Large", "status": 431,
        "detail": f"the request's headers are {size} bytes; at most 1000 (names and values together, "
                  "--max-header-bytes)"}


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read() -> None:
    app = InProcess(PETSTORE_DOC, max_body_bytes=100)
    refused = app.request("POST", "/api/v3/pet", {**AUTH, "content-type": "application/json",
                                                  "content-length": "20971520"}, b"{}")
    assert refused.status_code == 413 and refused.headers["connection"] == "close"
    assert refused.json() == {"type": PROBLEMS + "too-large", "title": "Payload Too Large", "status": 413,
                              "detail": "the declared body is 20971520 bytes; at most 100 bytes"}


def test_a_content_length_of_thousands_of_digits_is_a_413_not_a_500() -> None:
    app = InProcess(PETSTORE_DOC)
    refused = app.request("POST", "/api/v3/pet", {**AUTH, "content-type": "application/json",
                                                  "content-length": "9" * 5000}, b"{}")
    assert refused.status_code == 413
    assert refused.json()["detail"] == f"the declared body is {'9' * 18}... bytes; at most {1024 * 1024} bytes"


def _big_pet(size: int) -> dict:
    return {"id": 7, "name": "Rex", "photoUrls": ["p" * 1000] * (size // 1000), "status": "available"}


def test_a_create_whose_record_is_over_the_byte_bound_is_the_declared_413_and_stores_nothing() -> None:
    """Petstore's POST /pet declares `default`: that is its 413, with the reason in x-mock-problem."""
    app = InProcess(PETSTORE_DOC)
    pet = _big_pet(300_000)
    refused = app.request("POST", "/api/v3/pet", {**AUTH, "content-type": "application/json"},
                          json.dumps(pet).encode())
    assert (refused.status_code, refused.content, refused.headers["content-length"]) == (413, b"", "0")
    problem = refused.headers["x-mock-problem"]
    size = int(problem.split(" bytes")[0].rsplit(" ", 1)[1])
    assert size > 300_000
    assert problem == f"the record is {size} bytes as JSON (--max-record-bytes); at most {MAX_RECORD_BYTES} bytes"
    assert app.get("/api/v3/pet/7", AUTH).json()["photoUrls"] != pet["photoUrls"]  # not stored
    small = app.request("POST", "/api/v3/pet", {**AUTH, "content-type": "application/json"},
                        json.dumps(_big_pet(10_000)).encode())
    assert small.status_code == 200 and app.get("/api/v3/pet/7", AUTH).json()["photoUrls"] == _big_pet(10_000)["photoUrls"]


def test_a_control_api_record_over_the_byte_bound_is_a_413_problem() -> None:
    app = InProcess(PETSTORE_DOC, max_record_bytes=5000, allowed_hosts=("mock.test",))
    refused = app.request("PUT", "/__mock/records/getPetById/7", {"content-type": "application/json"},
                          json.dumps(_big_pet(10_000)).encode())
    assert refused.status_code == 413 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"].endswith(" bytes as JSON (--max-record-bytes); at most 5000 bytes")


def test_a_store_refuses_a_record_over_its_bytes_and_a_session_store_keeps_the_bound() -> None:
    store = RecordStore(limit=10, max_bytes=100)
    op = type("Op", (), {"api": "a", "resource": None, "operation_id": "getThing"})()
    store.put(op, "1", {"v": "x" * 50})
    with pytest.raises(records_module.RecordTooLarge):
        store.put(op, "2", {"v": "x" * 200})
    assert store.get(op, "2") is None and store.get(op, "1") == {"v": "x" * 50}
    assert store.fresh().max_bytes == 100


def test_a_long_path_and_query_are_kept_cut_in_the_journal() -> None:
    app = InProcess(LAGO_DOC)
    path = "/api/v1/activity_logs/" + "i" * 3000
    app.get(path + "?q=" + "v" * 3000, BEARER)
    [entry] = app.engine.state.journal.entries()
    assert entry["path"] == path[:1024] + JOURNAL_CUT
    assert entry["query"] == {"q": "v" * (1024 - len("q="))}
