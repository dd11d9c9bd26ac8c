"""Validating every reply against the contract with openapi-core, before it leaves.

The `OpenAPI` object is built once per document, and the verdict for a byte-identical reply
is cached (bounded), because validation costs about a millisecond and most mock traffic
repeats itself.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver.contract import Api, Operation
from mockserver.defaults import VALIDATION_CACHE_SIZE

_PARAM = re.compile(r"\{[^}]+\}")


def _violations(exc: BaseException) -> list[str]:
    """Readable violations out of openapi-core's exception chain."""
    found: list[str] = []
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        for error in getattr(node, "schema_errors", ()) or ():
            pointer = "/" + "/".join(str(p) for p in getattr(error, "absolute_path", ()))
            found.append(f"{pointer}: {error.message}")
        node = node.__cause__ or node.__context__
    return found or [f"{type(exc).__name__}: {exc}"]


class ResponseValidator:
    """Validates replies of one API's operations."""

    def __init__(self, api: Api, cache_size: int = VALIDATION_CACHE_SIZE) -> None:
        self._openapi = OpenAPI.from_dict(api.document)
        server = urlsplit(api.server_url)
        # openapi-core matches requests against the document's servers, wherever we mount it.
        self._host = f"{server.scheme or 'http'}://{server.netloc or 'localhost'}"
        self._server_path = server.path.rstrip("/")
        self._cache: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def violations(self, op: Operation, status: int, media_type: str | None, body: bytes) -> tuple[str, ...]:
        """Empty when the reply is what the contract declares."""
        key = (op.operation_id, status, media_type, body)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        verdict = tuple(self._validate(op, status, media_type, body))
        with self._lock:
            self._cache[key] = verdict
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return verdict

    def _validate(self, op: Operation, status: int, media_type: str | None, body: bytes) -> list[str]:
        declared = op.responses.get(status)
        if declared is None:
            return [f"status {status} is not declared (declared: {op.declared_statuses()})"]
        if declared.media_type is None:
            return [] if not body else ["the contract declares no body for this status"]
        path = self._server_path + _PARAM.sub("x", op.path)
        request = MockRequest(self._host, op.method, path)
        response = MockResponse(body, status_code=status, content_type=media_type or "")
        try:
            self._openapi.validate_response(request, response)
        except Exception as exc:  # openapi-core raises a family of errors; all mean "invalid"
            return _violations(exc)
        return []

    def check_body(self, op: Operation, status: int, payload: Any) -> tuple[str, ...]:
        """Validate a Python value as the body of `status` (used for fixtures and records)."""
        from mockserver.reply import encode_json

        declared = op.responses.get(status)
        media_type = declared.media_type if declared else None
        return self.violations(op, status, media_type, encode_json(payload))
