"""Real clients' encodings and media types (issue 21): bracketed queries and form bodies as
Stripe's SDKs send them, deepObject and exploded form objects, parameter schemas without a
`type`, and vendor `+json` / `+xml` media types in negotiation, validation and examples.

tests/data/wire/wire.yaml holds one operation per class; Stripe's published document checks
the requests its SDKs send. A real server reading them: tests/process/test_wire.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from connexion.exceptions import BadRequestProblem
from connexion.lifecycle import ConnexionRequest
from connexion.uri_parsing import OpenAPIURIParser

from mockserver.http import brackets
from mockserver.server.request_validation import ClientURIParser, FormBody, form_value
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

DATA = REPO / "tests" / "data"
WIRE = DATA / "wire" / "wire.yaml"
STRIPE = DATA / "specs" / "stripe.json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LIST = {"object": "list"}


@pytest.fixture(scope="module")
def wire() -> InProcess:
    return InProcess(WIRE)


# -- decoding brackets ----------------------------------------------------------------------------

@pytest.mark.parametrize("pairs, value", [
    ([("metadata[plan]", "pro"), ("metadata[tier]", "2")], {"metadata": {"plan": "pro", "tier": "2"}}),
    ([("expand[]", "a"), ("expand[]", "b")], {"expand": ["a", "b"]}),
    ([("expand[1]", "b"), ("expand[0]", "a")], {"expand": ["a", "b"]}),  # by index, not by arrival
    ([("items[0][price]", "p1"), ("items[0][quantity]", "2"), ("items[1][price]", "p2")],
     {"items": [{"price": "p1", "quantity": "2"}, {"price": "p2"}]}),
    ([("tag", "a"), ("tag", "b")], {"tag": ["a", "b"]}),  # a repeated plain name, a list
    ([("metadata", "")], {"metadata": ""}),  # Stripe's "unset"
    ([("a[0]", "x"), ("a[b]", "y")], {"a": {"0": "x", "b": "y"}}),  # a named key makes it an object
    ([("a[99999999]", "x")], {"a": {"99999999": "x"}}),  # no array of a hundred million slots
    ([("a[b", "x"), ("a[b]c", "y"), ("[a]", "z")], {"a[b": "x", "a[b]c": "y", "[a]": "z"}),  # not brackets
    ([("a", "x"), ("a[b]", "y")], {"a": {"b": "y"}}),  # the last word counts
])
def test_bracketed_keys_decode_as_qs_and_rails_do(pairs: list[tuple[str, str]], value: Any) -> None:
    assert brackets.decode(pairs) == value


def test_a_deep_key_keeps_its_rest_as_one_key() -> None:
    key = "a" + "[x]" * (brackets.MAX_DEPTH + 3)
    assert brackets.split_key(key)[-1] == "[x][x][x]"


@pytest.mark.parametrize("value, schema, typed", [
    ("5", {"type": "integer"}, 5),
    ("5", {"oneOf": [{"type": "integer"}, {"type": "string"}]}, 5),  # no `type`: its options say
    ("cus_1", {"oneOf": [{"type": "integer"}, {"type": "string"}]}, "cus_1"),
    ("5", {"oneOf": [{"type": "string"}, {"type": "integer"}]}, "5"),  # the first option that reads it
    ("1.5", {"type": "number"}, 1.5),
    ("True", {"type": "boolean"}, True),  # as connexion reads booleans
    ("", {"anyOf": [{"type": "object"}, {"type": "string", "enum": [""]}]}, ""),
    ({"gt": "5"}, {"anyOf": [{"type": "object", "properties": {"gt": {"type": "integer"}}}, {"type": "integer"}]},
     {"gt": 5}),
    ({"plan": "pro"}, {"type": "object", "additionalProperties": {"type": "string"}}, {"plan": "pro"}),
    (["1", "2"], {"type": "array", "items": {"type": "integer"}}, [1, 2]),
    ("a", {"type": "array", "items": {"type": "string"}}, ["a"]),  # one value where an array fits
    (["1", "2"], {"type": "integer"}, 2),  # several where one fits: the last (Rails, connexion)
    ("abc", {"type": "integer"}, "abc"),  # left as text, for validation to refuse
    ("x", {}, "x"),
])
def test_text_is_typed_by_the_schema_and_its_options(value: Any, schema: dict, typed: Any) -> None:
    assert brackets.typed(value, schema) == typed


def test_a_form_part_declared_as_json_or_delimited_is_read_so() -> None:
    schema = {"type": "object", "properties": {"doc": {"type": "object"}, "ids": {"type": "array", "items": {"type": "integer"}}}}
    encoding = {"doc": {"contentType": "application/json"}, "ids": {"style": "pipeDelimited", "explode": False}}
    assert form_value({"doc": '{"a": 1}', "ids": "1|2"}, schema, encoding) == {"doc": {"a": 1}, "ids": [1, 2]}


# -- connexion's parser, through its public interface -----------------------------------------------

PARAMETERS = [
    {"name": "expand", "in": "query", "style": "deepObject", "explode": True,
     "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "created", "in": "query", "style": "deepObject",
     "schema": {"anyOf": [{"type": "object", "properties": {"gt": {"type": "integer"}}}, {"type": "integer"}]}},
    {"name": "page", "in": "query", "schema": {"type": "object", "properties": {"number": {"type": "integer"}}}},
    {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}},
    {"name": "id", "in": "path", "required": True, "schema": {"oneOf": [{"type": "integer"}, {"type": "string"}]}},
]


def _query_params(query: bytes, parser_cls: type = ClientURIParser) -> dict[str, Any]:
    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": query, "headers": []}
    return ConnexionRequest(scope, uri_parser=parser_cls(PARAMETERS, {})).query_params


def test_connexion_hands_our_parser_the_query_and_keeps_what_it_resolves() -> None:
    """Fails loudly if a connexion upgrade stops calling `resolve_query` with lists of values,
    or stops taking its result as the request's query parameters."""
    query = b"expand[0]=a&expand[1]=b&created[gt]=5&number=2&ids=1,2&ids=3&other=x"
    assert _query_params(query) == {"expand": ["a", "b"], "created": {"gt": 5}, "page": {"number": 2},
                                    "ids": [1, 2, 3], "other": ["x"]}
    assert _query_params(b"created=7") == {"created": 7}
    assert ClientURIParser(PARAMETERS, {}).resolve_path({"id": "cus_1"}) == {"id": "cus_1"}
    assert ClientURIParser(PARAMETERS, {}).resolve_path({"id": "12"}) == {"id": 12}


@pytest.mark.parametrize("query", [b"expand[0]=a", b"created=7"])
def test_connexions_own_parser_still_fails_these(query: bytes) -> None:
    """Why ClientURIParser exists; when connexion reads them itself, it can go."""
    with pytest.raises((TypeError, KeyError)):
        _query_params(query, OpenAPIURIParser)


# -- query parameters, served ----------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "expand[0]=data.default_source&expand[1]=sources",  # Stripe's SDKs
    "expand[]=data.default_source",  # older SDKs, Rails
    "expand=data.default_source",  # OpenAPI's own form
    "created[gt]=5&created[lte]=9",  # deepObject
    "created=5",  # the anyOf's other option
    "lines[0][amount]=5&lines[0][currency]=usd&lines[1][amount]=7",  # an array of objects
    "starting_after=cus_1", "starting_after=12",  # oneOf: [integer, string], no `type`
    "number=2&size=10",  # an exploded form object: its properties are names of their own
    "color=r,1,g,2",  # a form object not exploded
    "limit=3",
])
def test_valid_queries_are_answered(wire: InProcess, query: str) -> None:
    response = wire.get("/wire/customers?" + query)
    assert (response.status_code, response.json()) == (200, LIST), response.headers.get("x-mock-problem")


@pytest.mark.parametrize("query, reason", [
    ("expand[0]=" + "x" * 51, "Invalid query parameter 'expand': '" + "x" * 51 + "' is too long"),
    ("created[gt]=soon", "Invalid query parameter 'created': {'gt': 'soon'} is not valid under any of the given schemas"),
    ("lines[0][currency]=usd", "Invalid query parameter 'lines': 'amount' is a required property"),
    ("starting_after=x", "Invalid query parameter 'starting_after': 'x' is not valid under any of the given schemas"),
    ("number=2&size=100", "Invalid query parameter 'page': 100 is greater than the maximum of 50"),
    ("limit=abc", "Invalid query parameter 'limit': 'abc' is not of type 'integer'"),
])
def test_a_clients_mistake_in_the_query_is_the_declared_400(wire: InProcess, query: str, reason: str) -> None:
    response = wire.get("/wire/customers?" + query)
    assert response.status_code == 400 and set(response.json()) == {"error"}  # the declared 400, generated
    assert response.headers["x-mock-problem"] == reason


@pytest.mark.parametrize("path, status", [("/wire/customers/cus_abc", 200), ("/wire/customers/12", 200)])
def test_a_path_parameter_without_a_type_is_read_by_its_options(wire: InProcess, path: str, status: int) -> None:
    response = wire.get(path)
    assert (response.status_code, response.json()) == (status, {"id": path.rsplit("/", 1)[1]})


# -- form bodies -------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"name=Ada&metadata[plan]=pro&expand[]=default_source&balance=5&tax_exempt=true",
    b"metadata=",  # Stripe's "unset": `anyOf: [object, enum: ['']]`
    b"items[0][price]=p1&items[0][quantity]=2&items[1][price]=p2",
    b"expand[0]=a&expand[1]=b",
    b"",  # an optional body, absent
])
def test_stripe_style_form_bodies_are_accepted(wire: InProcess, body: bytes) -> None:
    response = wire.request("POST", "/wire/customers", FORM, body)
    assert response.status_code == 200, response.headers.get("x-mock-problem")
    assert set(response.json()) <= {"id"}


@pytest.mark.parametrize("body, reason", [
    (b"balance=abc", "'abc' is not of type 'integer' - 'balance'"),
    (b"items[0][quantity]=2", "'price' is a required property - 'items.0'"),
    (b"metadata=x", "'x' is not valid under any of the given schemas - 'metadata'"),
    (b"nickname=x", "Additional properties are not allowed ('nickname' was unexpected)"),
    (b"name=" + b"x" * 21, "'" + "x" * 21 + "' is too long - 'name'"),
])
def test_a_form_body_the_schema_refuses_is_the_declared_400(wire: InProcess, body: bytes, reason: str) -> None:
    response = wire.request("POST", "/wire/customers", FORM, body)
    assert response.status_code == 400 and set(response.json()) == {"error"}  # the declared 400, generated
    assert response.headers["x-mock-problem"] == reason


def test_a_multipart_forms_bracketed_names_are_decoded_too(wire: InProcess) -> None:
    def upload(fields: dict[str, str]) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wire.app), base_url="http://mock.test") as client:
                return await client.post("/wire/uploads", data=fields, files={"file": ("a.txt", b"hello")})
        return asyncio.run(go())
    assert upload({"metadata[plan]": "pro", "pages": "3"}).status_code == 201
    refused = upload({"pages": "many"})
    assert (refused.status_code, refused.json()["detail"]) == (400, "'many' is not of type 'integer' - 'pages'")


def test_a_form_that_is_not_utf8_is_a_400(wire: InProcess) -> None:
    response = wire.request("POST", "/wire/customers", FORM, b"name=\xff")
    assert (response.status_code, response.headers["x-mock-problem"]) == (400, "the body is not UTF-8 form data")


# -- media types ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ["application/vnd.github+json", "application/vnd.github.v3+json",
                                    "application/vnd.github+json; charset=utf-8", "text/html, application/vnd.github+json;q=0.5"])
def test_a_vendor_json_accept_gets_the_declared_json(wire: InProcess, accept: str) -> None:
    response = wire.get("/wire/repos/octo", {"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"full_name"}


def test_a_vendor_accept_refused_at_q0_is_still_a_406(wire: InProcess) -> None:
    response = wire.get("/wire/repos/octo", {"Accept": "application/vnd.github+json;q=0, text/html"})
    assert response.status_code == 406


@pytest.mark.parametrize("accept, served", [
    ("application/json", "application/vnd.acme.report+json"),  # any JSON for a JSON client
    ("application/vnd.acme.report+json", "application/vnd.acme.report+json"),
    ("application/xml", "application/atom+xml"),  # any XML for an XML client
    ("text/xml;q=0.9, application/json;q=0.5", "application/atom+xml"),
])
def test_the_json_and_xml_families_are_negotiated(wire: InProcess, accept: str, served: str) -> None:
    response = wire.get("/wire/reports", {"Accept": accept})
    assert (response.status_code, response.headers["content-type"]) == (200, served)


@pytest.mark.parametrize("accept, served, body", [
    ("application/json", "application/problem+json", b'{"type":"about:blank","title":"Forbidden","status":403}'),
    ("application/vnd.github.v3+json", "application/problem+json",
     b'{"type":"about:blank","title":"Forbidden","status":403}'),
    ("application/xml", "application/problem+xml", b'<?xml version="1.0" encoding="UTF-8"?>\n'
     b"<root><type>about:blank</type><title>Forbidden</title><status>403</status></root>"),
])
def test_problem_json_and_xml_examples_are_kept_and_served(wire: InProcess, accept: str, served: str,
                                                             body: bytes) -> None:
    """Their response declares headers, so openapi-core checks them: as JSON, not bytes."""
    response = wire.get("/wire/repos/octo", {"Accept": accept, "Prefer": "code=403"})
    assert (response.status_code, response.headers["content-type"], response.content) == (403, served, body)


def test_a_problem_xml_default_with_headers_is_valid(wire: InProcess) -> None:
    response = wire.get("/wire/reports", {"Prefer": "code=503"})
    assert (response.status_code, response.headers["content-type"]) == (503, "application/problem+xml")
    assert response.content.endswith(b"<root><type>about:blank</type><title>Unavailable</title><status>503</status></root>")


def test_a_vendor_json_request_body_is_validated_as_json(wire: InProcess) -> None:
    kind = {"Content-Type": "application/vnd.acme.report+json"}
    assert wire.request("POST", "/wire/reports", kind, b'{"title": "Q2"}').status_code == 201
    refused = wire.request("POST", "/wire/reports", kind, b'{"name": "Q2"}')
    assert (refused.status_code, refused.json()["detail"]) == (400, "'title' is a required property")


# -- Stripe's document, as its SDKs call it ---------------------------------------------------------------
# Stripe's generated replies may still be 500s (the generator's recursion through `anyOf`, fixed
# elsewhere): these tests assert what the parameters stage decides, never a 400/415/406 or a
# TypeError/KeyError for a request the contract allows.

@pytest.fixture(scope="module")
def stripe() -> InProcess:
    return InProcess(STRIPE)


def _not_refused(response: httpx.Response) -> None:
    assert response.status_code not in (400, 406, 415), response.headers.get("x-mock-problem")
    if response.status_code >= 500:
        assert "TypeError" not in response.text and "KeyError" not in response.text, response.text


def test_stripe_customer_create_with_metadata_and_expand_is_accepted(stripe: InProcess) -> None:
    headers = {**FORM, "Authorization": "Bearer sk_test_123"}
    _not_refused(stripe.request("POST", "/v1/customers", headers, b"metadata[plan]=pro&expand[]=default_source"))
    _not_refused(stripe.request("POST", "/v1/customers", headers, b"email=a%40b.co&metadata=&balance=100"))
    _not_refused(stripe.request("POST", "/v1/customers", headers, b"invoice_settings[custom_fields][0][name]=a"
                                                              b"&invoice_settings[custom_fields][0][value]=b"))


@pytest.mark.parametrize("body, reason", [
    (b"metadata[plan]=pro&expand[]=default_source&preferred_locales[0]=en", None),
    (b"metadata=&address=&invoice_settings[custom_fields]=", None),  # Stripe's "unset", three times
    (b"balance=lots", "'lots' is not of type 'integer' - 'balance'"),
    (b"metadata[plan][deep]=x", "{'plan': {'deep': 'x'}} is not valid under any of the given schemas - 'metadata'"),
    (b"nickname=x", "Additional properties are not allowed ('nickname' was unexpected)"),
])
def test_stripes_customer_form_is_checked_against_its_schema(body: bytes, reason: str | None) -> None:
    """The parameters stage's verdict on Stripe's own request schema (the declared 400 itself
    is generated, and Stripe's generated errors are another part of issue 21)."""
    content = json.loads(STRIPE.read_text())["paths"]["/v1/customers"]["post"]["requestBody"]["content"]
    form = content["application/x-www-form-urlencoded"]
    check = FormBody(form["schema"], form["encoding"], strict=False)
    fields = brackets.decode(parse_qsl(body.decode(), keep_blank_values=True))
    if reason is None:
        check.check(fields, sent=True, required=False)
    else:
        with pytest.raises(BadRequestProblem) as refused:
            check.check(fields, sent=True, required=False)
        assert refused.value.detail == reason


@pytest.mark.parametrize("query", ["expand[0]=data.default_source&limit=3", "created[gte]=1700000000&limit=3",
                                   "created=1700000000"])
def test_stripe_list_queries_are_read(stripe: InProcess, query: str) -> None:
    _not_refused(stripe.get("/v1/customers?" + query, {"Authorization": "Bearer sk_test_123"}))


def test_stripe_query_arrays_of_objects_are_read(stripe: InProcess) -> None:
    query = urlencode({"customer": "cus_1", "subscription_items[0][price]": "price_1",
                       "subscription_items[0][quantity]": "2"})
    _not_refused(stripe.get("/v1/invoices/upcoming?" + query, {"Authorization": "Bearer sk_test_123"}))


# -- a slice of GitHub's document, as Octokit calls it ------------------------------------------------------

GITHUB_GETS = ["/meta", "/rate_limit", "/user", "/users/{username}", "/orgs/{org}", "/repos/{owner}/{repo}",
               "/repos/{owner}/{repo}/issues", "/repos/{owner}/{repo}/issues/{issue_number}", "/gists/{gist_id}",
               "/repos/{owner}/{repo}/pulls/{pull_number}"]


def _github_slice(paths: list[str], into: Path) -> Path:
    """GitHub's document cut down to the GETs of `paths` and the components they reach (the
    whole document is another part of issue 21)."""
    document = json.loads((DATA / "specs" / "github.json").read_text(encoding="utf-8"))
    kept: dict[str, dict[str, Any]] = {}
    todo: list[Any] = [{"get": document["paths"][path]["get"]} for path in paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, kind, name = ref.split("/", 3)
                if name not in kept.setdefault(kind, {}):
                    kept[kind][name] = document["components"][kind][name]
                    todo.append(kept[kind][name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    sliced = {**{key: document[key] for key in ("openapi", "info")}, "servers": [{"url": "/"}],
              "paths": {path: {"get": document["paths"][path]["get"]} for path in paths}, "components": kept}
    target = into / "github-slice.json"
    target.write_text(json.dumps(sliced), encoding="utf-8")
    return target


def test_githubs_vendor_accept_gets_the_declared_json(tmp_path: Path) -> None:
    github = InProcess(_github_slice(GITHUB_GETS, tmp_path))
    for path in GITHUB_GETS:
        concrete = path.replace("{issue_number}", "1").replace("{pull_number}", "1").replace("{", "").replace("}", "")
        response = github.get(concrete, {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"})
        assert response.status_code != 406, path
        if response.status_code == 200:
            assert response.headers["content-type"] == "application/json", path
