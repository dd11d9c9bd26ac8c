"""The connection's asyncio transport behind uvicorn's `send`, for the connection faults.

ASGI does not expose the connection. uvicorn's `send` is a bound method of its per-request
cycle object (`RequestResponseCycle`, in both its h11 and httptools protocols), whose
`transport` attribute is the connection's asyncio transport: `send.__self__.transport`. Under
any other server there is none, and the faults that act on the connection answer a problem.
"""

from __future__ import annotations

import inspect
from typing import Any

from mockserver.adapters import broken

TESTED = "uvicorn 0.55.0 (brought by connexion[uvicorn]==3.3.0 in pyproject.toml)"


def transport_of(send: Any) -> Any:
    """The asyncio transport behind uvicorn's `send`, or None (another server, or a wrapper)."""
    return getattr(getattr(send, "__self__", None), "transport", None)


def check() -> None:
    """Raise `AdapterBroken` when uvicorn's cycle objects no longer keep the transport."""
    from uvicorn.protocols.http import h11_impl

    modules = [h11_impl]
    try:
        from uvicorn.protocols.http import httptools_impl
        modules.append(httptools_impl)
    except ImportError:  # httptools is optional
        pass
    for module in modules:
        cycle = getattr(module, "RequestResponseCycle", None)
        if cycle is None or not inspect.iscoroutinefunction(getattr(cycle, "send", None)):
            raise broken("uvicorn", TESTED, f"{module.__name__}.RequestResponseCycle.send is gone", "uvicorn")
        if "self.transport = transport" not in inspect.getsource(cycle.__init__):
            raise broken("uvicorn", TESTED, f"{module.__name__}.RequestResponseCycle no longer keeps `transport`",
                         "uvicorn")
