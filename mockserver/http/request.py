"""One request as the pipeline's stages read it: parsed once at the edge, never changed after.

Prism parses a request's preferences once, at the edge, into an immutable value; this is that
value for every stage. The query and cookies are parsed only when a stage first asks, since most
requests have neither and the stages that need them (security for API keys in the query or a
cookie, preferences for `__code`) are few.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import cached_property
from http.cookies import SimpleCookie
from typing import Any, Mapping
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from starlette.datastructures import Headers

from mockserver.http import brackets
from mockserver.base.httpfacts import is_json, is_xml
from starlette.types import Message, Receive, Scope


SESSION = "mockserver.session"  # scope extension: the request's session name (sessions.py), None: default


def first_values(query_string: bytes) -> dict[str, str]:
    """First value of each query parameter (the mock reads no repeated ones)."""
    query: dict[str, str] = {}
    if query_string:
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            query.setdefault(key, value)
    return query


class RequestHeaders(Headers):
    """starlette's `Headers` with a `get` of its own: the inherited one (Mapping's) raises and
    catches a KeyError for every absent header, and most requests lack `Prefer`, which the
    preferences stage asks for on every request. Same answer: the first value, latin-1."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        name = key.lower().encode("latin-1")
        for header_key, header_value in self._list:
            if header_key == name:
                return header_value.decode("latin-1")
        return default


@dataclass(frozen=True)
class MockRequest:
    method: str
    path: str
    raw_path: bytes
    query_string: bytes
    headers: Headers  # looked up by lower-case name
    path_params: Mapping[str, Any]  # as connexion's router named and converted them
    body: bytes = b""  # read by the pipeline for operations that declare a request body
    session: str | None = None  # the session it belongs to (sessions.py); None: the default

    @classmethod
    def from_scope(cls, scope: Scope) -> MockRequest:
        # What the frozen dataclass's __init__ does, in one step: it sets each field through
        # object.__setattr__, which costs microseconds on every request.
        request = object.__new__(cls)
        request.__dict__.update(
            method=scope["method"],
            path=scope["path"],
            raw_path=scope.get("raw_path") or scope["path"].encode("utf-8"),
            query_string=scope.get("query_string", b""),
            headers=RequestHeaders(raw=scope["headers"]),  # a view; the request's headers are never changed
            path_params=scope.get("path_params") or {},
            body=b"",
            session=scope.get("extensions", {}).get(SESSION),
        )
        return request

    @cached_property
    def query(self) -> dict[str, str]:
        return first_values(self.query_string)

    @cached_property
    def fields(self) -> Any:
        """The body as a value: JSON parsed; a form or XML as text values (a repeated name, a
        list; a form's bracketed names nested, brackets.py), for the caller to type by the
        schema; else None. The parameters stage has
        already checked JSON against the contract."""
        if not self.body:
            return None
        kind = (self.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        try:
            if kind == "application/x-www-form-urlencoded":  # `metadata[plan]=pro` is {"metadata": {"plan": "pro"}}
                return brackets.decode(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            if is_json(kind):
                return json.loads(self.body)
            if is_xml(kind):
                return _xml_value(ElementTree.fromstring(self.body))
        except (ValueError, ElementTree.ParseError):
            return None
        return None

    @cached_property
    def cookies(self) -> dict[str, str]:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no credential, not a crash
            return {}
        return {key: morsel.value for key, morsel in cookie.items()}


def _xml_value(element: ElementTree.Element) -> Any:
    """An element as a value: its text, or its children by tag (a repeated tag, a list)."""
    children = list(element)
    if not children:
        return element.text or ""
    value: dict[str, Any] = {}
    for child in children:
        item = _xml_value(child)
        if child.tag in value:
            value[child.tag] = [*value[child.tag], item] if isinstance(value[child.tag], list) else [value[child.tag], item]
        else:
            value[child.tag] = item
    return value


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    """The body did not all arrive in time: a client sending a byte a second holds no connection."""


async def read_body(receive: Receive, limit: int, timeout_s: float | None = None) -> tuple[bytes, Receive]:
    """The whole request body (at most `limit` bytes, all of it within `timeout_s` seconds), and
    a `receive` that replays it for the stages after (connexion's body validators read it again)."""
    body = bytearray()
    more = True
    try:
        async with asyncio.timeout(timeout_s):  # one timer for the whole body, none per chunk
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if len(body) > limit:
                    raise BodyTooLarge()
                more = message.get("more_body", False)
    except TimeoutError:
        raise BodyTimeout() from None
    data = bytes(body)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": data, "more_body": False}

    return data, replay
