"""JSON pointers (RFC 6901) for naming a place in a document in warnings and errors.

Path keys such as `/activity_logs/{activity_id}` contain `/`, so tokens must be escaped
or a pointer would name the wrong place.
"""

from __future__ import annotations

ROOT = "#"


def escape(token: object) -> str:
    """Escape one reference token: `~` -> `~0`, `/` -> `~1`."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(base: str, *tokens: object) -> str:
    """Extend `base` (e.g. `#/paths`) by the escaped `tokens`."""
    return base + "".join("/" + escape(token) for token in tokens)
