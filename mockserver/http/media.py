"""Response bodies in the media type the contract declares, not always JSON.

A PDF, a PNG or a CSV download is what a client of such an operation parses, so the mock sends
one: the smallest valid file of the type (constant bytes, so deterministic), CSV and XML built
from the generated value, text from a string. What no rule here knows is sent as the value's
UTF-8 text (or JSON, for structured values).
"""

from __future__ import annotations

import base64
import csv
import io
import struct
import zlib
from typing import Any, Mapping
from xml.sax.saxutils import escape

from mockserver.base.httpfacts import is_json, is_xml
from mockserver.base.pointer import resolve, schema_properties
from mockserver.http.reply import encode_json


def _png() -> bytes:
    """A 1x1 white PNG, built from its chunks (signature, IHDR, IDAT, IEND)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) \
        + chunk(b"IEND", b"")


def _pdf() -> bytes:
    """A one-page PDF that PDF readers open: objects, a cross-reference table with exact offsets."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# A 1x1 transparent GIF, as its exact bytes.
_GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
FILES: dict[str, bytes] = {"application/pdf": _pdf(), "image/png": _png(), "image/gif": _GIF}


def essence(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def is_rendering(media_type: str) -> bool:
    """Whether a body of this type is rendered from a structured value (CSV rows, XML elements):
    such a value is validated against the schema as it is, before it becomes text."""
    kind = essence(media_type)
    return kind == "text/csv" or is_xml(kind)


def render(media_type: str, payload: Any, schema: Mapping[str, Any] | None = None,
           document: Mapping[str, Any] | None = None) -> bytes:
    """The body for a value of `media_type`."""
    kind = essence(media_type)
    if is_json(kind):
        return encode_json(payload)
    if kind in FILES:
        return FILES[kind]
    if kind == "image/svg+xml":
        return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    if kind == "text/csv":
        return _csv(payload).encode("utf-8")
    if is_xml(kind):
        return _xml(payload, schema, document or {}).encode("utf-8")
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return encode_json(payload)


def _csv(payload: Any) -> str:
    """Rows of objects as a header and lines; one object as one row; anything else as one cell."""
    if isinstance(payload, str):
        return payload
    rows = payload if isinstance(payload, list) else [payload]
    out = io.StringIO()
    if rows and all(isinstance(row, dict) for row in rows):
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    else:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([_cell(row)] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    return value if isinstance(value, (str, int, float)) or value is None else encode_json(value).decode()


def _xml_of(schema: Any) -> Mapping[str, Any]:
    xml = schema.get("xml") if isinstance(schema, Mapping) else None
    return xml if isinstance(xml, Mapping) else {}


def _xml(payload: Any, schema: Any, document: Mapping[str, Any]) -> str:
    """XML as OpenAPI's `xml` objects describe it: the root named by the schema's `xml.name`
    (else `root`), properties by theirs, arrays repeated under their own name unless
    `wrapped`, their items named by the items' `xml.name`."""
    schema = resolve(document, schema) if schema is not None else None
    name = str(_xml_of(schema).get("name") or "root")
    if isinstance(payload, list):  # a top-level array is always wrapped in its root
        items = resolve(document, (schema or {}).get("items"))
        item_name = str(_xml_of(items).get("name") or "item")
        inner = "".join(_element(item_name, value, items, document) for value in payload)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}>{inner}</{name}>'
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _element(name, payload, schema, document)


def _element(name: str, value: Any, schema: Any, document: Mapping[str, Any]) -> str:
    schema = resolve(document, schema) if schema is not None else None
    if isinstance(value, dict):
        properties = schema_properties(document, schema) if schema is not None else {}
        return f"<{name}>" + "".join(_member(str(k), v, properties.get(k), document) for k, v in value.items()) + f"</{name}>"
    if value is None:
        return f"<{name}/>"
    if isinstance(value, list):  # only reached for an array inside an array
        return "".join(_element(name, item, None, document) for item in value)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _member(key: str, value: Any, schema: Any, document: Mapping[str, Any]) -> str:
    """One property of an object, under its `xml.name`; an array repeated or wrapped."""
    schema = resolve(document, schema) if schema is not None else None
    xml = _xml_of(schema)
    name = str(xml.get("name") or key)
    if not isinstance(value, list):
        return _element(name, value, schema, document)
    items = resolve(document, (schema or {}).get("items"))
    item_name = str(_xml_of(items).get("name") or (key if not xml.get("wrapped") else "item"))
    inner = "".join(_element(item_name, item, items, document) for item in value)
    return f"<{name}>{inner}</{name}>" if xml.get("wrapped") else inner
