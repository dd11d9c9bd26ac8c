"""Recognising what an input holds and turning it into an OpenAPI document.

Two forms are accepted, in a docs page or a plain file: a whole OpenAPI 3.0 / 3.1 document (or
Swagger 2.0, converted up to 3.0 here), or the docs renderer's resolved endpoint. Anything else
is a user error, said plainly.
"""

from __future__ import annotations

from typing import Any

from mockserver.base.user_errors import UserError
from mockserver.normalize import resolved
from mockserver.normalize.load import Loaded
from mockserver.normalize.upconvert import upconvert

SUPPORTED_VERSIONS = ("3.0", "3.1")


def to_openapi(loaded: Loaded, warnings: list[str]) -> dict[str, Any]:
    """The input as an OpenAPI document (3.0 or 3.1; down-conversion comes next)."""
    data, source = loaded.data, loaded.source
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        raise UserError(source, f"unknown document form: expected a mapping, found {found}")
    if "openapi" in data:
        version = str(data["openapi"])
        if not version.startswith(tuple(v + "." for v in SUPPORTED_VERSIONS)) and version not in SUPPORTED_VERSIONS:
            raise UserError(source, f"unsupported OpenAPI version {version!r} (3.0.x and 3.1.x are supported)")
        return data
    if "swagger" in data:
        if str(data["swagger"]) != "2.0":
            raise UserError(source, f"unsupported Swagger version {str(data['swagger'])!r} (2.0 is supported)")
        return upconvert(data, source, warnings)
    if resolved.is_resolved(data):
        return resolved.to_openapi(data, source, loaded.page, warnings)
    raise UserError(
        source,
        "unknown document form: neither an OpenAPI document (no 'openapi' key) nor a docs "
        "renderer's resolved endpoint ('paths' with 'path' and 'method')",
    )
