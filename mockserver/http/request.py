"""One request as the pipeline's stages read it: parsed once at the edge, never changed after.

Prism parses a request's preferences once, at the edge, into an immutable value; this is that
value for every stage. The query and cookies are parsed only when a stage first asks, since most
requests have neither and the stages that need them (security for API keys in the query or a
cookie, preferences for `__code`) are few.
"""

from __future__ import annotations

import asyncio
import json
import math
import operator
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, count
from http.cookies import SimpleCookie
from typing import Any, Mapping
from urllib.parse import parse_qsl, unquote_to_bytes
from xml.etree import ElementTree

from starlette.datastructures import Headers

from mockserver.http import brackets
from mockserver.base.defaults import MAX_BODY_DEPTH
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


def query_not_utf8(query_string: bytes) -> str | None:
    """Why the query's percent-decoded bytes are not UTF-8 text (a lone surrogate encoded,
    `%ff`), else None. Decoding would turn them into U+FFFD and answer for a value the client
    never sent; no schema describes bytes that are not text."""
    if b"%" not in query_string and query_string.isascii():
        return None
    try:
        unquote_to_bytes(query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the query is not UTF-8 text (byte {exc.start} once percent-decoded)"
    return None


HEADER_NAMES_KEPT = 1024  # names asked for (the stages' own, a document's API-key headers)
_HEADER_NAMES: dict[str, bytes] = {}  # a name as asked for -> as the ASGI scope holds it


class RequestHeaders(Headers):
    """starlette's `Headers` with a `get` of its own: the inherited one (Mapping's) raises and
    catches a KeyError for every absent header, and most requests lack `Prefer`, which the
    preferences stage asks for on every request. Same answer: the first value, latin-1."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        name = _HEADER_NAMES.get(key)  # the stages ask for the same few names on every request
        if name is None:
            name = key.lower().encode("latin-1")
            if len(_HEADER_NAMES) < HEADER_NAMES_KEPT:
                _HEADER_NAMES[key] = name
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
                return json_value(self.body)
            if is_xml(kind):
                return _xml_value(xml_root(self.body))
        except ValueError:  # UnreadableBody too: the body check answers it with a 400
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


class UnreadableBody(ValueError):
    """A request body no schema can describe, with the reason a client is told (a 400): bytes
    that are not UTF-8, a lone surrogate (it cannot be stored or sent back as UTF-8), nesting
    deeper than `MAX_BODY_DEPTH` (Python would run out of stack checking or storing it), an
    integer longer than Python reads, a number JSON cannot write, XML that is malformed."""


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # `\ud800`..`\udfff`: half of a pair, or alone


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # over Python's limit on digits (sys.get_int_max_str_digits)
        raise UnreadableBody(f"an integer of {len(text.lstrip('-'))} digits is more than this server reads") from None


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnreadableBody(f"the number {text[:40]}... is beyond the range of a double" if len(text) > 40
                             else f"the number {text} is beyond the range of a double")
    return number


def _constant(name: str) -> Any:
    raise UnreadableBody(f"the body is not JSON: {name} is not a JSON value")


def json_value(body: bytes | str) -> Any:
    """A JSON body as a value, or `UnreadableBody` (a ValueError) saying why not.

    Stricter than `json.loads`, which reads what no schema can describe and what would fail
    later as a 500: bytes that are not UTF-8 (or lone surrogates encoded in them: `json.loads`
    passes those), `NaN` and `Infinity`, numbers too large for a double, integers beyond
    Python's digit limit, nesting deeper than `MAX_BODY_DEPTH` and lone `\\ud800` escapes.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode(json.detect_encoding(body))  # strict: no lone surrogates either
        except UnicodeDecodeError as exc:
            raise UnreadableBody(f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(body, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except UnreadableBody:
        raise
    except RecursionError:
        raise UnreadableBody(f"the body nests arrays and objects deeper than {MAX_BODY_DEPTH} levels") from None
    except ValueError as exc:
        raise UnreadableBody(f"the body is not JSON: {exc}") from None
    if body.count("[") + body.count("{") > MAX_BODY_DEPTH and _too_deep(body):  # fewer: it cannot be
        raise UnreadableBody(f"the body nests arrays and objects deeper than {MAX_BODY_DEPTH} levels")
    if "\\u" in body and _SURROGATE_ESCAPE.search(body) is not None:
        _refuse_lone_surrogates(value)
    return value


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")  # an opening bracket 2, a closing one 0


def _too_deep(text: str) -> bool:
    """Whether valid JSON `text` nests arrays and objects deeper than `MAX_BODY_DEPTH`: its
    brackets outside strings, as steps of +1 and -1 (2 and 0, less one each), summed by C
    iterators (walking the parsed value in Python took seconds on a 1 MiB body of small arrays)."""
    steps = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii").translate(_STEPS)
    return max(map(operator.sub, accumulate(steps), count(1)), default=0) > MAX_BODY_DEPTH


def _refuse_lone_surrogates(value: Any) -> None:
    """`UnreadableBody` when a string (or a key) of `value` holds a surrogate that is not half of
    a pair: no UTF-8 can store or send it back. Without recursion, though the value is at most
    `MAX_BODY_DEPTH` deep by now."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise UnreadableBody(f"a string holds a lone surrogate (\\u{ord(item[exc.start]):04x}), "
                                     "which is not Unicode text") from None


def xml_root(body: bytes) -> ElementTree.Element:
    """An XML body's root element, or `UnreadableBody`. A document type declaration is refused:
    no schema describes one, and its entities are how XML bombs grow."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise UnreadableBody("the body is XML with a document type declaration (DTD), which this server does not read")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise UnreadableBody(f"the body is not well-formed XML: {exc}") from None


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""  # `{namespace}pet` is `pet`


def _xml_name(schema: Any, default: str) -> str:
    xml = schema.get("xml") if isinstance(schema, Mapping) else None
    return str(xml.get("name") or default) if isinstance(xml, Mapping) else default


def xml_body(element: ElementTree.Element, schema: Any, depth: int = 1) -> Any:
    """An XML body as the value its schema describes, the reverse of how media.py writes XML
    replies (OpenAPI `xml` objects): properties under their `xml.name` (or as attributes), arrays
    repeated under the items' name or `wrapped` in the property's, a top-level array's items
    inside the root; text typed by the schema (brackets.text_as). Elements no property names
    are kept by tag, for `additionalProperties` to judge. `schema` has no `$ref`s (connexion
    resolved them)."""
    if depth > MAX_BODY_DEPTH:
        raise UnreadableBody(f"the body nests elements deeper than {MAX_BODY_DEPTH} levels")
    declared = brackets.kinds(schema)
    children = list(element)
    if declared[:1] == ["array"] or (not children and "array" in declared and "object" not in declared):
        return [xml_body(child, _items(schema), depth + 1) for child in children]
    if "object" in declared or brackets.property_names(schema) or (children and not declared):
        if not children and not element.attrib and (element.text or "").strip() and "string" not in declared:
            return element.text  # `<order>true</order>`: text where an object belongs, for validation to refuse
        value: dict[str, Any] = {}
        claimed: set[int] = set()
        by_tag: dict[str, list[ElementTree.Element]] = {}  # once, not once per property: a body may hold 100,000
        for child in children:
            by_tag.setdefault(_tag(child), []).append(child)
        for name in brackets.property_names(schema):
            member = brackets.member_schema(schema, name)
            xml = member.get("xml") if isinstance(member, Mapping) else None
            xml = xml if isinstance(xml, Mapping) else {}
            tag = str(xml.get("name") or name)
            if xml.get("attribute"):
                if tag in element.attrib:
                    value[name] = brackets.text_as(element.attrib[tag], brackets.kinds(member)) \
                        if brackets.kinds(member) else element.attrib[tag]
                continue
            if "array" in brackets.kinds(member)[:1]:
                items = _items(member)
                if xml.get("wrapped"):
                    wrapper = by_tag.get(tag, [None])[0]
                    if wrapper is not None:
                        claimed.add(id(wrapper))
                        value[name] = [xml_body(child, items, depth + 2) for child in wrapper]
                    continue
                item_tag = _xml_name(items, name)
                found = by_tag.get(item_tag, [])
                if found:
                    claimed.update(id(child) for child in found)
                    value[name] = [xml_body(child, items, depth + 1) for child in found]
                continue
            child = by_tag.get(tag, [None])[0]
            if child is not None:
                claimed.add(id(child))
                value[name] = xml_body(child, member, depth + 1)
        for child in children:
            if id(child) not in claimed:
                value.setdefault(_tag(child), _xml_value(child, depth + 1))
        return value
    if children:  # elements where the schema has a scalar: kept, for validation to refuse
        return _xml_value(element, depth)
    text = element.text or ""
    if not text and brackets.kinds(schema) and "string" not in declared and schema.get("nullable"):
        return None
    return brackets.text_as(text, declared) if declared else text


def _items(schema: Any) -> Any:
    for option in [schema, *(schema.get("allOf") or ()), *(schema.get("anyOf") or ()), *(schema.get("oneOf") or ())] \
            if isinstance(schema, Mapping) else ():
        if isinstance(option, Mapping) and isinstance(option.get("items"), Mapping):
            return option["items"]
    return None


def _xml_value(element: ElementTree.Element, depth: int = 1) -> Any:
    """An element as a value: its text, or its children by tag (a repeated tag, a list)."""
    if depth > MAX_BODY_DEPTH:
        raise UnreadableBody(f"the body nests elements deeper than {MAX_BODY_DEPTH} levels")
    children = list(element)
    if not children:
        return element.text or ""
    value: dict[str, Any] = {}
    for child in children:
        item, tag = _xml_value(child, depth + 1), _tag(child)
        if tag in value:
            value[tag] = [*value[tag], item] if isinstance(value[tag], list) else [value[tag], item]
        else:
            value[tag] = item
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
