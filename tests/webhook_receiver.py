"""A real HTTP receiver for webhook and callback tests, served from a thread of the test.

It records every request (method, path, headers, raw body) and answers with the statuses it
is given in turn (the last one repeats), so a test can make the first delivery fail.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, statuses: tuple[int, ...] = (200,)) -> None:
        self.statuses = list(statuses)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with owner._lock:
                    owner.received.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    status = owner.statuses.pop(0) if len(owner.statuses) > 1 else owner.statuses[0]
                payload = b'{"ok": true}' if status < 300 else b'{"error": "receiver says no"}'
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_PUT = do_PATCH = do_DELETE = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Received]:
        """The first `count` requests, once they have arrived (an AssertionError if they do not)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received[:count])
            time.sleep(0.02)
        raise AssertionError(f"{count} requests expected, {len(self.received)} arrived: {self.received!r}")
