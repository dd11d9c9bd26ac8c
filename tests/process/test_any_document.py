"""Any OpenAPI document, served as it is: `serve --spec FILE` with no normalize step, and no 500
for a request the contract allows.

Real public documents (tests/data/specs/, with their licence lines): Swagger's Petstore
(OpenAPI 3.0) and Redocly's Museum (OpenAPI 3.1); beside them a hand-written 3.1 `todos`
document without operationIds, and `edges.yaml` for the requests that used to end in a 500.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

SPECS = REPO / "tests" / "data" / "specs"
ANYDOC = REPO / "tests" / "data" / "anydoc"
CREDENTIALS = {  # every scheme the documents declare: petstore's api_key and OAuth2, museum's basic
    "api_key": "k",
    "Authorization": "Basic " + base64.b64encode(b"user:pass").decode(),
}
BEARER = {"api_key": "k", "Authorization": "Bearer k"}


def serving(*specs: Path) -> Iterator[RunningServer]:
    """The body of a module fixture: a server for these documents, stopped after the module."""
    running = start_server(*[arg for spec in specs for arg in ("--spec", str(spec))])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def documents() -> Iterator[RunningServer]:
    running = start_server("--spec", str(SPECS / "petstore-3.0.yaml"), "--spec", str(SPECS / "museum-3.1.yaml"),
                           "--spec", str(ANYDOC / "todos-3.1.yaml"), "--spec", str(ANYDOC / "edges.yaml"))
    yield running
    running.stop()


def path_value(route: dict, name: str) -> str:
    """A value the path parameter's own schema allows (a uuid where it says `format: uuid`)."""
    return "3be6453c-03eb-4357-ae5a-984a0e574a54" if name.lower().endswith(("eventid", "ticketid")) else "1"


def test_documents_start_with_no_normalize_step(documents: RunningServer) -> None:
    banner = documents.banner
    assert "petstore-3.0: " in banner and "museum-3.1: " in banner and "todos-3.1: " in banner
    # the 3.1 todos document had no operationIds: they were assigned as `normalize` assigns them
    assert "GET    /todos-api/todos  -> listTodos" in banner
    assert "GET    /todos-api/todos/{todoId}  -> findTodo" in banner
    # 3.1 `webhooks` are kept (under x-webhooks, issue 26), not dropped with a warning
    assert "#/webhooks" not in documents.log()


@pytest.mark.parametrize("api", ["petstore-3.0", "museum-3.1", "todos-3.1"])
def test_every_get_answers_a_contract_valid_2xx(documents: RunningServer, api: str) -> None:
    routes = [r for r in httpx.get(documents.url + "/__mock/routes").json()["routes"]
              if r["api"] == api and r["method"] == "GET"]
    assert routes
    for route in routes:
        path = re.sub(r"\{([^}]+)\}", lambda m: path_value(route, m.group(1)), route["path"])
        headers = BEARER if api == "petstore-3.0" else CREDENTIALS
        response = httpx.get(documents.url + path, headers=headers)
        # the mock validates every reply before it leaves: a 2xx is a contract-valid one
        assert 200 <= response.status_code < 300, (route["operationId"], response.status_code, response.text[:300])
        if "json" in (response.headers.get("content-type") or ""):
            response.json()


def test_a_normalized_document_is_cached_by_the_inputs_hash(documents: RunningServer) -> None:
    cache = Path(os.environ["MOCKSERVER_CACHE_DIR"])
    assert len(list(cache.glob("*.json"))) >= 2  # museum and todos were normalized, petstore served as is
    again = start_server("--spec", str(SPECS / "museum-3.1.yaml"))
    try:
        assert "#/webhooks" not in again.log()
        # the cached document keeps museum's webhooks (issue 26: x-webhooks)
        assert any("publishNewEvent" in path.read_text() for path in cache.glob("*.json"))
    finally:
        again.stop()


def test_a_concrete_path_matches_before_its_templated_sibling(documents: RunningServer) -> None:
    summary = httpx.get(documents.url + "/edges/invoices/summary")
    assert summary.status_code == 200 and set(summary.json()) == {"count"}
    assert httpx.get(documents.url + "/edges/invoices/inv_12").json() == {"id": "inv_12"}


def test_a_concrete_path_owns_every_method_and_allow_lists_its_path_items_methods(documents: RunningServer) -> None:
    """Found by schemathesis (ST205): `/user/login` declares only GET, so DELETE there is no
    `deleteUser` of user "login", and `Allow` names every method of the path item."""
    shadowed = httpx.delete(documents.url + "/api/v3/user/login", headers=BEARER)
    assert (shadowed.status_code, shadowed.headers["allow"]) == (405, "GET, HEAD")
    assert shadowed.headers["content-type"] == "application/problem+json"
    options = httpx.options(documents.url + "/api/v3/pet/1", headers=BEARER)
    assert (options.status_code, options.headers["allow"]) == (405, "DELETE, GET, HEAD, POST")
    assert httpx.delete(documents.url + "/api/v3/user/ada", headers=BEARER).status_code != 405


def test_a_path_id_of_the_wrong_type_is_the_declared_400_not_an_unserved_path(documents: RunningServer) -> None:
    """connexion's router takes only integers for an integer parameter; `abc` still names getPetById."""
    response = httpx.get(documents.url + "/api/v3/pet/abc", headers=BEARER)
    assert response.status_code == 400 and "getPetById" in response.headers["x-mock-problem"]
    routes = {r["operationId"]: r["curl"] for r in httpx.get(documents.url + "/__mock/routes").json()["routes"]}
    assert routes["addPet"].startswith("curl -i -X POST ") and " --data-binary '{" in routes["addPet"]
    assert routes["getPetById"].startswith("curl -i -H")


def test_an_integer_beyond_its_format_is_the_declared_400(documents: RunningServer) -> None:
    """Found by schemathesis (ST201): an `int64` id of 22 digits is not a valid request."""
    response = httpx.get(documents.url + "/api/v3/store/order/7979570105738892148736", headers=BEARER)
    assert response.status_code == 400 and "int64" in response.headers["x-mock-problem"]
    assert httpx.get(documents.url + "/api/v3/store/order/9223372036854775807", headers=BEARER).status_code == 200


def test_an_enforced_401_the_document_omits_is_declared_in_the_served_document(documents: RunningServer) -> None:
    """Museum requires credentials and declares no 401: the mock still answers one, and the
    document it serves says so, with one start-up warning."""
    base = documents.url + "/_mock/docs/openapi/museum-api"
    refused = httpx.get(base + "/museum-hours")
    assert (refused.status_code, refused.headers["www-authenticate"]) == (401, 'Basic realm="mockserver"')
    assert refused.json()["detail"] == "getMuseumHours requires credentials"
    served = httpx.get(base + "/openapi.json").json()
    assert "application/problem+json" in served["paths"]["/museum-hours"]["get"]["responses"]["401"]["content"]
    assert documents.log().count("require credentials but declare no 401") == 1
    petstore = httpx.get(documents.url + "/api/v3/openapi.json").json()  # its `default` covers the 401
    assert "401" not in petstore["paths"]["/pet/{petId}"]["get"]["responses"]


def test_a_path_id_that_breaks_the_parameters_format_is_the_declared_400(documents: RunningServer) -> None:
    response = httpx.get(documents.url + "/edges/events/1")
    assert (response.status_code, response.json()) == (400, {"error": "bad_request"})
    assert "is not a 'uuid'" in response.headers["x-mock-problem"]
    good = "123e4567-e89b-12d3-a456-426614174000"
    assert httpx.get(documents.url + f"/edges/events/{good}").json() == {"eventId": good}


def test_an_id_the_records_field_cannot_hold_is_a_404(documents: RunningServer) -> None:
    declared = httpx.get(documents.url + "/edges/invoices/abc")  # the id field's pattern is ^inv_[0-9]+$
    assert (declared.status_code, declared.json()) == (404, {"error": "not_found"})
    assert declared.headers["x-mock-problem"] == "id cannot hold 'abc'"
    undeclared = httpx.get(documents.url + "/edges/counters/seven")  # an integer id field, no 404 declared
    assert undeclared.status_code == 404 and undeclared.headers["content-type"] == "application/problem+json"
    assert undeclared.json()["type"].endswith("/unknown-record")
    assert httpx.get(documents.url + "/edges/counters/7").json() == {"id": 7}


def test_an_example_that_breaks_its_own_schema_is_skipped_with_one_warning(documents: RunningServer) -> None:
    log = documents.log()
    warning = ("edges.yaml: GET /invoices/summary 200: example 'example' breaks its own schema "
               "(/count: 'many' is not of type 'integer'); generated values are served instead")
    assert log.count(warning) == 1
    assert isinstance(httpx.get(documents.url + "/edges/invoices/summary").json()["count"], int)


# -- media types ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def media() -> Iterator[RunningServer]:
    yield from serving(ANYDOC / "media.yaml")


def test_pdf_and_png_bodies_are_real_files(media: RunningServer) -> None:
    pdf = httpx.get(media.url + "/media/report.pdf")
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-1.4\n") and pdf.content.endswith(b"%%EOF\n")
    offset = int(pdf.content.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf.content[offset:].startswith(b"xref\n")  # the cross-reference table is where it says
    png = httpx.get(media.url + "/media/badge.png")
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") and png.content.endswith(b"IEND\xaeB`\x82")


def test_csv_is_built_from_the_schema(media: RunningServer) -> None:
    import csv
    import io

    response = httpx.get(media.url + "/media/people.csv")
    assert (response.status_code, response.headers["content-type"]) == (200, "text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and all(row["name"] == "Ada" and 0 <= int(row["age"]) <= 120 for row in rows)


def test_xml_is_built_from_the_schema(media: RunningServer) -> None:
    import xml.etree.ElementTree as ElementTree

    response = httpx.get(media.url + "/media/pet.xml")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "pet" and root.findtext("name") == "Rex"


def test_text_bodies_and_example_only_media_types(media: RunningServer) -> None:
    text = httpx.get(media.url + "/media/hello")
    assert (text.status_code, text.headers["content-type"], text.text) == (200, "text/plain", "hello there")
    html = httpx.get(media.url + "/media/page")
    assert (html.status_code, html.headers["content-type"], html.text) == (200, "text/html", "<h1>Hi</h1>")
    example_only = httpx.get(media.url + "/media/greeting")  # an example and no schema: served, not a 500
    assert (example_only.status_code, example_only.json()) == (200, "hello")
    nothing = httpx.get(media.url + "/media/nothing")
    assert (nothing.status_code, nothing.content) == (204, b"")


# -- lenient loading -------------------------------------------------------------------------------

QUIRKS = [  # (what a tiny hand-written document does, the warning it gets)
    ("paths:\n  /things/{id}:\n    get:\n      parameters: [{name: id, in: path, schema: {type: string}}]\n"
     "      responses: {'200': {description: ok}}\n",
     "#/paths/~1things~1{id}/get/parameters/0: path parameter 'id' lacks required: true; taken as required"),
    ("paths:\n  /things:\n    get:\n      parameters: [{name: q, in: query}]\n"
     "      responses: {'200': {description: ok}}\n",
     "#/paths/~1things/get/parameters/0: parameter 'q' has no schema; taken as a string"),
    ("paths:\n  /things:\n    get:\n      responses: {'200': {content: {application/json: {schema: {type: object}}}}}\n",
     "#/paths/~1things/get/responses/200: a response without a description; an empty one is assumed"),
    ("paths:\n  /things:\n    get:\n      summary: all\n      owner: team-a\n      responses: {'200': {description: ok}}\n",
     "#/paths/~1things/get/owner: not an OpenAPI 3.0 field here; ignored"),
    ("paths:\n  /things:\n    get:\n      summary: no responses at all\n",
     "#/paths/~1things/get: no responses; taken as a bodiless default response"),
]


@pytest.mark.parametrize("body, warning", QUIRKS, ids=["path-param-required", "no-schema", "no-description",
                                                        "stray-key", "no-responses"])
def test_a_small_violation_loads_with_one_warning(tmp_path: Path, body: str, warning: str) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: tiny, version: '1'}\n" + body)
    running = start_server("--spec", str(spec))
    try:
        log = running.log()
        assert log.count(warning) == 1, log
        route = httpx.get(running.url + "/__mock/routes").json()["routes"][0]
        path = route["path"].replace("{id}", "7")
        assert httpx.get(running.url + path).status_code < 500
    finally:
        running.stop()


def test_a_document_without_info_loads_with_one_warning_each(tmp_path: Path) -> None:
    spec = tmp_path / "noinfo.yaml"
    spec.write_text("openapi: 3.0.3\npaths:\n  /ping:\n    get:\n      responses: {'200': {description: pong}}\n")
    running = start_server("--spec", str(spec))
    try:
        log = running.log()
        assert "#/info/title: missing;" in log and "#/info/version: missing; '0.0.0' is assumed" in log, log
        assert httpx.get(running.url + "/ping").status_code == 200
    finally:
        running.stop()


# -- default and range responses ---------------------------------------------------------------

@pytest.fixture(scope="module")
def ranges() -> Iterator[RunningServer]:
    yield from serving(ANYDOC / "ranges.yaml")


def test_a_default_response_is_the_reply_when_nothing_more_specific_is_declared(ranges: RunningServer) -> None:
    response = httpx.get(ranges.url + "/ranges/only-default")
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_range_responses_answer_their_statuses(ranges: RunningServer) -> None:
    ok = httpx.get(ranges.url + "/ranges/ranged")
    assert ok.status_code == 200 and isinstance(ok.json()["n"], int)
    for status in (404, 409):
        refused = httpx.get(ranges.url + "/ranges/ranged", headers={"Prefer": f"code={status}"})
        assert (refused.status_code, refused.json()) == (status, {"error": "client_error"})
    undeclared = httpx.get(ranges.url + "/ranges/ranged", headers={"Prefer": "code=503"})
    assert undeclared.status_code == 422 and undeclared.json()["type"].endswith("/undeclared-preference")


def test_prefer_an_undeclared_status_gets_the_default_response_with_that_status(ranges: RunningServer) -> None:
    assert httpx.get(ranges.url + "/ranges/with-default").json() == {"n": 1}
    teapot = httpx.get(ranges.url + "/ranges/with-default?__code=418")
    assert (teapot.status_code, teapot.json()) == (418, {"message": "something went wrong"})


def test_every_stage_answers_with_a_declared_range_when_the_status_itself_is_not_declared(ranges: RunningServer) -> None:
    """Security's 401 here: the document declares 4XX, not 401, so the 401 is that reply."""
    refused = httpx.get(ranges.url + "/ranges/secured")
    assert (refused.status_code, refused.json()) == (401, {"error": "client_error"})
    assert "www-authenticate" not in refused.headers  # the contract's reply, not the mock's problem
    assert httpx.get(ranges.url + "/ranges/secured", auth=("a", "b")).status_code == 200


# -- content negotiation -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def negotiation() -> Iterator[RunningServer]:
    yield from serving(ANYDOC / "negotiation.yaml")


def test_no_accept_gets_the_json_a_declared_xml_alternative_does_not_displace(negotiation: RunningServer) -> None:
    response = httpx.get(negotiation.url + "/neg/pets/7")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == {"id": 7, "name": "Rex"}
    assert response.headers["vary"].lower().count("accept") <= 1


@pytest.mark.parametrize("accept, served", [
    ("application/xml", "application/xml"),
    ("application/xml;q=0.9, application/json;q=0.5", "application/xml"),
    ("application/json;q=0.5, application/xml;q=0.9", "application/xml"),
    ("application/*;q=0.2, application/xml", "application/xml"),
    ("*/*", "application/json"),
    ("text/html, */*;q=0.1", "application/json"),
    ("application/json", "application/json"),
    ("application/json; charset=UTF-8", "application/json"),  # parameters are not a reason for a 406
    ("application/xml;charset=utf-8, application/json;q=0.5", "application/xml"),
])
def test_accept_with_q_values_and_wildcards_picks_the_declared_media_type(
        negotiation: RunningServer, accept: str, served: str) -> None:
    import xml.etree.ElementTree as ElementTree

    response = httpx.get(negotiation.url + "/neg/pets/7", headers={"Accept": accept})
    assert (response.status_code, response.headers["content-type"]) == (200, served)
    assert response.headers["vary"] == "Accept, Origin"  # caches must key on it
    if served == "application/xml":  # the same record, in the other media type
        root = ElementTree.fromstring(response.content)
        assert (root.tag, root.findtext("id"), root.findtext("name")) == ("pet", "7", "Rex")
    else:
        assert response.json() == {"id": 7, "name": "Rex"}


def test_an_accept_no_declared_type_satisfies_is_a_406_naming_the_declared_ones(negotiation: RunningServer) -> None:
    response = httpx.get(negotiation.url + "/neg/pets/7", headers={"Accept": "text/csv"})
    assert (response.status_code, response.headers["content-type"]) == (406, "application/problem+json")
    assert response.json()["detail"] == "this operation only answers application/json, application/xml"


def test_a_wildcard_media_type_is_served_as_json_and_a_charset_parameter_as_declared(
        negotiation: RunningServer) -> None:
    anything = httpx.get(negotiation.url + "/neg/anything")
    assert (anything.status_code, anything.headers["content-type"]) == (200, "application/json")
    assert isinstance(anything.json()["ok"], bool)
    charset = httpx.get(negotiation.url + "/neg/charset", headers={"Accept": "application/json"})
    assert (charset.status_code, charset.headers["content-type"], charset.json()) == (
        200, "application/json; charset=utf-8", {"name": "Rex"})
    assert "contract violation" not in negotiation.log()


# -- pagination and distinct items ---------------------------------------------------------------

@pytest.fixture(scope="module")
def pages() -> Iterator[RunningServer]:
    yield from serving(ANYDOC / "pages.yaml")


def test_page_numbers_and_meta_agree_with_the_query_and_the_items(pages: RunningServer) -> None:
    first = httpx.get(pages.url + "/pages/invoices?page=1&per_page=3").json()
    total = first["meta"]["total_count"]
    last_page = -(-total // 3)
    assert len(first["invoices"]) == 3
    assert first["meta"] == {"current_page": 1, "next_page": 2, "prev_page": None,
                             "total_pages": last_page, "total_count": total}
    second = httpx.get(pages.url + "/pages/invoices?page=2&per_page=3").json()
    assert second["meta"]["current_page"] == 2 and second["meta"]["prev_page"] == 1
    assert not {i["id"] for i in first["invoices"]} & {i["id"] for i in second["invoices"]}  # other records
    last = httpx.get(pages.url + f"/pages/invoices?page={last_page}&per_page=3").json()
    assert len(last["invoices"]) == total - 3 * (last_page - 1) and last["meta"]["next_page"] is None
    beyond = httpx.get(pages.url + f"/pages/invoices?page={last_page + 1}&per_page=3").json()
    assert beyond["invoices"] == [] and beyond["meta"]["total_count"] == total
    default = httpx.get(pages.url + "/pages/invoices").json()  # per_page's declared default, 20
    assert len(default["invoices"]) == min(20, total) and default["meta"]["current_page"] == 1
    assert httpx.get(pages.url + "/pages/invoices?page=1&per_page=3").json() == first  # deterministic


def test_offset_and_limit_agree_with_the_items_and_has_more(pages: RunningServer) -> None:
    body = httpx.get(pages.url + "/pages/events?offset=5&limit=4").json()
    assert (len(body["data"]), body["offset"], body["limit"]) == (4, 5, 4)
    assert body["has_more"] is (5 + 4 < body["total"])
    end = httpx.get(pages.url + f"/pages/events?offset={body['total'] - 1}&limit=4").json()
    assert (len(end["data"]), end["has_more"]) == (1, False)


def test_array_items_are_distinct_and_a_bare_array_is_sized_by_limit(pages: RunningServer) -> None:
    five = httpx.get(pages.url + "/pages/tags?limit=5").json()
    assert len(five) == 5 and len(set(five)) == 5 and "urgent" in five  # the example, then others
    ten = httpx.get(pages.url + "/pages/tags").json()  # limit's declared default
    assert len(ten) == 10 and len(set(ten)) == 10


# -- external references -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def split() -> Iterator[RunningServer]:
    yield from serving(ANYDOC / "split" / "api.yaml")


def test_a_document_split_over_files_is_served(split: RunningServer) -> None:
    todo = httpx.get(split.url + "/split/todos/t1")  # path item and schemas from two other files
    assert (todo.status_code, todo.json()) == (200, {"todoId": "t1", "title": "Buy milk", "owner": {"name": "Ada"}})
    node = httpx.get(split.url + "/split/nodes/n1")  # a recursive schema in its own file
    assert (node.status_code, node.json()["id"]) == (200, "n1")
    warning = "api.yaml: $ref './docs/nope.md' cannot be read (no such file); left empty"
    assert split.log().count(warning) == 1


def test_the_served_document_has_every_reference_local_and_markdown_inlined(split: RunningServer) -> None:
    served = httpx.get(split.url + "/split/openapi.json")
    assert served.status_code == 200  # a recursive schema once made this a 500
    document = served.json()
    assert document["info"]["x-logo-description"] == "# Intro\n\nThis API is split over files.\n"
    assert document["servers"] == [{"url": "/split"}]
    schemas = document["components"]["schemas"]
    assert set(schemas) == {"Todo", "Owner", "node", "Error"}
    assert schemas["node"]["properties"]["children"]["items"] == {"$ref": "#/components/schemas/node"}
    assert "$ref': '." not in str(document) and "'$ref': 'common" not in str(document)
    assert httpx.get(split.url + "/split/openapi.yaml").text.startswith("openapi: 3.0.3\n")


def _huge_document(paths: int) -> str:
    """A 3.1 document of `2 * paths` operations whose schemas use what real documents do:
    recursion, `oneOf` with null, `const`, type arrays and `examples` arrays."""
    schemas = {
        "Category": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string", "examples": ["Books", "Games"]},
            "parent": {"oneOf": [{"$ref": "#/components/schemas/Category"}, {"type": "null"}]},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Category"}},
            "kind": {"const": "category"}, "rank": {"type": ["integer", "null"], "minimum": 0}}},
    }
    document: dict = {"openapi": "3.1.0", "info": {"title": "huge", "version": "1"},
                      "servers": [{"url": "/huge"}], "paths": {}, "components": {"schemas": schemas}}
    for n in range(paths):
        ref = {"$ref": "#/components/schemas/Category"}
        document["paths"][f"/r{n}/categories/{{id}}"] = {
            "get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "one", "content": {"application/json": {"schema": ref}}}}},
            "delete": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                       "responses": {"204": {"description": "gone"}}},
        }
    return json.dumps(document)


def test_a_huge_document_with_recursive_nullable_and_const_schemas_is_served(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text(_huge_document(200), encoding="utf-8")
    server = start_server("--spec", str(huge))
    try:
        routes = httpx.get(server.url + "/__mock/routes").json()["routes"]
        assert len(routes) == 400
        for n in (0, 99, 199):
            body = httpx.get(server.url + f"/huge/r{n}/categories/c{n}").json()
            assert body["id"] == f"c{n}" and body["kind"] == "category" and body["name"] in ("Books", "Games")
        assert httpx.delete(server.url + "/huge/r5/categories/c5").status_code == 204
        assert "contract violation" not in server.log()
    finally:
        server.stop()



def test_a_generated_error_says_what_its_response_describes(tmp_path: Path) -> None:
    spec = tmp_path / "errors.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: errors, version: '1'}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        '404':
          description: No such thing
          content:
            application/json:
              schema: {type: object, required: [code, message], properties: {code: {type: string}, message: {type: string}}}
""")
    server = start_server("--spec", str(spec), "--unknown-ids=404")
    try:
        body = httpx.get(server.url + "/things/x").json()
        assert body["message"] == "No such thing"
    finally:
        server.stop()
