"""The catalogue of every error the mock itself produces, as RFC 9457 problem+json replies.

One place for every type, title and status, so a client sees the same shape for every mistake
and the README's table can list them all (a test checks that it does). Replies an operation
declares (its 401, 400, 404) are not here: they are the contract's, built by reply_builder.py.
"""

from __future__ import annotations

from typing import Any

from mockserver.base.defaults import PROBLEM_JSON
from mockserver.http.reply import Reply, encode_json

PROBLEM_BASE = "https://mockserver.invalid/problems/"

# kind -> (status, title): the catalogue, in the README's order
CATALOGUE: dict[str, tuple[int, str]] = {
    "not-found": (404, "Not Found"),
    "method-not-allowed": (405, "Method Not Allowed"),
    "unusable-path": (404, "Not Found"),
    "unauthorized": (401, "Unauthorized"),
    "invalid-request": (400, "Bad Request"),
    "unsupported-media-type": (415, "Unsupported Media Type"),
    "unknown-record": (404, "Not Found"),
    "invalid-preference": (422, "Malformed response preference"),
    "undeclared-preference": (422, "The requested response is not declared by the contract"),
    "not-acceptable": (406, "Not Acceptable"),
    "contract-violation": (500, "The mock produced a response its contract does not allow"),
    "internal-error": (500, "Internal Server Error"),
    "invalid-control-request": (422, "Invalid control request"),
    "control-not-found": (404, "Not Found"),
    "control-method-not-allowed": (405, "Method Not Allowed"),
    "invalid-json": (400, "Bad Request"),
    "too-large": (413, "Payload Too Large"),
    "headers-too-large": (431, "Request Header Fields Too Large"),
    "body-timeout": (408, "Request Timeout"),
    "header-timeout": (408, "Request Timeout"),
    "invalid-session": (400, "Bad Request"),
    "session-limit": (503, "Service Unavailable"),
    "state-unavailable": (503, "Service Unavailable"),
    "rate-limited": (429, "Too Many Requests"),
    "fault-unavailable": (501, "Not Implemented"),
    "control-token": (401, "Unauthorized"),
    "control-forbidden": (403, "Forbidden"),
    "control-media-type": (415, "Unsupported Media Type"),
    "upstream-unavailable": (502, "Bad Gateway"),
}


def raw(reply: Reply) -> bytes:
    """A reply as HTTP/1.1 bytes, for the connection to write where there is no ASGI app yet."""
    from http import HTTPStatus

    head = [f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}"]
    head += [f"{name}: {value}" for name, value in reply.header_list()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


def problem(kind: str, detail: str, headers: tuple[tuple[str, str], ...] = (), status: int | None = None,
            **extra: Any) -> Reply:
    catalogued_status, title = CATALOGUE[kind]
    status = status or catalogued_status
    payload = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    payload.update(extra)
    return Reply(status, PROBLEM_JSON, encode_json(payload), headers)


def not_found(method: str, path: str, closest: list[str] | None = None) -> Reply:
    """No operation serves the path: the closest ones that do, and where to see them all."""
    hint = f"; the closest served: {', '.join(closest)}" if closest else ""
    return problem("not-found", f"no operation serves {method} {path}{hint} (every route: GET /)",
                   **({"closest": closest} if closest else {}))


def method_not_allowed(method: str, path: str, allowed: list[str], kind: str = "method-not-allowed") -> Reply:
    """405 with `Allow` (sorted: starlette lists it from a set, whose order changes per process)."""
    allow = ", ".join(sorted(set(allowed)))
    return problem(kind, f"{path} does not take {method}; it takes {allow}", (("allow", allow),))


def unusable_path(detail: str) -> Reply:
    """A path no operation can take (control characters, not UTF-8) that the router could not
    route either. A 404, not a 400: the request is well formed for a `type: string` id (a
    schema-valid request is not the client's mistake), and no resource lives at such a path."""
    return problem("unusable-path", detail)


def unauthorized(detail: str, challenge: str | None) -> Reply:
    return problem("unauthorized", detail, (("www-authenticate", challenge),) if challenge else ())


def invalid_request(status: int, detail: str) -> Reply:
    """A parameter or body the contract rejects, where the operation declares no reply for it."""
    kind = "unsupported-media-type" if status == 415 else "invalid-request"
    return problem(kind, detail, status=status)


def unknown_record(operation_id: str, field: str, record_id: str) -> Reply:
    """An id the record's id field cannot hold, where the operation declares no 404."""
    return problem("unknown-record", f"{operation_id}: no record can have {field} {record_id[:80]!r}")


def undeclared_preference(operation_id: str, detail: str, declared: dict[str, Any]) -> Reply:
    """`declared` is `Operation.declared_summary()`: the statuses and examples one may ask for."""
    return problem("undeclared-preference", detail, operationId=operation_id, **declared)


def invalid_preference(detail: str) -> Reply:
    return problem("invalid-preference", detail)


def not_acceptable(offered: str) -> Reply:
    return problem("not-acceptable", f"this operation only answers {offered}")


def contract_violation(operation_id: str, status: int, violations: list[str]) -> Reply:
    return problem(
        "contract-violation",
        f"{operation_id}: the {status} response failed validation; this is a bug in the mock or its data",
        operationId=operation_id,
        violations=violations,
    )


def internal_error(detail: str) -> Reply:
    return problem("internal-error", detail)


# -- the control API ----------------------------------------------------------------------

def invalid_control_request(detail: str, **extra: Any) -> Reply:
    return problem("invalid-control-request", detail, **extra)


def control_not_found(detail: str) -> Reply:
    return problem("control-not-found", detail)


def control_method_not_allowed(method: str, path: str, allowed: list[str]) -> Reply:
    return method_not_allowed(method, path, allowed, kind="control-method-not-allowed")


def invalid_json(detail: str) -> Reply:
    """A control-API body no JSON value can be read from; `detail` says why, from the start
    ("the body is not JSON: ...", "the body nests ... deeper than 64 levels": request.json_value)."""
    return problem("invalid-json", detail)


def too_large(limit: int, what: str = "") -> Reply:
    return problem("too-large", f"{what}at most {limit} bytes")


def headers_too_large(size: int, limit: int) -> Reply:
    """Closes the connection: the client may still be sending the rest of what it declared."""
    return problem("headers-too-large", f"the request's headers are {size} bytes; at most {limit} "
                                        "(names and values together, --max-header-bytes)",
                   headers=(("connection", "close"),))


def head_too_large(limit: int) -> Reply:
    """Sent by the connection itself (adapters/uvicorn.py) before the head is whole."""
    return problem("headers-too-large", f"the request's head is over {limit} bytes (request line and headers, "
                                        "--max-header-bytes)", headers=(("connection", "close"),))


def header_timeout(seconds: float) -> Reply:
    """Sent by the connection itself (adapters/uvicorn.py): a head this slow is a slowloris."""
    return problem("header-timeout", f"the request's headers did not arrive within {seconds:g} s (--header-timeout)",
                   headers=(("connection", "close"),))


def body_timeout(seconds: float) -> Reply:
    """Closes the connection: what is left of the body would be read as the next request."""
    return problem("body-timeout", f"the request body did not arrive within {seconds:g} s (--body-timeout)",
                   headers=(("connection", "close"),))


def control_token(header: str, sent: bool) -> Reply:
    """A missing token and a wrong one are told apart: the fix differs (send it, or fix it)."""
    if sent:
        return problem("control-token", f"the {header} header does not match --control-token")
    return problem("control-token", f"the control API needs the {header} header")


def control_forbidden(detail: str) -> Reply:
    return problem("control-forbidden", detail)


def control_media_type(given: str | None) -> Reply:
    return problem("control-media-type",
                   f"control-API writes take Content-Type: application/json, not {given or 'none'} "
                   "(curl: --json, or -H 'Content-Type: application/json')")


def invalid_session(name: str) -> Reply:
    return problem("invalid-session", f"a session name is 1 to 64 letters, digits, '.', '_' or '-', not {name[:80]!r}")


def session_limit(detail: str) -> Reply:
    return problem("session-limit", detail)


def state_unavailable(detail: str) -> Reply:
    """The shared store (--state, --workers) is out of reach: a change cannot be made safely."""
    return problem("state-unavailable", f"{detail}; contract reads go on, changes wait until it is back",
                   (("retry-after", "1"),))


def rate_limited(detail: str, retry_after: int) -> Reply:
    """Over a rate limit the contract declares no 429 for: said to be outside the contract."""
    return problem("rate-limited", detail, (("retry-after", str(retry_after)),
                                            ("x-mock-outside-contract", "429 is not declared for this operation")))


def fault_unavailable(fault: str) -> Reply:
    return problem("fault-unavailable", f"the {fault} fault needs the connection, which only uvicorn (mockserver serve) gives")


def upstream_unavailable(detail: str) -> Reply:
    """The proxy's upstream did not answer in time, could not be reached, or answered more than
    the proxy reads (--proxy)."""
    return problem("upstream-unavailable", detail)
