"""cors.py adds `Vary: Origin` to replies of requests without an Origin with starlette's bytes."""

from __future__ import annotations

import pytest
from starlette.datastructures import MutableHeaders

from mockserver.server.cors import vary_origin


@pytest.mark.parametrize("headers", [
    [],
    [(b"content-type", b"application/json")],
    [(b"vary", b"Accept"), (b"content-length", b"2")],
    [(b"a", b"1"), (b"vary", b"Accept"), (b"x", b"1"), (b"vary", b"Prefer"), (b"z", b"2")],
])
def test_vary_origin_writes_what_starlettes_cors_layer_writes(headers) -> None:
    message = {"headers": list(headers)}
    mutable = MutableHeaders(scope=message)  # what CORSMiddleware.send does without an Origin
    mutable["Vary"] = ", ".join([*mutable.getlist("Vary"), "Origin"])
    assert vary_origin(headers) == message["headers"]
