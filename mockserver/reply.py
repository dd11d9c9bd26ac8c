"""A finished HTTP reply, independent of the framework that sends it.

The engine decides replies; the connexion handler and our ASGI middleware (401, 400,
errors before the handler) only send them, so both paths produce the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Send


def encode_json(payload: Any) -> bytes:
    """Compact, key-order-preserving JSON: what the vendors send, and stable bytes."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def header_list(self) -> list[tuple[str, str]]:
        headers = list(self.headers)
        if self.media_type:
            headers.append(("content-type", self.media_type))
        headers.append(("content-length", str(len(self.body))))
        return headers

    async def send(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.header_list()],
            }
        )
        await send({"type": "http.response.body", "body": self.body})

    def to_starlette(self):  # -> starlette Response, what connexion's AsyncApp sends as is
        from starlette.responses import Response

        return Response(self.body, status_code=self.status, headers=dict(self.header_list()))
