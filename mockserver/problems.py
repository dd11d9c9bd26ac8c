"""The catalogue of errors the mock itself produces, as RFC 9457 problem+json replies.

One place for every title and status, so a client sees the same shape for every mistake,
and the README can list them.
"""

from __future__ import annotations

from typing import Any

from mockserver.defaults import PROBLEM_JSON
from mockserver.reply import Reply, encode_json

PROBLEM_BASE = "https://mockserver.invalid/problems/"


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> Reply:
    payload = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    payload.update(extra)
    return Reply(status, PROBLEM_JSON, encode_json(payload))


def undeclared_preference(operation_id: str, detail: str, declared: dict[str, Any]) -> Reply:
    """`declared` is `Operation.declared_summary()`: the statuses and examples one may ask for."""
    return problem(
        422,
        "undeclared-preference",
        "The requested response is not declared by the contract",
        detail,
        operationId=operation_id,
        **declared,
    )


def invalid_preference(detail: str) -> Reply:
    return problem(422, "invalid-preference", "Malformed response preference", detail)


def contract_violation(operation_id: str, status: int, violations: list[str]) -> Reply:
    return problem(
        500,
        "contract-violation",
        "The mock produced a response its contract does not allow",
        f"{operation_id}: the {status} response failed validation; this is a bug in the mock or its data",
        operationId=operation_id,
        violations=violations,
    )


def unauthorized(detail: str) -> Reply:
    reply = problem(401, "unauthorized", "Unauthorized", detail)
    return Reply(reply.status, reply.media_type, reply.body, (("www-authenticate", "Bearer"),))


def not_acceptable(offered: str) -> Reply:
    return problem(406, "not-acceptable", "Not Acceptable", f"this operation only answers {offered}")

