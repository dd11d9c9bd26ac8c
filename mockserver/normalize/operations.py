"""Walking the operations of an OpenAPI document.

Several steps (auth lifting, operationId assignment, tidying) visit every operation; they
share this one definition of what an operation is, so they never disagree.
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.base.httpfacts import HTTP_METHODS


def iter_operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield `(path, method, operation)` in document order (paths, then method order in the item)."""
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield path, method, operation
