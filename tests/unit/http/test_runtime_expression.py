"""OpenAPI runtime expressions (http/runtime_expression.py): every source the grammar has, the
templates callbacks are keyed by, and what is malformed or names nothing."""

from __future__ import annotations

import pytest

from mockserver.http.runtime_expression import Exchange, InvalidExpression, Unresolved, evaluate, expand

EXCHANGE = Exchange(
    method="post", url="http://mock.test/subscriptions?tier=gold", status=201,
    request_headers={"x-trace": "t-1", "content-type": "application/json"},
    query={"tier": "gold"}, path={"team": "red"},
    request_body={"callbackUrl": "http://127.0.0.1:9/hook", "a/b": {"~x": [10, 20]}, "n": None, "on": True},
    response_headers={"location": "/subscriptions/42"}, response_body={"id": 42, "tags": ["a"]},
)


@pytest.mark.parametrize("expression, value", [
    ("$url", "http://mock.test/subscriptions?tier=gold"),
    ("$method", "POST"),
    ("$statusCode", 201),
    ("$request.header.X-Trace", "t-1"),
    ("$request.query.tier", "gold"),
    ("$request.path.team", "red"),
    ("$request.body#/callbackUrl", "http://127.0.0.1:9/hook"),
    ("$request.body#/a~1b/~0x/1", 20),
    ("$request.body#/a%7E1b/~0x/0", 10),
    ("$response.body#/id", 42),
    ("$response.body#/tags", ["a"]),
    ("$response.header.location", "/subscriptions/42"),
    ("$response.body", {"id": 42, "tags": ["a"]}),
])
def test_each_source(expression: str, value: object) -> None:
    assert evaluate(expression, EXCHANGE) == value


@pytest.mark.parametrize("template, url", [
    ("{$request.body#/callbackUrl}", "http://127.0.0.1:9/hook"),
    ("$request.body#/callbackUrl", "http://127.0.0.1:9/hook"),
    ("http://h/notify?id={$response.body#/id}&m={$method}&on={$request.body#/on}", "http://h/notify?id=42&m=POST&on=true"),
    ("http://h/{$request.path.team}/{$request.header.x-trace}", "http://h/red/t-1"),
    ("http://h/plain", "http://h/plain"),
])
def test_templates(template: str, url: str) -> None:
    assert expand(template, EXCHANGE) == url


@pytest.mark.parametrize("expression", [
    "$request.body#/missing", "$request.body#/n", "$request.header.x-absent", "$request.query.other",
    "$request.path.other", "$response.body#/tags/1", "$response.body#/tags/01", "{$response.body#/tags}",
])
def test_what_names_nothing_is_unresolved(expression: str) -> None:
    with pytest.raises(Unresolved):
        expand(expression, EXCHANGE)


def test_no_body_and_no_status_are_unresolved() -> None:
    bare = Exchange(method="GET", url="http://mock.test/")
    for expression in ("$request.body", "$response.body#/id", "$statusCode"):
        with pytest.raises(Unresolved):
            evaluate(expression, bare)


@pytest.mark.parametrize("expression", [
    "$host", "request.body", "$request.cookie.a", "$request.header.", "$request.header.bad name",
    "$response.query.a", "$response.path.a", "$request.body#nopointer", "$request.bodyx", "http://h/{$url",
    "http://h/{not-an-expression}",
])
def test_what_the_grammar_refuses(expression: str) -> None:
    with pytest.raises(InvalidExpression):
        expand(expression, EXCHANGE) if "{" in expression else evaluate(expression, EXCHANGE)
