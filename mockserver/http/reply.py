"""A finished HTTP reply, independent of the framework that sends it.

Every stage of the pipeline that answers (path guard, security, preferences, parameters,
respond) returns one; the validate stage checks those marked `contract` against the document,
and the send stage writes it. Problems the mock writes itself are not the contract's, so they
are not marked.
"""

from __future__ import annotations

import json
import json.encoder
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import orjson
from starlette.types import Message, Send


PROBLEM_HEADER = "x-mock-problem"
_CONTENT_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})


def is_bodiless(status: int) -> bool:
    """1xx, 204 and 304 replies have no content (RFC 9110 6.4.1, 15.3.5, 15.4.5): a body sent
    with one is read by a keep-alive client as the start of its next reply."""
    return status < 200 or status == 204 or status == 304


def compact_encoder(*, ensure_ascii: bool, default: Callable[[Any], Any] | None = None) -> Callable[[Any], str]:
    """`json.dumps(value, separators=(",", ":"), ensure_ascii=..., default=...)`, built once.

    `json.dumps` with options builds a JSONEncoder, and its `encode` a C encoder, on every
    call: a few microseconds per reply and per generated record. This builds the C encoder
    once (without the circular-reference check, which only changes the error a cyclic value
    raises) and makes the same bytes; where the C encoder is missing, the Python one.
    """
    encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=ensure_ascii, default=default)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    strings = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    chunks = make(None, encoder.default, strings, None, ":", ",", False, False, True)

    def encode(value: Any) -> str:
        if isinstance(value, str):  # what `encode` does for a bare string
            return strings(value)
        return "".join(chunks(value, 0))
    return encode


_encode = compact_encoder(ensure_ascii=False)


def encode_json(payload: Any) -> bytes:
    """Compact, key-order-preserving JSON: what the vendors send, and stable bytes."""
    return _encode(payload).encode("utf-8")


# orjson writes what it cannot write as Python's json does to `default` (absent here: it raises,
# and encode_json writes it): subclasses of str, int, dict and list, datetimes, dataclasses
_ORJSON_AS_PYTHON = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_json_without_floats(payload: Any) -> bytes:
    """`encode_json(payload)` for a payload that holds no float (contract/floats.py), by orjson.

    Without floats orjson writes the same bytes (strings escaped alike, keys in order, compact),
    in a tenth of the time; what it refuses (integers past 64 bits, keys that are not strings,
    lone surrogates, subclasses) goes to encode_json, which writes it or raises as before. With
    a float it may not (orjson's `0.00001` is Python's `1e-05`, its `null` Python's `NaN`).
    """
    try:
        return orjson.dumps(payload, option=_ORJSON_AS_PYTHON)
    except TypeError:  # orjson.JSONEncodeError is one
        return encode_json(payload)


@dataclass(frozen=True, init=False)  # __init__ below: one reply or more on every request
class Reply:
    status: int
    media_type: str | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    contract: bool = False  # a response the operation declares: validated before it is sent
    value_json: bytes | None = None  # for a body rendered from a value (CSV, XML): that value, as JSON
    # for a JSON body: the value it was encoded from (never changed after), which the validate
    # stage may judge instead of decoding the body again; not part of what the reply is
    value: Any = field(default=None, compare=False, repr=False)
    # the body was written from `value` by encode_json_without_floats (its caller's word: no float
    # in it), so no NaN nor Infinity is in it either; not part of what the reply is
    floatless: bool = field(default=False, compare=False, repr=False)

    def __init__(self, status: int, media_type: str | None = None, body: bytes = b"",
                 headers: tuple[tuple[str, str], ...] = (), contract: bool = False,
                 value_json: bytes | None = None, value: Any = None, floatless: bool = False) -> None:
        """The fields above, as a frozen dataclass's __init__ sets them, in one step: that one
        sets each through object.__setattr__, a microsecond per reply (test_reply_init.py keeps
        the two alike)."""
        self.__dict__.update(status=status, media_type=media_type, body=body, headers=headers, contract=contract,
                             value_json=value_json, value=value, floatless=floatless)
        self.__post_init__()

    def __post_init__(self) -> None:
        """A bodiless status carries no body, nor the headers that would describe one, whatever
        built it (a document, a scenario, a fault): so every way of sending it is valid HTTP."""
        if is_bodiless(self.status):
            object.__setattr__(self, "body", b"")
            object.__setattr__(self, "media_type", None)
            object.__setattr__(self, "value_json", None)
            object.__setattr__(self, "value", None)
            object.__setattr__(self, "headers", tuple(
                (name, value) for name, value in self.headers if name.lower() not in _CONTENT_HEADERS))

    def with_header(self, name: str, value: str) -> Reply:
        return replace(self, headers=self.headers + ((name, value),))

    def explained(self, detail: str) -> Reply:
        """With the reason a person needs in a header (for declared, often bodiless, errors)."""
        return self.with_header(PROBLEM_HEADER, detail.encode("ascii", "replace").decode("ascii")[:300])

    def header_list(self, content_length: int | None = None) -> list[tuple[str, str]]:
        """The headers sent (`start`), as text."""
        return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self.start(content_length)["headers"]]

    def start(self, content_length: int | None = None) -> Message:
        """The ASGI start message; `content_length` only where a fault announces another length.
        The reply's own headers, then its content type, then its length (none for a bodiless
        status, RFC 9110 8.6), encoded as they are added (it is made for every reply)."""
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers] if self.headers else []
        if self.media_type:
            headers.append((b"content-type", self.media_type.encode("latin-1")))
        if not is_bodiless(self.status):
            headers.append((b"content-length", b"%d" % (len(self.body) if content_length is None else content_length)))
        return {"type": "http.response.start", "status": self.status, "headers": headers}

    async def send(self, send: Send, start: Message | None = None) -> None:
        """`start`: the start message, where the caller made it already (`self.start()`)."""
        await send(self.start() if start is None else start)
        await send({"type": "http.response.body", "body": self.body})
