"""Assigning missing operationIds.

The mock binds handlers and scenarios by operationId, and the resolved form has none. The
rule reproduces Lago's own names (findActivityLog, findApiLog): the verb from the method
and whether the path ends in a parameter, the noun from the last literal segment.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.base.names import camel, singular
from mockserver.normalize.operations import iter_operations

_PARAM = re.compile(r"^\{.+\}$")
# method -> (verb on an item path, verb on a collection path, singular noun on a collection?)
_VERBS = {
    "get": ("find", "list", False),
    "post": ("create", "create", True),
    "put": ("update", "update", True),
    "patch": ("update", "update", True),
    "delete": ("destroy", "destroy", True),
}


def conventional_id(method: str, path: str) -> str | None:
    """`GET /activity_logs/{activity_id}` -> `findActivityLog`, `GET /api_logs` ->
    `listApiLogs`, `POST /customers` -> `createCustomer`; None when there is no noun."""
    segments = [s for s in path.split("/") if s]
    literals = [s for s in segments if not _PARAM.match(s)]
    if method not in _VERBS or not literals:
        return None
    on_item = bool(segments) and bool(_PARAM.match(segments[-1]))
    item_verb, collection_verb, singular_on_collection = _VERBS[method]
    noun = literals[-1]
    if on_item or singular_on_collection:
        noun = singular(noun)
    return (item_verb if on_item else collection_verb) + camel(noun)


def fallback_id(method: str, path: str) -> str:
    """A name that spells the whole path, so it only collides with the same route:
    `GET /customers/{id}/wallets` -> `getCustomersByIdWallets`."""
    words = [("By" + camel(s[1:-1])) if _PARAM.match(s) else camel(s) for s in path.split("/") if s]
    return method.lower() + ("".join(words) or "Root")


def assign_operation_ids(doc: dict[str, Any]) -> None:
    """Give every operation without an operationId a unique one, in document order.

    Existing ids are reserved first, so adding a page never renames an operation that
    already had an id in the source.
    """
    taken = {op["operationId"] for _p, _m, op in iter_operations(doc) if op.get("operationId")}
    for path, method, operation in iter_operations(doc):
        if operation.get("operationId"):
            continue
        candidate = conventional_id(method, path)
        if candidate is None or candidate in taken:
            candidate = fallback_id(method, path)
        unique, counter = candidate, 2
        while unique in taken:
            unique, counter = f"{candidate}{counter}", counter + 1
        operation["operationId"] = unique
        taken.add(unique)
