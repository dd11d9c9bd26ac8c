"""Every private API of a library the mock relies on, one small module per library.

Why: starlette, uvicorn, connexion, jsonschema and the `re` module each hold something the mock
needs and does not publish (a dispatch function, the connection's transport, a check to skip,
a validator's keyword list, the regex parser). Reached from anywhere, an upgrade that changes
one breaks the server somewhere far from the cause. Here each is reached in one named function,
and each module's `check()` (run by tests/unit/test_adapters.py) says which library, which
version was tested and what changed, so an upgrade fails loudly in one place.

Rule: these modules import the libraries and the leaf modules only (pointer, httpfacts,
templates, defaults, names), never the rest of mockserver; nothing outside this package touches
a private attribute of a library.
"""

from __future__ import annotations


class AdapterBroken(AssertionError):
    """A private API an adapter relies on is not what the tested version had."""


def broken(library: str, tested: str, what: str, module: str) -> AdapterBroken:
    """The failure an adapter's `check()` raises: the library, the version tested, what changed."""
    return AdapterBroken(f"{library} (tested with {tested}): {what}; mockserver/adapters/{module}.py needs updating")
