"""HTTP facts the mock relies on, each written once: the methods an OpenAPI path item may hold,
which hosts are loopback, and which media types carry JSON or XML (RFC 6839: a `+json` or `+xml` suffix is that syntax)."""

from __future__ import annotations

import ipaddress

# The operations of an OpenAPI 3.0 path item, in the order the specification lists them.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_json(media_type: str | None) -> bool:
    """`application/json` and the structured `+json` suffix (`application/problem+json`,
    `application/vnd.github+json`), parameters (`; charset=utf-8`) aside."""
    if not media_type:
        return False
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def is_xml(media_type: str | None) -> bool:
    """`application/xml`, `text/xml` and the `+xml` suffix (`application/problem+xml`,
    `application/atom+xml`), parameters aside."""
    if not media_type:
        return False
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence in ("application/xml", "text/xml") or essence.endswith("+xml")


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address (127.0.0.0/8, ::1), brackets allowed."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
