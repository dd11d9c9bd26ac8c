"""Request bodies no schema can describe are a 400 that says why, never a 500 (issue 23):
nesting deeper than MAX_BODY_DEPTH, integers beyond Python's digit limit, NaN and numbers past
a double, lone surrogates and bytes that are not UTF-8; XML read into the value its schema
describes (OpenAPI `xml` objects) and checked exactly as JSON is.

The parsers (http/request.py) directly, then Petstore in this process (tests/inprocess.py);
real servers: tests/process/test_hostile_bodies.py.
"""

from __future__ import annotations

import pytest

from mockserver.base.defaults import MAX_BODY_DEPTH
from mockserver.http.request import UnreadableBody, json_value, xml_body, xml_root
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
AUTH = {"api_key": "k", "authorization": "Bearer k"}
DEEP = f"the body nests arrays and objects deeper than {MAX_BODY_DEPTH} levels"


# -- JSON -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, reason", [
    (b"[" * 10_000 + b"]" * 10_000, DEEP),
    (b'{"a":' * (MAX_BODY_DEPTH + 1) + b"1" + b"}" * (MAX_BODY_DEPTH + 1), DEEP),
    (b"[" * (MAX_BODY_DEPTH + 1) + b"]" * (MAX_BODY_DEPTH + 1), DEEP),
    (b'{"id": ' + b"9" * 5000 + b"}", "an integer of 5000 digits is more than this server reads"),
    (b'{"id": -' + b"9" * 5000 + b"}", "an integer of 5000 digits is more than this server reads"),
    (b'{"name": "\\ud800"}', "a string holds a lone surrogate (\\ud800), which is not Unicode text"),
    (b'{"name": "a\\udfffb"}', "a string holds a lone surrogate (\\udfff), which is not Unicode text"),
    (b'{"\\udc00": 1}', "a string holds a lone surrogate (\\udc00), which is not Unicode text"),
    (b'[[{"x": ["\\ud83d"]}]]', "a string holds a lone surrogate (\\ud83d), which is not Unicode text"),
    (b'{"name": "\xed\xa0\x80"}', "the body is not UTF-8 (byte 10)"),  # a surrogate encoded in UTF-8
    (b'{"name": "\xff"}', "the body is not UTF-8 (byte 10)"),
    (b"NaN", "the body is not JSON: NaN is not a JSON value"),
    (b'{"a": -Infinity}', "the body is not JSON: -Infinity is not a JSON value"),
    (b"[1e999]", "the number 1e999 is beyond the range of a double"),
    (b'{"a": 1', "the body is not JSON: Expecting ',' delimiter: line 1 column 8 (char 7)"),
])
def test_json_no_schema_can_describe_is_unreadable(body: bytes, reason: str) -> None:
    with pytest.raises(UnreadableBody) as refused:
        json_value(body)
    assert str(refused.value) == reason


@pytest.mark.parametrize("body, value", [
    (b"[" * MAX_BODY_DEPTH + b"]" * MAX_BODY_DEPTH, eval("[" * MAX_BODY_DEPTH + "]" * MAX_BODY_DEPTH)),
    (b'{"x": "\\ud83d\\ude00", "y": "caf\\u00e9"}', {"x": "\U0001F600", "y": "café"}),  # a pair is one character
    (b'{"id": ' + b"9" * 4300 + b', "f": 1.5}', {"id": int("9" * 4300), "f": 1.5}),
    ('{"name": "é"}'.encode("utf-16"), {"name": "é"}),  # JSON's other encodings, as json.loads reads them
    (b'"[[[["', "[[[["),  # brackets in strings are no nesting
])
def test_json_within_the_bounds_is_read(body: bytes, value: object) -> None:
    assert json_value(body) == value


# -- XML ------------------------------------------------------------------------------------------

PET = {  # Petstore's Pet, as connexion hands it over ($refs resolved)
    "type": "object", "required": ["name", "photoUrls"], "xml": {"name": "pet"},
    "properties": {
        "id": {"type": "integer", "format": "int64"},
        "name": {"type": "string"},
        "category": {"type": "object", "xml": {"name": "category"},
                     "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "photoUrls": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string", "xml": {"name": "photoUrl"}}},
        "tags": {"type": "array", "xml": {"wrapped": True},
                 "items": {"type": "object", "xml": {"name": "tag"}, "properties": {"id": {"type": "integer"}}}},
        "status": {"type": "string"},
        "code": {"type": "string", "xml": {"attribute": True}},
        "nick": {"type": "array", "items": {"type": "string", "xml": {"name": "alias"}}},  # not wrapped
        "born": {"type": "boolean"},
    },
}


def test_xml_is_read_into_the_value_its_schema_describes() -> None:
    body = (b'<?xml version="1.0"?><pet code="x1"><id>10</id><name>doggie</name><category><id>1</id>'
            b'<name>Dogs</name></category><photoUrls><photoUrl>a</photoUrl><photoUrl>b</photoUrl></photoUrls>'
            b'<tags><tag><id>3</id></tag></tags><alias>rex</alias><alias>max</alias><born>true</born>'
            b'<extra>1</extra></pet>')
    assert xml_body(xml_root(body), PET) == {
        "id": 10, "name": "doggie", "category": {"id": 1, "name": "Dogs"}, "photoUrls": ["a", "b"],
        "tags": [{"id": 3}], "code": "x1", "nick": ["rex", "max"], "born": True, "extra": "1"}


def test_xml_text_no_type_reads_stays_text_for_validation_to_refuse() -> None:
    body = b"<pet><id>" + b"9" * 5000 + b"</id><name>d</name></pet>"
    assert xml_body(xml_root(body), PET) == {"id": "9" * 5000, "name": "d"}


@pytest.mark.parametrize("body, reason", [
    (b"<pet><id>10</id><na", "the body is not well-formed XML: unclosed token: line 1, column 16"),
    (b"<pet><name>\xff</name></pet>", "the body is not well-formed XML: not well-formed (invalid token): line 1, column 11"),
    (b"<pet><name>&#xD800;</name></pet>",
     "the body is not well-formed XML: reference to invalid character number: line 1, column 11"),
    (b'<!DOCTYPE p [<!ENTITY a "aaaa">]><pet><name>&a;</name></pet>',
     "the body is XML with a document type declaration (DTD), which this server does not read"),
])
def test_malformed_xml_is_unreadable(body: bytes, reason: str) -> None:
    with pytest.raises(UnreadableBody) as refused:
        xml_body(xml_root(body), PET)
    assert str(refused.value) == reason


def test_xml_nested_deeper_than_the_bound_is_unreadable() -> None:
    body = b"<pet><name>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</name></pet>"
    with pytest.raises(UnreadableBody) as refused:
        xml_body(xml_root(body), PET)
    assert str(refused.value) == f"the body nests elements deeper than {MAX_BODY_DEPTH} levels"


# -- through the app: the operation's declared 400 ---------------------------------------------

@pytest.fixture(scope="module")
def petstore() -> InProcess:
    return InProcess(PETSTORE)


def _post_pet(petstore: InProcess, content_type: str, body: bytes):
    return petstore.request("POST", "/api/v3/pet", {"content-type": content_type, **AUTH}, body)


@pytest.mark.parametrize("content_type, body, reason", [
    ("application/json", b"[" * 10_000 + b"]" * 10_000, DEEP),
    ("application/json", b'{"id": ' + b"9" * 5000 + b', "name": "d", "photoUrls": []}',
     "an integer of 5000 digits is more than this server reads"),
    ("application/json", b'{"id": 1, "name": "\\ud800", "photoUrls": []}',
     "a string holds a lone surrogate (\\ud800), which is not Unicode text"),
    ("application/xml", b"<pet><id>10</id><photoUrls><photoUrl>x</photoUrl></photoUrls></pet>",
     "'name' is a required property"),
    ("application/xml", b"<pet><id>10</id><na", "the body is not well-formed XML: unclosed token: line 1, column 16"),
    ("application/xml", b"<pet><id>10</id><name>d</name><photoUrls/><status>gone</status></pet>",
     "'gone' is not one of ['available', 'pending', 'sold'] - 'status'"),
])
def test_a_body_no_schema_allows_gets_the_declared_400(petstore: InProcess, content_type: str, body: bytes,
                                                       reason: str) -> None:
    response = _post_pet(petstore, content_type, body)
    assert (response.status_code, response.content) == (400, b"")
    assert response.headers["x-mock-problem"] == reason
    assert "content-type" not in response.headers


def test_text_where_the_schema_has_an_object_is_refused_not_read_as_an_empty_object(petstore: InProcess) -> None:
    """Schemathesis sent `true` as `<pet>true</pet>`: read as an object with no properties it was
    stored with 200; it is the text "true", which the schema refuses."""
    assert xml_body(xml_root(b"<pet>true</pet>"), PET) == "true"
    assert xml_body(xml_root(b"<pet> </pet>"), PET) == {}
    response = _post_pet(petstore, "application/xml", b"<pet>true</pet>")
    assert (response.status_code, response.headers["x-mock-problem"]) == (400, "'true' is not of type 'object'")


def test_a_required_array_absent_from_a_form_is_empty_as_a_form_writes_it(petstore: InProcess) -> None:
    """A form cannot write `photoUrls: []`: an exploded array of no items is no field at all."""
    from mockserver.server.request_validation import form_value
    assert form_value({"name": "d"}, PET, {}) == {"name": "d", "photoUrls": []}
    response = petstore.request("POST", "/api/v3/pet", {"content-type": "application/x-www-form-urlencoded", **AUTH},
                                b"id=10&name=doggie&status=sold")
    assert response.status_code == 200, response.headers


def test_a_valid_xml_pet_is_stored_as_json_would_be(petstore: InProcess) -> None:
    body = (b"<pet><id>77</id><name>doggie</name><photoUrls><photoUrl>a</photoUrl><photoUrl>b</photoUrl>"
            b"</photoUrls><status>sold</status></pet>")
    response = _post_pet(petstore, "application/xml", body)
    assert response.status_code == 200, response.headers
    stored = petstore.get("/api/v3/pet/77", {**AUTH, "accept": "application/json"}).json()
    assert (stored["id"], stored["name"], stored["photoUrls"], stored["status"]) == (77, "doggie", ["a", "b"], "sold")


def test_a_form_part_that_is_hostile_json_stays_text_for_validation_to_refuse() -> None:
    """A form field whose `encoding` says JSON was read with json.loads: a RecursionError."""
    from mockserver.server.request_validation import form_value
    schema = {"type": "object", "properties": {"meta": {"type": "object"}}}
    deep = "[" * 10_000 + "]" * 10_000
    assert form_value({"meta": deep}, schema, {"meta": {"contentType": "application/json"}}) == {"meta": deep}
    assert form_value({"meta": '{"a": [1]}'}, schema, {"meta": {"contentType": "application/json"}}) == {"meta": {"a": [1]}}


def test_a_bug_in_the_control_api_is_a_problem_json_500_logged_once(monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """starlette's own answer was a bare text/plain "Internal Server Error"."""
    import logging

    app = InProcess(REPO / "openapi" / "lago.yaml")

    def broken() -> None:
        raise KeyError("boom")

    monkeypatch.setattr(app.engine.sessions, "describe", broken)
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        response = app.get("/__mock/sessions", {"host": "127.0.0.1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "https://mockserver.invalid/problems/internal-error",
                               "title": "Internal Server Error", "status": 500,
                               "detail": "KeyError while answering; see the server log"}
    [entry] = [r for r in caplog.records if r.getMessage().startswith("internal error on GET /__mock/sessions")]
    assert "KeyError: 'boom'" in entry.getMessage()
