"""Where a vendor serves the key its webhook signatures are checked with: Lago's
`GET /api/v1/webhooks/public_key` (the PEM public key, base64-encoded, as text) and
`GET /api/v1/webhooks/json_public_key` (`{"webhook": {"public_key": ...}}`, what the Python
SDK's `client.webhooks.public_key()` reads), for every API whose webhooks are Lago-signed
(events/webhooks.py). The key is the one the mock signs with (events/sign.py `lago_key`),
so a receiver verifies a `jwt` X-Lago-Signature as it would against Lago. A public key is no
secret: these answer without credentials, whatever the document declares.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.events.sign import lago_public_key


def key_paths(base_paths: tuple[str, ...]) -> dict[str, str]:
    """The paths this layer answers, each with the name of what it serves there."""
    return {f"{base.rstrip('/')}/webhooks/{name}": name for base in base_paths
            for name in ("public_key", "json_public_key")}


class PublicKeyMiddleware:
    def __init__(self, app: ASGIApp, *, base_paths: tuple[str, ...], seed: int) -> None:
        self.app = app
        self.seed = seed
        self.paths = key_paths(base_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = self.paths.get(scope.get("path", "")) if scope["type"] == "http" else None
        if name is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        key = await asyncio.to_thread(lago_public_key, self.seed)  # drawn once, maybe still drawing (sign.warm)
        if name == "public_key":
            body, kind = key.encode("ascii"), b"text/plain; charset=utf-8"
        else:
            body, kind = json.dumps({"webhook": {"public_key": key}}).encode("ascii"), b"application/json"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode("ascii"))]})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})
