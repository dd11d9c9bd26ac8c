"""The direct dispatch answers exactly as connexion's whole stack does, only sooner.

Two servers, one with the direct dispatch (the default) and one with `--no-direct-dispatch`,
get the same requests; status, headers (all but `date`) and body must be identical, and so must
what each journals. The requests cover what the dispatch takes (records, generated ids,
preferences, credentials, parameter problems) and what it leaves to connexion (unknown paths,
HEAD, other methods, Swagger UI, request bodies, typed path parameters).
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from mockserver.app import create_app
from mockserver.config import ServeConfig
from mockserver.dispatch import DirectDispatchMiddleware
from tests.conftest import BASIC, BEARER
from tests.mockserver_process import REPO

EDGE = REPO / "tests" / "data" / "dispatch" / "edge.yaml"
WRONG_BEARER = {"Authorization": "Bearer"}

Request = tuple[str, str, dict[str, str], bytes]


def exchange(url: str, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request exactly as written (no path normalization); the reply without its `date`."""
    method, path, headers, body = request
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", "mock.test")  # the same on both servers (redirects name it)
        for name, value in {**headers, **({"Content-Length": str(len(body))} if body else {})}.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        headers = [(name.lower(), value) for name, value in response.getheaders() if name.lower() != "date"]
        # starlette lists `Allow` from a set: its order changes with each process's hash seed
        headers = [(n, ", ".join(sorted(v.split(", "))) if n == "allow" else v) for n, v in headers]
        return response.status, headers, response.read()
    finally:
        connection.close()


def journal(url: str) -> list[tuple]:
    entries = httpx.get(url + "/__mock/requests", timeout=10).json()["requests"]
    return [(e["method"], e["path"], e.get("operationId"), e["status"]) for e in entries]


def assert_same_replies(launch, requests: list[Request], *args: str) -> list[tuple[int, list, bytes]]:
    direct, through_connexion = launch(*args), launch(*args, "--no-direct-dispatch")
    replies = []
    for request in requests:
        ours, theirs = exchange(direct.url, request), exchange(through_connexion.url, request)
        assert ours == theirs, f"{request[0]} {request[1]}"
        replies.append(ours)
    assert journal(direct.url) == journal(through_connexion.url)
    return replies


def get(path: str, headers: dict[str, str] | None = None) -> Request:
    return ("GET", path, headers or {}, b"")


def test_the_vendor_apis_answer_the_same_with_and_without_the_direct_dispatch(launch) -> None:
    activity, api_log, sequence = "/api/v1/activity_logs/", "/api/v1/api_logs/", "/activity-logs/"
    requests = [
        get(activity + "1a901a90-1a90-1a90-1a90-1a901a901a90", BEARER),  # the docs' example
        get(activity + "abc", BEARER),
        get(activity + "abc", BEARER),  # replayed the second time
        get(activity + "%E2%82%AC%20x", BEARER),
        get(activity + "abc?page=2&__code=404", BEARER),
        get(activity + "abc", {**BEARER, "Prefer": "code=401"}),
        get(activity + "abc", {**BEARER, "Prefer": "code=418"}),
        get(activity + "abc", {**BEARER, "Prefer": "example=nope"}),
        get(activity + "abc", {**BEARER, "Prefer": "dynamic=true"}),
        get(activity + "abc", {**BEARER, "Accept": "text/html"}),
        get(activity + "abc", {**BEARER, "Origin": "https://app.example"}),
        get(activity + "abc"),
        get(activity + "abc", WRONG_BEARER),
        get(activity + "abc", BASIC),
        get(activity + "abc/", BEARER),
        get(activity + "%0Aabc", BEARER),
        ("HEAD", activity + "abc", BEARER, b""),
        ("POST", activity + "abc", BEARER, b"{}"),
        ("OPTIONS", activity + "abc", {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}, b""),
        get(api_log + "req-1", BEARER),
        get(api_log + "req-1"),
        get("/api/v1/openapi.json"),
        get("/api/v1/ui/"),
        get("/api/v1/nothing-here", BEARER),
        get(sequence + "42", BASIC),
        get(sequence + "42", BEARER),
        get(sequence + "42"),
        get(sequence + "42?__example=nope", BASIC),
    ]
    replies = assert_same_replies(launch, requests)
    status, headers, body = replies[1]
    assert status == 200 and ("content-type", "application/json") in headers
    assert json.loads(body)["activity_log"]["activity_id"] == "abc"
    assert [reply[0] for reply in replies[11:14]] == [401, 401, 401]


def test_edges_of_what_the_direct_dispatch_takes_answer_the_same(launch, tmp_path: Path) -> None:
    trace = {"X-Trace": "abc"}
    requests = [
        get("/openapi.json"),  # Swagger UI's, though `/{name}` matches it too
        get("/openapi.yaml"),
        get("/openapi.json/"),
        get("/ui"),
        get("/ui/"),
        get("/name-1"),
        get("/things/t-1", trace),
        get("/things/t-1?limit=3", trace),
        get("/things/t-1?limit=11", trace),
        get("/things/t-1?limit=x", trace),
        get("/things/t-1", {"X-Trace": "ABC"}),
        get("/things/t-1"),
        get("/counts/5"),
        get("/counts/x"),
        ("POST", "/things", {"Content-Type": "application/json"}, b'{"size": 1}'),
        ("POST", "/things", {"Content-Type": "application/json"}, b'{"size": "x"}'),
    ]
    replies = assert_same_replies(launch, requests, "--spec", str(EDGE), "--fixtures-dir", str(tmp_path))
    by_path = dict(zip([request[1] + request[2].get("X-Trace", "") for request in requests], replies))
    assert json.loads(by_path["/openapi.json"][2])["info"]["title"] == "dispatch edges"
    assert json.loads(by_path["/name-1"][2]) == {"name": "name-1"}
    thing = json.loads(by_path["/things/t-1?limit=3abc"][2])["thing"]
    assert thing["thing-id"] == "t-1"  # a dash-named path parameter still names the record
    assert by_path["/things/t-1?limit=11abc"][0] == 400
    assert ("x-mock-problem", "Invalid query parameter 'limit': 11 is greater than the maximum of 10") \
        in by_path["/things/t-1?limit=11abc"][1]
    assert by_path["/things/t-1ABC"][0] == 400
    assert by_path["/counts/5"][2] == b'{"n":5}'  # an integer id is pinned as a number


def dispatch_of(config: ServeConfig) -> DirectDispatchMiddleware:
    """The app's dispatch layer, as connexion builds it at start-up."""
    app = create_app(config)
    _outer, layers = app.middleware._build_middleware_stack()
    return next(layer for layer in layers if isinstance(layer, DirectDispatchMiddleware))


def test_the_direct_dispatch_takes_the_contract_requests_and_leaves_the_rest(tmp_path: Path) -> None:
    vendor = dispatch_of(ServeConfig(quiet=True))
    found = vendor.route("GET", "/api/v1/activity_logs/abc")
    assert found is not None and found[0].op.operation_id == "findActivityLog" and found[1] == {"activity_id": "abc"}
    assert vendor.route("GET", "/activity-logs/7")[0].op.operation_id == "getActivityLogsById"
    assert found[0].parameters is None  # a string id in the path: no request that routes here can fail it
    assert vendor.route("GET", "/api/v1/activity-logs/7") is None  # under Lago's mount, as in starlette
    assert vendor.route("HEAD", "/api/v1/activity_logs/abc") is None
    assert vendor.route("GET", "/api/v1/activity_logs/abc/") is None
    edge = dispatch_of(ServeConfig(quiet=True, specs=(EDGE,), fixtures_dir=tmp_path))
    assert edge.route("GET", "/things/t")[1] == {"thing_id": "t"}
    assert edge.route("GET", "/things/t")[0].parameters is not None  # a required header, a bounded integer
    assert edge.route("GET", "/counts/5") is None  # typed path parameter: connexion converts it
    assert edge.route("POST", "/things") is None  # request body: connexion validates it
    assert edge.route("GET", "/openapi.json") is not None and edge.swagger_may_serve("/openapi.json")
    assert not edge.swagger_may_serve("/name-1") and edge.swagger_may_serve("/ui/index.html")
