"""The whole app in this process, called over ASGI without a socket (httpx.ASGITransport).

Shared by the unit tests that drive the app end to end (tests/unit/stages/test_pipeline.py,
tests/unit/http/test_wire.py, tests/unit/contract/test_resource_naming.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from mockserver.app import create_app
from mockserver.base.config import ServeConfig


class InProcess:
    """The whole app, called over ASGI without a socket."""

    def __init__(self, *specs: Path, **config: Any) -> None:
        self.config = ServeConfig(specs=tuple(specs), quiet=True, **config)
        self.app = create_app(self.config)
        self.engine = self.app.engine

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                content: bytes | None = None) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
                return await client.request(method, path, headers=headers, content=content)
        return asyncio.run(go())

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, headers)

    def replay_stats(self) -> tuple[int, int]:
        stats = self.app.replay[-1].stats
        return stats.hits, stats.misses
