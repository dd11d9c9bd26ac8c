"""OpenAPI runtime expressions: the `{$request.body#/callbackUrl}` that names where a callback goes.

The grammar (OpenAPI 3.0.3, "Runtime Expressions"), all of it:

    expression = "$url" | "$method" | "$statusCode" | "$request." source | "$response." source
    source     = "header." token | "query." name | "path." name | "body" ["#" json-pointer]

A callback's key is a template: literal text with expressions in braces
(`http://h/notify?id={$request.body#/id}`), or one bare expression. `expand` fills a template
from an `Exchange` (the request and the reply it got); `evaluate` reads one expression. A
malformed expression is `InvalidExpression`; one that names nothing in this exchange (no such
header, a pointer into a body that is not there) is `Unresolved`: the caller decides what that
means (a callback: a warning, nothing sent).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import unquote

__all__ = ["Exchange", "InvalidExpression", "Unresolved", "evaluate", "expand"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 7230 tchar: a header name
_TEMPLATE_PART = re.compile(r"\{([^{}]*)\}")


class Unresolved(LookupError):
    """The expression names something this exchange does not have."""


class InvalidExpression(ValueError):
    """Not an expression the grammar allows."""


@dataclass(frozen=True)
class Exchange:
    """What runtime expressions read: a request and the reply it got. Header names in lower case."""

    method: str
    url: str
    status: int | None = None
    request_headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    path: Mapping[str, Any] = field(default_factory=dict)
    request_body: Any = None  # parsed JSON; None: no body (or not JSON)
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: Any = None


def evaluate(expression: str, exchange: Exchange) -> Any:
    """The value one expression names (a string, number, bool, object or list)."""
    if expression == "$url":
        return exchange.url
    if expression == "$method":
        return exchange.method.upper()
    if expression == "$statusCode":
        if exchange.status is None:
            raise Unresolved("$statusCode: there is no reply yet")
        return exchange.status
    for side in ("request", "response"):
        prefix = f"${side}."
        if expression.startswith(prefix):
            return _source(expression, expression[len(prefix):], side, exchange)
    raise InvalidExpression(f"{expression!r} is not a runtime expression ($url, $method, $statusCode, "
                            f"$request.<source>, $response.<source>)")


def _source(expression: str, source: str, side: str, exchange: Exchange) -> Any:
    request = side == "request"
    kind, dot, name = source.partition(".")
    if kind == "header" and dot:
        if not _TOKEN.fullmatch(name):
            raise InvalidExpression(f"{expression!r}: {name!r} is not a header name")
        headers = exchange.request_headers if request else exchange.response_headers
        return _found(headers.get(name.lower()), expression, f"no header {name!r}")
    if kind in ("query", "path") and dot and name:
        if not request:
            raise InvalidExpression(f"{expression!r}: a reply has no {kind} parameters")
        values = exchange.query if kind == "query" else exchange.path
        return _found(values.get(name), expression, f"no {kind} parameter {name!r}")
    body, hash_, pointer = source.partition("#")
    if body == "body":
        value = exchange.request_body if request else exchange.response_body
        value = _found(value, expression, "no JSON body")
        return _pointed(value, pointer, expression) if hash_ else value
    raise InvalidExpression(f"{expression!r}: the source is header.<name>, query.<name>, path.<name> or "
                            f"body[#/json/pointer]")


def _found(value: Any, expression: str, why: str) -> Any:
    if value is None:
        raise Unresolved(f"{expression}: {why}")
    return value


def _pointed(value: Any, pointer: str, expression: str) -> Any:
    """RFC 6901, in its URI-fragment form (percent-encoded tokens allowed)."""
    pointer = unquote(pointer)
    if pointer and not pointer.startswith("/"):
        raise InvalidExpression(f"{expression!r}: a JSON pointer starts with '/'")
    for token in pointer.split("/")[1:] if pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and (token == "0" or not token.startswith("0")) \
                and int(token) < len(value):
            value = value[int(token)]
        else:
            raise Unresolved(f"{expression}: the body has nothing at {pointer!r}")
    if value is None:
        raise Unresolved(f"{expression}: the body has null at {pointer!r}")
    return value


def expand(template: str, exchange: Exchange) -> str:
    """The template with each `{expression}` replaced by its value (a bare expression: its value).
    A string goes in as it is, a number or bool as JSON text; an object or list cannot be part
    of a URL (`Unresolved`)."""
    if template.startswith("$"):
        return _text(template, evaluate(template, exchange))
    if template.count("{") != template.count("}"):
        raise InvalidExpression(f"{template!r}: unbalanced braces")
    return _TEMPLATE_PART.sub(lambda match: _text(match.group(1), evaluate(match.group(1), exchange)), template)


def _text(expression: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    raise Unresolved(f"{expression}: names {type(value).__name__ if not isinstance(value, dict) else 'an object'}, "
                     f"not a value a URL can hold")
