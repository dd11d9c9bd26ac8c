"""Hostile bodies and values against real servers (issue 23): each is the declared 4xx, else a
400 problem+json, in contract and control requests alike; never a 500, never a traceback.

Before: 10,000-level nesting was a RecursionError, a 5,000-digit integer a ValueError (in the
body and in an integer path), a lone surrogate a UnicodeEncodeError while the stored record was
sent back, all 500s (a bare text/plain one on the control API); an XML pet without its required
`name`, or truncated XML, was stored with 200.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from mockserver.base.defaults import MAX_REASON_CHARS
from tests.mockserver_process import REPO, RunningServer, start_server

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
AUTH = {"api_key": "k", "authorization": "Bearer k"}
PROBLEM = "https://mockserver.invalid/problems/"

DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
HUGE_INTEGER = b'{"id": ' + b"9" * 5000 + b', "name": "d", "photoUrls": []}'
LONE_SURROGATE = b'{"id": 1, "name": "\\ud800", "photoUrls": []}'
NOT_UTF8 = b'{"id": 1, "name": "\xff\xfe", "photoUrls": []}'
DEEP = "the body nests arrays and objects deeper than 64 levels"
HOSTILE_JSON = [
    pytest.param(DEEP_ARRAY, DEEP, id="deep-array"),
    pytest.param(DEEP_OBJECT, DEEP, id="deep-object"),
    pytest.param(HUGE_INTEGER, "an integer of 5000 digits is more than this server reads", id="huge-integer"),
    pytest.param(LONE_SURROGATE, "a string holds a lone surrogate (\\ud800), which is not Unicode text",
                 id="lone-surrogate"),
    pytest.param(NOT_UTF8, "the body is not UTF-8 (byte 19)", id="not-utf8"),
    pytest.param(b'{"id": NaN, "name": "d", "photoUrls": []}', "the body is not JSON: NaN is not a JSON value", id="nan"),
    pytest.param(b'{"id": 1e999, "name": "d", "photoUrls": []}', "the number 1e999 is beyond the range of a double",
                 id="past-a-double"),
]


def _cut(reason: str) -> str:
    """A reason as a refusal carries it: at most MAX_REASON_CHARS, its middle left out."""
    half = (MAX_REASON_CHARS - 3) // 2
    return reason if len(reason) <= MAX_REASON_CHARS else reason[:half] + "..." + reason[-half:]


def _problem(status: int, kind: str, title: str, detail: str) -> dict:
    return {"type": PROBLEM + kind, "title": title, "status": status, "detail": detail}


def _assert_no_traceback(server: RunningServer) -> None:
    log = server.log()
    assert "Traceback" not in log and " 500 " not in log, log[-3000:]


@pytest.fixture(scope="module")
def petstore() -> Iterator[RunningServer]:
    running = start_server("--spec", str(PETSTORE))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def bundled() -> Iterator[RunningServer]:
    """The bundled contracts (Lago, Sequence), as `mockserver serve` starts them."""
    running = start_server()
    yield running
    running.stop()


def _post(server: RunningServer, path: str, content_type: str, body: bytes, method: str = "POST") -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.request(method, path, content=body, headers={"content-type": content_type, **AUTH})


# -- contract bodies: Petstore declares 400 for addPet --------------------------------------------

@pytest.mark.parametrize("body, reason", HOSTILE_JSON)
def test_a_hostile_json_body_gets_the_declared_400(petstore: RunningServer, body: bytes, reason: str) -> None:
    response = _post(petstore, "/api/v3/pet", "application/json", body)
    assert (response.status_code, response.content) == (400, b""), response.text[:300]
    assert response.headers["x-mock-problem"] == reason
    _assert_no_traceback(petstore)


@pytest.mark.parametrize("body, reason", [
    pytest.param(b"<pet><id>10</id><photoUrls><photoUrl>x</photoUrl></photoUrls></pet>",
                 "'name' is a required property", id="no-name"),
    pytest.param(b"<pet><id>10</id><na", "the body is not well-formed XML: unclosed token: line 1, column 16",
                 id="truncated"),
    pytest.param(b"<pet><id>ten</id><name>d</name><photoUrls/></pet>", "'ten' is not of type 'integer' - 'id'",
                 id="id-not-an-integer"),
    pytest.param(b"<pet><name>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</name></pet>",
                 "the body nests elements deeper than 64 levels", id="deep"),
    pytest.param(b'<!DOCTYPE p [<!ENTITY a "aaaa">]><pet><name>&a;</name><photoUrls/></pet>',
                 "the body is XML with a document type declaration (DTD), which this server does not read", id="dtd"),
])
def test_an_xml_pet_is_checked_as_json_is(petstore: RunningServer, body: bytes, reason: str) -> None:
    response = _post(petstore, "/api/v3/pet", "application/xml", body)
    assert (response.status_code, response.content) == (400, b""), response.text[:300]
    assert response.headers["x-mock-problem"] == reason
    _assert_no_traceback(petstore)


def test_the_same_pet_as_json_gets_the_same_400(petstore: RunningServer) -> None:
    response = _post(petstore, "/api/v3/pet", "application/json", b'{"id": 10, "photoUrls": ["x"]}')
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == "'name' is a required property"


def test_a_valid_xml_pet_is_stored_and_read_back(petstore: RunningServer) -> None:
    body = (b'<?xml version="1.0" encoding="UTF-8"?><pet><id>4242</id><name>doggie</name><category><id>1</id>'
            b"<name>Dogs</name></category><photoUrls><photoUrl>http://x/1</photoUrl><photoUrl>http://x/2</photoUrl>"
            b"</photoUrls><tags><tag><id>3</id><name>t</name></tag></tags><status>sold</status></pet>")
    response = _post(petstore, "/api/v3/pet", "application/xml", body)
    expected = {"id": 4242, "name": "doggie", "category": {"id": 1, "name": "Dogs"},
                "photoUrls": ["http://x/1", "http://x/2"], "tags": [{"id": 3, "name": "t"}], "status": "sold"}
    assert response.status_code == 200
    assert response.json() == expected
    read = httpx.get(petstore.url + "/api/v3/pet/4242", headers={**AUTH, "accept": "application/json"})
    assert (read.status_code, read.json()) == (200, expected)


def test_a_form_with_a_huge_integer_gets_the_declared_400(petstore: RunningServer) -> None:
    response = _post(petstore, "/api/v3/pet", "application/x-www-form-urlencoded",
                     b"id=" + b"9" * 5000 + b"&name=d&photoUrls=x")
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == _cut("'" + "9" * 5000 + "' is not of type 'integer' - 'id'")
    _assert_no_traceback(petstore)


def test_a_huge_integer_id_in_the_path_gets_the_declared_400(petstore: RunningServer) -> None:
    response = httpx.get(petstore.url + "/api/v3/pet/" + "9" * 5000, headers=AUTH)
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == _cut(
        "Invalid path parameter 'petId': '" + "9" * 5000 + "' is not of type 'integer'")
    _assert_no_traceback(petstore)


def test_a_huge_number_in_the_query_gets_the_declared_400(petstore: RunningServer) -> None:
    response = httpx.get(petstore.url + "/api/v3/pet/findByStatus?status=" + "9" * 5000, headers=AUTH)
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == _cut(
        "Invalid query parameter 'status': '" + "9" * 5000 + "' is not one of ['available', 'pending', 'sold']")
    _assert_no_traceback(petstore)


# -- where nothing is declared: a 400 problem ---------------------------------------------------

THINGS = """openapi: 3.0.3
info: {title: Things, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {n: {type: integer}, tags: {type: array}}}
      responses:
        "201":
          description: made
          content:
            application/json:
              schema: {type: object, properties: {n: {type: integer}}}
"""


@pytest.fixture(scope="module")
def things(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    spec = Path(tmp_path_factory.mktemp("things")) / "things.yaml"
    spec.write_text(THINGS)
    running = start_server("--spec", str(spec))
    yield running
    running.stop()


@pytest.mark.parametrize("body, reason", HOSTILE_JSON)
def test_with_no_400_declared_a_hostile_body_is_a_400_problem(things: RunningServer, body: bytes, reason: str) -> None:
    response = _post(things, "/things", "application/json", body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == _problem(400, "invalid-request", "Bad Request", reason)
    _assert_no_traceback(things)


# -- control bodies: problem+json, on Petstore and on the bundled Lago ----------------------------

@pytest.mark.parametrize("body, reason", HOSTILE_JSON)
@pytest.mark.parametrize("method, path", [("POST", "/__mock/scenarios"), ("PUT", "/__mock/records/getPetById/1"),
                                          ("PATCH", "/__mock/records/getPetById/1")])
def test_a_hostile_control_body_is_a_400_problem(petstore: RunningServer, method: str, path: str, body: bytes,
                                                 reason: str) -> None:
    response = _post(petstore, path, "application/json", body, method)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == _problem(400, "invalid-json", "Bad Request", reason)
    _assert_no_traceback(petstore)


@pytest.mark.parametrize("body, reason", HOSTILE_JSON)
def test_a_hostile_record_for_lago_is_a_400_problem(bundled: RunningServer, body: bytes, reason: str) -> None:
    response = _post(bundled, "/__mock/records/findActivityLog/abc", "application/json", body, "PUT")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == _problem(400, "invalid-json", "Bad Request", reason)
    _assert_no_traceback(bundled)


def test_a_lago_id_of_5000_digits_is_a_string_id_and_gets_its_record(bundled: RunningServer) -> None:
    record_id = "9" * 5000  # `activity_id` is `type: string`: a valid id, not a bad request
    response = httpx.get(bundled.url + "/api/v1/activity_logs/" + record_id, headers={"authorization": "Bearer k"})
    assert response.status_code == 200
    assert response.json()["activity_log"]["activity_id"] == record_id
    _assert_no_traceback(bundled)


def test_a_record_with_an_escaped_pair_is_stored_and_sent_back(petstore: RunningServer) -> None:
    """A surrogate pair is one character (not refused), and comes back as UTF-8."""
    body = json.dumps({"id": 5, "name": "dog \ud83d\ude00", "photoUrls": []}).encode()
    assert b"\\ud83d\\ude00" in body
    response = _post(petstore, "/__mock/records/getPetById/5", "application/json", body, "PUT")
    assert response.status_code == 201, response.text
    read = httpx.get(petstore.url + "/api/v3/pet/5", headers={**AUTH, "accept": "application/json"})
    assert read.status_code == 200
    assert read.json()["name"] == "dog \U0001F600"


# -- query values that are not UTF-8 text ---------------------------------------------------------

@pytest.mark.parametrize("query, byte", [("username=%ff", 9), ("username=%ED%A0%80", 9), ("username=caf%C3", 12)])
def test_a_query_that_is_not_utf8_gets_the_declared_400(petstore: RunningServer, query: str, byte: int) -> None:
    """Decoded, `%ff` was U+FFFD, and the mock answered for a name the client never sent."""
    response = httpx.get(petstore.url + "/api/v3/user/login?" + query)
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == f"the query is not UTF-8 text (byte {byte} once percent-decoded)"
    assert httpx.get(petstore.url + "/api/v3/user/login?username=caf%C3%A9").status_code == 200
    _assert_no_traceback(petstore)


def test_a_lago_query_that_is_not_utf8_is_a_400_problem(bundled: RunningServer) -> None:
    response = httpx.get(bundled.url + "/api/v1/activity_logs/abc?page=%ff", headers={"authorization": "Bearer k"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == _problem(400, "invalid-request", "Bad Request",
                                       "the query is not UTF-8 text (byte 5 once percent-decoded)")
    _assert_no_traceback(bundled)


# -- integers past the schema's own bounds ----------------------------------------------------------

@pytest.mark.parametrize("content_type, body", [
    ("application/json", b'{"id": 99999999999999999999, "name": "d", "photoUrls": []}'),
    ("application/xml", b"<pet><id>99999999999999999999</id><name>d</name><photoUrls/></pet>"),
    ("application/x-www-form-urlencoded", b"id=99999999999999999999&name=d&photoUrls=x"),
])
def test_an_id_past_int64_is_the_declared_400_in_every_media_type(petstore: RunningServer, content_type: str,
                                                                   body: bytes) -> None:
    """The form was a 422 (the record check after it), not the 400 the same JSON gets."""
    response = _post(petstore, "/api/v3/pet", content_type, body)
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == "99999999999999999999 is not a 'int64' at /id"
